"""The daemon stays up and says what is wrong: real `opinion-monitor run` processes against an
unreachable PostgreSQL, a full disk (a small tmpfs), a read-only mount, an immutable database
file, an unreachable SMTP server, and a database reached through a symlink.

The tests run as root, for whom chmod does not stop a write: a full disk is a 2 MB tmpfs,
a read-only disk a read-only bind mount, a read-only file `chattr +i`. A test skips (with the
reason) only where the machine cannot mount or set attributes."""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from monitor.app import App
from monitor.config import load_config
from monitor.daemon import DaemonAlreadyRunning, DaemonJobs, DaemonLock
from monitor.db.models import Meta
from monitor.demo.sinks import free_port
from monitor.timeutil import UTC
from tests.conftest import write_config
from tests.test_daemon import declare, start_run, wait_for

ROOT = Path(__file__).resolve().parent.parent


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


def one_clear_line(result: subprocess.CompletedProcess[str], code: int, *words: str) -> None:
    assert result.returncode == code, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    for word in words:
        assert word in errors[0], errors[0]


def make_database(folder: Path) -> Path:
    path = write_config(folder)
    sessions = App(load_config(path)).sessions  # create the schema
    sessions.kw["bind"].dispose()  # closed as after `init`: SQLite removes its -wal/-shm files
    return path


@contextlib.contextmanager
def tmpfs(where: Path, size: str = "2m") -> Iterator[Path]:
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs to fill a disk here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def fill(folder: Path) -> None:
    with open(folder / "filler", "wb") as handle:
        with contextlib.suppress(OSError):
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()


@contextlib.contextmanager
def immutable(path: Path) -> Iterator[None]:
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"chattr +i is not available here: {done.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], capture_output=True)


# ---------------------------------------------------------------------------------------
# start-up: one line each, exit 5, no traceback
# ---------------------------------------------------------------------------------------


def test_unreachable_postgresql(tmp_path: Path) -> None:
    path = tmp_path / "monitor.toml"
    path.write_text(
        f'[monitor]\ndatabase = "postgresql+psycopg://om:DBSECRETPW@127.0.0.1:{free_port()}/om"\n',
        encoding="utf-8",
    )
    for command in ("run", "status"):
        result = run_cli(path, command)
        one_clear_line(result, 5, "无法连接 PostgreSQL", "127.0.0.1")
        assert "DBSECRETPW" not in result.stderr


def test_full_disk(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "disk") as disk:
        path = make_database(disk / "cfg")
        fill(disk)
        for command in ("run", "status"):
            result = run_cli(path, command)
            one_clear_line(result, 5, "磁盘已满", str(disk / "cfg"))
            assert "migrate" not in result.stderr


