"""Fault benchmarks (issue 9): what a misbehaving portal or channel costs, and what it never does.

Each part is one function printing its figures; `--only NAME` runs one part.

* crawl — a sample portal on loopback (N messages, all open, so every cycle walks every page)
  whose list page 2 misbehaves (404, an empty table, a captcha page, a 302 to a login page):
  requests and wall time of that crawl against a healthy recrawl, whether the pass counted as
  complete (it must not), and how many messages were withdrawn (goal 0).

* kill9 — `kill -9` at random points during a 60-alert dispatch, 20 times. A real
  `opinion-monitor run` delivers to a fake WeCom robot on loopback; each round enqueues 60
  crisis alerts (60 declared events, publish limit passed), the daemon is killed at a random
  moment within the time an undisturbed dispatch takes (measured in a first round),
  restarted at once and left to finish. The robot takes `--transit` seconds to receive each
  request (a request whose sender died meanwhile never arrives), then accepts and answers at
  once. Counted from what the robot received: alerts delivered, alerts and pieces delivered
  twice, alerts not delivered, and the recovery time from the restart (process spawn) to the
  round's last alert delivered. The evidence comes with it: each piece delivered twice is
  traced (when the robot first took it against the kill: in flight at the kill, or accepted
  and not yet recorded; the daemon's last log lines), with the pieces twice beyond the one in
  flight at each kill (goal 0), the robot's 45009 answers, the answer → record window the
  daemon logs per piece, what held up any round slower than 20 s, and the load average.
  `--keep-log FILE` keeps the daemons' log, their stderr (FILE.stderr) and the robot's
  received log (FILE.robot: accept time, key, which alerts).

    python benchmarks/faults.py [--only crawl] [--messages 200]
    python benchmarks/faults.py --only kill9 [--kills 20] [--alerts 60] [--seed 1] [--keep-log F]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import select as select_io
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from monitor.app import App, fixed_clock  # noqa: E402
from monitor.config import load_config  # noqa: E402
from monitor.crawl import run_crawl  # noqa: E402
from monitor.db.models import Alert, CrisisEvent, Message, Milestone  # noqa: E402
from monitor.demo.sampleportal import SamplePortal, luan_profile_text  # noqa: E402
from monitor.demo.sinks import FakeWecom  # noqa: E402
from monitor.timeutil import UTC, parse_iso  # noqa: E402

# ---- crawl: a bad list page 2 (the crawl helper's part) --------------------------------------
CRAWL_FAULTS = ("404", "empty", "captcha", "login")


def crawl_bad_page(args: argparse.Namespace) -> None:
    portal = SamplePortal()
    base = portal.start()
    now = parse_iso("2026-11-26T10:00")
    start = now - timedelta(days=2)
    portal.add_messages(
        [
            {
                "external_id": f"f{n:05d}",
                "title": f"关于第{n}号路灯的问题",
                "posted_at": start + timedelta(minutes=n),
                "department": "城建科",
            }
            for n in range(args.messages)
        ]
    )
    try:
        with tempfile.TemporaryDirectory(prefix="om-faults-") as folder:
            root = Path(folder)
            (root / "sites").mkdir()
            (root / "sites" / "sample.toml").write_text(luan_profile_text(base), encoding="utf-8")
            (root / "monitor.toml").write_text(
                '[monitor]\ndatabase = "sqlite:///monitor.db"\n\n[[sources]]\nname = "faults"\n'
                'profile = "sites/sample.toml"\nsection = "bxcy"\nevery = "1h"\n',
                encoding="utf-8",
            )
            app = App(load_config(root / "monitor.toml"), clock=fixed_clock(now))
            first = run_crawl(app, delay=0.0)[0]
            if not (first.ok and first.complete):
                raise SystemExit(f"first crawl failed: {first.error}")
            rows = [_crawl_row(app, portal, "健康（对照）", None, now + timedelta(minutes=10))]
            for n, fault in enumerate(CRAWL_FAULTS, start=2):
                rows.append(
                    _crawl_row(
                        app, portal, f"第 2 页 {fault}", fault, now + timedelta(minutes=10 * n)
                    )
                )
            with app.session() as session:
                withdrawn = session.scalar(
                    select(func.count()).select_from(Message).where(Message.state == "withdrawn")
                )
    finally:
        portal.stop()
    print(f"crawl: {args.messages} open messages, {-(-args.messages // 20)} list pages, delay 0")
    print(f"{'case':<16}{'requests':>9}{'seconds':>9}  complete  withdrawn  reason")
    for case, requests, seconds, complete, count, reason in rows:
        print(f"{case:<16}{requests:>9}{seconds:>9.2f}  {str(complete):<8}  {count:>9}  {reason}")
    print(f"withdrawn after all faulty crawls: {withdrawn} (goal 0)")


def _crawl_row(
    app: App, portal: SamplePortal, case: str, fault: str | None, when: object
) -> tuple[str, int, float, bool, int, str]:
    portal.break_page("bxcy", 2, fault)
    began = time.perf_counter()
    result = run_crawl(app, now=when, delay=0.0)[0]  # type: ignore[arg-type]
    seconds = time.perf_counter() - began
    portal.break_page("bxcy", 2, None)
    return case, result.requests, seconds, result.complete, result.withdrawn, result.error or ""


# ---- kill9: kill -9 during a dispatch (the hardening helper's part) -----------------------


def wait_until(condition: Callable[[], bool], limit: float, step: float = 0.1) -> float | None:
    """Seconds until `condition` held, or None after `limit` seconds."""
    begun = time.monotonic()
    while not condition():
        if time.monotonic() - begun > limit:
            return None
        time.sleep(step)
    return time.monotonic() - begun


def start_daemon(config: Path, log: Path) -> subprocess.Popen[bytes]:
    """`opinion-monitor run`; what it prints to stderr before its log is open (a refused
    start) is appended to `<log>.stderr`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPINION_MONITOR")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONFAULTHANDLER"] = "1"  # SIGABRT prints every thread's stack (a stuck daemon)
    with open(f"{log}.stderr", "ab") as errors:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "monitor",
                "--config",
                str(config),
                "run",
                "--log-file",
                str(log),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )


