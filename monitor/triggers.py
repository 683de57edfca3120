"""APScheduler triggers that know the Chinese working-day calendar.

`WorkdayTrigger` fires at a local time of day on working days only: make-up Saturdays and
Sundays (调休) included, holidays excluded. It is pure — the next fire time depends only on
its arguments and the calendar — so the daemon, the demo's simulated clock and the tests
all step it the same way."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger

from monitor.calendar import WorkCalendar
from monitor.timeutil import SHANGHAI

# How far ahead a trigger looks for the next working day before giving up (a calendar with
# no working day for over a year is a broken holidays.toml, not a long holiday).
HORIZON_DAYS = 400


class WorkdayTrigger(BaseTrigger):
    """Fire at `hour:minute` (local) on every working day of `calendar`.

    A year the calendar does not know is counted provisionally (weekdays work) so the daily
    summary keeps going while the calendar_missing alert asks the office to add the year."""

    def __init__(self, calendar: WorkCalendar, hour: int, minute: int,
                 timezone: ZoneInfo = SHANGHAI, jitter: int | None = None) -> None:
        if not (0 <= hour <= 23 and 0 <= minute <= 59):
            raise ValueError(f"{hour:02d}:{minute:02d} is not a time of day")
        self.calendar = calendar
        self.hour = hour
        self.minute = minute
        self.timezone = timezone
        self.jitter = jitter

    def fire_time_on(self, day: date) -> datetime:
        return datetime.combine(day, time(self.hour, self.minute), tzinfo=self.timezone)

    def get_next_fire_time(self, previous_fire_time: datetime | None,
                           now: datetime) -> datetime | None:
        # Same contract as APScheduler's CronTrigger: after a previous fire, start just after
        # it (but never later than now, so the scheduler can see and coalesce missed runs).
        if previous_fire_time is not None:
            start = min(now, previous_fire_time + timedelta(microseconds=1))
            if start == previous_fire_time:
                start += timedelta(microseconds=1)
        else:
            start = now
        local = start.astimezone(self.timezone)
        day = local.date()
        for _ in range(HORIZON_DAYS):
            candidate = self.fire_time_on(day)
            if candidate >= local and self.calendar.is_workday(day, provisional=True):
                return self._apply_jitter(candidate, self.jitter, now)
            day += timedelta(days=1)
        return None

    def __str__(self) -> str:
        return f"workdays at {self.hour:02d}:{self.minute:02d}"

    def __repr__(self) -> str:
        return (f"<WorkdayTrigger (hour={self.hour}, minute={self.minute}, "
                f"timezone='{self.timezone}')>")
