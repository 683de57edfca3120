"""Time zone helpers and the duration grammar used in the configuration.

Everything is stored in UTC and shown in Asia/Shanghai; a naive time is Asia/Shanghai.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

# The office's zone, fixed: the limits are Beijing time by rule (docs/time-rules.md), so
# `[monitor] timezone` accepts only this name and every helper below defaults to it.
OFFICE_ZONE_NAME = "Asia/Shanghai"
SHANGHAI = ZoneInfo(OFFICE_ZONE_NAME)
UTC = UTC


def to_utc(moment: datetime, naive_zone: ZoneInfo = SHANGHAI) -> datetime:
    """An aware UTC datetime; a naive one is read as `naive_zone` (Asia/Shanghai)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=naive_zone)
    return moment.astimezone(UTC)


def to_local(moment: datetime, zone: ZoneInfo = SHANGHAI) -> datetime:
    """The same instant in the office's zone. Naive input is taken as UTC (database values)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone)


def local_date(moment: datetime, zone: ZoneInfo = SHANGHAI) -> date:
    """The calendar date in the office's zone: a UTC instant on 12-31 may be 01-01 there."""
    return to_local(moment, zone).date()


def start_of_day(day: date, zone: ZoneInfo = SHANGHAI) -> datetime:
    """00:00 of `day` in the office's zone, as UTC."""
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def end_of_day(day: date, zone: ZoneInfo = SHANGHAI) -> datetime:
    """24:00 of `day` (= 00:00 of the next day) in the office's zone, as UTC."""
    return start_of_day(day + timedelta(days=1), zone)


_MIDNIGHT_24 = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ]24:00(?::00(?:\.0+)?)?(?=$|[+\-])")


def read_iso(text: str) -> datetime:
    """ISO-8601 as written (naive or with its offset; `Z` allowed), not yet in any zone.
    `24:00` (ISO 8601's end of a day, how a limit is written: 2026-10-30T24:00) is 00:00 of
    the next day. Raises ValueError (Python's) when it is not ISO-8601."""
    raw = text.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    next_day = _MIDNIGHT_24.match(raw)
    if next_day:
        raw = next_day.group(1) + "T00:00" + raw[next_day.end() :]
    moment = datetime.fromisoformat(raw)
    return moment + timedelta(days=1) if next_day else moment


def written_as_24(text: str) -> bool:
    """Whether `text` names a time as `24:00` (the end of its date), which read_iso turns into
    00:00 of the next day: a reader of dates needs to know which day it ends."""
    return bool(_MIDNIGHT_24.match(text.strip()))


def parse_iso(text: str, zone: ZoneInfo = SHANGHAI) -> datetime:
    """Parse ISO-8601 (date or date-time, `Z` allowed, `24:00` read as by read_iso); naive
    means the office's zone."""
    try:
        moment = read_iso(text)
    except ValueError as exc:
        raise ValueError(f"不是 ISO-8601 时间：{text!r}") from exc
    return to_utc(moment, zone)


def format_local(moment: datetime | None, zone: ZoneInfo = SHANGHAI, seconds: bool = False) -> str:
    """For people: `2026-11-26 14:05` in the office's zone; empty for None."""
    if moment is None:
        return ""
    return to_local(moment, zone).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def iso(moment: datetime | None, zone: ZoneInfo = SHANGHAI) -> str | None:
    """For machines (JSON): ISO-8601 with the office's offset, e.g. `2026-11-26T14:05:00+08:00`."""
    if moment is None:
        return None
    return to_local(moment, zone).isoformat()


@dataclass(frozen=True)
class Duration:
    """A configured span: wall-clock (`30m`, `2h`, `1d`, `45s`) or working days (`2wd`)."""

    amount: int
    unit: str  # "s", "m", "h", "d" or "wd"

    @property
    def is_working_days(self) -> bool:
        return self.unit == "wd"

    def as_timedelta(self) -> timedelta:
        if self.is_working_days:
            raise ValueError(f"{self} counts working days; it has no fixed length")
        return timedelta(seconds=self.amount * _UNIT_SECONDS[self.unit])

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"


_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"^\s*(\d+)\s*(wd|s|m|h|d)\s*$")


def parse_duration(text: str) -> Duration:
    """`"2wd"`, `"30m"`, `"10m"`, `"2h"`: a positive whole number and a unit."""
    match = _DURATION.match(str(text))
    if not match or int(match.group(1)) <= 0:
        raise ValueError(
            f"{text!r} 不是时长：应为正整数加单位（s 秒、m 分、h 小时、d 天、wd 工作日），"
            '如 "30m" 或 "2wd"'
        )
    return Duration(int(match.group(1)), match.group(2))


def parse_clock(text: str) -> tuple[int, int]:
    """`"08:30"` → (8, 30)."""
    match = re.match(r"^\s*(\d{1,2}):(\d{2})\s*$", str(text))
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ValueError(f'{text!r} 不是时刻：应为 HH:MM，如 "08:30"')
    return int(match.group(1)), int(match.group(2))
