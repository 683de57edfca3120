"""/alerts: the outbox, newest first, with filters and 确认 (ack: no more reminders for the
subject). The same core function as `alerts ack`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

from alerts.actions import acknowledge, needs_action
from alerts.labels import kind_label, stage_label, subject_labels
from alerts.subjects import load_subjects
from monitor.db.models import Alert
from monitor.web.filters import display_names
from monitor.web.viewmodels import subject_page
from monitor.web.views.common import actor, ok, om, page_number

bp = Blueprint("alerts", __name__)
PER_PAGE = 100


@bp.route("/alerts")
def index() -> Any:
    from sqlalchemy import func, select

    status = request.args.get("status") or None
    kind = request.args.get("kind") or None
    page = page_number()
    with om().session() as db:
        query = select(Alert)
        if status:
            query = query.where(Alert.status == status)
        if kind:
            query = query.where(Alert.kind == kind)
        total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = list(
            db.scalars(
                query.order_by(Alert.id.desc()).limit(PER_PAGE).offset((page - 1) * PER_PAGE)
            )
        )
        loaded = load_subjects(db, [a.subject for a in rows])
        subjects = subject_labels(db, rows, display_names()[0], loaded)
        kinds = sorted(db.scalars(select(Alert.kind).distinct()))
        alerts = [
            {
                "id": a.id,
                "kind": a.kind,
                "kind_zh": kind_label(a.kind),
                "subject": subjects.get(a.id, a.subject),
                "stage": stage_label(a.kind, a.stage),
                "status": a.status,
                "channel": a.channel,
                "created_at": a.created_at,
                "sent_at": a.sent_at,
                "last_error": a.last_error,
                "crisis": a.crisis,
                "acked_by": a.acked_by,
                "page": subject_page(a.subject, loaded, a.kind),
                "needs_action": needs_action(a, loaded),
            }
            for a in rows
        ]
    return render_template(
        "alerts.html",
        alerts=alerts,
        status=status,
        kind=kind,
        kinds=kinds,
        kind_label=kind_label,
        page=page,
        total=total,
        more=total > page * PER_PAGE,
    )


@bp.route("/alerts/<id:alert_id>/ack", methods=["POST"])
def ack(alert_id: int) -> Any:
    done = acknowledge(om(), alert_id, actor())
    more = f"，同一对象另有 {done.others} 条待发提醒一并确认" if done.others else ""
    ok(f"已确认提醒 #{alert_id}：不再就此发送提醒{more}")
    return redirect(url_for("alerts.index"), code=303)
