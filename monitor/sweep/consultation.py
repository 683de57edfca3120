"""意见征集 (docs/consultations.md) in the sweep, right after the disclosure steps and set-based like
them: a few UPDATE and INSERT … SELECT statements whatever the number of consultations.

Alert subject `consultation:<id>`. Stages: `short` (consultation_short, once, while comments
are still being taken, to the office route: department None → `[routing] default`) and the
采纳情况 clock's `2wd@YYYYMMDD`, `1wd@…` (consultation_feedback_at_risk) and `overdue@…`
(consultation_feedback_overdue), routed by department. A feedback stage reached while the
window is still open waits (unfired) until comments stop. Acknowledging the `short` alert
does not silence the 采纳情况 reminders: they are about something else."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import and_, case, exists, false, select, true, update
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import ColumnElement

from alerts.outbox import AlertKind, AlertStatus, Subject, SubjectKind, enqueue, new_alerts_select
from monitor.consultation.deadlines import OPEN_VALUES, WAITING_VALUES, ConsultationState
from monitor.consultation.register import schedule
from monitor.db import rowcount
from monitor.db.models import Alert, Consultation, ConsultationStage
from monitor.disclosure.register import Context

if TYPE_CHECKING:
    from monitor.app import App

SHORT_STAGE = "short"
_C = Consultation


def recheck_provisional(session: Session, app: App, now: datetime) -> int:
    """Provisional feedback due dates (through a year the calendar does not know) are
    recomputed on every sweep: once holidays.toml gains the year they become firm. Few rows."""
    ctx = Context(app.config, app.calendar, now, actor="sweep")
    count = 0
    query = select(_C).where(_C.provisional.is_(True), _C.state.in_(OPEN_VALUES))
    for row in session.scalars(query):
        schedule(session, row, ctx)
        count += 1
    return count


def consultation_states(session: Session, app: App, now: datetime) -> int:
    """collecting → awaiting_feedback → at_risk → overdue by the stored instants (the same
    rules as `deadlines.consultation_state`)."""
    collecting = ConsultationState.COLLECTING.value
    waiting = ConsultationState.AWAITING_FEEDBACK.value
    at_risk, overdue = ConsultationState.AT_RISK.value, ConsultationState.OVERDUE.value
    moves = [
        (_C.state.in_([collecting, waiting, at_risk]), _C.deadline <= now, overdue),
        (
            _C.state.in_([collecting, waiting]),
            and_(_C.first_warning_at <= now, _C.closes_at <= now),
            at_risk,
        ),
        (_C.state == collecting, _C.closes_at <= now, waiting),
    ]
    moved = 0
    for current, reached, new in moves:
        moved += (
            rowcount(
                session.execute(
                    update(_C).where(current, reached).values(state=new, updated_at=now)
                )
            )
            or 0
        )
    return moved


def short_alerts(session: Session, now: datetime, ids: Sequence[int] | None = None) -> int:
    """consultation_short for every short window whose comments are still being taken
    (`ids`: only those; `consult add` calls this so the office hears of it at once, a
    consultation registered on the dashboard or found by a crawl is told by the next sweep).
    Once per consultation: the outbox key (subject, "short") makes a repeat a no-op."""
    query = new_alerts_select(
        AlertKind.CONSULTATION_SHORT,
        Subject.sql(SubjectKind.CONSULTATION, _C.id),
        SHORT_STAGE,
        false(),
        None,
        now,
    ).where(_C.short == true(), _C.feedback_at.is_(None), _C.closes_at > now)
    if ids is not None:
        query = query.where(_C.id.in_(list(ids)))
    return enqueue(session, query)


def consultation_short_alerts(session: Session, app: App, now: datetime) -> int:
    return short_alerts(session, now)


def _due(now: datetime) -> ColumnElement[bool]:
    """Reached, unfired stages of consultations closed and still owing their 采纳情况."""
    waiting = select(_C.id).where(_C.state.in_(WAITING_VALUES))
    return and_(
        ConsultationStage.fired == false(),
        ConsultationStage.at <= now,
        ConsultationStage.consultation_id.in_(waiting),
    )


def consultation_feedback_alerts(session: Session, app: App, now: datetime) -> int:
    """Due stages → alerts (only the newest reached stage of a consultation: one first seen
    overdue sends one alert, not three), then those stages are marked fired."""
    subject = Subject.sql(SubjectKind.CONSULTATION, _C.id)
    later = aliased(ConsultationStage)
    newest = ~exists().where(
        later.consultation_id == ConsultationStage.consultation_id,
        later.at > ConsultationStage.at,
        later.at <= now,
    )
    acked = exists().where(
        Alert.subject == subject,
        Alert.status == AlertStatus.ACKED.value,
        Alert.kind != AlertKind.CONSULTATION_SHORT.value,
    )
    kind = case(
        (ConsultationStage.stage.like("overdue%"), AlertKind.CONSULTATION_FEEDBACK_OVERDUE.value),
        else_=AlertKind.CONSULTATION_FEEDBACK_AT_RISK.value,
    )
    query = (
        new_alerts_select(kind, subject, ConsultationStage.stage, false(), _C.department, now)
        .join(_C, _C.id == ConsultationStage.consultation_id)
        .where(_due(now), ~acked, newest)
    )
    count = enqueue(session, query)
    session.execute(update(ConsultationStage).where(_due(now)).values(fired=True))
    return count
