"""A province on one machine (issue 24): crawl, matching and sweep figures side by side.

    python benchmarks/scale.py [--sizes 20,100,1000] [--sites 20] [--first 200x200]
                               [--queue-sources 200] [--match-mb 2] [--sweep 100000]
                               [--skip crawl,first,queue,match,sweep]

Prints, each with the load average when it was measured (the machine is shared):

* a no-change cycle of N sources spread over local sample portals (one portal per site):
  wall time and CPU-seconds per source (this process's ingest + the crawl workers), once as
  one `crawl` command (workers started and stopped) and once as the daemon's cycle (workers
  kept), against one bare Scrapy process fetching the same pages in the same run; the most
  processes and the summed resident memory of the crawl seen at any moment;
* a first crawl of S sources with M messages each at delay 0: rows ingested per second;
* two `opinion-monitor crawl-worker` processes on one private PostgreSQL sharing sources:
  sources crawled in the cycle, duplicates, skipped;
* the whole matching path (normalise + automaton + confidence) against `jieba.lcut` on the
  same text (CPU time, so other people's load does not skew the ratio);
* the catch-up sweep at 100,000 open messages in a fresh process (benchmarks/core.py's
  database), wall and CPU.

The sample portals run in a child process of their own, so the crawl's CPU is not theirs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NOW = "2026-11-26T10:00"
SUMMARY: list[tuple[str, str, str, str]] = []  # figure, value, target, load


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f}"


def note(figure: str, value: str, target: str) -> None:
    SUMMARY.append((figure, value, target, load()))
    print(f"{figure}: {value}   [{target}; {load()}]", flush=True)


# ---- the sample portals, in a process of their own ----------------------------------------
def serve_portals(count: int, messages: int, open_messages: int) -> None:
    """Child mode: `count` sample portals with `messages` each (all but `open_messages`
    answered); prints their URLs as one JSON line; runs until stdin closes."""
    from monitor.demo.sampleportal import SamplePortal
    from monitor.timeutil import parse_iso

    start = parse_iso("2026-09-01T09:00")
    portals = []
    for _ in range(count):
        portal = SamplePortal()
        portal.start()
        portal.add_messages(
            [
                {
                    "external_id": f"m{n:05d}",
                    "title": f"关于第{n}号小区物业管理问题的反映",
                    "posted_at": start + timedelta(minutes=17 * n),
                    "department": "综合科",
                    "body": "小区物业服务不到位，请相关部门督促整改。" * 4,
                }
                for n in range(messages)
            ]
        )
        for n in range(messages - open_messages):
            portal.reply(f"m{n:05d}", start + timedelta(minutes=17 * n, days=1), text="已办理。")
        portals.append(portal)
    print(json.dumps([p.base_url for p in portals]), flush=True)
    sys.stdin.read()
    for portal in portals:
        portal.stop()


class Portals:
    def __init__(self, count: int, messages: int, open_messages: int = 0) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve-portals", f"{count},{messages},{open_messages}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.urls: list[str] = json.loads(self.process.stdout.readline())

    def __enter__(self) -> Portals:
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(60)


# ---- one bare Scrapy process ------------------------------------------------------------
def bare_scrapy(url_file: str) -> None:
    """Child mode: one CrawlerProcess fetching every URL of the file once, parsing nothing."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    urls = Path(url_file).read_text(encoding="utf-8").split()

    class Bare(scrapy.Spider):
        name = "bare"

        async def start(self):  # type: ignore[override]
            for url in urls:
                yield scrapy.Request(url, dont_filter=True, callback=self.parse)

        def parse(self, response):  # type: ignore[override]
            return None

    process = CrawlerProcess(
        {
            "LOG_LEVEL": "WARNING",
            "ROBOTSTXT_OBEY": False,
            "TELNETCONSOLE_ENABLED": False,
            "CONCURRENT_REQUESTS": 64,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
        }
    )
    process.crawl(Bare)
    process.start()


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def own_cpu() -> float:
    return time.process_time()


def run_bare(urls: list[str]) -> tuple[float, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(urls))
    before, began = children_cpu(), time.perf_counter()
    subprocess.run([sys.executable, __file__, "--bare-scrapy", handle.name], check=True)
    wall = time.perf_counter() - began
    os.unlink(handle.name)
    return children_cpu() - before, wall


