"""The `news` listing: the newest version of every news item with its watchlist hits.

Items the sweep has scanned show their stored hits (the record of what alerted); items not yet
scanned are matched on the fly with the current watchlist, so `crawl` then `news --matched`
shows matches before the daemon's next sweep."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from monitor.db.models import NewsItem, WatchHit
from monitor.timeutil import iso
from monitor.watchlist.levels import LEVEL_RANK
from monitor.watchlist.matcher import get_matcher

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def news_document(
    session: Session, matched: bool = False, source: str | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    latest = select(func.max(NewsItem.id)).group_by(NewsItem.url)
    query = select(NewsItem).where(NewsItem.id.in_(latest))
    if source:
        query = query.where(NewsItem.source == source)
    query = query.order_by(
        func.coalesce(NewsItem.published_at, NewsItem.first_seen).desc(), NewsItem.id.desc()
    )
    if limit and not matched:
        query = query.limit(limit)
    items = list(session.scalars(query))
    sizes = dict(
        session.execute(
            select(NewsItem.cluster, func.count(NewsItem.id))
            .where(NewsItem.id.in_(latest))
            .group_by(NewsItem.cluster)
        ).all()
    )
    stored: dict[str, list[dict[str, Any]]] = {}
    subjects = [f"news:{i.id}" for i in items if i.watch_scanned]
    for start in range(0, len(subjects), 500):
        for hit in session.scalars(
            select(WatchHit).where(WatchHit.subject.in_(subjects[start : start + 500]))
        ):
            stored.setdefault(hit.subject, []).append(
                {"term": hit.term, "level": hit.level, "confidence": hit.confidence}
            )
    matcher = None
    documents = []
    for item in items:
        if item.watch_scanned:
            hits = stored.get(f"news:{item.id}", [])
            hits.sort(key=lambda h: (-LEVEL_RANK.get(h["level"], 0), -h["confidence"], h["term"]))
        else:
            if matcher is None:
                matcher = get_matcher(session)
            hits = [h.as_dict() for h in matcher.match(f"{item.title}\n{item.body or ''}")]
        if matched and not hits:
            continue
        documents.append(
            {
                "id": item.id,
                "source": item.source,
                "url": item.url,
                "title": item.title,
                "published_at": iso(item.published_at),
                "outlet": item.outlet,
                "first_seen": iso(item.first_seen),
                "cluster": item.cluster,
                "cluster_size": sizes.get(item.cluster, 1),
                "scanned": item.watch_scanned,
                "hits": hits,
            }
        )
        if limit and len(documents) >= limit:
            break
    return documents


def hot_terms(session: Session, since: Any, until: Any, limit: int = 10) -> list[dict[str, Any]]:
    """Watch terms by how many news items and messages they hit in [since, until) (by when
    the sweep found them): the daily summary's hot words."""
    rows = session.execute(
        select(WatchHit.term, func.max(WatchHit.level), func.count(WatchHit.id))
        .where(WatchHit.found_at >= since, WatchHit.found_at < until)
        .group_by(WatchHit.term)
        .order_by(func.count(WatchHit.id).desc(), WatchHit.term)
        .limit(limit)
    ).all()
    return [{"term": term, "level": level, "count": count} for term, level, count in rows]
