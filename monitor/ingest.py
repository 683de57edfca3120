"""What a crawl child found, written to the database by the parent (DESIGN §5, §8).

* New messages are tracked (`tracking.schedule_message`). A field is a field wherever the
  profile reads it: a list value counts (a JSON API's DEPTNAME, a list column), a detail value
  overrides it; the department falls back to the source's `department_default`.
* A reply is recognised from the profile's status lists, a new `replied_at`, or both; when only
  the status says so, the reply time is the moment the change was first seen (approximate).
* The rows a crawl saw are ingested even when the pass was incomplete (a bad page 2 does not
  make page 1 untrue); nothing is concluded from what it did not see.
* Withdrawal needs positive evidence (`Message.absent_since` holds the first): a message with
  a detail page is withdrawn when that page is gone on two checks at least an hour apart; a
  list-only message when it is missing from complete passes spanning at least 24 hours. A
  withdrawn message that shows up again is tracked again (`tracking.reactivate`).
* Stored bodies and replies are clipped (`spiders.limits`).
* Source health: a failed or incomplete crawl marks the source unhealthy with its reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.app import App
from monitor.config import SourceConfig
from monitor.db.models import Message, Source
from monitor.deadlines import ACTIVE_STATE_VALUES, MessageState
from monitor.news import ingest_news as store_news
from monitor.timeutil import iso, parse_iso
from monitor.tracking import mark_replied, mark_withdrawn, reactivate, schedule_message
from spiders.limits import clip_text
from spiders.paging import covers, has_detail_page
from spiders.profile import SectionSpec

# a detail page found gone must still be gone this much later (a second check)
DETAIL_GONE_FOR = timedelta(hours=1)
# a list-only message must be missing from complete passes spanning this long
LIST_MISSING_FOR = timedelta(hours=24)
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
        return bool(status) and str(status).strip() in self.replied

    @classmethod
    def of(cls, section: SectionSpec) -> StatusLists:
        return cls(tuple(section.status.replied), tuple(section.status.pending))


def job_inputs(session: Session, source: SourceConfig, kind: str) -> dict[str, Any]:
    """What the child needs: known rows, open messages (with what a withdrawal check needs),
    health history and the last page of the previous complete pass."""
    row = session.scalar(select(Source).where(Source.name == source.name))
    inputs: dict[str, Any] = {
        "usual_body_size": row.usual_body_size if row else None,
        "last_rows": row.last_rows if row else None,
        "last_page": row.last_page if row else None,
    }
    if kind == "messages":
        known: dict[str, str] = {}
        candidates: dict[str, dict[str, Any]] = {}
        for external_id, content_hash, state, url, posted_at in session.execute(
            select(
                Message.external_id,
                Message.content_hash,
                Message.state,
                Message.url,
                Message.posted_at,
            ).where(Message.source == source.name)
        ):
            if content_hash:
                known[external_id] = content_hash
            if state in _ACTIVE:
                candidates[external_id] = {"url": url, "posted_at": iso(posted_at)}
        inputs.update(known=known, open=list(candidates), candidates=candidates)
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


def _long_text(value: Any) -> str | None:
    text = _clip(value, 10**9)
    return clip_text(text)[0]


def _apply_fields(message: Message, row: dict[str, Any], source: SourceConfig) -> bool:
    """Copy what the row says onto the message (list values, overridden by the detail's in the
    row already); True if anything changed."""
    changed = False
    values = {
        "url": row.get("url"),
        "title": _clip(row.get("title"), 10000) or message.title or "",
        "status_text": _clip(row.get("status_text"), 100),
        "category": _clip(row.get("category"), 100),
        "author": _clip(row.get("author"), 200),
        "body": _long_text(row.get("body")),
        "department": _clip(row.get("department"), 200)
        or message.department
        or source.department_default,
    }
    for name, value in values.items():
        if value is not None and getattr(message, name) != value:
            setattr(message, name, value)
            changed = True
    return changed


def _detect_reply(
    message: Message, row: dict[str, Any], statuses: StatusLists, now: datetime
) -> bool:
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
        message.reply = _long_text(row["reply"])
    if row.get("reply_department"):
        message.reply_department = _clip(row["reply_department"], 200)


def _load_existing(session: Session, source: str, external_ids: list[str]) -> dict[str, Message]:
    """The rows this crawl saw plus every active message (candidates for withdrawal) — not the
    source's whole history, which a no-change recrawl would otherwise load every cycle."""
    found: dict[str, Message] = {}
    for start in range(0, len(external_ids), 500):
        chunk = external_ids[start : start + 500]
        for m in session.scalars(
            select(Message).where(Message.source == source, Message.external_id.in_(chunk))
        ):
            found[m.external_id] = m
    for m in session.scalars(
        select(Message).where(Message.source == source, Message.state.in_(_ACTIVE))
    ):
        found.setdefault(m.external_id, m)
    return found


