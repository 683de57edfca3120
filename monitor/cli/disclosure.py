"""`disclosure add|correct|pause|resume|extend|done|amend|review|list`: 依申请公开 requests
(docs/disclosure-and-reports.md). The rules live in monitor.disclosure.register (and .reviews); this module
parses and prints."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from monitor.cli.common import (
    ID,
    ISO,
    emit_json,
    json_option,
    now_option,
    pass_state,
    register_context,
    table,
)

# the lists live in monitor.disclosure.categories; click needs them at import time, and that
# module is small and pure (no SQLAlchemy), so `calendar due` still starts fast
from monitor.disclosure.categories import APPLICANT_TYPES, REASONS, REVIEW_KINDS, REVIEW_RESULTS
from monitor.disclosure.deadlines import OUTCOMES

OUTCOME_CHOICES = list(OUTCOMES)
REASON_HELP = "；".join(f"{o}：{'、'.join(r)}" for o, r in REASONS.items())
STATE_CHOICES = [
    "open",
    "at_risk",
    "overdue",
    "paused",
    "correcting",
    "replied",
    "replied_late",
    "all",
]


def register(main: click.Group) -> None:
    main.add_command(disclosure)


def _report(request: Any, ctx: Any, as_json: bool, headline: str) -> None:
    from monitor.disclosure.deadlines import STATE_ZH
    from monitor.disclosure.register import request_document

    doc = request_document(request, ctx.now, ctx.calendar)
    if as_json:
        emit_json(doc)
        return
    click.echo(f"申请 #{doc['id']}「{request.title}」{headline}")
    line = f"答复期限：{doc['due_date']} 24:00（{STATE_ZH.get(doc['state'], doc['state'])}）"
    if request.provisional:
        line += "  * 暂按周末推算，请补充 holidays.toml"
    click.echo(line)


@click.group()
def disclosure() -> None:
    """依申请公开：20个工作日答复期限、补正、征求意见暂停计时、延期一次、办结。"""


@disclosure.command("add")
@click.argument("title")
@click.option(
    "--received", type=ISO, required=True, help="收到申请的时间（ISO-8601，不带时区即北京时间）。"
)
@click.option("--applicant", default=None, help="申请人姓名（提醒中脱敏显示）。")
@click.option("--contact", default=None, help="申请人联系方式（提醒中脱敏显示）。")
@click.option(
    "--channel", type=click.Choice(["网上", "信函", "当面"]), default=None, help="申请方式。"
)
@click.option("--department", default=None, help="承办部门（提醒按部门分送）。")
@click.option(
    "--applicant-type",
    type=click.Choice(list(APPLICANT_TYPES)),
    default=None,
    help="申请人类型（年度报告表三的列，默认自然人）。",
)
@now_option
@json_option
@pass_state
def add(
    state: Any,
    title: str,
    received: datetime,
    applicant: str | None,
    contact: str | None,
    channel: str | None,
    department: str | None,
    applicant_type: str | None,
    now: datetime | None,
    as_json: bool,
) -> None:
    """登记一件依申请公开申请，开始计算答复期限（收到当日不计）。"""
    from monitor.disclosure.register import add_request
    from monitor.inputs import check_fields

    check_fields(title=title, applicant=applicant, contact=contact, department=department)

    app, ctx = register_context(state, now)
    with app.session() as session:
        request = add_request(
            session,
            ctx,
            title,
            received,
            applicant=applicant,
            contact=contact,
            channel=channel,
            department=department,
            applicant_type=applicant_type,
        )
        _report(request, ctx, as_json, "已登记")
        if not as_json:
            click.echo(f"如需补正，最迟于 {request.correction_due.isoformat()} 一次性告知申请人")


@disclosure.command("correct")
@click.argument("request_id", type=ID)
@click.option(
    "--received", type=ISO, default=None, help="补正后的申请收到时间：答复期限自此重新计算。"
)
@click.option(
    "--asked", type=ISO, default=None, help="告知申请人补正的时间（须在收到申请后7个工作日内）。"
)
@click.option(
    "--until",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",  # click would show the strptime format
    default=None,
    help="告知申请人的补正期限 YYYY-MM-DD（默认：告知次日起15个工作日）。",
)
@click.option(
    "--lapsed",
    is_flag=True,
    help="申请人逾期未补正：按「其他处理 / 申请人无正当理由逾期不补正」办结（时间用 --at）。",
)
@click.option("--at", type=ISO, default=None, help="与 --lapsed 一起：办结时间（默认：现在）。")
@now_option
@json_option
@pass_state
def correct(
    state: Any,
    request_id: int,
    received: datetime | None,
    asked: datetime | None,
    until: datetime | None,
    lapsed: bool,
    at: datetime | None,
    now: datetime | None,
    as_json: bool,
) -> None:
    """补正：告知补正（--asked，暂停计时）、收到补正材料（--received，重新计时；须已告知补正），
    或申请人逾期未补正（--lapsed，办结）。"""
    from monitor.disclosure.register import correct_request, lapse_correction
    from monitor.errors import MonitorError

    app, ctx = register_context(state, now)
    if lapsed and (received or asked or until):
        raise MonitorError("--lapsed 不能与 --received、--asked、--until 同时使用")
    if at is not None and not lapsed:
        raise MonitorError(
            "--at 只与 --lapsed 一起使用（告知补正用 --asked，收到材料用 --received）"
        )
    with app.session() as session:
        if lapsed:
            request = lapse_correction(session, ctx, request_id, at)
            _report(request, ctx, as_json, "申请人逾期未补正，已按「其他处理」办结")
            return
        request = correct_request(
            session,
            ctx,
            request_id,
            received=received,
            asked=asked,
            until=until.date() if until else None,
        )
        _report(
            request,
            ctx,
            as_json,
            "已收到补正材料，重新计时" if received else "已告知补正，暂停计时",
        )
        if not as_json and asked and not received and request.correction_until:
            click.echo(
                f"补正期限：{request.correction_until.isoformat()}（逾期未补正可用 --lapsed 办结）"
            )


@disclosure.command("pause")
@click.argument("request_id", type=ID)
@click.option("--at", type=ISO, required=True, help="开始征求意见的时间。")
@now_option
@json_option
@pass_state
def pause(state: Any, request_id: int, at: datetime, now: datetime | None, as_json: bool) -> None:
    """征求第三方或其他机关意见：暂停计时。"""
    from monitor.disclosure.register import pause_request

    app, ctx = register_context(state, now)
    with app.session() as session:
        request = pause_request(session, ctx, request_id, at)
        _report(request, ctx, as_json, "已暂停计时（征求意见）")


@disclosure.command("resume")
@click.argument("request_id", type=ID)
@click.option("--at", type=ISO, required=True, help="收到意见、恢复计时的时间。")
@now_option
@json_option
@pass_state
def resume(state: Any, request_id: int, at: datetime, now: datetime | None, as_json: bool) -> None:
    """征求意见结束：恢复计时，暂停日之后至恢复日（含）的工作日顺延。"""
    from monitor.disclosure.register import resume_request

    app, ctx = register_context(state, now)
    with app.session() as session:
        request = resume_request(session, ctx, request_id, at)
        days = request.pauses[-1].working_days
        _report(request, ctx, as_json, f"已恢复计时，顺延 {days} 个工作日")


@disclosure.command("extend")
@click.argument("request_id", type=ID)
@click.option("--reason", default=None, help="延期理由。")
@now_option
@json_option
@pass_state
def extend(
    state: Any, request_id: int, reason: str | None, now: datetime | None, as_json: bool
) -> None:
    """延长答复期限（只能一次，最长20个工作日，自原期限起算）。"""
    from monitor.disclosure.register import extend_request
    from monitor.inputs import check_fields

    check_fields(reason=reason)

    app, ctx = register_context(state, now)
    with app.session() as session:
        request = extend_request(session, ctx, request_id, reason)
        _report(request, ctx, as_json, f"已延期 {request.extension_days} 个工作日")


@disclosure.command("done")
@click.argument("request_id", type=ID)
@click.option(
    "--outcome", type=click.Choice(OUTCOME_CHOICES), required=True, help="办理结果（年报口径）。"
)
@click.option(
    "--reason",
    default=None,
    help=f"具体理由（年度报告表三的分项），须属于所选办理结果：{REASON_HELP}。",
)
@click.option("--at", type=ISO, default=None, help="答复时间（默认：现在）。")
@now_option
@json_option
@pass_state
def done(
    state: Any,
    request_id: int,
    outcome: str,
    reason: str | None,
    at: datetime | None,
    now: datetime | None,
    as_json: bool,
) -> None:
    """办结：登记答复时间、办理结果和具体理由。"""
    from monitor.disclosure.register import done_request
    from monitor.timeutil import format_local

    app, ctx = register_context(state, now)
    with app.session() as session:
        request = done_request(session, ctx, request_id, outcome, at, reason=reason)
        verdict = "按时" if request.state == "replied" else "逾期"
        what = outcome + (f" / {request.reason}" if request.reason else "")
        _report(
            request,
            ctx,
            as_json,
            f"已于 {format_local(request.done_at)} 办结（{what}，{verdict}）",
        )
        if outcome in REASONS and request.reason is None:
            click.echo(
                f"提示：「{outcome}」未登记具体理由，年度报告会标注相关单元格；"
                f"可用 disclosure amend {request.id} --reason … 补登",
                err=True,
            )


@disclosure.command("amend")
@click.argument("request_id", type=int)
@click.option(
    "--applicant-type", type=click.Choice(list(APPLICANT_TYPES)), default=None, help="申请人类型。"
)
@click.option("--reason", default=None, help=f"办理结果的具体理由：{REASON_HELP}。")
@now_option
@json_option
@pass_state
def amend(
    state: Any,
    request_id: int,
    applicant_type: str | None,
    reason: str | None,
    now: datetime | None,
    as_json: bool,
) -> None:
    """补登年度报告需要的分类：申请人类型、办结理由（不改变办理结果和时间）。"""
    from monitor.disclosure.register import amend_request

    app, ctx = register_context(state, now)
    with app.session() as session:
        request = amend_request(
            session, ctx, request_id, applicant_type=applicant_type, reason=reason
        )
        detail = f"申请人类型 {request.applicant_type}" + (
            f"，理由 {request.reason}" if request.reason else ""
        )
        _report(request, ctx, as_json, f"已补登：{detail}")


@disclosure.command("review")
@click.argument("request_id", type=int)
@click.option(
    "--kind",
    type=click.Choice(list(REVIEW_KINDS)),
    required=True,
    help="复议（行政复议）、诉讼（未经复议直接起诉）或复议后诉讼（复议后起诉）。",
)
@click.option(
    "--result",
    type=click.Choice(list(REVIEW_RESULTS)),
    required=True,
    help="结果：维持、纠正、其他或未审结；同一类案件再次登记即更新结果。",
)
@click.option("--at", type=ISO, default=None, help="立案时间（决定计入哪一年度；默认：现在）。")
@now_option
@json_option
@pass_state
def review(
    state: Any,
    request_id: int,
    kind: str,
    result: str,
    at: datetime | None,
    now: datetime | None,
    as_json: bool,
) -> None:
    """登记或更新因该申请引起的行政复议、行政诉讼（年度报告表四）。"""
    from monitor.disclosure.categories import REVIEW_KIND_ZH
    from monitor.disclosure.reviews import review_request
    from monitor.timeutil import format_local

    app, ctx = register_context(state, now)
    with app.session() as session:
        request, case, created = review_request(session, ctx, request_id, kind, result, at)
        verb = "已登记" if created else "已更新"
        _report(
            request,
            ctx,
            as_json,
            f"{verb}{REVIEW_KIND_ZH[kind]}（{format_local(case.filed_at)} 立案）：结果{result}",
        )


@disclosure.command("list")
@click.option(
    "--state",
    "state_filter",
    type=click.Choice(STATE_CHOICES),
    default=None,
    help="只列此状态（默认：未办结的全部）。",
)
@click.option("--department", default=None, help="只列此部门。")
@now_option
@json_option
@pass_state
def list_cmd(
    state: Any,
    state_filter: str | None,
    department: str | None,
    now: datetime | None,
    as_json: bool,
) -> None:
    """依申请公开申请，答复期限最近的在前。"""
    from monitor.disclosure.deadlines import STATE_ZH
    from monitor.disclosure.register import list_requests, request_document
    from monitor.timeutil import format_local, parse_iso

    app, ctx = register_context(state, now)
    with app.session() as session:
        docs = [
            request_document(r, ctx.now, ctx.calendar)
            for r in list_requests(session, ctx.now, state_filter, department)
        ]
    if as_json:
        emit_json(docs)
        return
    if not docs:
        click.echo("（没有符合条件的依申请公开申请）")
        return
    rows = []
    for d in docs:
        left = d["working_days_left"]
        left_text = "" if left is None else (f"剩 {left} 个工作日" if left > 0 else "已超期")
        if d["correction_lapsed"]:
            left_text = f"补正已逾期（{d['correction_until']}）"
        rows.append(
            [
                d["id"],
                d["title"],
                d["department"] or "",
                format_local(parse_iso(d["received_at"])),
                d["due_date"] + ("*" if d["provisional"] else ""),
                STATE_ZH.get(d["state"], d["state"]),
                left_text,
                (d["outcome"] or "") + ("（缺理由）" if d["reason_missing"] else ""),
            ]
        )
    click.echo(
        table(
            ["编号", "申请内容", "部门", "收到时间", "答复期限", "状态", "剩余", "办理结果"],
            rows,
            max_width=30,
        )
    )
    if any(d["provisional"] for d in docs):
        click.echo("* 临时期限：涉及尚未公布放假安排的年份，请补充 holidays.toml")
    lapsed = [str(d["id"]) for d in docs if d["correction_lapsed"]]
    if lapsed:
        click.echo(
            f"补正期限已过、申请人未补正：#{'、#'.join(lapsed)}；可用 disclosure correct ID --lapsed "
            "按「申请人无正当理由逾期不补正」办结"
        )