def test_read_only_mount(tmp_path: Path) -> None:
    path = make_database(tmp_path / "cfg")
    folder = tmp_path / "cfg"
    done = subprocess.run(
        ["mount", "--bind", "-o", "ro", str(folder), str(folder)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot make a read-only bind mount here: {done.stderr.strip()}")
    try:
        one_clear_line(run_cli(path, "run"), 5, "只读挂载", str(folder))
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def test_read_only_database_file(tmp_path: Path) -> None:
    path = make_database(tmp_path / "cfg")
    database = tmp_path / "cfg" / "monitor.db"
    with immutable(database):
        one_clear_line(run_cli(path, "run"), 5, "数据库文件只读", str(database))
    assert not (tmp_path / "cfg" / "monitor.db.lock").read_text().strip()  # lock released


# ---------------------------------------------------------------------------------------
# a running daemon: the jobs back off together, log why, and log the recovery
# ---------------------------------------------------------------------------------------


def test_jobs_back_off_while_the_disk_is_full_and_recover(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    from monitor.daemon.resilience import DatabaseGuard

    with tmpfs(tmp_path / "disk") as disk:
        path = make_database(disk / "cfg")
        app = App(load_config(path))
        jobs = DaemonJobs(app, started_at=datetime.now(UTC))
        clock = [1000.0]
        guard = DatabaseGuard(app.config.database_url, monotonic=lambda: clock[0])
        heartbeat = guard.wrap("heartbeat", jobs.heartbeat)
        caplog.set_level(logging.INFO, logger="monitor.daemon")
        heartbeat()
        assert not guard.failing
        fill(disk)
        heartbeat()  # a real write on a really full disk: logged, not raised
        assert guard.failures == 1 and "磁盘已满" in caplog.text and "retry in 5s" in caplog.text
        assert guard.run("sweep", lambda: None) is False  # every job waits out the backoff
        clock[0] += 5
        heartbeat()
        assert guard.failures == 2 and guard.delay() == 10.0  # backoff doubles
        (disk / "filler").unlink()
        clock[0] += 10
        heartbeat()
        assert not guard.failing and "database available again after 2 failures" in caplog.text
        with app.session() as session:
            assert session.get(Meta, "daemon.heartbeat") is not None
        # a bug is not a database problem: it still reaches the scheduler's error listener
        with pytest.raises(ZeroDivisionError):
            guard.run("sweep", lambda: 1 / 0)  # type: ignore[func-returns-value]


# ---------------------------------------------------------------------------------------
# delivery retries never block start-up or SIGTERM
# ---------------------------------------------------------------------------------------


def test_stoppable_timing_ends_a_backoff_at_once() -> None:
    from alerts.channels import DeliveryFailed
    from monitor.daemon.resilience import StoppableTiming

    stop = threading.Event()
    timing = StoppableTiming(stop)
    threading.Timer(0.05, stop.set).start()
    with pytest.raises(DeliveryFailed):
        timing.sleep(3600)


def test_sigterm_while_smtp_is_unreachable(tmp_path: Path) -> None:
    port = free_port()  # nothing listens: every attempt is refused, then backed off 2+5+15+30 s
    path = write_config(
        tmp_path / "cfg",
        f"""
        [channels.mail]
        kind = "email"
        smtp = "smtp://office@127.0.0.1:{port}"
        to = ["office@example.gov.cn"]
        starttls = false
        [routing]
        default = ["mail"]
        crisis = ["mail"]
        [daemon]
        dispatch_every = "1s"
        """,
    )
    app = App(load_config(path))
    app.sessions
    declare(app, "甲事件")  # a crisis alert is due at once, at any hour
    log = tmp_path / "run.log"
    process = start_run(path, log)
    try:
        wait_for(
            lambda: log.exists() and "retry in" in log.read_text(encoding="utf-8"),
            "a delivery retry",
        )
        text = log.read_text(encoding="utf-8")
        assert "scheduler running" in text  # start-up did not wait for the delivery
        process.send_signal(signal.SIGTERM)
        # a limit, not a timing: today it took the whole backoff (about 50 s)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    with app.session() as session:
        assert session.get(Meta, "daemon.heartbeat") is None
    assert "daemon stopped" in log.read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------
# one lock per database file, whatever name reaches it; private file modes
# ---------------------------------------------------------------------------------------


def test_symlinked_database_path_meets_the_same_lock(tmp_path: Path) -> None:
    real = make_database(tmp_path / "real")
    (tmp_path / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    linked = write_config(tmp_path / "other")
    linked.write_text(
        f'[monitor]\ndatabase = "sqlite:///{tmp_path / "link" / "monitor.db"}"\n', encoding="utf-8"
    )
    holder = DaemonLock(App(load_config(real)).config.database_url)
    assert holder.acquire()
    try:
        assert DaemonLock(load_config(linked).database_url).lock_path == holder.lock_path
        with pytest.raises(DaemonAlreadyRunning):
            DaemonLock(load_config(linked).database_url).acquire()
        result = run_cli(linked, "run")
        one_clear_line(result, 1, "已有一个 opinion-monitor run")
    finally:
        holder.release()


def test_database_log_and_lock_are_private(tmp_path: Path) -> None:
    os.umask(0o022)  # what a shell gives: without care files come out 0644
    path = write_config(tmp_path / "cfg")
    assert run_cli(path, "init").returncode == 0
    database = tmp_path / "cfg" / "monitor.db"
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    for extra in ("monitor.db-wal", "monitor.db-shm"):
        if (tmp_path / "cfg" / extra).exists():
            assert stat.S_IMODE((tmp_path / "cfg" / extra).stat().st_mode) & 0o077 == 0, extra
    log = tmp_path / "logs" / "run.log"
    process = start_run(path, log)
    try:
        wait_for(
            lambda: log.exists() and "scheduler running" in log.read_text(encoding="utf-8"),
            "the daemon to start",
        )
        assert stat.S_IMODE(log.stat().st_mode) == 0o640
        assert stat.S_IMODE((tmp_path / "cfg" / "monitor.db.lock").stat().st_mode) == 0o600
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_postgres_lock_lost_with_its_connection_is_taken_again_or_given_up(make_pg_app) -> None:
    """A PostgreSQL restart ends the advisory lock's session: the heartbeat's check takes the
    lock again when it is free, and says so when a standby got it first (that daemon stops)."""
    from sqlalchemy import text

    app = make_pg_app()
    url = app.config.database_url
    first = DaemonLock(url)
    assert first.acquire() and first.holds()

    def end_lock_sessions() -> None:
        with app.sessions() as session:
            session.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks "
                    "WHERE locktype = 'advisory' AND pid <> pg_backend_pid()"
                )
            )
            session.commit()

    end_lock_sessions()
    assert first.holds()  # free again: taken again
    end_lock_sessions()
    standby = DaemonLock(url)
    assert standby.acquire()  # a standby got in first
    assert first.holds() is False  # so the first must stop
    standby.release()
    first.release()
