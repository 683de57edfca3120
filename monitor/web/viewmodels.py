"""Plain dicts the templates read, built from core rows and core rules (no rule lives here)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from alerts.channels import check_channel_secret
from monitor.db.models import Alert
from monitor.deadlines import first_warning, milestone_state
from monitor.errors import ConfigError
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
    """Each configured channel: broken when its secret cannot be resolved, failing while
    alerts wait after failed attempts (the dispatcher's view, read from the outbox)."""
    from sqlalchemy import func, select

    failing = (
        db.scalar(
            select(func.count())
            .select_from(Alert)
            .where(Alert.last_error.is_not(None), Alert.status.in_(["pending", "failed"]))
        )
        or 0
    )
    out = []
    for name, settings in app.config.settings.channels.items():
        reason = None
        try:
            check_channel_secret(name, app.config)
        except ConfigError as exc:
            reason = f"密钥缺失：{exc}"
        out.append(
            {"name": name, "kind": settings.kind, "healthy": reason is None, "reason": reason}
        )
    if failing:
        out.append(
            {
                "name": "（发送队列）",
                "kind": "outbox",
                "healthy": False,
                "reason": f"{failing} 条提醒发送失败，等待重试（见“提醒”页）",
            }
        )
    return out