class TransitWecom(FakeWecom):
    """The fake robot, with `transit` seconds between a request leaving the daemon and the
    robot taking it: a request whose sender was killed meanwhile (its connection closed)
    never arrives. Once taken, it is accepted and answered at once."""

    def __init__(self, transit: float) -> None:
        super().__init__()
        self.transit = transit
        self.dropped = 0
        # (wall time the robot accepted, key, content) of every accepted piece, for the trace
        self.accepted: list[tuple[float, str, str]] = []

    def start(self) -> TransitWecom:
        import json
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from urllib.parse import parse_qs, urlsplit

        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                time.sleep(fake.transit)
                if _closed(self.connection):
                    fake.dropped += 1
                    return
                key = parse_qs(urlsplit(self.path).query).get("key", [""])[0]
                status, answer = fake._answer(urlsplit(self.path).path, key, raw)
                if answer.get("errcode") == 0:
                    body = json.loads(raw)
                    content = body.get(body.get("msgtype", ""), {}).get("content", "")
                    fake.accepted.append((time.time(), key, content))
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer((self.host, 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()
        return self


def _closed(connection: socket.socket) -> bool:
    readable, _, _ = select_io.select([connection], [], [], 0)
    if not readable:
        return False
    try:
        return connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except OSError:
        return True


@dataclass
class Kill9Figures:
    rounds: int = 0
    kills: int = 0
    alerts: int = 0
    delivered: int = 0
    lost: int = 0
    still_pending: int = 0
    alerts_twice: int = 0
    pieces: int = 0
    pieces_twice: int = 0
    in_flight_dropped: int = 0
    undisturbed: float = 0.0
    kill_points: Counter[str] = field(default_factory=Counter)
    recovery: list[float] = field(default_factory=list)
    # the same less the waits for the robot's 20 a minute (the daemon logs each), which this
    # benchmark's own rhythm of about two pieces every few seconds fills
    recovery_unthrottled: list[float] = field(default_factory=list)
    not_recovered: int = 0
    rate_limited: int = 0  # requests the robot answered 45009 (its 20 a minute)
    refused_starts: list[str] = field(default_factory=list)  # restarts that exited at once
    stuck: list[int] = field(default_factory=list)  # rounds whose daemon hung (stacks dumped)
    beyond_in_flight: int = 0  # pieces twice beyond the one in flight at each kill (goal 0)
    load: list[tuple[float, float, float]] = field(default_factory=list)  # at start and end
    windows_ms: list[float] = field(default_factory=list)  # answer → recorded, per piece
    trace: list[str] = field(default_factory=list)  # why each duplicate happened
    slow: list[str] = field(default_factory=list)  # what held up each round slower than 20 s


def _kill9_config(folder: Path, wecom: FakeWecom) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "monitor.toml"
    # crisis alerts go to the robot under test; the daily summary and calendar notices
    # (which also list the events) go to another key, so only the crisis digests are counted
    path.write_text(
        f"""[monitor]
database = "sqlite:///monitor.db"

[channels.office]
kind = "wecom"
webhook = "{wecom.url("office")}"
[channels.other]
kind = "wecom"
webhook = "{wecom.url("other")}"

[routing]
default = ["other"]
crisis = ["office"]

[summary]
channels = ["other"]

[daemon]
dispatch_every = "1s"
sweep_every = "10m"
""",
        encoding="utf-8",
    )
    return path


def _enqueue_round(app: App, round_no: int, count: int) -> list[str]:
    """`count` crises that started 6 h ago (publish limit of 5 h passed), swept into the
    outbox now; returns their markers (unique titles)."""
    from monitor.sweep import sweep
    from monitor.tracking import declare_event

    now = datetime.now(UTC)
    markers = [f"故障R{round_no:02d}E{i:02d}" for i in range(count)]
    with app.session() as session:
        for marker in markers:
            declare_event(session, marker, "major", now - timedelta(hours=6), app.config, now)
    sweep(app, now)
    return markers


def _round_alerts(app: App, markers: list[str]) -> dict[str, list[str]]:
    """marker → statuses of its alerts."""
    wanted = set(markers)
    out: dict[str, list[str]] = {m: [] for m in markers}
    with app.session() as session:
        rows = session.execute(
            select(Alert.subject, Alert.status).where(Alert.subject.like("milestone:%"))
        ).all()
        titles = dict(
            session.execute(
                select(Milestone.id, CrisisEvent.title).join(
                    CrisisEvent, Milestone.event_id == CrisisEvent.id
                )
            ).all()
        )
    for subject, status in rows:
        title = titles.get(int(subject.split(":", 1)[1]))
        if title in wanted:
            out[title].append(status)
    return out


def _all_sent(app: App, markers: list[str]) -> bool:
    statuses = _round_alerts(app, markers)
    return all(s and all(x in ("sent", "skipped") for x in s) for s in statuses.values())


def kill9(
    kills: int = 20,
    alerts: int = 60,
    seed: int = 1,
    transit: float = 0.4,
    limit: float = 120.0,
    keep_log: Path | None = None,
) -> Kill9Figures:
    rng = random.Random(seed)
    figures = Kill9Figures(kills=kills)
    figures.load.append(os.getloadavg())
    wecom = TransitWecom(transit).start()
    with tempfile.TemporaryDirectory(prefix="om-faults-") as tmp:
        folder = Path(tmp)
        config = _kill9_config(folder / "cfg", wecom)
        app = App(load_config(config))
        app.sessions  # the schema, before the first daemon
        log = folder / "run.log"
        daemon = start_daemon(config, log)
        rounds: list[list[str]] = []
        kills_at: list[float] = []
        slow_rounds: list[tuple[int, float, float]] = []
        rounds_at: list[tuple[int, float, float]] = []  # recovery index, restart, delivered
        try:
            if (
                wait_until(
                    lambda: log.exists() and "scheduler running" in log.read_text("utf-8"), 120
                )
                is None
            ):
                raise SystemExit(f"the daemon did not start; see {log}")
            # round 0: an undisturbed dispatch, to know when to kill
            markers = _enqueue_round(app, 0, alerts)
            rounds.append(markers)
            took = wait_until(lambda m=markers: _all_sent(app, m), limit)
            if took is None:
                raise SystemExit("round 0 was not delivered")
            figures.undisturbed = took
            for round_no in range(1, kills + 1):
                markers = _enqueue_round(app, round_no, alerts)
                rounds.append(markers)
                time.sleep(rng.uniform(0, figures.undisturbed))
                kills_at.append(time.time())
                daemon.send_signal(signal.SIGKILL)
                daemon.wait()
                received = "\n".join(wecom.contents("office"))
                seen = sum(1 for m in markers if m in received)
                figures.kill_points[
                    "before the first piece"
                    if seen == 0
                    else "after the last piece"
                    if seen == len(markers)
                    else "between pieces"
                ] += 1
                restarted, restarted_wall = time.monotonic(), time.time()
                daemon = start_daemon(config, log)
                took = wait_until(lambda m=markers: _all_sent(app, m), limit, step=0.2)
                if took is None:
                    figures.not_recovered += 1
                else:
                    figures.recovery.append(time.monotonic() - restarted)
                    rounds_at.append((len(figures.recovery) - 1, restarted_wall, time.time()))
                if took is None or took > 20:
                    slow_rounds.append((round_no, restarted_wall, time.time()))
                if took is None and daemon.poll() is None:
                    # alive but not delivering: its threads' stacks say where it is stuck
                    daemon.send_signal(signal.SIGABRT)
                    daemon.wait()
                    figures.stuck.append(round_no)
                    daemon = start_daemon(config, log)
                    wait_until(lambda m=markers: _all_sent(app, m), limit, step=0.2)
                if daemon.poll() is not None:  # it exited by itself: say why, start another
                    said = Path(f"{log}.stderr").read_text("utf-8", errors="replace").strip()
                    figures.refused_starts.append(
                        f"round {round_no}: exit {daemon.returncode}: "
                        + (said.splitlines()[-1] if said else "")
                    )
                    daemon = start_daemon(config, log)
                print(f"\r  kill {round_no}/{kills}", end="", file=sys.stderr, flush=True)
            print(file=sys.stderr)
            # a last wait for anything still pending, then a clean stop
            wait_until(lambda: all(_all_sent(app, m) for m in rounds), limit)
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(60)
        finally:
            if daemon.poll() is None:
                daemon.kill()
                daemon.wait()
            wecom.stop()
        pieces = wecom.contents("office")
        figures.rate_limited = sum(1 for _key, _body, code in wecom.requests if code == 45009)
        lines = _log_lines(log)
        figures.windows_ms = [
            float(m.group(1)) for _t, text in lines if (m := _RECORDED.search(text))
        ]
        figures.trace, figures.beyond_in_flight = _trace(wecom.accepted, kills_at, lines)
        for index, begun, ended in rounds_at:
            waited = sum(
                float(m.group(1))
                for t, text in lines
                if begun <= t <= ended and (m := _WAITED.search(text))
            )
            figures.recovery_unthrottled.append(max(0.0, figures.recovery[index] - waited))
        figures.load.append(os.getloadavg())
        for round_no, begun, ended in slow_rounds:
            # what held it up: rate limits, retries, failures (not the scheduler's "skipped")
            told = Counter(
                re.sub(r"\d+", "N", text)
                for t, text in lines
                if begun <= t <= ended
                and any(
                    w in text for w in ("rate limited", "rate window", "retry", "failed", "ERROR")
                )
            )
            figures.slow.append(
                f"round {round_no} took {ended - begun:.0f} s: "
                + ("; ".join(f"{n}× {text}" for text, n in told.most_common(4)) or "no warning")
            )
        if keep_log is not None:
            keep_log.write_bytes(log.read_bytes())
            errors = Path(f"{log}.stderr")
            if errors.exists():
                Path(f"{keep_log}.stderr").write_bytes(errors.read_bytes())
            robot = [
                f"{datetime.fromtimestamp(at, UTC).isoformat(timespec='milliseconds')} {key} "
                f"{len(content)} chars, markers {_markers(content)}"
                for at, key, content in wecom.accepted
            ]
            Path(f"{keep_log}.robot").write_text("\n".join(robot) + "\n", encoding="utf-8")
        figures.rounds = len(rounds)
        figures.pieces = len(pieces)
        figures.pieces_twice = sum(n - 1 for n in Counter(pieces).values() if n > 1)
        figures.in_flight_dropped = wecom.dropped
        text_lines = [line for piece in pieces for line in piece.splitlines()]
        for markers in rounds:
            expected = _round_alerts(app, markers)
            for marker in markers:
                figures.still_pending += sum(1 for s in expected[marker] if s == "pending")
                want = sum(1 for s in expected[marker] if s != "skipped")
                got = sum(1 for line in text_lines if marker in line)
                figures.alerts += want
                figures.delivered += min(got, want)
                figures.lost += max(0, want - got)
                figures.alerts_twice += max(0, got - want)
    return figures


_LOG_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3})([+-]\d{4}) (.*)$")
_RECORDED = re.compile(r"recorded (\d+) ms after the answer")
_WAITED = re.compile(r"waited (\d+) s for its rate window")


