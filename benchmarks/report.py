"""Report figures: the annual report over a year of history in SQLite (and the other formats).

    python benchmarks/report.py [--messages 100000] [--requests 2000] [--runs 3]

Builds a history (messages spread over 2026 across 8 departments and 3 sources, most
replied, some late or still open; 依申请公开 requests; watch hits; crisis events), then times
`build_report` for the year 2026 — every figure computed in SQL — and the HTML, XLSX and
raw CSV outputs; then the national-format annual report (`build_gov_annual`: tables 三 and
四 and the cross-checks) and its XLSX and HTML. Prints figures; asserts nothing. Target: the
annual report < 5 s."""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

APPLICANT_TYPES = ["自然人"] * 6 + ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
DEPARTMENTS = ["综合科", "财政科", "审计一科", "审计二科", "法规科", "经责科", "投资科", None]
SOURCES = ["luan-bxcy", "luan-bmxx", "mayor-mailbox"]
OUTCOMES = ["予以公开", "部分公开", "不予公开", "无法提供", "不予处理", "其他处理"]


def _reason(rng: random.Random, outcome: str | None) -> str | None:
    """A numbered reason for the outcome; one in twenty left out (as migrated requests are)."""
    from monitor.disclosure.categories import REASONS

    reasons = REASONS.get(outcome or "", ())
    return rng.choice(reasons) if reasons and rng.random() > 0.05 else None


