"""/calendar: which years the working-day calendar knows, and (docs/time-rules.md) next year's
schedule from the State Council notice: paste, preview, apply."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from monitor.calendar_coverage import missing_year
from monitor.timeutil import local_date
from monitor.web.views.common import now, om

bp = Blueprint("calendar", __name__)


def calendar_context() -> dict[str, Any]:
    app = om()
    today = local_date(now())
    cal = app.calendar
    with app.session() as db:
        gap = missing_year(db, cal, today)
    return {
        "years": cal.known_years(),
        "known_until": cal.known_until(today.year),
        "next_unknown": cal.next_unknown(today.year),
        "gap": gap,
        "holidays_file": str(app.config.holidays_path),
    }


@bp.route("/calendar")
def index() -> Any:
    return render_template("calendar.html", **calendar_context())
