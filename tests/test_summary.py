"""The daily summary on a fixed now: overdue by department with days overdue, due today and
on the next working day, replies with punctuality, crisis clocks, watch hits by story,
unhealthy sources, the calendar warning; once per day in the outbox; `summary --send`
delivers WeCom markdown and an e-mail with the CSV attachment."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

from click.testing import CliRunner

from alerts.summary import build_summary, enqueue_summary
from monitor.cli import main
from monitor.db.models import Message, NewsItem, Source, WatchHit
from monitor.demo.sinks import FakeWecom, SmtpSink
from monitor.timeutil import parse_iso
from monitor.tracking import declare_event, mark_replied
from tests.conftest import add_message, at, channels_toml, outbox_rows

DAY = date(2026, 11, 26)  # Thursday


def populate(app) -> None:
    """Thu 2026-11-26 09:00: two overdue (综合科 3 days, 财政科 1 day), one due today, one due
    Friday, two replied on Wednesday (one late), a crisis, a watch hit, a broken source."""
    add_message(
        app, "o1", "2026-11-16T09:00", department="综合科", title="供暖不足 电话13812345678"
    )  # due 11-23
    add_message(app, "o2", "2026-11-18T09:00", department="财政科", title="补贴未发放")  # due 11-25
    add_message(app, "t1", "2026-11-19T09:00", department="综合科", title="今日到期")  # due 11-26
    add_message(app, "n1", "2026-11-20T09:00", department="财政科", title="明日到期")  # due 11-27
    r1 = add_message(
        app, "r1", "2026-11-17T09:00", department="综合科", title="按时回复"
    )  # due 11-24
    r2 = add_message(
        app, "r2", "2026-11-10T09:00", department="综合科", title="逾期回复"
    )  # due 11-17
    with app.session() as session:
        now = app.now()
        mark_replied(session.get(Message, r1), parse_iso("2026-11-24T16:00"), False, now)
        mark_replied(session.get(Message, r2), parse_iso("2026-11-25T10:00"), False, now)
        session.get(Message, r1).replied_at = parse_iso("2026-11-25T16:00")  # replied Wednesday
        declare_event(
            session, "化工厂异味", "major", parse_iso("2026-11-26T07:00"), app.config, now
        )
        session.add(
            Source(
                name="luan-bxcy",
                healthy=False,
                reason="HTTP 521 挑战页",
                last_success=parse_iso("2026-11-25T20:00"),
            )
        )
        for i, outlet in enumerate(["甲报", "乙网"]):
            news = NewsItem(
                source="news",
                url=f"http://news.example/{i}",
                title="某区欠薪引关注",
                outlet=outlet,
                content_hash=f"h{i}",
                cluster=7,
                first_seen=now,
            )
            session.add(news)
            session.flush()
            session.add(
                WatchHit(
                    subject=f"news:{news.id}",
                    term="欠薪",
                    level="warning",
                    confidence=1.0,
                    found_at=parse_iso("2026-11-26T08:00"),
                )
            )


def test_summary_content_on_a_fixed_now(make_app) -> None:
    app = make_app(now="2026-11-26T09:00")
    populate(app)
    s = build_summary(app, DAY)
    assert [(r.department, r.title[:4], r.days_overdue) for r in s.overdue] == [
        ("综合科", "供暖不足", 3),
        ("财政科", "补贴未发", 1),
    ]
    assert [r.title for r in s.due_today] == ["今日到期"]
    assert s.next_day == date(2026, 11, 27) and [r.title for r in s.due_next] == ["明日到期"]
    assert s.since == date(2026, 11, 25)
    p = s.replied["综合科"]
    assert (p.on_time, p.late, p.rate(p.on_time, p.late)) == (1, 1, "50%")
    assert [(c["milestone"], c["deadline"], c["clock"]) for c in s.crises] == [
        ("发布权威信息", "2026-11-26 12:00", "剩余 3 小时"),
        ("召开新闻发布会", "2026-11-27 07:00", "剩余 22 小时"),
    ]
    assert s.watch == [{"cluster": 7, "title": "某区欠薪引关注", "count": 2, "terms": ["欠薪"]}]
    assert s.unhealthy[0]["name"] == "luan-bxcy"
    assert "2027" in s.calendar_warning
    text = s.text()
    assert (
        "超期 2 条，今日到期 1 条" in text and "13812345678" not in text and "138****5678" in text
    )
    md = s.markdown()
    assert "**综合科**（1 条）" in md and '超期 <font color="warning">3</font> 天' in md
    assert "按时率 50%" in md and "化工厂异味" in md and "某区欠薪引关注（2 篇" in md
    rows = list(csv.reader(io.StringIO(s.csv())))
    assert rows[0][:5] == ["部门", "标题", "来信时间", "截止日期", "超期天数"]
    assert [r[0] for r in rows[1:]] == ["综合科", "财政科"] and rows[1][4] == "3"
    assert "13812345678" not in s.csv()
    assert "<table" in s.html() and "化工厂异味" in s.html()


def test_summary_on_monday_counts_replies_since_friday(make_app) -> None:
    app = make_app(now="2026-11-30T09:00")
    mid = add_message(app, "r", "2026-11-23T09:00", department="综合科")
    with app.session() as session:
        mark_replied(
            session.get(Message, mid), parse_iso("2026-11-28T10:00"), False, app.now()
        )  # Saturday
    s = build_summary(app, date(2026, 11, 30))
    assert s.since == date(2026, 11, 27) and s.replied["综合科"].on_time == 1


def test_csv_cells_cannot_become_formulas(make_app) -> None:
    app = make_app(now="2026-11-26T09:00")
    add_message(app, "f", "2026-11-16T09:00", department='=HYPERLINK("http://evil")', title="+1+1")
    rows = list(csv.reader(io.StringIO(build_summary(app, DAY).csv())))
    assert rows[1][0].startswith("'=") and rows[1][1] == "'+1+1"


def test_enqueue_summary_once_a_day(make_app) -> None:
    app = make_app(now="2026-11-26T08:30")
    assert enqueue_summary(app, DAY) is True
    assert enqueue_summary(app, DAY) is False
    [row] = outbox_rows(app)
    assert (row["kind"], row["subject"], row["stage"]) == (
        "daily_summary",
        "summary:2026-11-26",
        "daily",
    )


def test_summary_send_delivers_markdown_and_mail_with_csv(
    make_app, wecom: FakeWecom, smtp: SmtpSink
) -> None:
    body = channels_toml(wecom, smtp) + '\n[summary]\nchannels = ["office", "office-mail"]\n'
    app = make_app(body, now="2026-11-26T09:00")
    populate(app)
    cfg = str(app.config.path)
    printed = CliRunner().invoke(
        main, ["--config", cfg, "summary", "--date", "2026-11-26", "--now", "2026-11-26T09:00"]
    )
    assert printed.exit_code == 0 and "一、超期未回复（2 条）" in printed.output
    assert wecom.messages == [] and smtp.messages == []  # printing sends nothing
    sent = CliRunner().invoke(
        main,
        ["--config", cfg, "summary", "--send", "--date", "2026-11-26", "--now", "2026-11-26T07:00"],
    )  # before office hours: still sent
    assert sent.exit_code == 0, sent.output
    [content] = wecom.contents("office")
    assert content.startswith("## 【每日超期汇总】2026-11-26") and "供暖不足" in content
    [mail] = smtp.messages
    assert mail["Subject"].startswith("【每日超期汇总】2026-11-26")
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == "overdue-2026-11-26.csv"
    assert "补贴未发放" in attachment.get_payload(decode=True).decode("utf-8-sig")
    again = CliRunner().invoke(
        main,
        ["--config", cfg, "summary", "--send", "--date", "2026-11-26", "--now", "2026-11-26T07:05"],
    )
    assert again.exit_code == 0 and len(wecom.messages) == 1 and len(smtp.messages) == 1


def test_bad_date_is_a_clear_error(make_app) -> None:
    app = make_app()
    result = CliRunner().invoke(
        main, ["--config", str(app.config.path), "summary", "--date", "26/11"]
    )
    assert result.exit_code == 2 and "不是日期" in result.output


def test_summary_date_is_evaluated_at_its_summary_time(make_app) -> None:
    """--date D without --now: everything as of D at [summary] at (08:30), not the real now."""
    app = make_app(now="2026-11-26T09:00")
    populate(app)
    cfg = str(app.config.path)
    printed = CliRunner().invoke(main, ["--config", cfg, "summary", "--date", "2026-11-26"])
    assert printed.exit_code == 0, printed.output
    assert "统计时间：2026-11-26 08:30" in printed.output
    assert "发布权威信息 截止 2026-11-26 12:00，剩余 3 小时 30 分钟" in printed.output
    assert "超期 2 条" in printed.output
    pinned = CliRunner().invoke(
        main, ["--config", cfg, "summary", "--date", "2026-11-26", "--now", "2026-11-26T13:00"]
    )
    assert "统计时间：2026-11-26 13:00" in pinned.output and "已超时 1 小时" in pinned.output


def test_summary_json_has_iso_times_and_level_codes(make_app) -> None:
    app = make_app(now="2026-11-26T09:00")
    populate(app)
    result = CliRunner().invoke(
        main, ["--config", str(app.config.path), "summary", "--date", "2026-11-26", "--json"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["date"] == "2026-11-26" and doc["as_of"] == "2026-11-26T08:30:00+08:00"
    assert (doc["overdue"], doc["due_today"], doc["due_next"]) == (2, 1, 1)
    assert [(c["level"], c["milestone"], c["deadline"], c["overdue"]) for c in doc["crises"]] == [
        ("major", "publish", "2026-11-26T12:00:00+08:00", False),
        ("major", "press_conference", "2026-11-27T07:00:00+08:00", False),
    ]
    assert doc["unhealthy"] == [
        {
            "name": "luan-bxcy",
            "source_title": "luan-bxcy",  # not configured here: shown by its key
            "reason": "HTTP 521 挑战页",
            "last_success": "2026-11-25T20:00:00+08:00",
        }
    ]
    assert "（重大）" in doc["text"]  # the labels stay in the human text


def test_summary_send_retries_now_and_reports_this_attempt(make_app, wecom: FakeWecom) -> None:
    app = make_app(channels_toml(wecom), now="2026-11-26T08:30")
    populate(app)
    cfg = str(app.config.path)
    send = ["--config", cfg, "summary", "--send", "--date", "2026-11-26"]
    wecom.fail_with(93000)  # the robot's key is invalid
    failed = CliRunner().invoke(main, [*send, "--now", "2026-11-26T08:30"])
    assert failed.exit_code == 1 and "channels.office" in failed.output and "93000" in failed.output
    wecom.fail_with(None)  # fixed; still inside the failed attempt's backoff
    fixed = CliRunner().invoke(main, [*send, "--now", "2026-11-26T08:30:20", "--json"])
    assert fixed.exit_code == 0, fixed.output
    doc = json.loads(fixed.output)
    assert (doc["status"], doc["error"], doc["channels"], doc["failed_channels"]) == (
        "sent",
        None,
        ["office"],
        [],
    )
    assert "93000" not in fixed.output
    [content] = wecom.contents("office")
    assert content.startswith("## 【每日超期汇总】2026-11-26")
    again = CliRunner().invoke(main, [*send, "--now", "2026-11-26T08:40"])
    assert (
        again.exit_code == 0 and "此前已发送" in again.output and len(wecom.contents("office")) == 1
    )


def test_summary_send_failure_names_the_channel(make_app, wecom: FakeWecom) -> None:
    app = make_app(channels_toml(wecom), now="2026-11-26T08:30")
    app.sessions  # the database exists (as `init` would have made it)
    wecom.fail_with(93000)
    cfg = str(app.config.path)
    result = CliRunner().invoke(
        main,
        [
            "--config",
            cfg,
            "summary",
            "--send",
            "--date",
            "2026-11-26",
            "--now",
            "2026-11-26T08:30",
            "--json",
        ],
    )
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert (
        doc["status"] == "pending"
        and doc["failed_channels"] == ["office"]
        and "93000" in doc["error"]
    )
    assert "汇总未能通过渠道 企业微信群（office） 发送" in result.stderr
    assert result.stderr.count("errcode 93000") == 1  # the reason once, not once per phase


def test_a_past_summary_is_as_of_its_date(make_app) -> None:
    """`summary --date 2026-11-26` run on 12-01 lists what was wrong on 11-26 at 08:30: not a
    source problem that began on 12-01, not a message posted later, and a message replied on
    11-30 still as overdue."""
    app = make_app(now="2026-11-16T10:00")
    add_message(app, "late", "2026-11-16T09:00", title="当时超期")  # due 11-23
    at(app, "2026-11-30T10:00")
    add_message(app, "new", "2026-11-27T09:00", title="后来才来信")
    at(app, "2026-12-01T10:00")
    with app.session() as session:
        from sqlalchemy import select

        message = session.scalars(select(Message).where(Message.external_id == "late")).one()
        mark_replied(message, parse_iso("2026-11-30T09:00"), False, app.now())
        session.add(
            Source(
                name="broke-later",
                healthy=False,
                reason="HTTP 521 挑战页",
                last_success=parse_iso("2026-12-01T06:00"),
                last_error=parse_iso("2026-12-01T08:00"),
                consecutive_failures=1,
            )
        )
        session.add(
            Source(
                name="broken-then",
                healthy=False,
                reason="DNS 解析失败",
                last_success=parse_iso("2026-11-25T20:00"),
            )
        )
    result = CliRunner().invoke(
        main, ["--config", str(app.config.path), "summary", "--date", "2026-11-26", "--json"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [u["name"] for u in doc["unhealthy"]] == ["broken-then"]
    assert "当时超期" in result.stdout and "后来才来信" not in result.stdout
    today = build_summary(app, date(2026, 12, 1))
    assert [u["name"] for u in today.unhealthy] == ["broke-later", "broken-then"]


def test_summary_send_without_a_channel_says_so_in_chinese(make_app) -> None:
    app = make_app(now="2026-11-26T08:30")  # no [channels.NAME], no [routing] default
    app.sessions  # the database exists (as `init` would have made it)
    result = CliRunner().invoke(
        main,
        ["--config", str(app.config.path), "summary", "--send", "--date", "2026-11-26"],
    )
    assert result.exit_code == 1
    assert "汇总未能通过渠道 无 发送：没有渠道接收这条提醒" in result.stderr, result.stderr
    assert "no channel" not in result.output


def test_summary_send_while_another_dispatcher_holds_it_says_so_in_chinese(
    make_app, wecom: FakeWecom, monkeypatch
) -> None:
    """The daemon's dispatcher claims the summary between send_summary making it due and its
    own dispatch: nothing is sent twice, and the person is told why in Chinese."""
    import alerts.actions
    from alerts.actions import send_summary
    from alerts.dispatch import dispatch
    from alerts.dispatch.claims import claim

    app = make_app(channels_toml(wecom), now="2026-11-26T08:30")

    def daemon_first(app, moment, **kw):
        with app.sessions() as session:
            assert len(claim(session, moment, claimant="daemon:1@elsewhere")) == 1
        return dispatch(app, moment, **kw)

    monkeypatch.setattr(alerts.actions, "dispatch", daemon_first)
    from monitor.daemon import DaemonLock

    lock = DaemonLock(app.config.database_url)  # that daemon is alive: it holds the lock
    assert lock.acquire()
    try:
        sent = send_summary(app, DAY, app.now())
    finally:
        lock.release()
    assert not sent.ok and wecom.messages == []
    assert sent.error is not None and sent.error.startswith("另一个发送进程正在发送这份汇总")
    assert "alerts list" in sent.error
