"""A message the WeCom robot refuses for itself (40058 too long, 40008 a type it does not take,
40035 a parameter it dislikes) is sent again shortened or as text; if it is still refused,
only its alerts fail (to the fallback if there is one, else retried later), the robot stays
healthy and the other alerts keep flowing. The fake robot on loopback, a real SQLite file."""

from __future__ import annotations

from alerts.dispatch import dispatch
from alerts.health import channel_health
from monitor.demo.sinks import FakeWecom, SmtpSink
from monitor.sweep import sweep
from tests.conftest import add_message, at, channels_toml, outbox_rows


def content_of(body: dict) -> str:
    return str(body.get(body.get("msgtype", ""), {}).get("content", ""))


def office_health(app) -> tuple[str, str | None]:
    with app.session() as session:
        [health] = [h for h in channel_health(session, app.config) if h.name == "office"]
    return health.state, health.reason


def test_a_refused_message_fails_alone_and_the_robot_stays_healthy(
    make_app, wecom: FakeWecom, timing
) -> None:
    wecom.refuse(40035, lambda body: "某违禁词" in content_of(body))
    app = make_app(channels_toml(wecom), now="2026-11-16T10:00")
    add_message(app, "a1", "2026-11-16T09:00", title="某违禁词相关投诉")
    sweep(at(app, "2026-11-24T10:00"))
    first = dispatch(app, timing=timing)
    assert (first.sent, first.failed) == (0, 1)
    assert "40035" in first.errors[0] and "仍被拒收" in first.errors[0]
    [row] = outbox_rows(app)
    assert row["status"] == "pending" and row["attempts"] == 1 and "40035" in row["last_error"]
    assert office_health(app) == ("ok", None)
    assert timing.slept == 0  # refused content is not retried with backoff
    # a later alert goes through on the same robot, while the refused one is tried again
    add_message(app, "a2", "2026-11-16T09:00", title="小区供暖不足")
    sweep(at(app, "2026-11-24T10:05"))
    second = dispatch(app, timing=timing)
    assert (second.sent, second.failed) == (1, 1)
    assert len(wecom.messages) == 1 and "小区供暖不足" in wecom.contents()[0]
    assert "某违禁词" not in "".join(wecom.contents())
    assert office_health(app) == ("ok", None)
    assert [r["status"] for r in outbox_rows(app)] == ["pending", "sent"]


def test_a_refused_message_goes_to_the_fallback_and_the_robot_keeps_the_rest(
    make_app, wecom: FakeWecom, smtp: SmtpSink, timing
) -> None:
    wecom.refuse(40035, lambda body: "某违禁词" in content_of(body))
    app = make_app(channels_toml(wecom, smtp), now="2026-11-16T10:00")
    add_message(app, "a1", "2026-11-16T09:00", title="某违禁词相关投诉")
    sweep(at(app, "2026-11-24T10:00"))
    result = dispatch(app, timing=timing)
    assert (result.sent, result.failed) == (1, 0)
    assert len(smtp.messages) == 1 and "某违禁词" in smtp.messages[0]["Subject"]
    assert outbox_rows(app)[0]["channel"] == "office-mail"
    assert office_health(app) == ("ok", None)
    add_message(app, "a2", "2026-11-16T09:00", title="小区供暖不足")
    sweep(at(app, "2026-11-24T10:05"))
    assert dispatch(app, timing=timing).sent == 1
    assert "小区供暖不足" in wecom.contents()[0] and len(smtp.messages) == 1
    assert outbox_rows(app)[1]["channel"] == "office"


def test_a_robot_that_takes_only_text_delivers_every_alert(
    make_app, wecom: FakeWecom, timing
) -> None:
    wecom.msgtypes = ("text",)  # 40008 for markdown
    app = make_app(channels_toml(wecom), now="2026-11-16T10:00")
    add_message(app, "a1", "2026-11-16T09:00", title="小区供暖不足")
    sweep(at(app, "2026-11-24T10:00"))
    result = dispatch(app, timing=timing)
    assert (result.sent, result.failed) == (1, 0)
    [message] = wecom.messages
    assert message["msgtype"] == "text"
    text = message["text"]["content"]
    assert "【超期提醒】" in text and "小区供暖不足" in text and "**" not in text
    assert "查看原文：http://portal.example/detail/a1" in text
    assert office_health(app) == ("ok", None)
    assert outbox_rows(app)[0]["status"] == "sent"


def test_a_group_longer_than_the_robot_takes_is_cut_with_a_note(
    make_app, wecom: FakeWecom, timing
) -> None:
    wecom.limits["markdown"] = 1500  # the robot counts stricter than the documented 4,096
    app = make_app(channels_toml(wecom), now="2026-11-16T10:00")
    for i in range(60):
        add_message(app, f"c{i}", "2026-11-16T09:00", title=f"关于第{i}号楼供暖不足的问题")
    sweep(at(app, "2026-11-24T10:00"))
    result = dispatch(app, timing=timing)
    assert result.sent == 60 and result.failed == 0
    assert any("消息过长" in c for c in wecom.contents())
    assert all(len(c.encode()) <= 2048 for c in wecom.contents())
    assert office_health(app) == ("ok", None)


def test_an_invalid_key_still_breaks_the_robot(make_app, wecom: FakeWecom, timing) -> None:
    app = make_app(channels_toml(wecom, office_key="invalid-key"), now="2026-11-16T10:00")
    add_message(app, "a1", "2026-11-16T09:00")
    sweep(at(app, "2026-11-24T10:00"))
    assert dispatch(app, timing=timing).failed == 1
    state, reason = office_health(app)
    assert state == "broken" and "93000" in (reason or "")
