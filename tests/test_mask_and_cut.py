"""Issue 23 item 2: a personal number that straddles a cut never leaves partly unmasked.

Titles used to be cut to 100 characters before they were masked, so an ID number cut after
16 of its 18 digits (or a phone after 9 of 11) was no longer a number to the masking rule
and went out as typed. Now every renderer masks first and cuts with the one function
(`monitor.masking.mask_and_cut`), never inside a masked run. The attack, for every renderer:
an ID number and a phone number placed at every position across every cut (the compact
line's 40, the e-mail subject's 60, the title's 100, a field's 200, the summary's table
columns, `alerts list`'s subject column, the report chart's label)."""

from __future__ import annotations

import html
import json
import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from alerts.channels.email import EmailChannel, EmailNotifier
from alerts.channels.wecom import WecomChannel, WecomNotifier
from alerts.disclosure import disclosure_item
from alerts.dispatch import dispatch
from alerts.labels import SUBJECT_COLUMNS, subject_labels
from alerts.render import (
    COMPACT_LIMIT,
    FIELD_LIMIT,
    SUBJECT_LIMIT,
    TITLE_LIMIT,
    Outgoing,
    compose,
    data_item,
    message_item,
    milestone_item,
)
from alerts.summary import Row, Summary, build_summary, enqueue_summary
from monitor.db.models import Alert
from monitor.demo.sinks import FakeWecom, SmtpSink
from monitor.disclosure.register import Context, add_request
from monitor.masking import fold, mask_and_cut
from monitor.report.charts import punctuality_bars
from monitor.sweep import sweep
from monitor.texttable import display_width
from monitor.timeutil import parse_iso
from monitor.tracking import declare_event
from tests.conftest import add_message, at

ID = "34150119900101123X"
PHONE = "13812345678"
# secret → (a prefix that must never show, its masked form)
SECRETS = {ID: ("341", "34**************3X"), PHONE: ("1381", "138****5678")}
LIMITS = (10, COMPACT_LIMIT, SUBJECT_LIMIT, TITLE_LIMIT, FIELD_LIMIT)
POSITIONS = range(TITLE_LIMIT + 6)  # the secret starts at each of these, across every cut
NOW = parse_iso("2026-11-26T10:00")


def titled(position: int, secret: str, fill: str = "留") -> str:
    return f"{fill * position}{secret}{'言' * 30}"


def assert_no_leak(text: str) -> None:
    """No digits of a secret beyond what masking shows, and no masked run cut short."""
    folded = fold(html.unescape(text))
    for leak, masked in SECRETS.values():
        assert leak not in folded, (leak, text)
        start = masked[:3] if masked[2] == "*" else masked[:4]  # "34*" / "138*"
        for found in re.finditer(re.escape(start), folded):
            assert folded.startswith(masked, found.start()), (masked, text)


# -- the one function -----------------------------------------------------------------------


@pytest.mark.parametrize("secret", SECRETS)
def test_mask_and_cut_never_leaves_a_number_partly_unmasked(secret: str) -> None:
    for position in range(FIELD_LIMIT + 6):
        text = titled(position, secret)
        for limit in LIMITS:
            out = mask_and_cut(text, limit)
            assert_no_leak(out)
            assert len(out) <= limit
            assert out.endswith("…") == (len(text) - len(secret) + len(SECRETS[secret][1]) > limit)
        for columns in (24, 40):
            out = mask_and_cut(text, columns, width=display_width)
            assert_no_leak(out)
            assert display_width(out) <= columns
    # the masked run goes whole or not at all; uncut text is only masked
    assert mask_and_cut("电话" + PHONE + "请回复", 8) == "电话…"
    assert mask_and_cut("电话" + PHONE + "请回复", 14) == "电话138****5678…"
    assert mask_and_cut("电话\n138\n1234 5678") == "电话 138****5678"  # typed across lines


# -- alerts: every item builder, every format, detailed and compact -------------------------


