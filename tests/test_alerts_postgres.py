"""The outbox on a real PostgreSQL server: ON CONFLICT dedup of the alerts area's sweep steps
and of the daily summary, delivery records, the summary's queries."""

from __future__ import annotations

from datetime import date

from alerts.dispatch import dispatch
from alerts.summary import build_summary, enqueue_summary
from monitor.db.models import Source
from monitor.demo.sinks import FakeWecom
from monitor.sweep import sweep
from tests.conftest import add_message, at, channels_toml, outbox_rows


def test_outbox_on_postgresql(make_pg_app, wecom: FakeWecom, timing) -> None:
    body = channels_toml(wecom, routing='[routing]\ndefault = ["office"]\nleadership = ["lead"]\n')
    app = make_pg_app(body, now="2026-11-16T10:00")
    assert app.sessions.kw["bind"].dialect.name == "postgresql"
    add_message(app, "a1", "2026-11-16T09:00", title="供暖不足")
    with app.session() as session:
        session.add(Source(name="luan-bxcy", healthy=False, reason="HTTP 403", last_success=None))
    for when in ("2026-11-24T10:00", "2026-11-24T10:01"):
        sweep(at(app, when))
    assert sorted((r["kind"], r["stage"]) for r in outbox_rows(app)) == [
        ("reply_overdue", "overdue"),
        ("source_unhealthy", "unhealthy@never"),
    ]
    assert enqueue_summary(app, date(2026, 11, 24)) and not enqueue_summary(app, date(2026, 11, 24))
    result = dispatch(app, timing=timing)
    assert (result.sent, result.failed) == (3, 0)
    assert (
        len(wecom.contents("lead")) == 1 and "供暖不足" in wecom.contents("lead")[0]
    )  # leadership copy
    assert any(c.startswith("## 【每日超期汇总】") for c in wecom.contents("office"))
    assert any("供暖不足" in c for c in wecom.contents("office"))
    assert dispatch(at(app, "2026-11-24T11:00"), timing=timing).messages_sent == 0
    summary = build_summary(app, date(2026, 11, 24))
    assert [r.title for r in summary.overdue] == ["供暖不足"] and summary.unhealthy[0][
        "name"
    ] == "luan-bxcy"


def test_per_piece_delivery_and_channel_health_on_postgresql(
    make_pg_app, wecom: FakeWecom, timing
) -> None:
    """The outgoing message's pieces (JSON) and the count of accepted pieces, the released
    claims and the channel's health, on PostgreSQL."""
    from alerts.dispatch.claims import release_dead_claims
    from alerts.health import channel_health

    app = make_pg_app(channels_toml(wecom), now="2026-11-16T10:00")
    long = "供暖不足导致室内温度长期偏低请相关部门尽快核查处理并答复群众诉求"
    for n in range(60):
        add_message(app, f"m{n:02d}", "2026-11-16T09:00", title=f"{long}{n:02d}")
    sweep(at(app, "2026-11-24T10:00"))
    wecom.script([0] + [500] * 5)
    assert dispatch(app, timing=timing, claimant="daemon:1@old").failed == 60
    with app.session() as session:
        office = next(h for h in channel_health(session, app.config) if h.name == "office")
        assert office.state == "failing" and "HTTP 500" in (office.reason or "")
    assert (
        release_dead_claims(app, me="daemon:2@new") == 0
    )  # backed off, not claimed: nothing to release
    result = dispatch(at(app, "2026-11-24T10:05"), timing=timing)
    assert (result.sent, result.messages_sent) == (60, 2)
    pieces = wecom.contents("office")
    assert len(pieces) == 3 and len(set(pieces)) == 3
    with app.session() as session:
        assert next(h for h in channel_health(session, app.config) if h.name == "office").healthy
