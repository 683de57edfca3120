"""The same storage contracts on a real PostgreSQL server: migrations, deadlines, the
set-based sweep with ON CONFLICT dedup, crisis clocks."""

from __future__ import annotations

from sqlalchemy import inspect

from monitor.db.engine import current_revision, head_revision
from monitor.sweep import sweep
from monitor.timeutil import parse_iso
from monitor.tracking import declare_event
from tests.conftest import add_message, at, deadline_alerts, state_of


def test_migrations_run_on_postgresql(make_pg_app) -> None:
    app = make_pg_app()
    engine = app.sessions.kw["bind"]
    assert engine.dialect.name == "postgresql"
    assert current_revision(engine) == head_revision(engine)
    assert {"messages", "alerts", "deadline_stages", "watch_terms"} <= set(
        inspect(engine).get_table_names()
    )


def test_sweep_transitions_and_dedup_on_postgresql(make_pg_app) -> None:
    app = make_pg_app(now="2026-11-23T10:00")
    mid = add_message(app, "a1", "2026-11-23T09:00")
    sweep(at(app, "2026-11-27T00:00"))
    assert state_of(app, mid) == "at_risk"
    sweep(at(app, "2026-11-27T00:01"))
    sweep(at(app, "2026-12-01T00:00"))
    assert state_of(app, mid) == "overdue"
    assert deadline_alerts(app) == [
        ("reply_at_risk", f"message:{mid}", "2wd"),
        ("reply_overdue", f"message:{mid}", "overdue"),
    ]


def test_crisis_clock_on_postgresql(make_pg_app) -> None:
    app = make_pg_app(now="2026-11-26T09:10")
    with app.session() as session:
        event = declare_event(
            session,
            "测试事件",
            "especially_major",
            parse_iso("2026-11-26T09:00"),
            app.config,
            app.now(),
        )
        publish = event.milestones[0]
        assert publish.deadline == parse_iso("2026-11-26T14:00")
    sweep(at(app, "2026-11-26T14:00"))
    assert deadline_alerts(app) == [("crisis_overdue", f"milestone:{publish.id}", "overdue")]