def _items(secret: str, position: int) -> list:
    """One item of each builder, the secret at `position` in its title (and a field)."""
    alert = SimpleNamespace(id=position, kind="reply_overdue", crisis=False)
    message = SimpleNamespace(
        id=position,
        title=titled(position, secret),
        department=titled(position + FIELD_LIMIT - TITLE_LIMIT, secret, "科"),
        author="张三",
        posted_at=NOW - timedelta(days=20),
        due_date=date(2026, 11, 20),
        deadline=parse_iso("2026-11-21T00:00"),
        provisional=False,
        url="http://portal.example/1",
        replied_at=None,
        state="overdue",
    )
    event = SimpleNamespace(
        title=titled(position, secret), level="major", started_at=NOW - timedelta(hours=6)
    )
    milestone = SimpleNamespace(name="publish", deadline=NOW - timedelta(hours=1), event=event)
    watch = SimpleNamespace(
        id=position,
        kind="watch_hit",
        crisis=False,
        department=None,
        subject="news-cluster:1",
        stage="hit",
        data={"title": titled(position, secret), "terms": ["欠薪"], "level": "warning"},
    )
    request = SimpleNamespace(
        title=titled(position, secret),
        department="审计科",
        applicant="李四",
        contact=secret,
        channel="网上",
        first_received_at=NOW - timedelta(days=10),
        corrected_at=None,
        correction_due=date(2026, 11, 20),
        due_date=date(2026, 12, 10),
        deadline=parse_iso("2026-12-11T00:00"),
        extension_days=0,
        provisional=False,
    )
    reply = SimpleNamespace(
        id=position,
        kind="reply_perfunctory",
        crisis=False,
        department=None,
        subject=f"message:{position}",
        stage="flagged",
        data={
            "title": titled(position, secret),
            "department": "综合科",
            "labels": ["答非所问"],
            "evidence": [titled(position + FIELD_LIMIT - TITLE_LIMIT, secret, "据")],
        },
    )
    return [
        data_item(reply, NOW),
        message_item(alert, message, NOW, "http://board.example"),
        milestone_item(SimpleNamespace(id=position, kind="crisis_overdue"), milestone, NOW),
        data_item(watch, NOW),
        disclosure_item(SimpleNamespace(id=position, kind="disclosure_at_risk"), request, NOW),
    ]


def _wecom(format_: str) -> WecomNotifier:
    settings = WecomChannel(kind="wecom", webhook="http://127.0.0.1:9/x", format=format_)
    return WecomNotifier("office", settings, timing=None)  # type: ignore[arg-type]


def _email() -> EmailNotifier:
    settings = EmailChannel(kind="email", smtp="smtp://127.0.0.1:9", to=["office@example.gov"])
    return EmailNotifier("office-mail", settings, timing=None)  # type: ignore[arg-type]


def _every_form(out: Outgoing) -> list[str]:
    """What leaves: the WeCom pieces (markdown and text) and the e-mail as the server reads it."""
    texts = [out.title, out.markdown, out.text, out.html]
    for notifier in (_wecom("markdown"), _wecom("text")):
        texts += [json.dumps(p, ensure_ascii=False) for p in notifier.pieces(out)]
    mail = _email().build(out)
    texts += [str(mail["Subject"]), mail.get_body(("plain",)).get_content()]
    texts.append(mail.get_body(("html",)).get_content())
    for part in mail.iter_attachments():
        content = part.get_content()
        texts.append(content if isinstance(content, str) else content.decode("utf-8-sig"))
    return texts


@pytest.mark.parametrize("secret", SECRETS)
def test_every_alert_renderer_masks_before_it_cuts(secret: str) -> None:
    compact = []
    for position in POSITIONS:
        items = _items(secret, position)
        compact += items
        for item in items:  # one alert: every field in full, the title cut at 100
            for text in _every_form(compose([item])):
                assert_no_leak(text)
    digest = compose(compact)  # a digest: one line per alert, the title cut at 40
    assert "【超期提醒】" in digest.markdown and "…" in digest.markdown
    for text in _every_form(digest):
        assert_no_leak(text)


