"""The working-day trigger on the real 2026 State Council schedule."""

from __future__ import annotations

from datetime import datetime, timedelta

from monitor.calendar import WorkCalendar
from monitor.timeutil import SHANGHAI, UTC
from monitor.triggers import WorkdayTrigger


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def fires(trigger: WorkdayTrigger, start: datetime, count: int) -> list[datetime]:
    out, previous, now = [], None, start
    for _ in range(count):
        nxt = trigger.get_next_fire_time(previous, now)
        assert nxt is not None
        out.append(nxt)
        previous = now = nxt
    return out


def test_fires_on_make_up_sunday_and_skips_mid_autumn_and_national_day() -> None:
    trigger = WorkdayTrigger(WorkCalendar(), 8, 30)
    got = [f.strftime("%m-%d %a %H:%M") for f in fires(trigger, local("2026-09-19T12:00"), 8)]
    assert got == [
        "09-20 Sun 08:30",  # 调休 make-up Sunday
        "09-21 Mon 08:30",
        "09-22 Tue 08:30",
        "09-23 Wed 08:30",
        "09-24 Thu 08:30",
        # 09-25..09-27 Mid-Autumn, then Mon–Wed, then National Day 10-01..10-07
        "09-28 Mon 08:30",
        "09-29 Tue 08:30",
        "09-30 Wed 08:30",
    ]
    after = fires(trigger, local("2026-09-30T09:00"), 3)
    assert [f.strftime("%m-%d %a") for f in after] == ["10-08 Thu", "10-09 Fri", "10-10 Sat"]


def test_same_day_before_and_after_the_time() -> None:
    trigger = WorkdayTrigger(WorkCalendar(), 8, 30)
    assert trigger.get_next_fire_time(None, local("2026-11-26T08:29")) == local("2026-11-26T08:30")
    assert trigger.get_next_fire_time(None, local("2026-11-26T08:30")) == local("2026-11-26T08:30")
    assert trigger.get_next_fire_time(None, local("2026-11-26T08:31")) == local("2026-11-27T08:30")
    # Saturday 11-28 is an ordinary weekend: Friday → Monday
    assert trigger.get_next_fire_time(
        local("2026-11-27T08:30"), local("2026-11-27T08:30")
    ) == local("2026-11-30T08:30")


def test_previous_fire_time_lets_the_scheduler_see_a_missed_run() -> None:
    """Like CronTrigger: after a previous fire the next one is computed from just after it,
    not from `now`, so a daemon that slept through 08:30 gets the missed run (misfire grace)."""
    trigger = WorkdayTrigger(WorkCalendar(), 8, 30)
    nxt = trigger.get_next_fire_time(local("2026-11-25T08:30"), local("2026-11-26T08:35"))
    assert nxt == local("2026-11-26T08:30")


def test_utc_now_and_holidays_toml_override() -> None:
    """A UTC instant is asked about in Asia/Shanghai; holidays.toml days win."""
    day = datetime(2026, 11, 26).date()
    calendar = WorkCalendar(extra_holidays={day: "单位调休"})
    trigger = WorkdayTrigger(calendar, 8, 30)
    # 2026-11-25T23:00Z is already 07:00 on 11-26 in Shanghai, a declared holiday
    nxt = trigger.get_next_fire_time(None, datetime(2026, 11, 25, 23, 0, tzinfo=UTC))
    assert nxt == local("2026-11-27T08:30")


def test_unknown_year_counts_weekdays_provisionally() -> None:
    trigger = WorkdayTrigger(WorkCalendar(use_package=False), 8, 30)
    start = local("2031-03-07T09:00")  # a Friday in a year nobody knows
    assert trigger.get_next_fire_time(None, start) == local("2031-03-10T08:30")
    assert trigger.get_next_fire_time(None, start - timedelta(days=1)) == local("2031-03-07T08:30")


def test_jitter_only_delays() -> None:
    trigger = WorkdayTrigger(WorkCalendar(), 8, 30, jitter=60)
    nxt = trigger.get_next_fire_time(None, local("2026-11-26T07:00"))
    assert local("2026-11-26T08:30") <= nxt <= local("2026-11-26T08:31")


def test_windowed_interval_on_working_days_only() -> None:
    from datetime import time

    from monitor.triggers import WindowedIntervalTrigger

    trigger = WindowedIntervalTrigger(
        timedelta(hours=2), time(8, 0), time(18, 0), calendar=WorkCalendar()
    )
    got = [f.strftime("%m-%d %H:%M") for f in fires(trigger, local("2026-09-24T15:00"), 8)]
    # Thursday 16:00 and 18:00, then Mid-Autumn 09-25..27 has no crawl, Monday from 08:00
    assert got == [
        "09-24 16:00",
        "09-24 18:00",
        "09-28 08:00",
        "09-28 10:00",
        "09-28 12:00",
        "09-28 14:00",
        "09-28 16:00",
        "09-28 18:00",
    ]


def test_windowed_interval_every_day_with_jitter_stays_on_the_grid() -> None:
    from datetime import time

    from monitor.triggers import WindowedIntervalTrigger

    trigger = WindowedIntervalTrigger(timedelta(hours=3), time(7, 0), time(21, 0), jitter=20)
    previous = None
    now = local("2026-10-03T20:00")  # a National Day holiday: still crawled
    seen = []
    for _ in range(4):
        nxt = trigger.get_next_fire_time(previous, now)
        seen.append(nxt)
        previous = now = nxt
    grid = [
        local("2026-10-04T07:00"),
        local("2026-10-04T10:00"),
        local("2026-10-04T13:00"),
        local("2026-10-04T16:00"),
    ]
    for got, want in zip(seen, grid, strict=False):
        assert want <= got <= want + timedelta(seconds=20)


def test_sweep_trigger_keeps_its_grid_and_wakes_at_each_stage() -> None:
    from monitor.triggers import SweepTrigger

    start = local("2026-09-29T10:00")
    trigger = SweepTrigger(timedelta(minutes=30), start)
    trigger.expect_stages([local("2026-09-29T12:00:17"), local("2026-09-29T11:00:17")])
    got = [f.strftime("%H:%M:%S") for f in fires(trigger, start, 7)]
    assert got == [
        "10:00:00",
        "10:30:00",
        "11:00:00",
        "11:00:17",
        "11:30:00",
        "12:00:00",
        "12:00:17",
    ]
    # without stages it is a plain grid; asked after its start it sweeps at once, then
    # goes on on the grid
    plain = SweepTrigger(timedelta(minutes=30), start)
    late = local("2026-09-29T10:40")
    assert plain.get_next_fire_time(None, late) == late
    assert plain.get_next_fire_time(late, late) == local("2026-09-29T11:00")
    assert plain.get_next_fire_time(None, start - timedelta(minutes=5)) == start
    # pure: the same question gets the same answer, and stages already passed are ignored
    assert trigger.get_next_fire_time(start, start) == trigger.get_next_fire_time(start, start)
    assert trigger.get_next_fire_time(
        local("2026-09-29T12:00:17"), local("2026-09-29T12:00:17")
    ) == local("2026-09-29T12:30")
