"""What keeps `run` up when the world misbehaves.

- `DatabaseGuard` wraps every job: when the database cannot be used (PostgreSQL down, a full
  or read-only disk, a read-only file) the job logs one line saying why and the jobs back off
  together (5 s, 10 s, … up to 5 min) instead of failing every few seconds with a traceback;
  the first success logs the recovery. Any other error still reaches APScheduler's error
  listener (logged with its traceback): the daemon never dies of a job, nor silently.
- `StoppableTiming` is the channels' clock in the daemon: a retry backoff waits on the stop
  event, so SIGTERM is never held up by a delivery retry (the piece stays pending and is sent
  after the restart)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from alerts.channels import DeliveryFailed, SystemTiming
from monitor.db.engine import explain, is_unavailable

log = logging.getLogger("monitor.daemon")

BACKOFF_FIRST = 5.0
BACKOFF_MAX = 300.0


class StoppableTiming(SystemTiming):
    """System time whose sleep ends at once when the daemon is asked to stop."""

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop

    def sleep(self, seconds: float) -> None:
        if self.stop.is_set() or (seconds > 0 and self.stop.wait(seconds)):
            # the channel's retry loop ends here; the dispatcher keeps the alert pending
            raise DeliveryFailed("the daemon is stopping: retry after the restart")


@dataclass
class DatabaseGuard:
    """One backoff for all jobs: they share the database, so when it is gone for one it is
    gone for all. `url` only names the database in the log (password hidden)."""

    url: str
    monotonic: Callable[[], float] = time.monotonic
    failures: int = 0
    retry_at: float = 0.0
    first_failure: float | None = None
    running: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _idle: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self._idle = threading.Condition(self._lock)

    def wait_idle(self, timeout: float) -> list[str]:
        """Wait up to `timeout` seconds for running jobs to end; the names still running."""
        with self._idle:
            self._idle.wait_for(lambda: not self.running, timeout)
            return sorted(self.running)

    @property
    def failing(self) -> bool:
        return self.failures > 0

    def delay(self) -> float:
        return min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** max(0, self.failures - 1))

    def wrap(self, name: str, func: Callable[[], None]) -> Callable[[], None]:
        def guarded() -> None:
            self.run(name, func)

        guarded.__name__ = getattr(func, "__name__", name)
        return guarded

    def run(self, name: str, func: Callable[[], None]) -> bool:
        """Run `func` unless the database is in backoff; True when it ran to the end."""

        with self._lock:
            if self.failing and self.monotonic() < self.retry_at:
                log.debug(
                    "job %s skipped: database unavailable, next try in %.0fs",
                    name,
                    self.retry_at - self.monotonic(),
                )
                return False
            self.running.add(name)
        try:
            func()
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            with self._lock:
                self.failures += 1
                if self.first_failure is None:
                    self.first_failure = self.monotonic()
                delay = self.delay()
                self.retry_at = self.monotonic() + delay
                log.error(
                    "job %s: database unavailable (failure %d): %s — jobs retry in %.0fs",
                    name,
                    self.failures,
                    explain(self.url, exc),
                    delay,
                )
            return False
        finally:
            with self._idle:
                self.running.discard(name)
                self._idle.notify_all()
        with self._lock:
            if self.failing:
                down = self.monotonic() - (self.first_failure or self.monotonic())
                log.warning(
                    "database available again after %d failures (%.0fs); job %s ran",
                    self.failures,
                    down,
                    name,
                )
                self.failures, self.retry_at, self.first_failure = 0, 0.0, None
        return True
