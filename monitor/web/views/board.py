"""/ — the board: what is overdue, 临期 and open, per department, soonest first; the crisis
clocks; and on top whatever needs fixing first (sources, channels, the calendar)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from monitor import board as core
from monitor.calendar import WorkingDays
from monitor.calendar_coverage import missing_year
from monitor.consultation.register import consultation_document, list_consultations
from monitor.db.models import CrisisEvent
from monitor.disclosure.register import board_requests, request_document
from monitor.report.deadline import milestone
from monitor.status import source_health
from monitor.timeutil import local_date
from monitor.web.viewmodels import channel_health, event_view
from monitor.web.views.common import now, om, page_number

bp = Blueprint("board", __name__)
PER_SECTION = 50  # rows per state on the board (the rest: 更多 → that state's pages)
PER_PAGE = 100


def _filter() -> core.BoardFilter:
    state = request.args.get("state") or None
    kind = request.args.get("kind") or None
    return core.BoardFilter(
        source=request.args.get("source") or None,
        department=request.args.get("department") or None,
        state=state if state in core.BOARD_STATES else None,
        kind=kind if kind in ("reply", "disclosure") else None,
    )


def problems(db: Any, moment: Any) -> dict[str, Any]:
    """Unhealthy sources, broken channels and calendar gaps, for the top of every board."""

    app = om()
    sources = [
        s for s in source_health(db, app.config, counts=False) if s["enabled"] and not s["healthy"]
    ]
    channels = [c for c in channel_health(db, app) if not c["healthy"]]
    gap = missing_year(db, app.calendar, local_date(moment))
    return {
        "sources": sources,
        "channels": channels,
        "calendar": {"year": gap[0], "provisional": gap[1]} if gap else None,
    }


def crisis_clocks(db: Any, moment: Any, active_only: bool = True) -> list[dict[str, Any]]:
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    events = db.scalars(
        select(CrisisEvent)
        .options(selectinload(CrisisEvent.milestones))
        .order_by(CrisisEvent.started_at.desc())
    ).all()
    views = [event_view(e, moment) for e in events]
    return [v for v in views if v["active"]] if active_only else views


def disclosure_rows(db: Any, moment: Any, flt: core.BoardFilter) -> list[dict[str, Any]]:
    """依申请公开 requests not yet answered (the register's own board query), soonest first."""

    if flt.kind == "reply" or flt.source:
        return []
    rows = [
        r
        for r in board_requests(db, moment)
        if flt.department is None or (r.department or core.NO_DEPARTMENT) == flt.department
    ]
    docs = [request_document(r, moment, om().calendar) for r in rows[:PER_SECTION]]
    if flt.state:
        docs = [d for d in docs if d["state"] == flt.state]
    return docs


def annual_report(db: Any, moment: Any) -> Any:
    """The 政府信息公开工作年度报告's 31 March milestone, from 1 January until published."""
    found = milestone(db, om().calendar, moment)
    return found if found.on_board else None


def consultation_rows(db: Any, moment: Any, flt: core.BoardFilter) -> list[dict[str, Any]]:
    """意见征集 not done yet (collecting, or owing their 采纳情况), soonest deadline first."""
    if flt.kind:
        return []
    rows = [
        r
        for r in list_consultations(db, moment)
        if (flt.source is None or r.source == flt.source)
        and (flt.department is None or (r.department or core.NO_DEPARTMENT) == flt.department)
    ]
    days = WorkingDays(om().calendar)
    docs = [consultation_document(r, moment, days) for r in rows[:PER_SECTION]]
    if flt.state:
        # the board's 办理中 is a consultation's collecting or awaiting its 采纳情况
        wanted = {"open": {"collecting", "awaiting_feedback"}}.get(flt.state, {flt.state})
        docs = [d for d in docs if d["state"] in wanted]
    return docs


@bp.route("/")
def index() -> Any:
    app, moment = om(), now()
    flt = _filter()
    page = page_number()
    states = [flt.state] if flt.state else list(core.BOARD_STATES)
    limit = PER_PAGE if flt.state else PER_SECTION
    days = WorkingDays(app.calendar)
    with app.session() as db:
        counts = core.department_counts(db, moment, flt)
        # the department filter offers every department, whichever one is selected
        all_counts = (
            counts
            if flt.department is None
            else core.department_counts(
                db, moment, core.BoardFilter(source=flt.source, kind=flt.kind)
            )
        )
        sections = []
        for state in states:
            total = sum(c[state] for c in counts)
            rows = core.items_in_state(db, moment, flt, state, limit, (page - 1) * limit)
            groups: dict[str, list[dict[str, Any]]] = {}
            for m in rows:
                groups.setdefault(m.department or core.NO_DEPARTMENT, []).append(
                    {
                        "id": m.id,
                        "title": m.title,
                        "source": m.source,
                        "kind": m.kind,
                        "deadline": m.deadline,
                        "due_date": m.due_date,
                        "provisional": m.provisional,
                        "posted_at": m.posted_at,
                        "left": core.time_left(m.deadline, m.due_date, moment, days),
                    }
                )
            sections.append(
                {
                    "state": state,
                    "total": total,
                    "groups": groups,
                    "shown": len(rows),
                    "more": total > (page - 1) * limit + len(rows),
                }
            )
        context = {
            "counts": counts,
            "sections": sections,
            "flt": flt,
            "page": page,
            "choices": core.filter_choices(
                all_counts, [s.name for s in app.config.settings.sources]
            ),
            "problems": problems(db, moment),
            "crises": crisis_clocks(db, moment),
            "disclosures": disclosure_rows(db, moment, flt),
            "annual_report": annual_report(db, moment),
            "consultations": consultation_rows(db, moment, flt),
            "totals": {s: sum(c[s] for c in counts) for s in core.BOARD_STATES},
        }
    return render_template("board.html", **context)
