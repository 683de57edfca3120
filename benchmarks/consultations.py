"""意见征集 at scale: registering, sweeping, listing and reporting many consultations in SQLite.

    python benchmarks/consultations.py [--consultations 2000] [--runs 3]

Registers consultations through the register (`add_consultation`: window, 采纳情况 clock,
stages, history, the short-window alert) with windows spread over 2026, a fifth of them short
and two thirds with their 采纳情况 published; then times one whole sweep at the year's end (the
consultation steps move every state and enqueue every due stage, set-based), the /consultations
page's query (`list_consultations` + `consultation_document` for every open one) and the
report's figures for 2026. Prints figures; asserts nothing."""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEPARTMENTS = ["综合科", "财政科", "审计一科", "法规科", None]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--consultations", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from monitor.app import App, fixed_clock
    from monitor.calendar import WorkingDays
    from monitor.config import load_config
    from monitor.consultation.figures import consultation_figures
    from monitor.consultation.register import (
        add_consultation,
        consultation_document,
        list_consultations,
        record_feedback,
    )
    from monitor.disclosure.register import Context
    from monitor.report.period import parse_period
    from monitor.sweep import sweep

    rng = random.Random(20261206)
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "monitor.toml"
        config.write_text('[monitor]\ndatabase = "sqlite:///bench.db"\n', encoding="utf-8")
        start = datetime(2025, 12, 31, 16, tzinfo=UTC)  # 2026-01-01 00:00 in Beijing
        app = App(load_config(config), clock=fixed_clock(start))
        n = args.consultations
        t0 = time.perf_counter()
        with app.session() as session:
            ctx = Context(app.config, app.calendar, start, actor="bench")
            rows = []
            for i in range(n):
                opens = start + timedelta(days=rng.uniform(0, 330))
                days = rng.choice([15, 20, 30, 30, 30, 45])
                row = add_consultation(
                    session,
                    ctx,
                    f"征求意见稿{i}",
                    opens,
                    opens + timedelta(days=days),
                    department=rng.choice(DEPARTMENTS),
                )
                rows.append(row)
            added = time.perf_counter() - t0
            for row in rows:
                if rng.random() < 0.66:
                    late = rng.random() < 0.2
                    at = row.deadline + timedelta(days=3) if late else row.closes_at
                    record_feedback(session, ctx, row.id, at + timedelta(hours=10))
        print(
            f"registered {n:,} consultations in {added:.2f} s "
            f"({added / n * 1000:.2f} ms each: window, clock, stages, history, short alert)",
            flush=True,
        )
        end = datetime(2026, 12, 31, 2, tzinfo=UTC)
        app.clock = fixed_clock(end)
        t0 = time.perf_counter()
        result = sweep(app, end)
        took = time.perf_counter() - t0
        moved = result.counts["consultation.states"]
        alerts = result.counts["alerts.consultation"] + result.counts["alerts.consultation_short"]
        print(
            f"first sweep at year's end: {took * 1000:.0f} ms for the whole sweep "
            f"({moved:,} consultation states moved, {alerts:,} consultation alerts enqueued)"
        )
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            sweep(app, end + timedelta(minutes=1))
            times.append(time.perf_counter() - t0)
        print(f"a quiet sweep after it: median {statistics.median(times) * 1000:.0f} ms")
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            with app.session() as session:
                days = WorkingDays(app.calendar)
                docs = [
                    consultation_document(r, end, days)
                    for r in list_consultations(session, end, "open")
                ]
            times.append(time.perf_counter() - t0)
        print(
            f"consult list (open: {len(docs):,} rows with working days left): "
            f"median {statistics.median(times) * 1000:.0f} ms"
        )
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            with app.session() as session:
                table = consultation_figures(session, parse_period("2026"), end)
            times.append(time.perf_counter() - t0)
        t = table.total
        print(
            f"report figures 2026 (one GROUP BY): median {statistics.median(times) * 1000:.0f} ms; "
            f"held {t.held:,}, short {t.short:,}, on time {t.on_time:,}, late {t.late:,}, "
            f"overdue {t.overdue:,}, pending {t.pending:,}"
        )


if __name__ == "__main__":
    main()
