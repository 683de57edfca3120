"""`web` (the office dashboard, docs/dashboard.md) and `user add|list|passwd|remove` (its accounts)."""

from __future__ import annotations

import sys

import click

from monitor.cli.common import emit_json, json_option, pass_state, table
from monitor.hints import command


def register(main: click.Group) -> None:
    main.add_command(web)
    main.add_command(user)


@click.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="监听地址（放在反向代理之后时保持 127.0.0.1）。",
)
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8080, show_default=True, help="监听端口。"
)
@pass_state
def web(state, host: str, port: int) -> None:
    """提供办公室看板（网页），直到按 Ctrl+C 停止。"""
    from monitor.web.server import make_server

    app = state.app()
    server = make_server(app, host, port)
    with app.session() as session:
        from monitor.web.accounts import list_users

        users = list_users(session)
    click.echo(f"看板已启动：http://{host}:{port}/ （Ctrl+C 停止）")
    if not users:
        click.echo(f"尚无账号：请先运行 `{command('user add 用户名 --role admin')}` 创建", err=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


@click.group()
def user() -> None:
    """看板账号（viewer 只读 / editor 编辑 / admin 管理员）；密码从标准输入读取。"""


def _read_password(confirm: bool) -> str:
    """From the terminal (asked twice), or one line of piped stdin: never an argument."""
    if sys.stdin.isatty():
        return click.prompt("密码", hide_input=True, confirmation_prompt=confirm and "再次输入密码")
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["viewer", "editor", "admin"]), required=True)
@pass_state
def add(state, name: str, role: str) -> None:
    """创建账号 NAME（密码从标准输入读取，不作为参数）。"""
    from monitor.web.accounts import ROLE_ZH, add_user

    password = _read_password(confirm=True)
    app = state.app()
    with app.session() as session:
        add_user(session, name, role, password, app.now())
    click.echo(f"已创建账号 {name}（{ROLE_ZH[role]}）")


@user.command("list")
@json_option
@pass_state
def list_(state, as_json: bool) -> None:
    """列出账号及其角色。"""
    from monitor.web.accounts import ROLE_ZH, list_users

    app = state.app()
    with app.session() as session:
        users = list_users(session)
    if as_json:
        emit_json(users)
        return
    if not users:
        click.echo("（尚无账号）")
        return
    click.echo(
        table(
            ["用户名", "角色", "创建时间", "修改时间"],
            [
                [
                    u["name"],
                    ROLE_ZH[u["role"]],
                    (u["created_at"] or "")[:16].replace("T", " "),
                    (u["updated_at"] or "")[:16].replace("T", " "),
                ]
                for u in users
            ],
        )
    )


@user.command("passwd")
@click.argument("name")
@click.option(
    "--role", type=click.Choice(["viewer", "editor", "admin"]), default=None, help="同时修改角色。"
)
@pass_state
def passwd(state, name: str, role: str | None) -> None:
    """修改 NAME 的密码（从标准输入读取）；该账号已登录的会话随即失效。"""
    from monitor.errors import NotFound
    from monitor.web.accounts import get_user, set_password, set_role

    app = state.app()
    with app.session() as session:  # an unknown name fails before the password is asked
        if get_user(session, name) is None:
            raise NotFound(f"没有名为 {name!r} 的账号（见 `{command('user list')}`）")
    password = _read_password(confirm=True)
    with app.session() as session:
        set_password(session, name, password, app.now())
        if role:
            set_role(session, name, role, app.now())
    click.echo(f"已修改账号 {name} 的密码" + ("及角色" if role else ""))


@user.command("remove")
@click.argument("name")
@pass_state
def remove(state, name: str) -> None:
    """删除账号 NAME（其会话立即失效）。"""
    from monitor.web.accounts import remove_user

    app = state.app()
    with app.session() as session:
        remove_user(session, name)
    click.echo(f"已删除账号 {name}")
