"""The Chinese working-day calendar: State Council schedule plus the office's holidays.toml.

Base: the `chinese_calendar` package (holidays and 调休 make-up workdays). `holidays.toml`
overrides single days and can declare whole years the package does not know yet. A date in a
year neither source knows is *unknown*: asking about it raises `UnknownYear`, it is never
silently guessed. Callers that may go ahead on weekends only (provisional deadlines) say so.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import chinese_calendar
from chinese_calendar import constants as _cc

from monitor.errors import ConfigError
from monitor.tomlzh import toml_problem


class UnknownYear(LookupError):
    """The calendar has no schedule for this year; add it to holidays.toml."""

    def __init__(self, year: int) -> None:
        super().__init__(
            f"工作日日历没有 {year} 年的节假日安排，请在 holidays.toml 中补充 [years.{year}]"
        )
        self.year = year


# Names chinese_calendar gives, as the office says them.
HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}

_PACKAGE_YEARS = frozenset(d.year for d in _cc.holidays) | frozenset(d.year for d in _cc.workdays)


@dataclass(frozen=True)
class YearSchedule:
    """A whole year declared in holidays.toml: unlisted weekdays work, weekends rest."""

    holidays: dict[date, str | None] = field(default_factory=dict)
    workdays: frozenset[date] = frozenset()


@dataclass
class WorkCalendar:
    """Which days are working days. Pure: no clock, no I/O after construction."""

    years: dict[int, YearSchedule] = field(default_factory=dict)
    extra_holidays: dict[date, str | None] = field(default_factory=dict)
    extra_workdays: frozenset[date] = frozenset()
    use_package: bool = True

    # -- what is known -------------------------------------------------------------------
    def knows_year(self, year: int) -> bool:
        return year in self.years or (self.use_package and year in _PACKAGE_YEARS)

    def known_years(self) -> list[int]:
        years = set(self.years)
        if self.use_package:
            years |= _PACKAGE_YEARS
        return sorted(years)

    def known_until(self, from_year: int) -> int:
        """The last year of the unbroken run of known years starting at `from_year`."""
        return self.next_unknown(from_year) - 1

    def next_unknown(self, from_year: int) -> int:
        year = from_year
        while self.knows_year(year):
            year += 1
        return year

    # -- one day -------------------------------------------------------------------------
    def is_workday(self, day: date, provisional: bool = False) -> bool:
        """Whether `day` is a working day. An unknown year raises `UnknownYear` unless
        `provisional`, in which case weekends rest and weekdays work."""
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays:
            return False
        schedule = self.years.get(day.year)
        if schedule is not None:
            if day in schedule.workdays:
                return True
            if day in schedule.holidays:
                return False
            return day.weekday() < 5
        if self.use_package and day.year in _PACKAGE_YEARS:
            return _package_workday(day)
        if provisional:
            return day.weekday() < 5
        raise UnknownYear(day.year)

    def holiday_name(self, day: date) -> str | None:
        """The holiday's name in Chinese when `day` is a named holiday, else None."""
        if day in self.extra_holidays:
            return self.extra_holidays[day]
        schedule = self.years.get(day.year)
        if schedule is not None:
            return schedule.holidays.get(day)
        if self.use_package and day.year in _PACKAGE_YEARS:
            on_holiday, name = chinese_calendar.get_holiday_detail(day)
            if on_holiday and name:
                return HOLIDAY_NAMES_ZH.get(str(name), str(name))
        return None

    # -- counting ------------------------------------------------------------------------
    def add_working_days(self, start: date, n: int, provisional: bool = False) -> tuple[date, bool]:
        """The n-th working day after `start` (start itself not counted; n ≥ 1).

        Returns (day, used_unknown): `used_unknown` is True when an unknown year was counted
        on weekends only; without `provisional` that raises `UnknownYear` instead."""
        if n < 1:
            raise ValueError("n must be at least 1")
        day, counted, used_unknown = start, 0, False
        while counted < n:
            day += timedelta(days=1)
            if not self.knows_year(day.year):
                if not provisional:
                    raise UnknownYear(day.year)
                used_unknown = True
            if self.is_workday(day, provisional=True):
                counted += 1
        return day, used_unknown

    def next_workday(self, start: date, provisional: bool = False) -> tuple[date, bool]:
        """`start` itself when it is a working day, else the next one."""
        unknown = not self.knows_year(start.year)
        if unknown and not provisional:
            raise UnknownYear(start.year)
        if self.is_workday(start, provisional=True):
            return start, unknown
        day, more = self.add_working_days(start, 1, provisional)
        return day, unknown or more

    def working_days_back(self, end: date, n: int, provisional: bool = True) -> date:
        """The n-th working day counted back from `end`, `end` being the 1st (end must work)."""
        day, counted = end, 1
        while counted < n:
            day -= timedelta(days=1)
            if self.is_workday(day, provisional=provisional):
                counted += 1
        return day


