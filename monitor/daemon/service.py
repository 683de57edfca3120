"""`opinion-monitor run`: logging, the scheduler, signals, start-up checks."""

from __future__ import annotations

import logging
import os
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alerts.channels import check_channel_secrets
from alerts.dispatch import channels_for
from alerts.dispatch.claims import release_dead_claims
from monitor.app import App
from monitor.daemon.jobs import (
    CRAWL_WORKERS,
    DaemonJobs,
    JobSpec,
    build_jobs,
    seconds,
    summary_trigger,
)
from monitor.daemon.lock import DaemonLock
from monitor.daemon.resilience import DatabaseGuard, StoppableTiming
from monitor.db.engine import DatabaseError, explain, is_unavailable, safe_url
from monitor.db.presence import require_database
from monitor.errors import MonitorError
from monitor.masking import mask
from monitor.redact import hide_passwords
from monitor.timeutil import SHANGHAI, format_local
from spiders.profile import load_profile

if TYPE_CHECKING:
    from monitor.config import Config

log = logging.getLogger("monitor.daemon")


class OfficeTimeFormatter(logging.Formatter):
    """Log times in the office's zone with the offset shown, like every time the CLI shows
    (a server clock in UTC would otherwise put 13:46 in the log for a 21:46 event)."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        from datetime import datetime

        moment = datetime.fromtimestamp(record.created, SHANGHAI)
        return f"{moment:%Y-%m-%d %H:%M:%S},{int(record.msecs):03d}{moment:%z}"


LOG_MODE = 0o640  # the office's admins may read the log; nobody else
STOP_GRACE = 3.0  # seconds SIGTERM waits for running jobs before leaving them behind


class SafeFormatter(OfficeTimeFormatter):
    """Every log line leaves with personal data masked (monitor.masking, the rule alerts use)
    and URL passwords / webhook keys hidden, whatever the message or traceback held."""

    def format(self, record: logging.LogRecord) -> str:
        return hide_passwords(mask(super().format(record)))


LEVEL_ZH = {"DEBUG": "调试", "INFO": "信息", "WARNING": "警告", "ERROR": "错误", "CRITICAL": "严重"}


class ConsoleFormatter(SafeFormatter):
    """The terminal's lines. A warning written for the person starting the daemon (logged
    with `extra={"zh": "…"}`: no sources, a broken channel, an unknown calendar year) shows
    in Chinese there; the log file keeps every line in English, one language to grep."""

    def format(self, record: logging.LogRecord) -> str:
        zh = getattr(record, "zh", None)
        if not zh:
            return super().format(record)
        level = LEVEL_ZH.get(record.levelname, record.levelname)
        return hide_passwords(mask(f"{self.formatTime(record)} {level}：{zh}"))


def open_log_file(path: Path) -> logging.Handler:
    """A FileHandler on `path`, created 0640 (not the umask's 0644) when new."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, LOG_MODE))
    return logging.FileHandler(path, encoding="utf-8")


def setup_logging(log_file: str | Path | None, stream: Any = None) -> None:
    """One line per event on stderr (journald picks it up; start-up warnings in Chinese)
    and optionally a file (English)."""
    line = "%(asctime)s %(levelname)s %(name)s: %(message)s"
    formatter = SafeFormatter(line)
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    for old in list(root.handlers):
        root.removeHandler(old)
    console = logging.StreamHandler(stream)
    console.setFormatter(ConsoleFormatter(line))
    root.addHandler(console)
    if log_file:
        path = Path(log_file)
        try:
            handler = open_log_file(path)
        except OSError as exc:
            raise MonitorError(f"--log-file {path}：无法写入日志文件：{exc.strerror}") from None
        handler.setFormatter(formatter)
        root.addHandler(handler)
    # APScheduler's own "Running job …" lines would double ours; keep its warnings
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)


def _listen(scheduler: Any) -> None:
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED

    def on_event(event: Any) -> None:
        if event.code == EVENT_JOB_MISSED:
            log.warning(
                "job %s missed its run at %s (later than the misfire grace time)",
                event.job_id,
                format_local(event.scheduled_run_time, seconds=True),
            )
        elif event.code == EVENT_JOB_MAX_INSTANCES:
            log.warning("job %s skipped: the previous run is still going", event.job_id)
        elif event.code == EVENT_JOB_ERROR:
            log.error(
                "job %s failed: %s: %s",
                event.job_id,
                type(event.exception).__name__,
                event.exception,
                exc_info=(type(event.exception), event.exception, event.exception.__traceback__),
            )

    scheduler.add_listener(on_event, EVENT_JOB_MISSED | EVENT_JOB_ERROR | EVENT_JOB_MAX_INSTANCES)


