"""sweep → outbox → dispatch on a real SQLite file, the fake WeCom robot and a real SMTP server:
once-only delivery across repeated sweeps and a restart, grouping with sections per
department, routing (department, crisis, leadership), fallback, retries, office hours."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from alerts.dispatch import dispatch
from alerts.dispatch.hours import next_opening
from monitor.app import App, fixed_clock
from monitor.db.models import Alert, AlertDelivery, Message, Source
from monitor.demo.sinks import FakeWecom, SmtpSink
from monitor.sweep import sweep
from monitor.timeutil import parse_iso
from monitor.tracking import declare_event, mark_replied
from tests.conftest import add_message, at, channels_toml, outbox_rows


def test_overdue_alert_is_delivered_once_across_sweeps_and_a_restart(
    make_app, wecom: FakeWecom, timing
) -> None:
    app = make_app(channels_toml(wecom), now="2026-11-16T10:00")
    mid = add_message(app, "a1", "2026-11-16T09:00", title="小区供暖不足")
    at(app, "2026-11-24T10:00")  # due Mon 11-23: overdue since 11-24 00:00
    sweep(app)
    first = dispatch(app, timing=timing)
    assert (first.sent, first.failed, first.messages_sent) == (1, 0, 1)
    [content] = wecom.contents("office")
    assert "【超期提醒】" in content and "小区供暖不足" in content and "部门：综合科" in content
    assert "截止：2026-11-23 24:00" in content and "(http://portal.example/detail/a1)" in content
    for hour in ("11", "12", "13"):
        sweep(at(app, f"2026-11-24T{hour}:00"))
        assert dispatch(app, timing=timing).sent == 0
    restarted = App(app.config, clock=fixed_clock(parse_iso("2026-11-25T09:00")))
    sweep(restarted)
    assert dispatch(restarted, timing=timing).messages_sent == 0
    assert len(wecom.messages) == 1
    [row] = outbox_rows(restarted)
    assert (row["subject"], row["status"], row["channel"]) == (f"message:{mid}", "sent", "office")


def test_alerts_due_together_become_one_message_with_department_sections(
    make_app, wecom: FakeWecom, timing
) -> None:
    app = make_app(channels_toml(wecom), now="2026-11-16T10:00")
    for i, dept in enumerate(["综合科", "财政科", "综合科", None, "财政科"]):
        add_message(app, f"g{i}", "2026-11-16T09:00", department=dept)
    sweep(at(app, "2026-11-24T10:00"))
    result = dispatch(app, timing=timing)
    assert result.sent == 5 and result.messages_sent == 1
    [content] = wecom.contents()
    assert content.startswith("**【超期提醒】5 条**")
    assert "### 综合科（2 条）" in content and "### 财政科（2 条）" in content
    assert "### 未分配部门（1 条）" in content
    assert content.count("【超期提醒】") == 6  # the heading and one per alert


def test_large_groups_are_compact_and_count_everything(make_app, wecom: FakeWecom, timing) -> None:
    app = make_app(channels_toml(wecom), now="2026-11-16T10:00")
    for i in range(40):
        add_message(app, f"c{i}", "2026-11-16T09:00", department=f"部门{i % 4}")
    sweep(at(app, "2026-11-24T10:00"))
    result = dispatch(app, timing=timing)
    assert result.sent == 40 and result.messages_sent == 1
    content = wecom.contents()[0]
    assert content.count("\n- 【超期提醒】") == 40  # one line each


def test_department_route_and_leadership_copy(make_app, wecom: FakeWecom, timing) -> None:
    routing = """
