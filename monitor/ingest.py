"""What a crawl child found, written to the database by the parent (docs/site-profiles.md, docs/deployment.md).

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
* Rows arrive as the child wrote them and are read back with `spiders.rows.parse_row`: the
  one declaration of what a row holds, shared with the spider.
* A row the child marks *pending* (a new message whose time or title is only on its detail
  page, which could not be read) is kept in `pending_rows` and handed back to the child each
  pass until its detail page is read; it is never dropped and never tracked on a guessed time.
* Backfill (docs/site-profiles.md): a source's first pass, and any pass that ends incomplete, leaves it
  backfilling (`sources.backfill_*`) until one complete pass reaches the end of the list or
  `backfill_days` back; `status` reports it and the source is not healthy until then.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from monitor.app import App
from monitor.config import SourceConfig
from monitor.consultation.ingest import job_inputs as consultation_inputs
from monitor.consultation.ingest import write_consultations
from monitor.db.models import Message, PendingRow, Source
from monitor.deadlines import ACTIVE_STATE_VALUES, MessageState
from monitor.news import ingest_news as store_news
from monitor.timeutil import iso, parse_iso
from monitor.tracking import mark_replied, mark_withdrawn, reactivate, schedule_message
from spiders.limits import clip_text
from spiders.paging import Backfill, backfill_after, covers, has_detail_page
from spiders.profile import SectionSpec
from spiders.rows import CheckRow, MessageRow, NewsRow, RowError, parse_row

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
    pending: int = 0  # rows kept pending this pass
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
        # the first pass backfills, and so does every pass until one has read back far enough
        backfilling = row is None or row.backfill_since is not None
        inputs["backfill"] = (
            {"pages_read": (row.backfill_pages or 0) if row else 0} if backfilling else None
        )
        inputs["pending"] = {
            p.external_id: p.row
            for p in session.scalars(select(PendingRow).where(PendingRow.source == source.name))
        }
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
    elif kind == "consultations":
        inputs.update(consultation_inputs(session, source))
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


def _apply_fields(message: Message, row: MessageRow, source: SourceConfig) -> bool:
    """Copy what the row says onto the message (list values, overridden by the detail's in the
    row already); True if anything changed."""
    changed = False
    values = {
        "url": row.url,
        "title": _clip(row.title, 10000) or message.title or "",
        "status_text": _clip(row.status_text, 100),
        "category": _clip(row.category, 100),
        "author": _clip(row.author, 200),
        "body": _long_text(row.body),
        "department": _clip(row.department, 200) or message.department or source.department_default,
    }
    for name, value in values.items():
        if value is not None and getattr(message, name) != value:
            setattr(message, name, value)
            changed = True
    return changed


def _detect_reply(message: Message, row: MessageRow, statuses: StatusLists, now: datetime) -> bool:
    """Mark the message replied when the portal says so; True if it was marked now."""
    replied_at = _time(row.replied_at)
    by_status = statuses.says_replied(row.status_text)
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


def _copy_reply(message: Message, row: MessageRow) -> None:
    if row.reply:
        message.reply = _long_text(row.reply)
    if row.reply_department:
        message.reply_department = _clip(row.reply_department, 200)


def _load_existing(session: Session, source: str, external_ids: list[str]) -> dict[str, Message]:
    """The rows this crawl saw plus every active message (candidates for withdrawal) — not the
    source's whole history, which a no-change recrawl would otherwise load every cycle."""
    found: dict[str, Message] = {}
    chunks = [external_ids[start : start + 500] for start in range(0, len(external_ids), 500)]
    for n, chunk in enumerate(chunks or [[]]):
        wanted: ColumnElement[bool] = Message.external_id.in_(chunk)
        if n == max(len(chunks) - 1, 0):
            # the active ones in the same statement: a no-change pass of a source is then one
            # query here, not two (the source's index is read for the active ones either way)
            wanted = or_(wanted, Message.state.in_(_ACTIVE))
        for m in session.scalars(select(Message).where(Message.source == source, wanted)):
            found[m.external_id] = m
    return found


def _split(
    rows: Iterable[dict[str, Any]], notes: list[str]
) -> tuple[dict[str, MessageRow], dict[str, bool]]:
    """The child's items: message rows by external_id (a row whose detail was read wins over
    the same id's row without it), and detail-page checks (id → gone)."""
    by_id: dict[str, MessageRow] = {}
    checks: dict[str, bool] = {}
    for data in rows:
        try:
            row = parse_row(data)
        except RowError as exc:
            if len(notes) < 20:
                notes.append(f"抓取结果中有一行无法读取：{exc}")
            continue
        if isinstance(row, CheckRow):
            checks[row.check] = row.gone
        elif isinstance(row, MessageRow):
            earlier = by_id.get(row.external_id)
            if earlier is None or (earlier.pending and not row.pending):
                by_id[row.external_id] = row
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
    by_id, checks = _split(rows, result.notes)
    existing = _load_existing(session, source.name, list(by_id))
    _keep_pending(session, source, by_id, existing, now, result)
    _add_new(session, app, source, section, statuses, by_id, existing, now, result)
    _update_seen(session, app, source, section, statuses, by_id, existing, now, result)
    _conclude_absences(section, by_id, checks, existing, stats, now, result)
    return result


