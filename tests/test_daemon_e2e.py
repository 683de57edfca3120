"""End to end: the daemon's own jobs (build_jobs) against the sample portal, a fake WeCom
robot and a real SMTP server on loopback, stepped on a simulated clock across National Day
2026 (no sleeping: the App clock jumps to each trigger's next fire time)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from alerts.dispatch import channels_for
from monitor.app import App
from monitor.config import load_config
from monitor.daemon import DaemonJobs, build_jobs
from monitor.db.models import Alert, Message
from monitor.demo.run import DEMO_JOB_KINDS, DemoTiming, SimClock, Simulation, Step
from monitor.demo.sampleportal import SamplePortal, luan_profile_text
from monitor.demo.sinks import FakeWecom, SmtpSink
from monitor.timeutil import SHANGHAI, format_local
from tests.conftest import write_config


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


START, END = local("2026-09-29T07:00"), local("2026-10-09T12:00")


@pytest.fixture
def world(tmp_path: Path):
    portal, smtp = SamplePortal(), SmtpSink()
    clock = SimClock(START)
    timing = DemoTiming(clock)
    wecom = FakeWecom(clock=timing.monotonic)
    base = portal.start()
    wecom.start()
    smtp.start()
    (tmp_path / "site.toml").write_text(luan_profile_text(base), encoding="utf-8")
    path = write_config(
        tmp_path,
        f"""
        [[sources]]
        name = "portal-bxcy"
        profile = "site.toml"
        section = "bxcy"
        every = "1d"

        [channels.office]
        kind = "wecom"
        webhook = "{wecom.url("office")}"
        [channels.mail]
        kind = "email"
        smtp = "{smtp.url("monitor")}"
        to = ["office@example.gov.cn"]
        starttls = false

        [routing]
        default = ["office"]
        crisis = ["office"]
        [summary]
        at = "08:30"
        channels = ["mail"]
        [daemon]
        sweep_every = "30m"
        dispatch_every = "30m"
        crawl_window = "08:00-18:00"
        crawl_on_rest_days = false
        """,
    )
    app = App(load_config(path), clock=clock)
    app.sessions
    channels_for(app, timing)
    yield app, clock, portal, wecom, smtp
    for part in (portal, wecom, smtp):
        part.stop()


def test_the_daemon_jobs_across_national_day(world) -> None:
    app, clock, portal, wecom, smtp = world
    # on the portal before monitoring starts: received 09-22 → due 09-30 (5 working days)
    portal.add_message("x1", "咨询工程款拨付进度", local("2026-09-22T14:00"), department="综合科")
    declared: list[int] = []

    def declare(_demo: object) -> None:
        from monitor.tracking import declare_event

        with app.session() as session:
            event = declare_event(
                session, "网传审计数据失实", "major", local("2026-09-30T09:00"), app.config, clock()
            )
            declared.append(event.id)

    steps = [
        Step(local("2026-09-30T09:00"), declare),
        Step(
            local("2026-10-08T09:00"),
            lambda _d: portal.reply(
                "x1", local("2026-10-08T09:00"), department="综合科", text="已拨付。"
            ),
        ),
    ]
    jobs = DaemonJobs(app, started_at=START)
    specs = [s for s in build_jobs(jobs, app.config, START) if s.kind in DEMO_JOB_KINDS]
    simulation = Simulation(clock, specs, steps)
    simulation.run(START, END)

    assert simulation.failures == []
    # crawls only at 08:00 on working days: 09-29, 09-30, 10-08, 10-09
    assert simulation.runs["crawl"] == 4
    with app.session() as session:
        message = session.scalars(select(Message)).one()
        assert message.due_date.isoformat() == "2026-09-30"
        assert format_local(message.first_seen) == "2026-09-29 08:00"
        assert message.state == "replied_late"
        rows = list(session.scalars(select(Alert)))
    alerts = {(a.kind, a.stage): a for a in rows if a.subject.startswith("message:")}

    def sent(kind: str, stage: str) -> str:
        alert = alerts[(kind, stage)]
        assert alert.status == "sent", (kind, stage, alert.status, alert.last_error)
        return format_local(alert.sent_at)

    # warned (2wd was already reached when first seen; 1wd at 00:00 waits for office hours)
    assert sent("reply_at_risk", "2wd") == "2026-09-29 08:30"
    assert sent("reply_at_risk", "1wd") == "2026-09-30 08:30"
    # overdue at 24:00 on 09-30, on National Day: held until the office opens on 10-08
    assert sent("reply_overdue", "overdue") == "2026-10-08 08:30"
    # the reply (09:00 on 10-08) is seen by the next crawl; its alert waits for 08:30
    assert sent("reply_resolved", "resolved") == "2026-10-09 08:30"
    # the crisis: publish within 5 h of 09:00 → overdue at 14:00, the press conference
    # within 24 h → overdue 09:00 next day (a holiday): crisis alerts never wait
    crisis = sorted(format_local(a.sent_at) for a in rows if a.kind == "crisis_overdue")
    assert crisis == ["2026-09-30 14:00", "2026-10-01 09:00"]
    warned = sorted(a.stage for a in rows if a.kind == "crisis_at_risk")
    assert warned == ["1h", "1h", "2h", "2h", "30m", "30m"]
    crisis_messages = [c for c in wecom.contents() if "网传审计数据失实" in c]
    assert crisis_messages
    assert any("咨询工程款拨付进度" in c for c in wecom.contents())
    # the summary: once per working day, never on the holiday
    summaries = sorted(a.subject for a in rows if a.kind == "daily_summary")
    assert summaries == [
        "summary:2026-09-29",
        "summary:2026-09-30",
        "summary:2026-10-08",
        "summary:2026-10-09",
    ]
    assert simulation.runs["summary"] == 4
    assert len(smtp.messages) == 4
    assert {a.status for a in rows} == {"sent"}
