"""The board (/): states at now per department, soonest first, time left, filters, escaping;
and the SQL state conditions agree with deadlines.message_state."""

from __future__ import annotations

from datetime import timedelta

import pytest

from monitor.app import fixed_clock
from tests.conftest import add_message
from tests.web_helpers import client_as, web_for

HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>"


@pytest.fixture
def app(make_app):
    app = make_app(now="2026-11-26T10:00")  # Thursday
    add_message(app, "old", "2026-11-16T09:00", department="综合科", title="早就超期的留言")
    add_message(app, "risk", "2026-11-20T09:00", department="审计一科", title="临期的留言")
    add_message(app, "new", "2026-11-25T09:00", department="综合科", title=HOSTILE)
    add_message(app, "nodept", "2026-11-24T09:00", department=None, title="无部门留言")
    return app


def test_board_groups_by_state_and_department_soonest_first(app):
    client = client_as(web_for(app), "viewer")
    page = client.get("/").get_data(as_text=True)
    assert "超期 1 · 临期 1 · 办理中 2" in page
    assert page.index("早就超期的留言") < page.index("临期的留言") < page.index("无部门留言")
    assert "已超期 3 个工作日" in page  # due 11-23: 24, 25, 26 passed
    assert "（未指定部门）" in page
    assert "还剩 2 个工作日" in page  # 临期的留言: due Fri 11-27, today counts


def test_hostile_titles_are_escaped(app):
    page = client_as(web_for(app), "viewer").get("/").get_data(as_text=True)
    assert HOSTILE not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_filters_by_department_state_and_source(app):
    client = client_as(web_for(app), "viewer")
    page = client.get("/?department=综合科").get_data(as_text=True)
    assert "早就超期的留言" in page and "临期的留言" not in page
    page = client.get("/?state=at_risk").get_data(as_text=True)
    assert "临期的留言" in page and "早就超期的留言" not in page
    page = client.get("/?source=elsewhere").get_data(as_text=True)
    assert "没有待办留言" in page
    page = client.get("/?department=（未指定部门）").get_data(as_text=True)
    assert "无部门留言" in page and "临期的留言" not in page


def test_states_are_evaluated_at_now_not_the_last_sweep(app):
    web = web_for(app)
    client = client_as(web, "viewer")
    app.clock = fixed_clock(app.now() + timedelta(days=30))  # no sweep in between
    page = client.get("/").get_data(as_text=True)
    assert "超期 4 · 临期 0 · 办理中 0" in page


def test_sql_state_conditions_match_message_state(app):
    from sqlalchemy import select

    from monitor.board import BOARD_STATES, state_condition
    from monitor.db.models import Message
    from monitor.deadlines import message_state

    base = app.now()
    with app.session() as session:
        messages = session.scalars(select(Message)).all()
        for hours in range(-24 * 20, 24 * 20, 7):
            moment = base + timedelta(hours=hours)
            for state in BOARD_STATES:
                ids = set(session.scalars(select(Message.id).where(state_condition(state, moment))))
                expected = {
                    m.id
                    for m in messages
                    if message_state(m.deadline, m.first_warning_at, moment).value == state
                }
                assert ids == expected, (moment, state)


def test_time_left_in_hours_inside_a_day_and_working_days_beyond(app):
    from datetime import date

    from monitor.board import time_left
    from monitor.timeutil import end_of_day, parse_iso

    due = date(2026, 11, 27)  # Friday
    deadline = end_of_day(due)
    cal = app.calendar
    assert time_left(deadline, due, parse_iso("2026-11-27T19:00"), cal) == "还剩 5 小时"
    assert time_left(deadline, due, parse_iso("2026-11-27T23:30"), cal) == "还剩 30 分钟"
    assert time_left(deadline, due, parse_iso("2026-11-26T09:00"), cal) == "还剩 2 个工作日"
    assert time_left(deadline, due, parse_iso("2026-11-28T02:00"), cal) == "已超期 2 小时"
    assert time_left(deadline, due, parse_iso("2026-12-01T10:00"), cal) == "已超期 2 个工作日"


def test_crisis_clocks_and_problems_are_on_top(app):
    from monitor.timeutil import parse_iso
    from monitor.tracking import declare_event

    with app.session() as session:
        declare_event(
            session, "化工厂爆炸", "major", parse_iso("2026-11-26T08:00"), app.config, app.now()
        )
    page = client_as(web_for(app), "viewer").get("/").get_data(as_text=True)
    assert "化工厂爆炸" in page and 'data-deadline="2026-11-26T13:00:00+08:00"' in page
    assert page.index("化工厂爆炸") < page.index("待办留言")


def test_department_counts_are_exact_at_any_now_even_when_stored_states_are_stale(app):
    """The counts start from stored states and correct the stale ones: compare with
    message_state row by row, at times before and after the last sweep."""
    from collections import Counter

    from sqlalchemy import select

    from monitor.board import NO_DEPARTMENT, BoardFilter, department_counts
    from monitor.db.models import Message
    from monitor.deadlines import message_state
    from monitor.sweep import sweep

    base = app.now()
    for offset in (0, 5, -3):  # a sweep at three moments leaves different stored states
        sweep(app, base + timedelta(days=offset))
        with app.session() as session:
            messages = session.scalars(select(Message)).all()
            for hours in range(-24 * 12, 24 * 12, 11):
                moment = base + timedelta(hours=hours)
                expected = Counter(
                    (
                        m.department or NO_DEPARTMENT,
                        message_state(m.deadline, m.first_warning_at, moment).value,
                    )
                    for m in messages
                )
                got = Counter()
                for row in department_counts(session, moment, BoardFilter()):
                    for state in ("overdue", "at_risk", "open"):
                        if row[state]:
                            got[(row["department"], state)] = row[state]
                assert got == expected, (offset, moment)
