"""Is the daemon that holds a database's one-daemon lock, or the process that claimed some
alerts, still alive? `status`, /healthz and every dispatch ask: a daemon killed with -9 must
not look "running" for minutes, nor block a manual `dispatch` for its claims' lease.

The lock itself (taken by monitor/daemon/lock.py) is the authority, since the OS drops it
when its holder dies: on SQLite an flock on `<database>.lock`, on PostgreSQL a session
advisory lock. Asking does not take it: SQLite is probed with a shared, non-blocking flock
released at once (the daemon's own exclusive attempt retries for a moment, so a probe
that coincides with a start never refuses it), PostgreSQL is read from pg_locks. A process
is named `pid@host` (claims: `role:pid@host`; the heartbeat: pid and host); on this host its
pid says whether it is gone — asked for a CLI's claims, and for a daemon only where the lock
cannot be read (a pid seen from here may belong to another pid space, the lock cannot)."""

from __future__ import annotations

import errno
import os
import socket
import zlib
from pathlib import Path
from typing import Any

from sqlalchemy import text

from monitor.db.engine import sqlite_path

# the PostgreSQL advisory lock's key (one bigint; pg_locks shows it as objid, classid 0)
ADVISORY_KEY = zlib.crc32(b"opinion-monitor daemon")


def lock_path(url: str) -> Path | None:
    """The daemon lock file of a SQLite URL: beside the database's *resolved* path, so two
    daemons that reach one file through different names still meet on one lock. None for
    PostgreSQL and in-memory databases."""
    path = sqlite_path(url)
    if path is None:
        return None
    return Path(str(path.resolve()) + ".lock")


def daemon_lock_held(session: Any) -> bool | None:
    """Whether a daemon holds the lock of the database `session` is on; None when that cannot
    be told (the lock file is unreadable to this user, pg_locks cannot be read)."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        try:
            with session.begin_nested():  # a failure here must not end the caller's work
                held = session.execute(
                    text(
                        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' "
                        "AND granted AND classid = 0 AND objid::bigint = :key "
                        "AND objsubid = 1 AND database = (SELECT oid FROM pg_database "
                        "WHERE datname = current_database()))"
                    ),
                    {"key": ADVISORY_KEY},
                ).scalar()
        except Exception:  # noqa: BLE001 - a catalogue we may not read: unknown, not "no"
            return None
        return bool(held)
    path = lock_path(bind.url.render_as_string(hide_password=False))
    if path is None:
        return None
    return file_lock_held(path)


def file_lock_held(path: Path) -> bool | None:
    """Whether someone holds an exclusive flock on `path` (False when there is no such file:
    no daemon ever ran here)."""
    import fcntl

    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError as exc:
        return True if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN) else None
    finally:
        os.close(fd)  # closing drops the shared lock if we got it
    return False


def process_name() -> str:
    """This process as claims and the heartbeat name it: pid@host."""
    return f"{os.getpid()}@{socket.gethostname()}"


def pid_alive(pid: int) -> bool:
    """Whether process `pid` of this host is alive (a zombie, killed but not yet reaped by
    its parent, is not)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc (not Linux): the signal said alive
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


def named_process_alive(name: str) -> bool | None:
    """Whether the process called `[role:]pid@host` is alive; None when it is on another
    host (or the name is not one of ours), where only the lock can tell."""
    tail = name.split(":", 1)[-1]
    pid, at, host = tail.partition("@")
    if not at or not pid.isdigit():
        return None
    here = socket.gethostname()
    # a claimant is stored cut to 100 characters: a cut host name is this host's start
    if host != here and not (len(name) >= 100 and host and here.startswith(host)):
        return None
    return pid_alive(int(pid))
