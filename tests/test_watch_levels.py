"""One level wording everywhere: info 提示, warning 警示, critical 严重 — defined once in
monitor.watchlist.levels and used by `watchlist list`, `watchlist check` and `news`."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from monitor.app import App, fixed_clock
from monitor.cli import main
from monitor.config import load_config
from monitor.news import ingest_news
from monitor.sweep import watch
from monitor.timeutil import parse_iso
from monitor.watchlist import levels, matcher
from tests.conftest import write_config


def test_one_mapping_object_everywhere() -> None:
    assert levels.LEVEL_ZH == {"info": "提示", "warning": "警示", "critical": "严重"}
    assert watch.LEVEL_RANK is levels.LEVEL_RANK and matcher.LEVEL_RANK is levels.LEVEL_RANK
    assert set(levels.LEVEL_RANK) == set(levels.LEVELS) == set(levels.LEVEL_ZH)
    assert levels.level_zh("critical") == "严重" and levels.level_zh("odd") == "odd"


def test_list_check_and_news_show_the_same_words(tmp_path: Path) -> None:
    config = write_config(tmp_path / "cfg")
    (config.parent / "watchlist.txt").write_text(
        "审计 | info\n欠薪 | warning\n腐败 | critical\n", encoding="utf-8"
    )
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(main, ["--config", str(config), *args])
        assert result.exit_code == 0, result.output
        return result.stdout

    run("init")
    listing = run("watchlist", "list")
    for term, level in [("审计", "info"), ("欠薪", "warning"), ("腐败", "critical")]:
        line = next(li for li in listing.splitlines() if li.startswith(term))
        assert levels.LEVEL_ZH[level] in line
    assert "警告" not in listing
    check = run("watchlist", "check", "市审计局干部腐败并拖欠薪资")
    assert all(word in check for word in levels.LEVEL_ZH.values())
    app = App(load_config(config), clock=fixed_clock(parse_iso("2026-11-26T10:00")))
    with app.session() as session:
        ingest_news(
            session,
            app,
            "news",
            [
                {
                    "url": "http://a.example/1",
                    "title": "市审计局干部腐败并拖欠薪资",
                    "body": None,
                    "published_at": None,
                }
            ],
            app.now(),
        )
    table = run("news")
    assert "审计(提示)" in table and "欠薪(警示)" in table and "腐败(严重)" in table
    assert json.loads(run("news", "--json"))[0]["hits"][0]["level"] == "critical"
