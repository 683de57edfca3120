"""`report --period 2026-11|2026-Q4|2026 [--format html|xlsx|csv|gov-annual] [--out FILE]
[--unmasked] [--json]` (docs/disclosure-and-reports.md). The figures and the formats live in monitor.report;
this module parses and writes. Report files are written 0600 with personal numbers masked
unless `--unmasked` (monitor.report.files)."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

import click

from monitor.cli.common import cli_actor, emit_json, json_option, now_option, pass_state

FORMATS = ["html", "xlsx", "csv", "gov-annual"]


def register(main: click.Group) -> None:
    main.add_command(report)


@click.command()
@click.option("--period", required=True, help="统计期：月份 2026-11、季度 2026-Q4 或年份 2026。")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help=(
        "输出格式（默认按 --out 的扩展名，否则 html）；gov-annual：国办格式的政府信息公开工作"
        "年度报告统计表（--out 为 .xlsx 或 .html），只用于年度。"
    ),
)
@click.option(
    "--out", default=None, help="输出文件（默认 report-期间.格式；- 为标准输出，仅 html/csv）。"
)
@click.option(
    "--unmasked",
    is_flag=True,
    help="不脱敏：明细中的电话、身份证号、邮箱按原文输出（仅供有编辑权限的人员内部使用）。",
)
@now_option
@json_option
@pass_state
def report(
    state: Any,
    period: str,
    fmt: str | None,
    out: str | None,
    unmasked: bool,
    now: datetime | None,
    as_json: bool,
) -> None:
    """月度、季度、年度统计报告：各部门、各来源按时率与用时，月度趋势，关注词，舆情事件，依申请公开年报表。"""
    from pathlib import Path

    from monitor.errors import MonitorError
    from monitor.inputs import parse_period
    from monitor.report.figures import build_report
    from monitor.report.files import open_private

    parsed = parse_period(period)
    app = state.app(now)
    moment = app.now()
    if fmt == "gov-annual":
        _gov_annual(app, parsed, out, moment, as_json)
        return
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
    _check_folder(target)
    with app.session() as session:
        if fmt == "csv":
            from monitor.names import source_titles
            from monitor.report.rawcsv import write_csv

            as_of = min(moment, parsed.end_utc)
            titles = source_titles(app.config)
            if target == "-":
                count = write_csv(session, parsed, as_of, sys.stdout, unmasked, titles)
                return
            with open_private(target, encoding="utf-8-sig", newline="") as handle:
                count = write_csv(session, parsed, as_of, handle, unmasked, titles)
            click.echo(f"已写入 {target}（{count} 行明细{_masking(unmasked)}）")
            return
        built = build_report(session, app.config, app.calendar, parsed, moment)
    if fmt == "xlsx":
        from monitor.report.xlsx import write_xlsx

        with open_private(target, binary=True) as binary:
            write_xlsx(built, binary, unmasked)
    else:
        from monitor.report.html import render_html

        page = render_html(built, unmasked)
        if target == "-":
            click.echo(page, nl=False)
            return
        with open_private(target, encoding="utf-8") as handle:
            handle.write(page)
    click.echo(
        f"已写入 {target}：{parsed.label}，收件 {built.total.received} 件，"
        f"按时率 {'—' if built.total.rate is None else f'{built.total.rate * 100:.1f}%'}"
    )


def _masking(unmasked: bool) -> str:
    return "，未脱敏" if unmasked else "，个人号码已脱敏"


def _check_folder(target: str) -> None:
    from pathlib import Path

    from monitor.errors import MonitorError

    if target != "-" and Path(target).parent and not Path(target).parent.exists():
        raise MonitorError(f"--out {target}：目录 {Path(target).parent} 不存在")


def _gov_annual(app: Any, period: Any, out: str | None, moment: datetime, as_json: bool) -> None:
    """The national-format tables of a year; producing them for a year that is over stores the
    结转下年度 snapshot next year's report is checked against."""
    from pathlib import Path

    from monitor.errors import MonitorError
    from monitor.report.files import open_private
    from monitor.report.gov_annual import build_gov_annual, store_snapshot

    if period.kind != "year":
        raise MonitorError(
            f"--format gov-annual 只用于年度报告：--period {period.start.year}（而不是 {period.text}）"
        )
    target = out or f"gov-annual-{period.start.year}.html"
    suffix = Path(target).suffix.lower() if target != "-" else ".html"
    if not as_json and suffix not in (".html", ".htm", ".xlsx"):
        raise MonitorError(f"--out {target}：国办格式年度报告应为 .xlsx 或 .html 文件")
    if not as_json:
        _check_folder(target)
    with app.session() as session:
        built = build_gov_annual(session, period.start.year, moment)
        stored = store_snapshot(session, built, cli_actor(), moment)
    if as_json:
        emit_json(built.as_dict())
        return
    if suffix == ".xlsx":
        from monitor.report.gov_xlsx import write_gov_xlsx

        with open_private(target, binary=True) as binary:
            write_gov_xlsx(built, binary)
    else:
        from monitor.report.gov_html import render_gov_html

        page = render_gov_html(built)
        if target == "-":
            click.echo(page, nl=False)
            return
        with open_private(target, encoding="utf-8") as handle:
            handle.write(page)
    failed = [c for c in built.checks if not c.ok]
    click.echo(
        f"已写入 {target}：{period.start.year} 年政府信息公开工作年度报告（国办格式），"
        f"核对 {len(built.checks)} 项，{len(failed)} 项不通过"
        + ("" if stored else "；年度尚未结束，本表为预览，未保存结转快照")
    )
    for check in failed:
        click.echo(f"  ✗ {check.name}：{check.detail}")
