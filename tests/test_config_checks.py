"""Settings that would silently break the office's alerts are refused at start-up in one line."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from monitor.cli import main
from tests.conftest import write_config


def test_office_hours_that_never_open_are_refused(tmp_path: Path) -> None:
    path = write_config(tmp_path, '[office_hours]\nstart = "18:30"\nend = "17:30"\n')
    result = CliRunner().invoke(main, ["--config", str(path), "status"])
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert str(path) in line and "office_hours" in line and "18:30" in line
    same = write_config(tmp_path / "same", '[office_hours]\nstart = "08:30"\nend = "08:30"\n')
    assert CliRunner().invoke(main, ["--config", str(same), "status"]).exit_code == 2


def test_only_init_creates_the_database(tmp_path: Path) -> None:
    path = write_config(tmp_path)
    db = tmp_path / "monitor.db"
    for args in (["status"], ["items"], ["watchlist", "list"], ["sweep"], ["summary"],
                 ["alerts", "list"], ["run"]):
        result = CliRunner().invoke(main, ["--config", str(path), *args])
        assert result.exit_code == 5, (args, result.output)
        [line] = result.stderr.strip().splitlines()
        assert str(db) in line and "opinion-monitor init" in line
        assert not db.exists()
    assert CliRunner().invoke(main, ["--config", str(path), "init"]).exit_code == 0
    assert CliRunner().invoke(main, ["--config", str(path), "status"]).exit_code == 0
