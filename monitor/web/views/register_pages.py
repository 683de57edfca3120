"""/disclosures (依申请公开 requests on their legal clock) and /reports (docs/disclosure-and-reports.md): the same
core functions as `disclosure …` and `report …` (monitor.disclosure.register, monitor.report)."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for

from monitor.db.models import GovAnnualReport
from monitor.disclosure import categories
from monitor.disclosure import register as core
from monitor.disclosure.deadlines import CHANNELS, CORRECTION_DAYS, OUTCOMES, STATE_ZH
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
from monitor.disclosure.reviews import review_request
from monitor.errors import MonitorError
from monitor.inputs import check_fields, parse_period
from monitor.names import source_titles
from monitor.report.figures import build_report
from monitor.report.gov_annual import build_gov_annual, store_snapshot
from monitor.report.gov_html import GOV_CSS, render_gov_body, render_gov_html
from monitor.report.gov_table2 import BLOCKS, field_name, mark_published, save_table2
from monitor.report.gov_xlsx import write_gov_xlsx
from monitor.report.html import REPORT_CSS, render_body, render_html
from monitor.report.rawcsv import write_csv
from monitor.report.xlsx import write_xlsx
from monitor.timeutil import to_local
from monitor.web.security import can_edit
from monitor.web.views.common import actor, error, now, ok, om, parse_local

bp = Blueprint("register", __name__)


def _date(text: str | None, field: str) -> date | None:
    """A form's <input type="date"> value; blank → None."""
    if not text or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise MonitorError(f"{field}：{text!r} 不是有效的日期（例如 2026-11-26）") from None


def _ctx() -> Any:
    app = om()
    return Context(app.config, app.calendar, now(), actor())


def _vocabulary() -> dict[str, Any]:
    """The annual report's lists, for the selects (never free text)."""
    return {
        "APPLICANT_TYPES": categories.APPLICANT_TYPES,
        "REASONS": categories.REASONS,
        "REVIEW_KINDS": categories.REVIEW_KINDS,
        "REVIEW_KIND_ZH": categories.REVIEW_KIND_ZH,
        "REVIEW_RESULTS": categories.REVIEW_RESULTS,
    }


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
        rule=app.config.settings.rules.disclosure,  # the hint states the configured limits
        correction_days=CORRECTION_DAYS,
        **_vocabulary(),
    )


@bp.route("/disclosures/<id:request_id>")
def disclosure(request_id: int) -> Any:
    app, moment = om(), now()
    with app.session() as db:
        doc = request_document(get_request(db, request_id), moment, app.calendar)
        entries = [
            {
                "at": h.at,
                "action": ACTION_ZH.get(h.action, h.action),
                "actor": h.actor,
                "recorded_at": h.recorded_at,
                # recorded a day or more after it happened: shown as 补录, so a clock
                # stopped after the fact is visible to whoever reads the timeline
                "late": h.recorded_at - h.at > timedelta(days=1),
            }
            for h in history(db, request_id)
        ]
    return render_template(
        "disclosure.html",
        r=doc,
        history=entries,
        DSTATE_ZH=STATE_ZH,
        OUTCOMES=OUTCOMES,
        **_vocabulary(),
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
                applicant_type=request.form.get("applicant_type") or None,
            )
            rid, due = row.id, row.due_date
    except MonitorError as exc:
        error(f"未登记：{exc}")
        return redirect(url_for("register.disclosures"), code=303)
    ok(f"已登记依申请公开申请 #{rid}，答复期限 {due.isoformat()}")
    return redirect(url_for("register.disclosure", request_id=rid), code=303)


@bp.route("/disclosures/<id:request_id>/<action>", methods=["POST"])
def act(request_id: int, action: str) -> Any:
    """补正 / 逾期未补正 / 暂停 / 恢复 / 延期 / 办结 / 分类 / 复议诉讼: one core operation each."""
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
                    until=_date(form.get("until"), "补正期限"),
                )
            elif action == "lapse":
                core.lapse_correction(db, ctx, request_id, at)
            elif action == "amend":
                core.amend_request(
                    db,
                    ctx,
                    request_id,
                    applicant_type=form.get("applicant_type") or None,
                    reason=form.get("reason") or None,
                )
            elif action == "review":
                review_request(
                    db, ctx, request_id, form.get("kind", ""), form.get("result", ""), at
                )
            elif action == "pause":
                core.pause_request(db, ctx, request_id, at or ctx.now)
            elif action == "resume":
                core.resume_request(db, ctx, request_id, at or ctx.now)
            elif action == "extend":
                check_fields(reason=form.get("reason"))
                core.extend_request(db, ctx, request_id, form.get("reason") or None)
            elif action == "done":
                core.done_request(
                    db,
                    ctx,
                    request_id,
                    form.get("outcome", ""),
                    at,
                    reason=form.get("reason") or None,
                )
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


def _unmasked() -> bool:
    """The unmasked export is for editors only (monitor.report.files)."""
    wanted = request.args.get("unmasked") == "1"
    if wanted and not can_edit():
        abort(403, description="只读账号只能下载脱敏后的报表（未脱敏导出需要编辑或管理员权限）")
    return wanted


