"""`user add|list|passwd|remove` (password from stdin, never an argument), the session key
`init` creates (mode 0600), and `web` binding 127.0.0.1."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import main
from tests.conftest import write_config


def run(config: Path, *args: str, stdin: str | None = None, code: int = 0) -> str:
    result = CliRunner().invoke(main, ["--config", str(config), *args], input=stdin)
    assert result.exit_code == code, (result.output, result.stderr)
    return result.stdout if code == 0 else result.stderr


@pytest.fixture
def config(tmp_path: Path) -> Path:
    from argon2 import PasswordHasher

    from monitor.web import accounts

    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    path = write_config(tmp_path / "cfg")
    run(path, "init")
    return path


def test_init_creates_the_session_key_beside_monitor_toml_with_mode_0600(config: Path) -> None:
    key = config.parent / "web-secret"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    before = key.read_text()
    run(config, "init")
    assert key.read_text() == before  # never overwritten


def test_user_lifecycle(config: Path) -> None:
    from monitor.app import App
    from monitor.config import load_config
    from monitor.web.accounts import authenticate

    assert "已创建账号 wang（管理员）" in run(
        config, "user", "add", "wang", "--role", "admin", stdin="s3cret-pass\n"
    )
    run(config, "user", "add", "li", "--role", "viewer", stdin="another-pass\n")
    users = json.loads(run(config, "user", "list", "--json"))
    assert [(u["name"], u["role"]) for u in users] == [("li", "viewer"), ("wang", "admin")]
    assert "s3cret" not in (config.parent / "monitor.db").read_bytes().decode("latin-1")
    run(config, "user", "passwd", "li", stdin="changed-pass\n")
    app = App(load_config(config))
    with app.session() as session:
        assert authenticate(session, "li", "changed-pass") is not None
        assert authenticate(session, "li", "another-pass") is None
    run(config, "user", "remove", "li")
    assert [u["name"] for u in json.loads(run(config, "user", "list", "--json"))] == ["wang"]


def test_user_errors_are_one_line(config: Path) -> None:
    run(config, "user", "add", "wang", "--role", "editor", stdin="s3cret-pass\n")
    err = run(config, "user", "add", "wang", "--role", "editor", stdin="s3cret-pass\n", code=1)
    assert "已存在" in err and "Traceback" not in err
    assert "密码太短" in run(
        config, "user", "add", "zhao", "--role", "viewer", stdin="short\n", code=1
    )
    assert "没有名为 'nobody' 的账号" in run(config, "user", "passwd", "nobody", code=4)
    assert "没有名为 'nobody' 的账号" in run(config, "user", "remove", "nobody", code=4)
    result = CliRunner().invoke(
        main, ["--config", str(config), "user", "add", "x", "--role", "root"], input="s3cret-pass\n"
    )
    assert result.exit_code == 2  # click refuses the role


def test_the_password_is_not_an_option(config: Path) -> None:
    result = CliRunner().invoke(
        main, ["--config", str(config), "user", "add", "wang", "--role", "admin", "--password", "x"]
    )
    assert result.exit_code == 2 and "'--password'" in result.output


def test_web_binds_127_0_0_1_by_default(config: Path) -> None:
    from monitor.cli.web import web

    host = next(p for p in web.params if p.name == "host")
    assert host.default == "127.0.0.1"
    port = next(p for p in web.params if p.name == "port")
    assert port.default == 8080


def test_demo_web_serves_the_demo_database_with_a_fresh_demo_account(make_app) -> None:
    import re
    import threading
    import urllib.parse
    import urllib.request

    from monitor.timeutil import parse_iso
    from monitor.web.server import demo_server
    from tests.conftest import add_message

    app = make_app()
    add_message(app, "d1", "2026-11-20T09:00", title="演示留言")
    moment = parse_iso("2026-11-26T18:00")
    server, password = demo_server(app.config.folder, moment, "127.0.0.1", 0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.effective_port}"
        assert urllib.request.urlopen(base + "/healthz").status == 200
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        form = opener.open(base + "/login").read().decode()
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        data = urllib.parse.urlencode(
            {"username": "demo", "password": password, "csrf_token": token}
        ).encode()
        page = opener.open(base + "/login", data=data).read().decode()  # follows the 303
        assert "演示留言" in page and "2026-11-26 18:00" in page
    finally:
        server.close()
        thread.join(10)


def test_a_busy_port_is_one_clear_line(config: Path) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        err = run(config, "web", "--port", str(port), code=1)
    assert f"无法监听 127.0.0.1:{port}" in err and "Traceback" not in err


def test_watchlist_enable_and_disable_on_the_cli_are_the_dashboards_switch(config: Path) -> None:
    run(config, "watchlist", "add", "审计")
    assert "已停用" in run(config, "watchlist", "disable", "审计")
    terms = {t["term"]: t for t in json.loads(run(config, "watchlist", "list", "--json"))}
    assert terms["审计"]["enabled"] is False
    assert "本来就是停用" in run(config, "watchlist", "disable", "审计")
    assert "已启用" in run(config, "watchlist", "enable", "审计")
    assert "没有" in run(config, "watchlist", "enable", "没有", code=4)
