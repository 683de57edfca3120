"""`report --period 2026-11|2026-Q4|2026 [--format html|xlsx|csv] [--out FILE]` (DESIGN §12).
The figures and the formats live in monitor.report; this module parses and writes."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

import click

from monitor.cli.common import emit_json, json_option, now_option, pass_state


def register(main: click.Group) -> None:
    main.add_command(report)


@click.command()
@click.option("--period", required=True, help="统计期：月份 2026-11、季度 2026-Q4 或年份 2026。")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "xlsx", "csv"]),
    default=None,
    help="输出格式（默认按 --out 的扩展名，否则 html）。",
)
@click.option(
    "--out", default=None, help="输出文件（默认 report-期间.格式；- 为标准输出，仅 html/csv）。"
)
@now_option
@json_option
@pass_state
def report(
    state: Any, period: str, fmt: str | None, out: str | None, now: datetime | None, as_json: bool
) -> None:
    """月度、季度、年度统计报告：各部门、各来源按时率与用时，月度趋势，关注词，舆情事件，依申请公开年报表。"""
    from pathlib import Path

    from monitor.errors import MonitorError
    from monitor.inputs import parse_period
    from monitor.report.figures import build_report

    parsed = parse_period(period)
    app = state.app(now)
    moment = app.now()
    if fmt is None:
        suffix = Path(out).suffix.lower().lstrip(".") if out and out != "-" else ""
        fmt = suffix if suffix in ("html", "xlsx", "csv") else "html"
    if as_json:
        with app.session() as session:
            emit_json(build_report(session, app.config, app.calendar, parsed, moment).as_dict())
        return
    if out == "-" and fmt == "xlsx":
        raise MonitorError("XLSX 是二进制文件，请用 --out 指定文件名")
    target = out or f"report-{parsed.text}.{fmt}"
    if target != "-" and Path(target).parent and not Path(target).parent.exists():
        raise MonitorError(f"--out {target}：目录 {Path(target).parent} 不存在")
    with app.session() as session:
        if fmt == "csv":
            from monitor.report.rawcsv import write_csv

            as_of = min(moment, parsed.end_utc)
            if target == "-":
                count = write_csv(session, parsed, as_of, sys.stdout)
                return
            with open(target, "w", encoding="utf-8-sig", newline="") as handle:
                count = write_csv(session, parsed, as_of, handle)
            click.echo(f"已写入 {target}（{count} 行明细）")
            return
        built = build_report(session, app.config, app.calendar, parsed, moment)
    if fmt == "xlsx":
        from monitor.report.xlsx import write_xlsx

        write_xlsx(built, target)
    else:
        from monitor.report.html import render_html

        page = render_html(built)
        if target == "-":
            click.echo(page, nl=False)
            return
        Path(target).write_text(page, encoding="utf-8")
    click.echo(
        f"已写入 {target}：{parsed.label}，收件 {built.total.received} 件，"
        f"按时率 {'—' if built.total.rate is None else f'{built.total.rate * 100:.1f}%'}"
    )
