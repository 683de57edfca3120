"""Masking and escaping: personal data never leaves in an alert, and nothing a citizen or a
news site wrote can add a link, a mention, a heading or formatting to the office's chat."""

from __future__ import annotations

import re

from alerts.dispatch import dispatch
from alerts.render import md, safe_url
from monitor.demo.sinks import FakeWecom, SmtpSink
from monitor.masking import mask, mask_name
from monitor.sweep import sweep
from tests.conftest import add_message, at, channels_toml


def test_phone_id_card_and_email_are_masked() -> None:
    text = (
        "电话13812345678，座机0564-3371234，+86 139 1234 5678，身份证34150219900101123X，"
        "旧证341502900101123，邮箱zhang.san@example.com"
    )
    out = mask(text)
    for secret in ("13812345678", "3371234", "139 1234 5678", "19900101", "900101123", "zhang.san"):
        assert secret not in out
    assert "138****5678" in out and "34**************3X" in out and "z***@example.com" in out
    assert (
        mask("编号 2026112612 的事项，共 3 件") == "编号 2026112612 的事项，共 3 件"
    )  # 10 digits: no phone


def test_names_are_shown_as_surname_and_stars() -> None:
    assert mask_name("张三丰") == "张**" and mask_name("李四") == "李**" and mask_name("") == ""


def test_markdown_injection_is_neutralised() -> None:
    attack = '[点我领补贴](http://evil.example) <@all> @all `code` **粗体** # 标题\n> 引用 <font color="red">x</font>'
    out = md(attack)
    assert "](" not in out and "[" not in out and "<" not in out and "@" not in out
    assert (
        "`" not in out and "*" not in out and "#" not in out and ">" not in out and "\n" not in out
    )
    assert "http://" not in out  # no bare link for the client to auto-link
    assert "点我领补贴" in out and "标题" in out  # still readable


def test_only_http_links_survive() -> None:
    assert safe_url("javascript:alert(1)") is None
    assert (
        safe_url("http://a.example/x) [y](http://evil")
        == "http://a.example/x%29%20%5By%5D%28http://evil"
    )


def test_alert_from_a_hostile_message(make_app, wecom: FakeWecom, smtp: SmtpSink, timing) -> None:
    title = "投诉 <@all> [官网](http://evil.example) 电话13812345678 身份证34150219900101123X `rm` **急** # 置顶"
    app = make_app(
        channels_toml(
            wecom, smtp, routing='[routing]\ndefault = ["office"]\nleadership = ["office-mail"]\n'
        ),
        now="2026-11-16T10:00",
    )
    add_message(
        app,
        "x1",
        "2026-11-16T09:00",
        title=title,
        author="王小明",
        department="综合科 @all",
        url="http://portal.example/detail/x1",
    )
    sweep(at(app, "2026-11-24T10:00"))
    assert dispatch(app, timing=timing).sent == 1
    [content] = wecom.contents()
    links = re.findall(r"\]\(([^)]*)\)", content)
    assert links == ["http://portal.example/detail/x1"]  # our own link only
    assert "<@" not in content and "@all" not in content and "evil.example)" not in content
    assert "13812345678" not in content and "19900101" not in content and "王小明" not in content
    assert "王＊＊" in content
    assert "\n#" not in content.replace("\n###", "")  # no heading but ours
    mail = smtp.messages[0]
    html = mail.get_body(("html",)).get_content()
    assert "<@all>" not in html and "13812345678" not in html and 'href="http://evil' not in html
    assert "13812345678" not in mail.get_body(("plain",)).get_content()
    assert "13812345678" not in mail["Subject"]


