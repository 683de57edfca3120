"""Numbers, dates, periods and texts a person types (monitor.inputs), and the commands that
took them unchecked (issue 23 item 6 and 7): one Chinese line and exit 2, never a
traceback, an overflow in the database driver or a 40,000-character row."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.inputs import (
    MAX_ID,
    InputError,
    check_text,
    parse_count,
    parse_date,
    parse_id,
    parse_period,
    parse_when,
    parse_year,
)
from tests.conftest import write_config


@pytest.mark.parametrize(
    "text", ["99999999999999999999", str(MAX_ID + 1), "0", "-1", "²", "٣", "１２", "", " ", "1.0"]
)
def test_ids_out_of_range_or_not_ascii_digits_are_refused(text):
    with pytest.raises(InputError, match="不是 1 到 2147483647 之间的整数"):
        parse_id(text, "编号")


def test_good_numbers_pass():
    assert parse_id(" 42 ") == 42 and parse_id(MAX_ID) == MAX_ID
    assert parse_count("3", "页码") == 3
    assert parse_year("2027") == 2027
    with pytest.raises(InputError):
        parse_count("1000001")
    with pytest.raises(InputError):
        parse_year("1999")


@pytest.mark.parametrize(
    "text",
    ["0001-01-01T00:00", "9999-12-31T23:59", "0000-01-01", "1999-12-31T23:00", "2100-01-01"],
)
def test_times_outside_the_years_the_office_uses_are_refused(text):
    with pytest.raises(InputError, match="年份应在 2000 到 2099 之间"):
        parse_when(text, "收到时间")


@pytest.mark.parametrize("text", ["", "昨天", "２０２６-11-26T09:30", "2026-13-01T00:00", "1e309"])
def test_times_that_are_not_times_are_refused(text):
    with pytest.raises(InputError, match="收到时间 .* 不是有效的时间"):
        parse_when(text, "收到时间")


def test_times_are_read_as_beijing_time_and_returned_in_utc():
    assert parse_when("2026-11-26T09:30").isoformat() == "2026-11-26T01:30:00+00:00"
    assert parse_when("2026-11-26T01:30:00Z").isoformat() == "2026-11-26T01:30:00+00:00"
    # the Beijing date decides the year: 2099-12-31T20:00Z is already 2100 in Beijing
    with pytest.raises(InputError):
        parse_when("2099-12-31T20:00:00Z")


def test_24_00_is_the_end_of_its_day_as_a_limit_is_written():
    # 2026-11-10T24:00 Beijing = 2026-11-11T00:00 Beijing; 24:30 is no time at all
    assert parse_when("2026-11-10T24:00").isoformat() == "2026-11-10T16:00:00+00:00"
    assert parse_when("2026-12-31T24:00:00+08:00").isoformat() == "2026-12-31T16:00:00+00:00"
    with pytest.raises(InputError, match="不是有效的时间"):
        parse_when("2026-11-10T24:30")


def test_dates():
    assert parse_date("2026-11-26") == date(2026, 11, 26)
    for text in ("2026-02-30", "0001-01-01", "26-11-26", "2026-1-5", "²⁰²⁶-01-01"):
        with pytest.raises(InputError):
            parse_date(text)


def test_periods():
    assert parse_period("2026-Q4").label == "2026年第四季度"
    assert parse_period("2026-11").kind == "month" and parse_period("2026").kind == "year"
    for text in ("0000", "9999", "0001", "2026-13", "2026-Q5", "２０２６", "", "2026-11-01"):
        with pytest.raises(InputError, match="统计期"):
            parse_period(text)


def test_long_texts_are_refused_quoting_only_their_start():
    assert check_text("  标题  ", "title") == "标题"
    with pytest.raises(InputError) as caught:
        check_text("申" * 40_000, "title")
    message = str(caught.value)
    assert "标题" in message and "40000 个字符，最多 500 个" in message
    assert len(message) < 100


# ---------------------------------------------------------------------------------------
# the commands


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = write_config(tmp_path / "cfg")
    result = CliRunner().invoke(main, ["--config", str(path), "init"])
    assert result.exit_code == 0, result.output
    return path


def refused(config: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["--config", str(config), *args])
    assert isinstance(result.exception, SystemExit), result.exception  # not a traceback
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["report", "--period", "0000"], "年份应在 2000 到 2099 之间"),
        (["report", "--period", "9999"], "年份应在 2000 到 2099 之间"),
        (["report", "--period", "２０２６"], "统计期"),
        (
            ["disclosure", "done", "99999999999999999999", "--outcome", "予以公开"],
            "1 到 2147483647",
        ),
        (["disclosure", "extend", "²"], "1 到 2147483647"),
        (["disclosure", "add", "申请", "--received", "0001-01-01T00:00"], "年份应在"),
        (["disclosure", "add", "申" * 40_000, "--received", "2026-11-20T09:00"], "最多 500 个"),
        (
            [
                "disclosure",
                "add",
                "申请",
                "--received",
                "2026-11-20T09:00",
                "--department",
                "科" * 201,
            ],
            "部门",
        ),
        (["event", "done", "99999999999999999999", "publish"], "1 到 2147483647"),
        (
            ["event", "declare", "x", "--level", "major", "--started-at", "0001-01-01T00:00"],
            "年份应在",
        ),
        (
            [
                "event",
                "declare",
                "事" * 501,
                "--level",
                "major",
                "--started-at",
                "2026-11-20T09:00",
            ],
            "事件标题",
        ),
        (["alerts", "ack", "99999999999999999999"], "1 到 2147483647"),
        (["alerts", "list", "--limit", "99999999999999999999"], "1 到 1000000"),
        (["items", "--now", "9999-12-31T23:59"], "年份应在"),
        (["items", "--limit", "0"], "1 到 1000000"),
        (["summary", "--date", "0001-01-01"], "年份应在"),
        (["calendar", "is-workday", "0001-01-01"], "年份应在"),
        (["calendar", "due", "--from", "0001-01-01T00:00", "--working-days", "5"], "年份应在"),
        (["watchlist", "add", "审" * 133_334], "最多 50 个"),
        (["watchlist", "history", "--limit", "-5"], "1 到 1000000"),
        (["news", "--limit", "99999999999999999999"], "1 到 1000000"),
    ],
)
def test_commands_refuse_values_out_of_range_in_one_line(config, args, words):
    line = refused(config, *args)
    assert words in line, line
    assert len(line) < 300  # a 133,334-character term is not repeated back


def test_nothing_was_stored_by_the_refused_commands(config):
    from monitor.app import App
    from monitor.config import load_config
    from monitor.watchlist.terms import list_terms

    refused(config, "watchlist", "add", "审" * 51)
    ok = CliRunner().invoke(main, ["--config", str(config), "watchlist", "add", "审" * 50])
    assert ok.exit_code == 0, ok.output
    with App(load_config(config)).session() as session:
        assert max(len(t.term) for t in list_terms(session)) == 50
