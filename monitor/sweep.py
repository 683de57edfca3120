"""The sweep: evaluate every deadline at `now` and enqueue alerts, set-based.

Each step is a small function `(session, app, now) -> int` run in one transaction; the work
is done by a few UPDATE and INSERT … SELECT statements on indexed columns, so 100,000 open
messages cost the same handful of statements as ten. Other areas add their steps to STEPS."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import and_, case, exists, false, select, true, update
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.selectable import Exists

from alerts import steps as alert_steps
from alerts.outbox import AlertKind, AlertStatus, Subject, SubjectKind, enqueue, new_alerts_select
from monitor.db import rowcount
from monitor.db.models import Alert, DeadlineStage, Message, Milestone
from monitor.deadlines import ACTIVE_STATE_VALUES, MessageState
from monitor.disclosure import sweep as disclosure_sweep
from monitor.tracking import schedule_message
from monitor.watchlist import scan as watch_scan

if TYPE_CHECKING:
    from monitor.app import App

SweepStep = Callable[[Session, "App", datetime], int]
_ACTIVE = ACTIVE_STATE_VALUES


@dataclass
class SweepResult:
    at: datetime
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def alerts(self) -> int:
        return sum(v for k, v in self.counts.items() if k.startswith("alerts"))


def _acked(subject: ColumnElement[str]) -> Exists:
    return exists().where(and_(Alert.subject == subject, Alert.status == AlertStatus.ACKED.value))


def recheck_provisional(session: Session, app: App, now: datetime) -> int:
    """Provisional deadlines are recomputed on every sweep: once holidays.toml gains the
    missing year they become firm (and move, if the new schedule says so). Few rows."""
    count = 0
    query = select(Message).where(Message.provisional == true(), Message.state.in_(_ACTIVE))
    for message in session.scalars(query):
        schedule_message(session, message, app.config, app.calendar, now)
        count += 1
    return count


def message_states(session: Session, app: App, now: datetime) -> int:
    """open → at_risk → overdue by the stored deadline and first-warning instants."""
    overdue = rowcount(
        session.execute(
            update(Message)
            .where(
                Message.state.in_([MessageState.OPEN.value, MessageState.AT_RISK.value]),
                Message.deadline <= now,
            )
            .values(state=MessageState.OVERDUE.value, state_changed_at=now)
        )
    )
    at_risk = rowcount(
        session.execute(
            update(Message)
            .where(Message.state == MessageState.OPEN.value, Message.first_warning_at <= now)
            .values(state=MessageState.AT_RISK.value, state_changed_at=now)
        )
    )
    return (overdue or 0) + (at_risk or 0)


def _latest_due(now: datetime, owner: str) -> ColumnElement[bool]:
    """No later stage of the same owner is also due: only the newest reached stage alerts,
    so a message first seen already overdue sends one alert, not three."""
    later = aliased(DeadlineStage)
    return ~exists().where(
        getattr(later, owner) == getattr(DeadlineStage, owner),
        later.at > DeadlineStage.at,
        later.at <= now,
    )


def message_stage_alerts(session: Session, app: App, now: datetime) -> int:
    subject = Subject.sql(SubjectKind.MESSAGE, Message.id)
    kind = case(
        (DeadlineStage.stage == "overdue", AlertKind.REPLY_OVERDUE.value),
        else_=AlertKind.REPLY_AT_RISK.value,
    )
    query = (
        new_alerts_select(kind, subject, DeadlineStage.stage, false(), Message.department, now)
        .join(Message, Message.id == DeadlineStage.message_id)
        .where(
            DeadlineStage.fired == false(),
            DeadlineStage.at <= now,
            Message.state.in_(_ACTIVE),
            _latest_due(now, "message_id"),
            ~_acked(subject),
        )
    )
    count = enqueue(session, query)
    due_ids = select(DeadlineStage.message_id).where(
        DeadlineStage.fired == false(),
        DeadlineStage.at <= now,
        DeadlineStage.message_id.is_not(None),
    )
    session.execute(
        update(Message)
        .where(Message.id.in_(due_ids), Message.state.in_(_ACTIVE))
        .values(alerted=True)
    )
    return count


def milestone_stage_alerts(session: Session, app: App, now: datetime) -> int:
    subject = Subject.sql(SubjectKind.MILESTONE, Milestone.id)
    kind = case(
        (DeadlineStage.stage == "overdue", AlertKind.CRISIS_OVERDUE.value),
        else_=AlertKind.CRISIS_AT_RISK.value,
    )
    query = (
        new_alerts_select(kind, subject, DeadlineStage.stage, true(), None, now)
        .join(Milestone, Milestone.id == DeadlineStage.milestone_id)
        .where(
            DeadlineStage.fired == false(),
            DeadlineStage.at <= now,
            Milestone.done_at.is_(None),
            _latest_due(now, "milestone_id"),
            ~_acked(subject),
        )
    )
    return enqueue(session, query)


def fire_due_stages(session: Session, app: App, now: datetime) -> int:
    """Mark every due stage fired (alerted or not): each stage is looked at once."""
    return (
        rowcount(
            session.execute(
                update(DeadlineStage)
                .where(DeadlineStage.fired == false(), DeadlineStage.at <= now)
                .values(fired=True)
            )
        )
        or 0
    )


def resolved_alerts(session: Session, app: App, now: datetime) -> int:
    """A reply came after an at-risk/overdue alert: tell the office it is resolved."""
    replied = [MessageState.REPLIED.value, MessageState.REPLIED_LATE.value]
    query = new_alerts_select(
        AlertKind.REPLY_RESOLVED,
        Subject.sql(SubjectKind.MESSAGE, Message.id),
        "resolved",
        false(),
        Message.department,
        now,
    ).where(Message.alerted == true(), Message.state.in_(replied))
    count = enqueue(session, query)
    session.execute(
        update(Message)
        .where(Message.alerted == true(), Message.state.in_(replied))
        .values(alerted=False)
    )
    return count


# Order matters: states first, then the alerts that read them, then stages are marked fired.
STEPS: list[tuple[str, SweepStep]] = [
    ("provisional", recheck_provisional),
    ("states", message_states),
    ("alerts.reply", message_stage_alerts),
    ("alerts.crisis", milestone_stage_alerts),
    ("disclosure.provisional", disclosure_sweep.recheck_provisional),
    ("disclosure.states", disclosure_sweep.disclosure_states),
    ("alerts.disclosure", disclosure_sweep.disclosure_alerts),
    ("watch.scan", watch_scan.scan_watch),
    ("alerts.watch", watch_scan.watch_alerts),
    ("stages_fired", fire_due_stages),
    ("alerts.resolved", resolved_alerts),
    ("alerts.sources", alert_steps.source_unhealthy_alerts),
    ("alerts.calendar", alert_steps.calendar_missing_alerts),
    ("alerts.calendar_known", alert_steps.calendar_known_alerts),
]


def sweep(app: App, now: datetime | None = None) -> SweepResult:
    """Run every step at `now` (default: the app's clock) in one transaction."""
    moment = now or app.now()
    result = SweepResult(at=moment)
    with app.session() as session:
        for name, step in STEPS:
            result.counts[name] = step(session, app, moment)
    return result