def test_the_daily_summary_in_every_form_masks_before_it_cuts() -> None:
    rows = [
        Row(titled(p, s, "科"), titled(p, s), NOW, date(2026, 11, 20), None, "portal", 3)
        for s in SECRETS
        for p in POSITIONS
    ]
    summary = Summary(
        day=date(2026, 11, 26),
        now=NOW,
        next_day=date(2026, 11, 27),
        since=date(2026, 11, 25),
        overdue=rows,
        due_today=rows,
        due_next=rows,
        crises=[
            {
                "id": 1,
                "title": titled(p, s),
                "level": "重大",
                "milestone": "首次发布",
                "deadline": "11-26 15:00",
                "clock": "已超时 1 小时",
                "level_code": "major",
                "milestone_code": "publish",
                "deadline_at": NOW,
            }
            for s in SECRETS
            for p in POSITIONS
        ],
        watch=[
            {"cluster": p, "title": titled(p, s), "count": 2, "terms": ["欠薪"]}
            for s in SECRETS
            for p in POSITIONS
        ],
        reply_flags=[
            {
                "message_id": p,
                "department": titled(p, s, "科"),
                "title": titled(p, s),
                "reasons": ["off_topic"],
                "labels": ["答非所问"],
            }
            for s in SECRETS
            for p in POSITIONS
        ],
    )
    for text in [
        summary.text(),
        summary.plain(),
        summary.markdown(),
        summary.html(),
        summary.csv(),
        json.dumps(summary.as_dict(), ensure_ascii=False),
        *_every_form(summary.outgoing()),
    ]:
        assert_no_leak(text)


def test_the_report_chart_label_masks_before_it_cuts() -> None:
    for secret in SECRETS:
        for position in range(14):
            svg = punctuality_bars("按时率", [(titled(position, secret, "科"), 0.5, 3)])
            assert_no_leak(svg)


# -- the real path: a database, the sweep, the dispatcher, a robot and a mailbox ------------


def test_through_the_outbox_to_wecom_and_email_and_the_summary(
    make_app, wecom: FakeWecom, smtp: SmtpSink, timing
) -> None:
    """The same attack through the product: overdue messages, crises and 依申请公开 requests
    titled with the secret at each position, swept, dispatched to a markdown robot, a text
    robot and a mailbox; then the daily summary sent to all three, and `alerts list`'s
    subjects."""
    channels = f"""
[channels.office]
kind = "wecom"
webhook = "{wecom.url("md")}"
[channels.office-text]
kind = "wecom"
webhook = "{wecom.url("text")}"
format = "text"
[channels.office-mail]
kind = "email"
smtp = "{smtp.url()}"
to = ["office@example.gov.cn"]

[routing]
default = ["office", "office-text", "office-mail"]
crisis = ["office", "office-text", "office-mail"]
"""
    app = make_app(channels, now="2026-11-02T10:00")
    cuts = [*range(24), *range(TITLE_LIMIT - 24, TITLE_LIMIT + 6)]  # the table's and the title's
    with app.session() as session:
        ctx = Context(app.config, app.calendar, app.now())
        for secret in SECRETS:
            for p in cuts:
                add_request(session, ctx, titled(p, secret), app.now(), department="审计科")
                declare_event(
                    session, titled(p, secret), "major", NOW - timedelta(hours=6), app.config, NOW
                )
    for n, secret in enumerate(SECRETS):
        for p in POSITIONS:
            add_message(app, f"m{n}-{p}", "2026-11-02T09:00", title=titled(p, secret))
    sweep(at(app, "2026-11-26T10:00"))
    assert dispatch(app, timing=timing).sent > 2 * len(POSITIONS)
    assert enqueue_summary(app, date(2026, 11, 26))
    assert dispatch(app, timing=timing).sent == 1
    received = wecom.contents("md") + wecom.contents("text")
    assert any("每日超期汇总" in c for c in received) and len(smtp.messages) >= 2
    for text in received:
        assert_no_leak(text)
    for mail in smtp.messages:
        assert_no_leak(str(mail["Subject"]))
        for part in mail.walk():
            if not part.is_multipart():
                content = part.get_content()
                assert_no_leak(content if isinstance(content, str) else content.decode("utf-8-sig"))
    summary = build_summary(app, date(2026, 11, 26))
    assert len(summary.overdue) >= 2 * len(POSITIONS)
    for text in (summary.text(), json.dumps(summary.as_dict(), ensure_ascii=False)):
        assert_no_leak(text)
    with app.session() as session:
        labels = subject_labels(session, list(session.scalars(select(Alert))))
    for label in labels.values():
        assert_no_leak(label)
        assert display_width(label) <= SUBJECT_COLUMNS
