"""One crawl of the configured sources: children crawl, the parent ingests (DESIGN §8).

Twisted's reactor cannot restart inside a process, so every source is crawled by a child
(`python -m spiders.run --job JOB.json`), each under a time limit below the source's interval;
different sites in parallel, the sections of one polite site one after another. The child writes JSON lines and its stats; the parent then ingests each
source in one transaction, updates the source's health and records a CrawlRun row. A long crawl
reports progress (rows found so far, sources done) through the `progress` callback.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.app import App
from monitor.config import SourceConfig
from monitor.db.models import WatchTerm
from monitor.errors import ConfigError
from monitor.orders.sources import crawled
from monitor.timeutil import iso, parse_duration

if TYPE_CHECKING:  # Scrapy-side types: the parent never imports Scrapy itself
    from spiders.profile import Profile, SectionSpec

log = logging.getLogger(__name__)

MIN_TIMEOUT = 30.0  # seconds: a child always gets at least this long
INTERVAL_SHARE = 0.8  # default limit: this share of the source's interval


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


@dataclass
class _Job:
    source: SourceConfig
    profile_path: Path
    section: SectionSpec
    folder: Path
    timeout: float
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    killed: bool = False


def child_timeout(source: SourceConfig) -> float:
    """The child's limit: the source's `timeout`, else 80 % of its interval (≥ 30 s)."""
    if source.timeout:
        return parse_duration(source.timeout).as_timedelta().total_seconds()
    every = parse_duration(source.every).as_timedelta().total_seconds()
    return max(MIN_TIMEOUT, every * INTERVAL_SHARE)


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


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("PYTHONIOENCODING", "utf-8")
    return env


Progress = Callable[[str], None]


def run_crawl(
    app: App,
    names: Sequence[str] | None = None,
    now: datetime | None = None,
    delay: float | None = None,
    progress: Progress | None = None,
) -> list[CrawlResult]:
    """Crawl the named (default: all enabled) sources once and ingest what they yield.

    `delay` overrides every profile's per-request delay (benchmarks, the demo); `progress`
    receives a Chinese progress line about once a second while children run."""
    from monitor.ingest import job_inputs
    from spiders.profile import load_profile

    now = now or app.now()
    app.calendar  # a broken holidays.toml is a configuration error now, not a failed ingest
    sources = _selected(app, names)
    profiles: dict[Path, Profile] = {}
    jobs: list[_Job] = []
    with tempfile.TemporaryDirectory(prefix="om-crawl-") as work:
        for n, source in enumerate(sources):
            path = app.config.resolve(source.profile)
            if path not in profiles:
                profiles[path] = load_profile(path)
            section = profiles[path].section(source.section, path)
            jobs.append(_Job(source, path, section, Path(work) / f"{n:02d}", child_timeout(source)))
        with app.session() as session:
            keywords = _keywords(session)
            for job in jobs:
                job.folder.mkdir(parents=True)
                document = {
                    "source": job.source.name,
                    "profile": str(job.profile_path),
                    "section": job.source.section,
                    "now": iso(now),
                    "keywords": keywords,
                    "out": str(job.folder),
                    "delay": delay,
                    "timeout": job.timeout,
                    **job_inputs(session, job.source, job.section.kind),
                }
                (job.folder / "job.json").write_text(
                    json.dumps(document, ensure_ascii=False), encoding="utf-8"
                )
        _run_children(_queues(jobs, profiles, delay), progress)
        return [_finish_safely(app, job, now) for job in jobs]


def _queues(
    jobs: list[_Job], profiles: dict[Path, Profile], delay: float | None
) -> list[list[_Job]]:
    """Children that may run side by side. Sections of one polite site (delay > 0) queue one
    after another, so the site sees one request per `delay`, not one per section; other sites
    (and sites crawled with delay 0) run in parallel."""
    from urllib.parse import urlsplit

    queues: dict[str, list[_Job]] = {}
    for n, job in enumerate(jobs):
        site = profiles[job.profile_path].site
        polite = (site.delay if delay is None else delay) > 0
        key = urlsplit(site.base_url).netloc.lower() if polite else f"#{n}"
        queues.setdefault(key, []).append(job)
    return list(queues.values())


def _start(job: _Job) -> None:
    job.started = time.monotonic()
    with open(job.folder / "child.err", "wb") as err:
        job.process = subprocess.Popen(
            [sys.executable, "-m", "spiders.run", "--job", str(job.folder / "job.json")],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=_child_env(),
        )


def _rows_so_far(job: _Job) -> int:
    try:
        with open(job.folder / "items.jsonl", "rb") as handle:
            return handle.read().count(b"\n")
    except OSError:
        return 0


def _report(
    progress: Progress, running: list[tuple[_Job, list[_Job]]], done: int, total: int
) -> None:
    busy = "，".join(f"{job.source.name} 已得 {_rows_so_far(job)} 条" for job, _ in running)
    progress(f"抓取中：{done}/{total} 个来源完成" + (f"；{busy}" if busy else ""))


def _run_children(queues: list[list[_Job]], progress: Progress | None = None) -> None:
    """Run every queue's jobs in order, the queues side by side, each job under its limit."""
    waiting = [list(queue) for queue in queues if queue]
    total = sum(len(queue) for queue in waiting)
    done = 0
    reported = time.monotonic()
    running: list[tuple[_Job, list[_Job]]] = []
    for queue in waiting:
        job = queue.pop(0)
        _start(job)
        running.append((job, queue))
    while running:
        for job, queue in list(running):
            assert job.process is not None
            if job.process.poll() is None:
                if time.monotonic() - job.started <= job.timeout:
                    continue
                # the child already tried to close itself (CLOSESPIDER_TIMEOUT) and what it
                # wrote is discarded, so there is nothing to be graceful about
                job.killed = True
                job.process.kill()
                job.process.wait()
            running.remove((job, queue))
            done += 1
            log.info("crawl of %s finished (%d/%d sources)", job.source.name, done, total)
            if queue:
                nxt = queue.pop(0)
                _start(nxt)
                running.append((nxt, queue))
        if progress is not None and running and time.monotonic() - reported >= 1.0:
            reported = time.monotonic()
            _report(progress, running, done, total)
        if running:
            time.sleep(0.05)


