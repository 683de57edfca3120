"""Crawl benchmark: a generated local portal with N messages (default 10,000), delay 0.

Prints:
* first crawl (every list page + every detail page, child + ingest): messages per second, and the
  parent's ingest alone;
* a no-change recrawl with K open messages (default 50): requests made (target: the list pages
  holding the open messages + 1 for robots.txt) and detail requests (target 0);
* peak memory (max RSS) of the crawl child and of this parent process.

    python benchmarks/crawl.py [--messages 10000] [--open 50] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.app import App, fixed_clock  # noqa: E402
from monitor.config import load_config  # noqa: E402
from monitor.crawl import run_crawl  # noqa: E402
from monitor.demo.sampleportal import PAGE_SIZE, SamplePortal, luan_profile_text  # noqa: E402
from monitor.timeutil import parse_iso  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--open", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()

    portal = SamplePortal()
    base = portal.start()
    start = parse_iso("2026-01-05T09:00")
    now = parse_iso("2026-11-26T10:00")
    step = (now - timedelta(hours=1) - start) / args.messages
    batch = []
    for n in range(args.messages):
        batch.append(
            {
                "external_id": f"b{n:06d}",
                "title": f"关于第{n}号小区物业管理问题的反映",
                "posted_at": start + step * n,
                "department": ("综合科", "审计一科", "审计二科")[n % 3],
                "body": f"第{n}号小区物业服务不到位，请相关部门督促整改。" * 3,
                "author": f"市民{n}",
            }
        )
    portal.add_messages(batch)
    for n in range(args.messages - args.open):  # all but the newest K are answered
        portal.reply(f"b{n:06d}", start + step * n + timedelta(days=2), text="已转相关部门办理。")

    with tempfile.TemporaryDirectory(prefix="om-bench-") as folder:
        root = Path(folder)
        (root / "sites").mkdir()
        profile = luan_profile_text(base).replace(
            "retries = 1", f"retries = 1\nconcurrency = {args.concurrency}"
        )
        (root / "sites" / "sample.toml").write_text(profile, encoding="utf-8")
        (root / "monitor.toml").write_text(
            '[monitor]\ndatabase = "sqlite:///monitor.db"\n\n[[sources]]\nname = "bench"\n'
            'profile = "sites/sample.toml"\nsection = "bxcy"\nevery = "1h"\n',
            encoding="utf-8",
        )
        app = App(load_config(root / "monitor.toml"), clock=fixed_clock(now))
        with app.session():
            pass  # create the schema outside the measurement

        began = time.perf_counter()
        first = run_crawl(app, delay=0.0)[0]
        total = time.perf_counter() - began
        if not first.ok:
            raise SystemExit(f"first crawl failed: {first.error}")
        child = float(first.stats.get("seconds") or 0)
        child_rss = int(first.stats.get("peak_rss_kb") or 0)

        before = portal.request_count
        began = time.perf_counter()
        again = run_crawl(app, now=now + timedelta(minutes=10), delay=0.0)[0]
        recrawl = time.perf_counter() - began
        paths = portal.paths[before:]
        details = sum(1 for p in paths if "/detail/" in p)
        pages_holding = -(-args.open // PAGE_SIZE)
        children_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        parent_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    portal.stop()

    print(
        f"portal: {args.messages} messages ({args.messages // PAGE_SIZE} list pages), "
        f"{args.open} open, delay 0, concurrency {args.concurrency}"
    )
    print(
        f"first crawl: {first.new} new, {first.requests} requests in {total:.1f} s "
        f"→ {first.new / total:.0f} messages/s end to end"
    )
    ingest = float(first.stats.get("ingest_seconds") or 0)
    print(
        f"  crawl worker job {child:.1f} s ({first.requests / child:.0f} requests/s); parent ingest "
        f"(rows streamed from the worker, insert, deadlines, commits) {ingest:.1f} s → "
        f"{first.new / max(ingest, 1e-9):.0f} messages/s; worker start-up and the rest "
        f"{total - child - ingest:.1f} s"
    )
    print(
        f"no-change recrawl ({args.open} open): {again.requests} requests "
        f"(target {pages_holding} pages holding them + 1 = {pages_holding + 1}), "
        f"{details} detail requests, {again.new} new, {again.updated} updated, {recrawl:.1f} s"
    )
    print(
        f"peak memory: crawl worker {child_rss / 1024:.0f} MiB max RSS (its own getrusage; "
        f"RUSAGE_CHILDREN says {children_rss / 1024:.0f} MiB), parent with the portal "
        f"{parent_rss / 1024:.0f} MiB"
    )


if __name__ == "__main__":
    main()
