"""The e-mail channel against a real SMTP server (aiosmtpd) on loopback: UTF-8 subject, plain
and HTML parts, the CSV attachment; a server that is down is retried, then reported."""

from __future__ import annotations

import pytest

from alerts.channels import DeliveryFailed, SimulatedTiming
from alerts.channels.email import EmailChannel, EmailNotifier
from alerts.render import Attachment, Outgoing
from monitor.demo.sinks import SmtpSink, free_port
from monitor.errors import ConfigError


def mailer(url: str, timing: SimulatedTiming, **kw) -> EmailNotifier:
    return EmailNotifier(
        "office-mail",
        EmailChannel(kind="email", smtp=url, to=["a@example.gov.cn", "b@example.gov.cn"], **kw),
        timing,
    )


def test_mail_has_utf8_subject_plain_html_and_attachment(smtp: SmtpSink, timing) -> None:
    out = Outgoing(
        title="【每日超期汇总】2026-11-26：超期 3 条",
        markdown="",
        text="超期 3 条\n综合科 2 条",
        html="<h2>超期 3 条</h2>",
        attachments=[
            Attachment("overdue-2026-11-26.csv", "部门,标题\n综合科,供暖\n".encode("utf-8-sig"))
        ],
    )
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
            Outgoing(title="t", markdown="", text="x", html="x")
        )
    assert "无法连接 SMTP 127.0.0.1" in str(info.value) and "连接被拒绝" in str(info.value)
    assert timing.slept == 2 + 5 + 15 + 30  # backoff between the five attempts, simulated


def test_bad_smtp_url_names_the_key_in_chinese(timing) -> None:
    with pytest.raises(ConfigError) as info:
        mailer("http://office:s3cret@mail.example", timing)
    message = str(info.value)
    assert "channels.office-mail.smtp" in message and "不是 SMTP 地址" in message
    assert "smtps://用户名@主机:465" in message and "expected" not in message
    assert "s3cret" not in message  # a password written into the URL is not repeated


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[str, str]:
    """A self-signed certificate for localhost, made with the openssl tool."""
    import shutil
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("the openssl tool is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return str(cert), str(key)


def server_context(certificate: tuple[str, str]):
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


def test_starttls_then_login_with_password_from_env(certificate, timing, monkeypatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", certificate[0])  # trust the test certificate only
    monkeypatch.setenv("OM_TEST_SMTP_PASSWORD", "s3cret")
    sink = SmtpSink(starttls=server_context(certificate), users={"office": "s3cret"}).start()
    try:
        mailer(
            sink.url("office", host="localhost"), timing, password="env:OM_TEST_SMTP_PASSWORD"
        ).send(Outgoing(title="【测试】加密", markdown="", text="正文", html="<p>正文</p>"))
    finally:
        sink.stop()
    assert (
        sink.logins == ["office"] and len(sink.messages) == 1
    )  # the server requires STARTTLS first


def test_smtps_is_tls_from_the_start(certificate, timing, monkeypatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", certificate[0])
    sink = SmtpSink(implicit_tls=server_context(certificate)).start()
    try:
        mailer(sink.url("office", host="localhost"), timing).send(
            Outgoing(title="t", markdown="", text="x", html="x")
        )
    finally:
        sink.stop()
    assert len(sink.messages) == 1


def test_wrong_password_breaks_the_channel(certificate, timing, monkeypatch) -> None:
    from alerts.channels import ChannelBroken

    monkeypatch.setenv("SSL_CERT_FILE", certificate[0])
    sink = SmtpSink(starttls=server_context(certificate), users={"office": "right"}).start()
    try:
        with pytest.raises(ChannelBroken) as info:
            mailer(sink.url("office", host="localhost"), timing, password="wrong", timeout=5).send(
                Outgoing(title="t", markdown="", text="x", html="x")
            )
    finally:
        sink.stop()
    assert "SMTP 登录被拒绝" in str(info.value) and sink.messages == [] and timing.slept == 0


def test_temporary_refusal_is_retried(smtp: SmtpSink, timing) -> None:
    smtp.script(["451 4.3.0 try again later"])
    mailer(smtp.url(), timing).send(Outgoing(title="t", markdown="", text="x", html="x"))
    assert len(smtp.messages) == 1 and timing.slept == 2


def test_permanent_refusal_breaks_the_channel(smtp: SmtpSink, timing) -> None:
    from alerts.channels import ChannelBroken

    smtp.script(["554 5.7.1 message refused"])
    with pytest.raises(ChannelBroken) as info:
        mailer(smtp.url(), timing).send(Outgoing(title="t", markdown="", text="x", html="x"))
    assert "554" in str(info.value) and smtp.messages == []
