"""Readable Chinese for the outbox table (`alerts list`): kind, subject and stage. The codes
stay in the database and in `--json` (docs/commands.md); these are for the office's eyes only."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from alerts.outbox import AlertKind, Subject, SubjectKind, WatchPayload, kind_label, payload
from alerts.subjects import SubjectRows, load_subjects
from monitor.deadlines import MILESTONE_ZH
from monitor.masking import mask_and_cut
from monitor.texttable import display_width
from monitor.timeutil import format_local

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["kind_label", "stage_label", "subject_labels"]
CRISIS_CLOCK_KINDS = (AlertKind.CRISIS_AT_RISK, AlertKind.CRISIS_OVERDUE)  # 超时, not 超期
_UNIT_ZH = {"wd": "个工作日", "d": "天", "h": "小时", "m": "分钟", "s": "秒"}
_THRESHOLD = re.compile(r"^(\d+)(wd|d|h|m|s)$")
# terminal columns of a subject in the table (CJK count two): the table's cell width, so
# the one cut is mask_and_cut's and never falls inside a masked number
SUBJECT_COLUMNS = 40


def stage_label(kind: str, stage: str) -> str:
    """`2wd` → 还剩2个工作日, `1wd` → 今天到期 (1wd is reached on the due date itself),
    `2h` → 还剩2小时, `overdue` → 已超期 / 已超时, `unhealthy@…Z` → 数据源异常（自 11-26 21:18 起）."""
    if "@" in stage and not stage.startswith("unhealthy@"):
        # a disclosure request's stages carry their due date: 2wd@20261130
        stage = stage.split("@", 1)[0]
    if stage == "correction":
        return "补正告知今日截止"
    if stage == "short":
        return "征集期过短"
    if stage == "overdue":
        return "已超时" if kind in CRISIS_CLOCK_KINDS else "已超期"
    if stage == "resolved":
        return "已回复"
    if stage == "watch":
        return "命中关注词"
    if stage == "possible_crisis":
        return "待研判"
    if stage == "perfunctory":  # monitor/sweep/reply_quality.py: an editor marks 误报 / 属实
        return "待核实"
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
            moment = datetime.strptime(since, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        except ValueError:
            return "数据源异常"
        return f"数据源异常（自 {format_local(moment)[5:]} 起）"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", stage):
        return f"{stage[5:]} 提醒"
    return stage


def _clip(text: str, before: str = "", after: str = "") -> str:
    """`text` masked and cut so that `before` + it + `after` fits SUBJECT_COLUMNS."""
    room = SUBJECT_COLUMNS - display_width(before + after)
    return before + mask_and_cut(text, room, width=display_width) + after


def subject_labels(
    session: Session,
    alerts: list[Any],
    sources: Mapping[str, str] | None = None,
    rows: SubjectRows | None = None,
) -> dict[int, str]:
    """alert id → readable subject: the message or news title, the event and its milestone,
    the source (by its display name from `sources`, monitor.names.source_titles), the
    calendar year, the summary's day, the request or draft (titles masked and clipped).
    `rows`: the subjects' rows when the caller loaded them already."""
    if rows is None:
        rows = load_subjects(session, [a.subject for a in alerts])
    names = sources or {}
    return {alert.id: _subject_label(alert, rows, names) or alert.subject for alert in alerts}


def _subject_label(alert: Any, rows: SubjectRows, sources: Mapping[str, str]) -> str | None:
    subject = Subject.parse(alert.subject)
    if subject is None:
        return None
    key, number = subject.key, subject.id
    if subject.kind is SubjectKind.MESSAGE and number is not None:
        message = rows.messages.get(number)
        title = (message.title if message is not None else None) or _payload_title(alert)
        return _clip(title) if title else f"留言 #{key}"
    if subject.kind is SubjectKind.MILESTONE and number is not None and number in rows.milestones:
        ms = rows.milestones[number]
        return _clip(ms.event.title, after=f"·{MILESTONE_ZH.get(ms.name, ms.name)}")
    if subject.kind is SubjectKind.NEWS_CLUSTER:
        title = _payload_title(alert)
        return _clip(title) if title else f"新闻组 #{key}"
    if subject.kind is SubjectKind.SOURCE:
        return f"数据源 {sources.get(key, key)}"
    if subject.kind is SubjectKind.CALENDAR:
        return f"{key} 年节假日安排"
    if subject.kind is SubjectKind.SUMMARY:
        return f"{key} 汇总"
    if subject.kind is SubjectKind.ANNUAL_REPORT:
        return f"{key} 年度政府信息公开工作年度报告"
    if subject.kind is SubjectKind.DISCLOSURE:
        request = rows.requests.get(number or 0)
        title = request.title if request is not None else None
        return _clip(title, before="依申请公开·") if title else f"依申请公开 #{key}"
    if subject.kind is SubjectKind.CONSULTATION:
        return _consultation_label(rows.consultations.get(number or 0), key)
    return None


def _consultation_label(row: Any, key: str) -> str:
    """意见征集·<draft title>."""
    title = row.title if row is not None else None
    return _clip(title, before="意见征集·") if title else f"意见征集 #{key}"


def _payload_title(alert: Any) -> str | None:
    """The title a watch alert carries (the message may be gone from the database)."""
    kind = AlertKind.of(alert.kind)
    if kind is not None and kind.payload_type is WatchPayload:
        return payload(alert, WatchPayload).title
    return (alert.data or {}).get("title") if isinstance(alert.data, dict) else None
