"""`run` (the daemon) and `demo` (the whole pipeline offline on a simulated clock)."""

from __future__ import annotations

import sys

import click

from monitor.cli.common import pass_state


def register(main: click.Group) -> None:
    main.add_command(run)
    main.add_command(demo)


@click.command()
@click.option(
    "--log-file",
    metavar="PATH",
    default=None,
    help="同时把日志写到这里（默认：[daemon] log_file，否则只写标准错误）。",
)
@click.option("--standby", is_flag=True, help="PostgreSQL：另一个守护进程持有锁时作为备用等待。")
@pass_state
def run(state, log_file: str | None, standby: bool) -> None:
    """守护进程：抓取、巡检、发送提醒、每日汇总，直到收到 SIGTERM。"""
    from monitor.daemon import run_daemon

    # only `init` creates the database
    sys.exit(run_daemon(state.config(), log_file=log_file, standby=standby, existing_database=True))


@click.command()
@click.option(
    "--dir",
    "folder",
    metavar="PATH",
    default="demo-data",
    show_default=True,
    help="演示用的配置和数据库所在文件夹（重新运行会从头开始）。",
)
@click.option("--quiet", is_flag=True, help="只显示最后的汇总。")
@click.option("--web", "web", is_flag=True, help="演示结束后继续在演示数据库上提供办公室看板。")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8080,
    show_default=True,
    help="--web 时看板的端口（仅 127.0.0.1）。",
)
def demo(folder: str, quiet: bool, web: bool, port: int) -> None:
    """用自带样例数据离线演示整个流程，模拟时钟（不到 2 分钟）。"""
    from pathlib import Path

    from monitor.demo.run import END, run_demo

    if web:
        from monitor.web.server import check_port

        check_port("127.0.0.1", port)  # a busy port is said now, not after the run
    ran = run_demo(Path(folder), quiet=quiet, keep_portal=web)
    if web:
        from monitor.web.server import serve_demo

        try:  # the sample portal serves while the dashboard does: its links open
            serve_demo(Path(folder), END, "127.0.0.1", port, sys.stdout, ran.portal.base_url)
        finally:
            ran.stop_portal()
