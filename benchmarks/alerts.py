"""Alert flood: 1,000 alerts become due at once (a portal outage ends, a backlog turns overdue).

Measures how many WeCom messages carry them (grouping), how long delivery takes under the
robot's 20-messages-a-minute limit (simulated clock: nothing really waits; the fake robot
answers 45009 past 20 a minute, so a limiter bug would show), and that none is lost.

    python benchmarks/alerts.py [--alerts 1000]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select  # noqa: E402

import alerts.render as render  # noqa: E402
from alerts.channels import SimulatedTiming  # noqa: E402
from alerts.channels.wecom import WecomNotifier  # noqa: E402
from alerts.dispatch import dispatch  # noqa: E402
from alerts.render import Outgoing  # noqa: E402
from monitor.app import App, fixed_clock  # noqa: E402
from monitor.config import load_config  # noqa: E402
from monitor.db.models import Alert, Message  # noqa: E402
from monitor.demo.sinks import FakeWecom  # noqa: E402
from monitor.timeutil import parse_iso  # noqa: E402

DEPARTMENTS = [
    "办公室",
    "综合科",
    "财政审计科",
    "经济责任审计科",
    "固定资产投资审计科",
    "法规科",
    "社保审计科",
    "农业农村审计科",
]


def setup(folder: Path, wecom: FakeWecom, n: int) -> App:
    folder.mkdir(parents=True, exist_ok=True)
    cfg = folder / "monitor.toml"
    cfg.write_text(
        f"""[monitor]
database = "sqlite:///monitor.db"
[channels.office]
kind = "wecom"
webhook = "{wecom.url("office")}"
[routing]
default = ["office"]
""",
        encoding="utf-8",
    )
    now = parse_iso("2026-11-24T10:00")
    app = App(load_config(cfg), clock=fixed_clock(now))
    posted, due = parse_iso("2026-11-16T09:00"), parse_iso("2026-11-24T00:00")
    with app.session() as session:
        session.execute(
            insert(Message),
            [
                {
                    "source": "portal",
                    "external_id": f"m{i}",
                    "title": f"关于第{i}号小区供暖不足、物业不作为的反映",
                    "url": f"http://www.luan.gov.cn/nocache/supervision/detail/{i:08x}",
                    "posted_at": posted,
                    "department": DEPARTMENTS[i % len(DEPARTMENTS)],
                    "state": "overdue",
                    "due_date": due.date(),
                    "deadline": due,
                    "first_seen": posted,
                    "last_seen": now,
                }
                for i in range(n)
            ],
        )
        ids = session.scalars(select(Message.id).order_by(Message.id)).all()
        session.execute(
            insert(Alert),
            [
                {
                    "kind": "reply_overdue",
                    "subject": f"message:{mid}",
                    "stage": "overdue",
                    "crisis": False,
                    "department": DEPARTMENTS[(mid - 1) % len(DEPARTMENTS)],
                    "status": "pending",
                    "attempts": 0,
                    "created_at": now,
                }
                for mid in ids
            ],
        )
    return app


def run(label: str, n: int, compact_lines: int) -> dict[str, object]:
    timing = SimulatedTiming()
    wecom = FakeWecom(clock=timing.monotonic).start()
    render.COMPACT_LINES = compact_lines
    try:
        with tempfile.TemporaryDirectory() as tmp:
            app = setup(Path(tmp), wecom, n)
            began = time.perf_counter()
            result = dispatch(app, timing=timing)
            wall = time.perf_counter() - began
            with app.session() as session:
                sent = session.scalar(
                    select(func.count()).select_from(Alert).where(Alert.status == "sent")
                )
            text = "\n".join(wecom.contents())
            listed = len(re.findall(r"^- 【超期提醒】", text, flags=re.M))
            counted = sum(int(x) for x in re.findall(r"另有 (\d+) 条未逐条列出", text))
            codes = [c for _, _, c in wecom.requests]
            return {
                "label": label,
                "alerts": n,
                "messages": len(wecom.messages),
                "bytes_max": max(len(c.encode()) for c in wecom.contents()),
                "simulated_s": timing.now,
                "wall_s": wall,
                "sent": sent,
                "listed": listed,
                "counted": counted,
                "errcode_45009": codes.count(45009),
                "result": result.as_dict(),
            }
    finally:
        wecom.stop()
        render.COMPACT_LINES = 150


def ungrouped(n: int) -> dict[str, object]:
    """Baseline: one robot message per alert, through the same channel and limiter."""
    from alerts.channels.wecom import WecomChannel

    timing = SimulatedTiming()
    wecom = FakeWecom(clock=timing.monotonic).start()
    try:
        robot = WecomNotifier(
            "office", WecomChannel(kind="wecom", webhook=wecom.url("office")), timing
        )
        began = time.perf_counter()
        for i in range(n):
            robot.send(Outgoing(title="", markdown=f"**【超期提醒】**留言{i}", text="", html=""))
        return {
            "messages": len(wecom.messages),
            "simulated_s": timing.now,
            "wall_s": time.perf_counter() - began,
            "errcode_45009": [c for _, _, c in wecom.requests].count(45009),
        }
    finally:
        wecom.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=1000)
    n = parser.parse_args().alerts
    print(
        f"{n} reply_overdue alerts due at once, 8 departments, one WeCom robot (20 messages/minute)"
    )
    for label, lines in (("grouped digest (default)", 150), ("grouped, every alert listed", 10**9)):
        r = run(label, n, lines)
        lost = n - r["sent"]
        print(
            f"- {label}: {r['messages']} WeCom messages (largest {r['bytes_max']} bytes), "
            f"delivered in {r['simulated_s']:.0f} s simulated / {r['wall_s']:.2f} s wall; "
            f"alerts marked sent {r['sent']}/{n} (lost {lost}); listed one per line {r['listed']}, "
            f"counted in the per-department tail {r['counted']}; 45009 answers {r['errcode_45009']}"
        )
    b = ungrouped(n)
    print(
        f"- ungrouped baseline (one message per alert): {b['messages']} messages, "
        f"{b['simulated_s'] / 60:.1f} min simulated / {b['wall_s']:.2f} s wall; 45009 answers {b['errcode_45009']}"
    )


if __name__ == "__main__":
    main()
