"""The 依申请公开 register: the operations the CLI (`disclosure …`) and the dashboard
(/disclosures) share. Each checks its input first and raises `MonitorError` with one Chinese
line before anything is changed; the caller's transaction commits only on success.

Every operation is recorded in `disclosure_history` with the actor (the CLI user or the
dashboard account). The time rules are `monitor.disclosure.deadlines`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from monitor.db.models import (
    DisclosureHistory,
    DisclosurePause,
    DisclosureRequest,
    DisclosureStage,
)
from monitor.deadlines import reply_stages
from monitor.disclosure.categories import (
    APPLICANT_TYPES,
    DEFAULT_APPLICANT_TYPE,
    LAPSED_CORRECTION,
    REASONS,
    REVIEW_KIND_ZH,
    reasons_for,
)
from monitor.disclosure.deadlines import (
    ACTIVE_VALUES,
    CHANNELS,
    DONE,
    MAX_EXTENSION,
    OPEN_VALUES,
    OUTCOMES,
    DisclosureState,
    Pause,
    correction_limit,
    correction_period_end,
    disclosure_deadline,
    disclosure_state,
    paused_working_days,
)
from monitor.errors import MonitorError, NotFound
from monitor.hints import command
from monitor.timeutil import format_local, iso, local_date, start_of_day

if TYPE_CHECKING:
    from monitor.calendar import WorkCalendar
    from monitor.config import Config

# a person's clock may run a little ahead of ours; beyond this a time "in the future" is a typo
CLOCK_SKEW = timedelta(minutes=10)
CORRECTION_STAGE = "correction"

STATES = [s.value for s in DisclosureState]
ACTION_ZH = {
    "add": "登记",
    "correct": "补正",
    "pause": "暂停计时（征求意见）",
    "resume": "恢复计时",
    "extend": "延期",
    "done": "办结",
    "amend": "补登分类",
    "review": "行政复议/诉讼",
}


@dataclass
class Context:
    """What an operation needs besides the session: rules, calendar, the time, the actor."""

    config: Config
    calendar: WorkCalendar
    now: datetime
    actor: str = "cli"


# ---------------------------------------------------------------------------------------
# scheduling: stored due date, deadline, stages and state from what happened


def _pauses(request: DisclosureRequest) -> list[Pause]:
    return [
        Pause(local_date(p.paused_at), local_date(p.resumed_at) if p.resumed_at else None)
        for p in request.pauses
    ]


def _open_pause(request: DisclosureRequest) -> DisclosurePause | None:
    return next((p for p in request.pauses if p.resumed_at is None), None)


def schedule(session: Session, request: DisclosureRequest, ctx: Context) -> None:
    """Recompute the due date, deadline, warning stages and state; rewrite the unfired
    stages (fired ones stay: an alert never repeats). Stage names carry the due date, so
    after an extension or a pause the new due date's warnings go out again."""
    rule = ctx.config.settings.rules.disclosure
    due = disclosure_deadline(
        request.received_at,
        ctx.calendar,
        rule.working_days,
        _pauses(request),
        request.extension_days or 0,
        rule.receipt_on_rest_day,
    )
    stages = reply_stages(due.due_date, rule.thresholds, ctx.calendar)
    request.due_date = due.due_date
    request.deadline = due.deadline
    request.provisional = due.provisional
    request.first_warning_at = stages[0].at if len(stages) > 1 else None
    request.state = disclosure_state(
        request.deadline,
        request.first_warning_at,
        ctx.now,
        request.done_at,
        paused=_open_pause(request) is not None,
        correcting=request.correction_asked_at is not None and request.corrected_at is None,
    ).value
    request.updated_at = ctx.now
    if request.id is None:
        session.add(request)
        session.flush()
    wanted: dict[str, datetime] = {}
    if request.done_at is None:
        tag = due.due_date.strftime("%Y%m%d")
        wanted = {f"{s.name}@{tag}": s.at for s in stages}
        # the 补正 reminder stands while 补正 is still possible: not yet asked, not after a
        # pause or an extension (correct_request refuses those)
        if (
            request.correction_asked_at is None
            and request.corrected_at is None
            and not request.pauses
            and not request.extension_days
        ):
            wanted[CORRECTION_STAGE] = start_of_day(request.correction_due)
    existing = {
        row.stage: row
        for row in session.scalars(
            select(DisclosureStage).where(DisclosureStage.request_id == request.id)
        )
    }
    for name, row in existing.items():
        if not row.fired and name not in wanted:
            session.delete(row)
    for name, at in wanted.items():
        found = existing.get(name)
        if found is None:
            session.add(DisclosureStage(request_id=request.id, stage=name, at=at, fired=False))
        elif not found.fired:
            found.at = at


