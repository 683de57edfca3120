"""What a crawl child found, written to the database by the parent (DESIGN §5, §8).

* New messages are tracked (`tracking.schedule_message`); the department is the detail's
  督办部门, else the source's `department_default`.
* A reply is recognised from the profile's status lists, a new `replied_at`, or both; when only
  the status says so, the reply time is the moment the change was first seen (approximate).
* A message missing from a FULL pass (every page up to the end) is withdrawn; one flaky page or
  a pass that stopped early never withdraws anything (`Message.missed_passes`).
* Source health: a failed crawl marks the source unhealthy with its reason and changes nothing
  but new messages (no reply, no withdrawal is concluded from a failed crawl).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.config import SourceConfig
from monitor.db.models import Message, Source
from monitor.deadlines import ACTIVE_STATE_VALUES, MessageState
from monitor.timeutil import parse_iso
from monitor.tracking import mark_replied, mark_withdrawn, schedule_message

# full passes a message may be missing from before it counts as withdrawn
WITHDRAW_AFTER_PASSES = 1
# weight of the newest first-page size in the running "usual" size
USUAL_SIZE_WEIGHT = 0.3
_ACTIVE = ACTIVE_STATE_VALUES


@dataclass
class IngestResult:
    new: int = 0
    updated: int = 0
    replied: int = 0
    withdrawn: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class StatusLists:
    replied: tuple[str, ...] = ()
    pending: tuple[str, ...] = ()

    def says_replied(self, status: str | None) -> bool:
        return bool(status) and status.strip() in self.replied


def job_inputs(session: Session, source: SourceConfig, kind: str) -> dict[str, Any]:
    """What the child needs to crawl incrementally: known rows, open ids, health history."""
    row = session.scalar(select(Source).where(Source.name == source.name))
    inputs: dict[str, Any] = {
        "usual_body_size": row.usual_body_size if row else None,
        "last_rows": row.last_rows if row else None,
    }
    if kind == "messages":
        known: dict[str, str] = {}
        open_ids: list[str] = []
        for external_id, content_hash, state in session.execute(
                select(Message.external_id, Message.content_hash, Message.state)
                .where(Message.source == source.name)):
            if content_hash:
                known[external_id] = content_hash
            if state in _ACTIVE:
                open_ids.append(external_id)
        inputs.update(known=known, open=open_ids)
    else:
        from monitor.db.models import NewsItem

        urls = session.scalars(select(NewsItem.url).where(NewsItem.source == source.name))
        inputs.update(known={url: "" for url in urls}, open=[])
    return inputs


def _time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return parse_iso(str(value))
    except ValueError:
        return None


def _clip(value: Any, limit: int) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text[:limit] if text else None


def _apply_fields(message: Message, row: dict[str, Any], source: SourceConfig) -> bool:
    """Copy what the row says onto the message; True if anything changed."""
    changed = False
    values = {
        "url": row.get("url"),
        "title": _clip(row.get("title"), 10000) or message.title or "",
        "status_text": _clip(row.get("status_text"), 100),
        "category": _clip(row.get("category"), 100),
        "author": _clip(row.get("author"), 200),
    }
    if row.get("detail"):
        values["body"] = row.get("body")
        values["department"] = _clip(row.get("department"), 200) or message.department \
            or source.department_default
    for name, value in values.items():
        if value is not None and getattr(message, name) != value:
            setattr(message, name, value)
            changed = True
    return changed


def _detect_reply(message: Message, row: dict[str, Any], statuses: StatusLists,
                  now: datetime) -> bool:
    """Mark the message replied when the portal says so; True if it was marked now."""
    replied_at = _time(row.get("replied_at"))
    by_status = statuses.says_replied(row.get("status_text"))
    if message.replied_at is not None:
        if message.replied_at_approx and replied_at is not None:
            # the detail now gives the real reply time: better than "first seen"
            mark_replied(message, replied_at, False, now)
            _copy_reply(message, row)
        return False
    if replied_at is None and not by_status:
        return False
    if replied_at is not None:
        mark_replied(message, replied_at, False, now)
    else:
        mark_replied(message, now, True, now)
    _copy_reply(message, row)
    return True


def _copy_reply(message: Message, row: dict[str, Any]) -> None:
    if row.get("reply"):
        message.reply = str(row["reply"])
    if row.get("reply_department"):
        message.reply_department = _clip(row["reply_department"], 200)


def _load_existing(session: Session, source: str, external_ids: list[str]) -> dict[str, Message]:
    """The rows this crawl saw plus every active message (candidates for withdrawal) — not the
    source's whole history, which a no-change recrawl would otherwise load every cycle."""
    found: dict[str, Message] = {}
    for start in range(0, len(external_ids), 500):
        chunk = external_ids[start:start + 500]
        for m in session.scalars(select(Message).where(Message.source == source,
                                                       Message.external_id.in_(chunk))):
            found[m.external_id] = m
    for m in session.scalars(select(Message).where(Message.source == source,
                                                   Message.state.in_(_ACTIVE))):
        found.setdefault(m.external_id, m)
    return found


