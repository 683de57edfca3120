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
    for args in (
        ["status"],
        ["items"],
        ["watchlist", "list"],
        ["sweep"],
        ["summary"],
        ["alerts", "list"],
        ["run"],
    ):
        result = CliRunner().invoke(main, ["--config", str(path), *args])
        assert result.exit_code == 5, (args, result.output)
        [line] = result.stderr.strip().splitlines()
        assert str(db) in line and f"opinion-monitor --config {path} init" in line
        assert not db.exists()
    assert CliRunner().invoke(main, ["--config", str(path), "init"]).exit_code == 0
    assert CliRunner().invoke(main, ["--config", str(path), "status"]).exit_code == 0


def test_calendar_due_reads_only_what_it_needs(tmp_path: Path) -> None:
    """The fast path: no pydantic, SQLAlchemy or jieba import; the one key it reads is
    still checked with the file and key named (benchmarks/core.py measures the time)."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    path = write_config(tmp_path, '[rules.reply]\nreceipt_on_rest_day = "next-workday"\n')
    probe = (
        "import sys, runpy; sys.argv = ['opinion-monitor', '--config', sys.argv[1], "
        "'calendar', 'due', '--from', '2025-12-20T10:00', '--working-days', '5', '--json']\n"
        "try:\n    runpy.run_module('monitor', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in ('pydantic', 'sqlalchemy', 'jieba') if m in sys.modules))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe, str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root)},
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert '"due_date": "2025-12-29"' in proc.stdout  # next-workday from the file
    assert proc.stdout.strip().splitlines()[-1] == "[]"
    bad = write_config(tmp_path / "bad", '[rules.reply]\nreceipt_on_rest_day = "asis"\n')
    result = CliRunner().invoke(
        main,
        [
            "--config",
            str(bad),
            "calendar",
            "due",
            "--from",
            "2025-12-20T10:00",
            "--working-days",
            "5",
        ],
    )
    assert result.exit_code == 2
    assert str(bad) in result.stderr and "receipt_on_rest_day" in result.stderr
