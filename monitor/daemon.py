"""The daemon (`opinion-monitor run`): one APScheduler 3 BlockingScheduler driving the jobs.

Jobs (all triggers carry the office's time zone):
- one crawl per enabled source, every `every` with a little jitter (the crawl itself runs in
  a child process, see monitor.crawl.run_crawl, with a time-out below the interval);
- a deadline sweep every `[daemon] sweep_every`, followed by a dispatch;
- a dispatch every `[daemon] dispatch_every` while alerts are due (a cheap check otherwise);
- the daily summary at `[summary] at` on working days (monitor.triggers.WorkdayTrigger);
- a daily calendar-coverage check and a heartbeat (Meta "daemon.heartbeat") every 30 s.

Everything the daemon promises lives in the database (the outbox, the stages fired), so a
restart after `kill -9` sends nothing twice and loses nothing; the jobs below are idempotent
and the start-up runs a sweep, a dispatch and a missed summary at once.

The same job definitions (`build_jobs`) are driven on a simulated clock by `monitor.demo`."""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import socket
import threading
import time
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Callable

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from monitor.errors import MonitorError
from monitor.timeutil import format_local, iso, local_date, parse_clock, parse_duration
from monitor.triggers import SweepTrigger, WindowedIntervalTrigger, WorkdayTrigger

if TYPE_CHECKING:
    from monitor.app import App
    from monitor.config import Config

log = logging.getLogger("monitor.daemon")

HEARTBEAT_KEY = "daemon.heartbeat"
HEARTBEAT_EVERY = timedelta(seconds=30)
CALENDAR_CHECK_AT = (8, 0)          # local time of the daily calendar-coverage check
CRAWL_WORKERS = 4                   # crawl children at once (each is a separate process)
STANDBY_POLL = 5.0                  # seconds between lock attempts of a standby daemon


_NOTABLE = re.compile(r"\b(WARNING|ERROR|CRITICAL)\b|Traceback|Error:")


class DaemonAlreadyRunning(MonitorError):
    exit_code = 1


def seconds(text: str) -> float:
    return parse_duration(text).as_timedelta().total_seconds()


# ---------------------------------------------------------------------------------------
# One daemon per database
# ---------------------------------------------------------------------------------------