def _split(rows: Iterable[dict[str, Any]]) -> tuple[dict[str, dict[str, Any]], dict[str, bool]]:
    """The child's items: list rows by external_id, and detail-page checks (id → gone)."""
    by_id: dict[str, dict[str, Any]] = {}
    checks: dict[str, bool] = {}
    for row in rows:
        if row.get("check"):
            checks[str(row["check"])] = bool(row.get("gone"))
            continue
        external_id = str(row.get("external_id") or "").strip()
        if external_id and external_id not in by_id:
            by_id[external_id] = row
    return by_id, checks


def ingest_messages(
    session: Session,
    app: App,
    source: SourceConfig,
    section: SectionSpec,
    rows: Iterable[dict[str, Any]],
    stats: dict[str, Any],
    now: datetime,
) -> IngestResult:
    """Write one crawl's rows. `stats` is the child's: complete, full_pass, complete_since."""
    statuses = StatusLists.of(section)
    result = IngestResult()
    by_id, checks = _split(rows)
    existing = _load_existing(session, source.name, list(by_id))
    _add_new(session, app, source, statuses, by_id, existing, now, result)
    _update_seen(session, app, source, statuses, by_id, existing, now, result)
    _conclude_absences(section, by_id, checks, existing, stats, now, result)
    return result


def _add_new(
    session: Session,
    app: App,
    source: SourceConfig,
    statuses: StatusLists,
    by_id: dict[str, dict[str, Any]],
    existing: dict[str, Message],
    now: datetime,
    result: IngestResult,
) -> None:
    fresh: list[tuple[Message, dict[str, Any]]] = []
    for external_id, row in by_id.items():
        if external_id in existing:
            continue
        posted_at = _time(row.get("posted_at"))
        if posted_at is None:
            continue
        # due_date/deadline are placeholders until schedule_message below, in this transaction
        message = Message(
            source=source.name,
            external_id=external_id[:200],
            kind="reply",
            title="",
            posted_at=posted_at,
            first_seen=now,
            last_seen=now,
            missed_passes=0,
            department=source.department_default,
            due_date=posted_at.date(),
            deadline=posted_at,
            state="open",
        )
        _apply_fields(message, row, source)
        message.content_hash = row.get("fingerprint")
        fresh.append((message, row))
    if not fresh:
        return
    # one INSERT for all new rows, then no flush per message: a first crawl of a portal's
    # whole history (10,000 rows) would otherwise spend most of its time in flushes
    session.add_all([m for m, _ in fresh])
    session.flush()
    with session.no_autoflush:
        for message, row in fresh:
            schedule_message(session, message, app.config, app.calendar, now)
            if _detect_reply(message, row, statuses, now):
                result.replied += 1
            result.new += 1


