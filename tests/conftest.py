"""Shared fixtures: a real config folder and a real SQLite file per test."""

from __future__ import annotations

import textwrap
from datetime import datetime
from pathlib import Path
from typing import Callable

import pytest

from monitor.app import App, fixed_clock
from monitor.config import load_config
from monitor.timeutil import parse_iso

FIXTURES = Path(__file__).parent / "fixtures"


def write_config(folder: Path, body: str = "", holidays: str | None = None) -> Path:
    """A monitor.toml in `folder` using a SQLite file there; `body` is appended TOML."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "monitor.toml"
    path.write_text('[monitor]\ndatabase = "sqlite:///monitor.db"\n\n'
                    + textwrap.dedent(body), encoding="utf-8")
    if holidays is not None:
        (folder / "holidays.toml").write_text(textwrap.dedent(holidays), encoding="utf-8")
    return path


def add_message(app: App, external_id: str, posted: str, department: str | None = "综合科",
                title: str | None = None, author: str | None = None, url: str | None = None) -> int:
    """A tracked message received at `posted` (naive = Asia/Shanghai), scheduled at app.now()."""
    from monitor.db.models import Message
    from monitor.tracking import schedule_message

    now = app.now()
    with app.session() as session:
        message = Message(source="portal", external_id=external_id,
                          title=title if title is not None else f"留言{external_id}",
                          posted_at=parse_iso(posted), department=department, author=author,
                          url=url or f"http://portal.example/detail/{external_id}",
                          first_seen=now, last_seen=now)
        schedule_message(session, message, app.config, app.calendar, now)
        return message.id


def at(app: App, when: str) -> App:
    """Move the app's injected clock to `when`."""
    app.clock = fixed_clock(parse_iso(when))
    return app


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., App]:
    """make_app(body="", now="2026-11-26T10:00", holidays=None) → an App on a fresh database."""

    def factory(body: str = "", now: str | datetime = "2026-11-26T10:00",
                holidays: str | None = None) -> App:
        path = write_config(tmp_path / "cfg", body, holidays)
        moment = parse_iso(now) if isinstance(now, str) else now
        return App(load_config(path), clock=fixed_clock(moment))

    return factory


@pytest.fixture(scope="session")
def postgres_server_url():
    """A PostgreSQL server URL (no database); skips where PostgreSQL is not available."""
    from tests.pg import postgres_server

    yield from postgres_server()


@pytest.fixture
def make_pg_app(tmp_path: Path, postgres_server_url: str, request) -> Callable[..., App]:
    """Like make_app, on a fresh PostgreSQL database."""
    from tests.pg import create_database

    def factory(body: str = "", now: str | datetime = "2026-11-26T10:00") -> App:
        name = "om_" + request.node.name.lower().replace("[", "_").replace("]", "")[:40]
        url = create_database(postgres_server_url, name)
        folder = tmp_path / "pgcfg"
        folder.mkdir(exist_ok=True)
        path = folder / "monitor.toml"
        path.write_text(f'[monitor]\ndatabase = "{url}"\n\n' + textwrap.dedent(body),
                        encoding="utf-8")
        moment = parse_iso(now) if isinstance(now, str) else now
        return App(load_config(path), clock=fixed_clock(moment))

    return factory
