"""An alert's delivery statuses and their Chinese labels: part of the outbox contract
(`alerts.outbox` re-exports them), kept in a module of its own with no heavy imports so the
CLI can build its `--status` choices without loading SQLAlchemy or pydantic."""

from __future__ import annotations

from enum import StrEnum
from typing import Self


class AlertStatus(StrEnum):
    label: str

    def __new__(cls, code: str, label: str) -> Self:
        member = str.__new__(cls, code)
        member._value_ = code
        member.label = label
        return member

    PENDING = ("pending", "待发送")
    SENT = ("sent", "已发送")
    FAILED = ("failed", "发送失败")
    ACKED = ("acked", "已确认")
    SKIPPED = ("skipped", "已取消")


# code → Chinese label, for listings and filters (the CLI's `alerts list`, the dashboard)
ALERT_STATUS_ZH: dict[str, str] = {status.value: status.label for status in AlertStatus}
