"""/disclosures (依申请公开 requests on their legal clock) and /reports (DESIGN §12): the same
core functions as `disclosure …` and `report …` (monitor.disclosure.register, monitor.report)."""

from __future__ import annotations

import io
import re
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for

from monitor.disclosure import register as core
from monitor.disclosure.deadlines import CHANNELS, OUTCOMES, STATE_ZH
from monitor.disclosure.register import (
    ACTION_ZH,
    STATES,
    Context,
    add_request,
    get_request,
    history,
    list_requests,
    request_document,
)
from monitor.errors import MonitorError
from monitor.inputs import check_fields, parse_period
from monitor.report.figures import build_report
from monitor.report.html import REPORT_CSS, render_body, render_html
from monitor.report.rawcsv import write_csv
from monitor.report.xlsx import write_xlsx
from monitor.timeutil import to_local
from monitor.web.views.common import actor, error, now, ok, om, parse_local

bp = Blueprint("register", __name__)


def _ctx() -> Any:
    app = om()
    return Context(app.config, app.calendar, now(), actor())


@bp.route("/disclosures")
def disclosures() -> Any:
    app, moment = om(), now()
    state = request.args.get("state") or None
    with app.session() as db:
        rows = list_requests(db, moment, state if state in STATES + ["all"] else None)
        docs = [request_document(r, moment, app.calendar) for r in rows]
    return render_template(
        "disclosures.html",
        requests=docs,
        state=state,
        STATES=STATES,
        DSTATE_ZH=STATE_ZH,
        OUTCOMES=OUTCOMES,
        CHANNELS=CHANNELS,
    )


@bp.route("/disclosures/<id:request_id>")
def disclosure(request_id: int) -> Any:
    app, moment = om(), now()
    with app.session() as db:
        doc = request_document(get_request(db, request_id), moment, app.calendar)
        entries = [
            {"at": h.at, "action": ACTION_ZH.get(h.action, h.action), "actor": h.actor}
            for h in history(db, request_id)
        ]
    return render_template(
        "disclosure.html", r=doc, history=entries, DSTATE_ZH=STATE_ZH, OUTCOMES=OUTCOMES
    )


@bp.route("/disclosures", methods=["POST"])
def add() -> Any:
    form = request.form
    try:
        check_fields(
            title=form.get("title"),
            applicant=form.get("applicant"),
            contact=form.get("contact"),
            department=form.get("department"),
        )
        received = parse_local(request.form.get("received"), "收到时间") or now()
        with om().session() as db:
            row = add_request(
                db,
                _ctx(),
                request.form.get("title", ""),
                received,
                applicant=request.form.get("applicant") or None,
                contact=request.form.get("contact") or None,
                channel=request.form.get("channel") or None,
                department=request.form.get("department") or None,
            )
            rid, due = row.id, row.due_date
    except MonitorError as exc:
        error(f"未登记：{exc}")
        return redirect(url_for("register.disclosures"), code=303)
    ok(f"已登记依申请公开申请 #{rid}，答复期限 {due.isoformat()}")
    return redirect(url_for("register.disclosure", request_id=rid), code=303)


@bp.route("/disclosures/<id:request_id>/<action>", methods=["POST"])
def act(request_id: int, action: str) -> Any:
    """补正 / 暂停 / 恢复 / 延期 / 办结: one core operation each."""

    form = request.form
    try:
        at = parse_local(form.get("at"), "时间")
        with om().session() as db:
            ctx = _ctx()
            if action == "correct":
                core.correct_request(
                    db,
                    ctx,
                    request_id,
                    received=at,
                    asked=parse_local(form.get("asked"), "告知补正时间"),
                )
            elif action == "pause":
                core.pause_request(db, ctx, request_id, at or ctx.now)
            elif action == "resume":
                core.resume_request(db, ctx, request_id, at or ctx.now)
            elif action == "extend":
                check_fields(reason=form.get("reason"))
                core.extend_request(db, ctx, request_id, form.get("reason") or None)
            elif action == "done":
                core.done_request(db, ctx, request_id, form.get("outcome", ""), at)
            else:
                abort(404)
    except MonitorError as exc:
        error(f"未保存：{exc}")
    else:
        ok(f"申请 #{request_id}：{core.ACTION_ZH.get(action, action)}已记录")
    return redirect(url_for("register.disclosure", request_id=request_id), code=303)


# --- reports -------------------------------------------------------------------------------


def _period(text: str | None) -> Any:
    # the CLI's check (monitor.inputs): format and years
    return parse_period(text or "")


@bp.route("/reports")
def reports() -> Any:
    text = request.args.get("period", "").strip()
    body, problem = None, None
    if text:
        try:
            period = _period(text)
            app = om()
            with app.session() as db:
                body = render_body(build_report(db, app.config, app.calendar, period, now()))
        except MonitorError as exc:
            problem = str(exc)

    default = to_local(now()).strftime("%Y-%m")
    # render_body escapes every text it takes from the data; its SVG uses attributes only
    return render_template("reports.html", period=text or default, body=body, problem=problem)


@bp.route("/reports/report.css")
def report_css() -> Response:
    """The report's own stylesheet, scoped to the report's box on this page (the CSP forbids
    the inline <style> the stand-alone HTML file carries)."""

    return Response(_scoped(REPORT_CSS), mimetype="text/css")


def _scoped(css: str) -> str:
    out = []
    for line in css.splitlines():
        found = re.match(r"^(\s*)([^@{}][^{]*)\{(.*)$", line)
        if found:
            indent, selectors, rest = found.groups()
            scoped = ", ".join(
                ".report" if s.strip() == "body" else f".report {s.strip()}"
                for s in selectors.split(",")
            )
            line = f"{indent}{scoped} {{{rest}"
        out.append(line)
    return "\n".join(out)


@bp.route("/reports/download")
def download() -> Response:
    """The report file as `report --format html|xlsx|csv` writes it."""

    fmt = request.args.get("format", "html")
    if fmt not in ("html", "xlsx", "csv"):
        abort(404)
    period = _period(request.args.get("period"))
    app, moment = om(), now()
    name = f"report-{period.text}.{fmt}"
    headers = {"Content-Disposition": f"attachment; filename={name}"}
    with app.session() as db:
        if fmt == "csv":
            text = io.StringIO()
            write_csv(db, period, min(moment, period.end_utc), text)
            return Response(
                text.getvalue().encode("utf-8-sig"), mimetype="text/csv", headers=headers
            )
        report = build_report(db, app.config, app.calendar, period, moment)
    if fmt == "xlsx":
        data = io.BytesIO()
        write_xlsx(report, data)
        return Response(
            data.getvalue(),
            headers=headers,
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )

    return Response(render_html(report), mimetype="text/html", headers=headers)
