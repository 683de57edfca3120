"""/login and /logout."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from monitor.web import accounts
from monitor.web.views.common import now, om

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only a path on this site (never //host or a scheme): no open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("board.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "GET":
        return render_template("login.html", next=request.args.get("next", ""), error=None)
    name = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    throttle = current_app.extensions["om.throttle"]
    moment = now()
    if throttle.blocked_until(name, moment) is not None:
        abort(429, description="该账号登录失败次数过多，请 5 分钟后再试")
    with om().session() as db:
        user = accounts.authenticate(db, name, password) if name and password else None
        if user is not None:
            uid, stamp = user.id, accounts.session_stamp(user)
    if user is None:
        throttle.failed(name, moment)
        return render_template(
            "login.html", next=request.form.get("next", ""), error="用户名或密码不正确"
        ), 401
    throttle.succeeded(name)
    session.clear()  # a fresh session (and CSRF token) for the logged-in user
    session.permanent = True
    session["uid"], session["stamp"] = uid, stamp
    return redirect(_safe_next(request.form.get("next")), code=303)


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    session.clear()
    return redirect(url_for("auth.login"), code=303)
