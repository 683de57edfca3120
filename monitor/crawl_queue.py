"""Crawling on several machines (PostgreSQL, `[crawl] queue = "postgres"`): the daemon puts each
due source on a job queue in the database and every machine running `opinion-monitor
crawl-worker` takes sources from it (docs/deployment.md).

The queue is procrastinate's (a maintained PostgreSQL job queue; the `postgres` extra installs
it), not a coordinator of ours:

* a source is queued with the queueing lock `source:NAME`, so it waits in the queue at most
  once (a tick that finds it still waiting adds nothing: no source is crawled twice a cycle);
* a polite site's sources carry the lock `site:HOST`, so one machine at a time fetches from a
  site, one job after another (the same politeness as one machine's worker pool);
* a worker takes a job with `SELECT … FOR UPDATE SKIP LOCKED`, so two machines never take the
  same one; workers beat a heartbeat, and a job left by a machine that died is put back by any
  other (`retry_stalled_jobs`, every few minutes), so no source is skipped for good;
* finished jobs are deleted (a province's 1,000 sources every 10 minutes would otherwise add
  144,000 rows a day).

Each crawl-worker crawls with its own local pool (`monitor.crawl_workers`) and ingests what it
fetched itself: the database is the only thing the machines share.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from monitor.crawl import make_pool, run_crawl, site_key
from monitor.crawl_workers import CrawlPool
from monitor.errors import ConfigError
from spiders.profile import cached_profile

if TYPE_CHECKING:
    from monitor.app import App
    from monitor.config import Config

log = logging.getLogger(__name__)

QUEUE = "crawl"
STALLED_CHECK = "*/5 * * * *"
ONCE_POLL = 1.0  # seconds between looks at the queue of `crawl-worker --once`  # cron: how often workers look for jobs of dead workers


def libpq_url(database_url: str) -> str:
    """The SQLAlchemy URL as psycopg wants it (`postgresql://…`)."""
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise ConfigError(
            f'[crawl] queue = "postgres" 需要 PostgreSQL 数据库，当前为 {url.get_backend_name()}'
            '（SQLite 请用 queue = "local"）'
        )
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass
class _Context:
    """What the tasks of one crawl-worker share: the app and its local crawl pool."""

    app: App
    pool: CrawlPool


_context: _Context | None = None
_schema_ready: set[str] = set()
_apps: dict[str, Any] = {}
_apps_lock = threading.Lock()


def queue_app(config: Config) -> Any:
    """The procrastinate app on this deployment's database, with the crawl tasks (one per
    database URL and process)."""
    try:
        import procrastinate
    except ImportError:
        raise ConfigError(
            '[crawl] queue = "postgres" 需要安装 procrastinate：pip install "opinion-monitor[postgres]"'
        ) from None
    conninfo = libpq_url(config.database_url)
    with _apps_lock:
        app = _apps.get(conninfo)
        if app is None:
            app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo))
            _register(app)
            _apps[conninfo] = app
        return app


def _register(app: Any) -> None:
    @app.task(name="crawl_source", queue=QUEUE)
    def crawl_source(source: str) -> dict[str, Any]:
        """Crawl one source here and ingest it (the worker's clock says when)."""
        context = _context
        if context is None:
            raise RuntimeError("crawl_source runs only inside `opinion-monitor crawl-worker`")
        result = run_crawl(context.app, [source], pool=context.pool)[0]
        return result.as_dict()

    @app.periodic(cron=STALLED_CHECK)
    @app.task(name="retry_stalled_jobs", queue=QUEUE, queueing_lock="retry_stalled_jobs")
    async def retry_stalled_jobs(timestamp: int) -> int:
        """Jobs of a worker whose heartbeat stopped (its machine died) go back to the queue."""
        stalled = await app.job_manager.get_stalled_jobs()
        for job in stalled:
            await app.job_manager.retry_job(job)
        if stalled:
            log.warning("put %d jobs of dead crawl workers back on the queue", len(stalled))
        return len(stalled)


def ensure_schema(config: Config) -> None:
    """Create procrastinate's tables once (an advisory lock keeps two machines starting at the
    same moment from both trying)."""
    import psycopg

    conninfo = libpq_url(config.database_url)
    if conninfo in _schema_ready:
        return
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute("SELECT pg_advisory_lock(hashtext('opinion-monitor.crawl-queue'))")
        try:
            present = connection.execute(
                "SELECT to_regclass('procrastinate_jobs') IS NOT NULL"
            ).fetchone()
            if not (present and present[0]):
                app = queue_app(config)
                with app.open():
                    app.schema_manager.apply_schema()
                log.info("crawl queue tables created")
            _schema_ready.add(conninfo)
        finally:
            connection.execute("SELECT pg_advisory_unlock(hashtext('opinion-monitor.crawl-queue'))")


def enqueue_crawls(app: App, names: Sequence[str]) -> dict[str, bool]:
    """Queue these sources' crawls; {name: queued}, False where the source still waits in the
    queue from an earlier tick (then nothing is added)."""
    from procrastinate import exceptions

    ensure_schema(app.config)
    queue = queue_app(app.config)
    outcome: dict[str, bool] = {}
    with queue.open():
        task = queue.tasks["crawl_source"]
        for n, name in enumerate(names):
            source = app.config.source(name)
            path = app.config.resolve(source.profile)
            site = site_key(cached_profile(path), None, n)
            options: dict[str, Any] = {"queueing_lock": f"source:{name}"}
            if site is not None:
                options["lock"] = f"site:{site}"
            try:
                task.configure(**options).defer(source=name)
                outcome[name] = True
            except exceptions.AlreadyEnqueued:
                outcome[name] = False
    return outcome


def run_worker(app: App, concurrency: int | None = None, once: bool = False) -> None:
    """`opinion-monitor crawl-worker`: take sources from the queue until SIGTERM (or, with
    `once`, until the queue is empty), crawling them with a local worker pool."""
    global _context
    config = app.config
    ensure_schema(config)
    queue = queue_app(config)
    pool = make_pool(config)
    _context = _Context(app, pool)
    options = {
        "queues": [QUEUE],
        "concurrency": concurrency or config.settings.crawl.concurrency,
        "name": f"{socket.gethostname()}:{os.getpid()}",
        "delete_jobs": "successful",
        "listen_notify": True,
    }
    try:
        asyncio.run(_work(queue, options, once))
    finally:
        _context = None
        pool.close()


# crawl jobs waiting or running; a job held back by its site's lock is not fetchable, so
# procrastinate's own "stop when caught up" (wait=False) would stop while it still waits
_OUTSTANDING = (
    "SELECT count(*) AS n FROM procrastinate_jobs WHERE queue_name = %(queue)s"
    " AND task_name = 'crawl_source' AND status IN ('todo', 'doing')"
)


async def _work(queue: Any, options: dict[str, Any], once: bool) -> None:
    async with queue.open_async():
        worker = asyncio.create_task(queue.run_worker_async(**options))
        while once and not worker.done():
            await asyncio.sleep(ONCE_POLL)
            row = await queue.connector.execute_query_one_async(_OUTSTANDING, queue=QUEUE)
            if not row["n"]:
                worker.cancel()  # a graceful stop: running jobs finish first
        try:
            await worker
        except asyncio.CancelledError:
            if not once:
                raise
