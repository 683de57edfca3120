"""Issue 23 item 9: a daemon killed with -9 is seen to be gone at once.

Its claims (a 10-minute lease) used to block a manual `dispatch`, and `status` / /healthz
said 守护进程：运行中 for three minutes on its last heartbeat. Now the lock (a file lock on
SQLite, an advisory lock on PostgreSQL, both dropped by the OS with their holder) and the
pid of a claimant on this host decide (monitor/db/liveness.py). Real `opinion-monitor run`
processes are killed with SIGKILL while they hold claims: a robot answering HTTP 500 keeps
their dispatch retrying, with its alerts claimed."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from alerts.channels import SimulatedTiming
from alerts.dispatch import dispatch
from alerts.dispatch.claims import LEASE, release_dead_claims
from monitor.app import App
from monitor.config import load_config
from monitor.daemon import DaemonAlreadyRunning, DaemonLock
from monitor.db.liveness import daemon_lock_held, file_lock_held, named_process_alive
from monitor.db.models import Alert
from monitor.demo.sinks import FakeWecom
from monitor.timeutil import UTC
from tests.conftest import add_message, at, channels_toml, write_config
from tests.test_daemon import declare, start_run, wait_for
from tests.web_helpers import web_for

ROOT = Path(__file__).resolve().parent.parent

DAEMON = """
[channels.office]
kind = "wecom"
webhook = "{url}"
[routing]
default = ["office"]
crisis = ["office"]
[daemon]
sweep_every = "1m"
dispatch_every = "1s"
"""


def cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPINION_MONITOR")}
    return subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(config), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def crisis_messages(wecom: FakeWecom) -> list[str]:
    """What the robot got, less the day's summary (which names open crises too)."""
    return [c for c in wecom.contents("office") if "每日超期汇总" not in c]


def claims(app: App) -> list[tuple[str | None, datetime | None, str]]:
    with app.session() as session:
        return [
            (a.claimed_by, a.next_attempt_at, a.status)
            for a in session.scalars(select(Alert).where(Alert.crisis))
        ]


def killed_while_claiming(app: App, config: Path, wecom: FakeWecom, log: Path) -> int:
    """Start a daemon, let it claim the crisis alerts and retry them against a failing robot,
    check that it counts as running and that a manual dispatch leaves its claims alone, then
    SIGKILL it. Returns its pid."""
    wecom.fail_with(500)  # its dispatch retries with backoff, holding its claims
    daemon = start_run(config, log)
    try:
        wait_for(lambda: len(wecom.requests) >= 1, "the daemon's first try")
        assert json.loads(cli(config, "status", "--json").stdout)["daemon"] is True
        # alive: its claims are its own, a manual dispatch does not take them
        during = json.loads(cli(config, "dispatch", "--json").stdout)
        assert during["sent"] == 0
        [(claimant, lease_end, status)] = claims(app)
        assert claimant == f"daemon:{daemon.pid}@{os.uname().nodename}" and status == "pending"
        daemon.send_signal(signal.SIGKILL)
        daemon.wait(30)
    finally:
        if daemon.poll() is None:
            daemon.kill()
    # the lease it left would hold the alert for ten minutes more
    assert lease_end is not None and lease_end > datetime.now(UTC) + LEASE / 2
    return daemon.pid


def test_killed_daemon_sqlite_status_healthz_and_manual_dispatch(tmp_path: Path) -> None:
    wecom = FakeWecom().start()
    try:
        config = write_config(tmp_path / "cfg", DAEMON.format(url=wecom.url("office")))
        app = App(load_config(config))
        app.sessions
        declare(app, "甲事件")
        pid = killed_while_claiming(app, config, wecom, tmp_path / "run.log")
        # the heartbeat is seconds old, the daemon gone: status and /healthz say so at once
        status = cli(config, "status")
        assert f"守护进程：未运行（未正常停止：进程 {pid}" in status.stdout, status.stdout
        assert json.loads(cli(config, "status", "--json").stdout)["daemon"] is False
        health = web_for(app).test_client().get("/healthz").get_json()
        assert health == {"ok": True, "db": "ok", "daemon": False}
        # a manual dispatch delivers at once: the dead daemon's claims are released
        wecom.fail_with(None)
        result = cli(config, "dispatch", "--json")
        # >= 1: the daemon ran on the real clock, so it may also have queued the day's summary
        # (after 08:30) or a calendar reminder (in December); the crisis alert is checked below
        assert json.loads(result.stdout)["sent"] >= 1, result.stderr
        assert sum("甲事件" in c for c in crisis_messages(wecom)) == 1
        assert [(c, s) for c, _, s in claims(app)] == [(None, "sent")]
    finally:
        wecom.stop()


def test_killed_daemon_postgresql_advisory_lock_and_claims(make_pg_app, tmp_path: Path) -> None:
    wecom = FakeWecom().start()
    try:
        app = make_pg_app(DAEMON.format(url=wecom.url("office")))
        app.sessions
        config = app.config.path
        declare(app, "乙事件")
        with app.session() as session:
            assert daemon_lock_held(session) is False
        log = tmp_path / "run.log"
        wecom.fail_with(500)
        daemon = start_run(config, log)
        try:
            wait_for(lambda: len(wecom.requests) >= 1, "the daemon's first try")
            with app.session() as session:
                assert daemon_lock_held(session) is True  # read from pg_locks, not taken
            daemon.send_signal(signal.SIGKILL)
            daemon.wait(30)
        finally:
            if daemon.poll() is None:
                daemon.kill()

        def lock_gone() -> bool:
            with app.session() as session:
                return daemon_lock_held(session) is False

        # the server ends the dead client's session (and its lock) when it sees the socket close
        wait_for(lock_gone, "the advisory lock to go with its session")
        assert json.loads(cli(config, "status", "--json").stdout)["daemon"] is False
        wecom.fail_with(None)
        assert json.loads(cli(config, "dispatch", "--json").stdout)["sent"] >= 1  # as above
        assert sum("乙事件" in c for c in crisis_messages(wecom)) == 1
        assert [(c, s) for c, _, s in claims(app)] == [(None, "sent")]
    finally:
        wecom.stop()


