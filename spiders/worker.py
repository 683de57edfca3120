"""A crawl worker: one long-lived Scrapy process running many sources' spiders at once on one
reactor (docs/deployment.md). The parent (`monitor.crawl_workers`) decides what runs when (each site's
politeness, the global bound); the worker runs what it is given and streams the rows back.

    python -m spiders.worker [--max-jobs N] [--max-rss-mb M]

Importing Scrapy and starting a reactor costs about half a CPU-second; a worker pays it once
for thousands of jobs instead of once per source and cycle. It retires itself after
`--max-jobs` jobs or past `--max-rss-mb` of memory (it finishes what runs, takes nothing new,
exits; the parent starts a fresh one), so a leak is bounded; a crash costs only the jobs in
flight, whose rows already sent are ingested and which the parent runs again.

The protocol is JSON lines, UTF-8:

* stdin: `{"op": "job", "id": ID, "job": {...}}` starts a job (`spiders.run` documents it);
  `{"op": "cancel", "id": ID}` closes that job's spider (its time is up); end of input stops
  the worker (running jobs are closed first).
* stdout: `{"ev": "ready", "pid": PID}`; `{"ev": "rows", "id": ID, "rows": [...]}` batches
  while the job runs; `{"ev": "done", "id": ID, "stats": {...}, "log": TEXT}` after its last
  rows (`log` is the job's own log lines when it failed); `{"ev": "retiring", ...}` when it
  takes no more jobs; `{"ev": "refused", "id": ID}` for a job sent after that.

Nothing here touches the database. Warnings and errors of the worker itself go to stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

BATCH_ROWS = 100  # rows per message to the parent
FLUSH_EVERY = 0.5  # seconds: a slow site's rows still reach the parent promptly
LOG_LINES = 200  # a job's own log lines kept for its failure report
DEFAULT_MAX_JOBS = 5000
DEFAULT_MAX_RSS_MB = 400

_FORMAT = logging.Formatter("%(asctime)s [%(name)s] %(levelname)s: %(message)s")


@dataclass
class _Running:
    id: str
    crawler: Any
    settings: dict[str, Any]
    started: float
    rows: list[dict[str, Any]] = field(default_factory=list)
    log: deque[logging.LogRecord] = field(default_factory=lambda: deque(maxlen=LOG_LINES))
    cancelled: bool = False


class _JobLogs(logging.Handler):
    """Scrapy tags a crawl's log records with its spider: each job keeps its own."""

    def __init__(self, worker: Worker) -> None:
        super().__init__(logging.DEBUG)
        self.worker = worker

    def emit(self, record: logging.LogRecord) -> None:
        spider = getattr(record, "spider", None)
        running = self.worker.by_spider.get(id(spider)) if spider is not None else None
        if running is not None:
            running.log.append(record)


