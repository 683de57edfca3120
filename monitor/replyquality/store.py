"""Verdicts in the database (`reply_verdicts`): every reply the product sees is judged once,
whichever path brought it (a portal crawl, a work-order import), by a sweep step over the
replies not judged yet; an editor marks a flag 误报 or 属实; `items` and the dashboard read the
verdicts here (the summary, the report and the sweep's alert query the table themselves: a
flag that stands is `ReplyVerdict.flag_stands()`).

The corpus a new reply is judged in is the office's replies of the last `[reply_quality]
corpus_days` (at most CORPUS_LIMIT, the newest): its shared phrases are learned from them and
a new reply that repeats one of them under a different question is a template. When it is,
the earlier reply it repeats is a template too (the pasting shows only now): its verdict gains
the reason, unless an editor already marked it 误报.

Readings (jieba, regular expressions) are cached in the process by message and reply text,
so the daemon reads each old reply once, not on every new one."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, or_, select

from monitor.db.models import Message, ReplyVerdict
from monitor.errors import MonitorError
from monitor.replyquality.checker import judge_all, phrases_of
from monitor.replyquality.corpus import Corpus
from monitor.replyquality.reading import Entry, Phrases, Reading, read
from monitor.replyquality.reasons import FALSE_POSITIVE, MARK_ZH, Reason
from monitor.replyquality.verdict import Verdict

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from monitor.app import App

log = logging.getLogger(__name__)

CORPUS_LIMIT = 5000  # recent replies a new one is judged among
BATCH = 500  # new replies judged per sweep (a first crawl's history takes a few sweeps)

_READINGS: dict[tuple[int, str, Phrases], Reading] = {}
_READINGS_MAX = 20_000


def reply_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _entry(message: Any) -> Entry:
    return Entry(
        message.id, message.body or "", message.reply or "", message.title, message.department
    )


def _reading(message: Any, phrases: Phrases) -> Reading:
    key = (message.id, reply_hash(message.reply or ""), phrases)
    found = _READINGS.get(key)
    if found is None:
        if len(_READINGS) >= _READINGS_MAX:
            _READINGS.clear()
        found = _READINGS[key] = read(_entry(message), phrases)
    return found


def judge_replies(session: Session, app: App, now: datetime) -> int:
    """Sweep step: judge the replies that have no verdict yet; returns how many."""
    settings = app.config.settings.reply_quality
    if not settings.enabled:
        return 0
    has_reply = and_(Message.reply.is_not(None), Message.reply != "")
    new_ids = list(
        session.scalars(
            select(Message.id)
            .outerjoin(ReplyVerdict, ReplyVerdict.message_id == Message.id)
            .where(has_reply, ReplyVerdict.id.is_(None))
            .order_by(Message.id)
            .limit(BATCH)
        )
    )
    if not new_ids:
        return 0
    phrases = phrases_of(settings)
    since = now - timedelta(days=settings.corpus_days)
    recent = session.execute(
        select(Message.id, Message.title, Message.body, Message.reply, Message.department)
        .where(
            has_reply,
            or_(Message.replied_at >= since, Message.first_seen >= since, Message.id.in_(new_ids)),
        )
        .order_by(Message.id.desc())
        .limit(CORPUS_LIMIT + len(new_ids))
    ).all()
    corpus = Corpus(phrases)
    for row in reversed(recent):
        corpus.add(_reading(row, phrases))
    for message in session.scalars(select(Message).where(Message.id.in_(new_ids))):
        corpus.add(_reading(message, phrases))  # beyond the recent window: judged all the same
    verdicts = judge_all(corpus, new_ids)
    texts = {row.id: row.reply or "" for row in recent}
    for message_id, reply in session.execute(
        select(Message.id, Message.reply).where(Message.id.in_(new_ids))
    ):
        texts[message_id] = reply or ""
    for v in verdicts:
        session.add(
            ReplyVerdict(
                message_id=v.id,
                reply_hash=reply_hash(texts[v.id]),
                perfunctory=v.perfunctory,
                reasons=[r.value for r in v.reasons],
                score=v.score,
                evidence=v.evidence,
                checked_at=now,
            )
        )
    session.flush()
    _spread_templates(session, verdicts)
    flagged = sum(1 for v in verdicts if v.perfunctory)
    log.info("reply quality: %d replies judged, %d flagged", len(verdicts), flagged)
    return len(verdicts)


def _spread_templates(session: Session, verdicts: list[Verdict]) -> None:
    """An earlier reply that a new one repeats (under another question) is a template too."""
    repeats: dict[int, set[int]] = {}
    for v in verdicts:
        for other in (v.evidence.get("template") or {}).get("same_reply_as", []):
            repeats.setdefault(int(str(other)), set()).add(int(str(v.id)))
    if not repeats:
        return
    for row in session.scalars(
        select(ReplyVerdict).where(ReplyVerdict.message_id.in_(list(repeats)))
    ):
        if row.mark == FALSE_POSITIVE:
            continue
        evidence = dict(row.evidence or {})
        template = dict(evidence.get("template") or {"same_reply_as": [], "similarity": 1.0})
        known = {int(i) for i in template.get("same_reply_as", [])}
        added = sorted(repeats[row.message_id] - known)
        if not added and Reason.TEMPLATE.value in row.reasons:
            continue
        template["same_reply_as"] = sorted(known | set(added))
        evidence["template"] = template
        row.evidence = evidence
        if Reason.TEMPLATE.value not in row.reasons:
            row.reasons = [Reason.TEMPLATE.value, *row.reasons]
        row.perfunctory = True
        row.score = max(row.score, 0.95)


# --- what people do and read ------------------------------------------------------------------


@dataclass(frozen=True)
class Marked:
    message_id: int
    mark: str
    actor: str
    at: datetime


def mark_verdict(session: Session, message_id: int, mark: str, actor: str, now: datetime) -> Marked:
    """An editor's call on a flag: 误报 (`false_positive`: it leaves the figures, and an alert
    still waiting is not sent: the dispatcher skips it, as the flag no longer stands) or 属实
    (`confirmed`). Recorded with the actor and time."""
    if mark not in MARK_ZH:
        raise MonitorError(f"标记应为 误报 或 属实，而不是 {mark!r}")
    row = session.scalar(select(ReplyVerdict).where(ReplyVerdict.message_id == message_id))
    if row is None:
        raise MonitorError(f"留言 {message_id} 的回复尚未检查，无法标记")
    row.mark, row.marked_by, row.marked_at = mark, actor, now
    log.info("reply quality of message %s marked %s by %s", message_id, mark, actor)
    return Marked(message_id, mark, actor, now)


def verdicts_for(session: Session, message_ids: list[int]) -> dict[int, ReplyVerdict]:
    out: dict[int, ReplyVerdict] = {}
    for start in range(0, len(message_ids), 500):
        chunk = message_ids[start : start + 500]
        for row in session.scalars(select(ReplyVerdict).where(ReplyVerdict.message_id.in_(chunk))):
            out[row.message_id] = row
    return out


def summary_of(row: ReplyVerdict | None) -> dict[str, Any] | None:
    """`items --json`'s `reply_quality`: null (not checked) or perfunctory, reasons, score
    (and the editor's mark, if any)."""
    if row is None:
        return None
    return {
        "perfunctory": row.perfunctory,
        "reasons": list(row.reasons or []),
        "score": row.score,
        "mark": row.mark,
    }
