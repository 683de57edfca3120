"""`calendar import-notice` figures: the whole command (process start to exit) on a real
notice, simplified and traditional, and the in-process read + plan + write alone.

    python benchmarks/notice.py [--runs 5]

Prints figures; asserts nothing. Target (issue 12): under a second for the command."""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
NOTICES = ROOT / "tests" / "fixtures" / "notices"


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def command(folder: Path, notice: Path, runs: int) -> tuple[list[float], list[float]]:
    """(wall times, CPU times) of the whole command. The machine is shared: CPU time (user +
    system of the child) is what the command costs; wall time also counts waiting for a core."""
    times, cpu = [], []
    for _ in range(runs):
        shutil.copy(ROOT / "config" / "holidays.toml", folder / "holidays.toml")
        start, start_cpu = time.perf_counter(), _cpu()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "monitor",
                "--config",
                str(folder / "monitor.toml"),
                "calendar",
                "import-notice",
                str(notice),
            ],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        times.append(time.perf_counter() - start)
        cpu.append(_cpu() - start_cpu)
    return times, cpu


def reference(folder: Path, runs: int) -> list[float]:
    """`calendar is-workday`, the lightest command with a config: the shared start-up cost."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "monitor",
                "--config",
                str(folder / "monitor.toml"),
                "calendar",
                "is-workday",
                "2026-10-01",
            ],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        times.append(time.perf_counter() - start)
    return times


def in_process(folder: Path, notice: Path, runs: int) -> list[float]:
    from monitor.calendar_import import import_notice

    text = notice.read_text(encoding="utf-8")
    times = []
    for _ in range(runs):
        shutil.copy(ROOT / "config" / "holidays.toml", folder / "holidays.toml")
        start = time.perf_counter()
        import_notice(text, folder / "holidays.toml")
        times.append(time.perf_counter() - start)
    return times


def load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"machine: {load()} (2 cores)")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        (folder / "monitor.toml").write_text('[monitor]\ndatabase = "sqlite:///bench.db"\n')
        for label, notice in (
            ("simplified (2026.txt)", NOTICES / "2026.txt"),
            ("traditional (2024-traditional.txt)", NOTICES / "2024-traditional.txt"),
        ):
            times, cpu = command(folder, notice, args.runs)
            print(
                f"import-notice {label}, whole command: median {statistics.median(times):.3f} s"
                f" wall, {statistics.median(cpu):.3f} s CPU; max {max(times):.3f} s wall"
                f" ({args.runs} runs)"
            )
        times = reference(folder, args.runs)
        print(
            f"for reference, calendar is-workday (same start-up): median "
            f"{statistics.median(times):.3f} s"
        )
        times = in_process(folder, NOTICES / "2026.txt", args.runs)
        print(
            f"read + plan + write in process (2026.txt): median "
            f"{statistics.median(times) * 1000:.1f} ms"
        )


if __name__ == "__main__":
    main()
