"""`import-orders FILE --source NAME [--dry-run] [--json]`: a 12345 work-order export (XLSX or
CSV) onto the reply clock (docs/site-profiles.md; monitor/orders/)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

import click

from monitor.cli.common import emit_json, json_option, now_option, pass_state, resolve_path

if TYPE_CHECKING:
    from monitor.orders.importer import ImportResult


def register(main: click.Group) -> None:
    main.add_command(import_orders)


@click.command("import-orders")
@click.argument("file", metavar="FILE")
@click.option(
    "--source",
    "source_name",
    required=True,
    metavar="NAME",
    help='[[sources]] 中的来源名，其栏目为 kind = "orders"（列对应关系在站点配置的 columns 中）。',
)
@click.option("--dry-run", is_flag=True, help="只读取并显示结果，不写入数据库。")
@now_option
@json_option
@pass_state
def import_orders(
    state, file: str, source_name: str, dry_run: bool, now: datetime | None, as_json: bool
) -> None:
    """导入 12345 热线工单导出文件（.xlsx 或 .csv），按来源的答复规则计时。

    同一文件再导入不会重复；有变化的行会更新；有问题的行逐行列出（行号、列、值），其余照常导入。"""
    from monitor.orders.importer import import_orders as run_import

    app = state.app(now)
    progress = _progress_line() if sys.stderr.isatty() else None
    try:
        result = run_import(app, source_name, resolve_path(file), now, dry_run, progress)
    finally:
        if progress is not None:
            click.echo("\r\033[K", nl=False, err=True)
    if as_json:
        emit_json(result.as_dict())
    else:
        from monitor.names import source_title

        for line in _summary(result, source_title(app.config, result.source)):
            click.echo(line)
    if result.errors:
        # the rows are listed above; the exit code tells scripts that some were not imported
        # and that the others were: "未导入" alone read as if the whole file had been refused
        done = "未写入（试运行）" if result.dry_run else "已导入"
        click.echo(f"error: {len(result.errors)} 行有问题，未导入（见上）；其余行{done}", err=True)
        raise SystemExit(1)


def _progress_line() -> Callable[[str], None]:
    """A progress line on the terminal, at most five updates a second."""
    last = [0.0]

    def show(line: str) -> None:
        moment = time.monotonic()
        if moment - last[0] >= 0.2:
            last[0] = moment
            click.echo("\r\033[K" + line, nl=False, err=True)

    return show


def _summary(result: ImportResult, title: str) -> list[str]:
    # the rule by the table that sets it, for whoever edits monitor.toml
    rule = "答复期限" if result.rule == "reply" else f"答复期限（[rules.{result.rule}]）"
    lines = [
        f"{result.file} → 来源“{title}”（{rule}：{result.working_days} 个工作日；"
        f"表头在第 {result.header_row} 行）",
        f"共读取 {result.rows} 行：新增 {result.new} 条，更新 {result.updated} 条，"
        f"未变 {result.unchanged} 条，记录办结 {result.replied} 条"
        + (f"，跳过非工单行 {result.skipped} 行" if result.skipped else "")
        + (f"，同一工单的续行 {result.continued} 行" if result.continued else "")
        + "。",
    ]
    if result.errors:
        lines.append(f"以下 {len(result.errors)} 行有问题，未导入（其余已照常处理）：")
        lines += [f"  {e.line()}" for e in result.errors[:200]]
        if len(result.errors) > 200:
            lines.append(f"  ……另有 {len(result.errors) - 200} 行（用 --json 查看全部）")
    lines.append("试运行：未写入任何内容。" if result.dry_run else "已写入；下一次巡检按期限提醒。")
    return lines
