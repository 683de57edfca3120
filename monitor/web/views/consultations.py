"""/consultations (意见征集, docs/consultations.md): list the comment windows and their 采纳情况 clocks,
register one, record its 采纳情况 — the same core functions as `consult add|feedback|list`
(monitor.consultation.register), the dashboard user as the actor."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

from monitor.calendar import WorkingDays
from monitor.consultation.deadlines import MIN_DAYS_BASIS, STATE_ZH, STATES, closing_as_written
from monitor.consultation.register import (
    LIST_STATES,
    add_consultation,
    consultation_document,
    list_consultations,
    record_feedback,
)
from monitor.disclosure.register import Context
from monitor.errors import MonitorError
from monitor.web.views.common import actor, error, now, ok, om, parse_local, warn

bp = Blueprint("consultations", __name__)


def _ctx() -> Any:
    app = om()
    return Context(app.config, app.calendar, now(), actor())


@bp.route("/consultations")
def index() -> Any:
    app, moment = om(), now()
    state = request.args.get("state") or "open"
    state = state if state in LIST_STATES else "open"
    with app.session() as db:
        days = WorkingDays(app.calendar)
        docs = [
            consultation_document(r, moment, days) for r in list_consultations(db, moment, state)
        ]
    rule = app.config.settings.rules.consultation
    return render_template(
        "consultations.html",
        consultations=docs,
        state=state,
        STATES=STATES,
        CSTATE_ZH=STATE_ZH,
        rule=rule,
        basis=MIN_DAYS_BASIS,
    )


@bp.route("/consultations", methods=["POST"])
def add() -> Any:
    form = request.form
    try:
        opens = parse_local(form.get("opens"), "征集开始日期")
        closes = parse_local(form.get("closes"), "征集截止日期")
        if closes is not None:  # `24:00` ends its own date, as on the command line
            closes = closing_as_written(form.get("closes", ""), closes)
        if opens is None or closes is None:
            raise MonitorError("请填写征集开始日期和截止日期")
        with om().session() as db:
            row = add_consultation(
                db,
                _ctx(),
                form.get("title", ""),
                opens,
                closes,
                department=form.get("department") or None,
                url=form.get("url") or None,
            )
            cid, days, short, min_days = row.id, row.window_days, row.short, row.min_days
            due = row.due_date
    except MonitorError as exc:
        error(f"未登记：{exc}")
        return redirect(url_for("consultations.index"), code=303)
    message = f"已登记意见征集 #{cid}（征集 {days} 天），采纳情况公布期限 {due.isoformat()}"
    if short:
        warn(f"意见征集 #{cid} 的征集期 {days} 天，少于 {min_days} 天：将提醒办公室")
    ok(message)
    return redirect(url_for("consultations.index") + f"#c{cid}", code=303)


@bp.route("/consultations/<id:consultation_id>/feedback", methods=["POST"])
def feedback(consultation_id: int) -> Any:
    try:
        at = parse_local(request.form.get("at"), "采纳情况公布时间") or now()
        with om().session() as db:
            row = record_feedback(db, _ctx(), consultation_id, at, request.form.get("url") or None)
            on_time = row.state == "done_on_time"
    except MonitorError as exc:
        error(f"未登记：{exc}")
        return redirect(url_for("consultations.index"), code=303)
    ok(
        f"意见征集 #{consultation_id}：采纳情况已登记"
        + ("（按时公布）" if on_time else "（逾期公布）")
    )
    return redirect(url_for("consultations.index", state="all") + f"#c{consultation_id}", code=303)
