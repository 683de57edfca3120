"""The e-mail channel against a real SMTP server (aiosmtpd) on loopback: UTF-8 subject, plain
and HTML parts, the CSV attachment; a server that is down is retried, then reported."""

from __future__ import annotations

import pytest

from alerts.channels import DeliveryFailed, SimulatedTiming
from alerts.channels.email import EmailNotifier
from alerts.render import Attachment, Outgoing
from alerts.sinks import SmtpSink, free_port
from monitor.config import EmailChannel
from monitor.errors import ConfigError

from tests.test_alerts_support import smtp, timing  # noqa: F401  (fixtures)


def mailer(url: str, timing: SimulatedTiming, **kw) -> EmailNotifier:
    return EmailNotifier("office-mail", EmailChannel(kind="email", smtp=url, to=["a@example.gov.cn", "b@example.gov.cn"], **kw), timing)


def test_mail_has_utf8_subject_plain_html_and_attachment(smtp: SmtpSink, timing) -> None:
    out = Outgoing(title="【每日超期汇总】2026-11-26：超期 3 条", markdown="", text="超期 3 条\n综合科 2 条",
                   html="<h2>超期 3 条</h2>", attachments=[Attachment("overdue-2026-11-26.csv",
                                                                       "部门,标题\n综合科,供暖\n".encode("utf-8-sig"))])
    mailer(smtp.url("office"), timing, **{"from": "监测 <monitor@example.gov.cn>"}).send(out)
    assert len(smtp.messages) == 1
    mail = smtp.messages[0]
    assert mail["Subject"] == "【每日超期汇总】2026-11-26：超期 3 条"
    assert b"Subject: =?utf-8?" in smtp.raw[0]  # RFC 2047 encoded-word on the wire
    assert smtp.envelopes[0] == ("monitor@example.gov.cn", ["a@example.gov.cn", "b@example.gov.cn"])
    assert mail.get_body(("plain",)).get_content().startswith("超期 3 条")
    assert "<h2>超期 3 条</h2>" in mail.get_body(("html",)).get_content()
    attachments = list(mail.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["overdue-2026-11-26.csv"]
    assert attachments[0].get_payload(decode=True).decode("utf-8-sig") == "部门,标题\n综合科,供暖\n"


def test_server_down_is_retried_then_reported(timing) -> None:
    with pytest.raises(DeliveryFailed) as info:
        mailer(f"smtp://office@127.0.0.1:{free_port()}", timing).send(
            Outgoing(title="t", markdown="", text="x", html="x"))
    assert "SMTP 127.0.0.1" in str(info.value)
    assert timing.slept == 2 + 5 + 15 + 30  # backoff between the five attempts, simulated


def test_bad_smtp_url_names_the_key(timing) -> None:
    with pytest.raises(ConfigError) as info:
        mailer("http://mail.example", timing)
    assert "channels.office-mail.smtp" in str(info.value)
