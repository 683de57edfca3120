"""The rules every request passes (DESIGN §10): login required (303 to /login), a CSRF
token on every POST (403), viewers read only (403), login throttling (429), and the
security headers on every response."""

from __future__ import annotations

import hmac
import secrets
import threading
from collections import deque
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, Response, abort, g, redirect, request, session, url_for

from monitor.web import accounts

# paths that answer without a session
PUBLIC_ENDPOINTS = {"auth.login", "health.healthz", "static"}
# POSTs a viewer may make (logging out is not an edit)
VIEWER_POSTS = {"auth.logout"}
CSP = "default-src 'self'"


def csrf_token() -> str:
    """The session's token, made on first use (the login form makes one before a login)."""
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


def _csrf_ok() -> bool:
    sent = request.form.get("csrf_token", "")
    expected = session.get("csrf", "")
    return bool(sent and expected) and hmac.compare_digest(str(sent), str(expected))


class LoginThrottle:
    """5 failed logins for one name within 5 minutes make that name wait 5 minutes.

    Kept in the web process (one process serves the dashboard); a restart forgets it, which
    only gives an attacker one more round of five guesses against an argon2 hash."""

    def __init__(
        self,
        failures: int = 5,
        window: timedelta = timedelta(minutes=5),
        wait: timedelta = timedelta(minutes=5),
    ) -> None:
        self.failures, self.window, self.wait = failures, window, wait
        self._lock = threading.Lock()
        self._failed: dict[str, deque[datetime]] = {}
        self._blocked: dict[str, datetime] = {}

    @staticmethod
    def _key(name: str) -> str:
        return name.strip().casefold()

    def blocked_until(self, name: str, now: datetime) -> datetime | None:
        with self._lock:
            until = self._blocked.get(self._key(name))
            if until is not None and now >= until:
                del self._blocked[self._key(name)]
                return None
            return until

    def failed(self, name: str, now: datetime) -> None:
        key = self._key(name)
        with self._lock:
            times = self._failed.setdefault(key, deque())
            times.append(now)
            while times and now - times[0] > self.window:
                times.popleft()
            if len(times) >= self.failures:
                self._blocked[key] = now + self.wait
                times.clear()
            if len(self._failed) > 10_000:  # a flood of made-up names cannot grow it forever
                self._failed = {k: v for k, v in self._failed.items() if v}

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failed.pop(self._key(name), None)


def current_user() -> Any:
    return g.get("user")


def can_edit() -> bool:
    user = current_user()
    return user is not None and user.role in ("editor", "admin")


def install(flask_app: Flask) -> None:
    """Register the checks and headers on the app."""

    @flask_app.before_request
    def _guard() -> Any:
        g.user = None
        uid, stamp = session.get("uid"), session.get("stamp")
        if uid is not None:
            from monitor.db.models import WebUser

            with flask_app.extensions["om"].session() as db:
                user = db.get(WebUser, uid)
                if user is not None and hmac.compare_digest(
                    accounts.session_stamp(user), str(stamp)
                ):
                    db.expunge(user)
                    g.user = user
                else:
                    session.clear()  # removed, or the password changed: log out
        if request.endpoint in PUBLIC_ENDPOINTS and request.method != "POST":
            return None
        if request.method == "POST" and not _csrf_ok():
            abort(403, description="表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试")
        if request.endpoint in PUBLIC_ENDPOINTS:
            return None
        if g.user is None:  # any other path, even an unknown one: log in first
            target = request.full_path if request.query_string else request.path
            return redirect(url_for("auth.login", next=target), code=303)
        if request.method == "POST" and not can_edit() and request.endpoint not in VIEWER_POSTS:
            abort(403, description="只读账号不能修改（需要编辑或管理员权限）")
        return None

    @flask_app.after_request
    def _headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        if response.mimetype == "text/html":
            response.headers["Cache-Control"] = "no-store"
        return response
