"""Deadlines as pure functions of (time, rule, calendar, now). No clock, no database.

docs/time-rules.md: the receipt day is not counted (次日起算); the due date is the N-th working day
after the Asia/Shanghai date of receipt and the limit ends at 24:00 of it. Crisis limits are
wall-clock hours from `started_at`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Literal, Protocol

from monitor.calendar import WorkCalendar
from monitor.timeutil import SHANGHAI, Duration, end_of_day, local_date, start_of_day, to_utc

ReceiptMode = Literal["as-is", "next-workday"]


class MessageState(StrEnum):
    OPEN = "open"
    AT_RISK = "at_risk"
    OVERDUE = "overdue"
    REPLIED = "replied"
    REPLIED_LATE = "replied_late"
    WITHDRAWN = "withdrawn"


ACTIVE_STATES = (MessageState.OPEN, MessageState.AT_RISK, MessageState.OVERDUE)
ACTIVE_STATE_VALUES = [s.value for s in ACTIVE_STATES]  # for SQL IN (…) filters
ALL_STATES = tuple(MessageState)
# what people read (CLI tables, the dashboard, the demo)
STATE_ZH = {
    "open": "办理中",
    "at_risk": "临期",
    "overdue": "超期",
    "replied": "已按时回复",
    "replied_late": "逾期回复",
    "withdrawn": "已撤回",
}

# crisis events (docs/time-rules.md): their levels and the two milestones each one is clocked on
EVENT_LEVELS = ("major", "especially_major")
EVENT_LEVEL_ZH = {"major": "重大", "especially_major": "特别重大"}
MILESTONES = ("publish", "press_conference")
MILESTONE_ZH = {"publish": "发布权威信息", "press_conference": "召开新闻发布会"}


class MilestoneState(StrEnum):
    """A crisis milestone at a moment (publish / press conference)."""

    DONE = "done"
    DONE_LATE = "done_late"
    OVERDUE = "overdue"
    AT_RISK = "at_risk"
    OPEN = "open"


MILESTONE_STATE_ZH = {
    "done": "已完成",
    "done_late": "逾期完成",
    "overdue": "已超时",
    "at_risk": "临近时限",
    "open": "进行中",
}


@dataclass(frozen=True)
class Deadline:
    due_date: date
    deadline: datetime  # aware UTC: 24:00 of due_date in Asia/Shanghai
    provisional: bool  # an unknown year was counted on weekends only


@dataclass(frozen=True)
class Stage:
    """One alert stage: `name` (e.g. "2wd", "1h", "overdue") is reached at `at` (UTC)."""

    name: str
    at: datetime


def working_day_deadline(
    received: datetime,
    working_days: int,
    calendar: WorkCalendar,
    receipt_on_rest_day: ReceiptMode = "as-is",
    allow_provisional: bool = True,
) -> Deadline:
    """The due date `working_days` working days after receipt (receipt day not counted).

    `as-is`: a message received on a rest day counts from the next working day as day 1.
    `next-workday`: it is deemed received on the next working day, which is then not counted.
    Without `allow_provisional`, a span through an unknown year raises `UnknownYear`."""
    received_day = local_date(received)
    start, unknown = received_day, False
    if receipt_on_rest_day == "next-workday":
        start, unknown = calendar.next_workday(received_day, provisional=allow_provisional)
    due, more_unknown = calendar.add_working_days(
        start, working_days, provisional=allow_provisional
    )
    return Deadline(due_date=due, deadline=end_of_day(due), provisional=unknown or more_unknown)


def extended_deadline(
    original_due: date, extension_days: int, calendar: WorkCalendar, max_extension: int = 20
) -> Deadline:
    """Disclosure requests (依申请公开): one extension of at most `max_extension` working days,
    counted from the original due date."""
    if not 1 <= extension_days <= max_extension:
        raise ValueError(f"延期应为 1 至 {max_extension} 个工作日，而不是 {extension_days}")
    due, unknown = calendar.add_working_days(original_due, extension_days, provisional=True)
    return Deadline(due_date=due, deadline=end_of_day(due), provisional=unknown)


def reply_stages(
    due_date: date, warn_before: Sequence[Duration], calendar: WorkCalendar
) -> list[Stage]:
    """The alert stages of a working-day deadline, earliest first, ending with "overdue".

    `Nwd` is reached at 00:00 of the N-th working day counted back from the due date
    (`1wd` = the due date itself); a wall-clock threshold is that long before 24:00."""
    deadline = end_of_day(due_date)
    stages = []
    for threshold in warn_before:
        if threshold.is_working_days:
            day = calendar.working_days_back(due_date, threshold.amount, provisional=True)
            stages.append(Stage(str(threshold), start_of_day(day)))
        else:
            stages.append(Stage(str(threshold), deadline - threshold.as_timedelta()))
    stages.sort(key=lambda s: s.at)
    stages.append(Stage("overdue", deadline))
    return stages


def clock_stages(deadline: datetime, warn_before: Sequence[Duration]) -> list[Stage]:
    """The alert stages of a wall-clock deadline (crisis milestones), ending with "overdue"."""
    stages = [
        Stage(str(t), deadline - t.as_timedelta()) for t in warn_before if not t.is_working_days
    ]
    stages.sort(key=lambda s: s.at)
    stages.append(Stage("overdue", deadline))
    return stages


def crisis_deadlines(
    started_at: datetime, publish_hours: float, press_conference_hours: float
) -> dict[str, datetime]:
    """Milestone → deadline (UTC): wall-clock hours; working days do not matter here."""
    start = to_utc(started_at, SHANGHAI)
    publish, press_conference = MILESTONES
    return {
        publish: start + timedelta(hours=publish_hours),
        press_conference: start + timedelta(hours=press_conference_hours),
    }


def message_state(
    deadline: datetime,
    first_warning: datetime | None,
    now: datetime,
    replied_at: datetime | None = None,
    withdrawn: bool = False,
) -> MessageState:
    """The state of one message at `now` (the set-based sweep applies the same rules in SQL)."""
    if withdrawn:
        return MessageState.WITHDRAWN
    if replied_at is not None:
        return MessageState.REPLIED if replied_at <= deadline else MessageState.REPLIED_LATE
    if now >= deadline:
        return MessageState.OVERDUE
    if first_warning is not None and now >= first_warning:
        return MessageState.AT_RISK
    return MessageState.OPEN


class TrackedMessage(Protocol):
    """What `state_at` reads of a message row (monitor.db.models.Message has it)."""

    @property
    def state(self) -> str: ...
    @property
    def deadline(self) -> datetime: ...
    @property
    def first_warning_at(self) -> datetime | None: ...


def state_at(message: TrackedMessage, now: datetime) -> str:
    """The message's state at `now`: the stored state is the last sweep's verdict, so an
    active message is re-evaluated (what `--now` asks for); final states stay as they are."""
    if message.state not in ACTIVE_STATE_VALUES:
        return message.state
    return message_state(message.deadline, message.first_warning_at, now).value


def milestone_state(
    deadline: datetime,
    done_at: datetime | None,
    now: datetime,
    warn_before: timedelta | None = None,
) -> MilestoneState:
    """done / done_late, else overdue, at_risk (inside the first warning threshold) or open."""
    if done_at is not None:
        return MilestoneState.DONE if done_at <= deadline else MilestoneState.DONE_LATE
    if now >= deadline:
        return MilestoneState.OVERDUE
    if warn_before is not None and now >= deadline - warn_before:
        return MilestoneState.AT_RISK
    return MilestoneState.OPEN


def first_warning(thresholds: Sequence[Duration]) -> timedelta | None:
    """The earliest crisis warning before a deadline (the widest wall-clock threshold)."""
    return max((t.as_timedelta() for t in thresholds), default=None)