class Worker:
    def __init__(self, max_jobs: int, max_rss_mb: float) -> None:
        from scrapy.crawler import CrawlerRunner
        from twisted.internet import reactor

        self.reactor: Any = reactor
        self.runner = CrawlerRunner({})
        self.max_jobs = max_jobs
        self.max_rss_mb = max_rss_mb
        self.running: dict[str, _Running] = {}
        self.by_spider: dict[int, _Running] = {}
        self.finished = 0
        self.retiring = False
        self.stopping = False
        self.out = sys.stdout.buffer
        self.profiles: dict[tuple[str, int], Any] = {}

    # ---- the pipe --------------------------------------------------------------------------
    def send(self, event: dict[str, Any]) -> None:
        try:
            self.out.write(json.dumps(event, ensure_ascii=False).encode("utf-8") + b"\n")
            self.out.flush()
        except (BrokenPipeError, OSError, ValueError):
            os._exit(0)  # the parent is gone: nobody to crawl for

    def read_stdin(self) -> None:
        """In a thread: each command is handed to the reactor."""
        for line in sys.stdin.buffer:
            if line.strip():
                self.reactor.callFromThread(self.command, line)
        self.reactor.callFromThread(self.end_of_input)

    def command(self, line: bytes) -> None:
        message = json.loads(line)
        if message.get("op") == "job":
            self.start(str(message["id"]), message["job"])
        elif message.get("op") == "cancel":
            running = self.running.get(str(message["id"]))
            if running is not None and not running.cancelled:
                running.cancelled = True
                self._stop(running.crawler)

    def end_of_input(self) -> None:
        self.stopping = True
        for running in list(self.running.values()):
            if not running.cancelled:
                running.cancelled = True
                self._stop(running.crawler)
        self._maybe_exit()

    # ---- jobs ------------------------------------------------------------------------------
    def _profile(self, job: dict[str, Any]) -> Any:
        """Profiles are read once per file version: a thousand sources share a few dozen."""
        from spiders.run import load_job_profile

        if job.get("profile_text"):
            return load_job_profile(job)
        path = str(job["profile"])
        key = (path, os.stat(path).st_mtime_ns)
        profile = self.profiles.get(key)
        if profile is None:
            profile = self.profiles[key] = load_job_profile(job)
        profile.section(job["section"], path)
        return profile

    def start(self, job_id: str, job: dict[str, Any]) -> None:
        from scrapy.crawler import Crawler

        from spiders.run import job_settings
        from spiders.spider import ProfileSpider

        if self.retiring or self.stopping:
            self.send({"ev": "refused", "id": job_id})
            return
        try:
            profile = self._profile(job)
            settings = _worker_settings(job_settings(profile, job))
            crawler = Crawler(ProfileSpider, _OneCrawlerSettings(settings))
        except Exception as exc:  # noqa: BLE001 - the job's failure, reported to the parent
            self._report_broken(job_id, exc)
            return
        running = _Running(job_id, crawler, settings, time.monotonic())
        crawler.row_sink = lambda row: self._row(running, row)  # type: ignore[attr-defined]
        self.running[job_id] = running
        # (signals hold weak references: a bound method of the long-lived worker, no lambda)
        crawler.signals.connect(self._opened, signal=_spider_opened())
        deferred = self.runner.crawl(
            crawler, profile=profile, section=job["section"], job=job, items_path=""
        )
        deferred.addBoth(lambda outcome: self._finished(running, outcome))

    def _opened(self, spider: Any) -> None:
        for running in self.running.values():
            if running.crawler is spider.crawler:
                self.by_spider[id(spider)] = running

    def _report_broken(self, job_id: str, exc: Exception) -> None:
        from monitor.errors import MonitorError

        reason = str(exc) if isinstance(exc, MonitorError) else f"{type(exc).__name__}: {exc}"
        stats = {"ok": False, "complete": False, "error": f"抓取进程出错：{reason}", "requests": 0}
        self.send({"ev": "done", "id": job_id, "stats": stats, "log": ""})
        self._count_finished()

    def _row(self, running: _Running, row: dict[str, Any]) -> None:
        running.rows.append(row)
        if len(running.rows) >= BATCH_ROWS:
            self._flush(running)

    def _flush(self, running: _Running) -> None:
        if running.rows:
            rows, running.rows = running.rows, []
            self.send({"ev": "rows", "id": running.id, "rows": rows})

    def flush_all(self) -> None:
        for running in list(self.running.values()):
            self._flush(running)

    def _finished(self, running: _Running, outcome: Any) -> None:
        from twisted.python.failure import Failure

        from spiders.run import job_stats

        self._flush(running)
        try:
            stats = job_stats(running.crawler, running.settings, running.started, _peak_kb())
            if isinstance(outcome, Failure):
                stats.update(
                    ok=False,
                    complete=False,
                    error=stats.get("error")
                    or f"抓取进程出错：{type(outcome.value).__name__}: {outcome.value}",
                )
        except Exception as exc:  # noqa: BLE001 - still the job's outcome, never the worker's
            stats = {"ok": False, "complete": False, "error": f"抓取进程出错：{exc}"}
        stats.pop("scrapy", None)  # Scrapy's own counters stay here; the parent keeps the rest
        log = "" if stats.get("ok") else "\n".join(_FORMAT.format(r) for r in running.log)
        self.send({"ev": "done", "id": running.id, "stats": stats, "log": log})
        self.running.pop(running.id, None)
        if running.crawler.spider is not None:
            self.by_spider.pop(id(running.crawler.spider), None)
        self._count_finished()
        self._maybe_exit()

    def _count_finished(self) -> None:
        self.finished += 1
        if self.retiring:
            return
        rss_mb = _rss_mb()
        if self.finished >= self.max_jobs or rss_mb > self.max_rss_mb:
            self.retiring = True
            self.send({"ev": "retiring", "jobs": self.finished, "rss_mb": round(rss_mb, 1)})

    def _maybe_exit(self) -> None:
        if (self.retiring or self.stopping) and not self.running:
            self.reactor.callLater(0, self.reactor.stop)

    def _stop(self, crawler: Any) -> None:
        from scrapy.utils.defer import deferred_from_coro

        if crawler.crawling:
            deferred_from_coro(crawler.stop_async())