def build_history(app, messages: int, requests: int) -> None:
    from sqlalchemy import insert

    from monitor.db.models import (
        CrisisEvent,
        DisclosureRequest,
        Message,
        Milestone,
        WatchHit,
        WatchTerm,
    )

    rng = random.Random(20261201)
    start = datetime(2025, 12, 31, 16, tzinfo=UTC)  # 2026-01-01 00:00 in Shanghai
    year = timedelta(days=365)
    rows = []
    for i in range(messages):
        posted = start + year * rng.random()
        deadline = posted + timedelta(days=7)
        roll = rng.random()
        replied = None
        state = "open"
        if roll < 0.80:
            replied, state = posted + timedelta(hours=rng.uniform(2, 140)), "replied"
        elif roll < 0.92:
            replied, state = deadline + timedelta(hours=rng.uniform(1, 200)), "replied_late"
        elif roll < 0.95:
            state = "withdrawn"
        elif deadline < datetime(2026, 12, 31, 16, tzinfo=UTC):
            state = "overdue"
        rows.append(
            {
                "source": rng.choice(SOURCES),
                "external_id": f"b{i}",
                "kind": "reply",
                "title": f"留言{i}",
                "posted_at": posted,
                "department": rng.choice(DEPARTMENTS),
                "state": state,
                "due_date": deadline.date(),
                "deadline": deadline,
                "provisional": False,
                "extension_days": 0,
                "replied_at": replied,
                "replied_at_approx": False,
                "first_seen": posted,
                "last_seen": posted,
                "missed_passes": 0,
                "alerted": False,
                "watch_scanned": True,
            }
        )
    with app.session() as session:
        for chunk in range(0, len(rows), 5000):
            session.execute(insert(Message), rows[chunk : chunk + 5000])
        reqs = []
        for i in range(requests):
            received = start - timedelta(days=30) + (year + timedelta(days=30)) * rng.random()
            deadline = received + timedelta(days=28)
            done = received + timedelta(days=rng.uniform(3, 40)) if rng.random() < 0.9 else None
            reqs.append(
                {
                    "title": f"申请公开{i}",
                    "department": rng.choice(DEPARTMENTS),
                    "first_received_at": received,
                    "received_at": received,
                    "correction_due": (received + timedelta(days=9)).date(),
                    "extension_days": 0,
                    "state": ("replied" if done and done <= deadline else "replied_late")
                    if done
                    else "open",
                    "due_date": deadline.date(),
                    "deadline": deadline,
                    "provisional": False,
                    "outcome": (outcome := rng.choice(OUTCOMES) if done else None),
                    "reason": _reason(rng, outcome),
                    "applicant_type": rng.choice(APPLICANT_TYPES),
                    "done_at": done,
                    "created_at": received,
                    "updated_at": received,
                }
            )
        session.execute(insert(DisclosureRequest), reqs)
        terms = [("审计", "审计监督"), ("欠薪", "民生"), ("拆迁", "民生"), ("造假", "廉政")]
        session.execute(
            insert(WatchTerm),
            [
                {
                    "term": t,
                    "level": "warning",
                    "category": c,
                    "exclude": [],
                    "enabled": True,
                    "updated_at": start,
                }
                for t, c in terms
            ],
        )
        session.execute(
            insert(WatchHit),
            [
                {
                    "subject": f"news:{i}",
                    "term": rng.choice(terms)[0],
                    "level": "warning",
                    "confidence": 1.0,
                    "found_at": start + year * rng.random(),
                }
                for i in range(messages // 20)
            ],
        )
        for i in range(12):
            started = start + timedelta(days=30 * i + 3)
            event = CrisisEvent(
                title=f"舆情事件{i + 1}", level="major", started_at=started, declared_at=started
            )
            event.milestones = [
                Milestone(
                    name="publish",
                    deadline=started + timedelta(hours=5),
                    done_at=started + timedelta(hours=rng.uniform(1, 7)),
                ),
                Milestone(
                    name="press_conference",
                    deadline=started + timedelta(hours=24),
                    done_at=started + timedelta(hours=rng.uniform(10, 30)),
                ),
            ]
            session.add(event)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from monitor.app import App, fixed_clock
    from monitor.config import load_config
    from monitor.report.figures import build_report
    from monitor.report.html import render_html
    from monitor.report.period import parse_period
    from monitor.report.rawcsv import write_csv
    from monitor.report.xlsx import write_xlsx

    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "monitor.toml"
        config.write_text('[monitor]\ndatabase = "sqlite:///bench.db"\n', encoding="utf-8")
        now = datetime(2027, 1, 5, 2, tzinfo=UTC)
        app = App(load_config(config), clock=fixed_clock(now))
        t0 = time.perf_counter()
        build_history(app, args.messages, args.requests)
        print(
            f"history: {args.messages:,} messages, {args.requests:,} 依申请公开 requests, "
            f"{args.messages // 20:,} watch hits, 12 crisis events "
            f"(built in {time.perf_counter() - t0:.1f} s)",
            flush=True,
        )
        period = parse_period("2026")
        times, report = [], None
        for _ in range(args.runs):
            t0 = time.perf_counter()
            with app.session() as session:
                report = build_report(session, app.config, app.calendar, period, now)
            times.append(time.perf_counter() - t0)
        assert report is not None
        print(
            f"annual report 2026 (build_report, all figures in SQL): median {statistics.median(times):.2f} s, "
            f"best {min(times):.2f} s over {args.runs} runs; total received {report.total.received:,}, "
            f"punctuality {report.total.rate * 100:.1f}%, median {report.total.median_wd:g} wd, "
            f"p90 {report.total.p90_wd:g} wd"
        )
        tracemalloc.start()
        with app.session() as session:
            build_report(session, app.config, app.calendar, period, now)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"annual report peak Python memory: {peak / 2**20:.1f} MiB (rows are never loaded)")
        t0 = time.perf_counter()
        page = render_html(report)
        print(f"HTML: {time.perf_counter() - t0:.3f} s, {len(page.encode()) / 1024:.0f} KiB")
        t0 = time.perf_counter()
        write_xlsx(report, io.BytesIO())
        print(f"XLSX: {time.perf_counter() - t0:.3f} s")
        t0 = time.perf_counter()
        with app.session() as session:
            rows = write_csv(session, period, min(now, period.end_utc), io.StringIO())
        print(f"raw CSV: {rows:,} rows in {time.perf_counter() - t0:.2f} s (streamed)")

        from monitor.report.gov_annual import build_gov_annual
        from monitor.report.gov_html import render_gov_html
        from monitor.report.gov_xlsx import write_gov_xlsx

        times, gov = [], None
        for _ in range(args.runs):
            t0 = time.perf_counter()
            with app.session() as session:
                gov = build_gov_annual(session, 2026, now)
            times.append(time.perf_counter() - t0)
        assert gov is not None
        print(
            f"gov-annual 2026 (tables 三/四 and the checks): median {statistics.median(times):.3f} s, "
            f"best {min(times):.3f} s; （七）总计 {gov.table3['（七）总计']['总计']:,}, "
            f"{len(gov.marks)} cells marked, {sum(not c.ok for c in gov.checks)} checks failing"
        )
        t0 = time.perf_counter()
        write_gov_xlsx(gov, io.BytesIO())
        xlsx_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        render_gov_html(gov)
        print(f"gov-annual XLSX: {xlsx_s:.3f} s, HTML: {time.perf_counter() - t0:.3f} s")


if __name__ == "__main__":
    main()
