"""`dispatch`, `summary` and `alerts list|ack|test` (docs/commands.md, docs/alerts.md)."""

from __future__ import annotations

from datetime import date, datetime

import click

from alerts.status import ALERT_STATUS_ZH
from monitor.cli.common import (
    COUNT,
    DAY,
    ID,
    emit_json,
    json_option,
    now_option,
    pass_state,
    table,
)


def register(main: click.Group) -> None:
    main.add_command(dispatch)
    main.add_command(summary)
    main.add_command(alerts)


@click.command()
@now_option
@json_option
@pass_state
def dispatch(state, now: datetime | None, as_json: bool) -> None:
    """发送待发提醒（有发送失败时退出码为 1）。"""
    from sqlalchemy import func, select

    from alerts.dispatch import dispatch as run_dispatch
    from monitor.db.models import Alert
    from monitor.timeutil import format_local

    app = state.app(now)
    result = run_dispatch(app, app.now())
    waiting = (Alert.status == "pending", Alert.attempts > 0, Alert.last_error.is_not(None))
    with app.session() as session:  # alerts that failed before and wait out their backoff
        retrying, next_try = session.execute(
            select(func.count(), func.min(Alert.next_attempt_at)).where(*waiting)
        ).one()
        # why they wait, said here rather than pointed at: the distinct reasons, fewest words
        reasons = list(
            session.scalars(
                select(Alert.last_error).where(*waiting).group_by(Alert.last_error).limit(5)
            )
        )
    if as_json:
        emit_json({**result.as_dict(), "retrying": retrying})
    else:
        click.echo(
            f"发送完成：已发送 {result.sent} 条提醒（{result.messages_sent} 条消息），"
            f"失败 {result.failed} 条，非工作时间暂缓 {result.held} 条，取消 {result.skipped} 条"
        )
        for error in result.errors:
            click.echo(f"  失败原因：{error}", err=True)
        earlier = [r for r in reasons if r not in result.errors]
        if retrying:
            click.echo(
                f"共 {retrying} 条提醒发送失败，等待重试（最早 {format_local(next_try)}）"
                + ("；此前的失败原因：" if earlier else "")
            )
            for reason in earlier:
                click.echo(f"  {reason}")
    if result.failed:
        raise SystemExit(1)  # like crawl: a delivery that failed is not a success


@click.command()
@click.option(
    "--date",
    "day",
    type=DAY,
    default=None,
    help="汇总哪一天（默认：今天，北京时间），以当天 [summary] at 的时间为准。",
)
@click.option("--send", is_flag=True, help="放入发件箱并立即发送。")
@now_option
@json_option
@pass_state
def summary(state, day: date | None, send: bool, now: datetime | None, as_json: bool) -> None:
    """每日超期汇总（不加 --send 时只打印）。"""
    from alerts.summary import build_summary, summary_time
    from monitor.timeutil import local_date

    app = state.app(now)
    if now is not None:
        moment = app.now()
        day = day or local_date(moment)
    elif day is not None:
        # one moment for everything in it: days overdue, the crisis clocks and 统计时间
        moment = summary_time(app, day)
    else:
        moment = app.now()
        day = local_date(moment)
    if send:
        _send_summary(app, day, moment, as_json)
        return
    built = build_summary(app, day, moment)
    if as_json:
        emit_json(built.as_dict())
    else:
        click.echo(built.text())


def _send_summary(app, day: date, moment: datetime, as_json: bool) -> None:
    from alerts.actions import send_summary
    from alerts.channels import channel_labels
    from monitor.errors import MonitorError

    sent = send_summary(app, day, moment)
    labels = channel_labels(app.config)  # people read 企业微信群; --json keeps the keys
    if as_json:
        emit_json(sent.as_dict())
    elif sent.ok:
        how = "此前已发送，未重复发送" if sent.already_sent else "已发送"
        shown = "、".join(labels.get(c, c) for c in sent.channels) or "无"
        click.echo(f"{day.isoformat()} 汇总：{how}（渠道：{shown}）")
    if not sent.ok:
        channels = "、".join(labels.get(c, c) for c in sent.failed_channels) or "无"
        raise MonitorError(
            f"{day.isoformat()} 汇总未能通过渠道 {channels} 发送：{sent.error or sent.status}"
        )


