"""The daemon's jobs and their definitions (the same for `run` and the demo)."""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as dtime
from typing import TYPE_CHECKING, Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from alerts.dispatch import dispatch
from alerts.summary import enqueue_summary
from monitor.calendar_coverage import missing_year
from monitor.crawl import make_pool, run_crawl
from monitor.crawl_queue import enqueue_crawls
from monitor.db.models import Alert, DeadlineStage, Meta
from monitor.hints import command
from monitor.orders.sources import crawled
from monitor.status import HEARTBEAT_KEY  # written here, read by `status`
from monitor.sweep import sweep
from monitor.sweep.calendar import missing_alerts
from monitor.timeutil import iso, local_date, parse_clock, parse_duration
from monitor.triggers import SweepTrigger, WindowedIntervalTrigger, WorkdayTrigger

if TYPE_CHECKING:
    from monitor.app import App
    from monitor.config import Config


log = logging.getLogger("monitor.daemon")

HEARTBEAT_EVERY = timedelta(seconds=30)
CALENDAR_CHECK_AT = (8, 0)  # local time of the daily calendar-coverage check
# crawls the scheduler runs side by side: each thread only waits for its source's job in the
# shared worker pool (monitor.crawl_workers), which bounds the processes and the fetching
CRAWL_WORKERS = 4
STAGE_LOOKAHEAD = 50  # upcoming stage instants the sweep trigger is told about

_NOTABLE = re.compile(r"\b(WARNING|ERROR|CRITICAL)\b|Traceback|Error:")


