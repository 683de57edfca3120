"""Build the Flask app around a monitor `App` (config, database, injected clock)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException

from monitor.app import App
from monitor.errors import MonitorError
from monitor.web import filters, flashes, security
from monitor.web.converters import IdConverter
from monitor.web.views import register


def create_app(app: App, secret: bytes, throttle: security.LoginThrottle | None = None) -> Flask:
    """The dashboard for `app`. `secret` signs the session cookies (web-secret beside
    monitor.toml); the app's clock is the dashboard's "now" (tests and the demo inject one)."""
    web = Flask(__name__)
    public_url = app.config.settings.web.public_url or ""
    web.config.update(
        SECRET_KEY=secret,
        SESSION_COOKIE_NAME="om_session",
        SESSION_COOKIE_HTTPONLY=True,
        # Lax, not Strict: a link tapped in WeCom (another site) must open the page logged in
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=public_url.startswith("https://"),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        TEMPLATES_AUTO_RELOAD=False,
    )
    web.extensions["om"] = app
    web.extensions["om.throttle"] = throttle or security.LoginThrottle()
    notes = web.extensions["om.notes"] = flashes.NoteStore()
    web.jinja_env.globals["notes"] = lambda: flashes.take(notes)
    web.url_map.converters["id"] = IdConverter  # before the routes that use <id:…>
    filters.install(web)
    security.install(web)

    register(web)

    @web.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        return render_template("error.html", code=exc.code, message=_message(exc)), exc.code or 500

    @web.errorhandler(MonitorError)
    def _monitor_error(exc: MonitorError) -> Any:
        return render_template("error.html", code=400, message=str(exc)), 400

    return web


_MESSAGES = {
    400: "请求有误",
    403: "没有权限",
    404: "页面不存在",
    405: "不支持的操作",
    413: "上传的内容太大",
    429: "尝试次数过多，请稍后再试",
    500: "服务器出错",
}


def _message(exc: HTTPException) -> str:
    default = exc.__class__.description
    if exc.description and exc.description != default:
        return str(exc.description)
    return _MESSAGES.get(exc.code or 500, "出错了")
