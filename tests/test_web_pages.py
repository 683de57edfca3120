"""Every page of docs/dashboard.md through Flask's test client: what it shows, that an editor's edit
is the CLI's operation (same history, actor web:NAME), that a viewer's POST is 403, and that
text from citizens and files is escaped."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from monitor.cli import main
from tests.conftest import add_message
from tests.web_helpers import client_as, post, web_for

HOSTILE = '<script>alert("x")</script>'


@pytest.fixture
def app(make_app):
    return make_app(now="2026-11-26T10:00")


@pytest.fixture
def web(app):
    return web_for(app)


def cli(app, *args: str) -> str:
    result = CliRunner().invoke(main, ["--config", str(app.config.path), *args])
    assert result.exit_code == 0, result.output
    return result.stdout


# --- /messages/<id> ------------------------------------------------------------------------


def test_message_page_shows_deadline_reply_and_timeline(app, web):
    from monitor.db.models import Alert, AlertDelivery, Message
    from monitor.sweep import sweep
    from monitor.timeutil import parse_iso
    from tests.conftest import at

    mid = add_message(app, "m1", "2026-11-16T09:00", title=HOSTILE, url="javascript:alert(1)")
    with app.session() as db:
        db.get(Message, mid).body = "<b>正文</b>"
    sweep(app)
    with app.session() as db:
        alert = db.query(Alert).filter_by(subject=f"message:{mid}").one()
        db.add(
            AlertDelivery(
                alert_id=alert.id,
                target="route",
                channel="office",
                sent_at=parse_iso("2026-11-26T10:01"),
            )
        )
        alert.status, alert.sent_at, alert.channel = "sent", parse_iso("2026-11-26T10:01"), "office"
    page = client_as(web, "viewer").get(f"/messages/{mid}").get_data(as_text=True)
    assert HOSTILE not in page and "&lt;script&gt;" in page
    assert "&lt;b&gt;正文&lt;/b&gt;" in page
    assert 'href="javascript:' not in page and "不公开留言或链接无效" in page
    assert "超期" in page and "2026-11-23" in page
    assert "首次抓取到" in page and "超期提醒：已超期" in page and "已发送到：office" in page
    at(app, "2026-11-27T09:00")
    with app.session() as db:
        from monitor.tracking import mark_replied

        mark_replied(db.get(Message, mid), parse_iso("2026-11-27T08:30"), False, app.now())
    page = client_as(web, "viewer").get(f"/messages/{mid}").get_data(as_text=True)
    assert "已回复（逾期回复）" in page


def test_unknown_message_is_404(web):
    assert client_as(web, "viewer").get("/messages/999").status_code == 404


# --- /watchlist ----------------------------------------------------------------------------


def test_watchlist_edits_are_the_cli_operations_with_the_users_name(app, web):
    client = client_as(web, "editor")
    response = post(
        client,
        "/watchlist",
        {"term": "审计", "level": "critical", "category": "业务", "exclude": "评审计划\n审计署"},
        page="/watchlist",
    )
    assert response.status_code == 303
    terms = json.loads(cli(app, "watchlist", "list", "--json"))
    assert {
        "term": "审计",
        "level": "critical",
        "category": "业务",
        "exclude": ["评审计划", "审计署"],
        "enabled": True,
    } in terms
    post(client, "/watchlist/enable", {"term": "审计", "enabled": "0"}, page="/watchlist")
    assert json.loads(cli(app, "watchlist", "list", "--json"))[0]["enabled"] is False
    post(
        client,
        "/watchlist",
        {"term": "审计", "level": "warning", "category": "", "exclude": ""},
        page="/watchlist",
    )
    post(client, "/watchlist/remove", {"term": "审计"}, page="/watchlist")
    assert json.loads(cli(app, "watchlist", "list", "--json")) == []
    history = json.loads(cli(app, "watchlist", "history", "--json"))
    assert [h["action"] for h in history] == ["remove", "update", "update", "add"]
    assert {h["actor"] for h in history} == {"web:editor"}
    page = client.get("/watchlist").get_data(as_text=True)
    assert "web:editor" in page


def test_watchlist_try_it_shows_hits_confidence_and_exclusions(app, web):
    client = client_as(web, "editor")
    post(
        client,
        "/watchlist",
        {"term": "审计", "level": "warning", "exclude": "评审计划"},
        page="/watchlist",
    )
    page = client.get("/watchlist", query_string={"text": "市审计局的评审计划"}).get_data(
        as_text=True
    )
    assert 'class="hit"><td>审计</td>' in page
    assert "出现在“…市审计局的评审计划…”中，属于排除短语「评审计划」，不计" in page
    page = client.get("/watchlist", query_string={"text": "天气晴"}).get_data(as_text=True)
    assert "未命中任何关注词" in page


def test_watchlist_import_and_export(app, web):
    client = client_as(web, "admin")
    text = "欠薪 | critical | 民生 | !欠薪资料\n" + HOSTILE.replace("|", "") + " | info\n"
    response = post(client, "/watchlist/import", {"text": text}, page="/watchlist")
    assert response.status_code == 303
    page = client.get("/watchlist").get_data(as_text=True)
    assert "新增 2 个" in page and HOSTILE not in page
    exported = client.get("/watchlist/export")
    assert exported.headers["Content-Disposition"] == "attachment; filename=watchlist.txt"
    assert "欠薪 | critical | 民生 | !欠薪资料" in exported.get_data(as_text=True)
    bad = post(client, "/watchlist/import", {"text": "好词\n坏 | nonsense\n"}, page="/watchlist")
    assert bad.status_code == 303
    page = client.get("/watchlist").get_data(as_text=True)
    assert "未导入（没有任何改动）" in page and "粘贴的内容:2" in page
    assert len(json.loads(cli(app, "watchlist", "list", "--json"))) == 2


def test_watchlist_bad_exclusion_is_one_clear_message(web):
    client = client_as(web, "editor")
    post(client, "/watchlist", {"term": "审计", "exclude": "评审"}, page="/watchlist")
    page = client.get("/watchlist").get_data(as_text=True)
    assert "未保存" in page and "评审" in page


# --- /events -------------------------------------------------------------------------------


def test_declare_a_crisis_and_mark_a_milestone_done(app, web):
    client = client_as(web, "editor")
    response = post(
        client,
        "/events",
        {"title": "化工厂爆炸", "level": "major", "started_at": "2026-11-26T08:00"},
        page="/events",
    )
    assert response.status_code == 303
    events = json.loads(cli(app, "event", "list", "--json"))
    assert events[0]["title"] == "化工厂爆炸"
    assert events[0]["milestones"][0]["deadline"] == "2026-11-26T13:00:00+08:00"
    post(
        client,
        f"/events/{events[0]['id']}/done",
        {"milestone": "publish", "at": "2026-11-26T09:30"},
        page="/events",
    )
    events = json.loads(cli(app, "event", "list", "--json"))
    assert events[0]["milestones"][0]["done_at"] == "2026-11-26T09:30:00+08:00"
    page = client.get("/events").get_data(as_text=True)
    assert "已标记完成（在时限内）" in page and "2026-11-26 09:30 完成" in page
    again = post(
        client,
        f"/events/{events[0]['id']}/done",
        {"milestone": "publish", "at": "2026-11-26T09:40"},
        page="/events",
    )
    assert again.status_code == 303
    assert "未标记" in client.get("/events").get_data(as_text=True)


def test_declaring_in_the_future_is_refused_in_the_page(web):
    client = client_as(web, "editor")
    post(
        client,
        "/events",
        {"title": "x", "level": "major", "started_at": "2027-01-01T08:00"},
        page="/events",
    )
    assert "未登记" in client.get("/events").get_data(as_text=True)


# --- /sources, /calendar, placeholders ------------------------------------------------------


def test_sources_page_lists_sources_and_channels(make_app):
    app = make_app("""
        [channels.office]
        kind = "wecom"
        webhook = "env:OM_TEST_UNSET_WEBHOOK"
        """)
    page = client_as(web_for(app), "editor").get("/sources").get_data(as_text=True)
    assert "代号 office" in page and "企业微信群" in page and "发送测试消息" in page
    assert "不可用" in page and "OM_TEST_UNSET_WEBHOOK 未设置" in page
    board = client_as(web_for_existing(app), "viewer").get("/").get_data(as_text=True)
    assert '提醒渠道 <a href="/sources#channel-office">企业微信群</a> 异常' in board


def web_for_existing(app):
    from monitor.web import create_app

    web = create_app(app, b"x" * 64)
    web.testing = True
    return web


def test_calendar_page_shows_known_years(web):
    page = client_as(web, "viewer").get("/calendar").get_data(as_text=True)
    assert "连续已知至" in page and "holidays.toml" in page


@pytest.mark.parametrize("path", ["/disclosures", "/reports", "/reports?period=2026-Q4"])
def test_register_pages_answer(web, path):
    assert client_as(web, "viewer").get(path).status_code == 200


# --- roles ---------------------------------------------------------------------------------

EDITS = [
    ("/watchlist", {"term": "审计"}),
    ("/watchlist/enable", {"term": "审计", "enabled": "0"}),
    ("/watchlist/remove", {"term": "审计"}),
    ("/watchlist/import", {"text": "审计"}),
    ("/events", {"title": "x", "level": "major", "started_at": "2026-11-26T08:00"}),
    ("/events/1/done", {"milestone": "publish"}),
    ("/sources/test", {"channel": "office"}),
    ("/alerts/1/ack", {}),
    ("/calendar/preview", {"text": "x"}),
    ("/calendar/apply", {"text": "x", "digest": "x"}),
    ("/disclosures", {"title": "x"}),
    ("/disclosures/1/done", {"outcome": "予以公开"}),
]


@pytest.mark.parametrize("path,data", EDITS)
def test_a_viewers_post_is_403(web, path, data):
    client = client_as(web, "viewer")
    response = post(client, path, data)
    assert response.status_code == 403
    assert "只读账号不能修改" in response.get_data(as_text=True)


@pytest.mark.parametrize("path,data", EDITS)
def test_an_edit_without_csrf_token_is_403(web, path, data):
    client = client_as(web, "editor")
    assert client.post(path, data=data).status_code == 403


# --- /calendar: the State Council notice ---------------------------------------------------

NOTICES = __import__("pathlib").Path(__file__).parent / "fixtures" / "notices"


def test_calendar_notice_preview_then_apply_writes_holidays_toml(app, web):
    import re

    client = client_as(web, "editor")
    text = (NOTICES / "2026.txt").read_text(encoding="utf-8")
    page = post(client, "/calendar/preview", {"text": text}, page="/calendar").get_data(
        as_text=True
    )
    assert "预览：2026 年" in page and "春节" in page
    assert (
        not app.config.holidays_path.exists()
        or "[years.2026]" not in app.config.holidays_path.read_text()
    )
    digest = re.search(r'name="digest" value="([^"]+)"', page).group(1)
    response = post(client, "/calendar/apply", {"text": text, "digest": digest}, page="/calendar")
    assert response.status_code == 303
    assert "[years.2026]" in app.config.holidays_path.read_text(encoding="utf-8")
    assert "已将 2026 年的放假安排写入" in client.get("/calendar").get_data(as_text=True)


def test_calendar_apply_refuses_when_the_file_changed_since_the_preview(app, web):
    client = client_as(web, "editor")
    text = (NOTICES / "2026.txt").read_text(encoding="utf-8")
    post(client, "/calendar/apply", {"text": text, "digest": "stale"}, page="/calendar")
    page = client.get("/calendar").get_data(as_text=True)
    assert "未写入" in page and "预览之后被修改过" in page


def test_calendar_notice_that_cannot_be_read_writes_nothing(app, web):
    client = client_as(web, "editor")
    page = post(
        client,
        "/calendar/preview",
        {"text": "国务院办公厅关于2027年部分节假日安排的通知\n一、元旦：0月1日放假。"},
        page="/calendar",
    ).get_data(as_text=True)
    assert "未能读取通知（没有写入任何内容）" in page


# --- /disclosures and /reports ---------------------------------------------------------------


def test_disclosure_register_through_the_pages(app, web):
    client = client_as(web, "editor")
    response = post(
        client,
        "/disclosures",
        {
            "title": "申请公开2025年度审计报告" + HOSTILE,
            "received": "2026-11-20T09:00",
            "channel": "网上",
            "department": "办公室",
            "applicant": "张三",
        },
        page="/disclosures",
    )
    assert response.status_code == 303
    rid = int(response.headers["Location"].rsplit("/", 1)[1])
    docs = json.loads(cli(app, "disclosure", "list", "--json"))
    assert docs[0]["id"] == rid and docs[0]["due_date"] == "2026-12-18"
    page = client.get(f"/disclosures/{rid}").get_data(as_text=True)
    assert "已登记依申请公开申请" in page and HOSTILE not in page and "web:editor" in page
    assert "申请公开2025年度审计报告" in client.get("/").get_data(as_text=True)  # on the board
    post(client, f"/disclosures/{rid}/extend", {"reason": "需要调取档案"}, page="/disclosures")
    post(
        client,
        f"/disclosures/{rid}/done",
        {"outcome": "予以公开", "at": "2026-11-26T09:30"},
        page="/disclosures",
    )
    doc = json.loads(cli(app, "disclosure", "list", "--state", "all", "--json"))[0]
    assert doc["outcome"] == "予以公开" and doc["extension_days"] == 20
    bad = post(client, f"/disclosures/{rid}/done", {"outcome": "予以公开"}, page="/disclosures")
    assert bad.status_code == 303
    assert "未保存" in client.get(f"/disclosures/{rid}").get_data(as_text=True)


def test_reports_page_and_downloads(app, web):
    add_message(app, "r1", "2026-11-02T09:00", title="报表留言")
    client = client_as(web, "viewer")
    page = client.get("/reports", query_string={"period": "2026-11"}).get_data(as_text=True)
    assert "政务舆情回应与依申请公开情况报告" in page and "<svg" in page
    assert 'href="/reports/report.css"' in page
    css = client.get("/reports/report.css").get_data(as_text=True)
    assert ".report h1" in css and "\nbody" not in css
    xlsx = client.get("/reports/download", query_string={"period": "2026-11", "format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    csv = client.get("/reports/download", query_string={"period": "2026-11", "format": "csv"})
    assert "报表留言" in csv.data.decode("utf-8-sig")
    bad = client.get("/reports", query_string={"period": "2026-13"}).get_data(as_text=True)
    assert "无效" in bad


# --- [web] public_url: alerts link to the message's page ------------------------------------


def test_alerts_link_to_the_dashboard_when_public_url_is_set(make_app):
    from alerts.channels import SimulatedTiming
    from alerts.dispatch import dispatch
    from monitor.demo.sinks import FakeWecom
    from monitor.sweep import sweep
    from tests.conftest import at, channels_toml

    timing = SimulatedTiming()
    wecom = FakeWecom(clock=timing.monotonic).start()
    try:
        app = make_app(
            channels_toml(wecom) + '\n[web]\npublic_url = "https://om.example.gov.cn/"\n',
            now="2026-11-16T10:00",
        )
        mid = add_message(app, "a1", "2026-11-16T09:00", title="小区供暖不足")
        at(app, "2026-11-24T10:00")
        sweep(app)
        dispatch(app, timing=timing)
        [content] = wecom.contents("office")
    finally:
        wecom.stop()
    assert f"[在看板中查看](https://om.example.gov.cn/messages/{mid})" in content
    assert "(http://portal.example/detail/a1)" in content  # the portal link stays


# --- the limits a page states are the configured ones ----------------------------------------


def test_pages_state_the_configured_limits_not_the_defaults(make_app):
    """The manual promises that what the dashboard shows is what the product counts: an office
    that sets its own crisis hours or 依申请公开 limits reads those on /events and /disclosures."""
    app = make_app(
        """
        [rules.crisis]
        publish_hours = 4.5
        press_conference_hours = 12
        [rules.disclosure]
        working_days = 15
        extension_days = 10
        """
    )
    client = client_as(web_for(app), "viewer")
    events = client.get("/events").get_data(as_text=True)
    assert "4.5 小时内发布权威信息，12 小时内召开新闻发布会" in events
    assert "5 小时内" not in events.replace("4.5 小时内", "")
    register = client.get("/disclosures").get_data(as_text=True)
    assert (
        "收到申请次日起 15 个工作日；可延期一次，最长 10 个工作日；需补正的 7 个工作日内"
        in register
    )


def test_pages_state_the_default_limits(app, web):
    client = client_as(web, "viewer")
    assert "5 小时内发布权威信息，24 小时内召开新闻发布会" in client.get("/events").get_data(
        as_text=True
    )
    assert "收到申请次日起 20 个工作日；可延期一次，最长 20 个工作日" in client.get(
        "/disclosures"
    ).get_data(as_text=True)
