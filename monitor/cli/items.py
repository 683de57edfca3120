"""`items`: tracked citizen messages and their deadlines."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from monitor.cli.common import emit_json, json_option, now_option, pass_state, table
from monitor.cli.core import STATE_ZH

STATES = ["open", "at_risk", "overdue", "replied", "replied_late", "withdrawn", "all"]


def register(main: click.Group) -> None:
    main.add_command(items)


def item_document(m: Any) -> dict[str, Any]:
    from monitor.timeutil import iso

    return {
        "id": m.id,
        "source": m.source,
        "external_id": m.external_id,
        "url": m.url,
        "title": m.title,
        "posted_at": iso(m.posted_at),
        "department": m.department,
        "status_text": m.status_text,
        "state": m.state,
        "due_date": m.due_date.isoformat() if m.due_date else None,
        "deadline": iso(m.deadline),
        "replied_at": iso(m.replied_at),
        "replied_at_approx": m.replied_at_approx,
        "provisional": m.provisional,
    }


@click.command()
@click.option("--source", default=None, help="Only this source.")
@click.option("--state", "state_filter", type=click.Choice(STATES), default=None,
              help="Only this state (default: open, at_risk and overdue).")
@click.option("--limit", type=int, default=None, help="At most this many rows.")
@now_option
@json_option
@pass_state
def items(state, source: str | None, state_filter: str | None, limit: int | None,
          now: datetime | None, as_json: bool) -> None:
    """Tracked messages, soonest deadline first."""
    from sqlalchemy import select

    from monitor.db.models import Message
    from monitor.deadlines import ACTIVE_STATES
    from monitor.timeutil import format_local

    app = state.app(now)
    if source is not None:
        app.config.source(source)  # an unknown name is an error, not an empty list
    query = select(Message).order_by(Message.deadline, Message.id)
    if source:
        query = query.where(Message.source == source)
    if state_filter is None:
        query = query.where(Message.state.in_([s.value for s in ACTIVE_STATES]))
    elif state_filter != "all":
        query = query.where(Message.state == state_filter)
    if limit:
        query = query.limit(limit)
    with app.session() as session:
        rows = session.scalars(query).all()
        docs = [item_document(m) for m in rows]
    if as_json:
        emit_json(docs)
        return
    if not rows:
        click.echo("（没有符合条件的留言）")
        return
    table_rows = [
        [m.source, m.external_id, m.title, format_local(m.posted_at), m.department or "",
         STATE_ZH.get(m.state, m.state),
         (m.due_date.isoformat() if m.due_date else "") + ("*" if m.provisional else ""),
         format_local(m.replied_at)]
        for m in rows
    ]
    click.echo(table(["来源", "编号", "标题", "来信时间", "部门", "状态", "截止日期", "回复时间"],
                     table_rows, max_width=30))
    if any(m.provisional for m in rows):
        click.echo("* 临时期限：涉及尚未公布放假安排的年份，请补充 holidays.toml")
