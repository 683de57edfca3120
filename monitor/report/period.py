"""Report periods: a month `2026-11`, a quarter `2026-Q4` or a year `2026` (Asia/Shanghai)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from monitor.errors import MonitorError
from monitor.timeutil import start_of_day


@dataclass(frozen=True)
class Period:
    text: str  # as given: 2026-11, 2026-Q4, 2026
    kind: str  # month | quarter | year
    start: date  # first day
    end: date  # the day after the last day

    @property
    def start_utc(self) -> datetime:
        return start_of_day(self.start)

    @property
    def end_utc(self) -> datetime:
        return start_of_day(self.end)

    @property
    def label(self) -> str:
        """For people: 2026年11月, 2026年第四季度, 2026年度."""
        if self.kind == "month":
            return f"{self.start.year}年{self.start.month}月"
        if self.kind == "quarter":
            return f"{self.start.year}年第{'一二三四'[(self.start.month - 1) // 3]}季度"
        return f"{self.start.year}年度"


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def parse_period(text: str) -> Period:
    raw = (text or "").strip().upper()
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", raw):
        year, month = int(m.group(1)), int(m.group(2))
        if 1 <= month <= 12:
            start = date(year, month, 1)
            return Period(text, "month", start, _add_months(start, 1))
    elif m := re.fullmatch(r"(\d{4})-?Q([1-4])", raw):
        start = date(int(m.group(1)), 3 * int(m.group(2)) - 2, 1)
        return Period(text, "quarter", start, _add_months(start, 3))
    elif re.fullmatch(r"\d{4}", raw):
        start = date(int(raw), 1, 1)
        return Period(text, "year", start, date(start.year + 1, 1, 1))
    raise MonitorError(f"--period {text!r} 无效，应为月份 2026-11、季度 2026-Q4 或年份 2026")


def months_back(period: Period, count: int = 12) -> list[date]:
    """The first days of the `count` months ending with the period's last month (a year
    report: exactly its twelve months)."""
    last = _add_months(period.end, -1)
    return [_add_months(last, -i) for i in range(count - 1, -1, -1)]
