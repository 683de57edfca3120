"""What the views share: the monitor App, its clock, the acting user's name, flashes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app, flash

from monitor.app import App
from monitor.errors import MonitorError
from monitor.timeutil import parse_iso
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
    flash(message, "ok")


def error(message: Any) -> None:
    flash(str(message), "error")


def parse_local(text: str | None, field: str) -> datetime | None:
    """A form's datetime-local value (Asia/Shanghai) → aware UTC; blank → None."""

    if not text or not text.strip():
        return None
    try:
        return parse_iso(text.strip())
    except ValueError:
        raise MonitorError(f"{field}：{text!r} 不是有效的时间（例如 2026-11-26T09:30）") from None
