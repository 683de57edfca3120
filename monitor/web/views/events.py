"""/events: declare a crisis (title, level, started_at), mark milestones done (with the time),
see the 5 h / 24 h clocks. The same core functions as `event declare|done`."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

from monitor.deadlines import MILESTONE_ZH
from monitor.errors import MonitorError
from monitor.tracking import declare_event, mark_milestone_done
from monitor.web.views.board import crisis_clocks
from monitor.web.views.common import actor, error, now, ok, om, parse_local

bp = Blueprint("events", __name__)
log = logging.getLogger(__name__)


@bp.route("/events")
def index() -> Any:
    with om().session() as db:
        events = crisis_clocks(db, now(), active_only=False)
    # the page states the configured limits ([rules.crisis]), not the defaults: the manual
    # promises that what the dashboard shows is what the product counts
    rule = om().config.settings.rules.crisis
    return render_template("events.html", events=events, rule=rule, refresh=300)


@bp.route("/events", methods=["POST"])
def declare() -> Any:
    app = om()
    try:
        started = parse_local(request.form.get("started_at"), "发生/发现时间")
        if started is None:
            raise MonitorError("请填写事件发生或发现的时间")
        with app.session() as db:
            event = declare_event(
                db,
                request.form.get("title", ""),
                request.form.get("level", ""),
                started,
                app.config,
                now(),
            )
            event_id, title = event.id, event.title
    except MonitorError as exc:
        error(f"未登记：{exc}")
        return redirect(url_for("events.index"), code=303)
    log.info("event %s declared by %s", event_id, actor())
    ok(f"已登记突发事件 #{event_id}「{title}」，开始计时")
    return redirect(url_for("events.index") + f"#e{event_id}", code=303)


@bp.route("/events/<id:event_id>/done", methods=["POST"])
def done(event_id: int) -> Any:
    name = request.form.get("milestone", "")
    try:
        at = parse_local(request.form.get("at"), "完成时间") or now()
        with om().session() as db:
            row = mark_milestone_done(
                db, event_id, name, at, now(), correct=request.form.get("correct") == "1"
            )
            late = at > row.deadline  # row.done_at is `at` now
    except MonitorError as exc:
        error(f"未标记：{exc}")
        return redirect(url_for("events.index"), code=303)
    log.info("event %s milestone %s marked done by %s", event_id, name, actor())
    ok(
        f"事件 #{event_id}「{MILESTONE_ZH.get(name, name)}」已标记完成"
        + ("（已超时限）" if late else "（在时限内）")
    )
    return redirect(url_for("events.index") + f"#e{event_id}", code=303)