class DaemonLock:
    """SQLite: an exclusive fcntl lock on `<database>.lock` (released by the OS when the
    process dies, so a crash never leaves a stale lock). PostgreSQL: a session advisory
    lock held on a dedicated connection."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self._file: IO[str] | None = None
        self._connection: Any = None
        self._engine: Any = None

    @property
    def is_postgres(self) -> bool:
        return self.url.startswith("postgresql")

    @property
    def lock_path(self) -> Path | None:
        if not self.url.startswith("sqlite"):
            return None
        path = self.url.split("///", 1)[-1]
        if not path or ":memory:" in path:
            return None
        return Path(path + ".lock")

    def acquire(self, standby: bool = False, stop: threading.Event | None = None) -> bool:
        """Take the lock. Raises DaemonAlreadyRunning when another daemon holds it (or, with
        `standby` on PostgreSQL, waits for it; returns False if `stop` is set meanwhile)."""
        if self.is_postgres:
            return self._acquire_postgres(standby, stop)
        path = self.lock_path
        if path is None:
            return True
        import fcntl

        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise DaemonAlreadyRunning(
                f"another `opinion-monitor run` is already running on this database "
                f"(lock {path} held by pid {holder}); one daemon per database — stop it first"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle
        return True

    def _acquire_postgres(self, standby: bool, stop: threading.Event | None) -> bool:
        from sqlalchemy import text

        from monitor.db.engine import make_engine

        key = zlib.crc32(b"opinion-monitor daemon")
        self._engine = make_engine(self.url)
        self._connection = self._engine.connect()
        announced = False
        while True:
            got = self._connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
            self._connection.commit()
            if got:
                if announced:
                    log.info("standby: the lock is free; taking over as the active daemon")
                return True
            if not standby:
                self.release()
                raise DaemonAlreadyRunning(
                    "another `opinion-monitor run` holds this PostgreSQL database's daemon lock "
                    "(pg advisory lock); one daemon per database — stop it first, or start this "
                    "one with --standby to wait and take over")
            if not announced:
                log.info("standby: another daemon holds the lock; waiting to take over")
                announced = True
            if stop is not None and stop.wait(STANDBY_POLL):
                self.release()
                return False
            if stop is None:
                time.sleep(STANDBY_POLL)

    def release(self) -> None:
        if self._file is not None:
            import fcntl

            try:
                self._file.seek(0)
                self._file.truncate()
                fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            finally:
                self._file.close()
                self._file = None
        if self._connection is not None:
            try:
                self._connection.close()  # ends the session: the advisory lock goes with it
            finally:
                self._connection = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


# ---------------------------------------------------------------------------------------
# The jobs
# ---------------------------------------------------------------------------------------

@dataclass
class DaemonJobs:
    """The job bodies. Each reads the time from the app's clock (real in `run`, simulated in
    the demo), logs one English line with counts, and is safe to repeat after a crash.

    `on_crawl`, `on_sweep`, `on_dispatch` and `on_summary` let the demo watch what happens."""

    app: App
    on_crawl: Callable[[Any], None] | None = None
    on_sweep: Callable[[Any], None] | None = None
    on_dispatch: Callable[[Any], None] | None = None
    on_summary: Callable[[Any, bool], None] | None = None
    started_at: datetime | None = None
    _sweep_lock: threading.Lock = field(default_factory=threading.Lock)
    _dispatch_lock: threading.Lock = field(default_factory=threading.Lock)

    # -- crawl ----------------------------------------------------------------------------
    def crawl(self, name: str) -> None:
        from monitor.crawl import run_crawl

        begun = time.monotonic()
        results = run_crawl(self.app, [name], now=self.app.now())
        elapsed = time.monotonic() - begun
        changed = 0
        for result in results:
            if result.ok:
                log.info("crawl %s: ok, %d new, %d updated, %d requests in %.1fs",
                         result.source, result.new, result.updated, result.requests, elapsed)
            else:
                log.warning("crawl %s: FAILED after %.1fs: %s", result.source, elapsed, result.error)
                # the child's own log of a failed run is kept in crawl_runs.stats.log_tail;
                # its warnings and errors go to the daemon's log too (Scrapy's stats dump not)
                tail = str((result.stats or {}).get("log_tail") or "").splitlines()
                notable = [line for line in tail
                           if _NOTABLE.search(line) and not line.lstrip().startswith("'")][-10:]
                for line in notable:
                    log.warning("crawl %s |   %s", result.source, line.strip()[:300])
            changed += (result.new or 0) + (result.updated or 0)
            if self.on_crawl is not None:
                self.on_crawl(result)
        # a new or changed message may already be due (found late, or replied): sweep and
        # dispatch now instead of waiting for the next minute
        if changed:
            self.sweep()

    # -- sweep and dispatch ---------------------------------------------------------------
    def sweep(self) -> None:
        from monitor.sweep import sweep

        with self._sweep_lock:
            begun = time.monotonic()
            result = sweep(self.app, self.app.now())
            elapsed = (time.monotonic() - begun) * 1000
            counts = " ".join(f"{k}={v}" for k, v in result.counts.items() if v)
            log.info("sweep: %d state changes, %d alerts enqueued in %.0f ms%s",
                     result.counts.get("states", 0), result.alerts, elapsed,
                     f" ({counts})" if counts else "")
            if self.on_sweep is not None:
                self.on_sweep(result)
        self.dispatch()

    def next_stage_at(self, after: datetime) -> datetime | None:
        """The earliest deadline stage not yet fired, strictly after `after` (one indexed
        MIN on (fired, at)): the sweep trigger wakes up exactly then."""
        from sqlalchemy import false, func, select

        from monitor.db.models import DeadlineStage

        with self.app.session() as session:
            return session.scalar(select(func.min(DeadlineStage.at)).where(
                DeadlineStage.fired == false(), DeadlineStage.at > after))

    def alerts_due(self) -> int:
        """Pending alerts whose attempt time has come (cheap: one indexed count)."""
        from sqlalchemy import func, or_, select

        from monitor.db.models import Alert

        now = self.app.now()
        with self.app.session() as session:
            return session.scalar(
                select(func.count()).select_from(Alert).where(
                    Alert.status == "pending",
                    or_(Alert.next_attempt_at.is_(None), Alert.next_attempt_at <= now))) or 0

    def dispatch(self, only_if_due: bool = False) -> None:
        if only_if_due and not self.alerts_due():
            return
        from alerts.dispatcher import dispatch

        with self._dispatch_lock:
            begun = time.monotonic()
            result = dispatch(self.app, now=self.app.now())
            elapsed = (time.monotonic() - begun) * 1000
            doc = result.as_dict() if hasattr(result, "as_dict") else dict(vars(result))
            numbers = {k: v for k, v in doc.items() if isinstance(v, int) and not isinstance(v, bool)}
            # a dispatch that found nothing due says so only at debug level: after every
            # sweep that is the common case and would double the log
            log.log(logging.INFO if any(numbers.values()) else logging.DEBUG,
                    "dispatch: %s in %.0f ms",
                    ", ".join(f"{k}={v}" for k, v in numbers.items()) or "nothing due", elapsed)
            if self.on_dispatch is not None:
                self.on_dispatch(result)

    def dispatch_poll(self) -> None:
        self.dispatch(only_if_due=True)

    # -- daily jobs -----------------------------------------------------------------------
    def summary(self) -> None:
        from alerts.summary import enqueue_summary

        day = local_date(self.app.now(), self.app.config.zone)
        queued = enqueue_summary(self.app, day)
        log.info("summary %s: %s", day.isoformat(), "enqueued" if queued else "already enqueued")
        if self.on_summary is not None:
            self.on_summary(day, queued)
        self.dispatch()

    def catch_up_summary(self) -> None:
        """At start-up: today's summary, if today is a working day and its time has passed
        (the daemon was down at that moment). enqueue_summary is idempotent."""
        settings = self.app.config.settings
        now = self.app.now()
        trigger = summary_trigger(self.app.config)
        today = local_date(now, self.app.config.zone)
        if not self.app.calendar.is_workday(today, provisional=True):
            return
        if trigger.fire_time_on(today) <= now:
            from alerts.summary import enqueue_summary

            if enqueue_summary(self.app, today):
                log.info("summary %s: enqueued at start-up (missed at %s)", today, settings.summary.at)

    def calendar_check(self) -> None:
        """Once a day (and at start-up): log how far the working-day calendar reaches and
        enqueue the calendar_missing alert (once per day) when a year the deadlines need is
        unknown. The rule lives in alerts.steps, which the sweep also runs."""
        from alerts.steps import calendar_missing_alerts, missing_year

        now = self.app.now()
        today = local_date(now, self.app.config.zone)
        with self.app.session() as session:
            found = missing_year(self.app, session, today)
            queued = calendar_missing_alerts(session, self.app, now)
        if found is None:
            log.info("calendar: known until %d", self.app.calendar.known_until(today.year))
        else:
            year, provisional = found
            log.warning("calendar: year %d is unknown (%d provisional deadlines); add [years.%d] "
                        "to %s%s", year, provisional, year, self.app.config.holidays_path,
                        " — alert enqueued" if queued else "")

    def heartbeat(self) -> None:
        from monitor.db.models import Meta

        now = self.app.now()
        value = json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                            "started_at": iso(self.started_at)})
        with self.app.session() as session:
            row = session.get(Meta, HEARTBEAT_KEY)
            if row is None:
                session.add(Meta(key=HEARTBEAT_KEY, value=value, updated_at=now))
            else:
                row.value, row.updated_at = value, now

    def clear_heartbeat(self) -> None:
        """On a clean stop `status` should say at once that no daemon runs."""
        from monitor.db.models import Meta

        with self.app.session() as session:
            row = session.get(Meta, HEARTBEAT_KEY)
            if row is not None:
                session.delete(row)


# ---------------------------------------------------------------------------------------
# Job definitions: the same for `run` and the demo's simulated clock
# ---------------------------------------------------------------------------------------

@dataclass
class JobSpec:
    id: str
    kind: str            # crawl | sweep | dispatch | summary | calendar | heartbeat
    func: Callable[[], None]
    trigger: BaseTrigger
    executor: str = "default"


def summary_trigger(config: Config) -> WorkdayTrigger:
    hour, minute = parse_clock(config.settings.summary.at)
    # the calendar is looked up at each step: holidays.toml edits apply without a restart
    return WorkdayTrigger(lambda: config.calendar, hour, minute, timezone=config.zone)


def crawl_jitter(every: float) -> int:
    """Spread crawls a little so 20 sources do not hit the portal in the same second; small
    enough that a new message is found within one interval + 30 s (jitter + the crawl)."""
    return int(min(10.0, every / 20))


def crawl_trigger(config: Config, every_text: str, start: datetime, index: int) -> BaseTrigger:
    """A source's crawl trigger: every `every` from start-up (staggered by a few seconds per
    source), or on the grid of `[daemon] crawl_window` when one is configured."""
    daemon = config.settings.daemon
    every = seconds(every_text)
    jitter = crawl_jitter(every) or None
    if daemon.crawl_window is None and daemon.crawl_on_rest_days:
        offset = timedelta(seconds=min(every / 2, 5.0 * (index + 1)))
        return IntervalTrigger(seconds=every, start_date=start + offset, timezone=config.zone,
                               jitter=jitter)
    # on a window's grid every source crawls at the same instants (window start + k × every):
    # the crawl executor runs them side by side, like the children of one `crawl` command
    first, last = (daemon.crawl_window or "00:00-23:59").split("-")
    return WindowedIntervalTrigger(
        timedelta(seconds=every), dtime(*parse_clock(first)), dtime(*parse_clock(last)),
        calendar=None if daemon.crawl_on_rest_days else (lambda: config.calendar),
        timezone=config.zone)


def build_jobs(jobs: DaemonJobs, config: Config, start: datetime) -> list[JobSpec]:
    """Every job of the daemon, with triggers anchored at `start` (the real or simulated
    start-up time). Crawls are staggered by a few seconds each after the first sweep."""
    zone = config.zone
    daemon = config.settings.daemon
    specs: list[JobSpec] = []
    sweep_every = seconds(daemon.sweep_every)
    specs.append(JobSpec("sweep", "sweep", jobs.sweep,
                         SweepTrigger(timedelta(seconds=sweep_every), start,
                                      next_stage=jobs.next_stage_at, timezone=zone)))
    enabled = [s for s in config.settings.sources if s.enabled]
    for index, source in enumerate(enabled):
        specs.append(JobSpec(f"crawl:{source.name}", "crawl", _bind(jobs.crawl, source.name),
                             crawl_trigger(config, source.every, start, index), executor="crawl"))
    dispatch_every = seconds(daemon.dispatch_every)
    specs.append(JobSpec("dispatch", "dispatch", jobs.dispatch_poll,
                         IntervalTrigger(seconds=dispatch_every,
                                         start_date=start + timedelta(seconds=dispatch_every),
                                         timezone=zone)))
    specs.append(JobSpec("summary", "summary", jobs.summary, summary_trigger(config)))
    hour, minute = CALENDAR_CHECK_AT
    specs.append(JobSpec("calendar", "calendar", jobs.calendar_check,
                         CronTrigger(hour=hour, minute=minute, timezone=zone)))
    specs.append(JobSpec("heartbeat", "heartbeat", jobs.heartbeat,
                         IntervalTrigger(seconds=HEARTBEAT_EVERY.total_seconds(),
                                         start_date=start + HEARTBEAT_EVERY, timezone=zone)))
    return specs


def _bind(func: Callable[[str], None], name: str) -> Callable[[], None]:
    def job() -> None:
        func(name)
    job.__name__ = f"crawl_{name}"
    return job


# ---------------------------------------------------------------------------------------
# `opinion-monitor run`
# ---------------------------------------------------------------------------------------

def setup_logging(log_file: str | Path | None, stream: Any = None) -> None:
    """One English line per event on stderr (journald picks it up) and optionally a file."""
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
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
            raise MonitorError(f"--log-file {path}: cannot write: {exc.strerror}") from None
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


def run_daemon(config: Config, log_file: str | None = None, standby: bool = False) -> int:
    """Run until SIGTERM/SIGINT; returns the exit code (0 on a clean stop)."""
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
        app = App(config)
        app.sessions  # open and migrate now, before any job runs
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
