"""ingest_news: once per (url, content), updates keep their story, reprints cluster; the `news`
command's JSON shape (docs/commands.md) and Chinese table."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, select

from monitor.app import App, fixed_clock
from monitor.cli import main
from monitor.config import load_config
from monitor.db.models import NewsItem
from monitor.news import ingest_news
from monitor.timeutil import parse_iso
from monitor.watchlist.terms import add_term
from tests.conftest import write_config

BODY = (
    "六安市审计局今天通报，全市保障性住房专项资金审计中发现拖欠工资、挪用资金等问题十二个，"
    "涉及金额一千二百万元，已督促相关单位限期整改，整改情况将向社会公开。"
)


def row(
    url: str,
    title: str = "六安审计通报保障房资金问题",
    body: str | None = BODY,
    published_at: str | None = "2026-11-26T09:00:00+08:00",
    outlet: str | None = None,
) -> dict:
    return {
        "url": url,
        "title": title,
        "body": body,
        "published_at": published_at,
        "outlet": outlet,
        "keyword": "审计",
    }


def ingest(app: App, rows: list[dict]) -> tuple[int, int]:
    with app.session() as session:
        return ingest_news(session, app, "news", rows, app.now())


def items(app: App) -> list[NewsItem]:
    with app.session() as session:
        return list(session.scalars(select(NewsItem).order_by(NewsItem.id)))


def test_same_url_and_content_is_stored_once(make_app) -> None:
    app = make_app()
    assert ingest(app, [row("http://a.example/1"), row("http://a.example/1")]) == (1, 0)
    assert ingest(app, [row("http://a.example/1")]) == (0, 0)
    assert len(items(app)) == 1


def test_changed_content_is_an_update_in_the_same_cluster(make_app) -> None:
    app = make_app()
    ingest(app, [row("http://a.example/1")])
    assert ingest(
        app,
        [
            row(
                "http://a.example/1",
                title="（更新）六安审计通报",
                body="完全改写后的正文，内容与原文不同。",
            )
        ],
    ) == (0, 1)
    first, second = items(app)
    assert second.cluster == first.cluster == first.id
    assert first.content_hash != second.content_hash


def test_reprints_share_a_cluster_distinct_stories_do_not(make_app) -> None:
    app = make_app()
    other = row(
        "http://c.example/9",
        title="六安农民丰收节开幕",
        body="六安市农民丰收节今天开幕，各县区特色农产品集中展销，吸引市民选购，"
        "现场还举办了农技讲座和文艺演出。",
    )
    new, updated = ingest(
        app,
        [
            row("http://a.example/1", outlet="新华网"),
            row("http://b.example/2", body=BODY + "（来源：安徽日报）", outlet="安徽日报"),
            other,
        ],
    )
    assert (new, updated) == (3, 0)
    first, reprinted, distinct = items(app)
    assert first.cluster == reprinted.cluster == first.id
    assert distinct.cluster == distinct.id
    # a reprint in a later crawl joins the same story
    ingest(
        app,
        [
            row(
                "http://d.example/3",
                title="六安審計通報保障房資金問題",
                body="原标题：六安审计通报 " + BODY + "\n责任编辑：王五",
            )
        ],
    )
    assert items(app)[-1].cluster == first.id


def test_times_outlets_and_bad_rows(make_app) -> None:
    app = make_app()
    rows = [
        row("http://a.example/1", published_at="2026-11-26T09:00:00+08:00"),
        row("http://b.example/2", body=None, title="无正文", published_at=None),
        row("http://c.example/3", title="坏日期", body="x", published_at="昨天之前"),
        {"url": "", "title": "无链接"},
        {"url": "http://e.example/5", "title": ""},
    ]
    assert ingest(app, rows) == (3, 0)
    a, b, c = items(app)
    assert a.published_at == datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
    assert b.published_at is None and b.body is None and c.published_at is None
    assert a.outlet == "a.example"  # no outlet given: the link's host


def test_news_command_json_and_table(tmp_path: Path) -> None:
    config = write_config(tmp_path / "cfg")
    (config.parent / "watchlist.txt").write_text(
        "拖欠工资 | warning\n审计 | info\n", encoding="utf-8"
    )
    runner = CliRunner()
    assert runner.invoke(main, ["--config", str(config), "init"]).exit_code == 0
    app = App(load_config(config), clock=fixed_clock(parse_iso("2026-11-26T10:00")))
    ingest(
        app,
        [
            row("http://a.example/1", outlet="新华网"),
            row("http://z.example/2", title="天气", body="明天晴"),
        ],
    )

    def news(*args: str) -> list[dict]:
        result = runner.invoke(main, ["--config", str(config), "news", *args])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    before_sweep = news("--matched", "--json")  # not scanned yet: matched on the fly
    assert [i["url"] for i in before_sweep] == ["http://a.example/1"]
    assert runner.invoke(main, ["--config", str(config), "sweep"]).exit_code == 0
    doc = news("--json")
    assert len(doc) == 2
    matched = news("--matched", "--json")
    assert len(matched) == 1
    item = matched[0]
    assert {"source", "url", "title", "published_at", "cluster", "hits"} <= set(item)
    assert item["published_at"] == "2026-11-26T09:00:00+08:00" and item["source"] == "news"
    assert [h["term"] for h in item["hits"]] == ["拖欠工资", "审计"]
    assert {"term", "level", "confidence"} == set(item["hits"][0])
    assert item["hits"] == before_sweep[0]["hits"]
    table = runner.invoke(main, ["--config", str(config), "news", "--matched"]).stdout
    assert "命中关注词" in table and "拖欠工资(警示)" in table and "天气" not in table


def test_same_story_counted_per_cluster(make_app) -> None:
    app = make_app()
    ingest(app, [row(f"http://o{n}.example/1", outlet=f"媒体{n}") for n in range(5)])
    with app.session() as session:
        clusters = session.scalar(select(func.count(func.distinct(NewsItem.cluster))))
    assert clusters == 1


def test_hot_terms_count_hits_in_a_period(make_app) -> None:
    from monitor.sweep import sweep
    from monitor.watchlist.listing import hot_terms

    app = make_app()
    with app.session() as session:
        add_term(session, "拖欠工资", app.now(), "test")
        add_term(session, "审计", app.now(), "test", level="info")
    ingest(
        app,
        [
            row("http://a.example/1"),
            row("http://z.example/2", title="审计动态", body="审计局召开会议"),
        ],
    )
    sweep(app)
    with app.session() as session:
        hot = hot_terms(session, parse_iso("2026-11-26T00:00"), parse_iso("2026-11-27T00:00"))
        assert hot == [
            {"term": "审计", "level": "info", "count": 2},
            {"term": "拖欠工资", "level": "warning", "count": 1},
        ]
        assert (
            hot_terms(session, parse_iso("2026-11-27T00:00"), parse_iso("2026-11-28T00:00")) == []
        )
