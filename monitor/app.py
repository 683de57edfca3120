"""The running context every command and job shares: config, database, calendar, clock.

The clock is injected (`--now`, tests, the demo's simulated clock): nothing below reads the
wall clock directly."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from monitor.calendar import WorkCalendar
from monitor.config import Config
from monitor.db.engine import open_database
from monitor.db.presence import require_database
from monitor.timeutil import UTC

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def fixed_clock(moment: datetime) -> Clock:
    return lambda: moment


@dataclass
class App:
    config: Config
    clock: Clock = system_clock
    # the CLI and the daemon refuse a database `init` did not create (exit 5); tests and the
    # demo build theirs on first use
    existing_database: bool = False
    _sessions: sessionmaker[Session] | None = field(default=None, repr=False)

    @property
    def calendar(self) -> WorkCalendar:
        return self.config.calendar

    def now(self) -> datetime:
        return self.clock()

    @property
    def sessions(self) -> sessionmaker[Session]:
        if self._sessions is None:
            if self.existing_database:
                require_database(self.config.database_url)
            self._sessions = open_database(self.config.database_url)
        return self._sessions

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed on success, rolled back on error."""
        with self.sessions() as session, session.begin():
            yield session
