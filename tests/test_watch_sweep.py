"""The watch sweep steps on a real SQLite file: hits stored for news and messages, one
watch_hit alert per story cluster, possible_crisis for critical terms and fast spread, each
exactly once across repeated sweeps; info never alerted; old items listed, not alerted."""

from __future__ import annotations

from sqlalchemy import select

from monitor.app import App, fixed_clock
from monitor.db.models import Message, WatchHit
from monitor.sweep import sweep
from monitor.sweep.watch import spread_within
from monitor.timeutil import parse_iso
from monitor.watchlist.terms import add_term
from tests.conftest import add_watched_message, ingest, reprint, setup_terms, watch_alerts


def test_one_watch_hit_per_story_cluster_exactly_once(make_app) -> None:
    app = make_app()
    setup_terms(app, ("拖欠工资", "warning"))
    assert ingest(app, [reprint(1), reprint(2)]) == (2, 0)
    sweep(app)
    sweep(app)
    rows = watch_alerts(app)
    assert [(a.kind, a.stage, a.crisis) for a in rows] == [("watch_hit", "watch", False)]
    data = rows[0].data
    assert rows[0].subject == f"news-cluster:{data['cluster']}"
    assert data["terms"] == ["拖欠工资"] and data["outlets"] == 2 and data["cluster_size"] == 2
    assert data["title"] == "六安一工地拖欠工资问题查实" and data["url"].startswith("http://")
    # a third reprint later joins the story: still one alert
    ingest(app, [reprint(3)])
    sweep(app)
    assert len(watch_alerts(app)) == 1


def test_distinct_stories_alert_separately(make_app) -> None:
    app = make_app()
    setup_terms(app, ("拖欠工资", "warning"))
    other = {
        "url": "http://other.example/2",
        "title": "某县拖欠工资专项治理启动",
        "body": "为保障劳动者权益，某县今日启动冬季拖欠工资专项治理行动，设立投诉电话和"
        "现场接待点，对重点行业开展拉网式排查。",
        "outlet": "县融媒",
        "published_at": "2026-11-26T08:00:00+08:00",
    }
    ingest(app, [reprint(1), other])
    sweep(app)
    assert len([a for a in watch_alerts(app) if a.kind == "watch_hit"]) == 2


def test_info_hits_are_stored_and_listed_but_never_alerted(make_app) -> None:
    app = make_app()
    setup_terms(app, ("审计", "info"))
    ingest(app, [reprint(1)])
    add_watched_message(app, "关于审计的咨询", "想了解市审计局的办事流程")
    sweep(app)
    assert watch_alerts(app) == []
    with app.session() as session:
        subjects = sorted(h.subject.split(":")[0] for h in session.scalars(select(WatchHit)))
    assert subjects == ["message", "news"]


def test_critical_term_suggests_a_possible_crisis_without_starting_a_clock(make_app) -> None:
    from monitor.db.models import CrisisEvent

    app = make_app()
    setup_terms(app, ("坍塌", "critical"))
    ingest(
        app,
        [reprint(1, title="工地发生坍塌事故", body="今天上午一处在建工地发生坍塌，现场正在救援。")],
    )
    sweep(app)
    sweep(app)
    rows = watch_alerts(app)
    assert [(a.kind, a.stage, a.crisis) for a in rows] == [
        ("watch_hit", "watch", False),
        ("possible_crisis", "possible_crisis", True),
    ]
    assert rows[1].data["reasons"] == ["critical_term"]
    with app.session() as session:
        assert session.scalars(select(CrisisEvent)).all() == []


def test_fast_spread_suggests_a_possible_crisis(make_app) -> None:
    app = make_app(body="[watch]\npossible_crisis_outlets = 3\npossible_crisis_hours = 2\n")
    setup_terms(app, ("拖欠工资", "warning"))
    ingest(
        app,
        [reprint(1, at="2026-11-26T06:00:00+08:00"), reprint(2, at="2026-11-26T09:00:00+08:00")],
    )
    sweep(app)
    assert [a.kind for a in watch_alerts(app)] == ["watch_hit"]  # 2 outlets, 3 hours apart
    ingest(
        app,
        [reprint(3, at="2026-11-26T09:30:00+08:00"), reprint(4, at="2026-11-26T09:40:00+08:00")],
    )
    sweep(app)
    sweep(app)
    rows = watch_alerts(app)
    assert [a.kind for a in rows] == ["watch_hit", "possible_crisis"]
    assert rows[1].data["reasons"] == ["fast_spread"] and rows[1].data["spread"] == 3
    assert rows[1].data["outlets"] == 4 and rows[1].crisis


