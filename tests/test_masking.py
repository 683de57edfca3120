"""Personal data in every shape a citizen types it (full-width digits, a full-width ＠, an ID
number glued to letters) is masked in WeCom, e-mail (subject, text, HTML), the summary's CSV
and the daemon's log; URL passwords never reach a terminal or a log."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from alerts.dispatch import dispatch
from alerts.summary import build_summary
from monitor.demo.sinks import FakeWecom, SmtpSink, free_port
from monitor.masking import mask
from monitor.sweep import sweep
from tests.conftest import add_message, at, channels_toml

ROOT = Path(__file__).resolve().parent.parent

FULL_WIDTH_PHONE = "１３８１２３４５６７８"
GLUED_ID = "ID34150119900101123X"
FULL_WIDTH_AT = "zhangsan＠example.com"
SECRETS = ("12345678", "１２３４５６７８", "19900101", "zhangsan", "ｈａｎｇ")
HOSTILE = f"电话{FULL_WIDTH_PHONE}，证件{GLUED_ID}号，邮箱{FULL_WIDTH_AT}，ｌｉｓｉ＠ｅｘａｍｐｌｅ．ｃｏｍ"


def assert_masked(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, (secret, text)
    assert "12345678" not in unicodedata.normalize("NFKC", text)


def test_full_width_glued_and_full_width_at_are_masked() -> None:
    out = mask(HOSTILE)
    assert_masked(out)
    assert "138****5678" in out and "ID34**************3X号" in out and "z***@example.com" in out
    assert "l***@example.com" in out
    assert out.startswith("电话") and "，证件" in out  # text around stays as typed (full-width ，)
    assert mask(out) == out  # masking twice changes nothing
    # numbers glued to letters on both sides, a mobile with full-width dashes
    assert mask("tel１３８－１２３４－５６７８x") == "tel138****5678x"
    assert mask("编号 2026112612 的事项") == "编号 2026112612 的事项"  # 10 digits: no phone


@pytest.mark.parametrize("channel", ["office", "office-mail"])
def test_wecom_and_email_subject_text_html(
    make_app, wecom: FakeWecom, smtp: SmtpSink, timing, channel: str
) -> None:
    app = make_app(
        channels_toml(wecom, smtp, routing=f'[routing]\ndefault = ["{channel}"]\n'),
        now="2026-11-16T10:00",
    )
    add_message(app, "x1", "2026-11-16T09:00", title=HOSTILE, department="综合科")
    sweep(at(app, "2026-11-24T10:00"))
    assert dispatch(app, timing=timing).sent == 1
    if channel == "office":
        [content] = wecom.contents()
        assert_masked(content)
        return
    [mail] = smtp.messages
    assert_masked(str(mail["Subject"]))
    assert_masked(mail.get_body(("plain",)).get_content())
    assert_masked(mail.get_body(("html",)).get_content())


def test_summary_csv(make_app) -> None:
    app = make_app(now="2026-11-16T10:00")
    add_message(app, "x1", "2026-11-02T09:00", title=HOSTILE)
    sweep(at(app, "2026-11-26T09:00"))
    from datetime import date

    summary = build_summary(app, date(2026, 11, 26))
    assert summary.overdue, "the message is overdue"
    assert_masked(summary.csv())
    assert_masked(summary.text() + summary.markdown() + summary.html())


def test_daemon_log_lines_are_masked_and_hide_url_passwords() -> None:
    from monitor.daemon import setup_logging

    stream = io.StringIO()
    setup_logging(None, stream=stream)
    try:
        logging.getLogger("monitor.test").warning(
            "crawl x: title %s; db postgresql+psycopg://om:DBSECRETPW@db/om; "
            "webhook https://robot.example/send?key=WEBHOOKKEY",
            HOSTILE,
        )
    finally:
        logging.getLogger().handlers.clear()
    text = stream.getvalue()
    assert_masked(text)
    assert "DBSECRETPW" not in text and "WEBHOOKKEY" not in text and "om:***@db" in text


def run_cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPINION_MONITOR")}
    return subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(config), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_database_url_password_never_printed(tmp_path: Path) -> None:
    """A bad driver name and an unreachable server: both errors name the URL, not its password."""
    for url in (
        f"postgresql+nosuchdriver://om:DBSECRETPW@127.0.0.1:{free_port()}/om",
        f"postgresql+psycopg://om:DBSECRETPW@127.0.0.1:{free_port()}/om",
    ):
        path = tmp_path / "monitor.toml"
        path.write_text(f'[monitor]\ndatabase = "{url}"\n', encoding="utf-8")
        for command in (["status"], ["init"], ["run"]):
            result = run_cli(path, *command)
            assert result.returncode != 0, (url, command)
            assert "DBSECRETPW" not in result.stderr + result.stdout, (url, command, result.stderr)
            assert "Traceback" not in result.stderr, result.stderr
            assert "om:***@127.0.0.1" in result.stderr, result.stderr
