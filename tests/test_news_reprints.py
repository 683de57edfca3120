"""Reprints of short news items join their story: a title suffix such as （转载）, a bracket tag,
a trailing outlet, or a changed title over the same short body — where SimHash over a dozen
tokens is unreliable. Distinct stories stay apart: other titles, numbered instalments of a
series, generic titles, and one title over two different long bodies."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from monitor.app import App
from monitor.db.models import Alert, NewsItem
from monitor.news import ingest_news
from monitor.sweep import sweep
from monitor.watchlist.cluster import clean_title, story_keys, title_key
from monitor.watchlist.normalize import normalize
from monitor.watchlist.terms import add_term

TITLE = "市审计局被曝拖欠薪资"
SHORT = "据网友反映，市审计局拖欠外聘人员薪资三个月。"
LONG_A = (
    "六安市审计局今天通报，全市保障性住房专项资金审计中发现挪用资金等问题十二个，涉及金额"
    "一千二百万元，已督促相关单位限期整改，整改情况将向社会公开。"
) * 6
LONG_B = (
    "六安市今年秋粮收购工作全面展开，各收储企业敞开收购，农民售粮排队时间明显缩短，"
    "市粮食部门派出督查组检查收购价格执行和粮款兑付情况，确保不压级压价。"
) * 6


def row(n: int, title: str, body: str | None) -> dict:
    return {
        "url": f"http://o{n}.example/{n}.html",
        "title": title,
        "body": body,
        "outlet": f"媒体{n}",
        "published_at": "2026-11-26T09:00:00+08:00",
    }


def ingest(app: App, rows: list[dict]) -> list[NewsItem]:
    with app.session() as session:
        ingest_news(session, app, "news", rows, app.now())
        return list(session.scalars(select(NewsItem).order_by(NewsItem.id)))


def clusters(app: App, rows: list[dict]) -> list[int]:
    return [i.cluster for i in ingest(app, rows)]


def test_reported_reprint_is_one_story_one_alert(make_app) -> None:
    app = make_app()
    with app.session() as session:
        add_term(session, "欠薪", app.now(), "test")
    # the reprint arrives in a later crawl: the index is rebuilt from the database
    ingest(app, [row(1, TITLE, SHORT)])
    first, reprint = ingest(app, [row(2, TITLE + "（转载）", SHORT)])
    assert reprint.cluster == first.cluster == first.id
    sweep(app)
    with app.session() as session:
        alerts = list(session.scalars(select(Alert).where(Alert.kind == "watch_hit")))
    assert [(a.subject, a.data["cluster_size"]) for a in alerts] == [
        (f"news-cluster:{first.id}", 2)
    ]


@pytest.mark.parametrize(
    "title, body",
    [
        (TITLE + "（转载）", SHORT),
        ("【转】" + TITLE, SHORT),
        ("[转]" + TITLE + " - 新浪新闻", SHORT),
        (TITLE + "_网易新闻", SHORT),
        (TITLE + " | 来源：澎湃新闻", SHORT),
        (TITLE + "——人民网", None),  # no body at all: the title alone
        ("转：" + TITLE + "！", "原文：" + SHORT),
        ("市審計局被曝拖欠薪資", SHORT + "（来源：安徽日报）"),  # traditional, credit line
        ("网友爆料：审计局欠薪三个月", SHORT),  # only the title changed: the short body decides
        (TITLE + "（转载）", LONG_A),  # one short, one long body: the title still decides
    ],
    ids=[
        "suffix",
        "bracket-prefix",
        "outlet-dash",
        "outlet-underscore",
        "credit-bar",
        "no-body",
        "repost-prefix",
        "traditional",
        "new-title",
        "long-body",
    ],
)
def test_reprint_variants_join_the_story(make_app, title: str, body: str | None) -> None:
    app = make_app()
    assert clusters(app, [row(1, TITLE, SHORT), row(2, title, body)]) == [1, 1]


@pytest.mark.parametrize(
    "first, second",
    [
        (
            (TITLE, SHORT),
            ("市审计局公布年度审计计划", "市审计局今天公布了明年的年度审计项目计划。"),
        ),
        (
            ("审计整改情况通报（二）", "第二批整改情况：三个单位完成整改。"),
            ("审计整改情况通报（三）", "第三批整改情况：五个单位完成整改。"),
        ),
        (("通知", "请各单位于周五前报送材料。"), ("通知", "下周一上午召开全体干部大会。")),
        (("审计工作动态 - 本网", LONG_A), ("审计工作动态 - 本网", LONG_B)),  # a daily column
        ((TITLE, "点击查看原文"), ("市民热线本周受理情况", "点击查看原文")),  # generic short body
    ],
    ids=["other-title", "series", "generic-title", "column-long-bodies", "generic-body"],
)
def test_distinct_stories_stay_apart(make_app, first: tuple, second: tuple) -> None:
    app = make_app()
    assert clusters(app, [row(1, *first), row(2, *second)]) == [1, 2]


def test_title_normalisation() -> None:
    def key(title: str) -> str | None:
        return title_key(normalize(title))

    assert {
        key(t)
        for t in [
            TITLE,
            f"{TITLE}（转载）",
            f"【转】{TITLE}",
            f"{TITLE}【图】",
            f"{TITLE} (来源: 新华网)",
            "  市 审计局 被曝 拖欠薪资！",
            f"{TITLE}｜澎湃新闻",
            f"[视频]{TITLE} - 凤凰网",
        ]
    } == {TITLE}
    # hyphens inside a title are content; a numbered tag is part of the title
    assert key("COVID-19疫情防控通报") == "covid19疫情防控通报"
    assert clean_title("2026-11-26审计工作通报") == "2026-11-26审计工作通报"
    assert key("审计整改情况通报（二）") != key("审计整改情况通报（三）")
    assert key("通知") is None and key("（转载）") is None  # too short to name a story
    assert story_keys(TITLE, LONG_A).body is None and story_keys(TITLE, LONG_A).long_body
    assert story_keys(TITLE, SHORT).body == story_keys("x", SHORT + " 来源：新华网").body


def test_body_decides_reprints_under_new_headlines_and_series_stay_apart(make_app) -> None:
    """The labelled set of benchmarks/match.py: a 400-character story reprinted three times
    under new headlines behind bylines (本报讯（记者 …）, 本报11月25日讯, 本台消息) is one
    story; instalments of one series, sharing an editor's note, are three."""
    import json

    from tests.conftest import FIXTURES

    labelled = [
        json.loads(line)
        for line in (FIXTURES / "news" / "reprints.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    app = make_app()
    got = clusters(app, [row(n, r["title"], r["body"]) for n, r in enumerate(labelled, 1)])
    first: dict[str, int] = {}
    for label, cluster in zip([r["story"] for r in labelled], got, strict=False):
        first.setdefault(label, cluster)
    assert got == [first[r["story"]] for r in labelled]
    assert len(set(got)) == len(first)  # no two labelled stories share a cluster
    assert len([r for r in labelled if r["story"] == "book"]) == 4
    assert len(labelled[0]["body"]) >= 390


def test_bylines_are_not_content() -> None:
    from monitor.watchlist.cluster import body_sketch, strip_credits

    text = normalize("本报讯（记者 王敏 通讯员 陈晓）城东新区首家城市书房开放。")
    assert "记者" not in strip_credits(text) and "本报讯" not in strip_credits(text)
    assert story_keys("x", "本报11月25日讯 " + SHORT).body == story_keys("y", SHORT).body
    assert body_sketch(normalize(SHORT)) is None  # short bodies: the exact key decides
