"""The daemon: its job definitions, the one-daemon lock, the heartbeat, and a real
`opinion-monitor run` process killed with SIGKILL, refused twice, stopped with SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import or_, select

from monitor.app import App, fixed_clock
from monitor.config import load_config
from monitor.daemon import DaemonAlreadyRunning, DaemonJobs, DaemonLock, build_jobs
from monitor.db.models import Alert, Meta
from monitor.demo.sinks import FakeWecom
from monitor.status import status_document
from monitor.timeutil import SHANGHAI, UTC
from monitor.triggers import WindowedIntervalTrigger, WorkdayTrigger
from tests.conftest import write_config

ROOT = Path(__file__).resolve().parent.parent


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


# ---------------------------------------------------------------------------------------
# job definitions
# ---------------------------------------------------------------------------------------

SOURCES = """
[[sources]]
name = "a"
profile = "site.toml"
section = "bxcy"
every = "10m"

[[sources]]
name = "b"
profile = "site.toml"
section = "bmxx"
every = "30m"
enabled = false
"""


def test_build_jobs_one_crawl_per_enabled_source_and_the_daily_jobs(tmp_path: Path) -> None:
    path = write_config(
        tmp_path, SOURCES + '[summary]\nat = "09:15"\n[daemon]\nsweep_every = "2m"\n'
    )
    (tmp_path / "site.toml").write_text("", encoding="utf-8")
    config = load_config(path)
    jobs = DaemonJobs(App(config, clock=fixed_clock(local("2026-09-30T16:00"))))
    start = local("2026-09-30T16:00")
    specs = {s.id: s for s in build_jobs(jobs, config, start)}
    assert set(specs) == {"sweep", "crawl:a", "dispatch", "summary", "calendar", "heartbeat"}
    assert specs["crawl:a"].executor == "crawl"
    sweep = specs["sweep"].trigger
    assert sweep.get_next_fire_time(None, start) == start  # a sweep at start-up
    assert sweep.get_next_fire_time(start, start) == start + timedelta(minutes=2)
    first_crawl = specs["crawl:a"].trigger.get_next_fire_time(None, start)
    assert start < first_crawl <= start + timedelta(seconds=5 + 10)  # staggered, jittered
    summary = specs["summary"].trigger
    assert isinstance(summary, WorkdayTrigger)
    # the summary after 2026-09-30 skips National Day: next is Thursday 10-08
    assert summary.get_next_fire_time(None, start) == local("2026-10-08T09:15")
    heartbeat = specs["heartbeat"].trigger
    assert heartbeat.get_next_fire_time(None, start) == start + timedelta(seconds=30)


def test_crawl_window_gives_a_grid_on_working_days(tmp_path: Path) -> None:
    path = write_config(
        tmp_path, SOURCES + '[daemon]\ncrawl_window = "08:00-18:00"\ncrawl_on_rest_days = false\n'
    )
    (tmp_path / "site.toml").write_text("", encoding="utf-8")
    config = load_config(path)
    jobs = DaemonJobs(App(config))
    specs = {s.id: s for s in build_jobs(jobs, config, local("2026-09-30T17:55"))}
    trigger = specs["crawl:a"].trigger
    assert isinstance(trigger, WindowedIntervalTrigger)
    first = trigger.get_next_fire_time(None, local("2026-09-30T17:55"))
    assert first == local("2026-09-30T18:00")
    assert trigger.get_next_fire_time(first, first) == local("2026-10-08T08:00")


def test_bad_crawl_window_names_the_key(tmp_path: Path) -> None:
    from monitor.errors import ConfigError

    path = write_config(tmp_path, '[daemon]\ncrawl_window = "18:00-08:00"\n')
    with pytest.raises(ConfigError, match="daemon.crawl_window"):
        load_config(path)


# ---------------------------------------------------------------------------------------
# the lock and the heartbeat
# ---------------------------------------------------------------------------------------


def test_sqlite_lock_refuses_a_second_holder_until_released(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    first, second = DaemonLock(url), DaemonLock(url)
    assert first.acquire()
    assert first.lock_path == tmp_path / "monitor.db.lock"
    assert first.lock_path.read_text().strip() == str(os.getpid())
    with pytest.raises(DaemonAlreadyRunning, match=r"monitor\.db\.lock.*进程号"):
        second.acquire()
    first.release()
    assert second.acquire()
    second.release()


def test_postgres_advisory_lock(make_pg_app: Callable[..., App]) -> None:
    app = make_pg_app()
    first, second = DaemonLock(app.config.database_url), DaemonLock(app.config.database_url)
    assert first.acquire()
    with pytest.raises(DaemonAlreadyRunning, match="--standby"):
        second.acquire()
    import threading

    stop = threading.Event()
    stop.set()  # a standby asked to stop while waiting gives up cleanly
    assert second.acquire(standby=True, stop=stop) is False
    first.release()
    assert second.acquire(standby=True)
    second.release()


def test_heartbeat_makes_status_say_running_and_a_clean_stop_clears_it(make_app) -> None:
    app = make_app(now="2026-11-26T10:00")
    jobs = DaemonJobs(app, started_at=app.now())
    lock = DaemonLock(app.config.database_url)  # what `run` holds (tests/test_dead_daemon.py)
    assert lock.acquire()
    jobs.heartbeat()
    with app.session() as session:
        doc = status_document(session, app.config, app.now())
        assert doc["daemon"] is True
        assert doc["daemon_info"]["pid"] == os.getpid()
        assert doc["daemon_info"]["heartbeat"] == "2026-11-26T10:00:00+08:00"
        # three minutes without a heartbeat: not running (crashed)
        later = app.now() + timedelta(minutes=4)
        assert status_document(session, app.config, later)["daemon"] is False
    jobs.clear_heartbeat()
    lock.release()
    with app.session() as session:
        assert session.get(Meta, "daemon.heartbeat") is None
        assert status_document(session, app.config, app.now())["daemon"] is False


# ---------------------------------------------------------------------------------------
# a real `opinion-monitor run`
# ---------------------------------------------------------------------------------------


def wait_for(condition: Callable[[], bool], what: str, limit: float = 90.0) -> None:
    """Poll until `condition` holds (a process needs real time to start; this is no timed
    assertion: the limit only turns a hang into a failure)."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.2)