def seconds(text: str) -> float:
    return parse_duration(text).as_timedelta().total_seconds()


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
    sweep_trigger: SweepTrigger | None = None  # told the upcoming stages after each sweep
    _sweep_lock: threading.Lock = field(default_factory=threading.Lock)
    _dispatch_lock: threading.Lock = field(default_factory=threading.Lock)
    _pool: Any = None  # the crawl workers, started at the first crawl, kept until close_pool
    _pool_lock: threading.Lock = field(default_factory=threading.Lock)

    def crawl_pool(self) -> Any:
        """The long-lived crawl worker pool every crawl of this daemon shares."""
        with self._pool_lock:
            if self._pool is None:
                self._pool = make_pool(self.app.config)
            return self._pool

    def close_pool(self) -> None:
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()

    # -- crawl ----------------------------------------------------------------------------
    def crawl(self, name: str) -> None:
        if self.app.config.settings.crawl.queue == "postgres":
            self.enqueue_crawl(name)
            return
        begun = time.monotonic()
        results = run_crawl(self.app, [name], now=self.app.now(), pool=self.crawl_pool())
        elapsed = time.monotonic() - begun
        changed = 0
        for result in results:
            if result.ok:
                log.info(
                    "crawl %s: ok, %d new, %d updated, %d requests in %.1fs",
                    result.source,
                    result.new,
                    result.updated,
                    result.requests,
                    elapsed,
                )
            else:
                log.warning(
                    "crawl %s: FAILED after %.1fs: %s", result.source, elapsed, result.error
                )
                # the child's own log of a failed run is kept in crawl_runs.stats.log_tail;
                # its warnings and errors go to the daemon's log too (Scrapy's stats dump not)
                tail = str((result.stats or {}).get("log_tail") or "").splitlines()
                notable = [
                    line
                    for line in tail
                    if _NOTABLE.search(line) and not line.lstrip().startswith("'")
                ][-10:]
                for line in notable:
                    log.warning("crawl %s |   %s", result.source, line.strip()[:300])
            changed += (result.new or 0) + (result.updated or 0)
            if self.on_crawl is not None:
                self.on_crawl(result)
        # a new or changed message may already be due (found late, or replied): sweep and
        # dispatch now instead of waiting for the next minute
        if changed:
            self.sweep()

    def enqueue_crawl(self, name: str) -> None:
        """`[crawl] queue = "postgres"`: the crawl-workers (on any machine) take it from the
        queue and ingest it; the next sweep sees what they found."""
        if not enqueue_crawls(self.app, [name])[name]:
            log.warning(
                "crawl %s: still waiting in the queue since the last interval "
                "(is an `opinion-monitor crawl-worker` running?)",
                name,
            )
        else:
            log.info("crawl %s: queued for the crawl workers", name)

    # -- sweep and dispatch ---------------------------------------------------------------
    def sweep(self) -> None:
        with self._sweep_lock:
            begun = time.monotonic()
            result = sweep(self.app, self.app.now())
            elapsed = (time.monotonic() - begun) * 1000
            counts = " ".join(f"{k}={v}" for k, v in result.counts.items() if v)
            log.info(
                "sweep: %d state changes, %d alerts enqueued in %.0f ms%s",
                result.counts.get("states", 0),
                result.alerts,
                elapsed,
                f" ({counts})" if counts else "",
            )
            if self.on_sweep is not None:
                self.on_sweep(result)
            if self.sweep_trigger is not None:
                self.sweep_trigger.expect_stages(self.upcoming_stages(self.app.now()))
        self.dispatch()

    def upcoming_stages(self, after: datetime, limit: int = STAGE_LOOKAHEAD) -> list[datetime]:
        """The next unfired deadline stages strictly after `after`, soonest first (one
        indexed range scan on (fired, at)): the sweep trigger wakes up exactly then."""
        from sqlalchemy import false, select

        with self.app.session() as session:
            return list(
                session.scalars(
                    select(DeadlineStage.at)
                    .where(DeadlineStage.fired == false(), DeadlineStage.at > after)
                    .order_by(DeadlineStage.at)
                    .limit(limit)
                )
            )

    def alerts_due(self) -> int:
        """Pending alerts whose attempt time has come (cheap: one indexed count)."""
        from sqlalchemy import func, or_, select

        now = self.app.now()
        with self.app.session() as session:
            return (
                session.scalar(
                    select(func.count())
                    .select_from(Alert)
                    .where(
                        Alert.status == "pending",
                        or_(Alert.next_attempt_at.is_(None), Alert.next_attempt_at <= now),
                    )
                )
                or 0
            )

    def dispatch(self, only_if_due: bool = False) -> None:
        if only_if_due and not self.alerts_due():
            return

        with self._dispatch_lock:
            begun = time.monotonic()
            result = dispatch(self.app, now=self.app.now())
            elapsed = (time.monotonic() - begun) * 1000
            doc = result.as_dict() if hasattr(result, "as_dict") else dict(vars(result))
            numbers = {
                k: v for k, v in doc.items() if isinstance(v, int) and not isinstance(v, bool)
            }
            # a dispatch that found nothing due says so only at debug level: after every
            # sweep that is the common case and would double the log
            log.log(
                logging.INFO if any(numbers.values()) else logging.DEBUG,
                "dispatch: %s in %.0f ms",
                ", ".join(f"{k}={v}" for k, v in numbers.items()) or "nothing due",
                elapsed,
            )
            if self.on_dispatch is not None:
                self.on_dispatch(result)

    def dispatch_poll(self) -> None:
        self.dispatch(only_if_due=True)

    # -- daily jobs -----------------------------------------------------------------------
    def summary(self) -> None:
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
            if enqueue_summary(self.app, today):
                log.info(
                    "summary %s: enqueued at start-up (missed at %s)", today, settings.summary.at
                )

    def calendar_check(self) -> None:
        """Once a day (and at start-up): log how far the working-day calendar reaches and
        enqueue the calendar_missing alert (once per day) when a year the deadlines need is
        unknown. The rule lives in monitor.calendar_coverage; the reminder is the sweep's own
        step (monitor.sweep.calendar)."""

        now = self.app.now()
        today = local_date(now, self.app.config.zone)
        with self.app.session() as session:
            found = missing_year(session, self.app.calendar, today)
            queued = missing_alerts(session, self.app, now)
        if found is None:
            log.info("calendar: known until %d", self.app.calendar.known_until(today.year))
        else:
            year, provisional = found
            log.warning(
                "calendar: year %d is unknown (%d provisional deadlines); add [years.%d] to %s%s",
                year,
                provisional,
                year,
                self.app.config.holidays_path,
                " — alert enqueued" if queued else "",
                extra={
                    "zh": f"工作日日历缺少 {year} 年的放假安排"
                    + (f"（{provisional} 个临时期限）" if provisional else "")
                    + "："
                    f"请在 {self.app.config.holidays_path} 中补充 [years.{year}]，或运行 "
                    f"{command('calendar import-notice 通知.txt')}"
                    + ("；已发出提醒" if queued else "")
                },
            )

    def heartbeat(self) -> None:
        now = self.app.now()
        value = json.dumps(
            {"pid": os.getpid(), "host": socket.gethostname(), "started_at": iso(self.started_at)}
        )
        with self.app.session() as session:
            row = session.get(Meta, HEARTBEAT_KEY)
            if row is None:
                session.add(Meta(key=HEARTBEAT_KEY, value=value, updated_at=now))
            else:
                row.value, row.updated_at = value, now

    def clear_heartbeat(self) -> None:
        """On a clean stop `status` should say at once that no daemon runs."""

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
    kind: str  # crawl | sweep | dispatch | summary | calendar | heartbeat
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
        return IntervalTrigger(
            seconds=every, start_date=start + offset, timezone=config.zone, jitter=jitter
        )
    # on a window's grid every source crawls at the same instants (window start + k × every):
    # the crawl executor runs them side by side, like the children of one `crawl` command
    first, last = (daemon.crawl_window or "00:00-23:59").split("-")
    return WindowedIntervalTrigger(
        timedelta(seconds=every),
        dtime(*parse_clock(first)),
        dtime(*parse_clock(last)),
        calendar=None if daemon.crawl_on_rest_days else (lambda: config.calendar),
        timezone=config.zone,
    )