def _keep_pending(
    session: Session,
    source: SourceConfig,
    by_id: dict[str, MessageRow],
    existing: dict[str, Message],
    now: datetime,
    result: IngestResult,
) -> None:
    """Store the new rows that cannot be tracked yet; forget the pending rows now trackable."""
    stored = {
        p.external_id: p
        for p in session.scalars(select(PendingRow).where(PendingRow.source == source.name))
    }
    for external_id, row in by_id.items():
        if external_id in existing:
            continue  # already tracked: a row without its detail is just an update
        kept = stored.get(external_id)
        if row.pending is None:
            if kept is not None:
                session.delete(kept)  # its detail page was read: tracked below
            continue
        result.pending += 1
        if kept is None:
            session.add(
                PendingRow(
                    source=source.name,
                    external_id=external_id[:200],
                    row=row.to_dict(),
                    reason=row.pending[:500],
                    first_seen=now,
                    last_tried=now,
                    tries=1,
                )
            )
        else:
            kept.row = row.to_dict()
            kept.reason = row.pending[:500]
            kept.last_tried = now
            kept.tries = (kept.tries or 0) + 1
    for external_id, kept in stored.items():
        if external_id in existing:
            session.delete(kept)  # tracked meanwhile (e.g. by another section's pass)


def _hash_to_keep(row: MessageRow, section: SectionSpec) -> str | None:
    """The list fingerprint to remember. A row whose detail page exists but was not read this
    time keeps none, so the next pass fetches the detail again instead of calling the row
    unchanged."""
    detail = section.detail
    missed = (
        row.changed
        and not row.detail
        and row.detail_status is None
        and row.public
        and detail is not None
        and has_detail_page(row.external_id, row.url, True, detail.url)
    )
    return None if missed else row.fingerprint


def _add_new(
    session: Session,
    app: App,
    source: SourceConfig,
    section: SectionSpec,
    statuses: StatusLists,
    by_id: dict[str, MessageRow],
    existing: dict[str, Message],
    now: datetime,
    result: IngestResult,
) -> None:
    fresh: list[tuple[Message, MessageRow]] = []
    for external_id, row in by_id.items():
        if external_id in existing or row.pending is not None:
            continue
        posted_at = _time(row.posted_at)
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
        message.content_hash = _hash_to_keep(row, section)
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
    section: SectionSpec,
    statuses: StatusLists,
    by_id: dict[str, MessageRow],
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
        if row.changed or message.content_hash != row.fingerprint:
            changed = _apply_fields(message, row, source) or changed
            message.content_hash = _hash_to_keep(row, section)
        if _detect_reply(message, row, statuses, now):
            result.replied += 1
            changed = True
        if changed:
            result.updated += 1


def _conclude_absences(
    section: SectionSpec,
    by_id: dict[str, MessageRow],
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
    news: list[NewsRow] = []
    for data in rows:
        try:
            row = parse_row({"kind": "news", **data})
        except RowError:
            continue
        if isinstance(row, NewsRow):
            news.append(row)
    clean = [
        {
            "url": r.url,
            "title": r.title or "",
            "body": _long_text(r.body),
            "published_at": r.published_at,
            "outlet": r.outlet,
            "keyword": r.keyword,
        }
        for r in news
    ]
    new, updated = store_news(session, app, source.name, clean, now)
    result.new, result.updated = int(new), int(updated)
    return result


def ingest_consultations(
    session: Session, app: App, source: SourceConfig, rows: list[dict[str, Any]], now: datetime
) -> IngestResult:
    """Hand 意见征集 rows to the register (`monitor.consultation.ingest`)."""
    written = write_consultations(session, app, source, rows, now)
    return IngestResult(written.new, written.updated, written.replied, notes=written.notes)


def record_health(
    session: Session, source: SourceConfig, kind: str, stats: dict[str, Any], now: datetime
) -> Source:
    """Update the source's health row from one crawl's stats."""
    row = session.scalar(select(Source).where(Source.name == source.name))
    first_pass = row is None
    if row is None:
        row = Source(name=source.name, kind=kind, healthy=True, consecutive_failures=0)
        session.add(row)
    row.kind = kind
    if kind == "messages":
        _record_backfill(row, stats, first_pass, now)
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


def backfill_of(row: Source | None) -> Backfill | None:
    """The source's backfill in progress, or None."""
    if row is None or row.backfill_since is None:
        return None
    return Backfill(row.backfill_since, row.backfill_pages or 0, row.backfill_reached)


def _record_backfill(row: Source, stats: dict[str, Any], first_pass: bool, now: datetime) -> None:
    """Begin, carry on or end the source's backfill after one pass (spiders.paging)."""
    info = stats.get("backfill") or {}
    complete = bool(stats.get("complete"))  # a detail page's failure leaves the list complete
    state = backfill_after(
        backfill_of(row),
        first_pass,
        complete,
        complete and bool(info.get("done")),
        int(info.get("pages") or 0),
        _time(info.get("oldest")),
        now,
    )
    row.backfill_since = state.since if state else None
    row.backfill_pages = state.pages_read if state else None
    row.backfill_reached = state.reached if state else None
