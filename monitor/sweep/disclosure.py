"""依申请公开 requests in the sweep, set-based like the message steps: a few UPDATE and
INSERT … SELECT statements whatever the number of requests.

Alert subject `disclosure:<id>`; stages `2wd@YYYYMMDD`, `1wd@…` (disclosure_at_risk),
`overdue@…` (disclosure_overdue) and `correction` (disclosure_correction: today is the last
day to send the request back for 补正). A paused or correcting request's clock stands still,
so its stages wait (unfired) until it runs again."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import and_, case, exists, false, select, update
from sqlalchemy.orm import Session, aliased, selectinload
from sqlalchemy.sql import ColumnElement

from alerts.outbox import AlertKind, Subject, SubjectKind, acked, enqueue, new_alerts_select
from monitor.db import rowcount
from monitor.db.models import DisclosureRequest, DisclosureStage
from monitor.disclosure.deadlines import ACTIVE_VALUES, OPEN_VALUES, DisclosureState
from monitor.disclosure.register import CORRECTION_STAGE, Context, schedule

if TYPE_CHECKING:
    from monitor.app import App


def recheck_provisional(session: Session, app: App, now: datetime) -> int:
    """Provisional due dates (through a year the calendar does not know) are recomputed on
    every sweep: once holidays.toml gains the year they become firm. Few rows."""
    ctx = Context(app.config, app.calendar, now, actor="sweep")
    count = 0
    query = (
        select(DisclosureRequest)
        .options(selectinload(DisclosureRequest.pauses))
        .where(DisclosureRequest.provisional.is_(True), DisclosureRequest.state.in_(OPEN_VALUES))
    )
    for request in session.scalars(query):
        schedule(session, request, ctx)
        count += 1
    return count


def request_states(session: Session, app: App, now: datetime) -> int:
    """open → at_risk → overdue by the stored deadline and first-warning instants."""
    overdue = rowcount(
        session.execute(
            update(DisclosureRequest)
            .where(
                DisclosureRequest.state.in_(
                    [DisclosureState.OPEN.value, DisclosureState.AT_RISK.value]
                ),
                DisclosureRequest.deadline <= now,
            )
            .values(state=DisclosureState.OVERDUE.value, updated_at=now)
        )
    )
    at_risk = rowcount(
        session.execute(
            update(DisclosureRequest)
            .where(
                DisclosureRequest.state == DisclosureState.OPEN.value,
                DisclosureRequest.first_warning_at <= now,
            )
            .values(state=DisclosureState.AT_RISK.value, updated_at=now)
        )
    )
    return (overdue or 0) + (at_risk or 0)


def _due(now: datetime) -> ColumnElement[bool]:
    """Reached, unfired stages of requests whose clock runs."""
    running = select(DisclosureRequest.id).where(DisclosureRequest.state.in_(ACTIVE_VALUES))
    return and_(
        DisclosureStage.fired == false(),
        DisclosureStage.at <= now,
        DisclosureStage.request_id.in_(running),
    )


def stage_alerts(session: Session, app: App, now: datetime) -> int:
    """Due stages → alerts (only the newest reached deadline stage of a request: one first
    seen overdue sends one alert, not three), then the stages are marked fired."""
    subject = Subject.sql(SubjectKind.DISCLOSURE, DisclosureRequest.id)
    later = aliased(DisclosureStage)
    newest = ~exists().where(
        later.request_id == DisclosureStage.request_id,
        later.stage != CORRECTION_STAGE,
        later.at > DisclosureStage.at,
        later.at <= now,
    )
    kind = case(
        (DisclosureStage.stage == CORRECTION_STAGE, AlertKind.DISCLOSURE_CORRECTION.value),
        (DisclosureStage.stage.like("overdue%"), AlertKind.DISCLOSURE_OVERDUE.value),
        else_=AlertKind.DISCLOSURE_AT_RISK.value,
    )
    query = (
        new_alerts_select(
            kind, subject, DisclosureStage.stage, false(), DisclosureRequest.department, now
        )
        .join(DisclosureRequest, DisclosureRequest.id == DisclosureStage.request_id)
        .where(
            _due(now),
            ~acked(subject),
            # the 补正 reminder only on its day: a request first swept later is not told
            # a limit that has already passed
            (
                (DisclosureStage.stage == CORRECTION_STAGE)
                & (DisclosureStage.at > now - timedelta(days=1))
            )
            | ((DisclosureStage.stage != CORRECTION_STAGE) & newest),
        )
    )
    count = enqueue(session, query)
    session.execute(update(DisclosureStage).where(_due(now)).values(fired=True))
    return count
