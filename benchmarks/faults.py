"""Fault benchmarks (issue 9): what a misbehaving portal or channel costs, and what it never does.

Each part is one function printing its figures; `--only NAME` runs one part.

* crawl — a sample portal on loopback (N messages, all open, so every cycle walks every page)
  whose list page 2 misbehaves (404, an empty table, a captcha page, a 302 to a login page):
  requests and wall time of that crawl against a healthy recrawl, whether the pass counted as
  complete (it must not), and how many messages were withdrawn (goal 0).

    python benchmarks/faults.py [--only crawl] [--messages 200]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

from monitor.app import App, fixed_clock  # noqa: E402
from monitor.config import load_config  # noqa: E402
from monitor.crawl import run_crawl  # noqa: E402
from monitor.db.models import Message  # noqa: E402
from monitor.demo.sampleportal import SamplePortal, luan_profile_text  # noqa: E402
from monitor.timeutil import parse_iso  # noqa: E402

# ---- crawl: a bad list page 2 (the crawl helper's part) --------------------------------------
CRAWL_FAULTS = ("404", "empty", "captcha", "login")


def crawl_bad_page(args: argparse.Namespace) -> None:
    portal = SamplePortal()
    base = portal.start()
    now = parse_iso("2026-11-26T10:00")
    start = now - timedelta(days=2)
    portal.add_messages([{"external_id": f"f{n:05d}", "title": f"关于第{n}号路灯的问题",
                          "posted_at": start + timedelta(minutes=n), "department": "城建科"}
                         for n in range(args.messages)])
    try:
        with tempfile.TemporaryDirectory(prefix="om-faults-") as folder:
            root = Path(folder)
            (root / "sites").mkdir()
            (root / "sites" / "sample.toml").write_text(luan_profile_text(base), encoding="utf-8")
            (root / "monitor.toml").write_text(
                '[monitor]\ndatabase = "sqlite:///monitor.db"\n\n[[sources]]\nname = "faults"\n'
                'profile = "sites/sample.toml"\nsection = "bxcy"\nevery = "1h"\n', encoding="utf-8")
            app = App(load_config(root / "monitor.toml"), clock=fixed_clock(now))
            first = run_crawl(app, delay=0.0)[0]
            if not (first.ok and first.complete):
                raise SystemExit(f"first crawl failed: {first.error}")
            rows = [_crawl_row(app, portal, "健康（对照）", None, now + timedelta(minutes=10))]
            for n, fault in enumerate(CRAWL_FAULTS, start=2):
                rows.append(_crawl_row(app, portal, f"第 2 页 {fault}", fault,
                                       now + timedelta(minutes=10 * n)))
            with app.session() as session:
                withdrawn = session.scalar(select(func.count()).select_from(Message)
                                           .where(Message.state == "withdrawn"))
    finally:
        portal.stop()
    print(f"crawl: {args.messages} open messages, {-(-args.messages // 20)} list pages, delay 0")
    print(f"{'case':<16}{'requests':>9}{'seconds':>9}  complete  withdrawn  reason")
    for case, requests, seconds, complete, count, reason in rows:
        print(f"{case:<16}{requests:>9}{seconds:>9.2f}  {str(complete):<8}  {count:>9}  {reason}")
    print(f"withdrawn after all faulty crawls: {withdrawn} (goal 0)")


def _crawl_row(app: App, portal: SamplePortal, case: str, fault: str | None,
               when: object) -> tuple[str, int, float, bool, int, str]:
    portal.break_page("bxcy", 2, fault)
    began = time.perf_counter()
    result = run_crawl(app, now=when, delay=0.0)[0]  # type: ignore[arg-type]
    seconds = time.perf_counter() - began
    portal.break_page("bxcy", 2, None)
    return case, result.requests, seconds, result.complete, result.withdrawn, result.error or ""


# ---- the parts -----------------------------------------------------------------------------
PARTS: dict[str, Callable[[argparse.Namespace], None]] = {"crawl": crawl_bad_page}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=sorted(PARTS), help="run one part")
    parser.add_argument("--messages", type=int, default=200, help="crawl: messages on the portal")
    args = parser.parse_args()
    for name, part in PARTS.items():
        if args.only in (None, name):
            part(args)


if __name__ == "__main__":
    main()
