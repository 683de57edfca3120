"""`crawl [SOURCE…] [--json]`: one crawl of the named (default: all enabled) sources, ingested."""

from __future__ import annotations

import sys
from datetime import datetime

import click

from monitor.cli.common import emit_json, json_option, now_option, pass_state, table
from monitor.hints import command


def register(main: click.Group) -> None:
    main.add_command(crawl)
    main.add_command(crawl_worker)


@click.command()
@click.argument("sources", nargs=-1)
@click.option("--delay", type=float, default=None, help="请求间隔秒数，覆盖站点配置（仅供测试）。")
@now_option
@json_option
@pass_state
def crawl(
    state, sources: tuple[str, ...], delay: float | None, now: datetime | None, as_json: bool
) -> None:
    """抓取一次数据源并入库（由常驻抓取进程并发抓取，边抓边入库）。"""
    from monitor.crawl import run_crawl

    app = state.app(now)
    progress = None
    if sys.stderr.isatty():

        def progress(line: str) -> None:
            click.echo("\r\033[K" + line, nl=False, err=True)

    results = run_crawl(app, list(sources) or None, now=now, delay=delay, progress=progress)
    if progress is not None:
        click.echo("\r\033[K", nl=False, err=True)
    if as_json:
        emit_json([r.as_dict() for r in results])
    elif not results:
        click.echo("没有启用的来源（config 中 [[sources]] 为空或全部 enabled = false）")
    else:
        from monitor.names import source_titles

        titles = source_titles(app.config)
        rows = [
            (
                titles.get(r.source, r.source),
                "成功" if r.ok else "失败",
                "是" if r.complete else "否",
                r.new,
                r.updated,
                r.replied,
                r.withdrawn,
                r.requests,
                r.error or "",
            )
            for r in results
        ]
        click.echo(
            table(
                ["来源", "结果", "完整", "新增", "更新", "新回复", "撤下", "请求数", "错误"],
                rows,
                max_width=60,
                wrap=[8],
            )
        )  # the error in full, wrapped
    failed = [r.source for r in results if not r.ok]
    if failed:
        from monitor.names import source_titles, titled_key

        titles = source_titles(app.config)
        failed = [titled_key(titles, name) for name in failed]
        # the results are printed in full above; the exit code tells scripts something failed
        click.echo(f"error: 抓取失败：{'、'.join(failed)}（详见 {command('status')}）", err=True)
        raise SystemExit(1)


@click.command("crawl-worker")
@click.option(
    "--concurrency",
    type=click.IntRange(1, 2000),
    default=None,
    help="同时抓取的来源数（默认取 [crawl] concurrency）。",
)
@click.option("--once", is_flag=True, help="队列取空后即退出（默认一直等待新任务，直到 SIGTERM）。")
@click.option(
    "--log-file",
    type=click.Path(dir_okay=False),
    metavar="PATH",  # as `run --log-file` shows it
    default=None,
    help="另写一份日志文件。",
)
@pass_state
def crawl_worker(state, concurrency: int | None, once: bool, log_file: str | None) -> None:
    """从 PostgreSQL 抓取队列领取来源并抓取入库（[crawl] queue = "postgres"；多台机器各运行一个即可分担抓取）。"""
    from monitor.crawl_queue import run_worker
    from monitor.daemon import setup_logging
    from monitor.errors import ConfigError

    app = state.app(None)
    if app.config.settings.crawl.queue != "postgres":
        raise ConfigError(
            f'{app.config.path}：[crawl] queue 不是 "postgres"，抓取由 opinion-monitor run 在本机完成，'
            "无需 crawl-worker（见 docs/deployment.md）"
        )
    setup_logging(log_file)
    run_worker(app, concurrency=concurrency, once=once)