class Watch:
    """Samples this process and its crawl workers every 0.2 s: most processes, most RSS."""

    def __init__(self) -> None:
        import psutil

        self.me = psutil.Process()
        self.processes = 0
        self.rss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                crawl = [self.me] + [
                    c
                    for c in self.me.children(recursive=True)
                    if any("spiders.worker" in part for part in c.cmdline())
                ]
                self.processes = max(self.processes, len(crawl))
                self.rss = max(self.rss, sum(p.memory_info().rss for p in crawl))
            except Exception:  # noqa: BLE001 - a worker exiting between the two calls
                pass
            self._stop.wait(0.2)

    def __enter__(self) -> Watch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def workers_cpu(pool) -> float:  # type: ignore[no-untyped-def]
    import psutil

    total = 0.0
    for pid in pool.processes:
        times = psutil.Process(pid).cpu_times()
        total += times.user + times.system
    return total


# ---- no-change cycles -------------------------------------------------------------------
def no_change(count: int, sites: int) -> None:
    from monitor.app import App, fixed_clock
    from monitor.config import load_config
    from monitor.crawl import make_pool, run_crawl
    from monitor.demo.fleet import write_fleet
    from monitor.timeutil import parse_iso

    sites = min(sites, count)
    now = parse_iso(NOW)
    with Portals(sites, 5) as portals, tempfile.TemporaryDirectory(prefix="om-scale-") as tmp:
        path = write_fleet(Path(tmp), portals.urls, count)
        app = App(load_config(path), clock=fixed_clock(now))
        with app.session():
            pass
        first = run_crawl(app, now=now)
        assert all(r.ok for r in first), [r.error for r in first if not r.ok][:3]
        # one `crawl` command: workers started, used once, stopped
        cpu0, kids0, began = own_cpu(), children_cpu(), time.perf_counter()
        with Watch() as watch:
            results = run_crawl(app, now=now + timedelta(minutes=10))
        cold_wall = time.perf_counter() - began
        cold_cpu = own_cpu() - cpu0 + children_cpu() - kids0
        requests = sum(r.requests for r in results)
        new = sum(r.new + r.updated for r in results)
        assert all(r.ok for r in results) and new == 0
        # the daemon's cycle: the pool stays; the second cycle is measured
        pool = make_pool(app.config)
        try:
            run_crawl(app, now=now + timedelta(minutes=20), pool=pool)
            cpu0, w0, began = own_cpu(), workers_cpu(pool), time.perf_counter()
            with Watch() as warm_watch:
                again = run_crawl(app, now=now + timedelta(minutes=30), pool=pool)
            warm_wall = time.perf_counter() - began
            warm_workers = workers_cpu(pool) - w0
            warm_cpu = own_cpu() - cpu0 + warm_workers
            assert all(r.ok for r in again)
        finally:
            pool.close()
        urls = []
        for source in app.config.settings.sources:
            base = portals.urls[int(Path(source.profile).stem[4:])]
            urls += [
                f"{base}/robots.txt",
                f"{base}/nocache/supervision/?product_id=3&src={source.section}&page=1",
            ]
        bare_cpu, bare_wall = run_bare(urls)
    per = 1000 / count
    print(
        f"no-change cycle, {count} sources on {sites} sites ({requests} requests): "
        f"`crawl` {cold_wall:.1f} s, {cold_cpu:.2f} CPU-s ({cold_cpu * per:.0f} ms/source); "
        f"daemon cycle {warm_wall:.1f} s, {warm_cpu:.2f} CPU-s ({warm_cpu * per:.0f} ms/source, "
        f"of which the crawl workers {warm_workers * per:.0f} and the ingest "
        f"{(warm_cpu - warm_workers) * per:.0f}); "
        f"bare Scrapy {bare_wall:.1f} s, {bare_cpu:.2f} CPU-s ({bare_cpu * per:.0f} ms/source); "
        f"peak {max(watch.processes, warm_watch.processes)} processes, "
        f"{max(watch.rss, warm_watch.rss) / 2**20:.0f} MB summed RSS",
        flush=True,
    )
    note(
        f"no-change cycle, {count} sources: CPU-s per source (`crawl` / daemon / bare Scrapy)",
        f"{cold_cpu / count:.3f} / {warm_cpu / count:.3f} / {bare_cpu / count:.3f} "
        f"(×{cold_cpu / bare_cpu:.1f} / ×{warm_cpu / bare_cpu:.1f} bare)",
        "≤ 0.1 and within 3× bare",
    )
    note(
        f"no-change cycle, {count} sources: wall (`crawl` / daemon), processes, RSS",
        f"{cold_wall:.1f} s / {warm_wall:.1f} s, {max(watch.processes, warm_watch.processes)} "
        f"processes, {max(watch.rss, warm_watch.rss) / 2**20:.0f} MB",
        "1,000 ≤ 2 min, ≤ 8 processes, ≤ 600 MB",
    )


