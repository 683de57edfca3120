"""A portal's 意见征集 column (a section of `kind = "consultations"`, docs/consultations.md), written by
the crawl's parent into the register: a new row is registered like `consult add` (actor
`crawl:<source>`), a changed window is rescheduled, and a feedback link appearing counts as
the 采纳情况 published — at the portal's `feedback_at` when the profile reads one, else when
the link was first seen (marked approximate, and replaced if the portal later gives a time).

A row that cannot be registered (no dates, a closing date not after the opening date) is
named in the crawl's notes and left out; the other rows go in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.consultation.deadlines import OPEN_VALUES
from monitor.consultation.register import (
    add_consultation,
    check_window,
    record,
    record_feedback,
    schedule,
)
from monitor.db.models import Consultation
from monitor.disclosure.register import CLOCK_SKEW, Context
from monitor.errors import MonitorError
from monitor.timeutil import iso, parse_iso
from spiders.rows import ConsultationRow, RowError, parse_row

if TYPE_CHECKING:
    from monitor.app import App
    from monitor.config import SourceConfig


@dataclass
class Written:
    """What one crawl's rows did to the register (`monitor.ingest` turns it into the crawl's
    result, as it does the news store's counts)."""

    new: int = 0
    updated: int = 0
    replied: int = 0  # 采纳情况 newly seen published
    notes: list[str] = field(default_factory=list)


def job_inputs(session: Session, source: SourceConfig) -> dict[str, Any]:
    """What the crawl child needs: the rows it knows (id → list fingerprint, so unchanged
    rows cost no detail request) and the ones still owing 采纳情况 (paging goes on until each
    has been seen again, and their detail pages are re-read when only they show feedback)."""
    known: dict[str, str] = {}
    waiting: list[str] = []
    for external_id, fingerprint, state in session.execute(
        select(Consultation.external_id, Consultation.content_hash, Consultation.state).where(
            Consultation.source == source.name
        )
    ):
        if external_id is None:
            continue
        if fingerprint:
            known[external_id] = fingerprint
        if state in OPEN_VALUES:
            waiting.append(external_id)
    return {"known": known, "open": waiting, "candidates": {}}


def _time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return parse_iso(str(value))
    except ValueError:
        return None


def _text(value: Any, limit: int) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text[:limit] or None


def write_consultations(
    session: Session,
    app: App,
    source: SourceConfig,
    rows: Iterable[dict[str, Any]],
    now: datetime,
) -> Written:
    """Write one crawl's rows (read back with `spiders.rows.parse_row`); `replied` counts
    采纳情况 newly seen published."""
    result = Written()
    ctx = Context(app.config, app.calendar, now, actor=f"crawl:{source.name}")
    seen: set[str] = set()
    for data in rows:
        try:
            row = parse_row({"kind": "consultation", **data})
        except RowError as exc:
            _note(result, f"意见征集的一行无法读取：{exc}")
            continue
        if not isinstance(row, ConsultationRow):
            continue
        external_id = _text(row.external_id, 200)
        if external_id is None or external_id in seen:
            continue
        seen.add(external_id)
        title = _text(row.title, 10000) or ""
        opens, closes = _time(row.opens_at), _time(row.closes_at)
        existing = session.scalar(
            select(Consultation).where(
                Consultation.source == source.name, Consultation.external_id == external_id
            )
        )
        if existing is None and (opens is None or closes is None):
            # an unchanged known row has only its list fields: no dates is normal there
            _note(result, f"意见征集「{title[:40]}」缺少征集起止日期，暂不登记（{external_id}）")
            continue
        try:
            if existing is None:
                assert opens is not None and closes is not None
                existing = add_consultation(
                    session,
                    ctx,
                    title,
                    opens,
                    closes,
                    department=_text(row.department, 200) or source.department_default,
                    url=row.url,
                    source=source.name,
                    external_id=external_id,
                )
                result.new += 1
            elif opens and closes and _update(session, ctx, existing, row, title, opens, closes):
                result.updated += 1
            existing.content_hash = row.fingerprint
            if _feedback(session, ctx, existing, row, result):
                result.replied += 1
        except MonitorError as exc:
            _note(result, f"意见征集「{title[:40]}」未登记：{exc}")
    return result


def _note(result: Written, text: str) -> None:
    if text not in result.notes and len(result.notes) < 20:
        result.notes.append(text)


def _update(
    session: Session,
    ctx: Context,
    row: Consultation,
    found: ConsultationRow,
    title: str,
    opens: datetime,
    closes: datetime,
) -> bool:
    """The portal changed the title, link, department or window: follow it. True if so."""
    changes: dict[str, Any] = {}
    department = _text(found.department, 200)
    for name, value in (("title", title), ("url", found.url), ("department", department)):
        if value and getattr(row, name) != value:
            changes[name] = value
    window = check_window(opens, closes)
    moved = (window.opens_on, window.closes_on, window.closes_at) != (
        row.opens_on,
        row.closes_on,
        row.closes_at,
    )
    if not changes and not moved:
        return False
    before = {"opens_on": row.opens_on.isoformat(), "closes_on": row.closes_on.isoformat()}
    for name, value in changes.items():
        setattr(row, name, value)
    if moved:
        row.opens_at, row.closes_at = window.opens_at, window.closes_at
        row.opens_on, row.closes_on = window.opens_on, window.closes_on
    schedule(session, row, ctx)
    record(
        session,
        row,
        "update",
        ctx.now,
        ctx,
        changed=sorted(changes) or None,
        before=before if moved else None,
        closes_on=row.closes_on.isoformat() if moved else None,
    )
    return True


def _feedback(
    session: Session,
    ctx: Context,
    row: Consultation,
    found: ConsultationRow,
    result: Written,
) -> bool:
    """A feedback link (or a feedback time) on the portal: the 采纳情况 is published. True
    when that is news."""
    link = found.feedback_url or None
    at = _time(found.feedback_at)
    if link is None and at is None:
        return False
    if row.feedback_at is not None:
        if link and not row.feedback_url:
            row.feedback_url = link
        if not (row.feedback_approx and at is not None):
            return False  # already known as well as the portal knows it
    approximate = at is None
    if at is not None and at < row.closes_at:
        _note(
            result,
            f"意见征集 #{row.id} 的采纳情况时间 {iso(at)} 早于征集截止，按发现时间登记",
        )
        at, approximate = None, True
    if at is not None and at > ctx.now + CLOCK_SKEW:
        _note(
            result,
            f"意见征集 #{row.id} 的采纳情况时间 {iso(at)} 晚于当前时间，按发现时间登记",
        )
        at, approximate = None, True
    if at is None:
        if ctx.now < row.closes_at:
            _note(result, f"意见征集 #{row.id} 尚在征集期内就出现了反馈链接，暂不登记")
            return False
        at = ctx.now
    was_known = row.feedback_at is not None
    record_feedback(session, ctx, row.id, at, link, approximate=approximate)
    return not was_known
