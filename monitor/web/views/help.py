"""/help (帮助): the clerks' manual with its screenshots, for every logged-in role (the
security hook asks for a login as on every page; nothing here edits)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, send_from_directory

from monitor.web import helpdoc

bp = Blueprint("help", __name__)


@bp.route("/help")
def index() -> Any:
    return render_template("help.html", manual=helpdoc.load())


@bp.route("/help/screenshots/<name>")
def screenshot(name: str) -> Any:
    # the name is checked before any path is made of it; send_from_directory joins safely too
    if not helpdoc.SHOT_NAME.fullmatch(name):
        abort(404)
    return send_from_directory(helpdoc.SCREENSHOTS, name, mimetype="image/png", max_age=3600)