def assemble_scheduler(config: Config, specs: list[JobSpec], scheduler_class: Any = None) -> Any:
    """The BlockingScheduler of `run`: the office's time zone, coalesced runs, one instance
    per job, a real misfire grace time, crawls on their own executor, events logged.
    (`scheduler_class` lets a test inspect the same assembly in a BackgroundScheduler.)"""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.blocking import BlockingScheduler

    daemon = config.settings.daemon
    crawl_workers = crawl_threads(config)
    scheduler = (scheduler_class or BlockingScheduler)(
        timezone=config.zone,
        executors={"default": ThreadPoolExecutor(3), "crawl": ThreadPoolExecutor(crawl_workers)},
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": int(seconds(daemon.misfire_grace)),
        },
    )
    _listen(scheduler)
    for spec in specs:
        scheduler.add_job(spec.func, spec.trigger, id=spec.id, name=spec.id, executor=spec.executor)
    return scheduler


def run_daemon(
    config: Config,
    log_file: str | None = None,
    standby: bool = False,
    existing_database: bool = False,
) -> int:
    """Run until SIGTERM/SIGINT; returns the exit code (0 on a clean stop). With
    `existing_database` (the `run` command) a database `init` did not create is refused.

    Start-up checks what must work (the lock, the database, the profiles, the calendar) and
    fails with one line; everything slow (crawls, the first sweep and its deliveries) runs as
    a scheduled job, so neither start-up nor SIGTERM ever waits for a delivery retry."""

    setup_logging(log_file or _configured_log_file(config))
    stop = threading.Event()
    lock = DaemonLock(config.database_url)
    guard = DatabaseGuard(config.database_url)
    scheduler: Any = None
    stopper: list[threading.Thread] = []
    outcome = {"code": 0}

    def stop_scheduler() -> None:
        # shutdown() takes the scheduler's locks, which the interrupted main loop may hold:
        # call it from a thread. wait=False: running jobs are waited for below, with a limit
        if scheduler is not None and scheduler.running and not stopper:
            thread = threading.Thread(
                target=scheduler.shutdown, kwargs={"wait": False}, name="shutdown"
            )
            thread.start()
            stopper.append(thread)

    def request_stop(signum: int, _frame: Any) -> None:
        if stop.is_set():
            return
        stop.set()
        log.info(
            "received %s: finishing the current step, then stopping", signal.Signals(signum).name
        )
        stop_scheduler()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    left_running: list[str] = []
    try:
        if existing_database:
            # the first thing said, and before the lock: no lock file beside a database
            # that is not there (only `init` creates the database)
            require_database(config.database_url)
        if not lock.acquire(standby=standby, stop=stop):
            return 0
        check_profiles(config)
        if config.settings.crawl.queue == "postgres":
            from monitor.crawl_queue import queue_app

            queue_app(config)  # PostgreSQL and procrastinate, or a ConfigError now

        check_channel_secrets(config)  # a broken channel is logged; exit 2 only when none is usable
        config.calendar  # so is a broken holidays.toml
        # legitimate (crisis clocks alone need no source) but surprising: say so up front
        if not any(source.enabled for source in config.settings.sources):
            log.warning(
                "%s: no enabled [[sources]]: only declared crises are tracked "
                "(docs/deployment.md: Setting up a deployment)",
                config.path,
                extra={
                    "zh": f"{config.path}：没有启用的数据源（[[sources]]），只跟踪已登记的突发"
                    "事件（见 docs/deployment.md「Setting up a deployment」）"
                },
            )
        if not config.settings.channels:
            log.warning(
                "%s: no [channels.NAME]: alerts and the daily summary cannot be "
                "delivered (docs/deployment.md: Setting up a deployment)",
                config.path,
                extra={
                    "zh": f"{config.path}：没有配置提醒渠道（[channels.NAME]），提醒和每日"
                    "汇总无法发出（见 docs/deployment.md「Setting up a deployment」）"
                },
            )
        app = App(config)
        _stoppable_channels(app, stop)  # a malformed channel setting fails here, before any write
        jobs = DaemonJobs(app, started_at=app.now())
        try:
            app.sessions  # open and migrate now, before any job runs

            release_dead_claims(app)  # we hold the lock: a previous daemon's claims are dead
            jobs.heartbeat()
            jobs.calendar_check()
            jobs.catch_up_summary()
        except Exception as exc:
            if is_unavailable(exc):
                raise DatabaseError(explain(config.database_url, exc)) from None
            raise
        daemon = config.settings.daemon
        specs = build_jobs(jobs, config, app.now())
        for spec in specs:
            spec.func = guard.wrap(spec.id, spec.func)
            if spec.kind == "heartbeat":
                spec.func = _with_lock_check(spec.func, lock, guard, outcome, stop, stop_scheduler)
        scheduler = assemble_scheduler(config, specs)
        from apscheduler.events import EVENT_SCHEDULER_STARTED

        def started(_event: Any) -> None:
            log.info("scheduler running: %d jobs; the first sweep and dispatch run now", len(specs))
            # a signal that came after the check below but before start(): stop now
            if stop.is_set():
                stop_scheduler()

        scheduler.add_listener(started, EVENT_SCHEDULER_STARTED)
        enabled = sum(1 for s in specs if s.kind == "crawl")
        log.info(
            "daemon started: pid %d, database %s, %d sources, sweep every %s, summary %s",
            os.getpid(),
            safe_url(config.database_url),
            enabled,
            daemon.sweep_every,
            summary_trigger(config),
        )
        if stop.is_set():
            jobs_cleanup(jobs, guard)
            return 0
        # the sweep trigger fires at start-up: stages passed while down are caught up at once
        scheduler.start()  # blocks until shutdown
        for thread in stopper:
            thread.join(1.0)
        left_running = guard.wait_idle(STOP_GRACE)
        if left_running:
            log.warning(
                "stopping without waiting for %s (still running after %.0fs); what "
                "they delivered is recorded, the rest is done after the restart",
                ", ".join(left_running),
                STOP_GRACE,
            )
        jobs_cleanup(jobs, guard)
        log.info("daemon stopped")
        return outcome["code"]
    finally:
        lock.release()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if left_running:
            # a job thread blocked in a network call would hold up the interpreter's exit
            # (it joins worker threads): the state is in the database, leave now
            logging.shutdown()
            os._exit(outcome["code"])


