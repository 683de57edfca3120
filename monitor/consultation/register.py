"""The 意见征集 register: the operations the CLI (`consult …`), the dashboard
(/consultations) and the crawl of a portal's 意见征集 column share. Each checks its input
first and raises `MonitorError` with one Chinese line before anything is changed; the
caller's transaction commits only on success.

The clock is the reply clock (`monitor.deadlines`: `working_day_deadline`, `reply_stages`)
counted from the closing date, its stages kept in `consultation_stages` like a disclosure
request's, and moved by the same sweep (`monitor/sweep/consultation.py`). Every operation is
recorded in `consultation_history` with its actor. The rules are
`monitor.consultation.deadlines`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.calendar import WorkCalendar, WorkingDays
from monitor.consultation.deadlines import (
    DONE_VALUES,
    OPEN_VALUES,
    STATE_ZH,
    STATES,
    WAITING_VALUES,
    ConsultationState,
    Window,
    closing_text,
    comment_window,
    consultation_state,
    feedback_deadline,
    is_short,
)
from monitor.db.models import Consultation, ConsultationHistory, ConsultationStage
from monitor.deadlines import reply_stages
from monitor.disclosure.register import CLOCK_SKEW, Context
from monitor.errors import MonitorError, NotFound
from monitor.hints import command
from monitor.timeutil import format_local, iso, local_date

ACTION_ZH = {"add": "登记", "feedback": "公布采纳情况", "update": "征集信息变更"}
LIST_STATES = ["open", "all", *STATES]


# ---------------------------------------------------------------------------------------
# scheduling: window, feedback due date, stages and state from what happened


def schedule(session: Session, row: Consultation, ctx: Context) -> None:
    """Recompute the window, the feedback due date, warning stages and state; rewrite the
    unfired stages (fired ones stay: an alert never repeats). Stage names carry the due
    date, so a window the portal moves gets its own warnings."""
    rule = ctx.config.settings.rules.consultation
    due = feedback_deadline(
        row.closes_on, rule.feedback_working_days, ctx.calendar, rule.closing_on_rest_day
    )
    stages = reply_stages(due.due_date, rule.thresholds, ctx.calendar)
    row.window_days = (row.closes_on - row.opens_on).days
    row.min_days = rule.min_days
    row.short = is_short(row.window_days, rule.min_days)
    row.due_date = due.due_date
    row.deadline = due.deadline
    row.provisional = due.provisional
    row.first_warning_at = stages[0].at if len(stages) > 1 else None
    row.state = consultation_state(
        row.closes_at, row.deadline, row.first_warning_at, ctx.now, row.feedback_at
    ).value
    row.updated_at = ctx.now
    if row.id is None:
        session.add(row)
        session.flush()
    tag = due.due_date.strftime("%Y%m%d")
    wanted = {} if row.feedback_at is not None else {f"{s.name}@{tag}": s.at for s in stages}
    existing = {
        s.stage: s
        for s in session.scalars(
            select(ConsultationStage).where(ConsultationStage.consultation_id == row.id)
        )
    }
    for name, stage in existing.items():
        if not stage.fired and name not in wanted:
            session.delete(stage)
    for name, at in wanted.items():
        found = existing.get(name)
        if found is None:
            session.add(ConsultationStage(consultation_id=row.id, stage=name, at=at, fired=False))
        elif not found.fired:
            found.at = at


def record(
    session: Session, row: Consultation, action: str, at: datetime, ctx: Context, **detail: Any
) -> None:
    session.add(
        ConsultationHistory(
            consultation_id=row.id,
            action=action,
            at=at,
            recorded_at=ctx.now,
            actor=ctx.actor,
            detail={k: v for k, v in detail.items() if v is not None} or None,
        )
    )


# ---------------------------------------------------------------------------------------
# checks (one Chinese line each; nothing is changed when one fails)


def check_url(url: str | None, what: str = "链接") -> str | None:
    """A link people will click on the dashboard: http(s) only, or nothing."""
    url = (url or "").strip()
    if not url:
        return None
    if not url.lower().startswith(("http://", "https://")):
        raise MonitorError(f"{what} {url!r} 无效：应以 http:// 或 https:// 开头")
    return url


def check_window(opens: datetime, closes: datetime) -> Window:
    try:
        return comment_window(opens, closes)
    except ValueError as exc:
        raise MonitorError(str(exc)) from None


def get_consultation(session: Session, consultation_id: int) -> Consultation:
    row = session.get(Consultation, consultation_id)
    if row is None:
        raise NotFound(
            f"没有编号为 {consultation_id} 的意见征集（用 {command('consult list --state all')} 查看）"
        )
    return row


# ---------------------------------------------------------------------------------------
# the operations


def add_consultation(
    session: Session,
    ctx: Context,
    title: str,
    opens: datetime,
    closes: datetime,
    department: str | None = None,
    url: str | None = None,
    source: str | None = None,
    external_id: str | None = None,
) -> Consultation:
    """Register a draft open for comment from `opens` to `closes`. A window shorter than
    `[rules.consultation] min_days` is flagged now; the sweep's consultation_short step tells
    the office (`consult add` runs it at once; the daemon's next sweep, within a minute, for
    the dashboard and the crawl), even before the window opens, while it can still be
    changed."""
    title = (title or "").strip()
    if not title:
        raise MonitorError("意见征集需要标题（征求意见的草案名称）")
    window = check_window(opens, closes)
    row = Consultation(
        title=title,
        department=(department or "").strip() or None,
        url=check_url(url),
        source=source,
        external_id=external_id,
        opens_at=window.opens_at,
        closes_at=window.closes_at,
        opens_on=window.opens_on,
        closes_on=window.closes_on,
        feedback_approx=False,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    schedule(session, row, ctx)
    record(
        session,
        row,
        "add",
        ctx.now,
        ctx,
        title=title,
        opens_on=window.opens_on.isoformat(),
        closes_on=window.closes_on.isoformat(),
        window_days=row.window_days,
        short=row.short,
        department=row.department,
        source=source,
    )
    return row


def record_feedback(
    session: Session,
    ctx: Context,
    consultation_id: int,
    at: datetime,
    url: str | None = None,
    approximate: bool = False,
) -> Consultation:
    """The 采纳情况 was published at `at` (not before comments stopped). A time a crawl only
    guessed (when it first saw the link) is replaced by one a person or the portal gives;
    otherwise it is recorded once."""
    row = get_consultation(session, consultation_id)
    link = check_url(url, "--url")
    if row.feedback_at is not None and not row.feedback_approx:
        raise MonitorError(
            f"意见征集 #{row.id} 已于 {format_local(row.feedback_at)} 登记采纳情况"
            f"（{STATE_ZH.get(row.state, row.state)}），不能重复登记"
        )
    if row.feedback_at is not None and approximate:
        return row  # already known, at least as well
    if at < row.closes_at:
        raise MonitorError(
            f"采纳情况公布时间 {format_local(at)} 早于征集截止 {closing_text(row)}："
            "征集结束后才能公布采纳情况"
        )
    if at > ctx.now + CLOCK_SKEW:
        # a 采纳情况 "published" later than now would count as done and silence the reminders
        # before anything is published (as a disclosure's times, none may be in the future)
        raise MonitorError(
            f"采纳情况公布时间 {format_local(at)} 晚于当前时间 {format_local(ctx.now)}，"
            "不能登记将来的时间"
        )
    row.feedback_at = at
    row.feedback_approx = approximate
    if link is not None:
        row.feedback_url = link
    schedule(session, row, ctx)
    record(
        session,
        row,
        "feedback",
        at,
        ctx,
        url=row.feedback_url,
        state=row.state,
        approximate=approximate or None,
    )
    return row


# ---------------------------------------------------------------------------------------
# reading


def state_at(row: Consultation, now: datetime) -> str:
    """The state at `now`: an open consultation is re-evaluated (what `--now` asks for);
    a done one stays as it is."""
    if row.state in DONE_VALUES:
        return row.state
    return consultation_state(
        row.closes_at, row.deadline, row.first_warning_at, now, row.feedback_at
    ).value


def working_days_left(
    row: Consultation, calendar: WorkCalendar | WorkingDays, now: datetime
) -> int | None:
    """Working days from today to the feedback due date (1 = due today, ≤ 0 = overdue), for
    a closed consultation still owing its 采纳情况; None otherwise. Pass one `WorkingDays`
    for a whole list: it asks the calendar once per date."""
    if state_at(row, now) not in WAITING_VALUES:
        return None
    days = calendar if isinstance(calendar, WorkingDays) else WorkingDays(calendar)
    today, due = local_date(now), row.due_date
    if today > due:
        return -days.between(due + timedelta(days=1), today)
    return days.between(today, due)


def consultation_document(
    row: Consultation, now: datetime, calendar: WorkCalendar | WorkingDays | None = None
) -> dict[str, Any]:
    """The JSON shape of one consultation (`consult add|list --json`, the dashboard); with a
    calendar, also the working days left (share one `WorkingDays` across a list)."""
    doc: dict[str, Any] = {
        "id": row.id,
        "title": row.title,
        "department": row.department,
        "url": row.url,
        "source": row.source,
        "opens_at": iso(row.opens_at),
        "closes_at": iso(row.closes_at),
        "opens_on": row.opens_on.isoformat(),
        "closes_on": row.closes_on.isoformat(),
        "window_days": row.window_days,
        "min_days": row.min_days,
        "short": bool(row.short),
        "feedback_due": row.due_date.isoformat(),
        "deadline": iso(row.deadline),
        "provisional": bool(row.provisional),
        "state": state_at(row, now),
        "feedback_at": iso(row.feedback_at),
        "feedback_url": row.feedback_url,
        "feedback_approx": bool(row.feedback_approx),
    }
    if calendar is not None:
        doc["working_days_left"] = working_days_left(row, calendar, now)
    return doc


def list_consultations(
    session: Session, now: datetime, state: str | None = None, department: str | None = None
) -> list[Consultation]:
    """Consultations, soonest feedback deadline first. `state` None or `open`: not done yet
    (collecting, awaiting_feedback, at_risk, overdue); `all`: everything; else that state at
    `now`."""
    state = state or "open"
    if state not in LIST_STATES:
        raise MonitorError(f"--state {state!r} 无效，应为 {'、'.join(LIST_STATES)} 之一")
    query = select(Consultation).order_by(Consultation.deadline, Consultation.id)
    if department:
        query = query.where(Consultation.department == department)
    if state == "open" or state in OPEN_VALUES:
        query = query.where(Consultation.state.in_(OPEN_VALUES))
    elif state != "all":
        query = query.where(Consultation.state == state)
    rows = list(session.scalars(query))
    if state in OPEN_VALUES:
        rows = [r for r in rows if state_at(r, now) == state]
    return rows


def history(session: Session, consultation_id: int) -> Sequence[ConsultationHistory]:
    """The consultation's timeline, oldest first."""
    return session.scalars(
        select(ConsultationHistory)
        .where(ConsultationHistory.consultation_id == consultation_id)
        .order_by(ConsultationHistory.at, ConsultationHistory.id)
    ).all()


def is_open(row: Consultation) -> bool:
    return row.state in OPEN_VALUES


def collecting(row: Consultation, now: datetime) -> bool:
    return state_at(row, now) == ConsultationState.COLLECTING.value