[routing]
default = ["office"]
leadership = ["lead"]
[routing.departments]
"综合科" = ["zhk"]
"""
    app = make_app(channels_toml(wecom, routing=routing), now="2026-11-16T10:00")
    add_message(app, "z1", "2026-11-16T09:00", department="综合科")
    add_message(app, "f1", "2026-11-16T09:00", department="财政科")
    add_message(
        app, "r1", "2026-11-18T09:00", department="财政科"
    )  # due 11-25: at risk, not overdue
    sweep(at(app, "2026-11-24T10:00"))
    result = dispatch(app, timing=timing)
    assert result.sent == 3
    assert len(wecom.contents("zhk")) == 1 and "留言z1" in wecom.contents("zhk")[0]
    office = wecom.contents("office")[0]
    assert "留言f1" in office and "留言r1" in office and "留言z1" not in office
    lead = wecom.contents("lead")[0]
    assert "留言z1" in lead and "留言f1" in lead and "留言r1" not in lead  # overdue only
    with app.session() as session:
        targets = sorted(session.execute(select(AlertDelivery.target, AlertDelivery.channel)).all())
    assert targets == sorted(
        [
            ("route:zhk", "zhk"),
            ("route:office", "office"),
            ("route:office", "office"),
            ("leadership:lead", "lead"),
            ("leadership:lead", "lead"),
        ]
    )


def test_invalid_key_falls_back_to_email(
    make_app, wecom: FakeWecom, smtp: SmtpSink, timing
) -> None:
    app = make_app(channels_toml(wecom, smtp, office_key="invalid-key"), now="2026-11-16T10:00")
    add_message(app, "a1", "2026-11-16T09:00", title="噪音扰民")
    sweep(at(app, "2026-11-24T10:00"))
    result = dispatch(app, timing=timing)
    assert result.sent == 1 and result.failed == 0
    assert "93000" in result.errors[0] and "channels.office" in result.errors[0]
    assert wecom.messages == []
    assert len(smtp.messages) == 1 and smtp.messages[0]["Subject"] == "【超期提醒】噪音扰民"
    assert outbox_rows(app)[0]["channel"] == "office-mail"
    # the broken robot is left alone for ten minutes, then tried again
    add_message(app, "a2", "2026-11-16T09:00")
    sweep(at(app, "2026-11-24T10:05"))
    assert (
        dispatch(app, timing=timing).sent == 1
        and len(wecom.requests) == 1
        and len(smtp.messages) == 2
    )
    timing.sleep(601)
    add_message(app, "a3", "2026-11-16T09:00")
    sweep(at(app, "2026-11-24T10:20"))
    assert (
        dispatch(app, timing=timing).sent == 1
        and len(wecom.requests) == 2
        and len(smtp.messages) == 3
    )


def test_server_errors_keep_the_alert_for_a_later_dispatch(
    make_app, wecom: FakeWecom, timing
) -> None:
    app = make_app(channels_toml(wecom), now="2026-11-16T10:00")
    add_message(app, "a1", "2026-11-16T09:00")
    sweep(at(app, "2026-11-24T10:00"))
    wecom.fail_with(500)
    result = dispatch(app, timing=timing)
    assert (result.sent, result.failed) == (0, 1)
    [row] = outbox_rows(app)
    assert row["status"] == "pending" and row["attempts"] == 1 and "HTTP 500" in row["last_error"]
    assert row["next_attempt_at"] == parse_iso("2026-11-24T10:01")
    wecom.fail_with(None)
    assert dispatch(app, timing=timing).sent == 0  # backoff: not yet
    result = dispatch(at(app, "2026-11-24T10:01"), timing=timing)
    assert result.sent == 1 and len(wecom.messages) == 1
    assert outbox_rows(app)[0]["status"] == "sent"


def test_partial_delivery_is_not_repeated(make_app, wecom: FakeWecom, timing) -> None:
    routing = '[routing]\ndefault = ["office"]\nleadership = ["lead"]\n'
    app = make_app(channels_toml(wecom, routing=routing), now="2026-11-16T10:00")
    add_message(app, "a1", "2026-11-16T09:00")
    sweep(at(app, "2026-11-24T10:00"))
    # the leadership robot is down (500 on every attempt), the office robot takes it
    wecom.script([500] * 5 + [0])
    assert dispatch(app, timing=timing).failed == 1
    assert len(wecom.contents("office")) == 1 and wecom.contents("lead") == []
    result = dispatch(at(app, "2026-11-24T10:05"), timing=timing)
    assert result.sent == 1
    assert len(wecom.contents("office")) == 1 and len(wecom.contents("lead")) == 1
    assert outbox_rows(app)[0]["channel"] == "lead,office"


def test_outside_office_hours_non_crisis_waits_crisis_does_not(
    make_app, wecom: FakeWecom, timing
) -> None:
    app = make_app(channels_toml(wecom), now="2026-11-16T10:00")
    add_message(app, "a1", "2026-11-16T09:00")
    with app.session() as session:
        declare_event(
            session,
            "化工厂异味",
            "major",
            parse_iso("2026-11-27T16:00"),
            app.config,
            parse_iso("2026-11-27T16:30"),
        )
    # Fri 2026-11-27 19:00: after hours
    sweep(at(app, "2026-11-27T19:30"))
    result = dispatch(app, timing=timing)
    assert result.held == 1 and result.sent == 1
    [content] = wecom.contents()
    assert "化工厂异味" in content and "发布权威信息" in content and "留言a1" not in content
    assert next_opening(app, app.now()) == parse_iso("2026-11-30T08:30")
    assert result.held_until == parse_iso("2026-11-30T08:30")
    assert [r["next_attempt_at"] for r in outbox_rows(app) if r["kind"] == "reply_overdue"] == [
        parse_iso("2026-11-30T08:30")
    ]
    saturday = dispatch(at(app, "2026-11-28T10:00"), timing=timing)  # not even looked at
    assert (saturday.held, saturday.sent) == (1, 0)  # but still reported as waiting
    assert saturday.held_until == parse_iso("2026-11-30T08:30")
    doc = saturday.as_dict()
    assert (doc["held"], doc["held_until"]) == (1, "2026-11-30T08:30:00+08:00")
    result = dispatch(at(app, "2026-11-30T08:30"), timing=timing)
    assert result.sent == 1 and "留言a1" in wecom.contents()[-1]


def test_make_up_saturday_works_and_a_holiday_does_not(make_app, wecom: FakeWecom, timing) -> None:
    app = make_app(channels_toml(wecom), now="2026-09-21T10:00")
    add_message(app, "a1", "2026-09-21T09:00")
    sweep(at(app, "2026-10-01T10:00"))  # National Day, a Thursday (holidays through 10-07)
    assert dispatch(app, timing=timing).held == 1
    assert next_opening(app, app.now()) == parse_iso("2026-10-08T08:30")
    assert dispatch(at(app, "2026-10-10T10:00"), timing=timing).sent == 1  # make-up Saturday
    assert next_opening(app, parse_iso("2026-10-09T18:00")) == parse_iso("2026-10-10T08:30")


def test_replied_while_held_is_not_sent_and_resolution_is_quiet(
    make_app, wecom: FakeWecom, timing
) -> None:
    app = make_app(channels_toml(wecom), now="2026-11-16T10:00")
    mid = add_message(app, "a1", "2026-11-16T09:00")
    sweep(at(app, "2026-11-24T20:00"))
    assert dispatch(app, timing=timing).held == 1
    with app.session() as session:
        mark_replied(
            session.get(Message, mid),
            parse_iso("2026-11-24T21:00"),
            False,
            parse_iso("2026-11-24T21:00"),
        )
    sweep(at(app, "2026-11-25T08:30"))
    result = dispatch(app, timing=timing)
    assert result.skipped == 2 and result.sent == 0 and wecom.messages == []


def test_resolved_after_a_delivered_warning(make_app, wecom: FakeWecom, timing) -> None:
    app = make_app(channels_toml(wecom), now="2026-11-16T10:00")
    mid = add_message(app, "a1", "2026-11-16T09:00")
    sweep(at(app, "2026-11-24T10:00"))
    dispatch(app, timing=timing)
    with app.session() as session:
        mark_replied(
            session.get(Message, mid),
            parse_iso("2026-11-24T11:00"),
            False,
            parse_iso("2026-11-24T11:00"),
        )
    sweep(at(app, "2026-11-24T11:05"))
    assert dispatch(app, timing=timing).sent == 1
    assert "【已回复】" in wecom.contents()[-1] and "逾期" in wecom.contents()[-1]


def test_crisis_alert_mentions_by_mobile(make_app, wecom: FakeWecom, timing) -> None:
    extra = f"""
