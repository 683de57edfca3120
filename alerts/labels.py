"""Readable Chinese for the outbox table (`alerts list`): kind, subject and stage. The codes
stay in the database and in `--json` (DESIGN §3); these are for the office's eyes only."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from alerts.render import MILESTONE_ZH, clean

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

KIND_ZH = {
    "reply_at_risk": "临期提醒", "reply_overdue": "超期提醒", "reply_resolved": "已回复",
    "crisis_at_risk": "突发临期", "crisis_overdue": "突发超时", "watch_hit": "关注词",
    "possible_crisis": "疑似突发", "source_unhealthy": "数据源异常", "calendar_missing": "日历缺失",
    "daily_summary": "每日汇总",
}
_UNIT_ZH = {"wd": "个工作日", "d": "天", "h": "小时", "m": "分钟", "s": "秒"}
_THRESHOLD = re.compile(r"^(\d+)(wd|d|h|m|s)$")
SUBJECT_WIDTH = 24  # characters of a title shown in the table


def kind_label(kind: str) -> str:
    return KIND_ZH.get(kind, kind)


def stage_label(kind: str, stage: str) -> str:
    """`2wd` → 还剩2个工作日, `1wd` → 今天到期 (1wd is reached on the due date itself),
    `2h` → 还剩2小时, `overdue` → 已超期 / 已超时, `unhealthy@…Z` → 数据源异常（自 11-26 21:18 起）."""
    if stage == "overdue":
        return "已超时" if kind.startswith("crisis_") else "已超期"
    if stage == "resolved":
        return "已回复"
    if stage == "watch":
        return "命中关注词"
    if stage == "possible_crisis":
        return "待研判"
    if stage == "daily":
        return "当日汇总"
    found = _THRESHOLD.match(stage)
    if found:
        amount, unit = int(found.group(1)), found.group(2)
        if unit == "wd" and amount == 1:
            return "今天到期"
        return f"还剩{amount}{_UNIT_ZH[unit]}"
    if stage.startswith("unhealthy@"):
        since = stage.split("@", 1)[1]
        if since == "never":
            return "数据源异常（从未成功）"
        try:
            moment = datetime.strptime(since, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
        except ValueError:
            return "数据源异常"
        from monitor.timeutil import format_local

        return f"数据源异常（自 {format_local(moment)[5:]} 起）"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", stage):
        return f"{stage[5:]} 提醒"
    return stage


def _clip(text: str, width: int = SUBJECT_WIDTH) -> str:
    text = clean(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def subject_labels(session: "Session", alerts: list[Any]) -> dict[int, str]:
    """alert id → readable subject: the message or news title, the event and its milestone,
    the source, the calendar year, the summary's day (titles masked and clipped)."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from monitor.db.models import Message, Milestone

    def ids(prefix: str) -> list[int]:
        return [int(a.subject.split(":", 1)[1]) for a in alerts
                if a.subject.startswith(prefix) and a.subject.split(":", 1)[1].isdigit()]

    message_ids, milestone_ids = ids("message:"), ids("milestone:")
    titles = dict(session.execute(select(Message.id, Message.title).where(Message.id.in_(message_ids))).all()) \
        if message_ids else {}
    milestones = {m.id: m for m in session.scalars(
        select(Milestone).where(Milestone.id.in_(milestone_ids)).options(selectinload(Milestone.event)))} \
        if milestone_ids else {}
    out: dict[int, str] = {}
    for alert in alerts:
        prefix, _, key = alert.subject.partition(":")
        data = alert.data or {}
        label = None
        if prefix == "message" and key.isdigit():
            title = titles.get(int(key)) or data.get("title")
            label = _clip(title) if title else f"留言 #{key}"
        elif prefix == "milestone" and key.isdigit() and int(key) in milestones:
            ms = milestones[int(key)]
            label = f"{_clip(ms.event.title, SUBJECT_WIDTH - 8)}·{MILESTONE_ZH.get(ms.name, ms.name)}"
        elif prefix == "news-cluster":
            label = _clip(data["title"]) if data.get("title") else f"新闻组 #{key}"
        elif prefix == "source":
            label = f"数据源 {key}"
        elif prefix == "calendar":
            label = f"{key} 年节假日安排"
        elif prefix == "summary":
            label = f"{key} 汇总"
        out[alert.id] = label or alert.subject
    return out
