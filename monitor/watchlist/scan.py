"""Scanning for watch terms (a step of the sweep): hits written, no alerts made.

`scan_watch` reads news items and citizen messages not scanned yet (`watch_scanned` is false:
a per-row flag rather than an id high-water mark, because on PostgreSQL two crawls ingesting
at once can commit a lower id after a higher one, and a mark would skip it), matches title +
body and stores WatchHit rows. The sweep's next step (monitor.sweep.watch) turns what this
sweep scanned (`scanned_now`) into alerts, in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import false, select, update
from sqlalchemy.dialects import postgresql, sqlite

from monitor.db.models import Message, NewsItem, WatchHit
from monitor.watchlist.matcher import get_matcher

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from monitor.app import App

BATCH = 500


SCANNED_KEY = "watch.scanned"  # session.info: ids this sweep scanned, per kind


def _store_hits(session: Session, subject: str, hits: Iterable[Any], now: datetime) -> int:
    rows = [
        {
            "subject": subject,
            "term": h.term,
            "level": h.level,
            "confidence": h.confidence,
            "found_at": now,
        }
        for h in hits
    ]
    if not rows:
        return 0
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(module.insert(WatchHit).values(rows).on_conflict_do_nothing())
    return len(rows)


def _scan_kind(session: Session, now: datetime, kind: str, limit: int) -> list[int]:
    """Scan up to `limit` unscanned items of one kind; returns their ids. The sweep holds
    SQLite's write lock, so a backlog (a first crawl brings hundreds of items) is worked off
    over a few sweeps ([watch] scan_per_sweep, ~2 ms an item) instead of blocking the
    crawler's ingest for minutes."""
    model = NewsItem if kind == "news" else Message
    scanned: list[int] = []
    while len(scanned) < limit:
        batch = session.execute(
            select(model.id, model.title, model.body)
            .where(model.watch_scanned == false())
            .order_by(model.id)
            .limit(min(BATCH, limit - len(scanned)))
        ).all()
        if not batch:
            break
        # per batch: a watchlist edit made meanwhile applies from the next batch on
        matcher = get_matcher(session)
        ids = []
        for item_id, title, body in batch:
            hits = matcher.match(f"{title or ''}\n{body or ''}")
            _store_hits(session, f"{kind}:{item_id}", hits, now)
            ids.append(item_id)
        session.execute(
            update(model)
            .where(model.id.in_(ids))
            .values(watch_scanned=True)
            .execution_options(synchronize_session=False)
        )
        scanned.extend(ids)
    return scanned


def scan_watch(session: Session, app: App, now: datetime) -> int:
    """Match every news item and message not scanned yet; returns how many were scanned."""
    limit = app.config.settings.watch.scan_per_sweep
    done = {
        "news": _scan_kind(session, now, "news", limit),
        "message": _scan_kind(session, now, "message", limit),
    }
    session.info.setdefault(SCANNED_KEY, {"news": [], "message": []})
    for kind, ids in done.items():
        session.info[SCANNED_KEY][kind].extend(ids)
    return len(done["news"]) + len(done["message"])


def scanned_now(session: Session, kind: str) -> list[int]:
    """What scan_watch scanned in this transaction, `kind` "news" or "message" (consumed:
    the sweep alerts each id once)."""
    return session.info.get(SCANNED_KEY, {}).pop(kind, [])
