"""What a person does to the outbox: acknowledge an alert, send the day's summary now, send a
channel a test message.

The CLI (`alerts ack`, `summary --send`) and the dashboard call these and only print or show
the result; the rules (an ack silences the subject's other waiting reminders; a summary sent
again is a retry that reports only its own attempt) live here, once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from alerts.channels import ChannelBroken, ChannelError, build_channel
from alerts.dispatch import DispatchResult, dispatch
from alerts.dispatch.routing import targets
from alerts.health import ChannelHealth
from alerts.outbox import DELIVERED, AlertKind, AlertStatus, Lapse, Subject, SubjectKind
from alerts.render import Outgoing
from alerts.subjects import SubjectRows, settled
from alerts.summary import enqueue_summary, summary_subject
from monitor.db import rowcount
from monitor.db.engine import DatabaseError
from monitor.db.models import Alert, AlertDelivery
from monitor.errors import ConfigError, MonitorError, NotFound
from monitor.hints import command
from monitor.timeutil import format_local, iso

if TYPE_CHECKING:
    from monitor.app import App

WAITING = (AlertStatus.PENDING.value, AlertStatus.FAILED.value)  # an ack silences these


@dataclass(frozen=True)
class Acknowledged:
    alert_id: int
    subject: str
    others: int  # the subject's other waiting reminders, silenced with it


def acknowledge(app: App, alert_id: int, actor: str | None = None) -> Acknowledged:
    """Mark an alert acknowledged: no more reminders for its subject, so the subject's
    other waiting alerts are acknowledged too. Unknown id: NotFound. `actor` (who, e.g.
    `web:wang` or the shell user) and the time are kept on the alert for the timeline."""
    with app.session() as session:
        alert = session.get(Alert, alert_id)
        if alert is None:
            raise NotFound(f"没有编号为 {alert_id} 的提醒（用 {command('alerts list')} 查看）")
        alert.status = AlertStatus.ACKED.value
        alert.acked_by, alert.acked_at = actor, app.now()
        others = (
            rowcount(
                session.execute(
                    update(Alert)
                    .where(
                        Alert.subject == alert.subject,
                        Alert.id != alert_id,
                        Alert.status.in_(WAITING),
                    )
                    .values(status=AlertStatus.ACKED.value)
                )
            )
            or 0
        )
        return Acknowledged(alert_id, alert.subject, max(others, 0))


def needs_action(alert: Any, rows: SubjectRows) -> bool:
    """Whether an alert still asks someone for something, so that 确认 (acknowledge: no more
    reminders) means anything: not one already acknowledged or cancelled, not a notice (已回复,
    the daily summary, 日历已更新), not a warning whose message was answered, whose milestone
    is done, whose request is closed or whose draft's 采纳情况 is out (`rows`:
    alerts.subjects.load_subjects)."""
    if alert.status in (AlertStatus.ACKED.value, AlertStatus.SKIPPED.value):
        return False
    kind = AlertKind.of(alert.kind)
    if kind is None or kind.notice:
        return False
    if kind.lapse is Lapse.SUBJECT_SETTLED:
        subject = Subject.parse(alert.subject)
        if subject is not None and settled(_row(subject, rows)) is not None:
            return False
    return True


def _row(subject: Subject, rows: SubjectRows) -> object:
    """The row a subject names, among those loaded (None: another kind, or gone)."""
    table: dict[SubjectKind, dict[int, Any]] = {
        SubjectKind.MESSAGE: rows.messages,
        SubjectKind.MILESTONE: rows.milestones,
        SubjectKind.DISCLOSURE: rows.requests,
        SubjectKind.CONSULTATION: rows.consultations,
    }
    found = table.get(subject.kind)
    return found.get(subject.id) if found is not None and subject.id is not None else None


@dataclass
class SummarySent:
    """What one `send_summary` attempt did. `ok` is False when a channel did not get it;
    then `error` says why and `failed_channels` which."""

    day: date
    as_of: datetime
    enqueued: bool  # the summary was put in the outbox by this call
    already_sent: bool  # it had been delivered before: nothing was sent again
    status: str
    channels: list[str] = field(default_factory=list)
    failed_channels: list[str] = field(default_factory=list)
    error: str | None = None
    dispatch: DispatchResult | None = None

    @property
    def ok(self) -> bool:
        return self.status in DELIVERED

    def as_dict(self) -> dict[str, Any]:
        return {
            "date": self.day.isoformat(),
            "as_of": iso(self.as_of),
            "enqueued": self.enqueued,
            "status": self.status,
            "already_sent": self.already_sent,
            "channels": self.channels,
            "failed_channels": self.failed_channels,
            "error": self.error,
            "dispatch": self.dispatch.as_dict() if self.dispatch is not None else None,
        }


def send_summary(app: App, day: date, moment: datetime) -> SummarySent:
    """Deliver the day's summary (describing `moment`) now — a retry if an earlier attempt
    failed — and report what THIS attempt did (an old error is cleared first, so it cannot
    be reported again). A summary already delivered is not sent twice."""
    queued = enqueue_summary(app, day)
    with app.session() as session:
        row = session.scalar(
            select(Alert).where(Alert.subject == summary_subject(day), Alert.stage == "daily")
        )
        assert row is not None  # enqueue_summary just made sure of it
        alert_id, before = row.id, row.status
        if before not in DELIVERED:
            row.status, row.next_attempt_at, row.last_error = AlertStatus.PENDING.value, None, None
            row.data = {**(row.data or {}), "as_of": iso(moment)}
    result = None
    if before not in DELIVERED:
        result = dispatch(app, app.now(), only=[alert_id])
    with app.session() as session:
        row = session.get(Alert, alert_id)
        assert row is not None
        status, error = row.status, row.last_error
        wanted = [t for t, _ in targets(row, app.config.settings)]
        done = dict(
            session.execute(
                select(AlertDelivery.target, AlertDelivery.channel).where(
                    AlertDelivery.alert_id == alert_id
                )
            ).all()
        )
    delivered = sorted({done[t] for t in wanted if t in done})
    missing = [t.split(":", 1)[1] for t in wanted if t not in done]
    sent = SummarySent(day, moment, queued, before in DELIVERED, status, delivered, dispatch=result)
    if not sent.ok:
        if result is not None and result.errors:
            error = "；".join(result.errors)
        elif result is not None and result.sent + result.failed == 0:
            error = f"另一个发送进程正在发送这份汇总（用 {command('alerts list')} 查看）"
        elif not wanted:
            error = error or (
                "没有为每日汇总配置渠道（在 [summary] channels 或 [routing] default 中指定）"
            )
        sent.failed_channels, sent.error = missing, error
    return sent


def send_test(app: App, channel: str) -> None:
    """Send a test message on `channel` now (`alerts test`, the dashboard's 发送测试消息), and
    keep what it showed as the channel's health (alerts/health.py), so `status` and /sources
    never say 正常 about a channel whose test just failed — nor 不可用 after one that worked.
    A channel that cannot work as configured (an unset env: secret) is a ConfigError; a
    refused or undelivered message a MonitorError naming the channel and why, in Chinese."""

    notifier = build_channel(channel, app.config)  # an unknown name: ConfigError naming them
    if notifier.broken:
        _record(app, channel, "broken", notifier.broken)
        raise ConfigError(f"{app.config.path}: {notifier.describe()}不可用：{notifier.broken}")
    notifier.max_attempts, notifier.backoff = 2, (2.0,)  # a test answers in seconds, not minutes
    stamp = format_local(app.now())
    text = f"【测试消息】opinion-monitor 提醒渠道“{notifier.label}”工作正常（{stamp}）"
    message = Outgoing(
        title=text,
        markdown=f"**【测试消息】**opinion-monitor 提醒渠道“{notifier.label}”工作正常（{stamp}）",
        text=text,
        html=f"<p>{text}</p>",
    )
    try:
        notifier.send(message)
    except ChannelError as exc:
        code = f"（企业微信 errcode {exc.errcode}）" if exc.errcode is not None else ""
        detail = str(exc)
        if exc.errcode is not None:
            detail = detail.replace(f"errcode {exc.errcode}", "").strip(" :：,，") or detail
        state = "broken" if isinstance(exc, ChannelBroken) else "failing"
        _record(app, channel, state, f"测试消息发送失败{code}：{detail}")
        raise MonitorError(f"{notifier.describe()}：测试消息发送失败{code}：{detail}") from None
    except Exception as exc:  # one line, never a traceback
        _record(app, channel, "failing", f"测试消息发送失败：{type(exc).__name__}: {exc}")
        raise MonitorError(
            f"{notifier.describe()}：测试消息发送失败：{type(exc).__name__}: {exc}"
        ) from None
    _record(app, channel, "ok", None)


def _record(app: App, channel: str, state: str, reason: str | None) -> None:
    """The channel's health after a test, in the dispatcher's own record (alerts/health.py).
    Before `init` there is no record to keep: the test still says what happened."""
    try:
        with app.session() as session:
            health = ChannelHealth(session)
            if state == "ok":
                health.ok(channel, app.now())
            elif state == "broken":
                health.broken(channel, reason or "", app.now())
            else:
                health.failing(channel, reason or "", app.now())
    except DatabaseError:
        return
