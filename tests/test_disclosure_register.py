"""The 依申请公开 register end to end on a real SQLite file: the CLI's commands and JSON, bad
input refused with one Chinese line and nothing changed, and the sweep's alert stages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from monitor.app import App
from monitor.cli import main
from monitor.db.models import Alert, DisclosureHistory, DisclosureRequest
from monitor.sweep import sweep
from tests.conftest import at, write_config


def run(config: Path, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, ["--config", str(config), *args])
    assert result.exit_code == code, (result.output, result.stderr)
    if code:
        assert "Traceback" not in result.output and "Traceback" not in result.stderr
    return result.stdout if code == 0 else result.stderr


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = write_config(tmp_path / "cfg")
    run(path, "init")
    return path


def add(
    config: Path, received: str = "2026-09-28T10:00", now: str = "2026-09-28T11:00", *extra: str
) -> dict:
    return json.loads(
        run(
            config,
            "disclosure",
            "add",
            "申请公开某项目审计报告",
            "--received",
            received,
            "--applicant",
            "张三",
            "--channel",
            "网上",
            "--department",
            "综合科",
            "--now",
            now,
            "--json",
            *extra,
        )
    )


def snapshot(config: Path) -> str:
    return run(
        config, "disclosure", "list", "--state", "all", "--json", "--now", "2026-12-31T10:00"
    )


def test_add_json_shape_and_list(config: Path) -> None:
    doc = add(config)
    assert doc["id"] == 1 and doc["due_date"] == "2026-10-30"
    assert doc["deadline"] == "2026-10-31T00:00:00+08:00"
    assert doc["state"] == "open" and doc["channel"] == "网上" and doc["applicant"] == "张三"
    assert doc["correction_due"] == "2026-10-13"
    listed = json.loads(run(config, "disclosure", "list", "--json", "--now", "2026-10-29T10:00"))
    assert [d["id"] for d in listed] == [1]
    assert listed[0]["state"] == "at_risk" and listed[0]["working_days_left"] == 2
    text = run(config, "disclosure", "list", "--now", "2026-10-29T10:00")
    assert "申请公开某项目审计报告" in text and "临期" in text
    assert (
        json.loads(
            run(
                config,
                "disclosure",
                "list",
                "--state",
                "overdue",
                "--json",
                "--now",
                "2026-10-29T10:00",
            )
        )
        == []
    )


def test_pause_across_national_day_resume_extend_done(config: Path) -> None:
    add(config)
    doc = json.loads(
        run(
            config,
            "disclosure",
            "pause",
            "1",
            "--at",
            "2026-09-29T09:00",
            "--now",
            "2026-09-29T10:00",
            "--json",
        )
    )
    assert doc["state"] == "paused"
    doc = json.loads(
        run(
            config,
            "disclosure",
            "resume",
            "1",
            "--at",
            "2026-10-09T09:00",
            "--now",
            "2026-10-09T10:00",
            "--json",
        )
    )
    assert doc["due_date"] == "2026-11-04" and doc["pauses"][0]["working_days"] == 3
    doc = json.loads(
        run(
            config,
            "disclosure",
            "extend",
            "1",
            "--reason",
            "需调取档案",
            "--now",
            "2026-11-02T10:00",
            "--json",
        )
    )
    assert doc["due_date"] == "2026-12-02" and doc["extension_reason"] == "需调取档案"
    doc = json.loads(
        run(
            config,
            "disclosure",
            "done",
            "1",
            "--outcome",
            "部分公开",
            "--at",
            "2026-12-02T17:00",
            "--now",
            "2026-12-03T09:00",
            "--json",
        )
    )
    assert doc["state"] == "replied" and doc["outcome"] == "部分公开"
    out = run(config, "disclosure", "list", "--now", "2026-12-03T09:00")
    assert "没有" in out  # nothing left open


def test_correction_restarts_the_clock(config: Path) -> None:
    add(config, "2026-11-02T10:00", "2026-11-02T11:00")
    doc = json.loads(
        run(
            config,
            "disclosure",
            "correct",
            "1",
            "--asked",
            "2026-11-05T10:00",
            "--now",
            "2026-11-05T11:00",
            "--json",
        )
    )
    assert doc["state"] == "correcting"
    doc = json.loads(
        run(
            config,
            "disclosure",
            "correct",
            "1",
            "--received",
            "2026-11-16T15:00",
            "--now",
            "2026-11-16T16:00",
            "--json",
        )
    )
    assert doc["state"] == "open" and doc["due_date"] == "2026-12-14"
    assert doc["received_at"].startswith("2026-11-02") and doc["clock_from"].startswith(
        "2026-11-16"
    )


@pytest.mark.parametrize(
    "steps, bad, message",
    [
        (
            [],
            ["resume", "1", "--at", "2026-10-09T09:00", "--now", "2026-10-09T10:00"],
            "没有暂停计时",
        ),
        (
            [["pause", "1", "--at", "2026-10-09T09:00", "--now", "2026-10-09T10:00"]],
            ["resume", "1", "--at", "2026-10-08T09:00", "--now", "2026-10-09T10:00"],
            "早于暂停时间",
        ),
        (
            [["pause", "1", "--at", "2026-10-09T09:00", "--now", "2026-10-09T10:00"]],
            ["done", "1", "--outcome", "予以公开", "--now", "2026-10-12T10:00"],
            "请先 resume",
        ),
        (
            [["pause", "1", "--at", "2026-10-09T09:00", "--now", "2026-10-09T10:00"]],
            ["pause", "1", "--at", "2026-10-10T09:00", "--now", "2026-10-10T10:00"],
            "已于",
        ),
        (
            [["extend", "1", "--now", "2026-10-12T10:00"]],
            ["extend", "1", "--now", "2026-10-13T10:00"],
            "只能延长一次",
        ),
        (
            [["done", "1", "--outcome", "予以公开", "--now", "2026-10-12T10:00"]],
            ["done", "1", "--outcome", "不予公开", "--now", "2026-10-13T10:00"],
            "不能再办结",
        ),
        (
            [],
            [
                "done",
                "1",
                "--outcome",
                "予以公开",
                "--at",
                "2026-09-01T10:00",
                "--now",
                "2026-10-13T10:00",
            ],
            "早于收到申请时间",
        ),
        (
            [],
            ["pause", "1", "--at", "2026-09-27T10:00", "--now", "2026-10-13T10:00"],
            "早于收到申请时间",
        ),
        (
            [],
            ["correct", "1", "--asked", "2026-10-14T10:00", "--now", "2026-10-14T11:00"],
            "7 个工作日",
        ),
        (
            [["correct", "1", "--asked", "2026-09-29T10:00", "--now", "2026-09-29T11:00"]],
            ["correct", "1", "--received", "2026-09-20T10:00", "--now", "2026-10-14T11:00"],
            "早于",
        ),
        ([], ["extend", "1", "--now", "2026-11-02T10:00"], "已过"),
        (
            [],
            [
                "done",
                "1",
                "--outcome",
                "予以公开",
                "--at",
                "2026-12-01T10:00",
                "--now",
                "2026-10-13T10:00",
            ],
            "晚于当前时间",
        ),
    ],
)
def test_bad_input_is_one_chinese_line_and_changes_nothing(
    config: Path, steps: list[list[str]], bad: list[str], message: str
) -> None:
    add(config)
    for step in steps:
        run(config, "disclosure", *step)
    before = snapshot(config)
    err = run(config, "disclosure", *bad, code=1)
    assert message in err and len(err.strip().splitlines()) == 1
    assert snapshot(config) == before


def test_unknown_id_and_bad_outcome(config: Path) -> None:
    assert "没有编号为 9" in run(config, "disclosure", "done", "9", "--outcome", "予以公开", code=4)
    add(config)
    run(
        config, "disclosure", "done", "1", "--outcome", "全部公开", code=2
    )  # click's own choice check


def test_history_records_each_operation(config: Path) -> None:
    add(config)
    run(config, "disclosure", "extend", "1", "--now", "2026-10-12T10:00")
    app = App(__import__("monitor.config", fromlist=["load_config"]).load_config(config))
    with app.session() as session:
        actions = session.scalars(
            select(DisclosureHistory.action).order_by(DisclosureHistory.id)
        ).all()
        assert actions == ["add", "extend"]


def _alerts(app: App) -> list[tuple[str, str]]:
    with app.session() as session:
        return [
            (a.kind, a.stage)
            for a in session.scalars(
                select(Alert).where(Alert.subject.like("disclosure:%")).order_by(Alert.id)
            )
        ]


def test_sweep_stages_correction_at_risk_overdue(make_app) -> None:
    from monitor.disclosure.register import (
        Context,
        add_request,
        pause_request,
        resume_request,
    )

    app = make_app(now="2026-11-02T11:00")
    with app.session() as session:
        ctx = Context(app.config, app.calendar, app.now())
        add_request(
            session,
            ctx,
            "申请公开某项目审计报告",
            at(app, "2026-11-02T10:00").now(),
            applicant="李四",
            department="综合科",
        )
    sweep(at(app, "2026-11-10T23:00"))
    assert _alerts(app) == []
    sweep(at(app, "2026-11-11T08:00"))  # the 7th working day: last day to ask for 补正
    assert _alerts(app) == [("disclosure_correction", "correction")]
    sweep(at(app, "2026-11-27T08:00"))  # 2wd before the due date 11-30
    assert _alerts(app)[-1] == ("disclosure_at_risk", "2wd@20261130")
    # a pause stops the clock: no alerts while it lasts, even past the old due date
    with app.session() as session:
        ctx = Context(app.config, app.calendar, at(app, "2026-11-27T09:00").now())
        pause_request(session, ctx, 1, app.now())
    sweep(at(app, "2026-12-02T10:00"))
    assert len(_alerts(app)) == 2
    with app.session() as session:
        ctx = Context(app.config, app.calendar, at(app, "2026-12-03T09:00").now())
        request = resume_request(session, ctx, 1, app.now())
        # paused Fri 11-27, resumed Thu 12-03: 11-30, 12-01, 12-02, 12-03 → 4 working days on
        assert request.due_date.isoformat() == "2026-12-04"
    sweep(at(app, "2026-12-03T09:05"))
    assert _alerts(app)[-1] == ("disclosure_at_risk", "2wd@20261204")
    sweep(at(app, "2026-12-05T00:00"))
    sweep(at(app, "2026-12-05T00:10"))
    assert _alerts(app)[-1] == ("disclosure_overdue", "overdue@20261204")
    assert len(_alerts(app)) == 4
    with app.session() as session:
        alert = session.scalars(select(Alert).where(Alert.kind == "disclosure_overdue")).one()
        assert alert.subject == "disclosure:1" and alert.department == "综合科"
        assert (
            session.scalar(
                select(func.count())
                .select_from(DisclosureRequest)
                .where(DisclosureRequest.state == "overdue")
            )
            == 1
        )


def test_provisional_due_date_becomes_firm_when_the_year_is_added(make_app) -> None:
    from monitor.disclosure.register import Context, add_request

    app = make_app(now="2026-12-10T11:00")
    with app.session() as session:
        request = add_request(
            session,
            Context(app.config, app.calendar, app.now()),
            "申请公开2026年度审计工作报告",
            at(app, "2026-12-10T10:00").now(),
        )
        # 2027 is unknown: weekends only → 12-11 … 2027-01-07 counting 01-01 as a working day
        assert request.provisional and request.due_date.isoformat() == "2027-01-07"
    sweep(at(app, "2026-12-10T12:00"))
    with app.session() as session:
        assert (
            session.scalar(
                select(func.count()).select_from(Alert).where(Alert.kind == "calendar_missing")
            )
            == 1
        )
    (app.config.folder / "holidays.toml").write_text(
        '[years.2027]\nholidays = ["2027-01-01"]\nworkdays = []\n', encoding="utf-8"
    )
    sweep(at(app, "2026-12-10T13:00"))
    with app.session() as session:
        request = session.get(DisclosureRequest, 1)
        assert not request.provisional and request.due_date.isoformat() == "2027-01-08"


def test_status_counts_requests_per_state(config: Path) -> None:
    add(config)
    doc = json.loads(run(config, "status", "--json", "--now", "2026-10-29T10:00"))
    assert doc["disclosures"]["open"] == 1 and doc["disclosures"]["paused"] == 0
    assert "依申请公开：办理中 1 件" in run(config, "status", "--now", "2026-10-29T10:00")