def _record(
    session: Session,
    request: DisclosureRequest,
    action: str,
    at: datetime,
    ctx: Context,
    **detail: Any,
) -> None:
    session.add(
        DisclosureHistory(
            request_id=request.id,
            action=action,
            at=at,
            recorded_at=ctx.now,
            actor=ctx.actor,
            detail={k: v for k, v in detail.items() if v is not None} or None,
        )
    )


# ---------------------------------------------------------------------------------------
# checks (one Chinese line each; nothing is changed when one fails)


def _not_future(at: datetime, ctx: Context, what: str) -> None:
    if at > ctx.now + CLOCK_SKEW:
        raise MonitorError(
            f"{what} {format_local(at)} 晚于当前时间 {format_local(ctx.now)}，不能登记将来的时间"
        )


def _not_before(at: datetime, earliest: datetime, what: str, earlier_what: str) -> None:
    if at < earliest:
        raise MonitorError(f"{what} {format_local(at)} 早于{earlier_what} {format_local(earliest)}")


def _not_done(request: DisclosureRequest, verb: str) -> None:
    if request.done_at is not None:
        raise MonitorError(
            f"申请 #{request.id} 已于 {format_local(request.done_at)} 办结"
            f"（{request.outcome}），不能再{verb}"
        )


def get_request(session: Session, request_id: int) -> DisclosureRequest:
    request = session.get(
        DisclosureRequest,
        request_id,
        options=[
            selectinload(DisclosureRequest.pauses),
            selectinload(DisclosureRequest.reviews),
        ],
    )
    if request is None:
        raise NotFound(
            f"没有编号为 {request_id} 的依申请公开申请（用 {command('disclosure list --state all')} 查看）"
        )
    return request


# ---------------------------------------------------------------------------------------
# the operations


def add_request(
    session: Session,
    ctx: Context,
    title: str,
    received: datetime,
    applicant: str | None = None,
    contact: str | None = None,
    channel: str | None = None,
    department: str | None = None,
    applicant_type: str | None = None,
) -> DisclosureRequest:
    """Register a request received at `received`; its clock starts the next working day.
    `applicant_type` is the annual report's column (default 自然人)."""
    title = (title or "").strip()
    if not title:
        raise MonitorError("申请需要标题（申请公开的内容）")
    if channel is not None and channel not in CHANNELS:
        raise MonitorError(f"--channel {channel!r} 无效，应为 {'、'.join(CHANNELS)} 之一")
    applicant_type = _applicant_type(applicant_type)
    _not_future(received, ctx, "收到时间")
    rule = ctx.config.settings.rules.disclosure
    request = DisclosureRequest(
        title=title,
        applicant=(applicant or "").strip() or None,
        contact=(contact or "").strip() or None,
        channel=channel,
        applicant_type=applicant_type,
        department=(department or "").strip() or None,
        first_received_at=received,
        received_at=received,
        correction_due=correction_limit(received, ctx.calendar, rule.receipt_on_rest_day),
        extension_days=0,
        created_at=ctx.now,
        updated_at=ctx.now,
        state="open",
    )
    request.pauses = []
    request.reviews = []
    schedule(session, request, ctx)
    _record(
        session,
        request,
        "add",
        received,
        ctx,
        title=title,
        department=request.department,
        channel=channel,
        applicant_type=applicant_type,
    )
    return request


def _applicant_type(value: str | None) -> str:
    if value is None or not value.strip():
        return DEFAULT_APPLICANT_TYPE
    if value.strip() not in APPLICANT_TYPES:
        raise MonitorError(
            f"--applicant-type {value!r} 无效，应为 {'、'.join(APPLICANT_TYPES)} 之一"
        )
    return value.strip()


