"""`calendar due` and `calendar is-workday`: the working-day calendar on the command line.

Kept light (no database, no SQLAlchemy import) so it answers in well under half a second."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, NoReturn, cast

import click

from monitor.cli.common import DAY, ISO, emit_json, json_option, pass_state
from monitor.hints import command

if TYPE_CHECKING:
    from monitor.deadlines import ReceiptMode


def register(main: click.Group) -> None:
    main.add_command(calendar)


@click.group()
def calendar() -> None:
    """工作日日历：办理期限与工作日查询。"""


def unknown_year(exc: Exception, holidays_path: object, extra: str = "") -> NoReturn:
    """A year holidays.toml does not know: say which file (the one beside the monitor.toml in
    use, not the template's) and the command that fills it, then exit 3."""
    click.echo(
        f"error: {exc}（{holidays_path}），或用 {command('calendar import-notice 通知.txt')} "
        f"导入国务院通知{extra}",
        err=True,
    )
    raise SystemExit(3)


@calendar.command("due")
@click.option("--from", "received", type=ISO, required=True, help="收到时间（ISO-8601）。")
@click.option(
    "--working-days",
    type=click.IntRange(1, 366),
    required=True,
    help="办理时限：收到后第几个工作日到期（如答复 5、依申请公开 20）。",
)
@click.option(
    "--receipt-on-rest-day",
    type=click.Choice(["as-is", "next-workday"]),
    default=None,
    help="默认取配置中 [rules.reply] receipt_on_rest_day（as-is：休息日收到的从下一个工作日起算第 1 天）。",
)
@click.option(
    "--allow-provisional", is_flag=True, help="遇到未知年份时只按周末推算（暂定），而不是报错。"
)
@json_option
@pass_state
def due(
    state,
    received: datetime,
    working_days: int,
    receipt_on_rest_day: str | None,
    allow_provisional: bool,
    as_json: bool,
) -> None:
    """收到后第 N 个工作日的截止日期（收到当天不计，次日起算）。"""
    from monitor.calendar import UnknownYear
    from monitor.deadlines import working_day_deadline
    from monitor.timeutil import format_local, iso

    config = state.calendar_settings()  # not the whole monitor.toml: a fast answer
    # click.Choice and the file check give one of the two values
    mode = cast("ReceiptMode", receipt_on_rest_day or config.receipt_on_rest_day)
    try:
        result = working_day_deadline(
            received, working_days, config.calendar, mode, allow_provisional=allow_provisional
        )
    except UnknownYear as exc:
        # the file in use (beside the monitor.toml in use), not the template's path
        unknown_year(exc, config.holidays_path, "；也可加 --allow-provisional 暂按周末推算")
    if as_json:
        emit_json(
            {
                "due_date": result.due_date.isoformat(),
                "deadline": iso(result.deadline),
                "provisional": result.provisional,
                "working_days": working_days,
                "receipt_on_rest_day": mode,
                "received": iso(received),
            }
        )
        return
    note = "（临时：含未知年份，仅按周末计算）" if result.provisional else ""
    click.echo(f"收到时间：{format_local(received)}")
    rest_day = {
        "as-is": "休息日收到的从下一个工作日起算第 1 天",
        "next-workday": "休息日收到的视为下一个工作日收到，该日不计",
    }[mode]
    click.echo(f"办理时限：{working_days} 个工作日（收到当天不计，次日起算；{rest_day}）")
    click.echo(
        f"截止日期：{result.due_date.isoformat()}（{format_local(result.deadline)} 前，"
        f"即当日 24:00）{note}"
    )


@calendar.command("is-workday")
@click.argument("day", metavar="DATE", type=DAY)
@json_option
@pass_state
def is_workday(state, day: date, as_json: bool) -> None:
    """DATE（YYYY-MM-DD）是否为工作日。"""
    from monitor.calendar import UnknownYear

    parsed = day
    config = state.calendar_settings()  # not the whole monitor.toml: a fast answer
    work_calendar = config.calendar
    try:
        workday = work_calendar.is_workday(parsed)
    except UnknownYear as exc:
        unknown_year(exc, config.holidays_path)
    name = work_calendar.holiday_name(parsed)
    if as_json:
        emit_json({"date": parsed.isoformat(), "workday": workday, "holiday_name": name})
        return
    weekday = "一二三四五六日"[parsed.weekday()]
    kind = "工作日" if workday else "休息日"
    if workday and parsed.weekday() >= 5:
        kind += "（调休上班）"
    if name:
        kind += f"（{name}）"
    click.echo(f"{parsed.isoformat()} 星期{weekday}：{kind}")


def _read_notice(source: str) -> str:
    """The notice's text from a file or stdin: UTF-8 (with or without BOM), else GB18030 (a
    notice saved from a Windows editor is often GBK)."""
    import sys
    from pathlib import Path

    try:
        data = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except OSError as exc:
        click.echo(f"error: 无法读取通知文件 {source}：{exc.strerror or exc}", err=True)
        raise SystemExit(2) from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    click.echo(f"error: {source} 不是 UTF-8 或 GBK 编码的文本", err=True)
    raise SystemExit(2)


@calendar.command("import-notice")
@click.argument("source", metavar="FILE|-")
@click.option(
    "--year",
    type=click.IntRange(1949, 2200),
    default=None,
    help="通知的年份（通知标题缺失或有多个年份时指定）。",
)
@click.option("--dry-run", is_flag=True, help="只显示找到的日期和差异，不写入 holidays.toml。")
@json_option
@pass_state
def import_notice(state, source: str, year: int | None, dry_run: bool, as_json: bool) -> None:
    """从国务院办公厅节假日安排通知导入一年的放假和调休上班日期（写入 holidays.toml）。

    FILE 是粘贴下来的通知全文（简体或繁体均可，可含网页上的其他文字）；`-` 从标准输入读取。"""
    from monitor.calendar_import import import_notice as run_import
    from monitor.calendar_import import summary_lines
    from monitor.calendar_notice import NoticeError
    from monitor.errors import ConfigError

    text = _read_notice(source)
    try:
        # only where holidays.toml is: the rest of monitor.toml is not needed (nor validated)
        path = state.calendar_settings().holidays_path
        plan, written = run_import(text, path, year=year, dry_run=dry_run)
    except NoticeError as exc:
        click.echo(f"error: {exc.message()}；未写入任何内容。", err=True)
        raise SystemExit(2) from None
    except ConfigError as exc:
        click.echo(f"error: {exc}；未写入任何内容。", err=True)
        raise SystemExit(2) from None
    if as_json:
        emit_json(plan.to_json(written))
        return
    for line in summary_lines(plan, written, dry_run):
        click.echo(line)