def _log_lines(log: Path) -> list[tuple[float, str]]:
    """The daemon's log as (wall time, text) per line."""
    out = []
    for line in log.read_text("utf-8", errors="replace").splitlines():
        m = _LOG_LINE.match(line)
        if m:
            moment = datetime.strptime(f"{m.group(1)}{m.group(3)}", "%Y-%m-%d %H:%M:%S%z")
            out.append((moment.timestamp() + int(m.group(2)) / 1000, m.group(4)))
    return out


def _trace(
    accepted: list[tuple[float, str, str]], kills_at: list[float], lines: list[tuple[float, str]]
) -> tuple[list[str], int]:
    """For each piece the robot accepted twice, when the robot first took it against the kill
    just before the second copy: after the kill signal (the piece was in flight: its sender
    was being killed when the robot took it) or before it (the daemon died between the answer
    and its record). A piece resent with no kill before it would be a bug, and so would a
    second piece sent twice for one kill: their count is the second value returned."""
    first: dict[str, float] = {}
    out = []
    per_kill: Counter[float] = Counter()
    beyond = 0
    for at, key, content in accepted:
        if key != "office":
            continue
        if content not in first:
            first[content] = at
            continue
        took = first[content]
        alerts = sum(1 for line in content.splitlines() if "故障R" in line)
        kill = max((k for k in kills_at if k <= at), default=None)
        if kill is None or kill < took - 60:
            out.append(f"piece of {alerts} alerts resent with no kill before it (a bug)")
            beyond += 1
            continue
        per_kill[kill] += 1
        if per_kill[kill] > 1:
            beyond += 1
        before = [text for t, text in lines if t <= took][-2:]
        if took >= kill:
            why = f"in flight at the kill: the robot took it {(took - kill) * 1000:.0f} ms after"
        else:
            why = f"accepted {(kill - took) * 1000:.0f} ms before the kill, not yet recorded"
        out.append(
            f"piece of {alerts} alerts, {why} the SIGKILL; sent again {at - kill:.1f} s "
            f"after it. The daemon's last lines before the robot took it: " + " | ".join(before)
        )
    return out, beyond


