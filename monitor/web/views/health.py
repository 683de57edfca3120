"""/healthz: for the reverse proxy and monitoring; no login, no details beyond up/down."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from monitor.status import daemon_running
from monitor.web.views.common import now, om

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz() -> Any:
    from sqlalchemy import text

    try:
        with om().session() as db:
            db.execute(text("SELECT 1"))
            daemon = daemon_running(db, now())
    except Exception:  # any database failure is "down", whatever the driver raises
        return jsonify({"ok": False, "db": "error", "daemon": False}), 503
    return jsonify({"ok": True, "db": "ok", "daemon": daemon})
