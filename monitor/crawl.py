"""One crawl of the configured sources: crawl workers fetch, this process ingests (docs/deployment.md).

Twisted's reactor cannot restart inside a process, and importing Scrapy costs half a
CPU-second, so sources are crawled by long-lived worker processes, each running many sources'
spiders on one reactor (`spiders.worker`, managed by `monitor.crawl_workers.CrawlPool`). Only
this process writes the database. Rows stream back while the crawl runs and are ingested in
batches (`SourceIngest`); a source is finished (health, withdrawals, its CrawlRun row) as soon as
its own job ends, so one slow site delays only itself. A long crawl reports progress (sources
done, rows ingested) through the `progress` callback.

Each job runs under a time limit below the source's interval (`child_timeout`); each polite
site has one job at a time (its sections queue), and the pool bounds the jobs at once.
"""

from __future__ import annotations

import logging
import os
import queue
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.app import App
from monitor.config import Config, SourceConfig
from monitor.crawl_workers import CrawlPool, PoolJob
from monitor.db.models import CrawlRun, WatchTerm
from monitor.errors import ConfigError
from monitor.ingest import (
    ingest_consultations,
    ingest_messages,
    ingest_news,
    job_inputs,
    record_health,
)
from monitor.orders.sources import crawled
from monitor.timeutil import iso, parse_duration
from spiders.profile import Profile, SectionSpec, cached_profile  # no Scrapy in this process

log = logging.getLogger(__name__)

MIN_TIMEOUT = 30.0  # seconds: a job always gets at least this long
INTERVAL_SHARE = 0.8  # default limit: this share of the source's interval
BATCH_ROWS = 500  # rows of one source ingested together while its crawl runs
MAX_AUTO_WORKERS = 4
CRAWLED_BY = f"{socket.gethostname()}:{os.getpid()}"  # in each CrawlRun: which machine ingested

# ingests of one process take turns: on SQLite there is one writer anyway, and the daemon's
# crawl threads would otherwise queue on its lock (and time out) instead of here
INGEST_LOCK = threading.Lock()


@dataclass
class CrawlResult:
    source: str
    ok: bool
    complete: bool = False
    new: int = 0
    updated: int = 0
    requests: int = 0
    error: str | None = None
    replied: int = 0
    withdrawn: int = 0
    stats: dict[str, Any] = field(default_factory=dict, repr=False)

    def as_dict(self) -> dict[str, Any]:
        document = asdict(self)
        document.pop("stats")
        return document


def child_timeout(source: SourceConfig) -> float:
    """A job's limit: the source's `timeout`, else 80 % of its interval (≥ 30 s)."""
    if source.timeout:
        return parse_duration(source.timeout).as_timedelta().total_seconds()
    every = parse_duration(source.every).as_timedelta().total_seconds()
    return max(MIN_TIMEOUT, every * INTERVAL_SHARE)


def pool_size(config: Config) -> int:
    """`[crawl] workers`, or one per core (at most 4): a worker holds many sources at once,
    more processes only buy CPU."""
    configured = config.settings.crawl.workers
    return configured or max(1, min(MAX_AUTO_WORKERS, os.cpu_count() or 1))


def make_pool(config: Config) -> CrawlPool:
    crawl = config.settings.crawl
    return CrawlPool(
        workers=pool_size(config),
        concurrency=crawl.concurrency,
        max_jobs=crawl.worker_max_jobs,
        max_rss_mb=crawl.worker_max_memory_mb,
    )


def _selected(app: App, names: Sequence[str] | None) -> list[SourceConfig]:
    config = app.config
    if names:
        return [config.source(name) for name in names]  # unknown → ConfigError
    return crawled(config, [s for s in config.settings.sources if s.enabled])


def _keywords(session: Session) -> list[str]:
    return list(
        session.scalars(
            select(WatchTerm.term).where(WatchTerm.enabled.is_(True)).order_by(WatchTerm.term)
        )
    )


Progress = Callable[[str], None]