class Killed(BaseException):  # not an Exception: the dispatcher must not catch it
    pass


def _die_after_first(channel: str, index: int, total: int) -> None:
    raise Killed


def _claimed_by(app: App, claimant: str, wecom: FakeWecom, timing: SimulatedTiming) -> None:
    """A dispatch as `claimant` that dies after its first piece, leaving its claims."""
    for n in range(3):
        add_message(app, f"m{n}", "2026-11-16T09:00", title=f"留言{n}")
    from monitor.sweep import sweep

    sweep(at(app, "2026-11-24T10:00"))
    with pytest.raises(Killed):
        dispatch(app, timing=timing, after_piece=_die_after_first, claimant=claimant)
    assert len(wecom.messages) == 1


@pytest.mark.parametrize(
    ("claimant", "lock_held", "released"),
    [
        ("cli:{dead}@{here}", False, True),  # a dead pid on this host
        ("daemon:{dead}@{here}", False, True),  # a daemon, and nobody holds the lock
        ("daemon:1@elsewhere", False, True),  # the same from another host
        ("daemon:1@elsewhere", True, False),  # the lock's holder may be that daemon
        # a daemon holds the lock: the lock decides for daemons (a pid seen from here may be
        # another pid space's); the holder released a dead predecessor's claims at its start
        ("daemon:{dead}@{here}", True, False),
        ("cli:1@elsewhere", False, False),  # another host's CLI: nothing tells, the lease holds
        ("cli:{alive}@{here}", False, False),  # alive here: its claims are its own
    ],
)
def test_whose_claims_a_dispatch_releases(
    make_app, wecom: FakeWecom, timing: SimulatedTiming, claimant: str, lock_held: bool, released
) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # reaped: its pid names no process
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        name = claimant.format(dead=dead.pid, alive=sleeper.pid, here=os.uname().nodename)
        app = make_app(channels_toml(wecom), now="2026-11-16T10:00")
        _claimed_by(app, name, wecom, timing)
        lock = DaemonLock(app.config.database_url)
        if lock_held:
            assert lock.acquire()
        try:
            result = dispatch(app, timing=timing, claimant="cli:2@here-too")
        finally:
            lock.release()
        assert (result.sent == 3) is released, result
        assert len(wecom.messages) == 1  # what was delivered is recorded, never resent
    finally:
        sleeper.kill()
        sleeper.wait()


def test_the_next_daemon_still_releases_at_start(make_app, wecom: FakeWecom, timing) -> None:
    app = make_app(channels_toml(wecom), now="2026-11-16T10:00")
    _claimed_by(app, "daemon:1@elsewhere", wecom, timing)
    assert release_dead_claims(app, me="daemon:2@new") == 3


def test_liveness_of_a_process_name() -> None:
    here = os.uname().nodename
    assert named_process_alive(f"cli:{os.getpid()}@{here}") is True
    assert named_process_alive(f"{os.getpid()}@{here}") is True
    assert named_process_alive("daemon:1@another-host") is None  # only the lock can tell
    assert named_process_alive("not a claimant") is None
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])
    wait_for(lambda: _state(zombie.pid) == "Z", "the child to exit")
    assert named_process_alive(f"daemon:{zombie.pid}@{here}") is False  # killed, not reaped
    zombie.wait()
    assert named_process_alive(f"daemon:{zombie.pid}@{here}") is False


def _state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]


def test_a_status_probe_never_makes_a_starting_daemon_refuse(tmp_path: Path) -> None:
    """`status` probes the lock file with a shared flock for an instant; a daemon starting in
    that instant waits it out instead of saying another daemon runs."""
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    lock = DaemonLock(url)
    path = lock.lock_path
    assert path is not None and file_lock_held(path) is False  # no file yet: never ran
    path.write_text("")
    probe = os.open(path, os.O_RDONLY)
    fcntl.flock(probe, fcntl.LOCK_SH)  # a probe, caught in the act
    threading.Timer(0.3, lambda: os.close(probe)).start()
    assert lock.acquire()  # not DaemonAlreadyRunning
    try:
        assert file_lock_held(path) is True
        with pytest.raises(DaemonAlreadyRunning):
            DaemonLock(url).acquire()  # a real holder is still refused
    finally:
        lock.release()
    assert file_lock_held(path) is False


def test_status_of_a_clean_stop_and_of_a_heartbeat_without_a_lock(make_app) -> None:
    from monitor.daemon import DaemonJobs
    from monitor.status import status_document

    app = make_app(now="2026-11-26T10:00")
    jobs = DaemonJobs(app, started_at=app.now())
    jobs.heartbeat()  # a fresh heartbeat, but no process holds the lock
    with app.session() as session:
        assert status_document(session, app.config, app.now())["daemon"] is False
    lock = DaemonLock(app.config.database_url)
    assert lock.acquire()
    try:
        with app.session() as session:
            assert status_document(session, app.config, app.now())["daemon"] is True
            later = app.now() + timedelta(minutes=4)  # a hung daemon: no fresh heartbeat
            assert status_document(session, app.config, later)["daemon"] is False
    finally:
        lock.release()
