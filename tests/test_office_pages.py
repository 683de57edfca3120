"""What an office sees (issue 22): a replied message's page and timeline stop at the reply; a
channel whose test failed is not shown as 正常; `dispatch` says which channel failed and why;
the alerts page offers 确认 only where something is asked and links each row to its page; a
viewer's pages and CSV mask phone and ID numbers while an editor sees them whole."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.demo.sinks import FakeWecom, SmtpSink
from tests.conftest import add_message, at
from tests.web_helpers import client_as, post, web_for

PHONE, ID_NUMBER = "13912345678", "34150119900101123X"


def cli(app, *args: str):
    return CliRunner().invoke(main, ["--config", str(app.config.path), *args])


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def timeline_of(html: str) -> list[str]:
    block = html.split('<ul class="timeline">', 1)[1].split("</ul>", 1)[0]
    return [text_of(item).strip() for item in re.findall(r"<li[^>]*>(.*?)</li>", block, re.S)]


# --- a replied message ---------------------------------------------------------------


@pytest.fixture
def replied(make_app, wecom: FakeWecom):
    """Received Mon 11-16 (due Mon 11-23); warned on 11-20 (2wd), answered on time on 11-20
    at 15:00; the page is looked at an hour later, before the stages it never reached (今天到期
    on 11-23, 已超期 on 11-24) would have come."""
    from monitor.db.models import Message
    from monitor.sweep import sweep
    from monitor.tracking import mark_replied

    app = make_app(
        f'[channels.office]\nkind = "wecom"\nwebhook = "{wecom.url("office")}"\n'
        '[routing]\ndefault = ["office"]\n',
        now="2026-11-16T10:00",
    )
    on_time = add_message(app, "r1", "2026-11-16T09:00", title="按时回复的留言")
    silent = add_message(app, "r2", "2026-11-16T09:30", title="回复未公开内容的留言")
    sweep(at(app, "2026-11-20T09:00"))
    from alerts.dispatch import dispatch

    dispatch(app)
    with app.session() as session:
        for mid, text in ((on_time, "已责成有关科室处理，结果已电话告知。"), (silent, None)):
            message = session.get(Message, mid)
            message.reply, message.reply_department = text, "综合科"
            mark_replied(message, at(app, "2026-11-20T15:00").now(), False, app.now())
    sweep(at(app, "2026-11-20T16:00"))
    return app, on_time, silent


def test_a_replied_messages_page_stops_at_the_reply(replied) -> None:
    app, on_time, silent = replied
    client = client_as(web_for(app), "viewer")
    page = client.get(f"/messages/{on_time}").get_data(as_text=True)
    assert "已按时回复" in page and "尚未回复" not in page
    assert "已责成有关科室处理" in page
    timeline = timeline_of(page)
    replied_at = next(i for i, t in enumerate(timeline) if "已回复，答复单位：综合科" in t)
    after = timeline[replied_at + 1 :]
    # the stages it never reached: not planned, not passed
    for word in ("今天到期", "已超期", "计划提醒", "提醒阶段"):
        assert not any(word in t for t in after), (word, timeline)
    assert not any("今天到期" in t or "已超期" in t for t in timeline)
    assert any("临期提醒：还剩2个工作日" in t for t in timeline[:replied_at])  # sent before

    page = client.get(f"/messages/{silent}").get_data(as_text=True)
    assert "尚未回复" not in page and "门户已标为已回复，未公开回复内容" in page
    assert not any("计划提醒" in t for t in timeline_of(page))


def test_an_open_message_still_shows_what_is_planned(make_app) -> None:
    app = make_app(now="2026-11-17T10:00")
    mid = add_message(app, "o1", "2026-11-16T09:00", title="尚在办理的留言")
    page = client_as(web_for(app), "viewer").get(f"/messages/{mid}").get_data(as_text=True)
    timeline = timeline_of(page)
    assert "尚未回复" in page
    assert any("计划提醒：今天到期" in t for t in timeline)
    assert any("计划提醒：已超期" in t for t in timeline)


# --- a channel's test, and dispatch, say what failed ------------------------------------


@pytest.fixture
def channels(make_app, wecom: FakeWecom, smtp: SmtpSink):
    app = make_app(
        f"""
