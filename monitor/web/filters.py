"""Jinja filters and globals: times in Asia/Shanghai, Chinese labels, the CSRF token."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask

from alerts.status import ALERT_STATUS_ZH
from monitor.deadlines import EVENT_LEVEL_ZH, MILESTONE_STATE_ZH, MILESTONE_ZH, STATE_ZH
from monitor.timeutil import format_local, iso
from monitor.watchlist.levels import LEVEL_ZH
from monitor.web import security
from monitor.web.accounts import ROLE_ZH

KIND_ZH = {"reply": "留言", "disclosure": "依申请公开"}


def local(moment: datetime | None, seconds: bool = False) -> str:
    return format_local(moment, seconds=seconds)


def local_input(moment: datetime | None) -> str:
    """For <input type="datetime-local">: 2026-11-26T14:05 in Asia/Shanghai."""
    return format_local(moment).replace(" ", "T") if moment else ""


def install(web: Flask) -> None:
    web.jinja_env.filters.update(local=local, iso=iso, local_input=local_input)
    web.jinja_env.globals.update(
        STATE_ZH=STATE_ZH,
        KIND_ZH=KIND_ZH,
        ALERT_STATUS_ZH=ALERT_STATUS_ZH,
        LEVEL_ZH=LEVEL_ZH,
        MILESTONE_ZH=MILESTONE_ZH,
        MILESTONE_STATE_ZH=MILESTONE_STATE_ZH,
        EVENT_LEVEL_ZH=EVENT_LEVEL_ZH,
        ROLE_ZH=ROLE_ZH,
        csrf_token=security.csrf_token,
        current_user=security.current_user,
        can_edit=security.can_edit,
    )

    @web.context_processor
    def _now() -> dict[str, Any]:
        app = web.extensions["om"]
        return {"now": app.now()}
