"""Crisis clocks in the sweep: one alert (crisis_at_risk, crisis_overdue) for each milestone's
newest reached stage while the milestone is not done. Crisis alerts never wait for office
hours (their kinds are urgent)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import case, true
from sqlalchemy.orm import Session

from alerts.outbox import AlertKind, Subject, SubjectKind, acked, enqueue, new_alerts_select
from monitor.db.models import DeadlineStage, Milestone
from monitor.sweep.stages import due, newest_reached

if TYPE_CHECKING:
    from monitor.app import App


def stage_alerts(session: Session, app: App, now: datetime) -> int:
    subject = Subject.sql(SubjectKind.MILESTONE, Milestone.id)
    kind = case(
        (DeadlineStage.stage == "overdue", AlertKind.CRISIS_OVERDUE.value),
        else_=AlertKind.CRISIS_AT_RISK.value,
    )
    query = (
        new_alerts_select(kind, subject, DeadlineStage.stage, true(), None, now)
        .join(Milestone, Milestone.id == DeadlineStage.milestone_id)
        .where(
            due(now),
            Milestone.done_at.is_(None),
            newest_reached(now, "milestone_id"),
            ~acked(subject),
        )
    )
    return enqueue(session, query)