def test_message_hits_alert_with_the_department(make_app) -> None:
    app = make_app()
    setup_terms(app, ("欠薪", "warning"), ("腐败", "critical"), ("审计", "info"))
    quiet = add_watched_message(app, "咨询", "请问如何办理社保")
    wage = add_watched_message(app, "工资问题", "工地拖欠薪资半年了", department="劳动科")
    graft = add_watched_message(app, "反映问题", "某干部涉嫌腐败", department="纪检组")
    assert sweep(app).counts["alerts.watch"] == 3
    assert sweep(app).counts["alerts.watch"] == 0
    rows = watch_alerts(app)
    assert [(a.kind, a.subject, a.department) for a in rows] == [
        ("watch_hit", f"message:{wage}", "劳动科"),
        ("watch_hit", f"message:{graft}", "纪检组"),
        ("possible_crisis", f"message:{graft}", "纪检组"),
    ]
    assert rows[0].data["terms"] == ["欠薪"] and rows[0].data["hits"][0]["confidence"] < 1.0
    assert rows[0].data["title"] == "工资问题" and rows[0].data["subject_kind"] == "message"
    assert f"message:{quiet}" not in {a.subject for a in rows}


def test_exclusion_prevents_the_alert(make_app) -> None:
    app = make_app()
    with app.session() as session:
        add_term(session, "审计", app.now(), "test", level="warning", exclude=["评审计划"])
    add_watched_message(app, "评审计划", "请公布年度评审计划")
    sweep(app)
    assert watch_alerts(app) == []


def test_term_added_between_sweeps_applies_to_the_next_items(make_app) -> None:
    app = make_app()
    setup_terms(app, ("腐败", "critical"))
    add_watched_message(app, "工资", "拖欠工资三个月")
    sweep(app)
    assert watch_alerts(app) == []
    setup_terms(app, ("拖欠工资", "warning"))  # same process, no restart
    later = add_watched_message(app, "工资2", "又拖欠工资了")
    sweep(app)
    assert [a.subject for a in watch_alerts(app)] == [f"message:{later}"]


def test_old_items_are_scanned_but_not_alerted(make_app) -> None:
    app = make_app()
    setup_terms(app, ("拖欠工资", "warning"))
    ingest(app, [reprint(1, at="2026-10-01T09:00:00+08:00")])
    add_watched_message(app, "旧留言", "拖欠工资", posted="2026-10-01T09:00")
    counts = sweep(app).counts
    assert counts["watch.scan"] == 2 and counts["alerts.watch"] == 0
    with app.session() as session:
        assert len(session.scalars(select(WatchHit)).all()) == 2


def test_restart_on_same_file_does_not_realert(make_app) -> None:
    app = make_app()
    setup_terms(app, ("拖欠工资", "warning"))
    ingest(app, [reprint(1)])
    sweep(app)
    again = App(app.config, clock=fixed_clock(app.now()))  # a new App: fresh caches
    assert sweep(again).counts["alerts.watch"] == 0
    assert len(watch_alerts(again)) == 1


def test_spread_window() -> None:
    t = parse_iso
    items = [
        (t("2026-11-26T06:00"), "a"),
        (t("2026-11-26T07:00"), "b"),
        (t("2026-11-26T07:30"), "b"),
        (t("2026-11-26T09:00"), "c"),
    ]
    assert spread_within(items, 1.5) == 2
    assert spread_within(items, 3) == 3


def test_backlog_is_worked_off_over_several_sweeps(make_app) -> None:
    app = make_app(body="[watch]\nscan_per_sweep = 2\n")
    setup_terms(app, ("拖欠工资", "warning"))
    ids = [add_watched_message(app, f"留言{n}", f"第{n}条：拖欠工资") for n in range(5)]
    assert [sweep(app).counts["watch.scan"] for _ in range(4)] == [2, 2, 1, 0]
    assert sorted(a.subject for a in watch_alerts(app)) == sorted(f"message:{i}" for i in ids)


def test_a_row_committed_late_with_a_lower_id_is_still_scanned(make_app) -> None:
    """On PostgreSQL two crawls ingesting at once can commit id 5 after id 9: a high-water
    mark on ids would skip id 5 for good; the per-row flag does not."""
    app = make_app()
    setup_terms(app, ("拖欠工资", "warning"))
    now = app.now()

    def insert(message_id: int) -> None:
        with app.session() as session:  # explicit ids: the late commit of a lower id
            session.add(
                Message(
                    id=message_id,
                    source="portal",
                    external_id=str(message_id),
                    title="工资",
                    body="拖欠工资",
                    posted_at=now,
                    first_seen=now,
                    last_seen=now,
                    due_date=now.date(),
                    deadline=now,
                )
            )

    insert(9)
    sweep(app)
    insert(5)
    assert sweep(app).counts["watch.scan"] == 1
    assert sorted(a.subject for a in watch_alerts(app)) == ["message:5", "message:9"]
