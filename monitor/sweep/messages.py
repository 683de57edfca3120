"""Citizens' messages in the sweep: provisional deadlines firmed up, states moved (open →
at_risk → overdue) in SQL, one alert for the newest reached reply stage (reply_at_risk,
reply_overdue), and reply_resolved when a reply follows a warning."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import case, false, select, true, update
from sqlalchemy.orm import Session

from alerts.outbox import AlertKind, Subject, SubjectKind, acked, enqueue, new_alerts_select
from monitor.db import rowcount
from monitor.db.models import DeadlineStage, Message
from monitor.deadlines import ACTIVE_STATE_VALUES, MessageState
from monitor.sweep.stages import due, newest_reached
from monitor.tracking import schedule_message

if TYPE_CHECKING:
    from monitor.app import App

_ACTIVE = ACTIVE_STATE_VALUES


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


def stage_alerts(session: Session, app: App, now: datetime) -> int:
    """reply_at_risk / reply_overdue for each message's newest reached, unfired stage (none
    once someone acknowledged an alert about the message); the message is marked alerted."""
    subject = Subject.sql(SubjectKind.MESSAGE, Message.id)
    kind = case(
        (DeadlineStage.stage == "overdue", AlertKind.REPLY_OVERDUE.value),
        else_=AlertKind.REPLY_AT_RISK.value,
    )
    query = (
        new_alerts_select(kind, subject, DeadlineStage.stage, false(), Message.department, now)
        .join(Message, Message.id == DeadlineStage.message_id)
        .where(
            due(now),
            Message.state.in_(_ACTIVE),
            newest_reached(now, "message_id"),
            ~acked(subject),
        )
    )
    count = enqueue(session, query)
    due_ids = select(DeadlineStage.message_id).where(
        due(now), DeadlineStage.message_id.is_not(None)
    )
    session.execute(
        update(Message)
        .where(Message.id.in_(due_ids), Message.state.in_(_ACTIVE))
        .values(alerted=True)
    )
    return count


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