def _worker_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """A job's settings as a worker runs it: rows streamed, no log file of its own (its lines
    are kept in memory), and none of the per-crawler components a short job pays for and
    does not use (feeds, job state, a log counter and a memory check per crawler: the worker
    watches its own memory)."""
    off = dict.fromkeys
    settings.update(
        ITEM_PIPELINES={"spiders.pipelines.StreamPipeline": 300},
        LOG_FILE=None,
        MEMUSAGE_ENABLED=False,
        EXTENSIONS={
            **settings.get("EXTENSIONS", {}),
            **off(
                [
                    "scrapy.extensions.feedexport.FeedExporter",
                    "scrapy.extensions.spiderstate.SpiderState",
                    "scrapy.extensions.memusage.MemoryUsage",
                    "scrapy.extensions.logcount.LogCount",
                ]
            ),
        },
        DOWNLOADER_MIDDLEWARES={
            **settings.get("DOWNLOADER_MIDDLEWARES", {}),
            **off(
                [
                    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware",  # no allowed_domains
                    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware",
                    "scrapy.downloadermiddlewares.httpcache.HttpCacheMiddleware",
                ]
            ),
        },
        SPIDER_MIDDLEWARES={
            **settings.get("SPIDER_MIDDLEWARES", {}),
            **off(["scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware"]),
        },
    )
    return settings


def _settings_class() -> Any:
    from scrapy.settings import Settings

    class OneCrawlerSettings(Settings):
        """Settings built for exactly one crawler: Crawler's defensive deep copy of them (a
        third of a short job's CPU) is not needed."""

        def copy(self) -> OneCrawlerSettings:
            return self

    return OneCrawlerSettings


def _OneCrawlerSettings(values: dict[str, Any]) -> Any:  # noqa: N802 - a class, built lazily
    global _settings_cls
    if _settings_cls is None:
        _settings_cls = _settings_class()
    return _settings_cls(values)


_settings_cls: Any = None


def _spider_opened() -> Any:
    from scrapy import signals

    return signals.spider_opened


def _rss_mb() -> float:
    """Resident memory now (Linux's /proc; elsewhere the peak, which only errs early)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            pages = int(statm.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)
    except (OSError, ValueError, IndexError):
        return _peak_kb() / 1024


def _peak_kb() -> int:
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _logging() -> logging.Handler:
    """The worker's own warnings go to stderr (the parent keeps them in its log folder); each
    job's lines are kept apart by `_JobLogs`."""
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    for handler in list(root.handlers):
        root.removeHandler(handler)
    errors = logging.StreamHandler(sys.stderr)
    errors.setLevel(logging.WARNING)
    errors.setFormatter(_FORMAT)
    root.addHandler(errors)
    return errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m spiders.worker", description=__doc__)
    parser.add_argument("--max-jobs", type=int, default=DEFAULT_MAX_JOBS)
    parser.add_argument("--max-rss-mb", type=float, default=DEFAULT_MAX_RSS_MB)
    args = parser.parse_args(argv)
    from scrapy.utils.reactor import install_reactor

    install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
    from twisted.internet.task import LoopingCall

    _logging()
    worker = Worker(args.max_jobs, args.max_rss_mb)
    logging.getLogger().addHandler(_JobLogs(worker))
    # each crawler would otherwise log its settings and components at start (pformat'ed)
    logging.getLogger("scrapy.middleware").setLevel(logging.WARNING)
    logging.getLogger("scrapy.crawler").setLevel(logging.WARNING)
    flusher = LoopingCall(worker.flush_all)
    flusher.start(FLUSH_EVERY, now=False)
    worker.send({"ev": "ready", "pid": os.getpid()})
    threading.Thread(target=worker.read_stdin, name="stdin", daemon=True).start()
    worker.reactor.run()
    worker.send({"ev": "bye", "jobs": worker.finished})
    return 0


if __name__ == "__main__":
    sys.exit(main())
