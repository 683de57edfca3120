"""意见征集 alerts as render items (docs/consultations.md): a window too short (consultation_short) and
the 采纳情况 clock (consultation_feedback_at_risk / _overdue). The draft's title goes through
the same masking and escaping as every other text (alerts.render)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from alerts.outbox import AlertKind
from alerts.render import NO_DEPARTMENT, Item, clock
from monitor.consultation.deadlines import MIN_DAYS_BASIS, WAITING_VALUES, closing_text
from monitor.db.models import Consultation
from monitor.timeutil import local_date


def consultation_item(alert: Any, row: Consultation, now: datetime) -> Item:
    department = row.department or NO_DEPARTMENT
    window = f"{row.opens_on.isoformat()} 至 {row.closes_on.isoformat()}（{row.window_days} 天）"
    fields = [("起草部门", department), ("征集期", window)]
    if alert.kind == AlertKind.CONSULTATION_SHORT:
        if local_date(now) < row.opens_on:
            when = f"尚未开始（{row.opens_on.isoformat()} 开始）"
        else:
            when = f"征集中，{closing_text(row)} 截止"
        fields += [
            ("要求", f"征集期一般不少于 {row.min_days} 天（{MIN_DAYS_BASIS}）"),
            ("进度", when),
            ("处理", "请延长截止日期，或在征集公告中说明征集期较短的理由"),
        ]
        short = f"征集 {row.window_days} 天，不足 {row.min_days} 天"
    else:
        due = f"{row.due_date.isoformat()} 24:00"
        if row.provisional:
            due += "（暂按周末推算，节假日安排待补充）"
        fields += [
            ("征集截止", closing_text(row)),
            ("采纳情况公布期限", due),
            ("时限", clock(row.deadline, now)),
            ("处理", "请公布意见采纳情况，并用 consult feedback 或值班看板登记"),
        ]
        short = f"采纳情况 {row.due_date.strftime('%m-%d')} 截止"
    return Item(
        alert.id,
        alert.kind,
        False,
        department,
        f"【意见征集】{row.title}",  # whole: each form masks and cuts it (TITLE_LIMIT)
        fields,
        row.url,
        short,
    )


def settled(row: Consultation) -> str | None:
    """Why a waiting 采纳情况 reminder no longer needs sending (it was published meanwhile)."""
    if row.state not in WAITING_VALUES:
        return f"consultation already {row.state} before delivery"
    return None
