"""The crawl worker pool (issue 24): long-lived Scrapy processes running many sources, against
sample portals on loopback and a real SQLite file. A worker retires after its job limit and
is replaced; a worker killed mid-crawl costs no progress (the source runs again elsewhere);
a polite site sees one crawl at a time; rows reach the database while the crawl runs."""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from monitor.app import App, fixed_clock
from monitor.config import load_config
from monitor.crawl import make_pool, run_crawl
from monitor.db.models import Message
from monitor.demo.fleet import write_fleet
from monitor.demo.sampleportal import SamplePortal
from monitor.timeutil import parse_iso
from tests.test_crawl_portal import at

NOW = "2026-11-26T10:00"


@pytest.fixture
def portal() -> Iterator[SamplePortal]:
    p = SamplePortal()
    p.start()
    for n in range(3):
        p.add_message(f"w{n}", f"来信{n}", at("2026-11-20T09:00"))
    yield p
    p.stop()


def fleet_app(tmp_path: Path, portal: SamplePortal, count: int, **options: object) -> App:
    extra = options.pop("extra", "")
    path = write_fleet(tmp_path, [portal.base_url], count, extra=str(extra), **options)  # type: ignore[arg-type]
    return App(load_config(path), clock=fixed_clock(parse_iso(NOW)))


def wait_for(condition: Callable[[], bool], what: str, limit: float = 60.0) -> None:
    """Poll (no timed assertion: the limit only turns a hang into a failure)."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


def test_a_worker_retires_after_its_jobs_and_is_replaced(tmp_path, portal) -> None:
    """`worker_max_jobs = 2`: the worker finishes the two sources it runs, takes nothing new
    and exits; the next cycle starts a fresh one."""
    app = fleet_app(tmp_path, portal, 2, extra="[crawl]\nworkers = 1\nworker_max_jobs = 2\n")
    with make_pool(app.config) as pool:
        results = run_crawl(app, pool=pool)
        assert [r.ok for r in results] == [True, True] and sum(r.new for r in results) == 6
        wait_for(lambda: not pool.processes, "the retired worker to exit")
        again = run_crawl(app, now=parse_iso("2026-11-26T10:10"), pool=pool)
        assert all(r.ok and r.new == 0 for r in again)
        assert pool.spawned == 2


def test_a_killed_worker_costs_no_progress(tmp_path, portal) -> None:
    """SIGKILL a worker while a source's request hangs: the source runs again on a new worker
    and its crawl completes; nothing is lost or doubled."""
    app = fleet_app(tmp_path, portal, 1, extra="[crawl]\nworkers = 1\n")
    portal.set_mode("hang")
    with make_pool(app.config) as pool:
        results: list = []
        crawl = threading.Thread(target=lambda: results.extend(run_crawl(app, pool=pool)))
        crawl.start()
        wait_for(lambda: any("product_id" in p for p in portal.paths), "the hanging request")
        [pid] = pool.processes
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: pool.spawned == 2, "a new worker")
        # the portal answers again (a request of the new worker already held gets a 503,
        # which the profile's one retry rides out)
        portal.set_mode("ok")
        crawl.join(120)
        assert not crawl.is_alive()
        [result] = results
        assert result.ok and result.new == 3, result.error
        assert pool.spawned == 2
    with app.session() as session:
        assert session.scalar(select(func.count()).select_from(Message)) == 3


def test_a_polite_site_sees_one_crawl_at_a_time(tmp_path, portal) -> None:
    app = fleet_app(tmp_path, portal, 4, delay=0.05)
    results = run_crawl(app)
    assert all(r.ok for r in results)
    # each source's crawl fetches robots.txt first: between two of them, one source's pages
    paths = "\n".join(portal.paths).split("/robots.txt")
    chunks = [c for c in paths if c.strip()]
    assert len(chunks) == 4
    assert all(len(re.findall(r"src=(s\d+)", c)) == 1 for c in chunks), chunks


def test_rows_reach_the_database_while_a_big_crawl_runs(tmp_path, portal) -> None:
    """A first crawl of 1,200 messages is ingested in batches: rows are in the database
    before the crawl ends."""
    portal.add_messages(
        [
            {"external_id": f"b{n:04d}", "title": f"来信{n}", "posted_at": at("2026-11-01T09:00")}
            for n in range(1200)
        ]
    )
    app = fleet_app(tmp_path, portal, 1)
    seen_during: list[int] = []
    lines: list[str] = []

    def progress(line: str) -> None:
        lines.append(line)
        with app.session() as session:
            seen_during.append(session.scalar(select(func.count()).select_from(Message)) or 0)

    [result] = run_crawl(app, delay=0.0, progress=progress)
    assert result.ok and result.new == 1203
    assert any(0 < n < 1203 for n in seen_during), seen_during
    assert lines and lines[-1].startswith("抓取中：0/1 个来源完成，已收到 ")