@dataclass
class SourceIngest:
    """One source's crawl as it reaches the database: rows in batches while it runs (nothing
    concluded from them), then the final ingest with the whole pass (withdrawal evidence,
    health, the CrawlRun row). Rows already ingested go into the final call unchanged-marked,
    so they count as seen and cost no second update."""

    app: App
    source: SourceConfig
    profile_path: Path
    section: SectionSpec
    site: str | None
    timeout: float
    now: datetime
    received: int = 0
    ingested: list[dict[str, Any]] = field(default_factory=list)
    pending: list[dict[str, Any]] = field(default_factory=list)
    checks: list[dict[str, Any]] = field(default_factory=list)
    new: int = 0
    updated: int = 0
    replied: int = 0
    withdrawn: int = 0
    ingest_seconds: float = 0.0
    result: CrawlResult | None = None

    @property
    def kind(self) -> str:
        return self.section.kind

    def add(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            (self.checks if row.get("check") else self.pending).append(row)
        self.received += len(rows)
        if len(self.pending) >= BATCH_ROWS:
            self.ingest_batch()

    def ingest_batch(self) -> None:
        """The rows so far, as an incomplete pass: new and changed messages now."""
        if not self.pending:
            return
        began = time.perf_counter()
        try:
            with INGEST_LOCK, self.app.session() as session:
                outcome = self._ingest(session, self.pending, {"complete": False, "ok": True})
        except Exception:  # noqa: BLE001 - kept for the final ingest, which reports it
            log.exception("ingesting a batch of %s failed; kept for its end", self.source.name)
            return
        self._count(outcome)
        if self.kind == "messages":  # news has no absences: its rows are not needed again
            self.ingested.extend({**row, "changed": False} for row in self.pending)
        self.pending = []
        self.ingest_seconds += time.perf_counter() - began

    def restart(self) -> None:
        """The worker died mid-job and the job runs again: what arrived is kept (ingested as
        far as it goes), and the new attempt's pass is judged on its own."""
        self.ingest_batch()
        self.ingested, self.checks = [], []

    def _ingest(self, session: Session, rows: list[dict[str, Any]], stats: dict[str, Any]) -> Any:
        if self.kind == "messages":
            return ingest_messages(
                session, self.app, self.source, self.section, rows, stats, self.now
            )
        if self.kind == "consultations":
            return ingest_consultations(session, self.app, self.source, rows, self.now)
        return ingest_news(session, self.app, self.source, rows, self.now)

    def _count(self, outcome: Any) -> None:
        self.new += outcome.new
        self.updated += outcome.updated
        self.replied += outcome.replied
        self.withdrawn += outcome.withdrawn

    def finish(self, stats: dict[str, Any], log_text: str) -> CrawlResult:
        """The end of the job: the final ingest, the source's health and its CrawlRun; a
        failure here is this source's failed crawl, not everyone's."""
        from sqlalchemy.exc import IntegrityError, OperationalError

        try:
            try:
                self.result = self._finish(stats, log_text)
            except (IntegrityError, OperationalError):
                # another crawl of the same source (the daemon and a manual `crawl`) committed
                # the same new rows first, or held the lock: once more, now that those exist
                log.warning("ingesting %s collided with another writer; retrying", self.source.name)
                self.result = self._finish(stats, log_text)
        except Exception as exc:  # noqa: BLE001 - reported on the source, logged with traceback
            log.exception("ingesting %s failed", self.source.name)
            error = f"入库失败：{type(exc).__name__}: {exc}"
            with INGEST_LOCK, self.app.session() as session:
                record_health(
                    session, self.source, self.kind, {"ok": False, "error": error}, self.now
                )
            self.result = CrawlResult(source=self.source.name, ok=False, error=error)
        return self.result

    def _finish(self, stats: dict[str, Any], log_text: str) -> CrawlResult:
        began = time.perf_counter()
        rows = [*self.ingested, *self.pending, *self.checks]
        with INGEST_LOCK, self.app.session() as session:
            outcome = self._ingest(
                session, rows if self.kind == "messages" else self.pending, stats
            )
            record_health(session, self.source, self.kind, stats, self.now)
            kept = dict(stats)
            if not stats.get("ok"):
                kept["log_tail"] = log_text[-3000:]
            if outcome.notes:
                kept["notes"] = outcome.notes
            new = self.new + outcome.new
            updated = self.updated + outcome.updated
            replied = self.replied + outcome.replied
            withdrawn = self.withdrawn + outcome.withdrawn
            kept.update(
                crawled_by=CRAWLED_BY,
                replied=replied,
                withdrawn=withdrawn,
                rows_received=self.received,
                ingest_seconds=round(self.ingest_seconds + time.perf_counter() - began, 3),
            )
            session.add(
                CrawlRun(
                    source=self.source.name,
                    started_at=self.now,
                    finished_at=self.app.now(),
                    ok=bool(stats.get("ok")),
                    new=new,
                    updated=updated,
                    requests=int(stats.get("requests") or 0),
                    error=stats.get("error"),
                    stats=kept,
                )
            )
        self.pending = []
        return CrawlResult(
            source=self.source.name,
            ok=bool(stats.get("ok")),
            complete=bool(stats.get("complete")),
            new=new,
            updated=updated,
            requests=int(stats.get("requests") or 0),
            error=stats.get("error"),
            replied=replied,
            withdrawn=withdrawn,
            stats=kept,
        )


def site_key(profile: Profile, delay: float | None, n: int) -> str | None:
    """The politeness key of a section: its site's host when the crawl is polite (delay > 0),
    so the site's sections queue one after another; None (no queueing) at delay 0."""
    polite = (profile.site.delay if delay is None else delay) > 0
    return urlsplit(profile.site.base_url).netloc.lower() if polite else None


def _progress_line(ingests: list[SourceIngest]) -> str:
    done = sum(1 for i in ingests if i.result is not None)
    rows = sum(i.received for i in ingests)
    line = f"抓取中：{done}/{len(ingests)} 个来源完成，已收到 {rows} 条"
    busy = [i for i in ingests if i.result is None and i.received]
    if busy:
        shown = "，".join(f"{i.source.name} 已得 {i.received} 条" for i in busy[:3])
        line += f"；{shown}" + (f" 等 {len(busy)} 个" if len(busy) > 3 else "")
    return line


def run_crawl(
    app: App,
    names: Sequence[str] | None = None,
    now: datetime | None = None,
    delay: float | None = None,
    progress: Progress | None = None,
    pool: CrawlPool | None = None,
) -> list[CrawlResult]:
    """Crawl the named (default: all enabled) sources once and ingest what they yield.

    `delay` overrides every profile's per-request delay (benchmarks, the demo); `progress`
    receives a Chinese progress line about once a second; `pool` is a running worker pool
    (the daemon's), else one is started for this crawl and stopped after it."""
    now = now or app.now()
    app.calendar  # a broken holidays.toml is a configuration error now, not a failed ingest
    sources = _selected(app, names)
    if not sources:
        return []
    ingests: list[SourceIngest] = []
    for n, source in enumerate(sources):
        path = app.config.resolve(source.profile)
        profile = cached_profile(path)
        section = profile.section(source.section, path)
        site = site_key(profile, delay, n)
        ingests.append(SourceIngest(app, source, path, section, site, child_timeout(source), now))
    events: queue.Queue[tuple[Any, ...]] = queue.Queue()
    jobs: list[PoolJob] = []
    with app.session() as session:
        keywords = _keywords(session)
        for n, ingest in enumerate(ingests):
            document = {
                "source": ingest.source.name,
                "profile": str(ingest.profile_path),
                "section": ingest.source.section,
                "now": iso(now),
                "keywords": keywords,
                "delay": delay,
                "timeout": ingest.timeout,
                **job_inputs(session, ingest.source, ingest.kind),
            }
            job_id = f"{os.getpid()}-{id(events)}-{n}"
            jobs.append(PoolJob(job_id, document, ingest.site, ingest.timeout, events))
    by_id = {job.id: ingest for job, ingest in zip(jobs, ingests, strict=True)}
    own = pool is None
    active = make_pool(app.config) if pool is None else pool
    try:
        for job in jobs:
            active.submit(job)
        _collect(events, by_id, progress)
    finally:
        if own:
            active.close()
    return [i.result or CrawlResult(i.source.name, ok=False, error="未完成") for i in ingests]


def _collect(
    events: queue.Queue[tuple[Any, ...]],
    by_id: dict[str, SourceIngest],
    progress: Progress | None,
) -> None:
    """Ingest what the workers send until every job is done."""
    ingests = list(by_id.values())
    left = len(ingests)
    reported = time.monotonic()
    while left:
        try:
            job_id, event = _next(events)
        except queue.Empty:
            event = None
        if event is not None:
            ingest = by_id[job_id]
            kind = event[0]
            if kind == "rows":
                ingest.add(event[1])
            elif kind == "restart":
                log.warning("crawl of %s starts again: %s", ingest.source.name, event[1])
                ingest.restart()
            elif kind == "done":
                stats, log_text = event[1], event[2]
                result = ingest.finish(stats, log_text)
                left -= 1
                log.info(
                    "crawl of %s finished (%d/%d sources): %s, %d new, %d updated",
                    ingest.source.name,
                    len(ingests) - left,
                    len(ingests),
                    "ok" if result.ok else f"failed: {result.error}",
                    result.new,
                    result.updated,
                )
        if progress is not None and left and time.monotonic() - reported >= 1.0:
            reported = time.monotonic()
            progress(_progress_line(ingests))


def _next(events: queue.Queue[tuple[Any, ...]]) -> tuple[str, tuple[Any, ...]]:
    item = events.get(timeout=0.5)
    return item[0], item[1:]


__all__ = ["CrawlResult", "run_crawl", "child_timeout", "make_pool", "ConfigError"]
