"""/calendar's notice import (docs/time-rules.md): paste the State Council notice, preview the days
found and the difference from holidays.toml, apply. The same core functions as
`calendar import-notice` (monitor.calendar_import); the apply refuses when holidays.toml
changed since the preview."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

from monitor.calendar_import import plan_import, summary_lines, write_import
from monitor.calendar_notice import NoticeError, parse_notice
from monitor.errors import MonitorError
from monitor.inputs import parse_year
from monitor.web.views.calendar import calendar_context
from monitor.web.views.common import actor, error, ok, om

bp = Blueprint("calendar_notice", __name__)
log = logging.getLogger(__name__)


def _plan() -> Any:
    """The plan for the pasted text (raises NoticeError/MonitorError)."""
    text = request.form.get("text", "")
    year_text = request.form.get("year", "").strip()
    year = parse_year(year_text, "年份") if year_text else None
    return plan_import(parse_notice(text, year), om().config.holidays_path)


def _problem(exc: Exception) -> str:
    message = getattr(exc, "message", None)
    return str(message() if callable(message) else exc)


@bp.route("/calendar/preview", methods=["POST"])
def preview() -> Any:
    try:
        plan = _plan()
    except (NoticeError, MonitorError) as exc:
        return render_template(
            "calendar.html",
            **calendar_context(),
            text=request.form.get("text", ""),
            year=request.form.get("year", ""),
            problem=f"未能读取通知（没有写入任何内容）：{_problem(exc)}",
        )
    return render_template(
        "calendar.html",
        **calendar_context(),
        text=request.form.get("text", ""),
        year=request.form.get("year", ""),
        plan=plan,
        lines=summary_lines(plan, False),
    )


@bp.route("/calendar/apply", methods=["POST"])
def apply() -> Any:
    try:
        plan = _plan()
        if plan.digest != request.form.get("digest"):
            raise NoticeError(f"{plan.path} 在预览之后被修改过：请重新预览后再写入")
        write_import(plan)
    except (NoticeError, MonitorError) as exc:
        error(f"未写入：{_problem(exc)}")
        return redirect(url_for("calendar.index"), code=303)
    log.info("holidays %s imported from a notice by %s", plan.year, actor())
    ok(
        f"已将 {plan.year} 年的放假安排写入 {plan.path}（新增 {len(plan.added)} 天、删除 "
        f"{len(plan.removed)} 天）；守护进程下次巡检即按新日历计算"
    )
    return redirect(url_for("calendar.index"), code=303)
