"""Watch hits → alerts (a step of the sweep, after monitor.watchlist.scan in the same
transaction): one `watch_hit` alert per news story cluster (subject "news-cluster:ID") or
message ("message:ID") that this sweep scanned with warning/critical hits, and a
`possible_crisis` alert (crisis=True) when a critical term hits or a story spreads to [watch]
possible_crisis_outlets outlets within possible_crisis_hours. possible_crisis only suggests
that a person declare an event; no crisis clock starts here. Info hits are stored and listed,
never alerted. Items older than [watch] alert_max_age_hours are scanned and listed but not
alerted (the first crawl of a portal brings years of history).

Flags, hits and alerts change in the sweep's one transaction, and alerts are unique on
(subject, stage), so a repeated sweep alerts nothing twice."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.outbox import AlertKind, NewAlert, Subject, WatchPayload, enqueue
from monitor.db.models import Message, NewsItem, WatchHit
from monitor.timeutil import iso
from monitor.watchlist.levels import LEVEL_RANK
from monitor.watchlist.scan import BATCH, scanned_now

if TYPE_CHECKING:
    from monitor.app import App

ALERT_LEVELS = ("warning", "critical")


def _watch_alerts(
    subject: Subject,
    department: str | None,
    data: WatchPayload,
    reasons: dict[str, Any] | None,
    now: datetime,
) -> list[NewAlert]:
    """The watch_hit alert, and the possible_crisis one when there are reasons."""
    out = [NewAlert(AlertKind.WATCH_HIT, subject, "watch", now, department, data, crisis=False)]
    if reasons is not None:
        out.append(
            NewAlert(
                AlertKind.POSSIBLE_CRISIS,
                subject,
                "possible_crisis",
                now,
                department,
                data.model_copy(update=reasons),
                crisis=True,
            )
        )
    return out


def _hits_by_subject(session: Session, subjects: list[str]) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for start in range(0, len(subjects), BATCH):
        chunk = subjects[start : start + BATCH]
        for hit in session.scalars(select(WatchHit).where(WatchHit.subject.in_(chunk))):
            found.setdefault(hit.subject, []).append(hit)
    return found


def _term_summary(hits: Iterable[Any]) -> tuple[list[str], list[dict[str, Any]], str]:
    """Terms (alertable ones, most severe first), every hit once per term, the top level."""
    best: dict[str, Any] = {}
    for hit in hits:
        old = best.get(hit.term)
        if old is None or hit.confidence > old.confidence:
            best[hit.term] = hit
    ordered = sorted(
        best.values(), key=lambda h: (-LEVEL_RANK.get(h.level, 0), -h.confidence, h.term)
    )
    terms = [h.term for h in ordered if h.level in ALERT_LEVELS]
    listed = [{"term": h.term, "level": h.level, "confidence": h.confidence} for h in ordered]
    top = ordered[0].level if ordered else "info"
    return terms, listed, top


def spread_within(items: list[tuple[datetime, str]], hours: float) -> int:
    """Most distinct outlets seen inside any window of `hours` (items: (time, outlet))."""
    ordered = sorted(items)
    span = timedelta(hours=hours)
    best, left = 0, 0
    for right in range(len(ordered)):
        while ordered[right][0] - ordered[left][0] > span:
            left += 1
        best = max(best, len({o for _, o in ordered[left : right + 1]}))
    return best


def _news_alerts(session: Session, app: App, now: datetime) -> int:
    watch = app.config.settings.watch
    scanned = scanned_now(session, "news")
    clusters: set[int] = set()
    for start in range(0, len(scanned), BATCH):
        clusters.update(
            c
            for (c,) in session.execute(
                select(NewsItem.cluster).where(NewsItem.id.in_(scanned[start : start + BATCH]))
            )
            if c is not None
        )
    max_age = timedelta(hours=watch.alert_max_age_hours)
    new: list[NewAlert] = []
    ordered = sorted(clusters)
    for start in range(0, len(ordered), BATCH):
        chunk = ordered[start : start + BATCH]
        members: dict[int, list[Any]] = {}
        for item in session.scalars(
            select(NewsItem).where(NewsItem.cluster.in_(chunk)).order_by(NewsItem.id)
        ):
            assert item.cluster is not None  # selected by cluster
            members.setdefault(item.cluster, []).append(item)
        hits = _hits_by_subject(session, [f"news:{i.id}" for m in members.values() for i in m])
        for cluster, items in members.items():
            cluster_hits = [h for i in items for h in hits.get(f"news:{i.id}", [])]
            terms, listed, top = _term_summary(cluster_hits)
            if not terms:
                continue  # no hits, or info only: listed by `news`, never alerted
            times = [(i.published_at or i.first_seen, i.outlet or i.source) for i in items]
            if max(t for t, _ in times) < now - max_age:
                continue  # old history: listed, not alerted
            first = items[0]
            outlets = sorted({o for _, o in times})
            data = WatchPayload(
                title=first.title,
                url=first.url,
                terms=terms,
                hits=listed,
                level=top,
                outlets=len(outlets),
                outlet_names=outlets[:20],
                cluster_size=len(items),
                cluster=cluster,
                source=first.source,
                published_at=iso(first.published_at),
                subject_kind="news",
            )
            spread = spread_within(times, watch.possible_crisis_hours)
            reasons = []
            if top == "critical":
                reasons.append("critical_term")
            if spread >= watch.possible_crisis_outlets:
                reasons.append("fast_spread")
            crisis = (
                {
                    "reasons": reasons,
                    "spread": spread,
                    "spread_hours": watch.possible_crisis_hours,
                    "spread_threshold": watch.possible_crisis_outlets,
                }
                if reasons
                else None
            )
            new.extend(_watch_alerts(Subject.news_cluster(cluster), None, data, crisis, now))
    return enqueue(session, new)


def _message_alerts(session: Session, app: App, now: datetime) -> int:
    watch = app.config.settings.watch
    scanned = sorted(scanned_now(session, "message"))
    max_age = timedelta(hours=watch.alert_max_age_hours)
    new: list[NewAlert] = []
    for start in range(0, len(scanned), BATCH):
        batch = session.scalars(
            select(Message)
            .where(Message.id.in_(scanned[start : start + BATCH]))
            .order_by(Message.id)
        ).all()
        hits = _hits_by_subject(session, [f"message:{m.id}" for m in batch])
        for message in batch:
            terms, listed, top = _term_summary(hits.get(f"message:{message.id}", []))
            if not terms or message.posted_at < now - max_age:
                continue
            data = WatchPayload(
                title=message.title,
                url=message.url,
                terms=terms,
                hits=listed,
                level=top,
                outlets=None,
                cluster_size=None,  # not a news story
                source=message.source,
                external_id=message.external_id,
                department=message.department,
                published_at=iso(message.posted_at),
                subject_kind="message",
            )
            crisis = {"reasons": ["critical_term"]} if top == "critical" else None
            new.extend(
                _watch_alerts(Subject.message(message.id), message.department, data, crisis, now)
            )
    return enqueue(session, new)


def hit_alerts(session: Session, app: App, now: datetime) -> int:
    """watch_hit / possible_crisis alerts for what `scan_watch` found; returns alerts added."""
    return _news_alerts(session, app, now) + _message_alerts(session, app, now)
