"""The outbox on a real PostgreSQL server: ON CONFLICT dedup of the alerts area's sweep steps
and of the daily summary, delivery records, the summary's queries."""

from __future__ import annotations

from datetime import date

from monitor.db.models import Source
from monitor.sweep import sweep

from alerts.dispatcher import dispatch
from monitor.demo.sinks import FakeWecom
from alerts.summary import build_summary, enqueue_summary
from tests.test_alerts_support import add_message, alert_rows, at, channels_toml, timing, wecom  # noqa: F401


def test_outbox_on_postgresql(make_pg_app, wecom: FakeWecom, timing) -> None:
    body = channels_toml(wecom, routing='[routing]\ndefault = ["office"]\nleadership = ["lead"]\n')
    app = make_pg_app(body, now="2026-11-16T10:00")
    assert app.sessions.kw["bind"].dialect.name == "postgresql"
    add_message(app, "a1", "2026-11-16T09:00", title="供暖不足")
    with app.session() as session:
        session.add(Source(name="luan-bxcy", healthy=False, reason="HTTP 403", last_success=None))
    for when in ("2026-11-24T10:00", "2026-11-24T10:01"):
        sweep(at(app, when))
    assert sorted((r["kind"], r["stage"]) for r in alert_rows(app)) == [
        ("reply_overdue", "overdue"), ("source_unhealthy", "unhealthy@never")]
    assert enqueue_summary(app, date(2026, 11, 24)) and not enqueue_summary(app, date(2026, 11, 24))
    result = dispatch(app, timing=timing)
    assert (result.sent, result.failed) == (3, 0)
    assert len(wecom.contents("lead")) == 1 and "供暖不足" in wecom.contents("lead")[0]  # leadership copy
    assert any(c.startswith("## 【每日超期汇总】") for c in wecom.contents("office"))
    assert any("供暖不足" in c for c in wecom.contents("office"))
    assert dispatch(at(app, "2026-11-24T11:00"), timing=timing).messages_sent == 0
    summary = build_summary(app, date(2026, 11, 24))
    assert [r.title for r in summary.overdue] == ["供暖不足"] and summary.unhealthy[0]["name"] == "luan-bxcy"