def _markers(content: str) -> str:
    found = re.findall(r"故障R\d+E\d+", content)
    return f"{found[0]}…{found[-1]} ({len(found)})" if found else "none"


def print_kill9(f: Kill9Figures) -> None:
    load = " → ".join("/".join(f"{x:.2f}" for x in avg) for avg in f.load)
    print(
        f"kill -9 during dispatch: {f.kills} kills, {f.rounds} rounds of alerts "
        f"(an undisturbed dispatch took {f.undisturbed:.1f} s); load average (1/5/15 min) "
        f"at start → end: {load}"
    )
    print("  kill points: " + ", ".join(f"{k} {v}" for k, v in sorted(f.kill_points.items())))
    print(
        f"  alerts delivered: {f.delivered}/{f.alerts}; delivered twice {f.alerts_twice}; "
        f"not delivered by the end {f.lost} (of which still pending in the outbox, i.e. "
        f"delayed, not lost: {f.still_pending})"
    )
    print(
        f"  pieces received: {f.pieces}; pieces duplicated: {f.pieces_twice}; "
        f"requests cut off in transit by a kill: {f.in_flight_dropped}"
    )
    print(f"  pieces twice beyond the one in flight at each kill: {f.beyond_in_flight} (goal 0)")
    print(f"  robot's 45009 answers (20 a minute exceeded): {f.rate_limited}")
    if f.windows_ms:
        print(
            f"  answer → recorded per piece (the at-least-once window): median "
            f"{statistics.median(f.windows_ms):.0f} ms, max {max(f.windows_ms):.0f} ms "
            f"({len(f.windows_ms)} pieces)"
        )
    for line in f.trace:
        print(f"  duplicate: {line}")
    for line in f.slow:
        print(f"  slow: {line}")
    for line in f.refused_starts:
        print(f"  a restarted daemon exited by itself: {line}")
    if f.stuck:
        print(f"  stuck daemons (stacks in the kept log's .stderr): rounds {f.stuck}")
    if f.recovery:
        print(
            f"  recovery after restart (spawn → the round's last alert delivered): median "
            f"{statistics.median(f.recovery):.1f} s, max {max(f.recovery):.1f} s "
            f"(goal < 30 s); not recovered within the limit: {f.not_recovered}"
        )
        if f.recovery_unthrottled:
            print(
                f"  the same less the logged waits for the robot's 20 a minute: median "
                f"{statistics.median(f.recovery_unthrottled):.1f} s, "
                f"max {max(f.recovery_unthrottled):.1f} s"
            )
    else:
        print(f"  recovery after restart: none within the limit ({f.not_recovered} rounds)")


