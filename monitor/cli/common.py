"""What every command shares: the app from --config, --now/--json options, output helpers.

Command modules keep heavy imports (SQLAlchemy models, Scrapy, jieba) inside their functions
so that `calendar due` starts fast."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from monitor import hints
from monitor.inputs import InputError, parse_count, parse_date, parse_id, parse_when
from monitor.texttable import table as table  # re-exported: every command prints tables

if TYPE_CHECKING:  # monitor.app loads SQLAlchemy: imported when a command needs the database
    from monitor.app import App
    from monitor.config import Config

F = TypeVar("F", bound=Callable[..., Any])


class State:
    """click's ctx.obj: the --config path, loaded on first use."""

    def __init__(self, config_option: str | None) -> None:
        self._app: App | None = None
        self.use_config(config_option)

    def use_config(self, config_option: str | None) -> None:
        """The --config given (before the command or after it); hints repeat it."""
        self.config_option = config_option
        self._app = None
        hints.use_config(config_option)

    def config(self, required: bool = True) -> Config:
        from alerts.channels.registry import config_problems
        from monitor.config import Config, Settings, load_config
        from monitor.quickconfig import config_path

        path = config_path(self.config_option)
        if not required and self.config_option is None and not path.exists():
            # calendar commands work without a deployment: package calendar, default rules
            return Config(path.resolve(), Settings())
        # the channel types check their own [channels.NAME] keys, with the file's other problems
        return load_config(path, checks=[config_problems])

    def calendar_settings(self) -> Any:
        """What the calendar commands need, without validating the whole file (fast)."""
        from monitor.quickconfig import calendar_settings

        return calendar_settings(self.config_option)

    def app(self, now: datetime | None = None) -> App:
        from monitor.app import App, fixed_clock

        if self._app is None:
            # only `init` creates the database: the app refuses a missing one when first used
            self._app = App(self.config(), existing_database=True)
        if now is not None:
            self._app.clock = fixed_clock(now)
        return self._app


pass_state = click.make_pass_decorator(State)


class IsoTime(click.ParamType):
    """An ISO-8601 time; naive means Asia/Shanghai. Converted to aware UTC, within the
    years monitor.inputs accepts (the same check as the dashboard's forms)."""

    name = "ISO-8601"

    def convert(self, value: Any, param: Any, ctx: Any) -> datetime:
        try:
            return parse_when(value, "时间")
        except InputError as exc:
            self.fail(exc.problem, param, ctx)


class Day(click.ParamType):
    """A date YYYY-MM-DD (monitor.inputs.parse_date)."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: Any, ctx: Any) -> date:
        try:
            return parse_date(value, "日期")
        except InputError as exc:
            self.fail(exc.problem, param, ctx)


class RecordId(click.ParamType):
    """A record's number (monitor.inputs.parse_id): 1 … 2147483647, ASCII digits."""

    name = "ID"

    def convert(self, value: Any, param: Any, ctx: Any) -> int:
        try:
            return parse_id(value, "编号")
        except InputError as exc:
            self.fail(exc.problem, param, ctx)


class Count(click.ParamType):
    """A --limit (monitor.inputs.parse_count)."""

    name = "N"

    def convert(self, value: Any, param: Any, ctx: Any) -> int:
        try:
            return parse_count(value, "数量")
        except InputError as exc:
            self.fail(exc.problem, param, ctx)


ISO = IsoTime()
DAY = Day()
ID = RecordId()
COUNT = Count()


def now_option(func: F) -> F:
    return click.option(
        "--now", type=ISO, default=None, help="按此时间而不是当前时间计算（ISO-8601）。"
    )(func)


def json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="在标准输出打印一个 JSON 文档。")(
        func
    )


def emit_json(document: Any) -> None:
    click.echo(json.dumps(document, ensure_ascii=False, indent=2, default=str))


def fail(message: str, code: int = 1) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def resolve_path(text: str) -> Path:
    return Path(text).expanduser()


def cli_actor() -> str:
    """Who acts from the command line, as the registers and the report record it: cli:<login>."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no passwd entry in a container: still record something
        return "cli"


def register_context(state: Any, now: datetime | None) -> Any:
    """The app and a register Context (config, calendar, now, actor) for the 依申请公开 and
    意见征集 commands."""
    from monitor.disclosure.register import Context

    app = state.app(now)
    return app, Context(app.config, app.calendar, app.now(), actor=cli_actor())