@click.group()
def alerts() -> None:
    """提醒发件箱：列出、确认、测试通道。"""


@alerts.command("list")
@click.option(
    "--status",
    "status_filter",
    type=click.Choice(sorted(ALERT_STATUS_ZH)),
    default=None,
    help="只看这个状态的提醒。",
)
@click.option("--limit", type=COUNT, default=200, show_default=True, help="最新的 N 条提醒。")
@json_option
@pass_state
def list_alerts(state, status_filter: str | None, limit: int, as_json: bool) -> None:
    """提醒列表，最新的在前。"""
    from sqlalchemy import select

    from alerts.channels import channel_label, channel_labels
    from alerts.labels import kind_label, stage_label, subject_labels
    from monitor.db.models import Alert
    from monitor.names import source_titles
    from monitor.timeutil import format_local, iso

    app = state.app()
    with app.session() as session:
        query = select(Alert).order_by(Alert.id.desc()).limit(limit)
        if status_filter:
            query = query.where(Alert.status == status_filter)
        rows = list(session.scalars(query))
        doc = [
            {
                "id": a.id,
                "kind": a.kind,
                "subject": a.subject,
                "stage": a.stage,
                "channel": a.channel,
                "status": a.status,
                "created_at": iso(a.created_at),
                "sent_at": iso(a.sent_at),
                "department": a.department,
                "crisis": bool(a.crisis),
                "attempts": a.attempts,
                "last_error": a.last_error,
            }
            for a in rows
        ]
        # people read labels; --json keeps the codes
        subjects = {} if as_json else subject_labels(session, rows, source_titles(app.config))
        channels = channel_labels(app.config)
        lines = [
            [
                a.id,
                kind_label(a.kind),
                subjects.get(a.id, a.subject),
                stage_label(a.kind, a.stage),
                ALERT_STATUS_ZH.get(a.status, a.status),
                channel_label(channels, a.channel),
                format_local(a.created_at),
                format_local(a.sent_at),
            ]
            for a in rows
        ]
    if as_json:
        emit_json(doc)
        return
    if not lines:
        click.echo("（没有提醒）")
        return
    click.echo(
        table(["编号", "类型", "对象", "阶段", "状态", "渠道", "生成时间", "发送时间"], lines)
    )


@alerts.command("ack")
@click.argument("alert_id", type=ID)
@now_option
@pass_state
def ack(state, alert_id: int, now: datetime | None) -> None:
    """确认一条提醒：同一事项不再提醒。"""
    from alerts.actions import acknowledge
    from alerts.labels import subject_labels
    from monitor.db.models import Alert
    from monitor.names import source_titles
    from monitor.watchlist.terms import actor_name

    app = state.app(now)
    done = acknowledge(app, alert_id, actor_name())
    with app.session() as session:  # the subject as people know it, not its key (message:6)
        row = session.get(Alert, alert_id)
        named = subject_labels(session, [row], source_titles(app.config)) if row else {}
    more = f"，同一对象另有 {done.others} 条待发提醒一并确认" if done.others else ""
    subject = named.get(alert_id, done.subject)
    click.echo(f"已确认提醒 {alert_id}（{subject}）：不再就此发送提醒{more}")


@alerts.command("test")
@click.argument("channel")
@pass_state
def test_channel(state, channel: str) -> None:
    """通过通道 CHANNEL 发送一条测试消息。"""
    from alerts.actions import send_test
    from alerts.channels import channel_labels

    app = state.app()
    send_test(app, channel)
    click.echo(f"测试消息已通过“{channel_labels(app.config)[channel]}”（{channel}）发送")
