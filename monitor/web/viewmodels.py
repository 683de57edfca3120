"""Plain dicts the templates read, built from core rows and core rules (no rule lives here)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from alerts.outbox import AlertKind, Subject, SubjectKind
from alerts.subjects import SubjectRows
from monitor.db.models import Alert
from monitor.deadlines import first_warning, milestone_state
from monitor.status import channel_status
from monitor.web.views.common import om


def event_view(event: Any, now: datetime) -> dict[str, Any]:
    """A crisis event and its milestones with their state at `now` (the CLI's rule)."""

    warn = first_warning(om().config.settings.rules.crisis.thresholds)
    milestones = [
        {
            "id": m.id,
            "name": m.name,
            "deadline": m.deadline,
            "done_at": m.done_at,
            "state": milestone_state(m.deadline, m.done_at, now, warn).value,
        }
        for m in event.milestones
    ]
    return {
        "id": event.id,
        "title": event.title,
        "level": event.level,
        "started_at": event.started_at,
        "declared_at": event.declared_at,
        "milestones": milestones,
        "active": any(m["done_at"] is None for m in milestones),
    }


def channel_health(db: Any, app: Any) -> list[dict[str, Any]]:
    """Each configured channel as `status` reports it (alerts/health.py: what the dispatcher
    and the last 发送测试消息 saw, broken at once by a missing secret), and a row for the
    outbox while alerts wait after failed attempts."""
    from sqlalchemy import func, select

    out = channel_status(db, app.config)
    failing = (
        db.scalar(
            select(func.count())
            .select_from(Alert)
            .where(Alert.last_error.is_not(None), Alert.status.in_(["pending", "failed"]))
        )
        or 0
    )
    if failing:
        out.append(
            {
                "name": "",
                "label": "发送队列",
                "kind": "outbox",
                "healthy": False,
                "reason": f"{failing} 条提醒发送失败，等待重试（见“提醒”页）",
                "state_text": "",
            }
        )
    return out


def subject_page(subject_text: str, rows: SubjectRows, kind: str = "") -> str | None:
    """The dashboard page an alert's subject has (a message, a crisis event, a 依申请公开
    request, a 意见征集 draft, a year's annual report, the sources, the calendar; a possible
    crisis: the page where one is declared), or None (a news story, a summary). New subject
    kinds with a page of their own add a line here."""
    subject = Subject.parse(subject_text)
    if subject is None:
        return None
    if kind == AlertKind.POSSIBLE_CRISIS.value:
        return "/events#declare"
    number = subject.id
    if subject.kind is SubjectKind.MESSAGE and number is not None:
        return f"/messages/{number}"
    if subject.kind is SubjectKind.MILESTONE and number in rows.milestones:
        return f"/events#e{rows.milestones[number].event_id}"
    if subject.kind is SubjectKind.DISCLOSURE and number is not None:
        return f"/disclosures/{number}"
    if subject.kind is SubjectKind.CONSULTATION and number is not None:
        return f"/consultations#c{number}"
    if subject.kind is SubjectKind.ANNUAL_REPORT and subject.key.isdigit():
        return f"/reports?{urlencode({'period': subject.key, 'view': 'gov-annual'})}"
    if subject.kind is SubjectKind.SOURCE:
        return "/sources"
    if subject.kind is SubjectKind.CALENDAR:
        return "/calendar"
    return None
