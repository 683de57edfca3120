"""`run` (the daemon) and `demo` (the whole pipeline offline on a simulated clock)."""

from __future__ import annotations

import sys

import click

from monitor.cli.common import pass_state


def register(main: click.Group) -> None:
    main.add_command(run)
    main.add_command(demo)


@click.command()
@click.option("--log-file", metavar="PATH", default=None,
              help="Also write the log here (default: [daemon] log_file, else stderr only).")
@click.option("--standby", is_flag=True,
              help="PostgreSQL: wait as standby while another daemon holds the lock.")
@pass_state
def run(state, log_file: str | None, standby: bool) -> None:
    """The daemon: crawls, sweeps, dispatches, daily summary, until SIGTERM."""
    from monitor.daemon import run_daemon

    # only `init` creates the database
    sys.exit(run_daemon(state.config(), log_file=log_file, standby=standby,
                        existing_database=True))


@click.command()
@click.option("--dir", "folder", metavar="PATH", default="demo-data", show_default=True,
              help="Working folder for the demo's config and database (re-running starts fresh).")
@click.option("--quiet", is_flag=True, help="Only the final summary.")
def demo(folder: str, quiet: bool) -> None:
    """The whole pipeline offline on bundled sample data, on a simulated clock (< 2 minutes)."""
    from pathlib import Path

    from monitor.demo.run import run_demo

    run_demo(Path(folder), quiet=quiet)
