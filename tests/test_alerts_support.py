"""Shared pieces for the alerts tests (imported by test_alerts*, test_channels*, test_summary*):
the fake WeCom robot and a real SMTP server on loopback, a simulated clock for throttling and
backoff, and helpers to add tracked messages. Holds no tests itself."""

from __future__ import annotations

from typing import Any, Iterator

import pytest
from sqlalchemy import select

from alerts.channels import SimulatedTiming
from monitor.demo.sinks import FakeWecom, SmtpSink
from monitor.app import App
from monitor.db.models import Alert
from tests.conftest import add_message, at  # noqa: F401  (re-exported for the alerts tests)


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
        routing = """
[routing]
default = ["office"]
crisis = ["office"]
"""
    return body + routing


def alert_rows(app: App) -> list[dict[str, Any]]:
    with app.session() as session:
        return [{"id": a.id, "kind": a.kind, "subject": a.subject, "stage": a.stage,
                 "status": a.status, "channel": a.channel, "attempts": a.attempts,
                 "last_error": a.last_error, "next_attempt_at": a.next_attempt_at}
                for a in session.scalars(select(Alert).order_by(Alert.id))]
