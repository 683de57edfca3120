"""意见征集 end to end on a real SQLite file (docs/consultations.md): the CLI's commands and JSON, windows
across 国庆 and 春节, the 采纳情况 clock on the working-day calendar, a short window told to the
office before it opens, feedback on time and late, and bad input refused with one Chinese
line and nothing changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from monitor.cli import main
from monitor.db.models import Alert
from tests.conftest import write_config

NOW = "2026-09-15T10:00"


def run(config: Path, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, ["--config", str(config), *args])
    assert result.exit_code == code, (result.output, result.stderr)
    if code:
        assert "Traceback" not in result.output and "Traceback" not in result.stderr
        assert result.stdout == ""
        return result.stderr
    return result.stdout


def make_config(tmp_path: Path, body: str = "", holidays: str | None = None) -> Path:
    path = write_config(tmp_path / "cfg", body, holidays)
    run(path, "init")
    return path


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return make_config(tmp_path)


def add(config: Path, opens: str, closes: str, *extra: str, now: str = NOW) -> dict:
    return json.loads(
        run(
            config,
            "consult",
            "add",
            "关于修订城市绿化管理办法的征求意见稿",
            "--opens",
            opens,
            "--closes",
            closes,
            "--now",
            now,
            "--json",
            *extra,
        )
    )


def listed(config: Path, now: str = "2027-06-30T10:00", state: str = "all") -> list[dict]:
    return json.loads(run(config, "consult", "list", "--state", state, "--now", now, "--json"))


def test_add_json_shape_and_a_window_closing_before_national_day(config: Path) -> None:
    doc = add(
        config, "2026-09-01", "2026-09-30", "--department", "综合科", "--url", "http://x.cn/1"
    )
    assert {"id", "window_days", "short", "feedback_due", "state"} <= set(doc)
    assert doc["id"] == 1 and doc["window_days"] == 29 and doc["short"] is True
    # the 15th working day after Wed 09-30: 国庆 10-01…10-07, Sat 10-10 is a make-up workday
    assert doc["feedback_due"] == "2026-10-27" and doc["deadline"] == "2026-10-28T00:00:00+08:00"
    assert doc["state"] == "collecting" and doc["provisional"] is False
    assert doc["department"] == "综合科" and doc["url"] == "http://x.cn/1"
    text = run(config, "consult", "list", "--now", "2026-10-20T10:00")
    assert "关于修订城市绿化管理办法" in text and "待公布采纳情况" in text and "（过短）" in text


@pytest.mark.parametrize(
    ("opens", "closes", "days", "due"),
    [
        # closing on a 国庆 holiday: as-is, the next working day (10-08) is day 1
        ("2026-09-01", "2026-10-01", 30, "2026-10-27"),
        # a window across 春节 (02-15…02-23 rest, Sat 02-14 and 02-28 are make-up workdays)
        ("2026-01-20", "2026-02-25", 36, "2026-03-17"),
        # closing the Friday before 春节
        ("2026-01-14", "2026-02-13", 30, "2026-03-12"),
        # 2025's 国庆 and 中秋 (10-01…10-08), make-up Sun 09-28 and Sat 10-11
        ("2025-08-31", "2025-09-30", 30, "2025-10-28"),
    ],
)
def test_windows_and_feedback_due_across_the_holidays(
    config: Path, opens: str, closes: str, days: int, due: str
) -> None:
    doc = add(config, opens, closes, now="2025-08-01T10:00")
    assert (doc["window_days"], doc["short"], doc["feedback_due"]) == (days, False, due)


def test_closing_on_a_rest_day_can_count_from_the_next_workday(tmp_path: Path) -> None:
    config = make_config(
        tmp_path, '[rules.consultation]\nclosing_on_rest_day = "next-workday"\nmin_days = 20\n'
    )
    doc = add(config, "2026-09-11", "2026-10-01")
    # deemed closed on Thu 10-08 (not counted): 15 working days later
    assert doc["feedback_due"] == "2026-10-28" and doc["window_days"] == 20
    assert doc["short"] is False and doc["min_days"] == 20


def test_dates_with_times_and_zones_are_counted_on_beijing_dates(config: Path) -> None:
    # 17:00Z on 09-19 is 01:00 on 09-20 in Beijing; the closing is at 23:30 on 10-20
    doc = add(config, "2026-09-19T17:00:00Z", "2026-10-20T23:30:00+08:00")
    assert doc["opens_on"] == "2026-09-20" and doc["closes_on"] == "2026-10-20"
    assert doc["window_days"] == 30 and doc["closes_at"] == "2026-10-20T23:30:00+08:00"
    # a plain date closes at 24:00 of that date
    doc = add(config, "2026-09-20T09:00", "2026-10-20")
    assert doc["closes_at"] == "2026-10-21T00:00:00+08:00" and doc["window_days"] == 30
    # a closing at 16:00Z is 00:00 on 10-21 in Beijing: the closing date is 10-21
    doc = add(config, "2026-09-20", "2026-10-20T16:00:00Z")
    assert doc["closes_on"] == "2026-10-21" and doc["window_days"] == 31


def test_short_window_is_told_to_the_office_before_it_opens(make_app, wecom, timing) -> None:
    from alerts.dispatch import dispatch
    from monitor.consultation.register import add_consultation
    from monitor.disclosure.register import Context
    from monitor.sweep import sweep
    from monitor.timeutil import parse_iso
    from tests.conftest import at, channels_toml

    routing = '[routing]\ndefault = ["office"]\n[routing.departments]\n"综合科" = ["zhk"]\n'
    app = make_app(channels_toml(wecom, routing=routing), now="2026-09-14T10:00")
    with app.session() as session:
        ctx = Context(app.config, app.calendar, app.now())
        row = add_consultation(
            session,
            ctx,
            "关于调整公共停车收费标准的征求意见稿（联系电话13912345678）",
            parse_iso("2026-09-21"),
            parse_iso("2026-10-08"),
            department="综合科",
        )
        assert row.short and row.window_days == 17
    sweep(at(app, "2026-09-15T10:00"))
    sweep(at(app, "2026-09-16T10:00"))  # once: no second alert
    assert dispatch(app, timing=timing).sent == 1
    [content] = wecom.contents("office")  # the office route, not the department's
    assert (
        "【意见征集期过短】" in content and "征集期：2026-09-21 至 2026-10-08（17 天）" in content
    )
    assert "不少于 30 天" in content and "尚未开始（2026-09-21 开始）" in content
    assert "13912345678" not in content
    assert wecom.contents("zhk") == []


def test_feedback_on_time_late_and_at_the_deadline_instant(config: Path) -> None:
    for _ in range(3):
        add(config, "2026-09-20", "2026-10-20")  # due 2026-11-10
    on_time = json.loads(
        run(config, "consult", "feedback", "1", "--at", "2026-11-10T24:00", "--json")
    )
    assert (
        on_time["state"] == "done_on_time" and on_time["feedback_at"] == "2026-11-11T00:00:00+08:00"
    )
    late = json.loads(
        run(config, "consult", "feedback", "2", "--at", "2026-11-11T00:00:01", "--json")
    )
    assert late["state"] == "done_late"
    out = run(
        config, "consult", "feedback", "3", "--at", "2026-10-21T09:00", "--url", "http://x.cn/fk"
    )
    assert "按时" in out
    states = {d["id"]: (d["state"], d["feedback_url"]) for d in listed(config)}
    assert states == {
        1: ("done_on_time", None),
        2: ("done_late", None),
        3: ("done_on_time", "http://x.cn/fk"),
    }
    assert listed(config, state="open") == []


def test_states_through_the_clock_and_open_means_not_done(config: Path) -> None:
    add(config, "2026-09-20", "2026-10-20")  # due 11-10 (Tue); 2wd = Mon 11-09
    add(config, "2026-09-20", "2026-10-20")
    run(config, "consult", "feedback", "2", "--at", "2026-10-30T10:00")
    for now, state in [
        ("2026-09-16T10:00", "collecting"),  # before it opens
        ("2026-10-20T23:59", "collecting"),  # comments taken until 24:00 of the closing date
        ("2026-10-21T00:00", "awaiting_feedback"),
        ("2026-11-08T23:59", "awaiting_feedback"),
        ("2026-11-09T00:00", "at_risk"),
        ("2026-11-10T23:59", "at_risk"),
        ("2026-11-11T00:00", "overdue"),
    ]:
        assert [(d["id"], d["state"]) for d in listed(config, now, "open")] == [(1, state)], now
    assert [d["id"] for d in listed(config, "2026-11-20T10:00", "done_on_time")] == [2]
    assert [d["id"] for d in listed(config, "2026-11-20T10:00", "overdue")] == [1]
    assert [d["id"] for d in listed(config, "2026-11-20T10:00")] == [1, 2]


def test_feedback_alerts_by_department_and_lapse_when_published(make_app, wecom, timing) -> None:
    from alerts.dispatch import dispatch
    from alerts.labels import stage_label, subject_labels
    from monitor.consultation.register import add_consultation, record_feedback
    from monitor.disclosure.register import Context
    from monitor.sweep import sweep
    from monitor.timeutil import parse_iso
    from tests.conftest import at, channels_toml

    routing = '[routing]\ndefault = ["office"]\n[routing.departments]\n"综合科" = ["zhk"]\n'
    app = make_app(channels_toml(wecom, routing=routing), now="2026-09-14T10:00")
    with app.session() as session:
        ctx = Context(app.config, app.calendar, app.now())
        for title in ("城市绿化管理办法（征求意见稿）", "公共停车管理办法（征求意见稿）"):
            add_consultation(
                session,
                ctx,
                title,
                parse_iso("2026-09-20"),
                parse_iso("2026-10-20"),
                department="综合科",
            )
    sweep(at(app, "2026-11-09T09:00"))  # the 2wd stage of both
    assert dispatch(app, timing=timing).sent == 2
    assert all("【意见采纳情况临期】" in c for c in wecom.contents("zhk"))
    assert "采纳情况公布期限：2026-11-10 24:00" in wecom.contents("zhk")[0]
    sweep(at(app, "2026-11-11T07:00"))  # overdue stage, held until office hours
    with app.session() as session:
        record_feedback(
            session, Context(app.config, app.calendar, app.now()), 1, parse_iso("2026-11-11T06:00")
        )
    result = dispatch(at(app, "2026-11-11T09:00"), timing=timing)
    assert result.skipped == 1 and result.sent == 1  # #1 was published meanwhile
    assert "【意见采纳情况超期】" in wecom.contents("zhk")[-1]
    assert "公共停车管理办法" in wecom.contents("zhk")[-1]
    with app.session() as session:
        alerts = list(session.scalars(select(Alert).order_by(Alert.id)))
        assert [(a.kind, a.stage) for a in alerts] == [
            ("consultation_feedback_at_risk", "2wd@20261110"),
            ("consultation_feedback_at_risk", "2wd@20261110"),
            ("consultation_feedback_overdue", "overdue@20261110"),
            ("consultation_feedback_overdue", "overdue@20261110"),
        ]
        assert subject_labels(session, alerts)[alerts[0].id].startswith("意见征集·城市绿化管理办法")
    assert stage_label("consultation_short", "short") == "征集期过短"
    assert stage_label("consultation_feedback_overdue", "overdue@20261110") == "已超期"


def test_a_year_the_calendar_does_not_know_is_provisional_until_added(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    doc = add(config, "2026-11-20", "2026-12-20", now="2026-11-01T10:00")
    assert doc["provisional"] is True and doc["feedback_due"] == "2027-01-08"
    (config.parent / "holidays.toml").write_text(
        '[years.2027]\nholidays = ["2027-01-01", "2027-01-04", "2027-01-05"]\n', "utf-8"
    )
    run(config, "sweep", "--now", "2026-12-01T10:00")
    [doc] = listed(config)
    assert doc["provisional"] is False and doc["feedback_due"] == "2027-01-13"


def snapshot(config: Path) -> str:
    return run(config, "consult", "list", "--state", "all", "--json", "--now", "2027-01-01")


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["feedback", "1", "--at", "2026-10-20T18:00"], 1, "早于征集截止 2026-10-20 24:00"),
        (["feedback", "1", "--at", "2026-10-01"], 1, "征集结束后才能公布采纳情况"),
        (["feedback", "9", "--at", "2026-11-01"], 4, "没有编号为 9 的意见征集"),
        (["feedback", "1", "--at", "2026-11-01", "--url", "javascript:x"], 1, "http://"),
        (["feedback", "1", "--at", "昨天"], 2, "不是有效的时间"),
        (["add", "x", "--opens", "2026-10-20", "--closes", "2026-10-01"], 1, "不晚于开始日期"),
        (["add", "x", "--opens", "2026-10-20T08:00", "--closes", "2026-10-20T18:00"], 1, "不晚于"),
        (["add", " ", "--opens", "2026-10-01", "--closes", "2026-10-31"], 1, "需要标题"),
        (["add", "x", "--opens", "2026-10-01"], 2, "--closes"),
        (["list", "--state", "replied"], 2, "--state"),
    ],
)
def test_bad_input_is_one_chinese_line_and_changes_nothing(
    config: Path, args: list[str], code: int, words: str
) -> None:
    add(config, "2026-09-20", "2026-10-20")
    before = snapshot(config)
    err = run(config, "consult", *args, code=code)
    assert words in err and err.count("\n") == 1 and err.startswith("error: ")
    assert snapshot(config) == before


def test_a_second_feedback_is_refused(config: Path) -> None:
    add(config, "2026-09-20", "2026-10-20")
    run(config, "consult", "feedback", "1", "--at", "2026-10-30T10:00")
    before = snapshot(config)
    err = run(config, "consult", "feedback", "1", "--at", "2026-10-31T10:00", code=1)
    assert "已于 2026-10-30 10:00 登记采纳情况" in err
    assert snapshot(config) == before
