"""Migration 0009 on a database with requests from before it: they become 自然人 with no
reason, and the annual report marks the cells resting on those without one (nothing silently
miscounted) until the office adds the reasons."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import text
from sqlalchemy.orm import Session

from monitor.db.engine import alembic_config, make_engine, upgrade
from monitor.disclosure.register import Context, amend_request
from monitor.report.gov_annual import build_gov_annual
from monitor.timeutil import parse_iso
from tests.conftest import write_config

ROW = (
    "INSERT INTO disclosure_requests (title, first_received_at, received_at, correction_due,"
    " extension_days, state, due_date, deadline, provisional, outcome, done_at, created_at,"
    " updated_at) VALUES (:title, :received, :received, '2026-03-11', 0, :state, '2026-03-30',"
    " '2026-03-30 16:00:00', 0, :outcome, :done, :received, :received)"
)


def test_requests_from_before_the_migration_are_marked_not_guessed(tmp_path: Path) -> None:
    config = write_config(tmp_path / "cfg")
    engine = make_engine(f"sqlite:///{tmp_path / 'cfg' / 'monitor.db'}")
    command.upgrade(alembic_config(engine), "0008")
    with engine.begin() as connection:
        for title, outcome, done in (
            ("旧申请一", "不予公开", "2026-03-20 02:00:00"),
            ("旧申请二", "予以公开", "2026-03-21 02:00:00"),
            ("旧申请三", None, None),
        ):
            connection.execute(
                text(ROW),
                {
                    "title": title,
                    "received": "2026-03-02 02:00:00",
                    "state": "replied" if done else "open",
                    "outcome": outcome,
                    "done": done,
                },
            )
    assert upgrade(engine) is True
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT applicant_type, reason FROM disclosure_requests ORDER BY id")
        ).all()
    assert rows == [("自然人", None)] * 3

    now = parse_iso("2027-01-10T10:00")
    with Session(engine) as session:
        report = build_gov_annual(session, 2026, now)
    t = report.table3
    assert t["（七）总计"]["自然人"] == 2 and t["（一）予以公开"]["自然人"] == 1
    assert t["（三）不予公开 1.属于国家秘密"]["自然人"] == 0  # not guessed
    marked = {(m.row, m.column) for m in report.marks}
    assert ("（三）不予公开 1.属于国家秘密", "自然人") in marked
    assert ("（三）不予公开 8.属于行政查询事项", "总计") in marked
    assert not any(row.startswith(("（一）", "（四）")) for row, _ in marked)
    check = next(c for c in report.checks if c.name.startswith("（七）总计"))
    assert not check.ok and "#1" in check.detail and "不予公开" in check.detail

    from monitor.app import App
    from monitor.config import load_config

    app = App(load_config(config))
    with app.session() as session:
        amend_request(
            session, Context(app.config, app.calendar, now, "test"), 1, reason="属于行政查询事项"
        )
    with app.session() as session:
        report = build_gov_annual(session, 2026, now)
    assert report.marks == [] and all(
        c.ok for c in report.checks if c.name.startswith("（七）总计")
    )
    assert report.table3["（三）不予公开 8.属于行政查询事项"]["自然人"] == 1
