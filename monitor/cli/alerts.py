"""`dispatch`, `summary` and `alerts list|ack|test` (DESIGN §3, §7)."""

from __future__ import annotations

from datetime import date, datetime

import click

from monitor.cli.common import emit_json, json_option, now_option, pass_state, table

STATUS_ZH = {"pending": "待发送", "sent": "已发送", "failed": "发送失败", "acked": "已确认",
             "skipped": "已取消"}


def register(main: click.Group) -> None:
    main.add_command(dispatch)
    main.add_command(summary)
    main.add_command(alerts)


@click.command()
@now_option
@json_option
@pass_state
def dispatch(state, now: datetime | None, as_json: bool) -> None:
    """Deliver pending alerts."""
    from alerts.dispatcher import dispatch as run_dispatch

    app = state.app(now)
    result = run_dispatch(app, app.now())
    if as_json:
        emit_json(result.as_dict())
        return
    click.echo(f"发送完成：已发送 {result.sent} 条提醒（{result.messages_sent} 条消息），"
               f"失败 {result.failed} 条，非工作时间暂缓 {result.held} 条，取消 {result.skipped} 条")
    for error in result.errors:
        click.echo(f"  失败原因：{error}", err=True)


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (expected YYYY-MM-DD)", param_hint="--date")


@click.command()
@click.option("--date", "day_text", metavar="YYYY-MM-DD", default=None,
              help="The day to summarise (default: today, Asia/Shanghai).")
@click.option("--send", is_flag=True, help="Put it in the outbox and deliver it now.")
@now_option
@json_option
@pass_state
def summary(state, day_text: str | None, send: bool, now: datetime | None, as_json: bool) -> None:
    """The daily overdue-reply summary (printed unless --send)."""
    from alerts.dispatcher import dispatch as run_dispatch
    from alerts.summary import build_summary, enqueue_summary, summary_subject
    from monitor.timeutil import local_date

    app = state.app(now)
    day = _day(day_text) or local_date(app.now())
    if not send:
        built = build_summary(app, day)
        if as_json:
            emit_json({"date": day.isoformat(), "overdue": len(built.overdue), "due_today": len(built.due_today),
                       "due_next": len(built.due_next), "crises": built.crises, "text": built.text()})
        else:
            click.echo(built.text())
        return
    queued = enqueue_summary(app, day)
    result = run_dispatch(app, app.now())
    from sqlalchemy import select

    from monitor.db.models import Alert

    with app.session() as session:
        row = session.scalar(select(Alert).where(Alert.subject == summary_subject(day), Alert.stage == "daily"))
        status, error = (row.status, row.last_error) if row else ("missing", None)
    if as_json:
        emit_json({"date": day.isoformat(), "enqueued": queued, "status": status, "error": error,
                   "dispatch": result.as_dict()})
    else:
        click.echo(f"{day.isoformat()} 汇总：{'已加入发送队列' if queued else '此前已加入发送队列'}，"
                   f"状态：{STATUS_ZH.get(status, status)}")
    if status not in ("sent", "acked"):
        from monitor.errors import MonitorError

        raise MonitorError(f"summary for {day.isoformat()} not delivered: {error or status}")


@click.group()
def alerts() -> None:
    """The outbox: list, acknowledge, test a channel."""


@alerts.command("list")
@click.option("--status", "status_filter", type=click.Choice(sorted(STATUS_ZH)), default=None,
              help="Only alerts in this status.")
@click.option("--limit", type=int, default=200, show_default=True, help="Newest N alerts.")
@json_option
@pass_state
def list_alerts(state, status_filter: str | None, limit: int, as_json: bool) -> None:
    """Alerts, newest first."""
    from sqlalchemy import select

    from monitor.db.models import Alert
    from monitor.timeutil import format_local, iso

    app = state.app()
    with app.session() as session:
        query = select(Alert).order_by(Alert.id.desc()).limit(limit)
        if status_filter:
            query = query.where(Alert.status == status_filter)
        rows = list(session.scalars(query))
        doc = [{"id": a.id, "kind": a.kind, "subject": a.subject, "stage": a.stage, "channel": a.channel,
                "status": a.status, "created_at": iso(a.created_at), "sent_at": iso(a.sent_at),
                "department": a.department, "crisis": bool(a.crisis), "attempts": a.attempts,
                "last_error": a.last_error} for a in rows]
        lines = [[a.id, a.kind, a.subject, a.stage, STATUS_ZH.get(a.status, a.status), a.channel or "",
                  format_local(a.created_at), format_local(a.sent_at)] for a in rows]
    if as_json:
        emit_json(doc)
        return
    if not lines:
        click.echo("（没有提醒）")
        return
    click.echo(table(["编号", "类型", "对象", "阶段", "状态", "渠道", "生成时间", "发送时间"], lines))


@alerts.command("ack")
@click.argument("alert_id", type=int)
@now_option
@pass_state
def ack(state, alert_id: int, now: datetime | None) -> None:
    """Acknowledge an alert: no more reminders for its subject."""
    from sqlalchemy import update

    from monitor.db.models import Alert
    from monitor.errors import NotFound

    app = state.app(now)
    with app.session() as session:
        alert = session.get(Alert, alert_id)
        if alert is None:
            raise NotFound(f"no alert with id {alert_id} (see `opinion-monitor alerts list`)")
        alert.status = "acked"
        # the subject's other waiting reminders are silenced as well
        others = session.execute(update(Alert).where(Alert.subject == alert.subject, Alert.id != alert_id,
                                                     Alert.status.in_(["pending", "failed"]))
                                 .values(status="acked")).rowcount or 0
        subject = alert.subject
    more = f"，同一对象另有 {others} 条待发提醒一并确认" if others else ""
    click.echo(f"已确认提醒 {alert_id}（{subject}）：不再就此发送提醒{more}")


@alerts.command("test")
@click.argument("channel")
@pass_state
def test_channel(state, channel: str) -> None:
    """Send a test message on CHANNEL."""
    from alerts.channels import ChannelError, build_channel, check_channel_secret
    from alerts.render import Outgoing
    from monitor.errors import MonitorError
    from monitor.timeutil import format_local

    app = state.app()
    check_channel_secret(channel, app.config)  # an unset env: secret is a config error (exit 2)
    notifier = build_channel(channel, app.config)
    notifier.max_attempts, notifier.backoff = 2, (2.0,)  # a test answers in seconds, not minutes
    stamp = format_local(app.now())
    text = f"【测试消息】opinion-monitor 提醒渠道 {channel} 工作正常（{stamp}）"
    message = Outgoing(title=text, markdown=f"**【测试消息】**opinion-monitor 提醒渠道 `{channel}` 工作正常（{stamp}）",
                       text=text, html=f"<p>{text}</p>")
    try:
        notifier.send(message)
    except ChannelError as exc:
        code = f" (WeCom errcode {exc.errcode})" if exc.errcode is not None else ""
        raise MonitorError(f"channel {channel!r} ({notifier.kind}): test message failed{code}: {exc}") from None
    click.echo(f"测试消息已通过渠道 {channel} 发送")
