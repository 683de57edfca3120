"""Each channel's health, kept in the database so `status` (another process) can show it:
ok, failing since a time (its retries ran out; alerts went to the fallback or wait), or
broken with a reason (a permanent error: invalid key, refused login, a bad secret)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.channels import build_channels
from monitor.db.models import Meta
from monitor.timeutil import format_local, iso

if TYPE_CHECKING:
    from monitor.config import Config

PREFIX = "channel."


@dataclass(frozen=True)
class Health:
    name: str
    kind: str
    state: str  # ok | failing | broken
    since: datetime | None
    reason: str | None

    @property
    def healthy(self) -> bool:
        return self.state == "ok"

    def label(self) -> str:
        """For people: 正常 / 发送失败（自 11-26 10:00 起）：原因 / 不可用：原因."""

        if self.state == "ok":
            return "正常"
        if self.state == "failing":
            since = format_local(self.since)[5:] if self.since else ""
            return f"发送失败（自 {since} 起）：{self.reason or ''}".rstrip("：")
        return f"不可用：{self.reason or ''}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "healthy": self.healthy,
            "reason": None if self.healthy else self.label(),
            "state": self.state,
            "since": iso(self.since),
        }


class ChannelHealth:
    """Writes a channel's state when it changes (in the dispatcher's own transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.known: dict[str, tuple[str, str | None]] = {
            row.key[len(PREFIX) :]: _state(row.value)
            for row in session.scalars(select(Meta).where(Meta.key.like(PREFIX + "%")))
        }

    def ok(self, name: str, now: datetime) -> None:
        self._set(name, "ok", None, now)

    def failing(self, name: str, reason: str, now: datetime) -> None:
        self._set(name, "failing", reason, now)

    def broken(self, name: str, reason: str, now: datetime) -> None:
        self._set(name, "broken", reason, now)

    def _set(self, name: str, state: str, reason: str | None, now: datetime) -> None:
        if self.known.get(name) == (state, reason):
            return
        previous = self.known.get(name, ("ok", None))[0]
        self.known[name] = (state, reason)
        row = self.session.get(Meta, PREFIX + name)
        if row is None:
            row = Meta(key=PREFIX + name)
            self.session.add(row)
        # "failing since" keeps the first failure's time while it goes on failing
        since = row.updated_at if previous == state and row.updated_at is not None else now
        row.value = json.dumps({"state": state, "reason": reason}, ensure_ascii=False)
        row.updated_at = since


def _state(value: str | None) -> tuple[str, str | None]:
    try:
        data = json.loads(value or "{}")
        return str(data.get("state") or "ok"), data.get("reason")
    except ValueError:
        return "ok", None


def channel_health(session: Session, config: Config) -> list[Health]:
    """Every configured channel's health: what the dispatcher saw last, and broken at once
    when its configuration cannot work (a missing or malformed secret)."""

    rows = {
        row.key[len(PREFIX) :]: row
        for row in session.scalars(select(Meta).where(Meta.key.like(PREFIX + "%")))
    }
    out = []
    for name, notifier in build_channels(config).items():
        kind = config.settings.channels[name].kind
        if notifier.broken:
            out.append(Health(name, kind, "broken", None, notifier.broken))
            continue
        row = rows.get(name)
        state, reason = _state(row.value) if row is not None else ("ok", None)
        out.append(Health(name, kind, state, row.updated_at if row is not None else None, reason))
    return out
