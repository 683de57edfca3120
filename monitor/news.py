"""Ingest outside news rows from the spiders: one NewsItem per (url, content hash), clustered
with earlier items of the last CLUSTER_DAYS days so reprints of one story share a cluster.

Rows are dicts with url, title, body (optional), published_at (ISO-8601 with offset, or None),
outlet (optional), keyword (optional). A row whose url and content were stored before is
nothing new; the same url with changed content is stored again as an update (it keeps its
story's cluster). Scanning for watch terms happens in the sweep (monitor.watchlist.scan)."""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from sqlalchemy import select

from monitor.db.models import NewsItem
from monitor.timeutil import parse_iso, to_utc
from monitor.watchlist.cluster import StoryIndex, story_keys, story_simhash, to_signed, to_unsigned

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from monitor.app import App

log = logging.getLogger(__name__)
CLUSTER_DAYS = 7  # a reprint more than a week later starts its own story


def content_hash(title: str, body: str | None) -> str:
    text = f"{title.strip()}\n{(body or '').strip()}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def outlet_of(outlet: str | None, url: str) -> str:
    """Who published it: the row's outlet, else the link's host."""
    return (outlet or "").strip() or (urlparse(url).hostname or url)


def _published(value: Any, url: str) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return to_utc(value)
    try:
        return parse_iso(str(value))
    except ValueError:
        # the spider normalises dates; a stray one must not lose the item
        log.warning("news %s: unreadable published_at %r, stored without it", url, value)
        return None


def ingest_news(
    session: Session, app: App, source_name: str, rows: list[dict], now: datetime
) -> tuple[int, int]:
    """Store news rows; returns (new, updated)."""
    new = updated = 0
    index: StoryIndex | None = None
    seen: set[tuple[str, str]] = set()
    for row in rows:
        url = str(row.get("url") or "").strip()
        title = str(row.get("title") or "").strip()
        if not url or not title:
            log.warning("news from %s without url or title skipped: %r", source_name, row)
            continue
        body = row.get("body")
        body = str(body).strip() if body not in (None, "") else None
        digest = content_hash(title, body)
        if (url, digest) in seen:
            continue
        seen.add((url, digest))
        if session.scalar(
            select(NewsItem.id).where(NewsItem.url == url, NewsItem.content_hash == digest)
        ):
            continue
        earlier = session.scalars(
            select(NewsItem).where(NewsItem.url == url).order_by(NewsItem.id.desc()).limit(1)
        ).first()
        value = story_simhash(title, body)
        keys = story_keys(title, body)
        if index is None and earlier is None:
            index = _recent_index(session, now)  # before this item is added: not its own match
        item = NewsItem(
            source=source_name,
            url=url,
            title=title,
            body=body,
            outlet=outlet_of(row.get("outlet"), url),
            published_at=_published(row.get("published_at"), url),
            content_hash=digest,
            first_seen=now,
            simhash=None if value is None else to_signed(value),
        )
        session.add(item)
        session.flush()  # the id: a new story's cluster is its first item
        if earlier is not None:
            item.cluster = earlier.cluster or earlier.id  # an edited article is the same story
            updated += 1
        else:
            assert index is not None
            found = index.find(keys, value)
            item.cluster = found if found is not None else item.id
            new += 1
        if index is not None:
            index.add(item.id, keys, value, item.cluster)
    return new, updated


def _recent_index(session: Session, now: datetime) -> Any:
    index = StoryIndex()
    query = (
        select(
            NewsItem.id,
            NewsItem.title,
            NewsItem.body,
            NewsItem.content_hash,
            NewsItem.simhash,
            NewsItem.cluster,
        )
        .where(NewsItem.first_seen >= now - timedelta(days=CLUSTER_DAYS))
        .order_by(NewsItem.id)
    )
    for item_id, title, body, digest, value, cluster in session.execute(query):
        index.add(
            item_id,
            _keys_of(digest, title, body),
            None if value is None else to_unsigned(value),
            cluster or item_id,
        )
    return index


# content hash (of title + body) → StoryKeys: the keys are a function of title and body alone,
# so this cache is right for any database the process opens
_KEYS_CACHE: dict[str, Any] = {}
_KEYS_CACHE_MAX = 100_000


def _keys_of(digest: str, title: str, body: str | None) -> Any:
    """Exact story keys of a stored item, cached in the process: the daemon rebuilds the
    week's index on every crawl and should normalise each title once, not each time."""
    keys = _KEYS_CACHE.get(digest)
    if keys is None:
        if len(_KEYS_CACHE) >= _KEYS_CACHE_MAX:
            _KEYS_CACHE.clear()
        keys = _KEYS_CACHE[digest] = story_keys(title or "", body)
    return keys
