"""What `status` reports: sources' health, counts per state, calendar coverage, the daemon."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alerts.health import channel_health
from monitor.config import Config
from monitor.db.models import Alert, DisclosureRequest, Message, Meta, Source
from monitor.deadlines import ALL_STATES
from monitor.disclosure.register import STATES as DISCLOSURE_STATES
from monitor.timeutil import iso, local_date
from spiders.profile import check_profile

HEARTBEAT_KEY = "daemon.heartbeat"
HEARTBEAT_FRESH = timedelta(minutes=3)


def daemon_running(session: Session, now: datetime) -> bool:
    """The daemon writes a heartbeat every minute; a fresh one means it is alive."""
    row = session.get(Meta, HEARTBEAT_KEY)
    return bool(row and row.updated_at and now - row.updated_at <= HEARTBEAT_FRESH)


def daemon_info(session: Session) -> dict[str, Any] | None:
    """The last heartbeat: pid, host, start and beat times (None: no daemon since a clean stop)."""
    row = session.get(Meta, HEARTBEAT_KEY)
    if row is None:
        return None
    try:
        info = json.loads(row.value or "{}")
    except ValueError:
        info = {}
    return {
        "pid": info.get("pid"),
        "host": info.get("host"),
        "started_at": info.get("started_at"),
        "heartbeat": iso(row.updated_at),
    }


def source_health(session: Session, config: Config, counts: bool = True) -> list[dict[str, Any]]:
    """Each configured source's health; with `counts`, its messages per state too (a scan of
    every message: the dashboard's board asks without)."""
    rows = {s.name: s for s in session.scalars(select(Source))}
    per_state: dict[str, dict[str, int]] = {}
    for name, state, n in (
        session.execute(
            select(Message.source, Message.state, func.count()).group_by(
                Message.source, Message.state
            )
        )
        if counts
        else ()
    ):
        per_state.setdefault(name, {})[state] = n
    out = []
    for source in config.settings.sources:
        row = rows.get(source.name)
        problem = check_profile(config, source)  # a broken profile is unhealthy before any crawl
        out.append(
            {
                "name": source.name,
                "section": source.section,
                "enabled": source.enabled,
                "healthy": (bool(row.healthy) if row else True) and problem is None,
                "reason": (
                    f"站点配置错误：{problem}"
                    if problem
                    else row.reason or (f"注意：{row.warning}" if row.warning else None)
                    if row
                    else "尚未抓取"
                ),
                "warning": row.warning if row else None,
                "last_success": iso(row.last_success) if row else None,
                "last_error": iso(row.last_error) if row else None,
                "last_error_text": row.last_error_text if row else None,
                "states": per_state.get(source.name, {}),
            }
        )
    return out


def channel_status(session: Session, config: Config) -> list[dict[str, Any]]:
    """Each channel: ok / failing since … / broken: reason (alerts/health.py)."""

    return [h.as_dict() | {"label": h.label()} for h in channel_health(session, config)]


def status_document(session: Session, config: Config, now: datetime) -> dict[str, Any]:
    states = {state.value: 0 for state in ALL_STATES}
    for state, n in session.execute(select(Message.state, func.count()).group_by(Message.state)):
        states[state] = n
    alerts = {
        status: n
        for status, n in session.execute(select(Alert.status, func.count()).group_by(Alert.status))
    }

    disclosures = dict.fromkeys(DISCLOSURE_STATES, 0)
    for state, n in session.execute(
        select(DisclosureRequest.state, func.count()).group_by(DisclosureRequest.state)
    ):
        disclosures[state] = n
    year = local_date(now).year
    calendar = config.calendar
    return {
        "sources": source_health(session, config),
        "states": states,
        "disclosures": disclosures,
        "alerts": alerts,
        "calendar": {
            "known_until": calendar.known_until(year),
            "next_unknown": calendar.next_unknown(year),
            "holidays_file": str(config.holidays_path),
        },
        "daemon": daemon_running(session, now),
        "channels": channel_status(session, config),
        "daemon_info": daemon_info(session),
        "now": iso(now),
    }
