"""After `calendar import-notice`, provisional deadlines become firm on the next sweep and the
office is told ONCE that the year is now known; the missing-year reminder says how to fix it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from alerts.dispatch import dispatch
from monitor.calendar_import import import_notice
from monitor.db.models import Message
from monitor.demo.sinks import FakeWecom
from monitor.sweep import sweep
from tests.conftest import add_message, at, channels_toml, outbox_rows

# Invented for these tests (the real 2027 schedule is not asserted anywhere): a notice in the
# State Council's form whose 元旦 makes Friday 2027-01-01 a holiday.
NOTICE_2027 = """国务院办公厅关于2027年部分节假日安排的通知
各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
　　经国务院批准，现将2027年元旦、清明节放假调休日期的具体安排通知如下。
　　一、元旦：1月1日（周五）至3日（周日）放假，共3天。
　　二、清明节：4月3日（周六）至5日（周一）放假，共3天。
国务院办公厅
"""


def kinds(app, kind: str) -> list[tuple[str, str, str]]:
    return [(r["subject"], r["stage"], r["status"]) for r in outbox_rows(app) if r["kind"] == kind]


def test_import_makes_deadlines_firm_and_tells_the_office_once(
    make_app, wecom: FakeWecom, timing
) -> None:  # noqa: F811
    app = make_app(channels_toml(wecom), now="2026-12-28T10:00")
    mid = add_message(app, "nye", "2026-12-28T09:00")
    sweep(app)
    assert kinds(app, "calendar_missing") == [("calendar:2027", "2026-12-28", "pending")]
    with app.session() as session:
        message = session.get(Message, mid)
        assert message.provisional and message.due_date == date(2027, 1, 4)

    plan, written = import_notice(NOTICE_2027, app.config.holidays_path)
    assert written and plan.year == 2027
    sweep(at(app, "2026-12-28T10:05"))
    with app.session() as session:
        message = session.get(Message, mid)
        assert not message.provisional and message.due_date == date(2027, 1, 5)
    known = kinds(app, "calendar_known")
    assert len(known) == 1 and known[0][0] == "calendar:2027" and known[0][2] == "pending"
    # the reminder that was still waiting is no longer true: it is not sent
    assert kinds(app, "calendar_missing") == [("calendar:2027", "2026-12-28", "skipped")]
    dispatch(app, timing=timing)
    text = "\n".join(wecom.contents())
    assert "2027 年节假日安排已生效" in text and "放假 6 天" in text
    assert "节假日安排缺失" not in text

    # not a daily nag: later sweeps add nothing about 2027
    for when in ("2026-12-28T15:00", "2026-12-29T09:30", "2027-01-04T09:30"):
        sweep(at(app, when))
    assert len(kinds(app, "calendar_known")) == 1
    assert len(kinds(app, "calendar_missing")) == 1


def test_an_amendment_is_announced_once_more(make_app) -> None:
    app = make_app(now="2026-12-28T10:00")
    import_notice(NOTICE_2027, app.config.holidays_path)
    sweep(app)
    import_notice(
        NOTICE_2027.replace("关于2027年部分节假日安排", "关于延长2027年元旦假期")
        .replace(
            "一、元旦：1月1日（周五）至3日（周日）放假，共3天。",
            "一、延长2027年元旦假期至1月4日（周一），1月5日起正常上班。",
        )
        .replace("二、清明节：4月3日（周六）至5日（周一）放假，共3天。", ""),
        app.config.holidays_path,
    )
    sweep(at(app, "2026-12-28T10:05"))
    sweep(at(app, "2026-12-28T11:00"))
    assert len(kinds(app, "calendar_known")) == 2
    assert not app.calendar.is_workday(date(2027, 1, 4))


def test_missing_year_reminder_says_exactly_how_to_fix_it(
    make_app, wecom: FakeWecom, timing
) -> None:  # noqa: F811
    app = make_app(channels_toml(wecom), now="2026-12-01T09:30")
    sweep(app)
    dispatch(app, timing=timing)
    text = "\n".join(wecom.contents())
    assert "opinion-monitor calendar import-notice 通知.txt" in text
    assert "/calendar" in text and "国务院办公厅关于2027年部分节假日安排的通知" in text


def test_past_years_in_the_file_are_not_announced(make_app) -> None:
    app = make_app(now="2026-12-28T10:00", holidays='[years.2025]\nholidays = ["2025-01-01"]\n')
    sweep(app)
    assert kinds(app, "calendar_known") == []
    with app.session() as session:
        assert session.scalars(select(Message)).all() == []
