"""One daemon per database: a file lock on SQLite, an advisory lock on PostgreSQL.

The SQLite lock file sits beside the database's *resolved* path, so two daemons that reach
one file through different names (a symlink, a symlinked folder) still meet on one lock. It
is created 0600. Where it is, the advisory lock's key and whether someone holds either are
monitor/db/liveness.py's (`status` and the dispatcher ask there). A lock that cannot be taken because the disk is full, read-only or the
PostgreSQL server is unreachable is a DatabaseError (one line, exit 5), not a traceback."""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import IO, Any

from monitor.db.engine import DatabaseError, explain, make_engine
from monitor.db.liveness import ADVISORY_KEY, lock_path
from monitor.errors import MonitorError

log = logging.getLogger("monitor.daemon")

STANDBY_POLL = 5.0  # seconds between lock attempts of a standby daemon
# `status` probes the lock file with a shared flock for an instant: a start that meets one
# tries again for this long before it says another daemon runs
PROBE_GRACE = 1.0


LOCK_MODE = 0o600


class DaemonAlreadyRunning(MonitorError):
    exit_code = 1


class DaemonLock:
    """SQLite: an exclusive fcntl lock on `<database>.lock` (released by the OS when the
    process dies, so a crash never leaves a stale lock). PostgreSQL: a session advisory
    lock held on a dedicated connection."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self._file: IO[str] | None = None
        self._connection: Any = None
        self._engine: Any = None

    @property
    def is_postgres(self) -> bool:
        return self.url.startswith("postgresql")

    @property
    def lock_path(self) -> Path | None:
        return lock_path(self.url)

    def acquire(self, standby: bool = False, stop: threading.Event | None = None) -> bool:
        """Take the lock. Raises DaemonAlreadyRunning when another daemon holds it (or, with
        `standby` on PostgreSQL, waits for it; returns False if `stop` is set meanwhile)."""
        if self.is_postgres:
            return self._acquire_postgres(standby, stop)
        path = self.lock_path
        if path is None:
            return True
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = os.fdopen(
                os.open(path, os.O_RDWR | os.O_CREAT, LOCK_MODE), "r+", encoding="utf-8"
            )
        except OSError as exc:
            raise DatabaseError(
                f"无法创建守护进程锁文件 {path}：{explain(self.url, exc)}"
            ) from None
        try:
            _flock_exclusive(handle.fileno())
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "未知"
            handle.close()
            raise DaemonAlreadyRunning(
                f"已有一个 opinion-monitor run 在此数据库上运行（锁文件 {path}，"
                f"进程号 {holder}）；每个数据库只能运行一个守护进程，请先停止它"
            ) from None
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")
            handle.flush()
        except OSError as exc:
            # a full disk: the lock is held all the same (flock needs no space); the pid in
            # the file only helps a person find the holder
            log.warning("lock %s: cannot write the pid: %s", path, exc.strerror)
        self._file = handle
        return True

    def _acquire_postgres(self, standby: bool, stop: threading.Event | None) -> bool:
        from sqlalchemy import text
        from sqlalchemy.exc import OperationalError

        key = ADVISORY_KEY
        self._engine = make_engine(self.url)
        announced = False
        while True:
            try:
                if self._connection is None:
                    self._connection = self._engine.connect()
                got = self._connection.execute(
                    text("SELECT pg_try_advisory_lock(:k)"), {"k": key}
                ).scalar()
                self._connection.commit()
            except OperationalError as exc:
                if not standby:
                    self.release()
                    raise DatabaseError(explain(self.url, exc)) from None
                # a standby outlives a database restart: try again at the next poll
                log.warning(
                    "standby: database unavailable (%s); retrying in %.0fs",
                    explain(self.url, exc),
                    STANDBY_POLL,
                )
                self._drop_connection()
                got = False
            if got:
                if announced:
                    log.info("standby: the lock is free; taking over as the active daemon")
                return True
            if not standby:
                self.release()
                raise DaemonAlreadyRunning(
                    "已有一个 opinion-monitor run 持有此 PostgreSQL 数据库的守护进程锁（"
                    "pg advisory lock）；每个数据库只能运行一个守护进程：请先停止它，或用 --standby "
                    "启动本进程以待机并在其停止后接管"
                )
            if self._connection is not None and not announced:
                log.info("standby: another daemon holds the lock; waiting to take over")
                announced = True
            if stop is not None and stop.wait(STANDBY_POLL):
                self.release()
                return False
            if stop is None:
                time.sleep(STANDBY_POLL)

    def holds(self) -> bool:
        """Whether the lock is still ours. On PostgreSQL the advisory lock dies with its
        connection (a database restart): then it is taken again if free; False when another
        daemon got it meanwhile (this one must stop)."""
        if not self.is_postgres or self._engine is None:
            return True
        from sqlalchemy import text

        key = ADVISORY_KEY
        try:
            if self._connection is not None:
                self._connection.execute(text("SELECT 1")).scalar()
                self._connection.commit()
                return True
        except Exception:  # noqa: BLE001 - any failure means the session (and lock) is gone
            self._drop_connection()
        self._connection = self._engine.connect()  # raises while the server is down
        got = self._connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
        self._connection.commit()
        if got:
            log.warning("database connection was lost; daemon lock taken again")
        return bool(got)

    def _drop_connection(self) -> None:
        if self._connection is not None:
            try:
                self._connection.invalidate()
                self._connection.close()
            except Exception:  # noqa: BLE001 - a dead connection may fail to close
                pass
            self._connection = None

    def release(self) -> None:
        if self._file is not None:
            import fcntl

            try:
                self._file.seek(0)
                self._file.truncate()
                fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            except OSError as exc:  # a full or read-only disk: closing releases it anyway
                log.warning("lock file: %s", exc.strerror)
            finally:
                try:
                    self._file.close()
                except OSError:
                    pass
                self._file = None
        if self._connection is not None:
            try:
                self._connection.close()  # ends the session: the advisory lock goes with it
            except Exception:  # noqa: BLE001 - the server may be gone already
                pass
            finally:
                self._connection = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def _flock_exclusive(fd: int) -> None:
    """An exclusive, non-blocking flock; a conflict that lasts PROBE_GRACE is another daemon
    (a liveness probe holds its shared lock for microseconds). Raises OSError."""
    import fcntl

    deadline = time.monotonic() + PROBE_GRACE
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.05)