def _reason(outcome: str, reason: str | None) -> str | None:
    """The reason checked against the outcome's numbered list (docs/disclosure-and-reports.md)."""
    reason = (reason or "").strip() or None
    allowed = reasons_for(outcome)
    if reason is None:
        return None
    if not allowed:
        raise MonitorError(f"--reason：办理结果「{outcome}」不分具体理由，请不要填写 --reason")
    if reason not in allowed:
        raise MonitorError(
            f"--reason {reason!r} 不属于「{outcome}」，应为 {'、'.join(allowed)} 之一"
        )
    return reason


def correct_request(
    session: Session,
    ctx: Context,
    request_id: int,
    received: datetime | None = None,
    asked: datetime | None = None,
    until: date | None = None,
) -> DisclosureRequest:
    """补正. `asked`: the office sent the request back for correction (must be within 7
    working days of receipt; the clock stands still meanwhile), giving the applicant until
    `until` (default: CORRECTION_PERIOD_DAYS working days). `received`: the corrected request
    arrived; the clock restarts from it — for a 补正 that was asked (before, or in the same
    call), or a receipt inside the 7-working-day window (it was asked in time, unrecorded), so
    a late receipt cannot reset the clock of a request nobody sent back. Either or both;
    补正 happens once."""
    if received is None and asked is None:
        raise MonitorError(
            "补正需要 --received（补正后的申请收到时间）或 --asked（告知补正的时间）"
        )
    if until is not None and asked is None:
        raise MonitorError("--until（补正期限）只能与 --asked（告知补正）一起登记")
    request = get_request(session, request_id)
    _not_done(request, "补正")
    if request.corrected_at is not None:
        raise MonitorError(
            f"申请 #{request.id} 已于 {format_local(request.corrected_at)} 收到补正"
            "材料；补正只能一次性告知，不能再次补正"
        )
    if request.extension_days:
        raise MonitorError(f"申请 #{request.id} 已延期，不能再要求补正")
    if request.pauses:
        raise MonitorError(f"申请 #{request.id} 已征求过意见，不能再要求补正")
    if asked is not None and request.correction_asked_at is not None:
        raise MonitorError(
            f"申请 #{request.id} 已于 {format_local(request.correction_asked_at)} "
            "告知补正，补正只能一次性告知"
        )
    asked_at = asked or request.correction_asked_at
    # DESIGN §12's `correct ID --received ISO` alone: a corrected request that arrived within
    # the 7-working-day window was necessarily asked for within it, so the clock restarts;
    # one that arrived later needs the 补正 asked in time on record (--asked)
    if received is not None and asked_at is None and local_date(received) > request.correction_due:
        # the bypass of issue 23: a "补正 receipt" on a request never sent back would restart
        # an overdue clock; 补正 must have been asked within the 7-working-day window
        raise MonitorError(
            f"申请 #{request.id} 没有登记告知补正（须在 {request.correction_due.isoformat()} "
            f"前告知），补正材料 {format_local(received)} 晚于该日收到，不能据此重新计时；"
            "如确已按时告知，请同时给出 --asked"
        )
    if asked is not None:
        _not_before(asked, request.first_received_at, "告知补正时间", "收到申请时间")
        _not_future(asked, ctx, "告知补正时间")
        if local_date(asked) > request.correction_due:
            raise MonitorError(
                f"告知补正时间 {format_local(asked)} 已超过收到申请后 7 个工作日"
                f"（最迟 {request.correction_due.isoformat()}），不能再要求补正，应按原申请答复"
            )
    if received is not None:
        _not_before(
            received,
            asked_at or request.first_received_at,
            "补正材料收到时间",
            "告知补正时间" if asked_at else "收到申请时间",
        )
        _not_future(received, ctx, "补正材料收到时间")
    if asked is not None:
        if until is not None and until < local_date(asked):
            raise MonitorError(
                f"补正期限 {until.isoformat()} 早于告知补正时间 {format_local(asked)}"
            )
        request.correction_asked_at = asked
        request.correction_until = until or correction_period_end(asked, ctx.calendar)
    if received is not None:
        request.corrected_at = received
        request.received_at = received
    schedule(session, request, ctx)
    _record(
        session,
        request,
        "correct",
        received or asked or ctx.now,
        ctx,
        asked=iso(asked),
        received=iso(received),
        until=request.correction_until.isoformat()
        if asked is not None and request.correction_until
        else None,
        due_date=request.due_date.isoformat(),
    )
    return request


