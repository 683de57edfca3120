"""The annual report's own deadline (docs/disclosure-and-reports.md): the 政府信息公开工作年度报告 of a year is
published by 31 March of the next (条例 art. 49). It is a milestone on the board from 1 January
until the office records the publication (/reports), and the office route is reminded 15 and 5
working days before.

`Nwd` counts like every other working-day stage (§2): reached at 00:00 of the N-th working day
counted back from the due date, the due date being the 1st — so `5wd` reads 还剩5个工作日. When 31
March is not a working day the count starts from the last working day before it (the deadline
itself stays 31 March 24:00: a legal date does not move to the next working day).

This module says when the reminders fall and which one is due (`due_reminder`); the alerts are
made by the sweep (monitor/sweep/annual_report.py), since the tracking layer knows no alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.db.models import DisclosureRequest, GovAnnualReport
from monitor.timeutil import end_of_day, local_date, start_of_day

if TYPE_CHECKING:
    from monitor.calendar import WorkCalendar

DUE_MONTH, DUE_DAY = 3, 31
REMINDERS = (15, 5)  # working days before the due date


def report_due(year: int) -> date:
    """When the report about `year` must be published."""
    return date(year + 1, DUE_MONTH, DUE_DAY)


def _last_workday(day: date, calendar: WorkCalendar) -> date:
    while not calendar.is_workday(day, provisional=True):
        day -= timedelta(days=1)
    return day


def reminder_days(due: date, calendar: WorkCalendar) -> list[tuple[str, date]]:
    """[("15wd", day), ("5wd", day)], earliest first."""
    last = _last_workday(due, calendar)
    return [(f"{n}wd", calendar.working_days_back(last, n, provisional=True)) for n in REMINDERS]


def in_reminder_window(now: datetime, calendar: WorkCalendar) -> bool:
    """From the first reminder's day to the deadline of last year's report: the only weeks a
    reminder can be due. Pure, so the sweep asks it every minute before reading any row."""
    due = report_due(local_date(now).year - 1)
    first = reminder_days(due, calendar)[0][1]
    return start_of_day(first) <= now < end_of_day(due)


def _in_use(session: Session, year: int) -> bool:
    """Did the office keep its register here during `year` (requests received in it, or a
    report of it produced or entered)? A monitor installed later does not know whether that
    year's report went out, so it does not show it as overdue for the rest of the year."""
    if session.get(GovAnnualReport, year) is not None:
        return True
    start, end = start_of_day(date(year, 1, 1)), start_of_day(date(year + 1, 1, 1))
    return bool(
        session.scalar(
            select(func.count())
            .select_from(DisclosureRequest)
            .where(
                DisclosureRequest.first_received_at >= start,
                DisclosureRequest.first_received_at < end,
            )
        )
    )


@dataclass
class AnnualMilestone:
    year: int  # the year reported on
    due_date: date
    deadline: datetime
    reminders: list[tuple[str, date]]
    state: str  # open | at_risk | overdue | done
    working_days_left: int | None
    published_on: date | None
    produced_at: datetime | None
    in_use: bool = True  # the register was kept here during the year (see _in_use)

    @property
    def on_board(self) -> bool:
        """Shown until published; once overdue only if this monitor knew the year."""
        return self.state != "done" and (self.state != "overdue" or self.in_use)

    @property
    def title(self) -> str:
        return f"{self.year} 年政府信息公开工作年度报告"

    @property
    def left(self) -> str:
        """For people: 还剩 N 个工作日 / 今天截止 / 已超期 / 已于 … 发布."""
        if self.published_on is not None:
            return f"已于 {self.published_on.isoformat()} 公开发布"
        if self.working_days_left is None:
            return "已超期"
        if self.working_days_left <= 1:
            return "今天截止"
        return f"还剩 {self.working_days_left} 个工作日"


def milestone(session: Session, calendar: WorkCalendar, now: datetime) -> AnnualMilestone:
    """The milestone that matters at `now`: last year's report, due 31 March of this year."""
    year = local_date(now).year - 1
    due = report_due(year)
    row = session.get(GovAnnualReport, year)
    published = row.published_on if row is not None else None
    produced = row.produced_at if row is not None else None
    deadline = end_of_day(due)
    reminders = reminder_days(due, calendar)
    today = local_date(now)
    if published is not None:
        state, left = "done", None
    elif now >= deadline:
        state, left = "overdue", None
    else:
        state = "at_risk" if today >= reminders[0][1] else "open"
        last = _last_workday(due, calendar)
        left = sum(
            calendar.is_workday(today + timedelta(days=i), provisional=True)
            for i in range((last - today).days + 1)
        )
    in_use = state != "overdue" or _in_use(session, year)
    return AnnualMilestone(year, due, deadline, reminders, state, left, published, produced, in_use)


def due_reminder(m: AnnualMilestone, now: datetime) -> str | None:
    """The newest reminder stage reached at `now` (`15wd` or `5wd`), or None: before the
    first, and once the report is published or overdue (the board says so then)."""
    if m.state in ("done", "overdue"):
        return None
    reached = [stage for stage, day in m.reminders if start_of_day(day) <= now]
    return reached[-1] if reached else None
