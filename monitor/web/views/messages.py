"""/messages/<id>: the message, its reply and deadline, and its timeline (first seen, each
alert stage and where it was sent, acknowledged, replied, withdrawn), with the portal link."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from sqlalchemy import select

from monitor import board as core
from monitor.db.models import Message, ReplyVerdict
from monitor.deadlines import state_at
from monitor.errors import MonitorError
from monitor.replyquality.reasons import MARK_ZH, reasons_of
from monitor.replyquality.store import mark_verdict
from monitor.replyquality.verdict import Verdict, describe_evidence
from monitor.web.filters import display_names
from monitor.web.timeline import message_timeline, portal_link
from monitor.web.views.common import actor, error, now, ok, om

bp = Blueprint("messages", __name__)


@bp.route("/messages/<id:message_id>")
def show(message_id: int) -> Any:
    app, moment = om(), now()
    with app.session() as db:
        message = db.get(Message, message_id)
        if message is None:
            abort(404, description=f"没有编号为 {message_id} 的留言")
        state = _state_at(message, moment)
        context = {
            "m": message,
            "state": state,
            "portal": portal_link(message.url),
            "left": (
                core.time_left(message.deadline, message.due_date, moment, app.calendar)
                if state in core.BOARD_STATES
                else None
            ),
            "timeline": message_timeline(db, message, moment, *display_names()),
            "quality": _quality(db, message),
        }
    return render_template("message.html", **context)


def _quality(db: Any, message: Any) -> dict[str, Any] | None:
    """The reply checker's verdict as the page shows it: flag, reasons, evidence lines, the
    other messages a template repeats (linked), the editor's mark."""
    row = db.scalar(select(ReplyVerdict).where(ReplyVerdict.message_id == message.id))
    if row is None:
        return None
    reasons = reasons_of(list(row.reasons or []))
    others = [int(i) for i in ((row.evidence or {}).get("template") or {}).get("same_reply_as", [])]
    titles = {
        i: t for i, t in db.execute(select(Message.id, Message.title).where(Message.id.in_(others)))
    }
    verdict = Verdict(message.id, row.perfunctory, reasons, row.score, row.evidence or {})
    return {
        "row": row,
        "labels": [r.label for r in reasons],
        "lines": describe_evidence(verdict, {i: f"#{i}" for i in others}),
        "others": [(i, titles.get(i) or "") for i in others],
        "mark_zh": MARK_ZH.get(row.mark or "", ""),
    }


@bp.route("/messages/<id:message_id>/reply-quality", methods=["POST"])
def mark(message_id: int) -> Any:
    """An editor's 误报 / 属实 on the flag, recorded with the user (the same core function a
    script would call)."""
    choice = request.form.get("mark", "")
    try:
        with om().session() as db:
            mark_verdict(db, message_id, choice, actor(), now())
    except MonitorError as exc:
        error(f"未标记：{exc}")
    else:
        ok(f"已将回复检查结果标记为“{MARK_ZH[choice]}”")
    return redirect(url_for("messages.show", message_id=message_id) + "#reply-quality", code=303)


def _state_at(message: Any, moment: Any) -> str:
    return state_at(message, moment)