def crawl_threads(config: Config) -> int:
    """Crawl jobs at once: enough threads to keep the worker pool's `[crawl] concurrency`
    busy (they only wait), at least CRAWL_WORKERS, at most one per source."""
    wanted = max(CRAWL_WORKERS, config.settings.crawl.concurrency)
    return max(1, min(wanted, len(config.settings.sources)))


def jobs_cleanup(jobs: DaemonJobs, guard: DatabaseGuard) -> None:
    """On a clean stop `status` should say at once that no daemon runs; the crawl workers
    stop with the daemon."""
    jobs.close_pool()
    try:
        jobs.clear_heartbeat()
    except Exception as exc:  # noqa: BLE001 - stopping must not fail on a lost database
        log.warning("cannot clear the heartbeat: %s", explain(guard.url, exc))


def _stoppable_channels(app: Any, stop: threading.Event) -> None:
    """The channels the daemon's dispatches use, on a clock whose backoff sleeps end at
    SIGTERM (cached on the app, like the demo's simulated clock)."""

    channels_for(app, StoppableTiming(stop))


def _with_lock_check(
    func: Any,
    lock: DaemonLock,
    guard: DatabaseGuard,
    outcome: dict[str, int],
    stop: threading.Event,
    stop_scheduler: Any,
) -> Any:
    """The heartbeat also checks that the daemon lock is still ours (PostgreSQL: the advisory
    lock dies with its connection when the server restarts; it is taken again if free). If a
    standby took over meanwhile this daemon stops (exit 1) instead of running twice."""

    def beat() -> None:
        def check() -> None:
            if not lock.holds():
                log.error(
                    "another daemon took the lock while the database was unreachable: "
                    "stopping this one"
                )
                outcome["code"] = 1
                stop.set()
                stop_scheduler()

        if guard.run("lock", check) and not stop.is_set():
            func()

    beat.__name__ = "heartbeat"
    return beat


def check_profiles(config: Config) -> None:
    """Every enabled source's site profile and section, read before the daemon starts: a
    broken profile is a ConfigError naming the file now, not a failed crawl every interval."""

    for source in config.settings.sources:
        if source.enabled:
            path = config.resolve(source.profile)
            profile = load_profile(path)
            if source.section not in profile.orders:  # work orders are imported, not crawled
                profile.section(source.section, path)


def _configured_log_file(config: Config) -> str | None:
    configured = config.settings.daemon.log_file
    return str(config.resolve(configured)) if configured else None
