"""The office board's read model (the dashboard's `/`): open, 临期 and overdue items per
department, soonest deadline first, evaluated at `now` in SQL so 100,000 open messages cost
a few indexed queries, and the time left as people say it (working days or hours).

The state conditions below are `deadlines.message_state` for an active message written as
SQL (the sweep's `message_states` step moves stored states the same way); a test keeps
the two in step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from monitor.calendar import WorkCalendar, WorkingDays
from monitor.db.models import Message
from monitor.deadlines import ACTIVE_STATE_VALUES, MessageState
from monitor.timeutil import local_date

BOARD_STATES = (MessageState.OVERDUE.value, MessageState.AT_RISK.value, MessageState.OPEN.value)
NO_DEPARTMENT = "（未指定部门）"


def state_condition(state: str, now: datetime) -> ColumnElement[bool]:
    """Active messages that are in `state` at `now` (same rule as deadlines.message_state)."""
    if state == MessageState.OVERDUE.value:
        return Message.deadline <= now
    if state == MessageState.AT_RISK.value:
        return and_(Message.deadline > now, Message.first_warning_at <= now)
    if state == MessageState.OPEN.value:
        return and_(
            Message.deadline > now,
            or_(Message.first_warning_at.is_(None), Message.first_warning_at > now),
        )
    raise ValueError(f"不是办理中的状态：{state!r}")


def state_case(now: datetime) -> Any:
    return case(
        *[(state_condition(s, now), s) for s in BOARD_STATES[:2]], else_=MessageState.OPEN.value
    )


@dataclass(frozen=True)
class BoardFilter:
    source: str | None = None
    department: str | None = None  # NO_DEPARTMENT selects messages without one
    state: str | None = None  # one of BOARD_STATES, or None for all three
    kind: str | None = None  # reply | disclosure

    def where(self, active: bool = True) -> list[ColumnElement[bool]]:
        clauses: list[ColumnElement[bool]] = (
            [Message.state.in_(ACTIVE_STATE_VALUES)] if active else []
        )
        if self.source:
            clauses.append(Message.source == self.source)
        if self.department == NO_DEPARTMENT:
            clauses.append(Message.department.is_(None))
        elif self.department:
            clauses.append(Message.department == self.department)
        if self.kind:
            clauses.append(Message.kind == self.kind)
        return clauses


def department_counts(session: Session, now: datetime, flt: BoardFilter) -> list[dict[str, Any]]:
    """Per department: how many are overdue / at risk / open at `now` (most overdue first).

    Counted from the stored states (one pass over the (state, department) index), then
    corrected for the rows whose stored state is stale at `now` — those a deadline or a
    warning reached since the last sweep (or, with a clock set back, the other way). Those
    are found by range scans on the deadline and first-warning indexes, so 100,000 open
    messages cost an index-only count, not an expression per row."""
    out: dict[str, dict[str, int]] = {}

    def add(department: str | None, state: str, n: int) -> None:
        row = out.setdefault(department or NO_DEPARTMENT, {k: 0 for k in BOARD_STATES})
        row[state] += n

    for department, stored, n in session.execute(
        select(Message.department, Message.state, func.count())
        .where(*flt.where())
        .group_by(Message.state, Message.department)
    ):
        add(department, stored, n)
    fresh = state_case(now).label("fresh")
    open_, at_risk, overdue = (
        MessageState.OPEN.value,
        MessageState.AT_RISK.value,
        MessageState.OVERDUE.value,
    )
    # each a range on one index (state, deadline) or (state, first_warning_at)
    stale = [
        and_(Message.state.in_([open_, at_risk]), Message.deadline <= now),
        and_(Message.state == open_, Message.first_warning_at <= now, Message.deadline > now),
        and_(Message.state == overdue, Message.deadline > now),
        and_(Message.state == at_risk, Message.first_warning_at > now, Message.deadline > now),
        and_(Message.state == at_risk, Message.first_warning_at.is_(None), Message.deadline > now),
    ]
    # rows, not GROUP BY: grouping would tempt the planner into the (state, department)
    # index and a scan of the whole state; the stale rows are few (the sweep runs each minute)
    for condition in stale:
        for department, stored, new in session.execute(
            select(Message.department, Message.state, fresh).where(
                *flt.where(active=False), condition
            )
        ):
            add(department, stored, -1)
            add(department, new, 1)
    rows: list[dict[str, Any]] = [
        {"department": d, **c, "total": sum(c.values())} for d, c in out.items() if any(c.values())
    ]
    rows.sort(key=lambda r: (-r["overdue"], -r["at_risk"], -r["total"], r["department"]))
    return rows


def items_in_state(
    session: Session, now: datetime, flt: BoardFilter, state: str, limit: int, offset: int = 0
) -> list[Message]:
    """The state's messages, soonest deadline first (one page). One query per stored state,
    each walking the (state, deadline) index in order and stopping at the page's end, then
    merged: no sort of every overdue message for the first fifty."""
    rows: list[Message] = []
    for stored in ACTIVE_STATE_VALUES:
        rows += session.scalars(
            select(Message)
            .where(*flt.where(active=False), Message.state == stored, state_condition(state, now))
            .order_by(Message.deadline, Message.id)
            .limit(limit + offset)
        )
    rows.sort(key=lambda m: (m.deadline, m.id))
    return rows[offset : offset + limit]


def filter_choices(counts: list[dict[str, Any]], sources: list[str]) -> dict[str, list[str]]:
    """The sources (configured) and the departments with active messages (from the counts
    already made: no second pass over the messages), for the filters."""
    return {"sources": sources, "departments": sorted(c["department"] for c in counts)}


def working_days_between(calendar: WorkCalendar, first: date, last: date) -> int:
    return WorkingDays(calendar).between(first, last)


def _hours(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{max(minutes, 1)} 分钟"
    return f"{minutes // 60} 小时" + (
        f" {minutes % 60} 分" if minutes % 60 and minutes < 600 else ""
    )


def time_left(
    deadline: datetime, due_date: date | None, now: datetime, calendar: WorkCalendar | WorkingDays
) -> str:
    """`还剩 3 个工作日`, `还剩 5 小时`, `已超期 2 小时`, `已超期 4 个工作日`: hours inside a day
    of the deadline, working days beyond (as the alert stages count them: 2wd = 还剩2个工作日)."""
    days_of = calendar if isinstance(calendar, WorkingDays) else WorkingDays(calendar)
    if now >= deadline:
        late = now - deadline
        if late < timedelta(days=1) or due_date is None:
            return f"已超期 {_hours(late)}"
        days = days_of.between(due_date + timedelta(days=1), local_date(now))
        return f"已超期 {days} 个工作日" if days else f"已超期 {late.days} 天"
    left = deadline - now
    if left <= timedelta(days=1) or due_date is None:
        return f"还剩 {_hours(left)}"
    return f"还剩 {days_of.between(local_date(now), due_date)} 个工作日"
