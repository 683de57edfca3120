"""The rules every request passes (docs/dashboard.md): login required (303 to /login), a CSRF
token on every POST (403), viewers read only (403), login throttling (429), and the
security headers on every response."""

from __future__ import annotations

import hmac
import secrets
import threading
from collections import OrderedDict, deque
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
    only gives an attacker one more round of five guesses against an argon2 hash.

    Bounded, since anyone can post names without logging in (1,500 failures with unique
    450 KB names once took the process from 79 MB to 728 MB): a name is cut to the longest
    an account can have before it becomes a key, a name's failures are forgotten once the
    last one is older than the window, a block once it has run out, and past `max_names`
    the names that failed longest ago are forgotten first. Flooding the table to evict one
    name's record takes `max_names` failed logins, each paying an argon2 verification."""

    def __init__(
        self,
        failures: int = 5,
        window: timedelta = timedelta(minutes=5),
        wait: timedelta = timedelta(minutes=5),
        max_names: int = 10_000,
    ) -> None:
        self.failures, self.window, self.wait = failures, window, wait
        self.max_names = max_names
        self._lock = threading.Lock()
        # name → its recent failures; ordered by the latest failure, oldest first
        self._failed: OrderedDict[str, deque[datetime]] = OrderedDict()
        # name → blocked until; ordered by the block's end (every block lasts `wait`)
        self._blocked: OrderedDict[str, datetime] = OrderedDict()

    @staticmethod
    def _key(name: str) -> str:
        return name.strip().casefold()[: accounts.MAX_NAME]

    def size(self) -> int:
        """Names remembered (failures and blocks): what the bounds hold down."""
        with self._lock:
            return len(self._failed) + len(self._blocked)

    def blocked_until(self, name: str, now: datetime) -> datetime | None:
        with self._lock:
            self._forget(now)
            return self._blocked.get(self._key(name))

    def failed(self, name: str, now: datetime) -> None:
        key = self._key(name)
        with self._lock:
            self._forget(now)
            times = self._failed.pop(key, None) or deque(maxlen=self.failures)
            times.append(now)
            while times and now - times[0] > self.window:
                times.popleft()
            if len(times) >= self.failures:
                self._blocked.pop(key, None)
                self._blocked[key] = now + self.wait
            else:
                self._failed[key] = times  # at the end: the latest failure
            while len(self._failed) > self.max_names:
                self._failed.popitem(last=False)
            while len(self._blocked) > self.max_names:
                self._blocked.popitem(last=False)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failed.pop(self._key(name), None)

    def _forget(self, now: datetime) -> None:
        """Drop what can no longer matter, from the old end of each table."""
        while self._failed:
            key, times = next(iter(self._failed.items()))
            if times and now - times[-1] <= self.window:
                break
            del self._failed[key]
        while self._blocked:
            key, until = next(iter(self._blocked.items()))
            if now < until:
                break
            del self._blocked[key]


def current_user() -> Any:
    return g.get("user")


def can_edit() -> bool:
    user = current_user()
    return user is not None and user.role in ("editor", "admin")


def sees_personal_data() -> bool:
    """Whether the pages show citizens' phone, ID and e-mail numbers whole: editors and
    admins answer the citizen and need them; a viewer (and anyone not logged in) sees them
    masked (monitor.web.filters.for_viewer, the report downloads)."""
    return can_edit()


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
