"""The watch area on a real PostgreSQL server: signed 64-bit SimHash storage, hits and
alerts with ON CONFLICT dedup, the watchlist version cache."""

from __future__ import annotations

from sqlalchemy import select

from monitor.db.models import NewsItem
from monitor.sweep import sweep
from monitor.watchlist.matcher import get_matcher
from monitor.watchlist.terms import add_term
from tests.conftest import add_watched_message, ingest, reprint, setup_terms, watch_alerts


def test_news_clusters_and_alerts_once_on_postgresql(make_pg_app) -> None:
    app = make_pg_app()
    setup_terms(app, ("拖欠工资", "warning"), ("坍塌", "critical"))
    assert ingest(app, [reprint(n) for n in range(1, 4)]) == (3, 0)
    with app.session() as session:
        rows = session.scalars(select(NewsItem).order_by(NewsItem.id)).all()
        assert len({r.cluster for r in rows}) == 1
        assert all(-(1 << 63) <= r.simhash < (1 << 63) for r in rows)
    wage = add_watched_message(app, "工地坍塌", "工地坍塌，还拖欠工资")
    first, second = sweep(app), sweep(app)
    # psycopg reports rowcount -1 for ON CONFLICT inserts: the count comes from RETURNING
    assert first.counts["alerts.watch"] == 3 and second.counts["alerts.watch"] == 0
    kinds = [(a.kind, a.subject.split(":")[0]) for a in watch_alerts(app)]
    assert kinds == [
        ("watch_hit", "news-cluster"),
        ("watch_hit", "message"),
        ("possible_crisis", "message"),
    ]
    assert watch_alerts(app)[1].subject == f"message:{wage}"


def test_watchlist_edit_seen_on_postgresql(make_pg_app) -> None:
    app = make_pg_app()
    with app.session() as session:
        add_term(session, "审计", app.now(), "test")
    with app.session() as session:
        assert get_matcher(session).match("拖欠薪资") == []
    with app.session() as session:
        add_term(session, "欠薪", app.now(), "test")
    with app.session() as session:
        assert [h.term for h in get_matcher(session).match("拖欠薪资")] == ["欠薪"]
