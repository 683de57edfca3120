"""/messages/<id>: the message, its reply and deadline, and its timeline (first seen, each
alert stage and where it was sent, acknowledged, replied, withdrawn), with the portal link."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template

from monitor import board as core
from monitor.db.models import Message
from monitor.deadlines import state_at
from monitor.web.timeline import message_timeline, portal_link
from monitor.web.views.common import now, om

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
            "timeline": message_timeline(db, message, moment),
        }
    return render_template("message.html", **context)


def _state_at(message: Any, moment: Any) -> str:
    return state_at(message, moment)
