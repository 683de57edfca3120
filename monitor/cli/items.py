"""`items`: tracked citizen messages and their deadlines."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from monitor.cli.common import COUNT, emit_json, json_option, now_option, pass_state, table
from monitor.deadlines import ALL_STATES, STATE_ZH
from monitor.hints import command

STATES = [*(s.value for s in ALL_STATES), "all"]


def register(main: click.Group) -> None:
    main.add_command(items)


def item_document(
    m: Any,
    now: datetime | None = None,
    quality: dict[str, Any] | None = None,
    titles: dict[str, str] | None = None,
) -> dict[str, Any]:
    from monitor.deadlines import state_at
    from monitor.timeutil import iso

    return {
        "id": m.id,
        "source": m.source,
        "source_title": (titles or {}).get(m.source, m.source),  # what people read
        "external_id": m.external_id,
        "url": m.url,
        "title": m.title,
        "posted_at": iso(m.posted_at),
        "department": m.department,
        "status_text": m.status_text,
        "state": state_at(m, now) if now is not None else m.state,
        "due_date": m.due_date.isoformat() if m.due_date else None,
        "deadline": iso(m.deadline),
        "replied_at": iso(m.replied_at),
        "replied_at_approx": m.replied_at_approx,
        "provisional": m.provisional,
        # the reply checker's verdict (docs/reply-quality.md): null until a reply was seen and judged
        "reply_quality": quality,
    }


@click.command()
@click.option(
    "--source",
    default=None,
    help="只看这个数据源（代号，如 luan-bxcy；status 列出各数据源的代号）。",
)
@click.option(
    "--state",
    "state_filter",
    type=click.Choice(STATES),
    default=None,
    help="只看这个状态（默认：open 办理中、at_risk 临期、overdue 超期）。",
)
@click.option("--limit", type=COUNT, default=None, help="最多显示这么多行。")
@now_option
@json_option
@pass_state
def items(
    state,
    source: str | None,
    state_filter: str | None,
    limit: int | None,
    now: datetime | None,
    as_json: bool,
) -> None:
    """跟踪的留言，截止时间最近的在前。给出 --now 时按该时间判断办理中/临期/超期；
    否则按最近一次巡检的结果。"""
    from sqlalchemy import select

    from monitor.db.models import Message
    from monitor.deadlines import ACTIVE_STATES
    from monitor.replyquality.store import summary_of, verdicts_for
    from monitor.timeutil import format_local

    app = state.app(now)
    if source is not None:
        app.config.source(source)  # an unknown name is an error, not an empty list
    active = [s.value for s in ACTIVE_STATES]
    query = select(Message).order_by(Message.deadline, Message.id)
    if source:
        query = query.where(Message.source == source)
    # active states are re-evaluated at --now, so they are filtered after evaluation
    if state_filter is None or state_filter in active:
        query = query.where(Message.state.in_(active))
    elif state_filter != "all":
        query = query.where(Message.state == state_filter)
    # without --now the stored state is shown: the daemon's last sweep, at most a minute old
    # (and a demo database keeps the states of its simulated weeks)
    moment = now
    from monitor.names import source_titles

    titles = source_titles(app.config)
    with app.session() as session:
        found = list(session.scalars(query))
        verdicts = verdicts_for(session, [m.id for m in found if m.reply])
        docs = [item_document(m, moment, summary_of(verdicts.get(m.id)), titles) for m in found]
    if state_filter not in (None, "all"):
        docs = [d for d in docs if d["state"] == state_filter]
    docs = docs[:limit] if limit else docs
    if as_json:
        emit_json(docs)
        return
    if not docs:
        click.echo("（没有符合条件的留言）")
        return
    from monitor.timeutil import parse_iso

    table_rows = [
        [
            d["source_title"],
            d["external_id"],
            d["title"],
            format_local(parse_iso(d["posted_at"])),
            d["department"] or "",
            STATE_ZH.get(d["state"], d["state"]),
            (d["due_date"] or "") + ("*" if d["provisional"] else ""),
            format_local(parse_iso(d["replied_at"])) if d["replied_at"] else "",
        ]
        for d in docs
    ]
    click.echo(
        table(
            ["来源", "编号", "标题", "来信时间", "部门", "状态", "截止日期", "回复时间"],
            table_rows,
            max_width=30,
        )
    )
    if any(d["provisional"] for d in docs):
        click.echo(
            "* 临时期限：涉及尚未公布放假安排的年份；通知发布后请运行 "
            f"{command('calendar import-notice 通知.txt')} 导入"
        )
