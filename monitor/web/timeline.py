"""A message's timeline for /messages/<id>: what happened to it, in order, from the rows the
core wrote (the message, its deadline stages, its alerts and their deliveries, watch hits)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.channels import channel_label
from alerts.labels import kind_label, stage_label
from alerts.outbox import AlertKind, AlertStatus, Subject
from monitor.db.models import Alert, AlertDelivery, DeadlineStage, WatchHit
from monitor.watchlist.levels import LEVEL_ZH


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str  # css class: seen | alert | sent | ack | reply | withdrawn | stage | hit
    text: str
    planned: bool = False  # a stage still to come


def portal_link(url: str | None) -> str | None:
    """Only http(s) links are shown as links (a javascript: URL from a page is not)."""
    if url and url.lower().startswith(("http://", "https://")):
        return url
    return None


def clock_stopped_at(message: Any) -> datetime | None:
    """When the message's reply clock stopped: its reply, or its withdrawal from the portal.
    Nothing after it is due any more (no 今天到期, no 已超期, no 计划提醒)."""
    if message.replied_at is not None:
        return message.replied_at
    if message.state == "withdrawn" and message.state_changed_at is not None:
        return message.state_changed_at
    return None


def message_timeline(
    session: Session,
    message: Any,
    now: datetime,
    sources: Mapping[str, str] | None = None,
    channels: Mapping[str, str] | None = None,
) -> list[Entry]:
    """The message's story up to `now`; its deadline stages only until the reply (or the
    withdrawal) stopped the clock. `sources`, `channels`: display names by key
    (monitor.names.source_titles, alerts.channels.channel_labels)."""
    source = (sources or {}).get(message.source, message.source)
    entries = [
        Entry(message.posted_at, "seen", "群众来信（门户显示的时间）"),
        Entry(message.first_seen, "seen", f"首次抓取到（来源：{source}）"),
    ]
    subject = str(Subject.message(message.id))
    alerts = session.scalars(select(Alert).where(Alert.subject == subject).order_by(Alert.id)).all()
    alerted_stages = {a.stage for a in alerts}
    stopped = clock_stopped_at(message)
    for stage in session.scalars(
        select(DeadlineStage)
        .where(DeadlineStage.message_id == message.id)
        .order_by(DeadlineStage.at)
    ):
        if stage.stage in alerted_stages:
            continue  # its alert tells the story
        if stopped is not None and stage.at >= stopped:
            continue  # answered (or withdrawn) before this stage: it never came
        kind = AlertKind.REPLY_OVERDUE if stage.stage == "overdue" else AlertKind.REPLY_AT_RISK
        label = stage_label(kind, stage.stage)
        if stage.at > now:
            entries.append(Entry(stage.at, "stage", f"计划提醒：{label}", planned=True))
        elif stage.fired:
            entries.append(Entry(stage.at, "stage", f"提醒阶段：{label}（未单独发送）"))
    deliveries: dict[int, list[Any]] = {}
    if alerts:
        for d in session.scalars(
            select(AlertDelivery)
            .where(AlertDelivery.alert_id.in_([a.id for a in alerts]))
            .order_by(AlertDelivery.sent_at)
        ):
            deliveries.setdefault(d.alert_id, []).append(d)
    for alert in alerts:
        what, when = kind_label(alert.kind), stage_label(alert.kind, alert.stage)
        label = what if when == what else f"{what}：{when}"  # 已回复, not 已回复：已回复
        entries.append(Entry(alert.created_at, "alert", f"生成提醒 #{alert.id} {label}"))
        sent = deliveries.get(alert.id, [])
        for d in sent:
            where = channel_label(channels or {}, d.channel)
            entries.append(Entry(d.sent_at, "sent", f"提醒 #{alert.id} 已发送到：{where}"))
        if not sent and alert.sent_at is not None:
            where = channel_label(channels or {}, alert.channel) or "提醒渠道"
            entries.append(Entry(alert.sent_at, "sent", f"提醒 #{alert.id} 已发送到：{where}"))
        if alert.status == AlertStatus.FAILED:
            entries.append(
                Entry(
                    alert.next_attempt_at or alert.created_at,
                    "alert",
                    f"提醒 #{alert.id} 发送失败：{alert.last_error or ''}",
                )
            )
        if alert.status == AlertStatus.ACKED:
            who = alert.acked_by
            at = alert.acked_at or alert.sent_at or alert.created_at
            entries.append(
                Entry(at, "ack", f"提醒 #{alert.id} 已确认" + (f"（{who}）" if who else ""))
            )
    for hit in session.scalars(select(WatchHit).where(WatchHit.subject == subject)):
        entries.append(
            Entry(
                hit.found_at,
                "hit",
                f"命中关注词「{hit.term}」（{LEVEL_ZH.get(hit.level, hit.level)}）",
            )
        )
    if message.replied_at is not None:
        late = "（逾期回复）" if message.replied_at > message.deadline else ""
        approx = "（门户未给出时间，为发现回复的时间）" if message.replied_at_approx else ""
        who = f"，答复单位：{message.reply_department}" if message.reply_department else ""
        entries.append(Entry(message.replied_at, "reply", f"已回复{late}{who}{approx}"))
    if message.state == "withdrawn" and message.state_changed_at is not None:
        entries.append(Entry(message.state_changed_at, "withdrawn", "已从门户撤下（判定为撤回）"))
    entries.sort(key=lambda e: (e.at, e.planned))
    return entries
