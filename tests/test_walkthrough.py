"""docs/deployment.md "Setting up a deployment", followed literally in a fresh folder: the commands and
TOML blocks are read from that page itself (only /etc/opinion-monitor and
/var/lib/opinion-monitor become folders under tmp_path, and the copied profiles point at the
sample portal, as step 3 says to point them at your site)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from datetime import datetime
from pathlib import Path

import pytest

from monitor.demo.sampleportal import SamplePortal
from monitor.demo.sinks import FakeWecom

ROOT = Path(__file__).resolve().parent.parent


def walkthrough() -> tuple[str, list[str]]:
    """The section's text and its ```toml blocks, in order."""
    readme = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    section = readme.split("## Setting up a deployment", 1)[1].split("\n## ", 1)[0]
    blocks = [textwrap.dedent(b) for b in re.findall(r"```toml\n(.*?)```", section, re.S)]
    return section, blocks


@pytest.fixture
def portal():
    p = SamplePortal(encoding="gbk")
    p.start()
    yield p
    p.stop()


@pytest.fixture
def robot():
    fake = FakeWecom().start()
    yield fake
    fake.stop()


def test_readme_deployment_walkthrough_works_in_a_fresh_folder(
    tmp_path: Path, portal: SamplePortal, robot: FakeWecom
) -> None:
    section, (database_line, tables) = walkthrough()
    etc, var = tmp_path / "etc" / "opinion-monitor", tmp_path / "var" / "lib" / "opinion-monitor"

    def local(text: str) -> str:
        return text.replace("/etc/opinion-monitor", str(etc)).replace(
            "/var/lib/opinion-monitor", str(var)
        )

    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "WECOM_OFFICE_WEBHOOK": robot.url("office"),
        "SMTP_PASSWORD": "secret",
    }
    env.pop("OPINION_MONITOR_CONFIG", None)

    def om(*args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [sys.executable, "-m", "monitor", "--config", str(etc / "monitor.toml"), *args],
            cwd=ROOT,
            env=env,
            text=True,
            capture_output=True,
            timeout=120,
        )
        assert proc.returncode == code, (args, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr
        return proc

    # 2. init writes the files and the database beside them, seeded with the watchlist
    assert "opinion-monitor --config /etc/opinion-monitor/monitor.toml init" in section
    om("init")
    config = etc / "monitor.toml"
    assert (etc / "data" / "monitor.db").exists() and (etc / "holidays.toml").exists()
    # … change the `database` line (not a second [monitor] table), then init again
    assert "change the `database` line" in section
    text = config.read_text(encoding="utf-8")
    new_line = local(database_line.strip())
    assert re.search(r"^database = .*$", text, re.M)
    config.write_text(
        re.sub(r"^database = .*$", lambda _m: new_line, text, count=1, flags=re.M), encoding="utf-8"
    )
    om("status", code=5)  # not created yet: refused, never silently empty
    om("init")
    assert (var / "monitor.db").exists()
    terms = json.loads(om("watchlist", "list", "--json").stdout)
    assert terms, "init seeds the new database's watchlist"

    # 3. copy the site profiles and point them at the site
    assert "cp config/sites/luan.toml config/sites/news.toml" in section
    (etc / "sites").mkdir()
    for name in ("luan.toml", "news.toml"):
        shutil.copy(ROOT / "config" / "sites" / name, etc / "sites" / name)
    for name, list_url in (("luan.toml", None), ("news.toml", "/news/rss.xml")):
        profile = etc / "sites" / name
        text = re.sub(
            r'^base_url = ".*"$',
            f'base_url = "{portal.base_url}"',
            profile.read_text(encoding="utf-8"),
            flags=re.M,
        )
        text = re.sub(r"^delay = .*$", "delay = 0", text, flags=re.M)
        if list_url:
            text = text.replace('url = "/rss/local.xml"', f'url = "{list_url}"')
        profile.write_text(text, encoding="utf-8")
    portal.add_message("w1", "小区门口路灯不亮", datetime(2026, 11, 30, 9, 0))
    portal.add_news(
        "/news/1.html", "城东新区城市书房开放", datetime(2026, 11, 30, 9, 0), "正文", "皖西日报"
    )

    # 4. append the sources, channels and routes to the file init wrote: valid TOML
    with config.open("a", encoding="utf-8") as handle:
        handle.write("\n" + local(tables))

    # 5. check it
    om("alerts", "test", "office")
    assert robot.contents("office"), "the test message reached the office robot"
    crawled = json.loads(om("crawl", "--json").stdout)
    assert {c["source"]: c["ok"] for c in crawled} == {"bxcy": True, "local-news": True}
    assert "bxcy" in om("status").stdout
    assert "小区门口路灯不亮" in om("items").stdout
