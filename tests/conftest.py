"""Shared fixtures and helpers, one place: a real config folder and a real SQLite file per
test (PostgreSQL where asked), the loopback stand-ins (fake WeCom robot, aiosmtpd SMTP sink)
on a simulated clock, and helpers that add tracked messages and read the outbox.

Fixtures here need no import; helpers are imported from `tests.conftest`."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from alerts.channels import SimulatedTiming
from monitor.app import App, fixed_clock
from monitor.config import load_config
from monitor.db.models import Alert, Message
from monitor.demo.sinks import FakeWecom, SmtpSink
from monitor.news import ingest_news
from monitor.timeutil import parse_iso
from monitor.tracking import schedule_message
from monitor.watchlist.terms import add_term

FIXTURES = Path(__file__).parent / "fixtures"


def write_config(folder: Path, body: str = "", holidays: str | None = None) -> Path:
    """A monitor.toml in `folder` using a SQLite file there; `body` is appended TOML."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "monitor.toml"
    path.write_text(
        '[monitor]\ndatabase = "sqlite:///monitor.db"\n\n' + textwrap.dedent(body), encoding="utf-8"
    )
    if holidays is not None:
        (folder / "holidays.toml").write_text(textwrap.dedent(holidays), encoding="utf-8")
    return path


def add_message(
    app: App,
    external_id: str,
    posted: str,
    department: str | None = "综合科",
    title: str | None = None,
    author: str | None = None,
    url: str | None = None,
) -> int:
    """A tracked message received at `posted` (naive = Asia/Shanghai), scheduled at app.now()."""
    from monitor.db.models import Message
    from monitor.tracking import schedule_message

    now = app.now()
    with app.session() as session:
        message = Message(
            source="portal",
            external_id=external_id,
            title=title if title is not None else f"留言{external_id}",
            posted_at=parse_iso(posted),
            department=department,
            author=author,
            url=url or f"http://portal.example/detail/{external_id}",
            first_seen=now,
            last_seen=now,
        )
        schedule_message(session, message, app.config, app.calendar, now)
        return message.id


def at(app: App, when: str) -> App:
    """Move the app's injected clock to `when`."""
    app.clock = fixed_clock(parse_iso(when))
    return app


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., App]:
    """make_app(body="", now="2026-11-26T10:00", holidays=None) → an App on a fresh database."""

    def factory(
        body: str = "", now: str | datetime = "2026-11-26T10:00", holidays: str | None = None
    ) -> App:
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
        path.write_text(
            f'[monitor]\ndatabase = "{url}"\n\n' + textwrap.dedent(body), encoding="utf-8"
        )
        moment = parse_iso(now) if isinstance(now, str) else now
        return App(load_config(path), clock=fixed_clock(moment))

    return factory


# --- the loopback stand-ins on a simulated clock -------------------------------------


@pytest.fixture
def timing() -> SimulatedTiming:
    return SimulatedTiming()


@pytest.fixture
def wecom(timing: SimulatedTiming) -> Iterator[FakeWecom]:
    fake = FakeWecom(clock=timing.monotonic).start()
    yield fake
    fake.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


def channels_toml(
    wecom: FakeWecom,
    smtp: SmtpSink | None = None,
    extra: str = "",
    routing: str | None = None,
    office_key: str = "office",
) -> str:
    """Three robots and (with `smtp`) a mailbox that is the office robot's fallback; the
    default and crisis routes go to the office robot."""
    fallback = 'fallback = "office-mail"\n' if smtp is not None else ""
    body = f"""
[channels.office]
kind = "wecom"
webhook = "{wecom.url(office_key)}"
{fallback}
[channels.lead]
kind = "wecom"
webhook = "{wecom.url("lead")}"

[channels.zhk]
kind = "wecom"
webhook = "{wecom.url("zhk")}"
"""
    if smtp is not None:
        body += f"""
[channels.office-mail]
kind = "email"
smtp = "{smtp.url()}"
to = ["office@example.gov.cn"]
"""
    body += extra
    if routing is None:
        routing = """
[routing]
default = ["office"]
crisis = ["office"]
"""
    return body + routing


# --- the outbox, deadlines and the watchlist --------------------------------------------


def outbox_rows(app: App) -> list[dict[str, Any]]:
    """Every alert in the outbox, oldest first, as plain dicts."""
    with app.session() as session:
        return [
            {
                "id": a.id,
                "kind": a.kind,
                "subject": a.subject,
                "stage": a.stage,
                "status": a.status,
                "channel": a.channel,
                "attempts": a.attempts,
                "last_error": a.last_error,
                "next_attempt_at": a.next_attempt_at,
            }
            for a in session.scalars(select(Alert).order_by(Alert.id))
        ]


def state_of(app: App, message_id: int) -> str:
    with app.session() as session:
        return session.get(Message, message_id).state


def deadline_alerts(app: App) -> list[tuple[str, str, str]]:
    """Alerts about messages and crisis milestones (not calendar or source health)."""
    with app.session() as session:
        rows = session.scalars(select(Alert).order_by(Alert.id)).all()
        return [
            (a.kind, a.subject, a.stage)
            for a in rows
            if a.subject.startswith(("message:", "milestone:"))
        ]


STORY = (
    "记者从六安市审计局获悉，某建筑工地拖欠工资问题已查实，涉及农民工八十余人。市审计局"
    "要求施工单位限期整改，并将有关线索移送相关部门依法处理。"
)


def setup_terms(app: App, *terms: tuple[str, str]) -> None:
    with app.session() as session:
        for term, level in terms:
            add_term(session, term, app.now(), "test", level=level)


def ingest(app: App, rows: list[dict[str, Any]], source: str = "news") -> tuple[int, int]:
    with app.session() as session:
        return ingest_news(session, app, source, rows, app.now())


def reprint(
    n: int,
    title: str = "六安一工地拖欠工资问题查实",
    body: str = STORY,
    at: str = "2026-11-26T09:00:00+08:00",
) -> dict[str, Any]:
    return {
        "url": f"http://outlet{n}.example/news/1.html",
        "title": title,
        "body": body + f"（来源：媒体{n}）",
        "outlet": f"媒体{n}",
        "published_at": at,
    }


def add_watched_message(
    app: App, title: str, body: str, posted: str = "2026-11-26T09:00", department: str = "综合科"
) -> int:
    """A tracked message with a body (the watch scan reads it), titled and keyed `title`."""
    now = app.now()
    with app.session() as session:
        message = Message(
            source="portal",
            external_id=title,
            title=title,
            body=body,
            posted_at=parse_iso(posted),
            department=department,
            first_seen=now,
            last_seen=now,
        )
        schedule_message(session, message, app.config, app.calendar, now)
        return message.id


def watch_alerts(app: App) -> list[Alert]:
    """The watch_hit and possible_crisis alerts, oldest first."""
    with app.session() as session:
        return list(
            session.scalars(
                select(Alert)
                .where(Alert.kind.in_(["watch_hit", "possible_crisis"]))
                .order_by(Alert.id)
            )
        )
