"""The report's SQL (local dates, the temporary day table, grouped CASE expressions) and the
disclosure sweep on a real PostgreSQL server: the same hand-checked figures as on SQLite."""

from __future__ import annotations

from sqlalchemy import select

from monitor.db.models import Alert
from monitor.disclosure.register import Context, add_request
from monitor.sweep import sweep
from tests import test_report as same
from tests.conftest import at


def test_report_figures_on_postgresql(make_pg_app) -> None:
    app = same.build_history(make_pg_app(now=same.NOW))
    same.test_month_figures_by_department_source_and_total(app)
    same.test_annual_disclosure_table(app)


def test_disclosure_sweep_on_postgresql(make_pg_app) -> None:
    app = make_pg_app(now="2026-11-02T11:00")
    with app.session() as session:
        add_request(
            session,
            Context(app.config, app.calendar, app.now()),
            "申请公开某项目审计报告",
            at(app, "2026-11-02T10:00").now(),
            department="综合科",
        )
    sweep(at(app, "2026-11-11T08:00"))
    sweep(at(app, "2026-12-01T08:00"))
    sweep(at(app, "2026-12-01T08:05"))
    with app.session() as session:
        rows = [
            (a.kind, a.stage)
            for a in session.scalars(
                select(Alert).where(Alert.subject == "disclosure:1").order_by(Alert.id)
            )
        ]
    assert rows == [
        ("disclosure_correction", "correction"),
        ("disclosure_overdue", "overdue@20261130"),
    ]
