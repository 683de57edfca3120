"""`opinion-monitor run`: logging, the scheduler, signals, start-up checks."""

from __future__ import annotations

import logging
import os
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any


from monitor.errors import MonitorError
from monitor.timeutil import format_local

if TYPE_CHECKING:
    from monitor.config import Config


from monitor.daemon.jobs import CRAWL_WORKERS, DaemonJobs, JobSpec, build_jobs, seconds, summary_trigger
from monitor.daemon.lock import DaemonLock

log = logging.getLogger("monitor.daemon")




class OfficeTimeFormatter(logging.Formatter):
    """Log times in the office's zone with the offset shown, like every time the CLI shows
    (a server clock in UTC would otherwise put 13:46 in the log for a 21:46 event)."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        from datetime import datetime

        from monitor.timeutil import SHANGHAI

        moment = datetime.fromtimestamp(record.created, SHANGHAI)
        return f"{moment:%Y-%m-%d %H:%M:%S},{int(record.msecs):03d}{moment:%z}"


def setup_logging(log_file: str | Path | None, stream: Any = None) -> None:
    """One English line per event on stderr (journald picks it up) and optionally a file."""
    formatter = OfficeTimeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    for handler in list(root.handlers):
        root.removeHandler(handler)
    console = logging.StreamHandler(stream)
    console.setFormatter(formatter)
    root.addHandler(console)
    if log_file:
        path = Path(log_file)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handler: logging.Handler = logging.FileHandler(path, encoding="utf-8")
        except OSError as exc:
            raise MonitorError(f"--log-file {path}：无法写入：{exc.strerror}") from None
        handler.setFormatter(formatter)
        root.addHandler(handler)
    # APScheduler's own "Running job …" lines would double ours; keep its warnings
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)


def _listen(scheduler: Any) -> None:
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED

    def on_event(event: Any) -> None:
        if event.code == EVENT_JOB_MISSED:
            log.warning("job %s missed its run at %s (later than the misfire grace time)",
                        event.job_id, format_local(event.scheduled_run_time, seconds=True))
        elif event.code == EVENT_JOB_MAX_INSTANCES:
            log.warning("job %s skipped: the previous run is still going", event.job_id)
        elif event.code == EVENT_JOB_ERROR:
            log.error("job %s failed: %s: %s", event.job_id, type(event.exception).__name__,
                      event.exception, exc_info=(type(event.exception), event.exception,
                                                 event.exception.__traceback__))

    scheduler.add_listener(on_event, EVENT_JOB_MISSED | EVENT_JOB_ERROR | EVENT_JOB_MAX_INSTANCES)


def assemble_scheduler(config: Config, specs: list[JobSpec], scheduler_class: Any = None) -> Any:
    """The BlockingScheduler of `run`: the office's time zone, coalesced runs, one instance
    per job, a real misfire grace time, crawls on their own executor, events logged.
    (`scheduler_class` lets a test inspect the same assembly in a BackgroundScheduler.)"""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.blocking import BlockingScheduler

    daemon = config.settings.daemon
    crawl_workers = max(1, min(CRAWL_WORKERS, len(config.settings.sources)))
    scheduler = (scheduler_class or BlockingScheduler)(
        timezone=config.zone,
        executors={"default": ThreadPoolExecutor(3), "crawl": ThreadPoolExecutor(crawl_workers)},
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": int(seconds(daemon.misfire_grace))},
    )
    _listen(scheduler)
    for spec in specs:
        scheduler.add_job(spec.func, spec.trigger, id=spec.id, name=spec.id, executor=spec.executor)
    return scheduler


def run_daemon(config: Config, log_file: str | None = None, standby: bool = False,
               existing_database: bool = False) -> int:
    """Run until SIGTERM/SIGINT; returns the exit code (0 on a clean stop). With
    `existing_database` (the `run` command) a database `init` did not create is refused."""
    from monitor.app import App

    setup_logging(log_file or _configured_log_file(config))
    stop = threading.Event()
    lock = DaemonLock(config.database_url)
    stopper: list[threading.Thread] = []
    scheduler: Any = None

    def request_stop(signum: int, _frame: Any) -> None:
        if stop.is_set():
            return
        stop.set()
        log.info("received %s: finishing the current step, then stopping",
                 signal.Signals(signum).name)
        if scheduler is not None and scheduler.running:
            # shutdown() takes the scheduler's locks, which the interrupted main loop may
            # hold: call it from a thread; it waits for running jobs to finish
            thread = threading.Thread(target=scheduler.shutdown, kwargs={"wait": True},
                                      name="shutdown")
            thread.start()
            stopper.append(thread)

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        if not lock.acquire(standby=standby, stop=stop):
            return 0
        check_profiles(config)
        from alerts.channels import check_channel_secrets

        check_channel_secrets(config)  # a broken channel is logged; exit 2 only when none is usable
        config.calendar  # so is a broken holidays.toml
        if existing_database:
            from monitor.db.presence import require_database

            require_database(config.database_url)  # only `init` creates the database
        # legitimate (crisis clocks alone need no source) but surprising: say so up front
        if not any(source.enabled for source in config.settings.sources):
            log.warning("%s: no enabled [[sources]]: only declared crises are tracked "
                        "(README: Setting up a deployment)", config.path)
        if not config.settings.channels:
            log.warning("%s: no [channels.NAME]: alerts and the daily summary cannot be "
                        "delivered (README: Setting up a deployment)", config.path)
        app = App(config)
        app.sessions  # open and migrate now, before any job runs
        from alerts.dispatcher import release_dead_claims

        release_dead_claims(app)  # we hold the lock: a previous daemon's claims are dead
        jobs = DaemonJobs(app, started_at=app.now())
        daemon = config.settings.daemon
        specs = build_jobs(jobs, config, app.now())
        scheduler = assemble_scheduler(config, specs)
        from apscheduler.events import EVENT_SCHEDULER_STARTED

        def started(_event: Any) -> None:
            # a signal that came after the check below but before start(): stop now
            if stop.is_set() and not stopper:
                thread = threading.Thread(target=scheduler.shutdown, kwargs={"wait": True})
                thread.start()
                stopper.append(thread)

        scheduler.add_listener(started, EVENT_SCHEDULER_STARTED)
        enabled = sum(1 for s in specs if s.kind == "crawl")
        log.info("daemon started: pid %d, database %s, %d sources, sweep every %s, summary %s",
                 os.getpid(), _safe_url(config.database_url), enabled, daemon.sweep_every,
                 summary_trigger(config))
        jobs.heartbeat()
        jobs.calendar_check()
        jobs.catch_up_summary()
        jobs.sweep()  # catch up at once on stages passed while down, and send what waits
        if stop.is_set():
            return 0
        scheduler.start()  # blocks until shutdown
        for thread in stopper:
            thread.join()
        jobs.clear_heartbeat()
        log.info("daemon stopped")
        return 0
    finally:
        lock.release()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def check_profiles(config: Config) -> None:
    """Every enabled source's site profile and section, read before the daemon starts: a
    broken profile is a ConfigError naming the file now, not a failed crawl every interval."""
    from spiders.profile import load_profile

    for source in config.settings.sources:
        if source.enabled:
            path = config.resolve(source.profile)
            load_profile(path).section(source.section, path)


def _configured_log_file(config: Config) -> str | None:
    configured = config.settings.daemon.log_file
    return str(config.resolve(configured)) if configured else None


def _safe_url(url: str) -> str:
    """The database URL without its password, for the log."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url
