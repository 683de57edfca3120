"""The working-day calendar on real years: State Council holidays and 调休 make-up days."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from monitor.calendar import UnknownYear, WorkCalendar, load_calendar
from monitor.errors import ConfigError

D = date.fromisoformat

# (Spring Festival first, last, make-up days), (National Day first, last, make-up days)
SCHEDULES = {
    2019: (
        ("2019-02-04", "2019-02-10", ["2019-02-02", "2019-02-03"]),
        ("2019-10-01", "2019-10-07", ["2019-09-29", "2019-10-12"]),
    ),
    2020: (
        ("2020-01-24", "2020-02-02", ["2020-01-19"]),  # extended for COVID-19
        ("2020-10-01", "2020-10-08", ["2020-09-27", "2020-10-10"]),
    ),
    2021: (
        ("2021-02-11", "2021-02-17", ["2021-02-07", "2021-02-20"]),
        ("2021-10-01", "2021-10-07", ["2021-09-26", "2021-10-09"]),
    ),
    2022: (
        ("2022-01-31", "2022-02-06", ["2022-01-29", "2022-01-30"]),
        ("2022-10-01", "2022-10-07", ["2022-10-08", "2022-10-09"]),
    ),
    2023: (
        ("2023-01-21", "2023-01-27", ["2023-01-28", "2023-01-29"]),
        ("2023-09-29", "2023-10-06", ["2023-10-07", "2023-10-08"]),
    ),
    2024: (
        ("2024-02-10", "2024-02-17", ["2024-02-04", "2024-02-18"]),
        ("2024-10-01", "2024-10-07", ["2024-09-29", "2024-10-12"]),
    ),
    2025: (
        ("2025-01-28", "2025-02-04", ["2025-01-26", "2025-02-08"]),
        ("2025-10-01", "2025-10-08", ["2025-09-28", "2025-10-11"]),
    ),
    2026: (
        ("2026-02-15", "2026-02-23", ["2026-02-14", "2026-02-28"]),
        ("2026-10-01", "2026-10-07", ["2026-09-20", "2026-10-10"]),
    ),
}


def _days(first: str, last: str) -> list[date]:
    start, end = D(first), D(last)
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


@pytest.mark.parametrize("year", sorted(SCHEDULES))
def test_spring_festival_and_national_day(year: int) -> None:
    cal = WorkCalendar()
    for first, last, makeups in SCHEDULES[year]:
        for day in _days(first, last):
            assert not cal.is_workday(day), f"{day} is a holiday"
        for makeup in makeups:
            assert D(makeup).weekday() >= 5, "make-up days fall on weekends"
            assert cal.is_workday(D(makeup)), f"{makeup} is a make-up workday"


def test_holiday_names_are_chinese() -> None:
    cal = WorkCalendar()
    assert cal.holiday_name(D("2026-02-17")) == "春节"
    assert cal.holiday_name(D("2024-10-01")) == "国庆节"
    assert cal.holiday_name(D("2024-09-29")) is None  # a make-up workday has no holiday name
    assert cal.holiday_name(D("2026-11-26")) is None


def test_ordinary_weekend_rests_and_weekday_works() -> None:
    cal = WorkCalendar()
    assert cal.is_workday(D("2026-11-26"))  # Thursday
    assert not cal.is_workday(D("2026-11-28"))  # Saturday


def test_unknown_year_is_never_guessed() -> None:
    cal = WorkCalendar()
    with pytest.raises(UnknownYear) as err:
        cal.is_workday(D("2027-01-04"))
    assert err.value.year == 2027
    assert "holidays.toml" in str(err.value)
    assert cal.is_workday(D("2027-01-04"), provisional=True)
    assert cal.next_unknown(2026) == 2027
    assert cal.known_until(2026) == 2026


def test_counting_into_unknown_year_needs_permission() -> None:
    cal = WorkCalendar()
    with pytest.raises(UnknownYear):
        cal.add_working_days(D("2026-12-28"), 5)
    day, unknown = cal.add_working_days(D("2026-12-28"), 5, provisional=True)
    assert unknown and day == D("2027-01-04")  # 12-29,30,31 (2026) + 01-01 Fri, 01-04 Mon
    day, unknown = cal.add_working_days(D("2026-12-21"), 5, provisional=True)
    assert not unknown and day == D("2026-12-28")


def test_holidays_toml_declares_a_whole_year(tmp_path) -> None:
    path = tmp_path / "holidays.toml"
    path.write_text(
        "[years.2027]\n"
        'holidays = [{ date = "2027-01-01", name = "元旦" }, "2027-02-05", "2027-02-08"]\n'
        'workdays = ["2027-02-07"]\n',
        encoding="utf-8",
    )
    cal = load_calendar(path)
    assert cal.knows_year(2027) and cal.next_unknown(2026) == 2028
    assert not cal.is_workday(D("2027-01-01")) and cal.holiday_name(D("2027-01-01")) == "元旦"
    assert not cal.is_workday(D("2027-02-05"))
    assert cal.is_workday(D("2027-02-07"))  # a Sunday made a workday
    assert cal.is_workday(D("2027-01-04"))  # unlisted weekday works
    assert not cal.is_workday(D("2027-01-09"))  # unlisted Saturday rests
    day, unknown = cal.add_working_days(D("2026-12-31"), 1)
    assert (day, unknown) == (D("2027-01-04"), False)


def test_holidays_toml_overrides_single_days_of_known_years(tmp_path) -> None:
    path = tmp_path / "holidays.toml"
    path.write_text('holidays = ["2026-11-27"]\nworkdays = ["2026-11-28"]\n', encoding="utf-8")
    cal = load_calendar(path)
    assert not cal.is_workday(D("2026-11-27"))
    assert cal.is_workday(D("2026-11-28"))


def test_a_year_in_holidays_toml_replaces_the_package(tmp_path) -> None:
    path = tmp_path / "holidays.toml"
    path.write_text('[years.2026]\nholidays = ["2026-11-26"]\n', encoding="utf-8")
    cal = load_calendar(path)
    assert not cal.is_workday(D("2026-11-26"))
    assert cal.is_workday(D("2026-10-01"))  # the whole year is the file's now


@pytest.mark.parametrize(
    "body, fragment",
    [
        ('[years.2027]\nholidays = ["2027-13-01"]\n', "years.2027.holidays：'2027-13-01' 不是日期"),
        ('[years.2027]\nholidays = ["2028-01-01"]\n', "2028-01-01 不在 2027 年"),
        ("[years.2027]\nholiday = []\n", "未知的键 'holiday'"),
        ('[years.2027]\nworkdays = ["2027-01-06"]\n', "2027-01-06 是周一至周五"),
        ("[year.2027]\n", "未知的键 'year'"),
        ('holidays = ["2026-11-27"]\nworkdays = ["2026-11-27"]\n', "同时列为放假日和上班日"),
        ("[years.2027\n", "不是有效的 TOML"),
    ],
)
def test_bad_holidays_toml_names_file_and_key(tmp_path, body: str, fragment: str) -> None:
    path = tmp_path / "holidays.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_calendar(path)
    assert str(path) in str(err.value) and fragment in str(err.value)


def test_missing_holidays_toml_is_the_package_calendar(tmp_path) -> None:
    cal = load_calendar(tmp_path / "absent.toml")
    assert cal.is_workday(D("2024-09-29"))
