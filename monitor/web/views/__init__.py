"""One blueprint per page family; `register` mounts them at the paths docs/dashboard.md lists."""

from __future__ import annotations

import importlib

from flask import Flask

PAGES = (
    "auth",
    "health",
    "board",
    "messages",
    "watchlist",
    "events",
    "alerts",
    "sources",
    "calendar",
    "calendar_notice",
    "register_pages",
    "consultations",
    "help",
)


def register(web: Flask) -> None:
    for name in PAGES:
        web.register_blueprint(importlib.import_module(f"monitor.web.views.{name}").bp)
