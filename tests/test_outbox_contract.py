"""The alert contract (alerts/outbox.py): every kind carries its wording and behaviour, subjects
are encoded and parsed in one place, payloads are typed, and the one enqueue function counts
what it really added on SQLite (PostgreSQL: test_alerts_postgres, test_watch_postgres)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from alerts.outbox import (
    AlertKind,
    AlertStatus,
    CalendarPayload,
    NewAlert,
    RouteClass,
    SourcePayload,
    Subject,
    SubjectKind,
    Urgency,
    WatchPayload,
    enqueue,
    kind_label,
    new_alerts_select,
)
from alerts.render import compose, data_item
from monitor.db.models import Alert

# the kinds scripts rely on (`alerts list --json` → kind); docs/alerts.md lists every kind
CONTRACT_KINDS = {
    "reply_at_risk",
    "reply_overdue",
    "reply_resolved",
    "crisis_at_risk",
    "crisis_overdue",
    "watch_hit",
    "possible_crisis",
    "source_unhealthy",
    "calendar_missing",
    "daily_summary",
    "disclosure_at_risk",
    "disclosure_overdue",
}


def test_every_kind_has_its_wording_and_behaviour() -> None:
    assert CONTRACT_KINDS <= {k.value for k in AlertKind}
    for kind in AlertKind:
        assert kind.label and kind.heading.startswith("【") and kind.heading.endswith("】")
        assert isinstance(kind.urgency, Urgency) and isinstance(kind.route, RouteClass)
    assert AlertKind.CRISIS_OVERDUE.urgent and not AlertKind.REPLY_OVERDUE.urgent
    assert AlertKind.DAILY_SUMMARY.route is RouteClass.SUMMARY
    assert AlertKind.REPLY_OVERDUE.leadership and not AlertKind.REPLY_AT_RISK.leadership
    assert (
        kind_label("reply_overdue") == "超期提醒"
        and kind_label("from_the_future") == "from_the_future"
    )
    assert AlertKind.of("from_the_future") is None
    assert AlertStatus("acked").label == "已确认"


def test_every_kind_is_documented() -> None:
    """docs/alerts.md's table names every kind the outbox can hold, with its Chinese label."""
    text = (Path(__file__).resolve().parent.parent / "docs" / "alerts.md").read_text("utf-8")
    missing = [k.value for k in AlertKind if f"`{k.value}`" not in text or k.label not in text]
    assert not missing, f"docs/alerts.md does not describe {missing}"


@pytest.mark.parametrize(
    "text",
    [
        "message:12",
        "milestone:3",
        "news-cluster:7",
        "source:luan-bxcy",
        "calendar:2027",
        "summary:2026-11-24",
    ],
)
def test_subjects_round_trip(text: str) -> None:
    subject = Subject.parse(text)
    assert subject is not None and str(subject) == text


def test_subject_parts() -> None:
    assert (
        Subject.message(12) == Subject(SubjectKind.MESSAGE, "12") and Subject.message(12).id == 12
    )
    assert Subject.source("luan-bxcy").id is None
    assert str(Subject.summary(date(2026, 11, 24))) == "summary:2026-11-24"
    assert Subject.parse("unknown:1") is None and Subject.parse("no-separator") is None


def test_enqueue_is_insert_or_ignore_and_counts_what_it_added(make_app) -> None:
    app = make_app()
    now = app.now()
    rows = [
        NewAlert(
            AlertKind.SOURCE_UNHEALTHY,
            Subject.source(f"s{n}"),
            "unhealthy@never",
            now,
            payload=SourcePayload(reason="HTTP 403"),
        )
        for n in range(700)
    ]  # > one chunk
    with app.session() as session:
        assert enqueue(session, rows) == 700
        assert (
            enqueue(
                session,
                rows[:10]
                + [
                    NewAlert(
                        AlertKind.CALENDAR_MISSING,
                        Subject.calendar(2027),
                        "2026-12-01",
                        now,
                        payload=CalendarPayload(year=2027),
                    )
                ],
            )
            == 1
        )
        # the set-based form: one row per SELECT result
        query = new_alerts_select(
            AlertKind.REPLY_RESOLVED, "message:1", "resolved", False, None, now
        )
        assert enqueue(session, query) == 1 and enqueue(session, query) == 0
    with app.session() as session:
        row = session.scalar(select(Alert).where(Alert.subject == "calendar:2027"))
        assert (
            row is not None
            and row.data == {"year": 2027}
            and row.status == "pending"
            and not row.crisis
        )
        resolved = session.scalar(select(Alert).where(Alert.subject == "message:1"))
        assert resolved is not None and resolved.kind == "reply_resolved" and resolved.data is None


def test_a_payload_must_match_its_kind(make_app) -> None:
    app = make_app()
    with app.session() as session, pytest.raises(TypeError):
        enqueue(
            session,
            [
                NewAlert(
                    AlertKind.WATCH_HIT,
                    Subject.news_cluster(1),
                    "watch",
                    app.now(),
                    payload=SourcePayload(reason="x"),
                )
            ],
        )


def test_typed_payloads_render_and_old_rows_still_read(make_app) -> None:
    app = make_app()
    with app.session() as session:
        enqueue(
            session,
            [
                NewAlert(
                    AlertKind.WATCH_HIT,
                    Subject.news_cluster(4),
                    "watch",
                    app.now(),
                    payload=WatchPayload(
                        title="工地坍塌", terms=["坍塌"], outlets=2, outlet_names=["甲报", "乙网"]
                    ),
                )
            ],
        )
        alert = session.scalar(select(Alert))
        assert alert is not None
        item = data_item(alert, app.now())
        assert ("来源", "甲报、乙网") in item.fields and item.title == "工地坍塌"
        alert.data = {"title": "旧行", "outlets": ["丙台"], "terms": ["x"], "something_new": 1}
        assert ("来源", "丙台") in data_item(alert, app.now()).fields


def test_a_kind_without_a_producer_yet_renders_with_its_heading(make_app) -> None:
    app = make_app()
    with app.session() as session:
        enqueue(
            session,
            [
                NewAlert(
                    AlertKind.DISCLOSURE_OVERDUE,
                    Subject(SubjectKind.DISCLOSURE, "5"),
                    "overdue",
                    app.now(),
                    department="办公室",
                )
            ],
        )
        alert = session.scalar(select(Alert))
        assert alert is not None
        outgoing = compose([data_item(alert, app.now())])
    assert outgoing.title.startswith("【依申请公开超期】")