[channels.office]
kind = "wecom"
webhook = "{wecom.url("office")}"
[channels.lead]
kind = "wecom"
label = "局领导群"
webhook = "{wecom.url("invalid-secret-7f3a")}"
[channels.mail]
kind = "email"
smtp = "smtp://monitor@127.0.0.1:9"
to = ["office@example.gov.cn"]
[routing]
default = ["lead"]
""",
        now="2026-11-26T10:00",
    )
    assert cli(app, "init").exit_code == 0
    return app


def channel_row(app, name: str) -> dict:
    import json

    doc = json.loads(cli(app, "status", "--json").output)
    return next(c for c in doc["channels"] if c["name"] == name)


def test_a_failed_test_marks_the_channel_and_a_good_one_clears_it(channels, wecom) -> None:
    app = channels
    bad = cli(app, "alerts", "test", "lead")
    assert bad.exit_code == 1
    assert "局领导群" in bad.output and "Webhook 地址无效" in bad.output
    assert "invalid-secret-7f3a" not in bad.output  # the webhook's key is a secret
    row = channel_row(app, "lead")
    assert row["healthy"] is False and row["state"] == "broken"
    assert "测试消息发送失败" in row["reason"] and "Webhook 地址无效" in row["reason"]
    assert "invalid webhook" not in row["reason"]  # WeCom's English, when we have Chinese
    assert "局领导群" in cli(app, "status").output

    down = cli(app, "alerts", "test", "mail")  # nothing listens on port 9
    assert down.exit_code == 1 and "无法连接 SMTP" in down.output
    row = channel_row(app, "mail")
    assert row["healthy"] is False and row["state"] == "failing"
    assert "无法连接 SMTP 127.0.0.1:9" in row["reason"]

    assert cli(app, "alerts", "test", "office").exit_code == 0
    assert channel_row(app, "office")["healthy"] is True


def test_the_dashboards_test_button_shows_the_failure_on_the_page(channels) -> None:
    app = channels
    client = client_as(web_for(app), "editor")
    assert (
        ">正常<"
        in client.get("/sources").get_data(as_text=True).split('id="channel-lead"')[1][:400]
    )
    response = post(client, "/sources/test", {"channel": "lead"}, page="/sources")
    assert response.status_code == 303
    page = client.get("/sources").get_data(as_text=True)
    assert "测试失败：提醒渠道“局领导群”（channels.lead）：测试消息发送失败" in page
    row = page.split('id="channel-lead"')[1].split("</tr>")[0]
    assert ">异常<" in row and ">正常<" not in row and "Webhook 地址无效" in row
    assert "invalid" not in row
    board = client.get("/").get_data(as_text=True)
    assert "提醒渠道 <a" in board and "局领导群</a> 异常" in board


def test_dispatch_names_the_broken_channel_and_why_without_the_secret(
    make_app, monkeypatch, wecom: FakeWecom
):
    monkeypatch.delenv("OM_UNSET_HOOK", raising=False)
    app = make_app(
        """
