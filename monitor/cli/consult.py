"""`consult add|feedback|list`: 意见征集 windows and the 采纳情况 they owe (docs/consultations.md).
The rules live in monitor.consultation; this module parses and prints."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from monitor.cli.common import (
    ISO,
    IsoTime,
    emit_json,
    json_option,
    now_option,
    pass_state,
    register_context,
    table,
)

STATE_CHOICES = [
    "open",
    "all",
    "collecting",
    "awaiting_feedback",
    "at_risk",
    "overdue",
    "done_on_time",
    "done_late",
]


def register(main: click.Group) -> None:
    main.add_command(consult)


def _due_line(doc: dict[str, Any]) -> str:
    from monitor.consultation.deadlines import STATE_ZH

    line = (
        f"采纳情况公布期限：{doc['feedback_due']} 24:00"
        f"（{STATE_ZH.get(doc['state'], doc['state'])}）"
    )
    if doc["provisional"]:
        line += "  * 暂按周末推算，请补充 holidays.toml"
    return line


class ClosingTime(IsoTime):
    """`--closes`: an ISO time as IsoTime reads it, except that `24:00` ends its own date
    (monitor.consultation.deadlines.closing_as_written)."""

    def convert(self, value: Any, param: Any, ctx: Any) -> datetime:
        from monitor.consultation.deadlines import closing_as_written

        moment = super().convert(value, param, ctx)
        return closing_as_written(value, moment) if isinstance(value, str) else moment


@click.group()
def consult() -> None:
    """意见征集：征集期不少于30天，征集结束后按时公布意见采纳情况。"""


@consult.command("add")
@click.argument("title")
@click.option(
    "--opens", type=ISO, required=True, help="征集开始日期或时间（ISO-8601，不带时区即北京时间）。"
)
@click.option(
    "--closes",
    type=ClosingTime(),
    required=True,
    help="征集截止日期（当日 24:00 截止）或时间（ISO-8601）。",
)
@click.option("--department", default=None, help="起草部门（采纳情况提醒按部门分送）。")
@click.option("--url", default=None, help="征集公告的网址。")
@now_option
@json_option
@pass_state
def add(
    state: Any,
    title: str,
    opens: datetime,
    closes: datetime,
    department: str | None,
    url: str | None,
    now: datetime | None,
    as_json: bool,
) -> None:
    """登记一项意见征集：计算征集天数（开始当日不计）与采纳情况公布期限（截止次日起算）。"""
    from monitor.consultation.deadlines import MIN_DAYS_BASIS
    from monitor.consultation.register import add_consultation, consultation_document
    from monitor.sweep.consultation import short_alerts

    app, ctx = register_context(state, now)
    with app.session() as session:
        row = add_consultation(session, ctx, title, opens, closes, department=department, url=url)
        if row.short:
            # the sweep's consultation_short step for this one, now: the office hears of a
            # short window at once, not at the daemon's next sweep
            short_alerts(session, ctx.now, [row.id])
        doc = consultation_document(row, ctx.now, ctx.calendar)
    if as_json:
        emit_json(doc)
        return
    click.echo(
        f"意见征集 #{doc['id']}「{row.title}」已登记：征集期 {doc['opens_on']} 至 "
        f"{doc['closes_on']}（{doc['window_days']} 天）"
    )
    if doc["short"]:
        click.echo(
            f"注意：征集期 {doc['window_days']} 天，少于 {doc['min_days']} 天（{MIN_DAYS_BASIS}）："
            "请延长征集期或在公告中说明理由；已提醒办公室"
        )
    click.echo(_due_line(doc))


@consult.command("feedback")
@click.argument("consultation_id", type=int)
@click.option("--at", type=ISO, required=True, help="意见采纳情况公布的时间（ISO-8601）。")
@click.option("--url", default=None, help="采纳情况（反馈）页面的网址。")
@now_option
@json_option
@pass_state
def feedback(
    state: Any,
    consultation_id: int,
    at: datetime,
    url: str | None,
    now: datetime | None,
    as_json: bool,
) -> None:
    """登记意见采纳情况已公布（不得早于征集截止）。"""
    from monitor.consultation.register import consultation_document, record_feedback
    from monitor.timeutil import format_local

    app, ctx = register_context(state, now)
    with app.session() as session:
        row = record_feedback(session, ctx, consultation_id, at, url)
        doc = consultation_document(row, ctx.now, ctx.calendar)
    if as_json:
        emit_json(doc)
        return
    verdict = "按时" if doc["state"] == "done_on_time" else "逾期"
    click.echo(
        f"意见征集 #{doc['id']}「{row.title}」采纳情况已于 {format_local(row.feedback_at)} 公布"
        f"（{verdict}，期限 {doc['feedback_due']} 24:00）"
    )


@consult.command("list")
@click.option(
    "--state",
    "state_filter",
    type=click.Choice(STATE_CHOICES),
    default="open",
    show_default=True,
    help="open：未公布采纳情况的全部；all：全部；或某一状态。",
)
@click.option("--department", default=None, help="只列此部门。")
@now_option
@json_option
@pass_state
def list_cmd(
    state: Any, state_filter: str, department: str | None, now: datetime | None, as_json: bool
) -> None:
    """意见征集，采纳情况公布期限最近的在前。"""
    from monitor.calendar import WorkingDays
    from monitor.consultation.deadlines import STATE_ZH
    from monitor.consultation.register import consultation_document, list_consultations

    app, ctx = register_context(state, now)
    with app.session() as session:
        days = WorkingDays(ctx.calendar)
        docs = [
            consultation_document(r, ctx.now, days)
            for r in list_consultations(session, ctx.now, state_filter, department)
        ]
    if as_json:
        emit_json(docs)
        return
    if not docs:
        click.echo("（没有符合条件的意见征集）")
        return
    rows = []
    for d in docs:
        left = d["working_days_left"]
        if d["feedback_at"]:
            note = "公布于 " + d["feedback_at"][:16].replace("T", " ")
        elif left is not None:
            note = f"剩 {left} 个工作日" if left > 0 else "已超期"
        else:
            note = ""
        rows.append(
            [
                d["id"],
                d["title"],
                d["department"] or "",
                f"{d['opens_on']} 至 {d['closes_on']}",
                f"{d['window_days']}" + ("（过短）" if d["short"] else ""),
                d["feedback_due"] + ("*" if d["provisional"] else ""),
                STATE_ZH.get(d["state"], d["state"]),
                note,
            ]
        )
    click.echo(
        table(
            ["编号", "草案", "部门", "征集期", "天数", "采纳情况期限", "状态", "说明"],
            rows,
            max_width=30,
        )
    )
    if any(d["provisional"] for d in docs):
        click.echo("* 临时期限：涉及尚未公布放假安排的年份，请补充 holidays.toml")
