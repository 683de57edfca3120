"""One daemon per database: a file lock on SQLite, an advisory lock on PostgreSQL."""

from __future__ import annotations

import logging
import os
import threading
import time
import zlib
from pathlib import Path
from typing import IO, Any


from monitor.errors import MonitorError



log = logging.getLogger("monitor.daemon")

STANDBY_POLL = 5.0                  # seconds between lock attempts of a standby daemon



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
        if not self.url.startswith("sqlite"):
            return None
        path = self.url.split("///", 1)[-1]
        if not path or ":memory:" in path:
            return None
        return Path(path + ".lock")

    def acquire(self, standby: bool = False, stop: threading.Event | None = None) -> bool:
        """Take the lock. Raises DaemonAlreadyRunning when another daemon holds it (or, with
        `standby` on PostgreSQL, waits for it; returns False if `stop` is set meanwhile)."""
        if self.is_postgres:
            return self._acquire_postgres(standby, stop)
        path = self.lock_path
        if path is None:
            return True
        import fcntl

        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise DaemonAlreadyRunning(
                f"another `opinion-monitor run` is already running on this database "
                f"(lock {path} held by pid {holder}); one daemon per database — stop it first"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle
        return True

    def _acquire_postgres(self, standby: bool, stop: threading.Event | None) -> bool:
        from sqlalchemy import text

        from monitor.db.engine import make_engine

        key = zlib.crc32(b"opinion-monitor daemon")
        self._engine = make_engine(self.url)
        self._connection = self._engine.connect()
        announced = False
        while True:
            got = self._connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
            self._connection.commit()
            if got:
                if announced:
                    log.info("standby: the lock is free; taking over as the active daemon")
                return True
            if not standby:
                self.release()
                raise DaemonAlreadyRunning(
                    "another `opinion-monitor run` holds this PostgreSQL database's daemon lock "
                    "(pg advisory lock); one daemon per database — stop it first, or start this "
                    "one with --standby to wait and take over")
            if not announced:
                log.info("standby: another daemon holds the lock; waiting to take over")
                announced = True
            if stop is not None and stop.wait(STANDBY_POLL):
                self.release()
                return False
            if stop is None:
                time.sleep(STANDBY_POLL)

    def release(self) -> None:
        if self._file is not None:
            import fcntl

            try:
                self._file.seek(0)
                self._file.truncate()
                fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            finally:
                self._file.close()
                self._file = None
        if self._connection is not None:
            try:
                self._connection.close()  # ends the session: the advisory lock goes with it
            finally:
                self._connection = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