[channels.crisis]
kind = "wecom"
webhook = "{wecom.url("crisis")}"
mentioned_mobile_list = ["13900000000"]
"""
    routing = '[routing]\ndefault = ["office"]\ncrisis = ["crisis"]\n'
    app = make_app(channels_toml(wecom, extra=extra, routing=routing), now="2026-11-27T22:00")
    with app.session() as session:
        declare_event(
            session,
            "桥梁坍塌",
            "especially_major",
            parse_iso("2026-11-27T20:00"),
            app.config,
            app.now(),
        )
    sweep(at(app, "2026-11-28T00:10"))  # Saturday night: 50 minutes to the 5-hour limit
    result = dispatch(app, timing=timing)
    assert result.sent == 1
    [msg] = wecom.messages
    assert msg["_key"] == "crisis" and msg["msgtype"] == "text"
    assert msg["text"]["mentioned_mobile_list"] == ["13900000000"]
    assert (
        "【舆情事件临期】桥梁坍塌" in msg["text"]["content"]
        and "剩余 50 分钟" in msg["text"]["content"]
    )


def test_unhealthy_source_alerts_once_per_outage(make_app, wecom: FakeWecom, timing) -> None:
    app = make_app(channels_toml(wecom), now="2026-11-24T10:00")
    with app.session() as session:
        session.add(
            Source(
                name="luan-bxcy",
                healthy=False,
                reason="HTTP 403（疑似被拦截）",
                last_success=parse_iso("2026-11-24T09:00"),
                consecutive_failures=2,
            )
        )
    for minute in ("10:00", "10:10", "10:20"):
        sweep(at(app, f"2026-11-24T{minute}"))
    rows = [r for r in outbox_rows(app) if r["kind"] == "source_unhealthy"]
    assert [(r["subject"], r["stage"]) for r in rows] == [
        ("source:luan-bxcy", "unhealthy@20261124T010000Z")
    ]
    dispatch(app, timing=timing)
    assert "【数据源异常】" in wecom.contents()[0] and "HTTP 403" in wecom.contents()[0]
    with app.session() as session:  # recovers, then a new outage
        session.execute(
            update(Source).values(healthy=True, last_success=parse_iso("2026-11-24T11:00"))
        )
    sweep(at(app, "2026-11-24T11:00"))
    with app.session() as session:
        session.execute(update(Source).values(healthy=False))
    sweep(at(app, "2026-11-24T11:30"))
    sweep(at(app, "2026-11-24T11:40"))
    rows = [r for r in outbox_rows(app) if r["kind"] == "source_unhealthy"]
    assert [r["stage"] for r in rows] == [
        "unhealthy@20261124T010000Z",
        "unhealthy@20261124T030000Z",
    ]


def test_calendar_missing_once_a_day_when_deadlines_are_provisional(
    make_app, wecom: FakeWecom, timing
) -> None:
    app = make_app(channels_toml(wecom), now="2026-11-26T10:00")
    sweep(app)
    assert [r for r in outbox_rows(app) if r["kind"] == "calendar_missing"] == []  # November: quiet
    add_message(app, "p1", "2026-11-26T09:00")  # due 2026-12-03, known
    with app.session() as session:  # a deadline that counts through 2027 (unknown)
        session.add(
            Message(
                source="portal",
                external_id="p2",
                title="t",
                posted_at=parse_iso("2026-12-28T09:00"),
                due_date=datetime(2027, 1, 4).date(),
                deadline=parse_iso("2027-01-05T00:00"),
                provisional=True,
                state="open",
                first_seen=app.now(),
                last_seen=app.now(),
            )
        )
    for when in ("2026-11-26T10:00", "2026-11-26T15:00", "2026-11-27T07:00", "2026-11-27T09:00"):
        sweep(at(app, when))
    rows = [(r["subject"], r["stage"]) for r in outbox_rows(app) if r["kind"] == "calendar_missing"]
    assert rows == [("calendar:2027", "2026-11-26"), ("calendar:2027", "2026-11-27")]
    dispatch(app, timing=timing)
    assert "[years.2027]" not in wecom.contents()[0]  # escaped: no markdown link syntax
    # the office can act on it: the command to run, pasteable (no full-width escaping of it)
    assert "opinion-monitor calendar import-notice" in wecom.contents()[0]
    assert "［" not in wecom.contents()[0] and "1 条留言" in wecom.contents()[0]


def test_calendar_missing_from_december_first(make_app) -> None:
    app = make_app(now="2026-11-30T10:00")
    sweep(app)
    sweep(at(app, "2026-12-01T09:00"))
    rows = [(r["subject"], r["stage"]) for r in outbox_rows(app) if r["kind"] == "calendar_missing"]
    assert rows == [("calendar:2027", "2026-12-01")]


def test_acked_subject_gets_no_more_reminders(make_app, wecom: FakeWecom, timing) -> None:
    from click.testing import CliRunner

    from monitor.cli import main

    app = make_app(channels_toml(wecom), now="2026-11-23T10:00")
    add_message(app, "a1", "2026-11-23T09:00")  # due Mon 11-30; 2wd at Fri 11-27
    sweep(at(app, "2026-11-27T09:00"))
    [row] = outbox_rows(app)
    result = CliRunner().invoke(
        main, ["--config", str(app.config.path), "alerts", "ack", str(row["id"])]
    )
    assert result.exit_code == 0, result.output
    assert "（留言a1）" in result.output and "message:" not in result.output  # named, not keyed
    assert outbox_rows(app)[0]["status"] == "acked"
    sweep(at(app, "2026-11-30T09:00"))
    sweep(at(app, "2026-12-01T09:00"))
    assert [r["kind"] for r in outbox_rows(app) if r["subject"].startswith("message:")] == [
        "reply_at_risk"
    ]
    assert all("留言a1" not in c for c in wecom.contents())
    missing = CliRunner().invoke(main, ["--config", str(app.config.path), "alerts", "ack", "999"])
    assert missing.exit_code == 4 and "没有编号为 999 的提醒" in missing.output


def test_claimed_alerts_are_not_sent_twice_and_a_dead_claim_expires(
    make_app, wecom: FakeWecom, timing
) -> None:
    from alerts.dispatch.claims import claim

    app = make_app(channels_toml(wecom), now="2026-11-16T10:00")
    add_message(app, "a1", "2026-11-16T09:00")
    sweep(at(app, "2026-11-24T10:00"))
    with app.sessions() as session:  # another dispatcher claims it, then dies before sending
        assert len(claim(session, parse_iso("2026-11-24T10:00"))) == 1
    other = App(app.config, clock=fixed_clock(parse_iso("2026-11-24T10:01")))
    assert dispatch(other, timing=timing).sent == 0 and wecom.messages == []
    result = dispatch(at(other, "2026-11-24T10:10"), timing=timing)  # the lease is over
    assert result.sent == 1 and len(wecom.messages) == 1
    assert outbox_rows(other)[0]["next_attempt_at"] is None


def test_an_alert_that_cannot_be_rendered_does_not_stop_the_others(
    make_app, wecom: FakeWecom, timing
) -> None:
    app = make_app(channels_toml(wecom), now="2026-11-16T10:00")
    add_message(app, "a1", "2026-11-16T09:00")
    sweep(at(app, "2026-11-24T10:00"))
    with app.session() as session:
        session.add(
            Alert(
                kind="daily_summary",
                subject="summary:not-a-date",
                stage="daily",
                crisis=False,
                status="pending",
                attempts=0,
                created_at=app.now(),
            )
        )
    result = dispatch(app, timing=timing)
    assert (result.sent, result.failed) == (1, 1) and "无法生成提醒" in result.errors[0]
    bad = [r for r in outbox_rows(app) if r["subject"] == "summary:not-a-date"][0]
    assert (
        bad["status"] == "pending"
        and bad["attempts"] == 1
        and "无法生成提醒内容" in bad["last_error"]
    )


def test_no_alert_is_held_longer_than_one_working_day_whatever_the_settings(
    make_app, wecom: FakeWecom, timing
) -> None:
    from alerts.dispatch.hours import hold_limit
    from monitor.config import OfficeHours

    app = make_app(channels_toml(wecom), now="2026-11-16T10:00")
    # settings that never open (validation refuses them; here they are forced past it)
    app.config.settings = app.config.settings.model_copy(
        update={"office_hours": OfficeHours.model_construct(start="18:30", end="17:30")}
    )
    add_message(app, "a1", "2026-11-16T09:00")
    sweep(at(app, "2026-11-27T19:30"))  # Fri evening: the overdue alert is made now
    assert dispatch(app, timing=timing).sent == 0
    [row] = [r for r in outbox_rows(app) if r["kind"] == "reply_overdue"]
    # Monday is the first working day after Friday: held until its end at the latest
    assert hold_limit(app, parse_iso("2026-11-27T19:30")) == parse_iso("2026-12-01T00:00")
    assert row["next_attempt_at"] <= parse_iso("2026-12-01T00:00")
    assert dispatch(at(app, "2026-11-30T20:00"), timing=timing).sent == 0
    released = dispatch(at(app, "2026-12-01T00:00"), timing=timing)
    assert released.sent == 1 and "留言a1" in wecom.contents()[-1]
