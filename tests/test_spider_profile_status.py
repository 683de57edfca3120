"""`status` shows a source whose site profile does not load (or lacks its section) as unhealthy,
before any crawl and without starting one."""

from __future__ import annotations

import json

from monitor.app import App, fixed_clock
from monitor.config import load_config
from monitor.db.models import Source
from monitor.demo.sampleportal import luan_profile_text
from monitor.timeutil import parse_iso
from tests.conftest import write_config
from tests.test_spider_profile_check import cli, html, source


def test_status_reports_a_profile_that_does_not_load(tmp_path) -> None:
    folder = tmp_path / "cfg"
    (folder / "sites").mkdir(parents=True)  # monitor.toml's load checks the files exist
    (folder / "sites" / "good.toml").write_text(
        luan_profile_text("http://127.0.0.1:9"), encoding="utf-8"
    )
    (folder / "sites" / "broken.toml").write_text("[site\nname = 'x'\n", encoding="utf-8")
    (folder / "sites" / "xpath.toml").write_text(
        html(title='{ xpath = "./td[" }'), encoding="utf-8"
    )
    config = write_config(
        folder,
        source("good", "sites/good.toml")
        + source("not-toml", "sites/broken.toml")
        + source("no-section", "sites/good.toml", section="nosuch")
        + source("bad-xpath", "sites/xpath.toml"),
    )
    assert cli(config, "init").exit_code == 0
    # a source that crawled well before its profile broke is unhealthy now all the same
    app = App(load_config(config), clock=fixed_clock(parse_iso("2026-11-26T10:00")))
    with app.session() as s:
        s.add(Source(name="bad-xpath", healthy=True, last_success=parse_iso("2026-11-26T09:00")))
    result = cli(config, "status", "--json", "--now", "2026-11-26T10:00")
    assert result.exit_code == 0, result.output
    sources = {s["name"]: s for s in json.loads(result.stdout)["sources"]}
    assert sources["good"]["healthy"] is True and sources["good"]["reason"] == "尚未抓取"
    expected = {
        "not-toml": ("broken.toml", "不是有效的 TOML"),
        "no-section": ("good.toml", "没有栏目 'nosuch'"),
        "bad-xpath": ("xpath.toml", "sections.bxcy.list.fields.title.xpath"),
    }
    for name, (file, text) in expected.items():
        reason = sources[name]["reason"]
        assert sources[name]["healthy"] is False, name
        assert reason.startswith("站点配置错误：") and file in reason and text in reason, reason
    assert sources["bad-xpath"]["last_success"] == "2026-11-26T09:00:00+08:00"
    # mended: the next status sees the new file (no stale cache)
    (folder / "sites" / "broken.toml").write_text(
        luan_profile_text("http://127.0.0.1:9") + "\n", encoding="utf-8"
    )
    again = {s["name"]: s for s in json.loads(cli(config, "status", "--json").stdout)["sources"]}
    assert again["not-toml"]["healthy"] is True and again["not-toml"]["reason"] == "尚未抓取"