def correction_lapsed(request: DisclosureRequest, now: datetime) -> bool:
    """补正 was asked, nothing came back, and the period given to the applicant is over: the
    register suggests closing it as 申请人无正当理由逾期不补正."""
    return (
        request.done_at is None
        and request.correction_asked_at is not None
        and request.corrected_at is None
        and request.correction_until is not None
        and local_date(now) > request.correction_until
    )


def lapse_correction(
    session: Session, ctx: Context, request_id: int, at: datetime | None = None
) -> DisclosureRequest:
    """The applicant did not correct in time: closed as 其他处理 / 申请人无正当理由逾期不补正…
    (`disclosure correct ID --lapsed`, the same as `done` with that outcome and reason)."""
    return done_request(session, ctx, request_id, "其他处理", at, reason=LAPSED_CORRECTION)


def pause_request(
    session: Session, ctx: Context, request_id: int, at: datetime
) -> DisclosureRequest:
    """征求意见 begins: the clock stands still until `resume`."""
    request = get_request(session, request_id)
    _not_done(request, "暂停计时")
    if _open_pause(request) is not None:
        raise MonitorError(
            f"申请 #{request.id} 已于 {format_local(_open_pause(request).paused_at)} "  # type: ignore[union-attr]
            "暂停计时，请先 resume 恢复"
        )
    if request.state == DisclosureState.CORRECTING:
        raise MonitorError(f"申请 #{request.id} 正在等待补正，计时已停止；收到补正材料后再暂停")
    _not_before(at, request.received_at, "暂停时间", "收到申请时间")
    last = max((p.resumed_at for p in request.pauses if p.resumed_at), default=None)
    if last is not None:
        _not_before(at, last, "暂停时间", "上次恢复计时时间")
    _not_future(at, ctx, "暂停时间")
    if at >= request.deadline:
        raise MonitorError(
            f"暂停时间 {format_local(at)} 已过答复期限 {request.due_date.isoformat()} 24:00，"
            "超期后不能再暂停计时"
        )
    if ctx.now >= request.deadline:
        # a pause dated back before the limit, recorded after it, would move an overdue
        # request's due date: a consultation is recorded while the clock still runs
        raise MonitorError(
            f"申请 #{request.id} 的答复期限 {request.due_date.isoformat()} 已过，"
            "超期后不能再补登暂停计时"
        )
    request.pauses.append(DisclosurePause(paused_at=at))
    schedule(session, request, ctx)
    _record(session, request, "pause", at, ctx)
    return request


def resume_request(
    session: Session, ctx: Context, request_id: int, at: datetime
) -> DisclosureRequest:
    """征求意见 ends: the working days after the pause date up to and including the resume
    date are added to the due date."""
    request = get_request(session, request_id)
    _not_done(request, "恢复计时")
    pause = _open_pause(request)
    if pause is None:
        raise MonitorError(f"申请 #{request.id} 没有暂停计时，无需恢复（先用 pause 暂停）")
    _not_before(at, pause.paused_at, "恢复时间", "暂停时间")
    _not_future(at, ctx, "恢复时间")
    pause.resumed_at = at
    pause.working_days = paused_working_days(
        local_date(pause.paused_at), local_date(at), ctx.calendar
    )
    schedule(session, request, ctx)
    _record(
        session,
        request,
        "resume",
        at,
        ctx,
        working_days=pause.working_days,
        due_date=request.due_date.isoformat(),
    )
    return request


def extend_request(
    session: Session, ctx: Context, request_id: int, reason: str | None = None
) -> DisclosureRequest:
    """The one extension (`[rules.disclosure] extension_days`, at most 20 working days),
    decided before the limit ends."""
    request = get_request(session, request_id)
    _not_done(request, "延期")
    if request.extension_days:
        raise MonitorError(
            f"申请 #{request.id} 已于 {format_local(request.extended_at)} 延期"
            f"{request.extension_days} 个工作日；答复期限只能延长一次"
        )
    if request.state == DisclosureState.CORRECTING:
        raise MonitorError(f"申请 #{request.id} 正在等待补正，计时尚未开始，无需延期")
    if ctx.now >= request.deadline:
        raise MonitorError(
            f"申请 #{request.id} 的答复期限 {request.due_date.isoformat()} 已过，"
            "延期须在期限届满前决定"
        )
    days = ctx.config.settings.rules.disclosure.extension_days
    if not 1 <= days <= MAX_EXTENSION:
        raise MonitorError(
            f"[rules.disclosure] extension_days = {days}：延期应为 1 至 {MAX_EXTENSION} 个工作日"
        )
    before = request.due_date
    request.extension_days = days
    request.extension_reason = (reason or "").strip() or None
    request.extended_at = ctx.now
    schedule(session, request, ctx)
    _record(
        session,
        request,
        "extend",
        ctx.now,
        ctx,
        reason=request.extension_reason,
        days=days,
        before=before.isoformat(),
        due_date=request.due_date.isoformat(),
    )
    return request