@bp.route("/reports")
def reports() -> Any:
    """The report of a period (the current month when none is asked for); for a year, also
    the annual report in the national format (`view=gov-annual`) with table 二's form."""
    app, moment = om(), now()
    text = request.args.get("period", "").strip() or to_local(moment).strftime("%Y-%m")
    view = request.args.get("view", "")
    body, problem, gov, period = None, None, None, None
    try:
        period = _period(text)
        with app.session() as db:
            if view == "gov-annual" and period.kind == "year":
                year = period.start.year
                built = build_gov_annual(db, year, moment)
                row = db.get(GovAnnualReport, year)
                gov = {
                    "year": year,
                    "body": render_gov_body(built),
                    "table2": built.table2 or {},
                    "published_on": row.published_on if row else None,
                    "produced_at": row.produced_at if row else None,
                }
            else:
                body = render_body(build_report(db, app.config, app.calendar, period, moment))
    except MonitorError as exc:
        problem = str(exc)
    # render_body escapes every text it takes from the data; its SVG uses attributes only
    return render_template(
        "reports.html",
        period=text,
        kind=period.kind if period else None,
        body=body,
        gov=gov,
        problem=problem,
        BLOCKS=BLOCKS,
        field_name=field_name,
    )


@bp.route("/reports/table2", methods=["POST"])
def table2() -> Any:
    """Table 二 of a year's annual report, as the office enters it (editor)."""
    year = request.form.get("year", type=int) or 0
    try:
        with om().session() as db:
            save_table2(db, year, request.form, actor(), now())
    except MonitorError as exc:
        error(f"未保存：{exc}")
    else:
        ok(f"{year} 年度表二（主动公开政府信息情况）已保存")
    return redirect(url_for("register.reports", period=str(year), view="gov-annual"), code=303)


@bp.route("/reports/published", methods=["POST"])
def published() -> Any:
    """The day a year's annual report was published: the board's 31 March milestone is done."""
    year = request.form.get("year", type=int) or 0
    try:
        on = _date(request.form.get("published_on"), "发布日期")
        with om().session() as db:
            mark_published(db, year, on, actor(), now())
    except MonitorError as exc:
        error(f"未保存：{exc}")
    else:
        ok(
            f"{year} 年度报告"
            + (f"已登记于 {on.isoformat()} 公开发布" if on else "的发布日期已清除")
        )
    return redirect(url_for("register.reports", period=str(year), view="gov-annual"), code=303)


@bp.route("/reports/report.css")
def report_css() -> Response:
    """The report's own stylesheet, scoped to the report's box on this page (the CSP forbids
    the inline <style> the stand-alone HTML file carries)."""
    return Response(_scoped(REPORT_CSS + GOV_CSS), mimetype="text/css")


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
    """The report file as `report --format html|xlsx|csv|gov-annual` writes it (personal
    numbers masked unless an editor asks for `unmasked=1`)."""
    fmt = request.args.get("format", "html")
    if fmt not in ("html", "xlsx", "csv", "gov-annual"):
        abort(404)
    unmasked = _unmasked()
    period = _period(request.args.get("period"))
    app, moment = om(), now()
    if fmt == "gov-annual":
        return _gov_download(period, request.args.get("file", "xlsx"))
    name = f"report-{period.text}.{fmt}"
    headers = {"Content-Disposition": f"attachment; filename={name}"}
    with app.session() as db:
        if fmt == "csv":
            text = io.StringIO()
            write_csv(
                db, period, min(moment, period.end_utc), text, unmasked, source_titles(app.config)
            )
            return Response(
                text.getvalue().encode("utf-8-sig"), mimetype="text/csv", headers=headers
            )
        report = build_report(db, app.config, app.calendar, period, moment)
    if fmt == "xlsx":
        data = io.BytesIO()
        write_xlsx(report, data, unmasked)
        return Response(
            data.getvalue(),
            headers=headers,
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    return Response(render_html(report, unmasked), mimetype="text/html", headers=headers)


def _gov_download(period: Any, kind: str) -> Response:
    """The national-format tables of a year (XLSX or HTML); downloading the report of a year
    that is over is producing it: its 结转下年度 snapshot is kept (as the CLI does)."""
    if kind not in ("xlsx", "html"):
        abort(404)
    if period.kind != "year":
        raise MonitorError("国办格式年度报告只用于年度（例如 2026）")
    year, moment = period.start.year, now()
    with om().session() as db:
        built = build_gov_annual(db, year, moment)
        store_snapshot(db, built, actor(), moment)
    headers = {"Content-Disposition": f"attachment; filename=gov-annual-{year}.{kind}"}
    if kind == "xlsx":
        data = io.BytesIO()
        write_gov_xlsx(built, data)
        return Response(
            data.getvalue(),
            headers=headers,
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    return Response(render_gov_html(built), mimetype="text/html", headers=headers)
