"""Many sources on a few sample portals, as a province's monitor sees them (benchmarks/scale.py,
the crawl-worker tests).

Each portal (its own port: its own site) gets one profile with a section per source; a
section is the portal's 百姓畅言 list under its own address (`&src=N`, which the portal
ignores), so every source is a separate list with its own requests and its own messages.
"""

from __future__ import annotations

import re
from pathlib import Path

from monitor.demo.sampleportal import luan_profile_text


def fleet_profile(base_url: str, sections: list[str], delay: float = 0.0) -> str:
    """A site profile for the portal at `base_url` with one 百姓畅言 section per name."""
    text = luan_profile_text(base_url, delay=delay)
    head = text[: text.index("\n[sections.bxcy]")]
    start = text.index("\n[sections.bxcy]")
    block = text[start : text.index("\n[sections.bmxx]")]
    parts = [head]
    for name in sections:
        section = block.replace("[sections.bxcy", f"[sections.{name}")
        section = re.sub(r"product_id=3&page=", f"product_id=3&src={name}&page=", section)
        parts.append(section)
    return "\n".join(parts) + "\n"


def write_fleet(
    root: Path,
    base_urls: list[str],
    count: int,
    every: str = "10m",
    delay: float = 0.0,
    database: str = "sqlite:///monitor.db",
    extra: str = "",
) -> Path:
    """monitor.toml with `count` sources spread round-robin over the portals; returns its path."""
    (root / "sites").mkdir(parents=True, exist_ok=True)
    names: dict[int, list[str]] = {k: [] for k in range(len(base_urls))}
    for n in range(count):
        names[n % len(base_urls)].append(f"s{n:04d}")
    lines = [f'[monitor]\ndatabase = "{database}"\n', extra]
    for k, base in enumerate(base_urls):
        (root / "sites" / f"site{k:02d}.toml").write_text(
            fleet_profile(base, names[k], delay), encoding="utf-8"
        )
        for name in names[k]:
            lines.append(
                f'[[sources]]\nname = "{name}"\nprofile = "sites/site{k:02d}.toml"\n'
                f'section = "{name}"\nevery = "{every}"\n'
            )
    path = root / "monitor.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
