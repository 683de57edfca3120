"""APScheduler triggers that know the Chinese working-day calendar.

`WorkdayTrigger` fires at a local time of day on working days only: make-up Saturdays and
Sundays (调休) included, holidays excluded. It is pure — the next fire time depends only on
its arguments and the calendar — so the daemon, the demo's simulated clock and the tests
all step it the same way."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger

from monitor.calendar import WorkCalendar
from monitor.timeutil import SHANGHAI

# A calendar, or a function returning the current one: the daemon passes
# `lambda: config.calendar`, which re-reads holidays.toml when it changes.
CalendarSource = WorkCalendar | Callable[[], WorkCalendar]


def _calendar(source: CalendarSource) -> WorkCalendar:
    return source if isinstance(source, WorkCalendar) else source()


# How far ahead a trigger looks for the next working day before giving up (a calendar with
# no working day for over a year is a broken holidays.toml, not a long holiday).
HORIZON_DAYS = 400


class WorkdayTrigger(BaseTrigger):
    """Fire at `hour:minute` (local) on every working day of `calendar`.

    A year the calendar does not know is counted provisionally (weekdays work) so the daily
    summary keeps going while the calendar_missing alert asks the office to add the year."""

    def __init__(
        self,
        calendar: CalendarSource,
        hour: int,
        minute: int,
        timezone: ZoneInfo = SHANGHAI,
        jitter: int | None = None,
    ) -> None:
        if not (0 <= hour <= 23 and 0 <= minute <= 59):
            raise ValueError(f"{hour:02d}:{minute:02d} is not a time of day")
        self.calendar = calendar
        self.hour = hour
        self.minute = minute
        self.timezone = timezone
        self.jitter = jitter

    def fire_time_on(self, day: date) -> datetime:
        return datetime.combine(day, time(self.hour, self.minute), tzinfo=self.timezone)

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
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
            if candidate >= local and _calendar(self.calendar).is_workday(day, provisional=True):
                return self._apply_jitter(candidate, self.jitter, now)
            day += timedelta(days=1)
        return None

    def __str__(self) -> str:
        return f"workdays at {self.hour:02d}:{self.minute:02d}"

    def __repr__(self) -> str:
        return (
            f"<WorkdayTrigger (hour={self.hour}, minute={self.minute}, timezone='{self.timezone}')>"
        )


class WindowedIntervalTrigger(BaseTrigger):
    """Every `interval` inside a daily local time window (`[daemon] crawl_window`), on every
    day or on working days only (`crawl_on_rest_days = false`).

    On an eligible day the fire times are window_start, window_start + interval, … up to
    window_end inclusive; nothing fires outside. Used for crawls when the office wants the
    portal left alone at night (and by the demo, so two simulated weeks need few crawls)."""

    def __init__(
        self,
        interval: timedelta,
        window_start: time,
        window_end: time,
        calendar: CalendarSource | None = None,
        timezone: ZoneInfo = SHANGHAI,
        jitter: int | None = None,
    ) -> None:
        if interval <= timedelta(0):
            raise ValueError("间隔必须大于零")
        if window_end <= window_start:
            raise ValueError(
                f"抓取时段 {window_start:%H:%M}-{window_end:%H:%M}：结束时间必须晚于开始时间"
            )
        self.interval = interval
        self.window_start = window_start
        self.window_end = window_end
        self.calendar = calendar  # None: every day
        self.timezone = timezone
        self.jitter = jitter

    def _eligible(self, day: date) -> bool:
        return self.calendar is None or _calendar(self.calendar).is_workday(day, provisional=True)

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        if previous_fire_time is not None:
            # the grid is fixed (window start + k × interval), so a jittered previous fire
            # (a few seconds past its grid point) still leads to the next grid point
            start = min(now, previous_fire_time + timedelta(microseconds=1))
            if start <= previous_fire_time:
                start = previous_fire_time + timedelta(microseconds=1)
        else:
            start = now
        local = start.astimezone(self.timezone)
        day = local.date()
        for _ in range(HORIZON_DAYS):
            if self._eligible(day):
                first = datetime.combine(day, self.window_start, tzinfo=self.timezone)
                last = datetime.combine(day, self.window_end, tzinfo=self.timezone)
                if local <= last:
                    if local <= first:
                        candidate = first
                    else:
                        steps = -(-(local - first) // self.interval)  # ceiling division
                        candidate = first + steps * self.interval
                    if candidate <= last:
                        return self._apply_jitter(candidate, self.jitter, now)
            day += timedelta(days=1)
        return None

    def __str__(self) -> str:
        days = "working days" if self.calendar is not None else "every day"
        return (
            f"every {self.interval} from {self.window_start:%H:%M} to "
            f"{self.window_end:%H:%M}, {days}"
        )


class SweepTrigger(BaseTrigger):
    """The deadline sweep: at once when first asked (at `start`, or right away when asked
    after it), then every `interval` on a grid anchored at `start`, and also exactly
    when an upcoming deadline stage is reached, so a crisis stage is alerted within moments
    instead of up to one interval later.

    Pure like the others: the upcoming stage instants are data (`expect_stages`), handed over
    by the sweep job after each sweep; the trigger never reads the database. A stage created
    after that hand-over is caught by the grid."""

    def __init__(self, interval: timedelta, start: datetime, timezone: ZoneInfo = SHANGHAI) -> None:
        if interval <= timedelta(0):
            raise ValueError("间隔必须大于零")
        self.interval = interval
        self.start = start
        self.timezone = timezone
        self.stages: tuple[datetime, ...] = ()

    def expect_stages(self, stages: Iterable[datetime]) -> None:
        """The instants of the next unfired deadline stages (replaces the previous ones;
        one tuple assignment, so the scheduler thread sees the old or the new set)."""
        self.stages = tuple(sorted(stages))

    def _grid_after(self, moment: datetime, inclusive: bool) -> datetime:
        if moment < self.start or (inclusive and moment == self.start):
            return self.start
        steps = (moment - self.start) // self.interval
        candidate = self.start + steps * self.interval
        if candidate < moment or (candidate == moment and not inclusive):
            candidate += self.interval
        return candidate

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        if previous_fire_time is None:
            if now >= self.start:
                # at once: the scheduler asks a few milliseconds after `start` was taken,
                # and the catch-up sweep (stages passed while the daemon was down) must not
                # wait a whole interval for the grid's next point
                return now.astimezone(self.timezone)
            regular, after = self.start, now
        else:
            regular = self._grid_after(previous_fire_time, inclusive=False)
            after = previous_fire_time
        stage = next((s for s in self.stages if s > after), None)
        best = min(regular, stage) if stage is not None else regular
        return best.astimezone(self.timezone)

    def __str__(self) -> str:
        return f"every {self.interval} and at each deadline stage"
