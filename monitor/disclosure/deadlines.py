"""The 依申请公开 clock as pure functions (政府信息公开条例 2019, arts. 30–33). No clock, no
database: the register stores what happened, these functions say what it means.

- The reply is due `working_days` (20) working days after receipt, the receipt day not counted,
  counted exactly like message replies (`monitor.deadlines.working_day_deadline`).
- An unclear request must be sent back for correction (补正) within 7 working days of receipt;
  once the corrected request arrives, the clock restarts from that arrival.
- Time spent consulting a third party or another office (征求意见) does not count: the working
  days after the pause date up to and including the resume date are added to the due date.
- One extension of at most `extension_days` (20) working days, counted on from the due date.

Adding working days composes (the due date is always a working day), so pauses and the
extension are one count on from the base due date, in any order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from monitor.calendar import WorkCalendar
from monitor.deadlines import Deadline, ReceiptMode, working_day_deadline
from monitor.timeutil import end_of_day

CORRECTION_DAYS = 7  # art. 30: 补正 is asked within 7 working days of receipt
# art. 30 asks for "a reasonable period" to correct in, without a number: this is the period
# the register gives when the office does not say (`correct --asked … --until DATE`)
CORRECTION_PERIOD_DAYS = 15
MAX_EXTENSION = 20  # art. 33: one extension of at most 20 working days


class DisclosureState(StrEnum):
    OPEN = "open"  # the clock runs
    AT_RISK = "at_risk"  # inside a warning threshold
    OVERDUE = "overdue"
    PAUSED = "paused"  # 征求意见: the clock stands still
    CORRECTING = "correcting"  # 补正 asked, the corrected request has not arrived
    REPLIED = "replied"  # answered on time (any outcome)
    REPLIED_LATE = "replied_late"


# the labels a person reads (CLI, dashboard)
STATE_ZH = {
    "open": "办理中",
    "at_risk": "临期",
    "overdue": "超期",
    "paused": "征求意见中（暂停计时）",
    "correcting": "待补正（暂停计时）",
    "replied": "已按时答复",
    "replied_late": "逾期答复",
}

ACTIVE = (DisclosureState.OPEN, DisclosureState.AT_RISK, DisclosureState.OVERDUE)
ACTIVE_VALUES = [s.value for s in ACTIVE]
WAITING = (DisclosureState.PAUSED, DisclosureState.CORRECTING)  # not done, clock stopped
OPEN_VALUES = ACTIVE_VALUES + [s.value for s in WAITING]  # everything not yet answered
DONE = (DisclosureState.REPLIED, DisclosureState.REPLIED_LATE)

# The annual report's outcome categories (政府信息公开工作年度报告 表三), in its order.
OUTCOMES = ("予以公开", "部分公开", "不予公开", "无法提供", "不予处理", "其他处理")
CHANNELS = ("网上", "信函", "当面")


@dataclass(frozen=True)
class Pause:
    """One 征求意见 pause by local dates; `resumed_on` None while it lasts."""

    paused_on: date
    resumed_on: date | None = None


def correction_limit(
    received: datetime, calendar: WorkCalendar, receipt_on_rest_day: ReceiptMode = "as-is"
) -> date:
    """The last day the office may ask for 补正: the 7th working day after receipt."""
    return working_day_deadline(received, CORRECTION_DAYS, calendar, receipt_on_rest_day).due_date


def correction_period_end(
    asked: datetime, calendar: WorkCalendar, working_days: int = CORRECTION_PERIOD_DAYS
) -> date:
    """The default last day for the applicant to send the corrected request: the
    `working_days`-th working day after the day 补正 was asked (that day not counted)."""
    return working_day_deadline(asked, working_days, calendar).due_date


def paused_working_days(paused_on: date, resumed_on: date, calendar: WorkCalendar) -> int:
    """Working days after `paused_on` up to and including `resumed_on` (0 when resumed the
    same day). These are the days the consultation took off the clock."""
    if resumed_on < paused_on:
        raise ValueError(f"resume {resumed_on} is before the pause {paused_on}")
    count, day = 0, paused_on
    while day < resumed_on:
        day += timedelta(days=1)
        if calendar.is_workday(day, provisional=True):
            count += 1
    return count


def disclosure_deadline(
    received: datetime,
    calendar: WorkCalendar,
    working_days: int = 20,
    pauses: Iterable[Pause] = (),
    extension_days: int = 0,
    receipt_on_rest_day: ReceiptMode = "as-is",
) -> Deadline:
    """The due date of a request received (or, after 补正, re-received) at `received`.

    Completed pauses add their working days; a pause still running adds nothing yet (the
    register shows the request as paused). `extension_days` (0 = none) moves it on."""
    if not 0 <= extension_days <= MAX_EXTENSION:
        raise ValueError(f"延期应为 1 至 {MAX_EXTENSION} 个工作日，而不是 {extension_days}")
    base = working_day_deadline(received, working_days, calendar, receipt_on_rest_day)
    extra = extension_days + sum(
        paused_working_days(p.paused_on, p.resumed_on, calendar)
        for p in pauses
        if p.resumed_on is not None
    )
    if not extra:
        return base
    due, unknown = calendar.add_working_days(base.due_date, extra, provisional=True)
    return Deadline(due_date=due, deadline=end_of_day(due), provisional=base.provisional or unknown)


def disclosure_state(
    deadline: datetime,
    first_warning: datetime | None,
    now: datetime,
    done_at: datetime | None = None,
    paused: bool = False,
    correcting: bool = False,
) -> DisclosureState:
    """The request's state at `now` (the sweep applies the same rules in SQL)."""
    if done_at is not None:
        # while 补正 is awaited the clock stands still: an answer then cannot be late
        if correcting or done_at <= deadline:
            return DisclosureState.REPLIED
        return DisclosureState.REPLIED_LATE
    if correcting:
        return DisclosureState.CORRECTING
    if paused:
        return DisclosureState.PAUSED
    if now >= deadline:
        return DisclosureState.OVERDUE
    if first_warning is not None and now >= first_warning:
        return DisclosureState.AT_RISK
    return DisclosureState.OPEN
