"""`import-orders` figures: a generated 12345 export of N work orders (XLSX with a title row,
merged cells and Excel date cells, as `monitor.demo.orders` writes it) imported by the whole
command (process start to exit), then imported again (nothing changes), and the reading alone.

    python benchmarks/orders.py [--orders 5000] [--runs 3]

Prints figures; asserts nothing. Target (issue 18): a 5,000-row XLSX in seconds."""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.demo import orders as sample  # noqa: E402


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(folder: Path, *args: str) -> tuple[float, float, dict]:
    start, start_cpu = time.perf_counter(), _cpu()
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(folder / "monitor.toml"), *args],
        check=False,
        capture_output=True,
        cwd=ROOT,
    )
    wall, cpu = time.perf_counter() - start, _cpu() - start_cpu
    if done.returncode not in (0, 1):
        raise SystemExit(done.stderr.decode("utf-8", "replace"))
    document = json.loads(done.stdout) if args[-1] == "--json" else {}
    return wall, cpu, document


def _deployment(folder: Path) -> None:
    (folder / "sites").mkdir(parents=True)
    (folder / "sites" / "hotline12345.toml").write_text(sample.PROFILE, encoding="utf-8")
    (folder / "monitor.toml").write_text(
        '[monitor]\ndatabase = "sqlite:///monitor.db"\n' + sample.SOURCE, encoding="utf-8"
    )
    subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(folder / "monitor.toml"), "init"],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    load = os.getloadavg()
    print(
        f"machine: load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} ({os.cpu_count()} cores)"
    )
    now = "2027-01-04T10:00"
    with tempfile.TemporaryDirectory(prefix="om-orders-") as tmp:
        work = Path(tmp)
        orders = sample.sample_orders(args.orders, datetime(2026, 10, 1, 8, 30))
        export = sample.write_xlsx(work / "工单.xlsx", orders)
        rows = sum(len(o.departments) for o in orders)
        print(
            f"file: {export.name}, {rows} data rows ({args.orders} work orders), "
            f"{export.stat().st_size / 1e6:.2f} MB"
        )

        import tomllib

        from monitor.orders.rows import read_orders
        from monitor.timeutil import parse_iso
        from spiders.orders_profile import take_orders

        _, sections = take_orders(tomllib.loads(sample.PROFILE), "profile")
        reads = []
        for _ in range(args.runs):
            start = time.perf_counter()
            parsed = read_orders(export, sections["orders"], parse_iso(now))
            reads.append(time.perf_counter() - start)
        print(
            f"reading alone (openpyxl read-only, {len(parsed.orders)} orders): "
            f"median {statistics.median(reads):.2f} s of {args.runs}"
        )

        first, again = [], []
        for n in range(args.runs):
            folder = work / f"d{n}"
            _deployment(folder)
            wall, cpu, doc = _run(
                folder,
                "import-orders",
                str(export),
                "--source",
                "hotline12345",
                "--now",
                now,
                "--json",
            )
            first.append((wall, cpu))
            assert doc["new"] == args.orders, doc
            wall, cpu, doc = _run(
                folder,
                "import-orders",
                str(export),
                "--source",
                "hotline12345",
                "--now",
                now,
                "--json",
            )
            again.append((wall, cpu))
            assert doc["unchanged"] == args.orders and doc["new"] == doc["updated"] == 0, doc
        for label, runs in (
            ("first import (all new)", first),
            ("same file again (unchanged)", again),
        ):
            walls = [w for w, _ in runs]
            cpus = [c for _, c in runs]
            print(
                f"{label}, whole command: median {statistics.median(walls):.2f} s wall, "
                f"{statistics.median(cpus):.2f} s CPU; max {max(walls):.2f} s wall ({args.runs} runs)"
            )


if __name__ == "__main__":
    main()
