"""/login and /logout."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

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


MAX_NEXT = 2000  # characters: longer than any page of ours with its filters


def _plain_path(text: str) -> bool:
    """A path on this host however a browser reads it: starts with one "/", no scheme or
    host, no backslash (browsers read "/\\evil" as "//evil"), no control character
    (they drop tabs and newlines, so "/\\t/evil" becomes "//evil")."""
    parts = urlsplit(text)
    return (
        text.startswith("/")
        and not text.startswith("//")
        and "\\" not in text
        and not any(ord(c) < 0x20 or ord(c) == 0x7F for c in text)
        and not parts.scheme
        and not parts.netloc
    )


def safe_next(target: str | None) -> str:
    """Where to go after logging in: only a path on this site, else the board. The links
    we make (request.full_path) are ASCII and percent-encoded, so anything else is refused
    outright (full-width "／", "。" and other look-alikes); the value must stay a plain path
    after each round of percent-decoding too ("/%2F%2Fevil", "/%5Cevil", "/%09/evil")."""
    board = url_for("board.index")
    if not target or len(target) > MAX_NEXT or not target.isascii():
        return board
    text = target
    for _ in range(3):
        if not _plain_path(text):
            return board
        decoded = unquote(text)
        if decoded == text:
            return target
        text = decoded
    return board  # still percent-encoded after three rounds: no page of ours is


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "GET":
        return render_template("login.html", next=_shown_next(), error=None)
    name = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    if not name or not password:
        # not a guess at anyone's password: never counted (an empty password must not be a
        # free way to lock a colleague out)
        return _refused("请输入用户名和密码")
    if len(name) > accounts.MAX_NAME:
        return _refused()  # no account has such a name: nothing to throttle or remember
    throttle = current_app.extensions["om.throttle"]
    moment = now()
    if throttle.blocked_until(name, moment) is not None:
        abort(429, description="该账号登录失败次数过多，请 5 分钟后再试")
    with om().session() as db:
        user = accounts.authenticate(db, name, password)
        if user is not None:
            uid, stamp = user.id, accounts.session_stamp(user)
    if user is None:
        throttle.failed(name, moment)
        return _refused()
    throttle.succeeded(name)
    session.clear()  # a fresh session (and CSRF token) for the logged-in user
    session.permanent = True
    session["uid"], session["stamp"] = uid, stamp
    return redirect(safe_next(request.form.get("next")), code=303)


def _shown_next() -> str:
    """The login form carries `next` on; a value we would refuse anyway is not echoed."""
    target = request.values.get("next", "")
    return target if safe_next(target) == target else ""


def _refused(message: str = "用户名或密码不正确") -> Any:
    return render_template("login.html", next=_shown_next(), error=message), 401


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    session.clear()
    return redirect(url_for("auth.login"), code=303)
