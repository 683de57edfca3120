"""Core figures: `calendar due` cold start, and one sweep over 100,000 open messages in SQLite.

    python benchmarks/core.py [--messages 100000] [--runs 5]

Prints figures; asserts nothing. Targets: cold start < 0.5 s, sweep < 2 s."""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def cold_start(runs: int, config: Path | None = None) -> list[float]:
    """`calendar due` from process start to exit, from a folder without a deployment (the
    package calendar) or with --config (the shipped monitor.toml and holidays.toml)."""
    import os

    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # the project need not be installed
    option = ["--config", str(config)] if config else []
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "monitor",
                *option,
                "calendar",
                "due",
                "--from",
                "2024-09-27T10:00",
                "--working-days",
                "5",
                "--json",
            ],
            check=True,
            capture_output=True,
            cwd=tempfile.gettempdir(),
            env=env,
        )
        times.append(time.perf_counter() - start)
    return times


def bare_python(runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def build_database(folder: Path, count: int):
    from sqlalchemy import insert

    from monitor.app import App, fixed_clock
    from monitor.config import load_config
    from monitor.db.models import DeadlineStage, Message
    from monitor.deadlines import reply_stages, working_day_deadline
    from monitor.timeutil import parse_iso

    (folder / "monitor.toml").write_text('[monitor]\ndatabase = "sqlite:///bench.db"\n')
    now = parse_iso("2026-11-26T10:00")
    app = App(load_config(folder / "monitor.toml"), clock=fixed_clock(now))
    rule = app.config.settings.rules.reply
    messages, stages = [], []
    base = parse_iso("2026-11-02T09:00")
    # receipts spread over the last four weeks, so the sweep finds every kind of transition
    for i in range(count):
        posted = base + timedelta(minutes=(i * 37) % (60 * 24 * 26))
        due = working_day_deadline(posted, rule.working_days, app.calendar)
        st = reply_stages(due.due_date, rule.thresholds, app.calendar)
        messages.append(
            dict(
                id=i + 1,
                source="bench",
                external_id=str(i),
                title=f"留言{i}",
                posted_at=posted,
                state="open",
                due_date=due.due_date,
                deadline=st[-1].at,
                first_warning_at=st[0].at,
                provisional=False,
                first_seen=posted,
                last_seen=posted,
                department=f"科室{i % 12}",
                kind="reply",
                extension_days=0,
                replied_at_approx=False,
                missed_passes=0,
                alerted=False,
            )
        )
        stages += [dict(message_id=i + 1, stage=s.name, at=s.at, fired=False) for s in st]
    with app.session() as session:
        for chunk in range(0, count, 20_000):
            session.execute(insert(Message), messages[chunk : chunk + 20_000])
        for chunk in range(0, len(stages), 50_000):
            session.execute(insert(DeadlineStage), stages[chunk : chunk + 50_000])
    return app, now


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only-cold-start", action="store_true", help="skip the sweep figures")
    args = parser.parse_args()

    times = cold_start(args.runs)
    print(
        f"calendar due cold start: median {statistics.median(times):.3f} s, "
        f"max {max(times):.3f} s over {args.runs} runs (bare python: {bare_python(args.runs):.3f} s)"
    )
    times = cold_start(args.runs, ROOT / "config" / "monitor.toml")
    print(
        f"calendar due --config config/monitor.toml cold start: median "
        f"{statistics.median(times):.3f} s, max {max(times):.3f} s over {args.runs} runs"
    )
    if args.only_cold_start:
        return

    from monitor.sweep import STEPS, sweep

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        app, now = build_database(Path(tmp), args.messages)
        print(f"built {args.messages:,} open messages in {time.perf_counter() - started:.1f} s")
        timings: dict[str, float] = {}
        counts: dict[str, int] = {}
        started = time.perf_counter()
        with app.session() as session:
            for name, step in STEPS:
                t = time.perf_counter()
                counts[name] = step(session, app, now)
                timings[name] = time.perf_counter() - t
        first = time.perf_counter() - started
        print(
            f"first sweep over {args.messages:,} open messages: {first:.2f} s in all "
            f"(transitions {counts['states']:,}, reply alerts {counts['alerts.reply']:,})"
        )
        for name in timings:
            print(f"  step {name:<16} {timings[name]:6.3f} s  ({counts[name]:,} rows)")
        deadline_steps = sum(t for n, t in timings.items() if not n.startswith("watch"))
        print(
            f"  deadline steps (all but the watchlist scan, which is capped per sweep): "
            f"{deadline_steps:.2f} s"
        )
        started = time.perf_counter()
        sweep(app, now + timedelta(minutes=1))
        print(f"next minute's sweep: {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