def done_request(
    session: Session,
    ctx: Context,
    request_id: int,
    outcome: str,
    at: datetime | None = None,
    reason: str | None = None,
) -> DisclosureRequest:
    """The reply went out with `outcome` and, for 不予公开 / 无法提供 / 不予处理 / 其他处理, its
    numbered `reason` (the annual report's rows, monitor.disclosure.categories)."""
    if outcome not in OUTCOMES:
        raise MonitorError(f"--outcome {outcome!r} 无效，应为 {'、'.join(OUTCOMES)} 之一")
    reason = _reason(outcome, reason)
    request = get_request(session, request_id)
    _not_done(request, "办结")
    at = at or ctx.now
    pause = _open_pause(request)
    if pause is not None:
        raise MonitorError(
            f"申请 #{request.id} 自 {format_local(pause.paused_at)} 起暂停计时"
            "（征求意见），请先 resume 恢复计时再办结"
        )
    _not_before(at, request.first_received_at, "办结时间", "收到申请时间")
    if request.correction_asked_at is not None:
        _not_before(at, request.correction_asked_at, "办结时间", "告知补正时间")
    if request.corrected_at is not None:
        _not_before(at, request.corrected_at, "办结时间", "收到补正材料时间")
    last = max((p.resumed_at for p in request.pauses if p.resumed_at), default=None)
    if last is not None:
        _not_before(at, last, "办结时间", "恢复计时时间")
    _not_future(at, ctx, "办结时间")
    if reason == LAPSED_CORRECTION:
        _check_lapsed(request, at)
    request.outcome = outcome
    request.reason = reason
    request.done_at = at
    schedule(session, request, ctx)
    _record(session, request, "done", at, ctx, outcome=outcome, reason=reason, state=request.state)
    return request


def _check_lapsed(request: DisclosureRequest, at: datetime) -> None:
    """逾期不补正 only for a request sent back for 补正 whose period passed with nothing back."""
    if request.correction_asked_at is None:
        raise MonitorError(
            f"申请 #{request.id} 没有登记告知补正，不能按「申请人无正当理由逾期不补正」办结"
        )
    if request.corrected_at is not None:
        raise MonitorError(
            f"申请 #{request.id} 已于 {format_local(request.corrected_at)} 收到补正材料，"
            "不能按逾期不补正办结"
        )
    if request.correction_until is not None and local_date(at) <= request.correction_until:
        raise MonitorError(
            f"补正期限 {request.correction_until.isoformat()} 尚未届满，不能按逾期不补正办结"
        )


def amend_request(
    session: Session,
    ctx: Context,
    request_id: int,
    applicant_type: str | None = None,
    reason: str | None = None,
) -> DisclosureRequest:
    """Record what the annual report needs on a request registered before the register asked
    for it (or registered wrong): the applicant's type, the numbered reason of its outcome.
    The outcome, the times and the clock are not touched."""
    if applicant_type is None and reason is None:
        raise MonitorError("补登需要 --applicant-type 或 --reason")
    request = get_request(session, request_id)
    before = {"applicant_type": request.applicant_type, "reason": request.reason}
    if applicant_type is not None:
        request.applicant_type = _applicant_type(applicant_type)
    if reason is not None:
        if request.outcome is None:
            raise MonitorError(f"申请 #{request.id} 尚未办结，办结时用 done --reason 登记理由")
        checked = _reason(request.outcome, reason)
        if checked == LAPSED_CORRECTION:
            _check_lapsed(request, request.done_at or ctx.now)
        request.reason = checked
    request.updated_at = ctx.now
    _record(
        session,
        request,
        "amend",
        ctx.now,
        ctx,
        before=before,
        applicant_type=request.applicant_type,
        reason=request.reason,
    )
    return request


# ---------------------------------------------------------------------------------------
# reading


