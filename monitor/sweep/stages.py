"""Deadline stages of messages and crisis milestones (`deadline_stages`, written by
monitor.tracking): which reached stage is the newest, and marking due stages fired."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import and_, exists, false, update
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import ColumnElement

from monitor.db import rowcount
from monitor.db.models import DeadlineStage

if TYPE_CHECKING:
    from monitor.app import App


def due(now: datetime) -> ColumnElement[bool]:
    """Stages reached at `now` and not looked at yet."""
    return and_(DeadlineStage.fired == false(), DeadlineStage.at <= now)


def newest_reached(now: datetime, owner: str) -> ColumnElement[bool]:
    """No later stage of the same owner (`message_id` or `milestone_id`) is also reached:
    only the newest reached stage alerts, so a message first seen already overdue sends one
    alert, not three."""
    later = aliased(DeadlineStage)
    return ~exists().where(
        getattr(later, owner) == getattr(DeadlineStage, owner),
        later.at > DeadlineStage.at,
        later.at <= now,
    )


def fire_due_stages(session: Session, app: App, now: datetime) -> int:
    """Mark every due stage fired (alerted or not): each stage is looked at once."""
    marked = session.execute(update(DeadlineStage).where(due(now)).values(fired=True))
    return rowcount(marked) or 0
