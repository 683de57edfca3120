"""What the views share: the monitor App, its clock, the acting user's name, flashes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app, request

from monitor.app import App
from monitor.inputs import parse_count, parse_when
from monitor.web.flashes import note
from monitor.web.security import current_user


def om() -> App:
    app: App = current_app.extensions["om"]
    return app


def now() -> datetime:
    return om().now()


def actor() -> str:
    """Who made a web edit, as the history records it: `web:NAME`."""
    user = current_user()
    return f"web:{user.name}" if user is not None else "web"


def ok(message: str) -> None:
    note(current_app.extensions["om.notes"], "ok", message)


def error(message: Any) -> None:
    note(current_app.extensions["om.notes"], "error", str(message))


def warn(message: str) -> None:
    """Done, but something needs the user's attention (a short 意见征集 window)."""
    note(current_app.extensions["om.notes"], "warn", message)


def page_number() -> int:
    """`?page=N` (1 when absent): monitor.inputs.parse_count, so 20 digits are a 400 page,
    not an OFFSET the database cannot hold."""
    text = request.args.get("page", "")
    return parse_count(text, "页码") if text.strip() else 1


def parse_local(text: str | None, field: str) -> datetime | None:
    """A form's datetime-local value (Asia/Shanghai) → aware UTC; blank → None. The same
    check as the CLI's times (monitor.inputs.parse_when: format and years)."""
    if not text or not text.strip():
        return None
    return parse_when(text, field)
