"""Typed errors the CLI turns into one clear line on stderr and an exit code."""

from __future__ import annotations


class MonitorError(Exception):
    """Base: a problem a user can act on. `exit_code` is what the CLI exits with."""

    exit_code = 1


class ConfigError(MonitorError):
    """A configuration file is missing, malformed or has a bad value (names file and key)."""

    exit_code = 2


class NotFound(MonitorError):
    """An id or name given on the command line does not exist."""

    exit_code = 4
