"""One language for the office: --help, usage errors and error lines are Chinese (codes,
keys, option names, JSON stay ASCII)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from monitor.cli import main
from tests.conftest import write_config

# two English words in a row, once `code`, --options, [config.keys] and FILE-like names are gone
ENGLISH = re.compile(r"\b[A-Za-z]{3,}\s+[A-Za-z]{2,}\b")
ALLOWED = re.compile(
    r"（用 [^（）]* 查看用法）|`[^`]*`|--[a-z-]+|\[[a-z._ ]+\]|\b[A-Z_]{2,}\b|\b[a-z_]+\.[a-z_.]+\b|"
    r"opinion-monitor|python -m monitor|receipt_on_rest_day|as-is"
)


def commands(
    group: click.Command, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    yield path, group
    if isinstance(group, click.Group):
        for name, sub in group.commands.items():
            yield from commands(sub, path + (name,))


def english(text: str) -> list[str]:
    return ENGLISH.findall(ALLOWED.sub(" ", text))


@pytest.mark.parametrize(
    "path", [p for p, _ in commands(main)], ids=lambda p: " ".join(p) or "main"
)
def test_help_is_chinese(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0
    text = "\n".join(
        line for line in result.output.splitlines() if not line.startswith(("用法：", "Usage:"))
    )
    assert english(text) == [], (path, text)


@pytest.mark.parametrize(
    "args",
    [
        ["--bogus"],
        ["nosuch"],
        ["watchlist", "add"],
        ["calendar", "due", "--from", "x", "--working-days", "5"],
        ["watchlist", "add", "审计", "--level", "urgent"],
        ["items", "--limit", "many"],
    ],
)
def test_usage_errors_are_one_chinese_error_line(args: list[str]) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: ") and re.search(r"[\u4e00-\u9fff]", line)
    assert english(line) == [], line


def test_config_errors_are_chinese(tmp_path: Path) -> None:
    path = write_config(tmp_path, "[rules.reply]\nworkingday = 5\n[office_hours]\nstart = 8\n")
    result = CliRunner().invoke(main, ["--config", str(path), "status"])
    assert result.exit_code == 2
    for line in result.stderr.strip().splitlines():
        assert line.startswith(("error: ", str(path))) and str(path) in line
        assert english(line.replace(str(path), "")) == [], line


def test_news_source_down_says_news_and_calendar_hint_can_be_pasted(make_app) -> None:
    from alerts.outbox import CalendarPayload, SourcePayload
    from alerts.render import _calendar_item, _source_item, md

    class Row:
        id, crisis, department = 1, False, None

        def __init__(self, kind: str, subject: str) -> None:
            self.kind, self.subject = kind, subject

    news = _source_item(
        Row("source_unhealthy", "source:local-news"),
        SourcePayload(reason="DNS 解析失败", kind="news"),
    )
    portal = _source_item(Row("source_unhealthy", "source:bxcy"), SourcePayload(reason="HTTP 521"))
    assert "不会发现新的新闻" in dict(news.fields)["处理"]
    assert "留言" in dict(portal.fields)["处理"]
    calendar = _calendar_item(Row("calendar_missing", "calendar:2027"), CalendarPayload(year=2027))
    how = md(dict(calendar.fields)["处理"])  # as the WeCom markdown shows it
    assert "opinion-monitor calendar import-notice 通知.txt" in how and "［" not in how


def test_unknown_year_names_the_holidays_file_in_use(tmp_path: Path) -> None:
    path = write_config(tmp_path / "office")
    result = CliRunner().invoke(
        main,
        ["--config", str(path), "calendar", "due", "--from", "2026-12-28", "--working-days", "5"],
    )
    assert result.exit_code == 3
    [line] = result.stderr.strip().splitlines()
    assert str(tmp_path / "office" / "holidays.toml") in line and "config/holidays.toml" not in line
    assert "2027" in line and "calendar import-notice 通知.txt 导入国务院通知" in line
    result = CliRunner().invoke(
        main, ["--config", str(path), "calendar", "is-workday", "2027-01-04"]
    )
    assert result.exit_code == 3  # the same words for is-workday: the file argument included
    [line] = result.stderr.strip().splitlines()
    assert "calendar import-notice 通知.txt 导入国务院通知" in line and "  " not in line


def test_calendar_due_explains_the_rest_day_rule_in_chinese() -> None:
    result = CliRunner().invoke(
        main, ["calendar", "due", "--from", "2025-12-20T10:00", "--working-days", "5"]
    )
    assert result.exit_code == 0, result.output
    assert "as-is" not in result.output and "次日起算" in result.output
    assert "休息日收到的从下一个工作日起算第 1 天" in result.output