@lru_cache(maxsize=8192)
def _package_workday(day: date) -> bool:
    """chinese_calendar's answer, remembered: it validates every date it is asked about, which
    dominated counting thousands of deadlines at once (an import, a first crawl)."""
    return bool(chinese_calendar.is_workday(day))


class WorkingDays:
    """Counts working days, asking the calendar once per date (a board or a list of hundreds
    of rows asks about the same few weeks over and over): share one across a list."""

    def __init__(self, calendar: WorkCalendar) -> None:
        self.calendar = calendar
        self._known: dict[date, bool] = {}

    def is_workday(self, day: date) -> bool:
        known = self._known.get(day)
        if known is None:
            known = self._known[day] = self.calendar.is_workday(day, provisional=True)
        return known

    def between(self, first: date, last: date) -> int:
        """Working days d with first <= d <= last (unknown years: weekends only)."""
        count, day = 0, first
        while day <= last:
            count += self.is_workday(day)
            day += timedelta(days=1)
        return count


def _parse_day(value: object, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(f"{where}：{value!r} 不是日期（应为 YYYY-MM-DD）") from None


def _parse_days(raw: object, where: str) -> dict[date, str | None]:
    """A list of dates, or of {date, name} tables, or a table date → name."""
    days: dict[date, str | None] = {}
    if isinstance(raw, dict):
        for key, name in raw.items():
            days[_parse_day(key, where)] = str(name) if name else None
        return days
    if not isinstance(raw, list):
        raise ConfigError(f"{where}：应为日期列表，实际是 {type(raw).__name__}")
    for item in raw:
        if isinstance(item, dict):
            unknown = set(item) - {"date", "name"}
            if unknown or "date" not in item:
                raise ConfigError(f"{where}：每一项应为日期或 {{date, name}}，实际是 {item!r}")
            days[_parse_day(item["date"], where)] = item.get("name")
        else:
            days[_parse_day(item, where)] = None
    return days


def load_calendar(path: Path | None) -> WorkCalendar:
    """The calendar from chinese_calendar plus `path` (holidays.toml), which may be absent."""
    if path is None or not path.exists():
        return WorkCalendar()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: 不是有效的 TOML：{toml_problem(exc)}") from None
    unknown = set(raw) - {"years", "holidays", "workdays"}
    if unknown:
        raise ConfigError(
            f"{path}: 未知的键 {sorted(unknown)[0]!r}（可用的键：years, holidays, workdays）"
        )
    years: dict[int, YearSchedule] = {}
    for year_key, table in (raw.get("years") or {}).items():
        where = f"{path}: years.{year_key}"
        if not str(year_key).isdigit() or not isinstance(table, dict):
            raise ConfigError(f"{where}：应为表 [years.YYYY]")
        extra = set(table) - {"holidays", "workdays"}
        if extra:
            raise ConfigError(
                f"{where}：未知的键 {sorted(extra)[0]!r}（可用的键：holidays, workdays）"
            )
        year = int(year_key)
        holidays = _parse_days(table.get("holidays", []), f"{where}.holidays")
        workdays = frozenset(_parse_days(table.get("workdays", []), f"{where}.workdays"))
        for day in list(holidays) + list(workdays):
            if day.year != year:
                raise ConfigError(f"{where}：{day.isoformat()} 不在 {year} 年")
        for day in sorted(workdays):
            if day.weekday() < 5:  # in a declared year weekdays work anyway: surely a typo
                raise ConfigError(
                    f"{where}.workdays：{day.isoformat()} 是周一至周五；调休上班日应为周六或周日"
                )
        years[year] = YearSchedule(holidays=holidays, workdays=workdays)
    extra_holidays = _parse_days(raw.get("holidays", []), f"{path}: holidays")
    extra_workdays = frozenset(_parse_days(raw.get("workdays", []), f"{path}: workdays"))
    both = set(extra_holidays) & extra_workdays
    if both:
        raise ConfigError(f"{path}: {min(both).isoformat()} 同时列为放假日和上班日")
    return WorkCalendar(years=years, extra_holidays=extra_holidays, extra_workdays=extra_workdays)
