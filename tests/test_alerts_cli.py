"""`dispatch --json`, `alerts list --json`, `alerts test CHANNEL` (docs/commands.md)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from monitor.cli import main
from monitor.demo.sinks import FakeWecom
from monitor.sweep import sweep
from tests.conftest import add_message, at, channels_toml


def run(app, *args: str):
    return CliRunner().invoke(main, ["--config", str(app.config.path), *args])


def test_dispatch_and_list_json(make_app, wecom: FakeWecom) -> None:
    app = make_app(channels_toml(wecom), now="2026-11-16T10:00")
    add_message(app, "a1", "2026-11-16T09:00")
    sweep(at(app, "2026-11-24T10:00"))
    pending = json.loads(run(app, "alerts", "list", "--json").output)
    assert [(a["kind"], a["status"], a["channel"], a["sent_at"]) for a in pending] == [
        ("reply_overdue", "pending", None, None)
    ]
    assert set(pending[0]) >= {
        "id",
        "kind",
        "subject",
        "stage",
        "channel",
        "status",
        "created_at",
        "sent_at",
    }
    result = run(app, "dispatch", "--json", "--now", "2026-11-24T10:00")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert (doc["sent"], doc["failed"], doc["held"], doc["messages_sent"]) == (1, 0, 0, 1)
    [row] = json.loads(run(app, "alerts", "list", "--json").output)
    assert (
        row["status"] == "sent"
        and row["channel"] == "office"
        and row["sent_at"].startswith("2026-11-24T10:00")
    )
    table = run(app, "alerts", "list")
    assert "超期提醒" in table.output and "已超期" in table.output and "已发送" in table.output
    assert (
        "reply_overdue" not in table.output
        and "message:" not in table.output
        and "留言a1" in table.output
    )


def test_alerts_list_shows_labels_json_keeps_codes(make_app) -> None:
    from monitor.db.models import Alert
    from monitor.timeutil import parse_iso
    from monitor.tracking import declare_event

    app = make_app(now="2026-11-26T10:00")
    mid = add_message(
        app,
        "a1",
        "2026-11-20T09:00",
        title="小区供暖不足，多次反映无人处理，请尽快解决供暖问题谢谢",
    )
    now = app.now()
    with app.session() as session:
        event = declare_event(
            session, "化工厂异味", "major", parse_iso("2026-11-26T07:00"), app.config, now
        )
        session.flush()
        ms = event.milestones[0]
        rows = [
            ("reply_at_risk", f"message:{mid}", "2wd", {}),
            ("reply_at_risk", f"message:{mid}", "1wd", {}),
            ("reply_overdue", f"message:{mid}", "overdue", {}),
            ("reply_resolved", f"message:{mid}", "resolved", {}),
            ("crisis_at_risk", f"milestone:{ms.id}", "2h", {}),
            ("crisis_overdue", f"milestone:{ms.id}", "overdue", {}),
            (
                "watch_hit",
                "news-cluster:3",
                "watch",
                {"title": "某区欠薪引关注", "level": "warning"},
            ),
            ("possible_crisis", "news-cluster:3", "possible_crisis", {"title": "某区欠薪引关注"}),
            ("source_unhealthy", "source:luan-bxcy", "unhealthy@20261126T131808Z", {}),
            ("calendar_missing", "calendar:2027", "2026-12-01", {"year": 2027}),
            ("daily_summary", "summary:2026-11-26", "daily", {"date": "2026-11-26"}),
        ]
        for kind, subject, stage, data in rows:
            session.add(
                Alert(
                    kind=kind,
                    subject=subject,
                    stage=stage,
                    crisis=kind.startswith("crisis"),
                    data=data,
                    status="pending",
                    attempts=0,
                    created_at=now,
                )
            )
    out = run(app, "alerts", "list").output
    for label in (
        "临期提醒",
        "超期提醒",
        "已回复",
        "突发临期",
        "突发超时",
        "关注词",
        "疑似突发",
        "数据源异常",
        "日历缺失",
        "每日汇总",
        "还剩2个工作日",
        "今天到期",
        "已超期",
        "还剩2小时",
        "已超时",
        "数据源异常（自 11-26 21:18 起）",
        "小区供暖不足",
        "…",
        "化工厂异味·发布权威信息",
        "某区欠薪引关注",
        "数据源 luan-bxcy",
        "2027 年节假日安排",
        "2026-11-26 汇总",
    ):
        assert label in out, label
    for code in (
        "watch_hit",
        "reply_at_risk",
        "calendar_missing",
        "message:",
        "news-cluster:",
        "milestone:",
        "overdue",
        "unhealthy@",
        "2wd",
    ):
        assert code not in out, code
    assert "请尽快解决供暖问题谢谢" not in out  # clipped
    doc = json.loads(run(app, "alerts", "list", "--json").output)
    assert {(a["kind"], a["subject"], a["stage"]) for a in doc} >= {
        ("watch_hit", "news-cluster:3", "watch"),
        ("reply_at_risk", f"message:{mid}", "2wd"),
        ("source_unhealthy", "source:luan-bxcy", "unhealthy@20261126T131808Z"),
    }


def test_alerts_test_sends_and_reports_errcode(make_app, wecom: FakeWecom) -> None:
    app = make_app(
        channels_toml(
            wecom,
            extra=f'\n[channels.broken]\nkind = "wecom"\nwebhook = "{wecom.url("invalid-x")}"\n',
        )
    )
    ok = run(app, "alerts", "test", "office")
    assert ok.exit_code == 0 and "【测试消息】" in wecom.contents("office")[0]
    bad = run(app, "alerts", "test", "broken")
    assert bad.exit_code == 1
    assert "提醒渠道“企业微信群”（channels.broken）" in bad.output and "errcode 93000" in bad.output
    [line] = bad.stderr.strip().splitlines()
    assert line.count("broken") == 1 and line.count("93000") == 1  # said once, not repeated
    assert "invalid webhook" not in line  # WeCom's English errmsg: the code has Chinese words
    assert "Traceback" not in bad.output
    unknown = run(app, "alerts", "test", "nope")
    assert unknown.exit_code == 2 and "没有名为 'nope' 的渠道" in unknown.output


def test_missing_webhook_variable_names_the_key(make_app, monkeypatch) -> None:
    monkeypatch.delenv("OM_NO_SUCH_HOOK", raising=False)
    app = make_app(
        '[channels.office]\nkind = "wecom"\nwebhook = "env:OM_NO_SUCH_HOOK"\n[routing]\ndefault = ["office"]\n'
    )
    result = run(app, "alerts", "test", "office")
    assert result.exit_code == 2, result.output
    assert "channels.office.webhook" in result.output and "OM_NO_SUCH_HOOK" in result.output
    assert str(app.config.path) in result.output and "Traceback" not in result.output


def test_run_refuses_only_when_no_channel_is_usable(make_app, monkeypatch) -> None:
    import pytest

    from alerts.channels import usable_channels
    from monitor.errors import ConfigError

    monkeypatch.setenv("OM_HOOK_SET", "http://127.0.0.1:9/cgi-bin/webhook/send?key=x")
    monkeypatch.delenv("OM_HOOK_UNSET", raising=False)
    monkeypatch.delenv("OM_SMTP_UNSET", raising=False)
    good = (
        '[channels.office]\nkind = "wecom"\nwebhook = "env:OM_HOOK_SET"\n'
        '[channels.plain-mail]\nkind = "email"\nsmtp = "smtp://u@127.0.0.1:2525"\nto = ["a@example.gov.cn"]\n'
    )
    assert usable_channels(make_app(good).config) == [
        "office",
        "plain-mail",
    ]  # a mail channel without password is fine
    mail = good + (
        '[channels.mail]\nkind = "email"\nsmtp = "smtps://u@127.0.0.1:465"\n'
        'to = ["a@example.gov.cn"]\npassword = "env:OM_SMTP_UNSET"\n'
    )
    assert usable_channels(make_app(mail).config) == [
        "office",
        "plain-mail",
    ]  # mail is broken, not the monitor
    only_broken = (
        '[channels.office]\nkind = "wecom"\nwebhook = "env:OM_HOOK_UNSET"\n'
        '[channels.mail]\nkind = "email"\nsmtp = "smtps://u@127.0.0.1:465"\n'
        'to = ["a@example.gov.cn"]\npassword = "env:OM_SMTP_UNSET"\n'
    )
    app = make_app(only_broken)
    with pytest.raises(ConfigError) as caught:
        usable_channels(app.config)
    message = str(caught.value)
    assert (
        str(app.config.path) in message
        and "channels.mail.password" in message
        and "OM_SMTP_UNSET" in message
    )
    assert "channels.office.webhook" in message and "OM_HOOK_UNSET" in message


def test_dispatch_exits_1_when_a_delivery_failed_and_says_what_waits(
    make_app, wecom: FakeWecom
) -> None:
    app = make_app(channels_toml(wecom), now="2026-11-16T10:00")
    add_message(app, "a1", "2026-11-16T09:00")
    sweep(at(app, "2026-11-24T10:00"))
    wecom.fail_with(93000)
    result = run(app, "dispatch", "--json", "--now", "2026-11-24T10:00")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["failed"] == 1 and doc["sent"] == 0
    later = run(app, "dispatch", "--now", "2026-11-24T10:00:30")
    assert "等待重试" in later.stdout