def ingest_messages(session: Session, app: Any, source: SourceConfig, statuses: StatusLists,
                    rows: Iterable[dict[str, Any]], stats: dict[str, Any], now: datetime) -> IngestResult:
    """Write one crawl's rows. `stats` is the child's: ok, full_pass."""
    ok = bool(stats.get("ok"))
    result = IngestResult()
    by_id: dict[str, dict[str, Any]] = {}
    for row in rows:
        external_id = str(row.get("external_id") or "").strip()
        if external_id and external_id not in by_id:
            by_id[external_id] = row
    existing = _load_existing(session, source.name, list(by_id))
    config, calendar = app.config, app.calendar
    fresh: list[tuple[Message, dict[str, Any]]] = []
    for external_id, row in by_id.items():
        if external_id in existing:
            continue
        posted_at = _time(row.get("posted_at"))
        if posted_at is None:
            continue
        # due_date/deadline are placeholders until schedule_message below, in this transaction
        message = Message(source=source.name, external_id=external_id[:200], kind="reply",
                          title="", posted_at=posted_at, first_seen=now, last_seen=now,
                          missed_passes=0, department=source.department_default,
                          due_date=posted_at.date(), deadline=posted_at, state="open")
        _apply_fields(message, row, source)
        # on a failed crawl the row is tracked but its detail is fetched again next time
        message.content_hash = row.get("fingerprint") if ok else None
        fresh.append((message, row))
    if fresh:
        # one INSERT for all new rows, then no flush per message: a first crawl of a portal's
        # whole history (10,000 rows) would otherwise spend most of its time in flushes
        session.add_all([m for m, _ in fresh])
        session.flush()
        with session.no_autoflush:
            for message, row in fresh:
                schedule_message(session, message, config, calendar, now)
                if ok and _detect_reply(message, row, statuses, now):
                    result.replied += 1
                result.new += 1
    for external_id, row in by_id.items():
        message = existing.get(external_id)
        if message is None:
            continue
        if not ok:
            continue
        message.last_seen = now
        message.missed_passes = 0
        changed = False
        if message.state == MessageState.WITHDRAWN.value:
            # it is back on the portal: track it again
            message.state = MessageState.OPEN.value
            schedule_message(session, message, config, calendar, now)
            changed = True
        if row.get("changed") or message.content_hash != row.get("fingerprint"):
            changed = _apply_fields(message, row, source) or changed
            message.content_hash = row.get("fingerprint")
        if _detect_reply(message, row, statuses, now):
            result.replied += 1
            changed = True
        if changed:
            result.updated += 1
    if ok and stats.get("full_pass"):
        for external_id, message in existing.items():
            if external_id in by_id or message.state not in _ACTIVE:
                continue
            message.missed_passes = (message.missed_passes or 0) + 1
            if message.missed_passes >= WITHDRAW_AFTER_PASSES:
                mark_withdrawn(message, now)
                result.withdrawn += 1
                result.updated += 1
    return result


def ingest_news(session: Session, app: Any, source: SourceConfig, rows: list[dict[str, Any]],
                now: datetime) -> IngestResult:
    """Hand news rows to the watchlist area's `monitor.news.ingest_news` (imported lazily)."""
    result = IngestResult()
    try:
        from monitor import news
        handler = news.ingest_news
    except (ImportError, AttributeError):
        result.notes.append("monitor.news.ingest_news is not available: news rows were not stored")
        return result
    clean = [{"url": r.get("url"), "title": r.get("title") or "", "body": r.get("body"),
              "published_at": r.get("published_at"), "outlet": r.get("outlet"),
              "keyword": r.get("keyword")} for r in rows if r.get("url")]
    new, updated = handler(session, app, source.name, clean, now)
    result.new, result.updated = int(new), int(updated)
    return result


def record_health(session: Session, source: SourceConfig, kind: str, stats: dict[str, Any],
                  now: datetime) -> Source:
    """Update the source's health row from one crawl's stats."""
    row = session.scalar(select(Source).where(Source.name == source.name))
    if row is None:
        row = Source(name=source.name, kind=kind, healthy=True, consecutive_failures=0)
        session.add(row)
    row.kind = kind
    if stats.get("ok"):
        row.healthy = True
        row.reason = None
        row.last_success = now
        row.consecutive_failures = 0
        rows, size = stats.get("first_page_rows"), stats.get("first_page_size")
        if rows is not None:
            row.last_rows = int(rows)
        if rows and size:
            usual = row.usual_body_size
            row.usual_body_size = int(size if not usual else
                                      usual * (1 - USUAL_SIZE_WEIGHT) + size * USUAL_SIZE_WEIGHT)
    else:
        reason = str(stats.get("error") or "抓取失败")
        row.healthy = False
        row.reason = reason[:500]
        row.last_error = now
        row.last_error_text = f"{reason} ({stats['error_url']})" if stats.get("error_url") else reason
        row.consecutive_failures = (row.consecutive_failures or 0) + 1
    return row
