"""The `opinion-monitor` command (DESIGN §3). One module per command group; each registers
itself on `main` here. Errors that users can act on print one line, never a traceback."""

from __future__ import annotations

import sys
from typing import Any

import click

from monitor.cli.common import State
from monitor.errors import MonitorError


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MonitorError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_option", metavar="PATH", default=None,
              help="monitor.toml to use (default: $OPINION_MONITOR_CONFIG, else config/monitor.toml).")
@click.version_option(package_name="opinion-monitor")
@click.pass_context
def main(ctx: click.Context, config_option: str | None) -> None:
    """opinion-monitor: 政务舆情回应时限监测 (citizen messages, crises, alerts)."""
    import logging

    # commands report problems themselves, in one line; library warnings would repeat them
    # (`run` installs its own logging)
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    ctx.obj = State(config_option)


# One module per command group, each with `register(main)`.
COMMAND_MODULES = ("core", "calendar_cmd", "events", "items", "crawl", "watch", "alerts", "daemon",
                   "disclosure", "report")


def _register() -> None:
    import importlib

    for name in COMMAND_MODULES:
        importlib.import_module(f"monitor.cli.{name}").register(main)


_register()
