"""The 意见征集 rules as pure functions (docs/consultations.md). No clock, no database: the register
stores what happened, these functions say what it means.

- The comment window is counted in calendar days on Asia/Shanghai dates, from the opening
  date to the closing date, the opening day not counted (opens 09-20, closes 10-20: 30 days).
  It is *short* below `[rules.consultation] min_days` (30: 重大行政决策程序暂行条例 art. 14,
  "as a rule not less than 30 days").
- Comments are taken until 24:00 of the closing date; a closing given with a time of day
  (other than 00:00, which is how a plain date reads) ends at that time instead.
- The 采纳情况 is due on the `feedback_working_days`-th working day (15, the office's own rule)
  after the closing date, the closing day not counted, counted exactly like a reply limit
  (`monitor.deadlines.working_day_deadline`, the same calendar, the same provisional rule for
  a year the calendar does not know); the limit ends at 24:00 of that day. A window closing on
  a rest day counts as-is (the next working day is day 1), or, with `closing_on_rest_day =
  "next-workday"`, as closing on the next working day (which is then not counted).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Protocol

from monitor.calendar import WorkCalendar
from monitor.deadlines import Deadline, ReceiptMode, working_day_deadline
from monitor.timeutil import (
    end_of_day,
    format_local,
    local_date,
    start_of_day,
    to_local,
    to_utc,
    written_as_24,
)

# the law the 30-day minimum comes from, as people read it
MIN_DAYS_BASIS = "重大行政决策程序暂行条例第十四条"


class ConsultationState(StrEnum):
    COLLECTING = "collecting"  # until comments stop (also before the window opens)
    AWAITING_FEEDBACK = "awaiting_feedback"  # closed; the 采纳情况 clock runs
    AT_RISK = "at_risk"  # inside a warning threshold
    OVERDUE = "overdue"  # the 采纳情况 is late and still not published
    DONE_ON_TIME = "done_on_time"
    DONE_LATE = "done_late"


STATES = [s.value for s in ConsultationState]
# closed and waiting for the 采纳情况: the states whose feedback stages alert
WAITING_VALUES = [
    ConsultationState.AWAITING_FEEDBACK.value,
    ConsultationState.AT_RISK.value,
    ConsultationState.OVERDUE.value,
]
OPEN_VALUES = [ConsultationState.COLLECTING.value, *WAITING_VALUES]  # `--state open`: not done
DONE_VALUES = [ConsultationState.DONE_ON_TIME.value, ConsultationState.DONE_LATE.value]
STATE_ZH = {
    "collecting": "征集中",
    "awaiting_feedback": "待公布采纳情况",
    "at_risk": "临期",
    "overdue": "超期未公布",
    "done_on_time": "已按时公布",
    "done_late": "逾期公布",
}


@dataclass(frozen=True)
class Window:
    """A comment window: the instants given and the local dates it is counted on."""

    opens_at: datetime  # aware UTC
    closes_at: datetime  # aware UTC: when comments stop
    opens_on: date
    closes_on: date

    @property
    def days(self) -> int:
        """Calendar days from the opening date to the closing date, the opening day not counted."""
        return (self.closes_on - self.opens_on).days


def comment_window(opens: datetime, closes: datetime) -> Window:
    """The window from two times (naive = Asia/Shanghai; a plain date reads as 00:00). Raises
    ValueError (one Chinese line) when the closing date is not after the opening date."""
    opens_local, closes_local = to_local(to_utc(opens)), to_local(to_utc(closes))
    opens_on, closes_on = opens_local.date(), closes_local.date()
    if closes_on <= opens_on:
        raise ValueError(
            f"截止日期 {closes_on.isoformat()} 不晚于开始日期 {opens_on.isoformat()}："
            "征集截止须在开始之后（征集期按日计，开始当日不计）"
        )
    ends = end_of_day(closes_on) if closes_local.time() == time(0) else to_utc(closes)
    return Window(to_utc(opens), ends, opens_on, closes_on)


def closing_as_written(text: str, moment: datetime) -> datetime:
    """The closing time `moment` parsed from `text`, as comment_window should read it. A
    closing written as `24:00` (`2026-10-20T24:00`) ends its own date, 10-20: parsing made it
    00:00 of 10-21, which comment_window would read as the plain date 10-21 (a day too long),
    so it becomes the plain date it ends."""
    local = to_local(to_utc(moment))
    if written_as_24(text) and local.time() == time(0):
        return start_of_day(local.date() - timedelta(days=1))
    return moment


class Closing(Protocol):
    """What closing_text reads: a Window, or a stored consultation."""

    @property
    def closes_at(self) -> datetime: ...
    @property
    def closes_on(self) -> date: ...


def closing_text(row: Closing) -> str:
    """How people read when comments stop: `2026-10-20 24:00` or `2026-10-20 17:00`."""
    if local_date(row.closes_at) != row.closes_on:  # 24:00 of the closing date
        return f"{row.closes_on.isoformat()} 24:00"
    return format_local(row.closes_at)


def is_short(window_days: int, min_days: int) -> bool:
    return window_days < min_days


def feedback_deadline(
    closes_on: date,
    working_days: int,
    calendar: WorkCalendar,
    closing_on_rest_day: ReceiptMode = "as-is",
) -> Deadline:
    """When the 采纳情况 is due: the reply clock started on the closing date (not counted)."""
    return working_day_deadline(
        start_of_day(closes_on), working_days, calendar, closing_on_rest_day
    )


def consultation_state(
    closes_at: datetime,
    deadline: datetime,
    first_warning: datetime | None,
    now: datetime,
    feedback_at: datetime | None = None,
) -> ConsultationState:
    """The consultation's state at `now` (the sweep applies the same rules in SQL). A 采纳情况
    published at the deadline instant itself (24:00 of the due date) is on time."""
    if feedback_at is not None:
        if feedback_at <= deadline:
            return ConsultationState.DONE_ON_TIME
        return ConsultationState.DONE_LATE
    if now < closes_at:
        return ConsultationState.COLLECTING
    if now >= deadline:
        return ConsultationState.OVERDUE
    if first_warning is not None and now >= first_warning:
        return ConsultationState.AT_RISK
    return ConsultationState.AWAITING_FEEDBACK
