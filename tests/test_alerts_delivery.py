"""Issue 9, "every alert delivered exactly once where the channel allows it" (docs/alerts.md): per-piece
delivery records, a dead daemon's claims released, a broken channel that is not a broken
monitor, routes that deliver to every channel, per-channel fallback, channel health in
`status`, long titles cut. Loopback only: the fake WeCom robot answers with its real errcodes,
the SMTP server is aiosmtpd."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from click.testing import CliRunner

from alerts.channels import SimulatedTiming, build_channels
from alerts.dispatch import dispatch
from alerts.dispatch.claims import release_dead_claims
from monitor.cli import main
from monitor.daemon import DaemonLock
from monitor.demo.sinks import FakeWecom, SmtpSink
from monitor.sweep import sweep
from tests.conftest import add_message, at, channels_toml, outbox_rows


class Killed(BaseException):
    """Stands for kill -9: nothing after it runs (not an Exception, so no handler sees it)."""


def _sixty_overdue(app: Any) -> None:
    long = "供暖不足导致室内温度长期偏低请相关部门尽快核查处理并答复群众诉求"
    for n in range(60):
        add_message(app, f"m{n:02d}", "2026-11-16T09:00", title=f"{long}{n:02d}")
    sweep(at(app, "2026-11-24T10:00"))


def _pieces(wecom: FakeWecom, key: str = "office") -> list[str]:
    return wecom.contents(key)


def test_a_digest_whose_second_piece_fails_does_not_resend_the_first(
    make_app, wecom: FakeWecom, timing: SimulatedTiming
) -> None:
    app = make_app(channels_toml(wecom), now="2026-11-16T10:00")
    _sixty_overdue(app)
    wecom.script([0] + [500] * 5)  # piece 1 accepted, piece 2 fails through every retry
    first = dispatch(app, timing=timing)
    assert (first.sent, first.failed, first.messages_sent) == (0, 60, 1)
    assert len(_pieces(wecom)) == 1
    later = dispatch(at(app, "2026-11-24T10:05"), timing=timing)
    assert (later.sent, later.failed) == (60, 0)
    pieces = _pieces(wecom)
    assert len(pieces) == 3 and len(set(pieces)) == 3  # piece 1 once, then 2 and 3
    assert all(f"{n:02d}" in "".join(pieces) for n in range(60))
    assert {r["status"] for r in outbox_rows(app)} == {"sent"}


def test_killed_between_pieces_the_next_daemon_resumes_at_the_next_piece(
    make_app, wecom: FakeWecom, timing: SimulatedTiming
) -> None:
    app = make_app(channels_toml(wecom), now="2026-11-16T10:00")
    _sixty_overdue(app)

    def die_after_first(channel: str, index: int, total: int) -> None:
        if index == 0:
            raise Killed

    with pytest.raises(Killed):
        dispatch(app, timing=timing, after_piece=die_after_first, claimant="daemon:1@old")
    assert len(_pieces(wecom)) == 1
    # the next daemon holds the lock: a CLI cannot tell whether host "old"'s daemon is gone,
    # so the lease holds the claims; the next daemon releases them at start
    lock = DaemonLock(app.config.database_url)
    assert lock.acquire()
    try:
        assert dispatch(app, timing=timing).sent == 0
        assert release_dead_claims(app, me="daemon:2@new") == 60
        result = dispatch(app, timing=timing, claimant="daemon:2@new")
    finally:
        lock.release()
    assert result.sent == 60 and result.messages_sent == 2
    pieces = _pieces(wecom)
    assert len(pieces) == 3 and len(set(pieces)) == 3


def test_a_route_delivers_to_every_channel_it_lists(
    make_app, wecom: FakeWecom, smtp: SmtpSink, timing: SimulatedTiming
) -> None:
    routing = '[routing]\ndefault = ["office", "office-mail"]\ncrisis = ["office"]\n'
    app = make_app(channels_toml(wecom, smtp, routing=routing), now="2026-11-16T10:00")
    add_message(app, "a1", "2026-11-16T09:00", title="噪音扰民")
    sweep(at(app, "2026-11-24T10:00"))
    assert dispatch(app, timing=timing).sent == 1
    assert len(_pieces(wecom)) == 1 and len(smtp.messages) == 1  # both, not the first usable
    assert outbox_rows(app)[0]["channel"] == "office,office-mail"


def test_a_broken_channel_falls_back_once_and_is_not_doubled(
    make_app, wecom: FakeWecom, smtp: SmtpSink, timing: SimulatedTiming
) -> None:
    # office falls back to office-mail, which the route lists too: the mailbox gets it once
    routing = '[routing]\ndefault = ["office", "office-mail"]\ncrisis = ["office"]\n'
    app = make_app(
        channels_toml(wecom, smtp, routing=routing, office_key="invalid-key"),
        now="2026-11-16T10:00",
    )
    add_message(app, "a1", "2026-11-16T09:00", title="噪音扰民")
    sweep(at(app, "2026-11-24T10:00"))
    result = dispatch(app, timing=timing)
    assert (result.sent, result.failed) == (1, 0) and "93000" in result.errors[0]
    assert len(smtp.messages) == 1 and wecom.messages == []


def _space_in_webhook(wecom: FakeWecom, smtp: SmtpSink) -> str:
    bad = wecom.url("office").replace("key=office", "key=sec ret")
    return f"""
