"""Dashboard figures: the board's response time with 1,000 and 100,000 open messages, on
SQLite and on PostgreSQL, and the memory of the web process.

    python benchmarks/web.py [--sizes 1000 100000] [--requests 20] [--no-postgres]

Each case builds a database, starts the real `opinion-monitor web` in a child process (waitress
on 127.0.0.1), logs in over HTTP and times GET / (the whole board: counts per department, three
state sections, crisis clocks, health banners) as the browser receives it. Prints figures;
asserts nothing. Goal: median < 150 ms at 100,000 open messages."""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEPARTMENTS = [
    "办公室",
    "综合科",
    "审计一科",
    "审计二科",
    "财政审计科",
    "经济责任审计科",
    "固定资产投资审计科",
    "社会保障审计科",
    "法规科",
    "内审指导科",
]
PASSWORD = "bench-password-1"


def fill(url: str, count: int, folder: Path) -> Path:
    """A config on `url` holding `count` open messages received over the last four weeks."""
    from sqlalchemy import insert

    from monitor.app import App, fixed_clock
    from monitor.config import load_config
    from monitor.db.models import Message
    from monitor.deadlines import message_state, reply_stages, working_day_deadline
    from monitor.timeutil import local_date, parse_iso
    from monitor.web.accounts import add_user

    config = folder / "monitor.toml"
    config.write_text(f'[monitor]\ndatabase = "{url}"\n', encoding="utf-8")
    now = parse_iso("2026-11-26T10:00")
    app = App(load_config(config), clock=fixed_clock(now))
    rule = app.config.settings.rules.reply
    base = parse_iso("2026-10-29T09:00")
    per_day: dict[object, tuple] = {}
    rows = []
    for i in range(count):
        posted = base + timedelta(minutes=(i * 37) % (60 * 24 * 28))
        day = local_date(posted)
        if day not in per_day:
            due = working_day_deadline(posted, rule.working_days, app.calendar)
            stages = reply_stages(due.due_date, rule.thresholds, app.calendar)
            per_day[day] = (due, stages[0].at)
        due, first = per_day[day]
        rows.append(
            {
                "source": "bench-bxcy" if i % 3 else "bench-bmxx",
                "external_id": str(i),
                "kind": "reply",
                "url": f"http://portal.example/detail/{i}",
                "title": f"关于第{i}号问题的留言",
                "posted_at": posted,
                "department": DEPARTMENTS[i % len(DEPARTMENTS)],
                # as the daemon's sweep (every minute) leaves them
                "state": message_state(due.deadline, first, now).value,
                "due_date": due.due_date,
                "deadline": due.deadline,
                "first_warning_at": first,
                "provisional": False,
                "first_seen": posted,
                "last_seen": now,
            }
        )
    with app.session() as session:
        for start in range(0, len(rows), 5000):
            session.execute(insert(Message), rows[start : start + 5000])
        add_user(session, "bench", "viewer", PASSWORD, now)
    if url.startswith("postgresql"):
        # VACUUM as autovacuum would by now: index-only scans need the visibility map
        engine = app.sessions().get_bind().engine
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    else:
        with app.sessions().get_bind().connect() as connection:
            connection.exec_driver_sql("ANALYZE")
    return config


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def measure(config: Path, requests: int) -> dict[str, float]:
    import psutil

    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-m", "monitor", "--config", str(config), "web", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        form = opener.open(base + "/login").read().decode()
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
        opener.open(
            base + "/login",
            data=urllib.parse.urlencode(
                {"username": "bench", "password": PASSWORD, "csrf_token": token}
            ).encode(),
        ).read()
        times = []
        for _ in range(requests + 2):
            start = time.perf_counter()
            body = opener.open(base + "/").read()
            times.append(time.perf_counter() - start)
        assert "待办留言".encode() in body
        times = times[2:]  # the first requests warm caches (jieba is not involved here)
        rss = psutil.Process(child.pid).memory_info().rss
        return {
            "median_ms": statistics.median(times) * 1000,
            "p90_ms": sorted(times)[int(len(times) * 0.9) - 1] * 1000,
            "rss_mb": rss / 1e6,
            "bytes": len(body),
        }
    finally:
        child.terminate()
        child.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    backends = ["sqlite"] + ([] if args.no_postgres else ["postgresql"])
    print(
        f"{'database':<11}{'open messages':>14}{'median ms':>11}{'p90 ms':>9}{'page KB':>9}"
        f"{'web RSS MB':>12}"
    )
    server = None
    for backend in backends:
        for size in args.sizes:
            with tempfile.TemporaryDirectory() as tmp:
                if backend == "sqlite":
                    url = "sqlite:///bench.db"
                else:
                    if server is None:
                        from tests.pg import postgres_server

                        server_gen = postgres_server()
                        server = next(server_gen)
                    from tests.pg import create_database

                    url = create_database(server, f"om_bench_web_{size}")
                config = fill(url, size, Path(tmp))
                figures = measure(config, args.requests)
                print(
                    f"{backend:<11}{size:>14,}{figures['median_ms']:>11.0f}{figures['p90_ms']:>9.0f}"
                    f"{figures['bytes'] / 1024:>9.0f}{figures['rss_mb']:>12.0f}",
                    flush=True,
                )
    if server is not None:
        server_gen.close()


if __name__ == "__main__":
    main()
