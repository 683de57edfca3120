"""What `status` reports: sources' health, counts per state, calendar coverage, the daemon."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alerts.channels import channel_labels, kind_label
from alerts.health import channel_health
from monitor.config import Config
from monitor.consultation.deadlines import STATES as CONSULTATION_STATES
from monitor.db.liveness import daemon_lock_held, named_process_alive
from monitor.db.models import (
    Alert,
    Consultation,
    DisclosureRequest,
    Message,
    Meta,
    PendingRow,
    Source,
)
from monitor.deadlines import ALL_STATES
from monitor.disclosure.register import STATES as DISCLOSURE_STATES
from monitor.names import source_titles
from monitor.timeutil import format_local, iso, local_date
from spiders.profile import check_profile

HEARTBEAT_KEY = "daemon.heartbeat"
HEARTBEAT_FRESH = timedelta(minutes=3)


def daemon_running(session: Session, now: datetime) -> bool:
    """A daemon runs when its heartbeat (every 30 s) is fresh *and* a process holds the daemon
    lock (the OS drops it when its holder dies). A daemon killed with -9 leaves a fresh
    heartbeat behind: it looked "running" for three minutes. Where the lock cannot be read
    (a lock file this user may not open), the heartbeat's pid on this host decides."""
    row = session.get(Meta, HEARTBEAT_KEY)
    if not (row and row.updated_at and now - row.updated_at <= HEARTBEAT_FRESH):
        return False
    held = daemon_lock_held(session)
    if held is not None:
        return held
    info = daemon_info(session) or {}
    if info.get("pid") and info.get("host"):
        return named_process_alive(f"{info['pid']}@{info['host']}") is not False
    return True


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


def backfill_text(row: Source) -> str:
    """What a backfilling source has read so far, for people (docs/site-profiles.md)."""
    reached = f"，已回溯至 {format_local(row.backfill_reached)}" if row.backfill_reached else ""
    return (
        f"正在补抓历史留言：已读 {row.backfill_pages or 0} 页{reached}；"
        "读到列表末尾或 backfill_days 天前之前不算正常"
    )


def source_health(session: Session, config: Config, counts: bool = True) -> list[dict[str, Any]]:
    """Each configured source's health; with `counts`, its messages per state too (a scan of
    every message: the dashboard's board asks without). A backfilling source is not healthy
    (`backfill`: pages read, oldest time reached); `pending` counts its rows waiting for their
    detail page."""
    rows = {s.name: s for s in session.scalars(select(Source))}
    pending = dict(
        session.execute(select(PendingRow.source, func.count()).group_by(PendingRow.source)).all()
    )
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
    titles = source_titles(config)
    out = []
    for source in config.settings.sources:
        row = rows.get(source.name)
        problem = check_profile(config, source)  # a broken profile is unhealthy before any crawl
        backfilling = row is not None and row.backfill_since is not None
        waiting = int(pending.get(source.name, 0))
        out.append(
            {
                "name": source.name,
                "source_title": titles[source.name],  # what people read; `name` is the key
                "section": source.section,
                "enabled": source.enabled,
                "healthy": (bool(row.healthy) if row else True)
                and problem is None
                and not backfilling,
                "reason": _reason(row, problem, backfilling, waiting),
                "backfill": (
                    {
                        "pages_read": row.backfill_pages or 0,
                        "reached": iso(row.backfill_reached),
                        "since": iso(row.backfill_since),
                    }
                    if row is not None and backfilling
                    else None
                ),
                "pending": waiting,
                "warning": row.warning if row else None,
                "last_success": iso(row.last_success) if row else None,
                "last_error": iso(row.last_error) if row else None,
                "last_error_text": row.last_error_text if row else None,
                "states": per_state.get(source.name, {}),
            }
        )
    return out


def _reason(row: Source | None, problem: str | None, backfilling: bool, waiting: int) -> str | None:
    if problem:
        return f"站点配置错误：{problem}"
    if row is None:
        return "尚未抓取"
    parts = [
        row.reason,
        backfill_text(row) if backfilling else None,
        f"{waiting} 条新留言的详情页尚未读到，每次抓取都会重试" if waiting else None,
        f"注意：{row.warning}" if row.warning and not row.reason else None,
    ]
    return "；".join(p for p in parts if p) or None


def channel_status(session: Session, config: Config) -> list[dict[str, Any]]:
    """Each channel: ok / failing since … / broken: reason (alerts/health.py), with its
    display name (`label`: 企业微信群; `name` is the key) and its state in words."""

    labels = channel_labels(config)
    return [
        h.as_dict()
        | {
            "label": labels.get(h.name, h.name),
            "kind_label": kind_label(h.kind),
            "state_text": h.label(),
        }
        for h in channel_health(session, config)
    ]


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
    consultations = dict.fromkeys(CONSULTATION_STATES, 0)
    for state, n in session.execute(
        select(Consultation.state, func.count()).group_by(Consultation.state)
    ):
        consultations[state] = n
    year = local_date(now).year
    calendar = config.calendar
    return {
        "sources": source_health(session, config),
        "states": states,
        "disclosures": disclosures,
        "consultations": consultations,
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
