"""The set-based sweep on a real SQLite file: state transitions, one alert per (subject,
stage), no alert storm for a message first seen late, resolved and acked subjects."""

from __future__ import annotations

from sqlalchemy import select

from monitor.app import App, fixed_clock
from monitor.db.models import Alert, Message
from monitor.sweep import sweep
from monitor.timeutil import parse_iso
from monitor.tracking import declare_event, mark_replied
from tests.conftest import add_message, at, deadline_alerts, state_of


def test_open_at_risk_overdue_with_one_alert_per_stage(make_app) -> None:
    # received Mon 2026-11-23 → due Mon 11-30; 2wd = Fri 11-27 00:00, 1wd = Mon 11-30 00:00
    app = make_app(now="2026-11-23T10:00")
    mid = add_message(app, "a1", "2026-11-23T09:00")
    subject = f"message:{mid}"
    assert state_of(app, mid) == "open"
    sweep(at(app, "2026-11-26T23:59"))
    assert state_of(app, mid) == "open" and deadline_alerts(app) == []
    sweep(at(app, "2026-11-27T00:00"))
    assert state_of(app, mid) == "at_risk"
    assert deadline_alerts(app) == [("reply_at_risk", subject, "2wd")]
    for _ in range(3):  # repeated sweeps add nothing
        sweep(at(app, "2026-11-28T12:00"))
    assert len(deadline_alerts(app)) == 1
    sweep(at(app, "2026-11-30T08:00"))
    assert deadline_alerts(app)[-1] == ("reply_at_risk", subject, "1wd")
    sweep(at(app, "2026-12-01T00:00"))
    assert state_of(app, mid) == "overdue"
    assert deadline_alerts(app)[-1] == ("reply_overdue", subject, "overdue")
    assert len(deadline_alerts(app)) == 3


def test_dedup_survives_a_restart_on_the_same_file(make_app) -> None:
    app = make_app(now="2026-11-23T10:00")
    add_message(app, "a1", "2026-11-23T09:00")
    sweep(at(app, "2026-12-02T10:00"))
    restarted = App(app.config, clock=fixed_clock(parse_iso("2026-12-02T10:05")))
    sweep(restarted)
    assert len(deadline_alerts(restarted)) == 1


def test_message_first_seen_overdue_sends_only_the_overdue_alert(make_app) -> None:
    app = make_app(now="2026-11-26T10:00")
    mid = add_message(app, "late", "2026-11-10T09:00")
    assert state_of(app, mid) == "overdue"  # computed at ingest
    sweep(app)
    assert deadline_alerts(app) == [("reply_overdue", f"message:{mid}", "overdue")]


def test_reply_after_an_alert_is_resolved_once(make_app) -> None:
    app = make_app(now="2026-11-23T10:00")
    mid = add_message(app, "a1", "2026-11-23T09:00")
    sweep(at(app, "2026-11-27T09:00"))
    with app.session() as session:
        mark_replied(session.get(Message, mid), parse_iso("2026-11-27T10:00"), False, app.now())
    sweep(at(app, "2026-11-27T10:01"))
    sweep(at(app, "2026-11-27T10:02"))
    assert state_of(app, mid) == "replied"
    assert deadline_alerts(app) == [
        ("reply_at_risk", f"message:{mid}", "2wd"),
        ("reply_resolved", f"message:{mid}", "resolved"),
    ]
    sweep(at(app, "2026-12-05T10:00"))  # no overdue alert for a replied message
    assert len(deadline_alerts(app)) == 2


def test_reply_without_alert_is_quiet_and_late_reply_is_replied_late(make_app) -> None:
    app = make_app(now="2026-11-23T10:00")
    quiet = add_message(app, "q", "2026-11-23T09:00")
    late = add_message(app, "l", "2026-11-23T09:00")
    with app.session() as session:
        mark_replied(session.get(Message, quiet), parse_iso("2026-11-24T10:00"), False, app.now())
        mark_replied(session.get(Message, late), parse_iso("2026-12-01T10:00"), False, app.now())
    sweep(at(app, "2026-12-02T10:00"))
    assert state_of(app, quiet) == "replied" and state_of(app, late) == "replied_late"
    assert deadline_alerts(app) == []


def test_acked_subject_gets_no_further_reminders(make_app) -> None:
    app = make_app(now="2026-11-23T10:00")
    mid = add_message(app, "a1", "2026-11-23T09:00")
    sweep(at(app, "2026-11-27T09:00"))
    with app.session() as session:
        session.scalars(
            select(Alert).where(Alert.subject == f"message:{mid}")
        ).one().status = "acked"
    sweep(at(app, "2026-12-02T09:00"))
    assert len(deadline_alerts(app)) == 1
    assert state_of(app, mid) == "overdue"  # the state still tells the truth


def test_crisis_milestones_alert_until_done(make_app) -> None:
    app = make_app(now="2026-11-26T09:10")
    with app.session() as session:
        event = declare_event(
            session, "某小区燃气爆炸", "major", parse_iso("2026-11-26T09:00"), app.config, app.now()
        )
        publish, press = (m.id for m in event.milestones)
    sweep(at(app, "2026-11-26T12:00"))  # 2 h before publish (14:00)
    assert deadline_alerts(app) == [("crisis_at_risk", f"milestone:{publish}", "2h")]
    with app.session() as session:
        from monitor.tracking import mark_milestone_done

        mark_milestone_done(
            session,
            event.id,
            "publish",
            parse_iso("2026-11-26T12:30"),
            parse_iso("2026-11-26T12:30"),
        )
    sweep(at(app, "2026-11-26T15:00"))
    assert len(deadline_alerts(app)) == 1  # done: no 1h/30m/overdue for publish
    sweep(at(app, "2026-11-27T09:00"))
    assert deadline_alerts(app)[-1] == ("crisis_overdue", f"milestone:{press}", "overdue")
    with app.session() as session:
        assert all(
            a.crisis
            for a in session.scalars(select(Alert).where(Alert.subject.startswith("milestone:")))
        )


def test_provisional_deadline_becomes_firm_when_the_year_is_added(make_app) -> None:
    app = make_app(now="2026-12-28T10:00")
    mid = add_message(app, "nye", "2026-12-28T09:00")
    with app.session() as session:
        message = session.get(Message, mid)
        assert message.provisional and message.due_date.isoformat() == "2027-01-04"
    app.config.holidays_path.write_text(
        '[years.2027]\nholidays = ["2027-01-01"]\n', encoding="utf-8"
    )
    sweep(app)
    with app.session() as session:
        message = session.get(Message, mid)
        assert not message.provisional and message.due_date.isoformat() == "2027-01-05"