def _update_seen(
    session: Session,
    app: App,
    source: SourceConfig,
    statuses: StatusLists,
    by_id: dict[str, dict[str, Any]],
    existing: dict[str, Message],
    now: datetime,
    result: IngestResult,
) -> None:
    for external_id, row in by_id.items():
        message = existing.get(external_id)
        if message is None:
            continue
        message.last_seen = now
        message.missed_passes = 0
        message.absent_since = None
        changed = False
        if message.state == MessageState.WITHDRAWN.value:
            reactivate(session, message, app.config, app.calendar, now)
            changed = True
        if row.get("changed") or message.content_hash != row.get("fingerprint"):
            changed = _apply_fields(message, row, source) or changed
            message.content_hash = row.get("fingerprint")
        if _detect_reply(message, row, statuses, now):
            result.replied += 1
            changed = True
        if changed:
            result.updated += 1


def _conclude_absences(
    section: SectionSpec,
    by_id: dict[str, dict[str, Any]],
    checks: dict[str, bool],
    existing: dict[str, Message],
    stats: dict[str, Any],
    now: datetime,
    result: IngestResult,
) -> None:
    """Withdraw on positive evidence only (see the module docstring)."""
    complete, full = bool(stats.get("complete")), bool(stats.get("full_pass"))
    since = _time(stats.get("complete_since"))
    detail = section.detail
    for external_id, message in existing.items():
        if external_id in by_id or message.state not in _ACTIVE:
            continue
        own_page = has_detail_page(
            external_id, message.url, detail is not None, detail.url if detail else None
        )
        if own_page:
            if external_id not in checks:
                continue
            if not checks[external_id]:
                message.absent_since = None  # its page is there: not withdrawn
                continue
            wait = DETAIL_GONE_FOR
        elif covers(message.posted_at, complete, full, since):
            message.missed_passes = (message.missed_passes or 0) + 1
            wait = LIST_MISSING_FOR
        else:
            continue
        if message.absent_since is None:
            message.absent_since = now
        elif now - message.absent_since >= wait:
            mark_withdrawn(message, now)
            result.withdrawn += 1
            result.updated += 1


def ingest_news(
    session: Session, app: App, source: SourceConfig, rows: list[dict[str, Any]], now: datetime
) -> IngestResult:
    """Hand news rows to `monitor.news.ingest_news` (clustering, dedup)."""
    result = IngestResult()
    clean = [
        {
            "url": r.get("url"),
            "title": r.get("title") or "",
            "body": _long_text(r.get("body")),
            "published_at": r.get("published_at"),
            "outlet": r.get("outlet"),
            "keyword": r.get("keyword"),
        }
        for r in rows
        if r.get("url")
    ]
    new, updated = store_news(session, app, source.name, clean, now)
    result.new, result.updated = int(new), int(updated)
    return result


def record_health(
    session: Session, source: SourceConfig, kind: str, stats: dict[str, Any], now: datetime
) -> Source:
    """Update the source's health row from one crawl's stats."""
    row = session.scalar(select(Source).where(Source.name == source.name))
    if row is None:
        row = Source(name=source.name, kind=kind, healthy=True, consecutive_failures=0)
        session.add(row)
    row.kind = kind
    if stats.get("complete") and stats.get("last_page"):
        row.last_page = int(stats["last_page"])
    if "warnings" in stats:
        warnings = [str(w) for w in stats.get("warnings") or []]
        row.warning = "；".join(warnings)[:1000] if warnings else None
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
            row.usual_body_size = int(
                size if not usual else usual * (1 - USUAL_SIZE_WEIGHT) + size * USUAL_SIZE_WEIGHT
            )
    else:
        reason = str(stats.get("error") or "抓取失败")
        row.healthy = False
        row.reason = reason[:500]
        row.last_error = now
        row.last_error_text = (
            f"{reason} ({stats['error_url']})" if stats.get("error_url") else reason
        )
        row.consecutive_failures = (row.consecutive_failures or 0) + 1
    return row