[channels.office]
kind = "wecom"
webhook = "{bad}"
fallback = "office-mail"

[channels.office-mail]
kind = "email"
smtp = "{smtp.url()}"
to = ["office@example.gov.cn"]

[routing]
default = ["office"]
crisis = ["office"]
"""


def test_a_webhook_with_a_space_breaks_that_channel_not_the_monitor(
    make_app, wecom: FakeWecom, smtp: SmtpSink, timing: SimulatedTiming, caplog
) -> None:
    from alerts.channels import usable_channels

    app = make_app(_space_in_webhook(wecom, smtp), now="2026-11-16T10:00")
    with caplog.at_level(logging.ERROR, logger="alerts.channels"):
        assert usable_channels(app.config) == ["office-mail"]  # `run` starts
    [line] = [r.getMessage() for r in caplog.records]
    assert "channels.office.webhook" in line and "sec ret" not in line and "office-mail" in line
    add_message(app, "a1", "2026-11-16T09:00", title="噪音扰民")
    sweep(at(app, "2026-11-24T10:00"))
    result = dispatch(app, timing=timing)
    assert (result.sent, result.failed) == (1, 0)
    assert (
        wecom.requests == []
        and len(smtp.messages) == 1
        and outbox_rows(app)[0]["channel"] == "office-mail"
    )

    runner = CliRunner()
    status = runner.invoke(main, ["--config", str(app.config.path), "status", "--json"])
    assert status.exit_code == 0, status.output
    channels = {c["name"]: c for c in json.loads(status.output)["channels"]}
    assert set(channels["office"]) >= {"name", "kind", "healthy", "reason"}
    assert channels["office"]["healthy"] is False and channels["office"]["kind"] == "wecom"
    assert (
        "channels.office.webhook" in channels["office"]["reason"] and "sec ret" not in status.output
    )
    assert channels["office-mail"]["healthy"] is True
    text = runner.invoke(main, ["--config", str(app.config.path), "status"]).output
    assert "不可用" in text

    test = runner.invoke(main, ["--config", str(app.config.path), "alerts", "test", "office"])
    assert test.exit_code == 2 and "Traceback" not in test.output and "sec ret" not in test.output
    assert "不可用" in test.output and len(test.output.strip().splitlines()) == 1


def test_an_unexpected_error_in_one_channel_marks_it_failing_and_moves_on(
    make_app, wecom: FakeWecom, smtp: SmtpSink, timing: SimulatedTiming
) -> None:
    app = make_app(channels_toml(wecom, smtp), now="2026-11-16T10:00")
    add_message(app, "a1", "2026-11-16T09:00", title="噪音扰民")
    sweep(at(app, "2026-11-24T10:00"))
    channels = build_channels(app.config, timing)

    def surprise(piece: object) -> None:
        raise RuntimeError("a bug in the channel")

    channels["office"]._send_piece = surprise  # type: ignore[method-assign]
    result = dispatch(app, timing=timing, channels=channels)
    assert (result.sent, result.failed) == (1, 0) and "RuntimeError" in result.errors[0]
    assert len(smtp.messages) == 1
    status = CliRunner().invoke(
        main,
        ["--config", str(app.config.path), "--json"]
        if False
        else ["--config", str(app.config.path), "status", "--json"],
    )
    office = next(c for c in json.loads(status.output)["channels"] if c["name"] == "office")
    assert (
        office["healthy"] is False
        and office["state"] == "failing"
        and "RuntimeError" in office["reason"]
    )
    # the next good delivery makes it ok again
    add_message(app, "a2", "2026-11-16T09:00")
    sweep(at(app, "2026-11-24T10:30"))
    assert dispatch(app, timing=timing).sent == 1
    status = CliRunner().invoke(main, ["--config", str(app.config.path), "status", "--json"])
    office = next(c for c in json.loads(status.output)["channels"] if c["name"] == "office")
    assert office["healthy"] is True


def test_a_fallback_must_name_another_channel(make_app) -> None:
    from monitor.errors import ConfigError

    with pytest.raises(ConfigError, match=r"channels\.office\.fallback = 'nowhere'"):
        make_app(
            '[channels.office]\nkind = "wecom"\nwebhook = "http://127.0.0.1:9/x"\nfallback = "nowhere"\n'
        )


def test_a_channel_section_its_type_refuses_is_broken_when_built(make_app) -> None:
    """Without the CLI's start-up check the core keeps [channels.NAME] as written; the channel
    type reads it when the channel is built: that channel is broken (naming the key), the
    others work, and load_config with the types' check refuses the file as the CLI does."""
    from alerts.channels import build_channels
    from alerts.channels.registry import config_problems
    from monitor.config import load_config
    from monitor.errors import ConfigError

    app = make_app(
        '[channels.mail]\nkind = "email"\nto = "a@b.c"\n'
        '[channels.office]\nkind = "wecom"\nwebhook = "http://127.0.0.1:9/x"\n'
    )
    channels = build_channels(app.config)
    assert channels["mail"].broken == (
        "channels.mail 配置错误：缺少必填的键 'channels.mail.smtp'；"
        "键 'channels.mail.to' = 'a@b.c'：应为列表 [...]"
    )
    assert channels["office"].broken is None
    with pytest.raises(ConfigError, match=r"缺少必填的键 'channels\.mail\.smtp'"):
        load_config(app.config.path, checks=[config_problems])


def test_a_very_long_title_is_cut_in_alerts_subjects_and_the_summary(
    make_app, wecom: FakeWecom, smtp: SmtpSink, timing: SimulatedTiming
) -> None:
    from datetime import date

    from alerts.summary import build_summary

    routing = '[routing]\ndefault = ["office", "office-mail"]\ncrisis = ["office"]\n'
    app = make_app(channels_toml(wecom, smtp, routing=routing), now="2026-11-16T10:00")
    add_message(app, "a1", "2026-11-16T09:00", title="长" * 10_000)
    sweep(at(app, "2026-11-24T10:00"))
    assert dispatch(app, timing=timing).sent == 1
    assert len(wecom.messages) == 1 and "…" in _pieces(wecom)[0]
    subject = str(smtp.messages[0]["Subject"])
    assert len(subject) <= 60 and subject.endswith("…")
    summary = build_summary(app, date(2026, 11, 24))
    # the row keeps the title whole; every form cuts it where it masks it (100 characters)
    assert len(summary.markdown()) < 1000 and len(summary.html()) < 3000
    assert "长" * 100 not in summary.markdown() + summary.html() + summary.csv()
    assert len(summary.text()) < 1000 and len(summary.as_dict()["text"]) < 1000
