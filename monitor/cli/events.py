"""`event declare|done|list`: crisis clocks (5 h publish, 24 h press conference)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import click

from monitor.cli.common import ID, ISO, emit_json, json_option, now_option, pass_state, table
from monitor.deadlines import (
    EVENT_LEVEL_ZH,
    EVENT_LEVELS,
    MILESTONE_STATE_ZH,
    MILESTONE_ZH,
    MILESTONES,
    milestone_state,
)
from monitor.deadlines import (
    first_warning as widest_warning,
)


def register(main: click.Group) -> None:
    main.add_command(event)


def event_document(
    event: Any, now: datetime, warn_before: timedelta | None = None
) -> dict[str, Any]:
    from monitor.timeutil import iso

    return {
        "id": event.id,
        "title": event.title,
        "level": event.level,
        "started_at": iso(event.started_at),
        "declared_at": iso(event.declared_at),
        "milestones": [
            {
                "name": m.name,
                "deadline": iso(m.deadline),
                "done_at": iso(m.done_at),
                "state": milestone_state(m.deadline, m.done_at, now, warn_before).value,
            }
            for m in event.milestones
        ],
    }


def first_warning(app: Any) -> timedelta | None:
    return widest_warning(app.config.settings.rules.crisis.thresholds)


@click.group()
def event() -> None:
    """突发事件：权威信息发布（5小时）与新闻发布会（24小时）时限。"""


@event.command("declare")
@click.argument("title")
@click.option("--level", type=click.Choice(EVENT_LEVELS), required=True)
@click.option(
    "--started-at",
    type=ISO,
    required=True,
    help="事件发生或发现的时间（ISO-8601；不带时区按北京时间）。",
)
@now_option
@json_option
@pass_state
def declare(
    state, title: str, level: str, started_at: datetime, now: datetime | None, as_json: bool
) -> None:
    """宣布突发事件，开始计时。"""
    from monitor.tracking import declare_event

    app = state.app(now)
    with app.session() as session:
        created = declare_event(session, title, level, started_at, app.config, app.now())
        doc = event_document(created, app.now(), first_warning(app))
    if as_json:
        emit_json(doc)
        return
    _print_event(doc)


def _print_event(doc: dict[str, Any]) -> None:
    from monitor.timeutil import format_local, parse_iso

    click.echo(f"事件 #{doc['id']}：{doc['title']}（{EVENT_LEVEL_ZH[doc['level']]}）")
    click.echo(f"发生/发现时间：{format_local(parse_iso(doc['started_at']))}")
    rows = [
        [
            MILESTONE_ZH[m["name"]],
            format_local(parse_iso(m["deadline"])),
            format_local(parse_iso(m["done_at"])) if m["done_at"] else "",
            MILESTONE_STATE_ZH[m["state"]],
        ]
        for m in doc["milestones"]
    ]
    click.echo(table(["节点", "时限", "完成时间", "状态"], rows))


@event.command("done")
@click.argument("event_id", type=ID)
@click.argument("milestone", type=click.Choice(MILESTONES))
@click.option("--at", type=ISO, default=None, help="完成时间（默认：现在）。")
@click.option("--correct", is_flag=True, help="更正已完成任务的完成时间。")
@now_option
@pass_state
def done(
    state, event_id: int, milestone: str, at: datetime | None, correct: bool, now: datetime | None
) -> None:
    """标记一项时限任务已完成。"""
    from monitor.timeutil import format_local
    from monitor.tracking import mark_milestone_done

    app = state.app(now)
    with app.session() as session:
        row = mark_milestone_done(
            session, event_id, milestone, at or app.now(), app.now(), correct=correct
        )
        assert row.done_at is not None  # just marked
        late = row.done_at > row.deadline
    click.echo(
        f"事件 #{event_id}「{MILESTONE_ZH[milestone]}」已于 {format_local(row.done_at)} 完成"
        + ("（已超时限）" if late else "（在时限内）")
    )


@event.command("list")
@now_option
@json_option
@pass_state
def list_events(state, now: datetime | None, as_json: bool) -> None:
    """突发事件及其时限任务。"""
    from sqlalchemy import select

    from monitor.db.models import CrisisEvent

    app = state.app(now)
    with app.session() as session:
        events = session.scalars(select(CrisisEvent).order_by(CrisisEvent.started_at.desc())).all()
        docs = [event_document(e, app.now(), first_warning(app)) for e in events]
    if as_json:
        emit_json(docs)
        return
    if not docs:
        click.echo("（暂无突发事件）")
    for doc in docs:
        _print_event(doc)
        click.echo()