def kill9_part(args: argparse.Namespace) -> None:
    print_kill9(kill9(args.kills, args.alerts, args.seed, args.transit, args.limit, args.keep_log))


# ---- the parts -----------------------------------------------------------------------------
PARTS: dict[str, Callable[[argparse.Namespace], None]] = {
    "crawl": crawl_bad_page,
    "kill9": kill9_part,
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", choices=sorted(PARTS), help="run one part")
    parser.add_argument("--messages", type=int, default=200, help="crawl: messages on the portal")
    parser.add_argument("--kills", type=int, default=20, help="kill9: kills")
    parser.add_argument("--alerts", type=int, default=60, help="kill9: alerts per dispatch")
    parser.add_argument("--seed", type=int, default=1, help="kill9: random seed of the kill points")
    parser.add_argument(
        "--transit",
        type=float,
        default=0.4,
        help="kill9: seconds a request to the robot is on its way",
    )
    parser.add_argument(
        "--limit",
        type=float,
        default=120.0,
        help="kill9: seconds to wait for a round's delivery after a restart",
    )
    parser.add_argument(
        "--keep-log", type=Path, help="kill9: copy the daemons' log there (the trace's source)"
    )
    args = parser.parse_args()
    for name, part in PARTS.items():
        if args.only in (None, name):
            part(args)


if __name__ == "__main__":
    main()