[channels.office]
kind = "wecom"
label = "办公室群"
webhook = "env:OM_UNSET_HOOK"
[routing]
default = ["office"]
""",
        now="2026-11-16T10:00",
    )
    assert cli(app, "init").exit_code == 0
    add_message(app, "d1", "2026-11-16T09:00", title="无人接收的提醒")
    assert cli(app, "sweep", "--now", "2026-11-20T09:00").exit_code == 0
    first = cli(app, "dispatch", "--now", "2026-11-20T09:00")
    assert first.exit_code == 1
    assert "失败 1 条" in first.stdout
    reason = "提醒渠道“办公室群”（channels.office）不可用：channels.office.webhook 所需的环境变量 OM_UNSET_HOOK 未设置"
    assert f"失败原因：{reason}；该渠道没有备用渠道（fallback）" in first.stderr
    assert "alerts list --json" not in first.output  # said on the spot, not pointed at
    later = cli(app, "dispatch", "--now", "2026-11-20T09:30")
    assert later.exit_code == 1 and reason in later.output

    # a robot removed from the group (WeCom 93000): the channel and why, its key never shown
    monkeypatch.setenv("OM_UNSET_HOOK", wecom.url("invalid-s3cr3t"))
    retry = cli(app, "dispatch", "--now", "2026-11-20T10:30")
    assert retry.exit_code == 1
    assert "失败原因：提醒渠道“办公室群”（channels.office）：errcode 93000" in retry.stderr
    assert "Webhook 地址无效" in retry.stderr and "s3cr3t" not in retry.output


# --- the alerts page ---------------------------------------------------------------------


def test_confirm_only_where_asked_and_each_row_links_to_its_page(make_app) -> None:
    from sqlalchemy import select

    from alerts.outbox import AlertKind, AnnualReportPayload, NewAlert, Subject, enqueue
    from monitor.db.models import Alert, Message
    from monitor.disclosure.register import Context, add_request
    from monitor.sweep import sweep
    from monitor.timeutil import parse_iso
    from monitor.tracking import declare_event, mark_replied

    app = make_app(now="2026-11-16T10:00")
    answered = add_message(app, "a1", "2026-11-16T09:00", title="已回复的留言")
    waiting = add_message(app, "a2", "2026-11-16T09:00", title="仍未回复的留言")
    at(app, "2026-11-20T08:30")
    with app.session() as session:
        event = declare_event(
            session, "暴雨致城区内涝", "major", parse_iso("2026-11-20T08:00"), app.config, app.now()
        )
        ctx = Context(app.config, app.calendar, app.now(), actor="test")
        request = add_request(session, ctx, "申请公开某项目审计报告", parse_iso("2026-10-20T10:00"))
        event_id, request_id = event.id, request.id
    sweep(at(app, "2026-11-20T12:30"))
    with app.session() as session:
        mark_replied(session.get(Message, answered), app.now(), False, app.now())
        enqueue(
            session,
            [
                NewAlert(
                    AlertKind.ANNUAL_REPORT_DUE,
                    Subject.annual_report(2026),
                    "15wd",
                    app.now(),
                    payload=AnnualReportPayload(year=2026, due_date="2027-03-31"),
                )
            ],
        )
    sweep(app)  # the reply's 已回复 note
    with app.session() as session:
        kinds = {a.id: (a.kind, a.subject) for a in session.scalars(select(Alert))}
    page = client_as(web_for(app), "editor").get("/alerts").get_data(as_text=True)
    rows = dict(re.findall(r'<tr id="alert-(\d+)">(.*?)</tr>', page, re.S))
    confirm = {int(i) for i, row in rows.items() if "确认</button>" in row}
    links = {int(i): re.search(r'<a href="([^"]+)"', row) for i, row in rows.items()}

    def ids(kind: str, subject: str) -> set[int]:
        return {i for i, (k, s) in kinds.items() if k == kind and s == subject}

    asked = ids("reply_at_risk", f"message:{waiting}") | ids(
        "annual_report_due", "annual-report:2026"
    )
    asked |= {i for i, (k, _) in kinds.items() if k == "crisis_at_risk"}
    assert asked and asked <= confirm
    settled = ids("reply_at_risk", f"message:{answered}") | ids(
        "reply_resolved", f"message:{answered}"
    )
    assert settled and not settled & confirm  # answered: nothing left to confirm
    crisis = next(i for i, (k, _) in kinds.items() if k == "crisis_at_risk")
    assert links[crisis] and links[crisis].group(1) == f"/events#e{event_id}"
    [disclosure] = ids("disclosure_overdue", f"disclosure:{request_id}")
    assert links[disclosure].group(1) == f"/disclosures/{request_id}" and disclosure in confirm
    [annual] = ids("annual_report_due", "annual-report:2026")
    assert links[annual].group(1) == "/reports?period=2026&amp;view=gov-annual"
    assert links[min(settled)].group(1) == f"/messages/{answered}"
    # a viewer sees no button at all
    viewer = client_as(web_for_existing(app), "viewer").get("/alerts").get_data(as_text=True)
    assert "确认</button>" not in viewer


def test_a_disclosure_alert_links_to_its_request(make_app) -> None:
    from monitor.disclosure.register import Context, add_request
    from monitor.sweep import sweep
    from monitor.timeutil import parse_iso

    app = make_app(now="2026-10-20T11:00")
    with app.session() as session:
        ctx = Context(app.config, app.calendar, app.now(), actor="test")
        request_id = add_request(session, ctx, "申请公开预算", parse_iso("2026-10-20T10:00")).id
    sweep(at(app, "2026-11-16T09:00"))
    page = client_as(web_for(app), "editor").get("/alerts").get_data(as_text=True)
    assert f'<a href="/disclosures/{request_id}">依申请公开·申请公开预算</a>' in page


def web_for_existing(app):
    from monitor.web import create_app

    web = create_app(app, b"x" * 64)
    web.testing = True
    return web


# --- a viewer's pages are masked ------------------------------------------------------


def test_a_viewer_sees_numbers_masked_an_editor_whole(make_app) -> None:
    from monitor.db.models import Message
    from monitor.disclosure.register import Context, add_request
    from monitor.timeutil import parse_iso

    app = make_app(now="2026-11-17T10:00")
    mid = add_message(app, "p1", "2026-11-16T09:00", title=f"来电 {PHONE} 反映供暖")
    with app.session() as session:
        message = session.get(Message, mid)
        message.body = f"我的身份证号 {ID_NUMBER}，电话 {PHONE}，邮箱 wang@example.com。"
        ctx = Context(app.config, app.calendar, app.now(), actor="test")
        rid = add_request(
            session, ctx, "申请公开审计报告", parse_iso("2026-11-16T10:00"), "王五", PHONE
        ).id
    web = web_for(app)
    viewer, editor = client_as(web, "viewer"), client_as(web, "editor")
    for path in ("/", f"/messages/{mid}", f"/disclosures/{rid}"):
        seen = viewer.get(path).get_data(as_text=True)
        assert PHONE not in seen and ID_NUMBER not in seen, path
        assert "139****5678" in seen, path
        whole = editor.get(path).get_data(as_text=True)
        assert PHONE in whole, path
    seen = viewer.get(f"/messages/{mid}").get_data(as_text=True)
    assert "34**************3X" in seen and "w***@example.com" in seen
    assert ID_NUMBER in editor.get(f"/messages/{mid}").get_data(as_text=True)

    # the report's CSV: masked for a viewer, who may not ask for it unmasked
    csv = viewer.get("/reports/download?period=2026-11&format=csv").get_data(as_text=True)
    assert "139****5678" in csv and PHONE not in csv
    assert viewer.get("/reports/download?period=2026-11&format=csv&unmasked=1").status_code == 403
    whole = editor.get("/reports/download?period=2026-11&format=csv&unmasked=1")
    assert PHONE in whole.get_data(as_text=True)


def test_every_stage_an_alert_can_have_reads_in_chinese() -> None:
    """The stages the sweep writes (the reply checker's too) never reach a page as codes."""
    from alerts.labels import stage_label

    for kind, stage, words in (
        ("reply_perfunctory", "perfunctory", "待核实"),
        ("possible_crisis", "possible_crisis", "待研判"),
        ("reply_at_risk", "1wd", "今天到期"),
        ("disclosure_at_risk", "2wd@20261130", "还剩2个工作日"),
    ):
        assert stage_label(kind, stage) == words


def test_a_consultation_alert_links_to_its_draft(make_app) -> None:
    """意见征集: a window too short is told, asks for 确认 and opens the draft's row."""
    from sqlalchemy import select

    from monitor.consultation.register import add_consultation
    from monitor.db.models import Alert
    from monitor.disclosure.register import Context
    from monitor.sweep import sweep
    from monitor.timeutil import parse_iso

    app = make_app(now="2026-09-24T15:00")
    with app.session() as session:
        ctx = Context(app.config, app.calendar, app.now(), actor="test")
        draft_id = add_consultation(
            session,
            ctx,
            "某办法（征求意见稿）",
            parse_iso("2026-09-28T00:00"),
            parse_iso("2026-10-18T24:00"),
        ).id
    sweep(app)
    with app.session() as session:
        [alert] = session.scalars(select(Alert).where(Alert.subject == f"consultation:{draft_id}"))
        alert_id = alert.id
    editor = client_as(web_for(app), "editor")
    page = editor.get("/alerts").get_data(as_text=True)
    row = page.split(f'id="alert-{alert_id}"')[1].split("</tr>")[0]
    assert f'<a href="/consultations#c{draft_id}">' in row and "确认</button>" in row
