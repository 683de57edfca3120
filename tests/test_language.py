"""One language for the office: --help, usage errors and error lines are Chinese (codes,
keys, option names, JSON stay ASCII)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import click
import pytest
from click.testing import CliRunner

from monitor.cli import main
from tests.conftest import write_config

# two English words in a row, once `code`, --options, [config.keys] and FILE-like names are gone
ENGLISH = re.compile(r"\b[A-Za-z]{3,}\s+[A-Za-z]{2,}\b")
ALLOWED = re.compile(r"（用 [^（）]* 查看用法）|`[^`]*`|--[a-z-]+|\[[a-z._ ]+\]|\b[A-Z_]{2,}\b|\b[a-z_]+\.[a-z_.]+\b|"
                     r"opinion-monitor|python -m monitor|receipt_on_rest_day|as-is")


def commands(group: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    yield path, group
    if isinstance(group, click.Group):
        for name, sub in group.commands.items():
            yield from commands(sub, path + (name,))


def english(text: str) -> list[str]:
    return ENGLISH.findall(ALLOWED.sub(" ", text))


@pytest.mark.parametrize("path", [p for p, _ in commands(main)], ids=lambda p: " ".join(p) or "main")
def test_help_is_chinese(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0
    text = "\n".join(line for line in result.output.splitlines()
                     if not line.startswith(("用法：", "Usage:")))
    assert english(text) == [], (path, text)


@pytest.mark.parametrize("args", [
    ["--bogus"], ["nosuch"], ["watchlist", "add"], ["calendar", "due", "--from", "x",
                                                     "--working-days", "5"],
    ["watchlist", "add", "审计", "--level", "urgent"], ["items", "--limit", "many"],
])
def test_usage_errors_are_one_chinese_error_line(args: list[str]) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: ") and re.search(r"[\u4e00-\u9fff]", line)
    assert english(line) == [], line


def test_config_errors_are_chinese(tmp_path: Path) -> None:
    path = write_config(tmp_path, '[rules.reply]\nworkingday = 5\n[office_hours]\nstart = 8\n')
    result = CliRunner().invoke(main, ["--config", str(path), "status"])
    assert result.exit_code == 2
    for line in result.stderr.strip().splitlines():
        assert line.startswith(("error: ", str(path))) and str(path) in line
        assert english(line.replace(str(path), "")) == [], line
