"""Shared pieces for the alerts tests (imported by test_alerts*, test_channels*, test_summary*):
the fake WeCom robot and a real SMTP server on loopback, a simulated clock for throttling and
backoff, and helpers to add tracked messages. Holds no tests itself."""

from __future__ import annotations

from typing import Any, Iterator

import pytest
from sqlalchemy import select

from alerts.channels import SimulatedTiming
from alerts.sinks import FakeWecom, SmtpSink
from monitor.app import App, fixed_clock
from monitor.db.models import Alert, Message
from monitor.timeutil import parse_iso
from monitor.tracking import schedule_message


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


def channels_toml(wecom: FakeWecom, smtp: SmtpSink | None = None, extra: str = "",
                  routing: str | None = None, office_key: str = "office") -> str:
    body = f"""
[channels.office]
kind = "wecom"
webhook = "{wecom.url(office_key)}"

[channels.lead]
kind = "wecom"
webhook = "{wecom.url('lead')}"

[channels.zhk]
kind = "wecom"
webhook = "{wecom.url('zhk')}"
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
        fallback = '"office", "office-mail"' if smtp is not None else '"office"'
        routing = f"""
[routing]
default = [{fallback}]
crisis = [{fallback}]
"""
    return body + routing


def add_message(app: App, external_id: str, posted: str, department: str | None = "综合科",
                title: str | None = None, author: str | None = None, url: str | None = None) -> int:
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
    app.clock = fixed_clock(parse_iso(when))
    return app


def alert_rows(app: App) -> list[dict[str, Any]]:
    with app.session() as session:
        return [{"id": a.id, "kind": a.kind, "subject": a.subject, "stage": a.stage,
                 "status": a.status, "channel": a.channel, "attempts": a.attempts,
                 "last_error": a.last_error, "next_attempt_at": a.next_attempt_at}
                for a in session.scalars(select(Alert).order_by(Alert.id))]
