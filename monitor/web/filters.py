"""Jinja filters and globals: times in Asia/Shanghai, Chinese labels, display names of
sources and channels, the CSRF token — and the one place a viewer's pages are masked."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask, current_app, g, has_request_context
from markupsafe import Markup

from alerts.channels import channel_label, channel_labels
from alerts.status import ALERT_STATUS_ZH
from monitor.deadlines import EVENT_LEVEL_ZH, MILESTONE_STATE_ZH, MILESTONE_ZH, STATE_ZH
from monitor.masking import mask
from monitor.names import source_titles
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


def display_names() -> tuple[dict[str, str], dict[str, str]]:
    """The sources' and channels' display names (monitor.names, alerts.channels), once per
    request: a board of a hundred rows asks a hundred times."""
    names = g.get("om_names") if has_request_context() else None
    if names is None:
        config = current_app.extensions["om"].config
        names = (source_titles(config), channel_labels(config))
        if has_request_context():
            g.om_names = names
    return names


def source_title(key: str | None) -> str:
    """`demo-bxcy` → 百姓畅言 (a source no longer configured: its key)."""
    return display_names()[0].get(key or "", key or "")


def channel_name(key: str | None) -> str:
    """`office` → 企业微信群; `office,office-mail` → 企业微信群、邮箱."""
    return channel_label(display_names()[1], key)


def for_viewer(value: Any) -> Any:
    """Every value a template prints passes here (Jinja's `finalize`): for a viewer, phone,
    ID and e-mail numbers are masked with the core's rule (monitor.masking), on every page at
    once — an editor or admin, who answers the citizen, sees them whole. Markup (already
    built HTML: a macro's output, the report body, itself masked) and links (a portal URL
    masked would no longer open) pass as they are."""
    if (
        isinstance(value, str)
        and value
        and not isinstance(value, Markup)
        and has_request_context()
        and not security.sees_personal_data()
        and not value.startswith(("http://", "https://"))
    ):
        return mask(value)
    return value


def install(web: Flask) -> None:
    web.jinja_env.finalize = for_viewer
    web.jinja_env.filters.update(
        local=local,
        iso=iso,
        local_input=local_input,
        source_title=source_title,
        channel_name=channel_name,
    )
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