def start_run(config: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPINION_MONITOR")}
    return subprocess.Popen(
        [sys.executable, "-m", "monitor", "--config", str(config), "run", "--log-file", str(log)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def declare(app: App, title: str) -> None:
    """A crisis that started six hours ago: its publish limit (5 h) is already overdue, and
    crisis alerts are sent at any hour, so the daemon alerts at once whatever the time."""
    from monitor.tracking import declare_event

    now = datetime.now(UTC)
    with app.session() as session:
        declare_event(session, title, "major", now - timedelta(hours=6), app.config, now)


def sent_subjects(app: App) -> dict[str, str]:
    """The alerts sent at any hour (crisis alerts and the summary). Ordinary alerts (say, the
    calendar_missing reminder from December on) wait for office hours, so whether they go out
    during the test depends on the wall clock: they are left out."""
    with app.session() as session:
        anytime = select(Alert).where(or_(Alert.crisis, Alert.kind == "daily_summary"))
        return {a.subject + "/" + a.stage: a.status for a in session.scalars(anytime)}


def test_kill_9_restart_sends_nothing_twice_and_loses_nothing(tmp_path: Path) -> None:
    wecom = FakeWecom().start()
    try:
        path = write_config(
            tmp_path / "cfg",
            f"""
            [channels.office]
            kind = "wecom"
            webhook = "{wecom.url("office")}"
            [routing]
            default = ["office"]
            crisis = ["office"]
            [daemon]
            sweep_every = "1m"
            dispatch_every = "1s"
            """,
        )
        app = App(load_config(path))
        app.sessions  # create the schema before the daemon starts
        declare(app, "甲事件")
        log = tmp_path / "run.log"
        first = start_run(path, log)
        try:
            wait_for(lambda: any("甲事件" in c for c in wecom.contents()), "the first alert")
            # one daemon per database: a second one refuses at once, non-zero, clear message
            second = subprocess.run(
                [sys.executable, "-m", "monitor", "--config", str(path), "run"],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert second.returncode != 0
            assert (
                "已有一个 opinion-monitor run" in second.stderr and "Traceback" not in second.stderr
            )
            with app.session() as session:
                assert status_document(session, app.config, datetime.now(UTC))["daemon"] is True
            first.send_signal(signal.SIGKILL)
            first.wait(30)
        finally:
            if first.poll() is None:
                first.kill()
        # while it is down: a new crisis, and an alert already enqueued but never sent
        declare(app, "乙事件")
        restarted = start_run(path, log)
        try:
            wait_for(
                lambda: any("乙事件" in c for c in wecom.contents()), "the alert after restart"
            )
            wait_for(
                lambda: all(s == "sent" for s in sent_subjects(app).values()), "an empty outbox"
            )
            restarted.send_signal(signal.SIGTERM)
            assert restarted.wait(60) == 0
        finally:
            if restarted.poll() is None:
                restarted.kill()
        contents = wecom.contents()
        alerts = [c for c in contents if "汇总" not in c]  # the summary lists events too
        assert sum("甲事件" in c for c in alerts) == 1  # not sent again after the crash
        assert sum("乙事件" in c for c in alerts) == 1  # not lost
        with app.session() as session:
            summaries = [
                a for a in session.scalars(select(Alert).where(Alert.kind == "daily_summary"))
            ]
            assert session.get(Meta, "daemon.heartbeat") is None  # a clean stop clears it
        # a summary missed while down is caught up once at start-up, never twice
        assert len(summaries) <= 1
        assert sum("汇总" in c for c in contents) == len(summaries)
        text = log.read_text(encoding="utf-8")
        assert text.count("daemon started") == 2 and "received SIGTERM" in text
        assert "dispatch: sent=" in text and "daemon stopped" in text
    finally:
        wecom.stop()


def test_summary_trigger_follows_an_edited_holidays_toml(tmp_path: Path) -> None:
    """The office declares 2026-11-27 a day off while the daemon runs: no summary that day."""
    from monitor.daemon import summary_trigger

    path = write_config(tmp_path, "", holidays="")
    config = load_config(path)
    trigger = summary_trigger(config)
    now = local("2026-11-26T09:00")
    assert trigger.get_next_fire_time(None, now) == local("2026-11-27T08:30")
    (tmp_path / "holidays.toml").write_text('holidays = ["2026-11-27"]\n', encoding="utf-8")
    stat = (tmp_path / "holidays.toml").stat()
    os.utime(tmp_path / "holidays.toml", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert trigger.get_next_fire_time(None, now) == local("2026-11-30T08:30")


def test_the_scheduler_of_run(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """coalesce, one instance, a real misfire grace, Asia/Shanghai on every trigger, crawls on
    their own executor; missed and failed jobs are logged with the job's name."""
    import logging

    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent

    from monitor.daemon import assemble_scheduler

    path = write_config(tmp_path, SOURCES + '[daemon]\nmisfire_grace = "2m"\n')
    (tmp_path / "site.toml").write_text("", encoding="utf-8")
    config = load_config(path)
    start = local("2026-09-30T16:00")
    specs = build_jobs(DaemonJobs(App(config, clock=fixed_clock(start))), config, start)
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = assemble_scheduler(config, specs, BackgroundScheduler)
    scheduler.start(paused=True)  # jobs get their defaults when really added; nothing runs
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
    finally:
        scheduler.shutdown(wait=False)
    assert set(jobs) == {s.id for s in specs}
    for job in jobs.values():
        assert job.coalesce is True and job.max_instances == 1 and job.misfire_grace_time == 120
        zone = getattr(job.trigger, "timezone", None)
        assert str(zone) == "Asia/Shanghai", job.id
    assert jobs["crawl:a"].executor == "crawl" and jobs["sweep"].executor == "default"
    caplog.set_level(logging.INFO, logger="monitor.daemon")
    scheduler._dispatch_event(JobExecutionEvent(EVENT_JOB_MISSED, "crawl:a", "default", start))
    scheduler._dispatch_event(
        JobExecutionEvent(
            EVENT_JOB_ERROR, "sweep", "default", start, exception=RuntimeError("database is locked")
        )
    )
    text = caplog.text
    assert "job crawl:a missed its run at 2026-09-30 16:00:00" in text
    assert "job sweep failed: RuntimeError: database is locked" in text


def test_the_first_sweep_runs_at_start_up_in_the_real_scheduler(tmp_path: Path) -> None:
    """The catch-up sweep the docs promise comes at once, not one `sweep_every` later: the
    daemon's own job list and scheduler assembly, on APScheduler's real clock and thread."""
    import threading

    from apscheduler.schedulers.background import BackgroundScheduler

    from monitor.daemon import assemble_scheduler

    path = write_config(tmp_path, '[daemon]\nsweep_every = "5m"\n')
    config = load_config(path)
    app = App(config)  # the real clock, as `run` has it
    start = app.now()  # taken before the scheduler starts, as run_daemon does
    specs = [s for s in build_jobs(DaemonJobs(app), config, start) if s.kind == "sweep"]
    swept = threading.Event()
    specs[0].func = swept.set
    scheduler = assemble_scheduler(config, specs, BackgroundScheduler)
    scheduler.start()
    try:
        # before the fix the first run was start + 5 minutes; 60 s is only a safety net
        assert swept.wait(60), "no sweep at start-up"
    finally:
        scheduler.shutdown(wait=False)


def test_postgres_second_run_waits_as_standby_and_takes_over(make_pg_app, tmp_path: Path) -> None:
    import json as _json

    app = make_pg_app()
    app.sessions  # the schema, before the daemons start
    path = app.config.path

    def heartbeat_pid() -> int | None:
        with app.session() as session:
            row = session.get(Meta, "daemon.heartbeat")
            return _json.loads(row.value)["pid"] if row is not None else None

    first = start_run(path, tmp_path / "first.log")
    standby_log = tmp_path / "standby.log"
    standby = None
    try:
        wait_for(lambda: heartbeat_pid() == first.pid, "the first daemon's heartbeat")
        refused = subprocess.run(
            [sys.executable, "-m", "monitor", "--config", str(path), "run"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert refused.returncode != 0 and "--standby" in refused.stderr
        env = {k: v for k, v in os.environ.items() if not k.startswith("OPINION_MONITOR")}
        standby = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "monitor",
                "--config",
                str(path),
                "run",
                "--standby",
                "--log-file",
                str(standby_log),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(
            lambda: standby_log.exists() and "waiting to take over" in standby_log.read_text(),
            "the standby to wait",
        )
        assert standby.poll() is None
        first.send_signal(signal.SIGTERM)
        assert first.wait(60) == 0
        wait_for(lambda: heartbeat_pid() == standby.pid, "the standby to take over")
        standby.send_signal(signal.SIGTERM)
        assert standby.wait(60) == 0
    finally:
        for process in (first, standby):
            if process is not None and process.poll() is None:
                process.kill()


def test_run_refuses_a_broken_site_profile_at_start(tmp_path: Path) -> None:
    path = write_config(tmp_path, SOURCES)
    (tmp_path / "site.toml").write_text(
        '[site]\nname = "x"\nbase_url = "http://127.0.0.1:9"\n', encoding="utf-8"
    )
    App(load_config(path)).sessions  # init made the database (else that is said first)
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(path), "run"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "site.toml" in result.stderr and "sections" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "monitor.db.lock").read_text().strip()  # released, no pid left


def test_run_refuses_a_missing_channel_secret_at_start(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        '[channels.office]\nkind = "wecom"\n'
        'webhook = "env:OM_TEST_UNSET_WEBHOOK"\n[routing]\ndefault = ["office"]\n',
    )
    env = {k: v for k, v in os.environ.items() if k != "OM_TEST_UNSET_WEBHOOK"}
    App(load_config(path)).sessions  # init made the database (else that is said first)
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(path), "run"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 2
    assert "channels.office.webhook" in result.stderr and "OM_TEST_UNSET_WEBHOOK" in result.stderr
    assert "Traceback" not in result.stderr
