"""The core commands end to end on a real SQLite file: exact JSON shapes (docs/commands.md), exit
codes, config errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import main
from tests.conftest import write_config


def run(config: Path, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, ["--config", str(config), *args])
    assert result.exit_code == code, (
        result.output,
        result.stderr if hasattr(result, "stderr") else "",
    )
    return result.stdout


def run_process(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        cwd=cwd,
        text=True,
        capture_output=True,
        timeout=60,
    )


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = write_config(tmp_path / "cfg")
    run(path, "init")
    return path


def test_calendar_due_json_shape(config: Path) -> None:
    doc = json.loads(
        run(
            config, "calendar", "due", "--from", "2024-09-27T10:00", "--working-days", "5", "--json"
        )
    )
    assert doc["due_date"] == "2024-10-10"
    assert doc["deadline"] == "2024-10-11T00:00:00+08:00"
    assert doc["provisional"] is False
    doc = json.loads(
        run(
            config,
            "calendar",
            "due",
            "--from",
            "2025-12-20T10:00",
            "--working-days",
            "5",
            "--receipt-on-rest-day",
            "next-workday",
            "--json",
        )
    )
    assert doc["due_date"] == "2025-12-29"


def test_calendar_due_unknown_year_exits_3_naming_year_and_file(tmp_path: Path) -> None:
    proc = run_process(
        "calendar", "due", "--from", "2026-12-28", "--working-days", "5", "--json", cwd=tmp_path
    )
    assert proc.returncode == 3 and proc.stdout == ""
    assert "2027" in proc.stderr and "config/holidays.toml" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = run_process(
        "calendar",
        "due",
        "--from",
        "2026-12-28",
        "--working-days",
        "5",
        "--allow-provisional",
        "--json",
        cwd=tmp_path,
    )
    assert proc.returncode == 0
    assert json.loads(proc.stdout) == {
        **json.loads(proc.stdout),
        "due_date": "2027-01-04",
        "provisional": True,
    }


def test_holidays_next_to_the_config_are_used(tmp_path: Path) -> None:
    path = write_config(tmp_path / "etc", holidays='[years.2027]\nholidays = ["2027-01-01"]\n')
    doc = json.loads(
        run(path, "calendar", "due", "--from", "2026-12-28", "--working-days", "5", "--json")
    )
    # New Year's Day (Fri) now rests: 12-29, 12-30, 12-31, 01-04, 01-05
    assert doc == {**doc, "due_date": "2027-01-05", "provisional": False}


def test_is_workday_json(config: Path) -> None:
    assert json.loads(run(config, "calendar", "is-workday", "2024-09-29", "--json")) == {
        "date": "2024-09-29",
        "workday": True,
        "holiday_name": None,
    }
    assert json.loads(run(config, "calendar", "is-workday", "2024-10-01", "--json")) == {
        "date": "2024-10-01",
        "workday": False,
        "holiday_name": "国庆节",
    }
    out = run(config, "calendar", "is-workday", "2024-09-29")
    assert "调休上班" in out


def test_event_declare_done_list(config: Path) -> None:
    doc = json.loads(
        run(
            config,
            "event",
            "declare",
            "化工厂爆炸",
            "--level",
            "major",
            "--started-at",
            "2026-11-26T09:00",
            "--json",
        )
    )
    assert set(doc) >= {"id", "title", "level", "started_at", "milestones"}
    assert doc["started_at"] == "2026-11-26T09:00:00+08:00"
    assert [(m["name"], m["deadline"], m["done_at"]) for m in doc["milestones"]] == [
        ("publish", "2026-11-26T14:00:00+08:00", None),
        ("press_conference", "2026-11-27T09:00:00+08:00", None),
    ]
    out = run(config, "event", "done", str(doc["id"]), "publish", "--at", "2026-11-26T15:00")
    assert "已超时限" in out
    listed = json.loads(run(config, "event", "list", "--json", "--now", "2026-11-26T16:00"))
    publish = listed[0]["milestones"][0]
    assert publish["done_at"] == "2026-11-26T15:00:00+08:00" and publish["state"] == "done_late"
    run(config, "event", "done", "99", "publish", code=4)


def test_config_errors_name_file_and_key_without_traceback(tmp_path: Path) -> None:
    bad = write_config(tmp_path / "bad", '[rules.reply]\nworking_days = "five"\n')
    proc = run_process("--config", str(bad), "items", cwd=tmp_path)
    assert proc.returncode == 2
    assert str(bad) in proc.stderr and "rules.reply.working_days" in proc.stderr
    assert "Traceback" not in proc.stderr
    typo = write_config(tmp_path / "typo", '[rules.reply]\nwarn_before = ["2wd", "1x"]\n')
    proc = run_process("--config", str(typo), "status", cwd=tmp_path)
    assert proc.returncode == 2 and "'1x' 不是时长" in proc.stderr
    unknown = write_config(tmp_path / "unknown", '[office_hour]\nstart = "08:30"\n')
    proc = run_process("--config", str(unknown), "status", cwd=tmp_path)
    assert proc.returncode == 2 and "未知的键 'office_hour'" in proc.stderr
    proc = run_process("--config", str(tmp_path / "nowhere.toml"), "status", cwd=tmp_path)
    assert proc.returncode == 2 and "nowhere.toml: 配置文件不存在" in proc.stderr
    bad_source = write_config(
        tmp_path / "src",
        '[[sources]]\nname = "x"\nprofile = "sites/x.toml"\n'
        'section = "bxcy"\nevery = "10 minutes"\n',
    )
    proc = run_process("--config", str(bad_source), "status", cwd=tmp_path)
    assert proc.returncode == 2 and "sources.0.every" in proc.stderr


def test_timezone_is_beijing_time_only(tmp_path: Path) -> None:
    """`[monitor] timezone` states the office's zone; the limits are Beijing time by rule, so
    another zone is refused instead of shifting some times and not others."""
    path = write_config(tmp_path / "tz", "")
    path.write_text(
        '[monitor]\ntimezone = "Europe/Berlin"\ndatabase = "sqlite:///m.db"\n', encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["--config", str(path), "status"])
    assert result.exit_code == 2 and "monitor.timezone" in result.output
    assert "Asia/Shanghai" in result.output and "Europe/Berlin" in result.output
    path.write_text(
        '[monitor]\ntimezone = "Asia/Shanghai"\ndatabase = "sqlite:///m.db"\n', encoding="utf-8"
    )
    assert CliRunner().invoke(main, ["--config", str(path), "init"]).exit_code == 0


def test_missing_secret_is_reported_when_used(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("OM_TEST_DB", raising=False)
    path = write_config(tmp_path / "env", "")
    path.write_text('[monitor]\ndatabase = "env:OM_TEST_DB"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(path), "status"])
    assert result.exit_code == 2 and "环境变量 OM_TEST_DB 未设置" in result.output
    # commands that do not need the secret still work
    result = CliRunner().invoke(
        main, ["--config", str(path), "calendar", "is-workday", "2026-11-26"]
    )
    assert result.exit_code == 0


def test_init_creates_missing_config_files_and_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "new" / "monitor.toml"
    first = run(path, "init")
    assert path.exists() and (path.parent / "holidays.toml").exists()
    assert (path.parent / "watchlist.txt").exists() and (
        path.parent / "data" / "monitor.db"
    ).exists()
    assert "已创建配置文件" in first
    second = run(path, "init")
    assert "已创建配置文件" not in second


def test_status_json_shape(config: Path) -> None:
    doc = json.loads(run(config, "status", "--json", "--now", "2026-11-26T10:00"))
    assert set(doc) >= {"sources", "states", "calendar", "daemon"}
    assert doc["calendar"]["known_until"] == 2026 and doc["calendar"]["next_unknown"] == 2027
    assert doc["daemon"] is False
    assert set(doc["states"]) >= {
        "open",
        "at_risk",
        "overdue",
        "replied",
        "replied_late",
        "withdrawn",
    }


def test_items_now_evaluates_active_states_at_that_time(config: Path) -> None:
    from monitor.app import App, fixed_clock
    from monitor.config import load_config
    from monitor.db.models import Message
    from monitor.timeutil import parse_iso
    from monitor.tracking import schedule_message

    now = parse_iso("2026-11-23T10:00")
    app = App(load_config(config), clock=fixed_clock(now))
    with app.session() as session:  # due Mon 11-30; 2wd = Fri 11-27 00:00
        schedule_message(
            session,
            Message(
                source="p",
                external_id="1",
                title="留言",
                posted_at=parse_iso("2026-11-23T09:00"),
                first_seen=now,
                last_seen=now,
            ),
            app.config,
            app.calendar,
            now,
        )

    def state(when: str, *more: str) -> list[str]:
        return [
            d["state"] for d in json.loads(run(config, "items", "--json", "--now", when, *more))
        ]

    assert state("2026-11-26T23:59") == ["open"]
    assert state("2026-11-27T00:00") == ["at_risk"]
    assert state("2026-12-01T00:00") == ["overdue"]
    assert state("2026-12-01T00:00", "--state", "open") == []
    assert state("2026-12-01T00:00", "--state", "overdue") == ["overdue"]
    run(config, "items", "--limit", "0", code=2)


def test_event_inputs_are_checked(config: Path) -> None:
    doc = json.loads(
        run(
            config,
            "event",
            "declare",
            "事件",
            "--level",
            "major",
            "--started-at",
            "2026-11-26T08:00",
            "--now",
            "2026-11-26T08:30",
            "--json",
        )
    )
    eid = str(doc["id"])
    before = CliRunner().invoke(
        main,
        [
            "--config",
            str(config),
            "event",
            "done",
            eid,
            "publish",
            "--at",
            "2026-11-26T07:00",
            "--now",
            "2026-11-26T09:00",
        ],
    )
    assert before.exit_code == 1 and "早于事件开始时间" in before.output
    future = CliRunner().invoke(
        main,
        [
            "--config",
            str(config),
            "event",
            "done",
            eid,
            "publish",
            "--at",
            "2031-01-01T00:00",
            "--now",
            "2026-11-26T09:00",
        ],
    )
    assert future.exit_code == 1 and "在未来" in future.output
    run(
        config,
        "event",
        "done",
        eid,
        "publish",
        "--at",
        "2026-11-26T09:00",
        "--now",
        "2026-11-26T09:00",
    )
    again = CliRunner().invoke(
        main,
        [
            "--config",
            str(config),
            "event",
            "done",
            eid,
            "publish",
            "--at",
            "2026-11-26T09:30",
            "--now",
            "2026-11-26T10:00",
        ],
    )
    assert again.exit_code == 1 and "标记完成" in again.output
    run(
        config,
        "event",
        "done",
        eid,
        "publish",
        "--at",
        "2026-11-26T09:30",
        "--correct",
        "--now",
        "2026-11-26T10:00",
    )
    listed = json.loads(run(config, "event", "list", "--json", "--now", "2026-11-27T06:30"))
    publish, press = listed[0]["milestones"]
    assert publish["done_at"] == "2026-11-26T09:30:00+08:00"
    assert press["state"] == "at_risk"  # inside the 2 h warning before 08:00
    late = CliRunner().invoke(
        main,
        [
            "--config",
            str(config),
            "event",
            "declare",
            "x",
            "--level",
            "major",
            "--started-at",
            "2030-01-01T08:00",
        ],
    )
    assert late.exit_code == 1 and "在未来" in late.output


def test_config_folder_and_every_problem_are_reported(tmp_path: Path) -> None:
    proc = run_process("--config", str(tmp_path), "status", cwd=tmp_path)
    assert proc.returncode == 2 and "是文件夹" in proc.stderr and "Traceback" not in proc.stderr
    bad = write_config(
        tmp_path / "two",
        '[rules.reply]\nworkingday = 5\n[channels.mail]\nkind = "email"\nto = "a@b.c"\n',
    )
    proc = run_process("--config", str(bad), "status", cwd=tmp_path)
    assert proc.returncode == 2
    assert "未知的键 'rules.reply.workingday'（可用的键：working_days" in proc.stderr
    assert "缺少必填的键 'channels.mail.smtp'" in proc.stderr
    assert "channels.mail.to' = 'a@b.c'" in proc.stderr