def build_jobs(jobs: DaemonJobs, config: Config, start: datetime) -> list[JobSpec]:
    """Every job of the daemon, with triggers anchored at `start` (the real or simulated
    start-up time). Crawls are staggered by a few seconds each after the first sweep."""
    zone = config.zone
    daemon = config.settings.daemon
    specs: list[JobSpec] = []
    sweep_every = seconds(daemon.sweep_every)
    jobs.sweep_trigger = SweepTrigger(timedelta(seconds=sweep_every), start, timezone=zone)
    specs.append(JobSpec("sweep", "sweep", jobs.sweep, jobs.sweep_trigger))
    # work-order sources are imported, not crawled
    enabled = crawled(config, [s for s in config.settings.sources if s.enabled])
    for index, source in enumerate(enabled):
        specs.append(
            JobSpec(
                f"crawl:{source.name}",
                "crawl",
                _bind(jobs.crawl, source.name),
                crawl_trigger(config, source.every, start, index),
                executor="crawl",
            )
        )
    dispatch_every = seconds(daemon.dispatch_every)
    specs.append(
        JobSpec(
            "dispatch",
            "dispatch",
            jobs.dispatch_poll,
            IntervalTrigger(
                seconds=dispatch_every,
                start_date=start + timedelta(seconds=dispatch_every),
                timezone=zone,
            ),
        )
    )
    specs.append(JobSpec("summary", "summary", jobs.summary, summary_trigger(config)))
    hour, minute = CALENDAR_CHECK_AT
    specs.append(
        JobSpec(
            "calendar",
            "calendar",
            jobs.calendar_check,
            CronTrigger(hour=hour, minute=minute, timezone=zone),
        )
    )
    specs.append(
        JobSpec(
            "heartbeat",
            "heartbeat",
            jobs.heartbeat,
            IntervalTrigger(
                seconds=HEARTBEAT_EVERY.total_seconds(),
                start_date=start + HEARTBEAT_EVERY,
                timezone=zone,
            ),
        )
    )
    return specs


def _bind(func: Callable[[str], None], name: str) -> Callable[[], None]:
    def job() -> None:
        func(name)

    job.__name__ = f"crawl_{name}"
    return job