def test_watch_alerts_render_terms_outlets_and_reasons(make_app, wecom: FakeWecom, timing) -> None:
    from monitor.db.models import Alert

    app = make_app(channels_toml(wecom), now="2026-11-24T10:00")
    data = {
        "title": "某区拖欠薪资 [详情](http://evil)",
        "url": "http://news.example/1",
        "terms": ["欠薪"],
        "level": "critical",
        "outlets": 6,
        "outlet_names": ["甲报", "乙网"],
        "cluster_size": 9,
        "reasons": ["critical_term", "fast_spread"],
        "spread": 6,
        "spread_hours": 6,
    }
    with app.session() as session:
        session.add(
            Alert(
                kind="possible_crisis",
                subject="news-cluster:3",
                stage="possible_crisis",
                crisis=True,
                data=data,
                status="pending",
                attempts=0,
                created_at=app.now(),
            )
        )
        session.add(
            Alert(
                kind="watch_hit",
                subject="news-cluster:3",
                stage="watch",
                crisis=False,
                data=data,
                status="pending",
                attempts=0,
                created_at=app.now(),
            )
        )
    assert (
        dispatch(at(app, "2026-11-24T22:00"), timing=timing).sent == 1
    )  # crisis kind: night is no bar
    urgent = wecom.contents()[0]
    assert (
        "【疑似舆情事件】" in urgent
        and "甲报、乙网 等 6 家" in urgent
        and "相关报道：9 篇" in urgent
    )
    assert "6 小时内 6 家媒体转载" in urgent and "](http://evil)" not in urgent
    assert dispatch(at(app, "2026-11-25T09:00"), timing=timing).sent == 1
    assert "【舆情关注】" in wecom.contents()[1] and "关注词：欠薪" in wecom.contents()[1]


def test_mixed_group_sections_in_order() -> None:
    from alerts.render import Item, compose

    items = [
        Item(1, "source_unhealthy", False, "系统运行", "数据源 a 异常"),
        Item(2, "reply_overdue", False, "综合科", "留言"),
        Item(3, "watch_hit", False, "舆情监测", "报道"),
    ]
    out = compose(items)
    order = [out.markdown.index(f"### {name}") for name in ("舆情监测", "综合科", "系统运行")]
    assert order == sorted(order) and out.title == "【监测提醒】3 条" and not out.urgent


def test_a_flood_in_one_department_does_not_hide_another() -> None:
    from alerts.render import Item, compose

    items = [Item(i, "reply_overdue", False, "综合科", f"综合{i}") for i in range(500)]
    items.append(Item(999, "reply_overdue", False, "财政科", "财政的一条"))
    out = compose(items, compact_lines=100)
    assert "财政的一条" in out.markdown
    assert out.markdown.count("\n- 【超期提醒】综合") == 99
    assert "另有 401 条未逐条列出" in out.markdown and "共 401 条未逐条列出" in out.markdown


def test_watch_level_wording_is_the_watchlist_one() -> None:
    from types import SimpleNamespace

    from alerts.render import data_item
    from monitor.watchlist.levels import LEVEL_ZH

    assert LEVEL_ZH == {"info": "提示", "warning": "警示", "critical": "严重"}
    for level, word in LEVEL_ZH.items():
        alert = SimpleNamespace(
            id=1,
            kind="watch_hit",
            crisis=False,
            department=None,
            subject="news-cluster:3",
            stage="hit",
            data={"title": "某区欠薪", "terms": ["欠薪"], "level": level},
        )
        assert ("级别", word) in data_item(alert, None).fields


def test_one_alert_renders_bounded_text_whatever_was_stored() -> None:
    """A 40,000-character request title (stored before titles were capped, or by some
    future item builder) made 30 WeCom pieces and a 327 KB e-mail: compose cuts every
    item's title and fields, so one alert is one short piece."""
    from datetime import UTC, date, datetime
    from types import SimpleNamespace

    from alerts.disclosure import disclosure_item
    from alerts.render import FIELD_LIMIT, TITLE_LIMIT, compose

    now = datetime(2026, 11, 26, 2, tzinfo=UTC)
    request = SimpleNamespace(
        title="申请公开" * 10_000,
        department="审计科" * 1_000,
        applicant="张" * 150_000,
        contact="地址" * 10_000,
        channel="网上",
        first_received_at=now,
        corrected_at=None,
        correction_due=date(2026, 12, 1),
        due_date=date(2026, 12, 24),
        deadline=datetime(2026, 12, 24, 16, tzinfo=UTC),
        extension_days=0,
        provisional=False,
    )
    alert = SimpleNamespace(id=1, kind="disclosure_at_risk")
    out = compose([disclosure_item(alert, request, now)])
    assert len(out.markdown.encode()) < 4096  # one WeCom markdown piece
    assert len(out.html.encode()) < 8192 and len(out.text) < 2048
    assert "申请公开" * (TITLE_LIMIT // 4) not in out.markdown
    assert "审计科" * (FIELD_LIMIT // 3 + 1) not in out.markdown
