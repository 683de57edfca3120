"""Office hours: non-crisis alerts wait outside them (working days from the calendar, make-up
weekend days included), but never past the hold limit."""

from __future__ import annotations

from datetime import datetime, timedelta
from datetime import time as dtime
from typing import TYPE_CHECKING

from monitor.timeutil import SHANGHAI, parse_clock, to_local, to_utc

if TYPE_CHECKING:
    from monitor.app import App
    from monitor.config import Settings


def _hours(settings: Settings) -> tuple[dtime, dtime]:
    start, end = parse_clock(settings.office_hours.start), parse_clock(settings.office_hours.end)
    return dtime(*start), dtime(*end)


def in_office_hours(app: App, now: datetime) -> bool:
    start, end = _hours(app.config.settings)
    local = to_local(now, SHANGHAI)
    return (
        app.calendar.is_workday(local.date(), provisional=True)
        and start <= local.time().replace(tzinfo=None) < end
    )


def next_opening(app: App, now: datetime) -> datetime:
    """When office hours next begin (now, if they are on)."""
    if in_office_hours(app, now):
        return now
    start, _ = _hours(app.config.settings)
    local = to_local(now, SHANGHAI)
    day = local.date()
    if not (app.calendar.is_workday(day, provisional=True) and local.time() < start):
        day += timedelta(days=1)
        while not app.calendar.is_workday(day, provisional=True):
            day += timedelta(days=1)
    return to_utc(datetime.combine(day, start))


def hold_limit(app: App, created_at: datetime) -> datetime:
    """The latest a non-crisis alert waits for office hours: 24:00 of the first working day
    after the day it was made. Whatever the settings or the calendar say, an alert is never
    held longer than that."""
    day = to_local(created_at, SHANGHAI).date() + timedelta(days=1)
    first, _provisional = app.calendar.next_workday(day, provisional=True)
    return to_utc(datetime.combine(first + timedelta(days=1), dtime(0, 0)))