def _finish_safely(app: App, job: _Job, now: datetime) -> CrawlResult:
    """Ingest one source; a failure there is that source's failed crawl, not everyone's."""
    from sqlalchemy.exc import IntegrityError, OperationalError

    try:
        try:
            return _finish(app, job, now)
        except (IntegrityError, OperationalError):
            # another crawl of the same source (the daemon and a manual `crawl`) committed the
            # same new rows first, or held the lock: once more, now that those rows exist
            log.warning("ingesting %s collided with another writer; retrying", job.source.name)
            return _finish(app, job, now)
    except Exception as exc:  # noqa: BLE001 - reported on the source, logged with traceback
        from monitor.ingest import record_health

        log.exception("ingesting %s failed", job.source.name)
        error = f"入库失败：{type(exc).__name__}: {exc}"
        with app.session() as session:
            record_health(session, job.source, job.section.kind, {"ok": False, "error": error}, now)
        return CrawlResult(source=job.source.name, ok=False, error=error)


def _read_stats(job: _Job) -> dict[str, Any]:
    if job.killed:
        return {"ok": False, "error": f"抓取超时（超过 {job.timeout:g} 秒，已终止）", "requests": 0}
    try:
        return json.loads((job.folder / "stats.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        err = job.folder / "child.err"
        tail = (
            err.read_text(encoding="utf-8", errors="replace")[-500:].strip() if err.exists() else ""
        )
        code = job.process.returncode if job.process else None
        return {"ok": False, "error": f"抓取进程异常退出（代码 {code}）{tail}", "requests": 0}


def _read_rows(job: _Job, stats: dict[str, Any]) -> list[dict[str, Any]]:
    path = job.folder / "items.jsonl"
    rows: list[dict[str, Any]] = []
    if job.killed or not path.exists():
        return rows
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if line:
                try:
                    rows.append(json.loads(line))
                except ValueError:
                    stats["ok"] = False  # a torn line: the child died mid-write
                    stats["error"] = stats.get("error") or "抓取结果不完整"
    return rows


def _log_tail(job: _Job, limit: int = 3000) -> str:
    parts = []
    for name in ("crawl.log", "child.err"):
        path = job.folder / name
        if path.exists():
            text = path.read_text(encoding="utf-8", errors="replace").strip()
            if text:
                parts.append(f"--- {name}\n{text[-limit:]}")
    return "\n".join(parts)


def _finish(app: App, job: _Job, now: datetime) -> CrawlResult:
    from monitor.db.models import CrawlRun
    from monitor.ingest import ingest_messages, ingest_news, record_health

    began = time.perf_counter()
    stats = _read_stats(job)
    rows = _read_rows(job, stats)
    source = job.source
    kind = job.section.kind
    with app.session() as session:
        if kind == "messages":
            ingested = ingest_messages(session, app, source, job.section, rows, stats, now)
        else:
            ingested = ingest_news(session, app, source, rows, now)
        record_health(session, source, kind, stats, now)
        kept = {k: v for k, v in stats.items() if k != "scrapy"}
        if not stats.get("ok"):
            kept["log_tail"] = _log_tail(job)  # the child's folder is gone after this call
        if ingested.notes:
            kept["notes"] = ingested.notes
        kept.update(
            replied=ingested.replied,
            withdrawn=ingested.withdrawn,
            ingest_seconds=round(time.perf_counter() - began, 3),
        )
        session.add(
            CrawlRun(
                source=source.name,
                started_at=now,
                finished_at=app.now(),
                ok=bool(stats.get("ok")),
                new=ingested.new,
                updated=ingested.updated,
                requests=int(stats.get("requests") or 0),
                error=stats.get("error"),
                stats=kept,
            )
        )
    return CrawlResult(
        source=source.name,
        ok=bool(stats.get("ok")),
        complete=bool(stats.get("complete")),
        new=ingested.new,
        updated=ingested.updated,
        requests=int(stats.get("requests") or 0),
        error=stats.get("error"),
        replied=ingested.replied,
        withdrawn=ingested.withdrawn,
        stats=kept,
    )


__all__ = ["CrawlResult", "run_crawl", "child_timeout", "ConfigError"]