# ---- first crawl ------------------------------------------------------------------------
def first_crawl(count: int, messages: int, sites: int) -> None:
    from monitor.app import App, fixed_clock
    from monitor.config import load_config
    from monitor.crawl import run_crawl
    from monitor.demo.fleet import write_fleet
    from monitor.timeutil import parse_iso

    sites = min(sites, count)
    with Portals(sites, messages, open_messages=messages // 10) as portals:
        with tempfile.TemporaryDirectory(prefix="om-scale-") as tmp:
            path = write_fleet(Path(tmp), portals.urls, count)
            app = App(load_config(path), clock=fixed_clock(parse_iso(NOW)))
            with app.session():
                pass
            lines: list[str] = []
            began = time.perf_counter()
            with Watch() as watch:
                results = run_crawl(app, delay=0.0, progress=lines.append)
            wall = time.perf_counter() - began
    rows = sum(r.new for r in results)
    failed = [r for r in results if not r.ok]
    print(
        f"first crawl, {count} sources × {messages} messages at delay 0 on {sites} sites: "
        f"{rows:,} rows, {sum(r.requests for r in results):,} requests in {wall:.1f} s "
        f"({len(failed)} failed); peak {watch.processes} processes, "
        f"{watch.rss / 2**20:.0f} MB; last progress line: {lines[-1] if lines else '-'}",
        flush=True,
    )
    note(
        f"first crawl, {count} × {messages} at delay 0: rows per second",
        f"{rows / wall:.0f} rows/s ({rows:,} rows in {wall:.0f} s)",
        "figure",
    )


# ---- two crawl-workers on PostgreSQL ----------------------------------------------------
def queue_cycle(count: int) -> None:
    from sqlalchemy import select

    from monitor.app import App
    from monitor.config import load_config
    from monitor.crawl_queue import enqueue_crawls
    from monitor.db.models import CrawlRun
    from monitor.demo.fleet import write_fleet
    from tests.pg import create_database, postgres_server

    server = postgres_server()
    url = next(server)
    try:
        with Portals(4, 1) as portals, tempfile.TemporaryDirectory(prefix="om-scale-") as tmp:
            path = write_fleet(
                Path(tmp),
                portals.urls,
                count,
                database=create_database(url, "om_scale_queue"),
                extra='[crawl]\nqueue = "postgres"\nworkers = 1\nconcurrency = 16\n',
            )
            app = App(load_config(path))
            app.sessions
            names = [s.name for s in app.config.settings.sources]
            enqueue_crawls(app, names)
            repeated = sum(enqueue_crawls(app, names).values())  # the next tick, still queued
            command = [sys.executable, "-m", "monitor", "--config", str(path)]
            began = time.perf_counter()
            workers = [
                subprocess.Popen(
                    [*command, "crawl-worker", "--once"],
                    cwd=ROOT,
                    stderr=subprocess.DEVNULL,
                )
                for _ in range(2)
            ]
            for worker in workers:
                worker.wait(900)
            wall = time.perf_counter() - began
            with app.session() as session:
                runs = list(session.scalars(select(CrawlRun)))
    finally:
        next(server, None)
    per_source = Counter(r.source for r in runs)
    duplicates = sum(n - 1 for n in per_source.values() if n > 1)
    skipped = len(set(names) - set(per_source))
    shares = sorted(Counter(r.stats.get("crawled_by") for r in runs).values())
    print(
        f"two crawl-workers on one PostgreSQL, {count} sources: {len(per_source)} crawled in "
        f"{wall:.1f} s (shares {shares}), duplicates {duplicates}, skipped {skipped}, "
        f"re-queued by a second tick {repeated}",
        flush=True,
    )
    note(
        f"two workers on PostgreSQL, {count} sources: crawled / duplicates / skipped",
        f"{len(per_source)} / {duplicates} / {skipped} in {wall:.0f} s (shares {shares})",
        "200 / 0 / 0",
    )


# ---- matching -------------------------------------------------------------------------
def matching(megabytes: float) -> None:
    import random

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from match import build_documents, build_terms, load_sentences

    from monitor.watchlist.matcher import build_matcher
    from monitor.watchlist.terms import parse_file

    rng = random.Random(20261126)
    sentences = load_sentences()
    docs = build_documents(sentences, megabytes, rng)
    size = sum(len(d.encode("utf-8")) for d in docs) / 1e6
    dense = build_terms(sentences, 1000, 100, rng)
    # the shipped watchlist's terms, filled up to 1,000 with generated ones (which rarely hit)
    real = parse_file(ROOT / "config" / "watchlist.txt")
    generated = [s for s in dense[100:] if s.term not in {r.term for r in real}]
    shipped = real + generated[: 1000 - len(real)]
    for name, specs in (
        ("match.py's terms (100 of the text's own words)", dense),
        ("config/watchlist.txt's terms", shipped),
    ):
        _match_figures(name, docs, size, build_matcher(specs))


def _match_figures(name: str, docs: list[str], size: float, matcher) -> None:  # type: ignore[no-untyped-def]
    import jieba

    from monitor.watchlist.normalize import normalized_view

    matcher.match(docs[0])  # jieba loaded before the clock starts

    def cpu(func) -> float:  # type: ignore[no-untyped-def]
        began = time.process_time()
        func()
        return time.process_time() - began

    whole = cpu(lambda: [matcher.match(d) for d in docs])
    views: list[tuple[str, str]] = []
    norm = cpu(lambda: views.extend(normalized_view(d) for d in docs))
    find = cpu(lambda: [matcher.find_view(v) for _, v in views])
    jieba.setLogLevel(60)
    jieba.initialize()
    cut = cpu(lambda: [jieba.lcut(d) for d in docs])
    hits = sum(len(matcher.match(d)) for d in docs)
    print(
        f"matching {size:.1f} MB ({len(docs):,} documents), {name}, 1,000 terms, {hits:,} "
        f"term hits: whole path {size / whole:.1f} MB/s (normalise {size / norm:.0f} MB/s, "
        f"automaton {size / find:.0f} MB/s); jieba.lcut {size / cut:.2f} MB/s (CPU time)",
        flush=True,
    )
    note(
        f"whole matching path vs jieba.lcut, {name}",
        f"×{cut / whole:.1f} ({hits / size:,.0f} term hits per MB)",
        "≥ ×10",
    )


# ---- the catch-up sweep ---------------------------------------------------------------
def sweep_child(count: int) -> None:
    """Child mode: build benchmarks/core.py's database, then one sweep in this fresh process."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from core import build_database

    from monitor.sweep import sweep

    with tempfile.TemporaryDirectory() as tmp:
        app, now = build_database(Path(tmp), count)
        cpu, began = time.process_time(), time.perf_counter()
        result = sweep(app, now)
        print(
            json.dumps(
                {
                    "wall": time.perf_counter() - began,
                    "cpu": time.process_time() - cpu,
                    "states": result.counts.get("states"),
                    "alerts": result.alerts,
                }
            ),
            flush=True,
        )


def catch_up(count: int) -> None:
    out = subprocess.run(
        [sys.executable, __file__, "--sweep-child", str(count)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    figures = json.loads(out.strip().splitlines()[-1])
    print(
        f"catch-up sweep at {count:,} open messages: {figures['wall']:.2f} s wall, "
        f"{figures['cpu']:.2f} CPU-s ({figures['states']:,} transitions, "
        f"{figures['alerts']:,} alerts)",
        flush=True,
    )
    note(f"catch-up sweep at {count:,} open messages", f"{figures['wall']:.2f} s", "< 5 s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="20,100,1000")
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--first", default="200x200", help="SOURCESxMESSAGES")
    parser.add_argument("--queue-sources", type=int, default=200)
    parser.add_argument("--match-mb", type=float, default=2.0)
    parser.add_argument("--sweep", type=int, default=100_000)
    parser.add_argument("--skip", default="", help="comma-separated: crawl,first,queue,match,sweep")
    parser.add_argument("--serve-portals", help=argparse.SUPPRESS)
    parser.add_argument("--bare-scrapy", help=argparse.SUPPRESS)
    parser.add_argument("--sweep-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_portals:
        count, messages, open_messages = map(int, args.serve_portals.split(","))
        return serve_portals(count, messages, open_messages)
    if args.bare_scrapy:
        return bare_scrapy(args.bare_scrapy)
    if args.sweep_child:
        return sweep_child(args.sweep_child)
    skip = set(filter(None, args.skip.split(",")))
    print(f"{os.cpu_count()} cores, {load()}", flush=True)
    if "crawl" not in skip:
        for size in map(int, args.sizes.split(",")):
            no_change(size, args.sites)
    if "first" not in skip:
        sources, messages = map(int, args.first.split("x"))
        first_crawl(sources, messages, args.sites)
    if "queue" not in skip:
        queue_cycle(args.queue_sources)
    if "match" not in skip:
        matching(args.match_mb)
    if "sweep" not in skip:
        catch_up(args.sweep)
    print("\nside by side:")
    width = max(len(f) for f, *_ in SUMMARY) if SUMMARY else 0
    for figure, value, target, when in SUMMARY:
        print(f"  {figure:<{width}}  {value}   [{target}; {when}]")


if __name__ == "__main__":
    main()
