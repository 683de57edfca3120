"""/disclosures and /reports (DESIGN §12)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

bp = Blueprint("register", __name__)


@bp.route("/disclosures")
def disclosures() -> Any:
    return render_template("placeholder.html", title="依申请公开",
                           text="依申请公开登记簿的网页尚在建设中；请在服务器上使用 "
                                "`opinion-monitor disclosure list` 查看。")


@bp.route("/reports")
def reports() -> Any:
    return render_template("placeholder.html", title="统计报表",
                           text="统计报表的网页尚在建设中；请在服务器上使用 "
                                "`opinion-monitor report --period 2026-11` 生成。")
