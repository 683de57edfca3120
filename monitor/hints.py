"""Commands a message tells a person to run, written the way they must type them.

`请运行 opinion-monitor init` is wrong advice to someone who typed `opinion-monitor
--config /etc/om/monitor.toml status`: the plain command would use another deployment. The
CLI records the --config it was given (`use_config`, once per process, before any
command runs) and every hint built with `command()` carries it. The messages are built
deep in the core (a missing database, an unknown id), which cannot see click's context;
one process runs one command, so a module-level value is that command's value. Outside
the CLI (the dashboard, the daemon's log) nothing is recorded and hints stay plain."""

from __future__ import annotations

import shlex

PROGRAM = "opinion-monitor"
_config: str | None = None


def use_config(option: str | None) -> None:
    """The --config the person typed (None: they gave none, the default or the
    $OPINION_MONITOR_CONFIG they set is found again)."""
    global _config
    _config = option


def command(rest: str) -> str:
    """`opinion-monitor [--config PATH] REST`, PATH quoted for the shell when needed."""
    config = f"--config {shlex.quote(_config)} " if _config else ""
    return f"{PROGRAM} {config}{rest}"
