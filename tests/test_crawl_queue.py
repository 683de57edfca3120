"""Several crawl machines on one PostgreSQL (issue 24, docs/deployment.md): two real
`opinion-monitor crawl-worker` processes share 200 sources through the procrastinate queue on a
private PostgreSQL server; every source is crawled exactly once in the cycle, none is skipped,
and a second tick while sources still wait adds nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text

from monitor.app import App
from monitor.config import load_config
from monitor.db.models import CrawlRun
from monitor.demo.fleet import write_fleet
from monitor.demo.sampleportal import SamplePortal
from monitor.timeutil import parse_iso

pytest.importorskip("procrastinate")

ROOT = Path(__file__).resolve().parent.parent
SOURCES = 200
PORTALS = 4


@pytest.fixture
def portals() -> Iterator[list[SamplePortal]]:
    started = []
    for k in range(PORTALS):
        portal = SamplePortal()
        portal.start()
        portal.add_message(f"p{k}", "小区停车位规划问题", parse_iso("2026-11-20T09:00"))
        started.append(portal)
    yield started
    for portal in started:
        portal.stop()


def test_two_workers_share_200_sources_once_each(
    tmp_path: Path, postgres_server_url: str, portals: list[SamplePortal]
) -> None:
    from monitor.crawl_queue import enqueue_crawls
    from tests.pg import create_database

    url = create_database(postgres_server_url, "om_crawl_queue")
    path = write_fleet(
        tmp_path,
        [p.base_url for p in portals],
        SOURCES,
        database=url,
        extra='[crawl]\nqueue = "postgres"\nworkers = 1\nconcurrency = 16\n',
    )
    app = App(load_config(path))
    app.sessions  # the schema before anyone writes
    names = [s.name for s in app.config.settings.sources]
    queued = enqueue_crawls(app, names)
    assert all(queued.values()) and len(queued) == SOURCES
    # the next tick comes while they all still wait: nothing is added
    again = enqueue_crawls(app, names)
    assert not any(again.values())

    env = {k: v for k, v in os.environ.items() if not k.startswith("OPINION_MONITOR")}
    command = [sys.executable, "-m", "monitor", "--config", str(path), "crawl-worker", "--once"]
    workers = [
        subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    logs = [w.communicate(timeout=600)[1] for w in workers]
    assert [w.returncode for w in workers] == [0, 0], logs

    with app.session() as session:
        runs = list(session.scalars(select(CrawlRun)))
    per_source = Counter(r.source for r in runs)
    assert sorted(per_source) == sorted(names)  # none skipped
    assert max(per_source.values()) == 1  # none twice
    assert all(r.ok and r.new == 1 for r in runs), [r.error for r in runs if not r.ok][:3]
    machines = Counter(r.stats["crawled_by"] for r in runs)
    assert len(machines) == 2, machines  # both workers took part
    with app.session() as session:
        left = session.execute(text("SELECT count(*) FROM procrastinate_jobs")).scalar()
    assert left == 0  # finished jobs are deleted
