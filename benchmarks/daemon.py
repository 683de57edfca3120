"""Daemon figures over a simulated day: resident memory with 20 sources, the delay from a new
message on the portal to its row, and from a crisis stage reached to its alert sent.

    python benchmarks/daemon.py [--sources 20] [--every 3h] [--hours 24] [--sweep-every 1m]

The daemon's own jobs (monitor.daemon.build_jobs: crawls in child processes, the sweep and
dispatch, the summary, the calendar check) run against the sample portal, a fake WeCom robot
and aiosmtpd on 127.0.0.1, stepped on a simulated clock (monitor.demo.run.Simulation). Every
source crawls on one grid (`crawl_window`), so all 20 are due together and the crawl executor
runs them four at a time, as `run` does. A delay is the simulated wait (until the crawl or
sweep that finds it) plus the real time that job took. Prints figures; asserts nothing.
Targets: memory < 200 MB; message → row ≤ one interval + 30 s; stage → alert ≤ 60 s."""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECTIONS = ["bxcy", "bmxx", "json", "news"]


def config_text(sources: int, every: str, sweep_every: str, wecom: str, smtp: str) -> str:
    parts = ['[monitor]\ndatabase = "sqlite:///monitor.db"\n']
    for n in range(sources):
        parts.append(
            f'[[sources]]\nname = "s{n:02d}"\nprofile = "site.toml"\n'
            f'section = "{SECTIONS[n % len(SECTIONS)]}"\nevery = "{every}"\n'
        )
    parts.append(f"""
[channels.office]
kind = "wecom"
webhook = "{wecom}"
[channels.mail]
kind = "email"
smtp = "{smtp}"
to = ["office@example.gov.cn"]
starttls = false
[routing]
default = ["office"]
crisis = ["office", "mail"]
[summary]
channels = ["mail"]
[daemon]
sweep_every = "{sweep_every}"
crawl_window = "00:00-23:59"
""")
    return "\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=20)
    parser.add_argument("--every", default="3h", help="each source's crawl interval")
    parser.add_argument("--hours", type=float, default=24)
    parser.add_argument("--sweep-every", default="1m")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    import psutil
    from sqlalchemy import select

    from alerts.dispatch import channels_for
    from monitor.app import App
    from monitor.config import load_config
    from monitor.daemon import DaemonJobs, build_jobs, setup_logging
    from monitor.db.models import Alert, DeadlineStage, Message
    from monitor.demo.run import DEMO_JOB_KINDS, DemoTiming, SimClock, Simulation, Step
    from monitor.demo.sampleportal import SamplePortal, luan_profile_text
    from monitor.demo.sinks import FakeWecom, SmtpSink
    from monitor.timeutil import SHANGHAI, parse_duration, to_utc
    from monitor.tracking import declare_event

    rng = random.Random(args.seed)
    start = datetime(2026, 11, 24, 0, 0, tzinfo=SHANGHAI)  # a Tuesday
    end = start + timedelta(hours=args.hours)
    folder = Path(tempfile.mkdtemp(prefix="om-bench-daemon-"))
    clock = SimClock(start)
    timing = DemoTiming(clock)
    portal, wecom, smtp = SamplePortal(), FakeWecom(clock=timing.monotonic), SmtpSink()
    base = portal.start()
    wecom.start()
    smtp.start()
    process = psutil.Process()
    try:
        (folder / "site.toml").write_text(luan_profile_text(base), encoding="utf-8")
        (folder / "monitor.toml").write_text(
            config_text(
                args.sources, args.every, args.sweep_every, wecom.url("bench"), smtp.url("bench")
            ),
            encoding="utf-8",
        )
        setup_logging(folder / "daemon.log", stream=open("/dev/null", "w"))
        app = App(load_config(folder / "monitor.toml"), clock=clock)
        app.sessions
        channels_for(app, timing)
        # a backlog of 40 messages per message section, a few news items
        backlog = start - timedelta(days=3)
        for n in range(120):
            portal.add_message(
                f"old{n}",
                f"历史留言{n}：关于小区物业管理的问题",
                backlog + timedelta(minutes=17 * n),
                section=SECTIONS[n % 3],
                department="综合科",
            )
        for n in range(10):
            portal.add_news(
                f"/news/old{n}.html",
                f"本地新闻{n}",
                backlog + timedelta(hours=n),
                "正文。",
                "六安新闻网",
            )

        posted: dict[str, datetime] = {}
        steps: list[Step] = []
        for n in range(int(args.hours * 3)):  # a new message every ~20 minutes
            when = start + timedelta(seconds=rng.uniform(0, args.hours * 3600))
            ext = f"new{n}"
            posted[ext] = when
            steps.append(
                Step(
                    when,
                    lambda _d, e=ext, w=when: portal.add_message(
                        e,
                        f"新留言{e}：反映道路积水",
                        w,
                        section=SECTIONS[int(e[3:]) % 3],
                        department="综合科",
                    ),
                )
            )
        for n in range(max(1, int(args.hours // 4))):  # crises with stages at odd seconds
            when = start + timedelta(seconds=rng.uniform(0, args.hours * 3600 - 6 * 3600))

            def declare(_d: Any, w: datetime = when, k: int = n) -> None:
                with app.session() as session:
                    declare_event(session, f"测试事件{k}", "major", to_utc(w), app.config, clock())

            steps.append(Step(when, declare))
        steps.sort(key=lambda s: s.at)

        rss: list[int] = []
        # (simulated moment, job id) → (real start, real end): a crawl's row lands when its
        # job ends, counted from the moment its batch was due (queueing for a worker included)
        wall: dict[tuple[datetime, str], tuple[float, float]] = {}
        jobs = DaemonJobs(app, started_at=start)
        specs = [s for s in build_jobs(jobs, app.config, start) if s.kind in DEMO_JOB_KINDS]
        for spec in specs:
            inner = spec.func

            def timed(inner: Any = inner, job_id: str = spec.id) -> None:
                begun = time.perf_counter()
                inner()
                wall[(clock(), job_id)] = (begun, time.perf_counter())
                rss.append(process.memory_info().rss)

            spec.func = timed
        # the crawl children's memory, sampled (a child's own ru_maxrss starts from the
        # parent's at fork on Linux, so it cannot tell)
        child_peaks: list[int] = []
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.1):
                sizes = []
                for child in process.children(recursive=True):
                    try:
                        # a child between fork and exec still shows the parent's memory
                        if any("spiders.run" in part for part in child.cmdline()):
                            sizes.append(child.memory_info().rss)
                    except psutil.Error:
                        continue
                if sizes:
                    child_peaks.append(max(sizes))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        simulation = Simulation(clock, specs, steps)
        begun = time.perf_counter()
        simulation.run(start, end)
        elapsed = time.perf_counter() - begun
        done.set()
        sampler.join()

        batch_start: dict[datetime, float] = {}
        for (at, _), (begun, _) in wall.items():
            batch_start[at] = min(batch_start.get(at, begun), begun)

        def real(at: datetime, job_id: str) -> float:
            """Real seconds from the moment `at` was due until job `job_id` finished."""
            found = wall.get((at, job_id))
            return found[1] - batch_start[at] if found else 0.0

        with app.session() as session:
            rows = {m.external_id: m for m in session.scalars(select(Message))}
            message_delays = []
            for ext, when in posted.items():
                m = rows.get(ext)
                if m is not None:
                    wait = (m.first_seen - to_utc(when)).total_seconds()
                    message_delays.append(wait + real(m.first_seen, f"crawl:{m.source}"))
            missing = sum(1 for ext in posted if ext not in rows)
            stage_delays = []
            for alert in session.scalars(
                select(Alert).where(
                    Alert.kind.in_(["crisis_at_risk", "crisis_overdue"]), Alert.sent_at.is_not(None)
                )
            ):
                milestone_id = int(alert.subject.split(":")[1])
                stage = session.scalars(
                    select(DeadlineStage).where(
                        DeadlineStage.milestone_id == milestone_id,
                        DeadlineStage.stage == alert.stage,
                    )
                ).one()
                wait = (alert.sent_at - stage.at).total_seconds()
                stage_delays.append(wait + real(alert.sent_at, "sweep"))
            alerts = session.query(Alert).count()
        interval = parse_duration(args.every).as_timedelta().total_seconds()
        sweep_interval = parse_duration(args.sweep_every).as_timedelta().total_seconds()

        def describe(values: list[float]) -> str:
            if not values:
                return "none"
            return (
                f"median {statistics.median(values):.1f} s, max {max(values):.1f} s "
                f"(n={len(values)})"
            )

        print(
            f"daemon benchmark: {args.sources} sources every {args.every}, sweep every "
            f"{args.sweep_every}, {args.hours:g} simulated hours in {elapsed:.0f} s real"
        )
        print(
            f"  jobs run: {simulation.runs}; alerts in outbox: {alerts}; failures: "
            f"{len(simulation.failures)}"
        )
        print(
            f"  daemon resident memory: max {max(rss) / 2**20:.0f} MB, at end "
            f"{rss[-1] / 2**20:.0f} MB (target < 200 MB)"
        )
        if child_peaks:
            print(
                f"  crawl child memory: max {max(child_peaks) / 2**20:.0f} MB each, "
                f"{min(4, args.sources)} at a time"
            )
        print(
            f"  new message on the portal -> its row: {describe(message_delays)}; "
            f"target <= interval + 30 s = {interval + 30:.0f} s; not found: {missing}"
        )
        print(
            f"  crisis stage reached -> alert sent: {describe(stage_delays)}; "
            f"target <= 60 s (sweep every {sweep_interval:.0f} s)"
        )
    finally:
        portal.stop()
        wecom.stop()
        smtp.stop()


if __name__ == "__main__":
    main()
