"""The `opinion-monitor` command (docs/commands.md). One module per command group; each registers
itself on `main` here. Errors that users can act on print one line, never a traceback."""

from __future__ import annotations

import sys
from typing import Any

import click

from monitor.cli import zh
from monitor.cli.common import State
from monitor.errors import MonitorError

zh.install()  # before the commands are built: click's own words in Chinese


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MonitorError as exc:
            from monitor.redact import hide_passwords  # no URL password on a terminal

            click.echo(f"error: {hide_passwords(str(exc))}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("error: 已中断", err=True)
            sys.exit(130)
        except Exception as exc:
            # the database went away under a command (full disk, read-only file, server
            # down): one line saying which, never a traceback
            from sqlalchemy.exc import SQLAlchemyError

            from monitor.db.engine import DatabaseError, explain, is_unavailable

            if not (isinstance(exc, SQLAlchemyError) and is_unavailable(exc)):
                raise
            click.echo(f"error: {explain(_database_url(ctx), exc)}", err=True)
            sys.exit(DatabaseError.exit_code)

    def main(
        self,
        args: Any = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Click's usage errors (a usage line, a hint, then the error) become the one
        `error: …` line every other problem prints, with where to find help."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:
            # `opinion-monitor` or `opinion-monitor calendar` alone: the help itself, as click
            # shows it (readable, on stderr, exit 2), not squeezed into one error line
            exc.show()
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx is not None else "opinion-monitor"
            click.echo(
                f"error: {_one_line(exc.format_message())}（用 {where} --help 查看用法）", err=True
            )
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(f"error: {_one_line(exc.format_message())}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("error: 已中止", err=True)
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


def _database_url(ctx: click.Context) -> str:
    try:
        return str(ctx.obj.config().database_url)
    except Exception:  # noqa: BLE001 - only used to word an error about the database
        return ""


def _one_line(text: str) -> str:
    import re

    line = " ".join(part.strip() for part in text.splitlines() if part.strip())
    # click joins its sentences with ". " (缺少选项 '--role'. 可选：…): Chinese punctuation
    line = re.sub(r"\.\s+(?=[^\x00-\x7f])", "。", line)
    line = re.sub(r"。\s+", "。", line)  # "没有选项 '--x'。 是否想用…": no gap after 。
    return line[:-1] + "。" if line.endswith(".") else line


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_option",
    metavar="PATH",
    default=None,
    help="使用的 monitor.toml（默认：环境变量 $OPINION_MONITOR_CONFIG，否则 config/monitor.toml）。",
)
@click.version_option(package_name="opinion-monitor")
@click.pass_context
def main(ctx: click.Context, config_option: str | None) -> None:
    """opinion-monitor：政务舆情回应时限监测（群众留言、突发事件、提醒）。"""
    import logging

    # commands report problems themselves, in one line; library warnings would repeat them
    # (`run` installs its own logging)
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    ctx.obj = State(config_option)


# One module per command group, each with `register(main)`.
COMMAND_MODULES = (
    "core",
    "calendar_cmd",
    "events",
    "items",
    "crawl",
    "orders",
    "watch",
    "alerts",
    "daemon",
    "disclosure",
    "consult",
    "report",
    "reply",
    "web",
)


# commands that read no monitor.toml (the demo makes its own)
WITHOUT_CONFIG = {"demo"}


def _config_after_command(ctx: click.Context, _param: click.Parameter, value: Any) -> None:
    if value is not None:
        state = ctx.find_object(State)
        if state is not None:
            state.use_config(value)


def _accept_config_after(command: click.Command) -> None:
    """`opinion-monitor status --config X` works like `opinion-monitor --config X status`
    (docs/commands.md puts it first; people type it last): every command and group takes it too,
    handing it to the State the main group made before the command's own options are read."""
    command.params.append(
        click.Option(
            ["--config", "config_after"],
            metavar="PATH",
            default=None,
            expose_value=False,
            is_eager=True,
            callback=_config_after_command,
            help="使用的 monitor.toml（与写在命令之前的 --config 相同）。",
        )
    )
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _accept_config_after(sub)


def _register() -> None:
    import importlib

    for name in COMMAND_MODULES:
        importlib.import_module(f"monitor.cli.{name}").register(main)
    for name, command in main.commands.items():
        if name not in WITHOUT_CONFIG:
            _accept_config_after(command)


_register()