def state_at(request: DisclosureRequest, now: datetime) -> str:
    """The state at `now`: a running clock is re-evaluated, stopped and done ones stay."""
    if request.state not in ACTIVE_VALUES:
        return request.state
    return disclosure_state(request.deadline, request.first_warning_at, now).value


def working_days_left(
    request: DisclosureRequest, calendar: WorkCalendar, now: datetime
) -> int | None:
    """Working days from today to the due date (1 = due today, 0 or less = overdue)."""
    if request.state not in ACTIVE_VALUES:
        return None
    today, due = local_date(now), request.due_date
    if today > due:
        return -_count(calendar, due, today)
    return _count(calendar, today - timedelta(days=1), due)


def _count(calendar: WorkCalendar, after: date, upto: date) -> int:
    n, day = 0, after
    while day < upto:
        day += timedelta(days=1)
        n += calendar.is_workday(day, provisional=True)
    return n


def request_document(
    request: DisclosureRequest, now: datetime, calendar: WorkCalendar | None = None
) -> dict[str, Any]:
    """The JSON shape of one request (`disclosure add|list --json`, the dashboard)."""
    doc = {
        "id": request.id,
        "title": request.title,
        "applicant": request.applicant,
        "contact": request.contact,
        "channel": request.channel,
        "applicant_type": request.applicant_type,
        "department": request.department,
        "received_at": iso(request.first_received_at),
        "clock_from": iso(request.received_at),
        "correction_due": request.correction_due.isoformat(),
        "correction_asked_at": iso(request.correction_asked_at),
        "corrected_at": iso(request.corrected_at),
        "correction_until": request.correction_until.isoformat()
        if request.correction_until
        else None,
        "correction_lapsed": correction_lapsed(request, now),
        "pauses": [
            {
                "paused_at": iso(p.paused_at),
                "resumed_at": iso(p.resumed_at),
                "working_days": p.working_days,
            }
            for p in request.pauses
        ],
        "extension_days": request.extension_days,
        "extension_reason": request.extension_reason,
        "state": state_at(request, now),
        "due_date": request.due_date.isoformat(),
        "deadline": iso(request.deadline),
        "provisional": request.provisional,
        "outcome": request.outcome,
        "reason": request.reason,
        "reason_missing": request.outcome in REASONS and request.reason is None,
        "done_at": iso(request.done_at),
        "reviews": [
            {
                "kind": r.kind,
                "kind_label": REVIEW_KIND_ZH.get(r.kind, r.kind),
                "result": r.result,
                "filed_at": iso(r.filed_at),
            }
            for r in request.reviews
        ],
    }
    if calendar is not None:
        doc["working_days_left"] = working_days_left(request, calendar, now)
    return doc


def list_requests(
    session: Session, now: datetime, state: str | None = None, department: str | None = None
) -> list[DisclosureRequest]:
    """Requests, soonest deadline first. `state` None: everything not yet answered
    (open, at_risk, overdue, paused, correcting); `all`: everything; else that state at `now`."""
    if state is not None and state != "all" and state not in STATES:
        raise MonitorError(f"--state {state!r} 无效，应为 {'、'.join(STATES + ['all'])} 之一")
    query = (
        select(DisclosureRequest)
        .options(selectinload(DisclosureRequest.pauses), selectinload(DisclosureRequest.reviews))
        .order_by(DisclosureRequest.deadline, DisclosureRequest.id)
    )
    if department:
        query = query.where(DisclosureRequest.department == department)
    if state is None or state in OPEN_VALUES:
        query = query.where(DisclosureRequest.state.in_(OPEN_VALUES))
    elif state != "all":
        query = query.where(DisclosureRequest.state == state)
    rows = list(session.scalars(query))
    if state not in (None, "all"):
        rows = [r for r in rows if state_at(r, now) == state]
    return rows


def history(session: Session, request_id: int) -> Sequence[DisclosureHistory]:
    """The request's timeline, oldest first."""
    return session.scalars(
        select(DisclosureHistory)
        .where(DisclosureHistory.request_id == request_id)
        .order_by(DisclosureHistory.at, DisclosureHistory.id)
    ).all()


def board_requests(session: Session, now: datetime) -> list[DisclosureRequest]:
    """What the board shows: every request not yet answered, soonest deadline first."""
    return list_requests(session, now)


def is_done(request: DisclosureRequest) -> bool:
    return request.state in {s.value for s in DONE}
