"""Serve the dashboard: waitress (a production WSGI server in pure Python) on 127.0.0.1
unless told otherwise; TLS and the public name belong to the office's reverse proxy."""

from __future__ import annotations

import errno
import logging
import socket
from typing import Any

from monitor.app import App, fixed_clock
from monitor.config import load_config
from monitor.errors import MonitorError
from monitor.web import create_app
from monitor.web.accounts import add_user, get_user, set_password
from monitor.web.secret import ensure_secret, read_secret

log = logging.getLogger(__name__)


def build(app: App) -> Any:
    ensure_secret(app.config)
    return create_app(app, read_secret(app.config))


def check_port(host: str, port: int) -> None:
    """MonitorError now if `host:port` cannot be listened on (taken, not ours): `demo --web`
    asks before its minute-long run, not after it. Bound and let go at once, as waitress
    binds (SO_REUSEADDR), so a port in TIME_WAIT is not taken for a busy one."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        raise MonitorError(
            f"无法监听 {host}:{port}：{_reason(exc)}（用 --port 换一个端口）"
        ) from None


def _reason(exc: OSError) -> str:
    return {
        errno.EADDRINUSE: "端口已被占用",
        errno.EACCES: "没有权限使用该端口",
        errno.EADDRNOTAVAIL: "本机没有这个地址",
    }.get(exc.errno or 0, exc.strerror or str(exc))


def make_server(app: App, host: str, port: int) -> Any:
    """A waitress server bound now (so a busy port fails before anything prints)."""
    from waitress.server import create_server

    with app.session():  # the database must be there (init made it) before anything else
        pass
    web = build(app)
    # forwarded headers are trusted from a proxy on this machine only
    try:
        return create_server(
            web,
            host=host,
            port=port,
            threads=4,
            ident="opinion-monitor",
            trusted_proxy="127.0.0.1" if host in ("127.0.0.1", "localhost") else None,
            trusted_proxy_headers={"x-forwarded-proto", "x-forwarded-host"},
            clear_untrusted_proxy_headers=True,
        )
    except OSError as exc:
        raise MonitorError(f"无法监听 {host}:{port}：{_reason(exc)}") from None


def demo_server(folder: Any, moment: Any, host: str, port: int) -> tuple[Any, str]:
    """The dashboard on the demo's database, its clock held at the end of the simulated
    17 days (so 还剩/已超期 read as they did then), with a one-off admin account `demo`
    whose fresh password is returned."""
    import secrets
    from pathlib import Path

    app = App(load_config(Path(folder) / "monitor.toml"), clock=fixed_clock(moment))
    password = secrets.token_urlsafe(9)
    with app.session() as session:
        if get_user(session, "demo") is None:
            add_user(session, "demo", "admin", password, moment)
        else:
            set_password(session, "demo", password, moment)
    return make_server(app, host, port), password


def serve_demo(
    folder: Any, moment: Any, host: str, port: int, out: Any, portal_url: str | None = None
) -> None:
    """`demo --web`: serve until Ctrl+C, after saying where and how to log in (and that the
    sample portal, `portal_url`, serves as long: the pages' portal links open)."""
    server, password = demo_server(folder, moment, host, port)
    portal = f"；样例门户 {portal_url} 同时运行，留言的门户链接可以打开" if portal_url else ""
    print(
        f"\n看板：http://{host}:{server.effective_port}/ 用户名 demo，密码 {password}"
        f"（页面时间停在演示结束时 {moment:%Y-%m-%d %H:%M}{portal}；Ctrl+C 停止）",
        file=out,
        flush=True,
    )
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
