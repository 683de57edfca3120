"""Replies in the sweep: the `reply_perfunctory` alert (docs/reply-quality.md), one per flagged reply
(subject message:ID, stage "perfunctory", so the outbox's key makes it fire once), to the
office's route (the alert's department is None: [routing] default), held outside office hours
like every ordinary alert. A reply older than `[reply_quality] alert_max_age_hours` (a first
crawl's history) is listed on the dashboard and in the report, not alerted; one an editor
marked 误报 before the sweep reached it is not alerted either.

The verdicts it reads are written by the step before it in STEPS,
`monitor.replyquality.store.judge_replies` (tracking: it knows nothing of alerts)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import exists, func, select

from alerts.outbox import AlertKind, NewAlert, ReplyQualityPayload, Subject, SubjectKind, enqueue
from monitor.db.models import Alert, Message, ReplyVerdict
from monitor.replyquality.reasons import reason_labels, reasons_of
from monitor.replyquality.verdict import Verdict, describe_evidence
from monitor.timeutil import format_local

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from monitor.app import App

STAGE = "perfunctory"


def perfunctory_alerts(session: Session, app: App, now: datetime) -> int:
    settings = app.config.settings.reply_quality
    if not settings.enabled:
        return 0
    oldest = now - timedelta(hours=settings.alert_max_age_hours)
    subject = Subject.sql(SubjectKind.MESSAGE, Message.id)
    found = session.execute(
        select(Message, ReplyVerdict)
        .join(ReplyVerdict, ReplyVerdict.message_id == Message.id)
        .where(
            ReplyVerdict.flag_stands(),
            func.coalesce(Message.replied_at, ReplyVerdict.checked_at) >= oldest,
            ~exists().where(Alert.subject == subject, Alert.stage == STAGE),
        )
        .order_by(Message.id)
    )
    public = app.config.settings.web.public_url
    new = []
    rows = [(message, verdict) for message, verdict in found]
    titles = _titles(session, rows)
    for message, verdict in rows:
        reasons = reasons_of(list(verdict.reasons))
        lines = describe_evidence(
            Verdict(message.id, True, reasons, verdict.score, verdict.evidence or {}), titles
        )
        new.append(
            NewAlert(
                AlertKind.REPLY_PERFUNCTORY,
                Subject.message(message.id),
                STAGE,
                now,
                None,  # the office's route: reply quality is the office's concern
                ReplyQualityPayload(
                    title=message.title,
                    url=message.url,
                    board_url=f"{public}/messages/{message.id}" if public else None,
                    department=message.department,
                    reasons=list(verdict.reasons),
                    labels=reason_labels(list(verdict.reasons)),
                    evidence=lines,
                    score=verdict.score,
                    replied_at=format_local(message.replied_at) or None,
                ),
            )
        )
    return enqueue(session, new)


def _titles(session: Session, rows: list[tuple[Message, ReplyVerdict]]) -> dict[int, str]:
    """Titles of the other messages a template repeats (the evidence names them)."""
    ids = {
        int(i)
        for _m, v in rows
        for i in ((v.evidence or {}).get("template") or {}).get("same_reply_as", [])
    }
    if not ids:
        return {}
    return {
        mid: f"#{mid}「{title[:20]}」"
        for mid, title in session.execute(
            select(Message.id, Message.title).where(Message.id.in_(ids))
        )
    }
