"""Crawls against the sample portal on loopback: real child processes, a real SQLite file.

Each `run_crawl` starts a Scrapy child (about a second), so scenarios are grouped."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from monitor.app import App
from monitor.crawl import run_crawl
from monitor.db.models import CrawlRun, Message, Source, WatchTerm
from monitor.demo.sampleportal import SamplePortal, luan_profile_text
from monitor.timeutil import parse_iso

NOW = "2026-11-26T10:00"
SOURCES = {
    "bxcy": ("luan-bxcy", "bxcy", "办公室"),
    "bmxx": ("luan-bmxx", "bmxx", "办公室"),
    "json": ("luan-json", "json", "信访科"),
    "news": ("sample-news", "news", None),
    "news_search": ("sample-search", "news_search", None),
}


def sources_toml(names: list[str], timeout: str | None = None) -> str:
    out = []
    for key in names:
        name, section, department = SOURCES[key]
        out.append(
            f'[[sources]]\nname = "{name}"\nprofile = "sites/sample.toml"\n'
            f'section = "{section}"\n'
            + (f'department_default = "{department}"\n' if department else "")
            + (f'timeout = "{timeout}"\n' if timeout else "")
        )
    return "\n".join(out)


@pytest.fixture
def portal() -> Iterator[SamplePortal]:
    p = SamplePortal()
    p.start()
    yield p
    p.stop()


def write_profile(tmp_path: Path, text: str, name: str = "sample.toml") -> Path:
    """The profile goes where make_app's monitor.toml will be (tmp_path/cfg/sites)."""
    folder = tmp_path / "cfg" / "sites"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


@pytest.fixture
def crawl_app(
    make_app: Callable[..., App], portal: SamplePortal, tmp_path: Path
) -> Callable[..., App]:
    """crawl_app(["bxcy"], edit=lambda text: text, now=NOW) → App whose profile is the portal's."""

    def factory(
        names: list[str],
        edit: Callable[[str], str] | None = None,
        now: str = NOW,
        timeout: str | None = None,
    ) -> App:
        text = luan_profile_text(portal.base_url)
        write_profile(tmp_path, edit(text) if edit else text)
        return make_app(sources_toml(names, timeout), now=now)

    return factory


def at(text: str) -> datetime:
    return parse_iso(text)


def messages(app: App, source: str = "luan-bxcy") -> dict[str, Message]:
    with app.session() as s:
        rows = s.scalars(select(Message).where(Message.source == source)).all()
        s.expunge_all()
    return {m.external_id: m for m in rows}


def source_row(app: App, name: str = "luan-bxcy") -> Source:
    with app.session() as s:
        row = s.scalar(select(Source).where(Source.name == name))
        s.expunge_all()
    assert row is not None
    return row


def one(results: list[Any]) -> Any:
    assert len(results) == 1
    return results[0]


def test_gbk_cms_pagination_detail_reply_incremental_and_withdrawn(make_app, tmp_path) -> None:
    portal = SamplePortal(encoding="gbk")
    portal.start()
    try:
        _scenario(portal, make_app, tmp_path)
    finally:
        portal.stop()


def _scenario(portal: SamplePortal, make_app, tmp_path: Path) -> None:
    # 45 messages over 3 pages (20/20/5) + one 不公开, newest first
    for n in range(45):
        portal.add_message(
            f"m{n:03d}",
            f"关于朱镕基路第{n}号路灯的问题",
            at("2026-11-02T09:00") + timedelta(hours=n * 5),
            department="城建科",
            author=f"王{n}",
            body=f"来信内容{n}",
        )
    portal.add_message("secret", "个人隐私来信", at("2026-11-25T08:00"), public=False)
    portal.reply("m000", at("2026-11-03T16:20"), department="市城管局", text="已安排维修。")
    write_profile(tmp_path, luan_profile_text(portal.base_url))
    app = make_app(sources_toml(["bxcy"]), now=NOW)
    first = one(run_crawl(app))
    assert first.ok and first.error is None and first.new == 46
    # robots.txt + pages 1-3 (page 3 holds 6 rows: the last page) + 45 details (none for the
    # 不公开 row)
    assert first.complete
    assert first.requests == 1 + 3 + 45
    found = messages(app)
    m = found["m044"]
    assert (
        m.title == "关于朱镕基路第44号路灯的问题" and m.author == "王44" and m.body == "来信内容44"
    )
    assert m.department == "城建科" and m.category == "咨询" and m.kind == "reply"
    assert m.posted_at == at("2026-11-11T13:00") and m.status_text == "未回复"
    assert m.url.endswith("/nocache/supervision/detail/m044.html")
    assert m.first_seen == m.last_seen == at(NOW)
    assert m.due_date is not None and m.state in ("open", "at_risk", "overdue")
    replied = found["m000"]
    assert replied.state == "replied" and replied.replied_at == at("2026-11-03T16:20")
    assert not replied.replied_at_approx
    assert replied.reply == "已安排维修。" and replied.reply_department == "市城管局"
    secret = [x for x in found.values() if x.external_id.startswith("nolink-")]
    assert len(secret) == 1 and secret[0].title == "个人隐私来信" and secret[0].url is None
    assert secret[0].department == "办公室"  # no detail: the source's department_default
    health = source_row(app)
    assert health.healthy and health.last_rows == 20 and health.usual_body_size > 5000

    # a no-change recrawl: no detail requests; pages up to the last open message, no further
    before = portal.request_count
    again = one(run_crawl(app, now=at("2026-11-26T10:10")))
    assert again.ok and (again.new, again.updated) == (0, 0)
    paths = portal.paths[before:]
    assert not [p for p in paths if "/detail/" in p]
    assert again.requests == len(paths) == 1 + 3  # robots.txt + the 3 pages holding open rows

    # replies answered on the portal are found; only the changed row's detail is fetched
    for n in range(40, 45):
        portal.reply(f"m{n:03d}", at("2026-11-26T10:30"), department="市城管局", text=f"答复{n}")
    before = portal.request_count
    for n in range(1, 40):
        portal.reply(f"m{n:03d}", at("2026-11-26T10:31"), text="统一答复")
    third = one(run_crawl(app, now=at("2026-11-26T11:00")))
    assert third.ok and third.updated == 44 and third.replied == 44
    assert len([p for p in portal.paths[before:] if "/detail/" in p]) == 44
    found = messages(app)
    assert found["m044"].state == "replied_late" and found["m044"].replied_at == at(
        "2026-11-26T10:30"
    )
    assert found["m044"].reply == "答复44" and found["m044"].reply_department == "市城管局"

    # a withdrawn message: only its own detail page, gone on two checks an hour apart, says so
    portal.add_message("late", "新来信", at("2026-11-26T11:10"))
    first_pass = one(run_crawl(app, now=at("2026-11-26T11:20")))
    assert first_pass.new == 1
    portal.remove("late")
    portal.set_mode("500")
    failed = one(run_crawl(app, now=at("2026-11-26T11:30")))
    assert not failed.ok and not failed.complete and "500" in failed.error
    assert messages(app)["late"].state == "open"  # nothing concluded from a failed crawl
    portal.set_mode("ok")
    before = portal.request_count
    gone = one(run_crawl(app, now=at("2026-11-26T11:40")))
    assert gone.ok and gone.complete and gone.withdrawn == 0  # the first check: gone once
    assert "/nocache/supervision/detail/late.html" in portal.paths[before:]
    assert messages(app)["late"].absent_since == at("2026-11-26T11:40")
    soon = one(run_crawl(app, now=at("2026-11-26T12:10")))
    assert soon.withdrawn == 0 and messages(app)["late"].state == "open"  # not an hour yet
    later = one(run_crawl(app, now=at("2026-11-26T12:45")))
    assert later.ok and later.withdrawn == 1
    assert messages(app)["late"].state == "withdrawn"
    portal.add_message("late", "新来信", at("2026-11-26T11:10"))  # back on the portal
    back = one(run_crawl(app, now=at("2026-11-26T12:50")))
    assert back.ok and back.updated == 1 and messages(app)["late"].state == "open"
    assert messages(app)["late"].absent_since is None
    with app.session() as s:
        runs = s.scalars(select(CrawlRun).order_by(CrawlRun.id)).all()
        assert [r.ok for r in runs] == [True, True, True, True, False, True, True, True, True]
        assert (
            runs[0].new == 46
            and runs[7].stats["full_pass"] is True
            and runs[7].stats["withdrawn"] == 1
        )


def test_partial_pass_never_withdraws(crawl_app, portal: SamplePortal) -> None:
    for n in range(30):
        portal.add_message(f"p{n:02d}", f"来信{n}", at("2026-11-20T09:00") + timedelta(minutes=n))
    app = crawl_app(["bxcy"], edit=lambda t: t.replace("max_pages = 1000", "max_pages = 1"))
    assert one(run_crawl(app)).new == 20  # page 1 only: the limit
    with app.session() as s:  # a message known from an earlier, longer crawl
        s.add(
            Message(
                source="luan-bxcy",
                external_id="old",
                title="旧",
                posted_at=at("2026-11-01T09:00"),
                due_date=at("2026-11-08T00:00").date(),
                deadline=at("2026-11-08T00:00"),
                first_seen=at("2026-11-01T10:00"),
                last_seen=at("2026-11-01T10:00"),
                state="open",
            )
        )
    result = one(run_crawl(app, now=at("2026-11-26T10:10")))
    assert result.ok and result.withdrawn == 0
    assert messages(app)["old"].state == "open"


def test_json_api_status_only_reply_is_approximate(crawl_app, portal: SamplePortal) -> None:
    portal.add_message(
        "9001",
        "噪音扰民",
        at("2026-11-20T08:00"),
        section="json",
        body="夜间施工",
        department="市生态环境局",
    )
    portal.add_message("9002", "停车难", at("2026-11-21T08:00"), section="json")
    # a profile whose detail has no reply time: only the list status can say "replied"
    app = crawl_app(
        ["json"], edit=lambda t: t.replace('fields.replied_at = { json = "data.reply_time" }\n', "")
    )
    first = one(run_crawl(app))
    assert first.ok and first.new == 2
    found = messages(app, "luan-json")
    assert found["9001"].posted_at == at("2026-11-20T08:00")
    assert found["9001"].body == "夜间施工" and found["9001"].department == "市生态环境局"
    assert found["9001"].status_text == "0" and found["9001"].author == "张**"
    portal.reply("9001", at("2026-11-24T09:00"), department="市生态环境局", text="已责令整改")
    seen_at = at("2026-11-26T10:10")
    second = one(run_crawl(app, now=seen_at))
    assert second.ok and second.replied == 1
    m = messages(app, "luan-json")["9001"]
    assert (
        m.replied_at == seen_at and m.replied_at_approx and m.state in ("replied", "replied_late")
    )
    assert m.reply == "已责令整改"


def test_json_api_reply_time_from_detail(crawl_app, portal: SamplePortal) -> None:
    portal.add_message("9003", "供暖不足", at("2026-11-20T08:00"), section="json")
    app = crawl_app(["json"])
    one(run_crawl(app))
    portal.reply("9003", at("2026-11-23T15:00"), text="已协调")
    assert one(run_crawl(app, now=at("2026-11-26T10:10"))).replied == 1
    m = messages(app, "luan-json")["9003"]
    assert (
        m.replied_at == at("2026-11-23T15:00") and not m.replied_at_approx and m.state == "replied"
    )


def test_bmxx_section_and_cli_json(crawl_app, portal: SamplePortal) -> None:
    from monitor.cli import main

    portal.add_message(
        "b1", "部门信箱来信", at("2026-11-25T09:00"), section="bmxx", department="人事科"
    )
    portal.add_message("x1", "百姓畅言来信", at("2026-11-25T09:00"), section="bxcy")
    app = crawl_app(["bxcy", "bmxx"])
    app.sessions  # the database exists (as `init` would have made it)
    runner = CliRunner()
    result = runner.invoke(
        main, ["--config", str(app.config.path), "crawl", "luan-bmxx", "--json", "--now", NOW]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    # robots.txt, page 1 (one row: the last page), one detail
    assert document == [
        {
            "source": "luan-bmxx",
            "ok": True,
            "complete": True,
            "new": 1,
            "updated": 0,
            "requests": 3,
            "error": None,
            "replied": 0,
            "withdrawn": 0,
        }
    ]
    assert messages(app, "luan-bmxx")["b1"].department == "人事科"
    assert messages(app, "luan-bxcy") == {}
    table = runner.invoke(main, ["--config", str(app.config.path), "crawl", "--now", NOW])
    assert table.exit_code == 0 and "来源" in table.output and "百姓畅言" in table.output
    assert "成功" in table.output
    bad = runner.invoke(main, ["--config", str(app.config.path), "crawl", "nosuch"])
    assert bad.exit_code == 2 and "nosuch" in bad.output
    portal.set_mode("403")
    blocked = runner.invoke(
        main, ["--config", str(app.config.path), "crawl", "luan-bxcy", "--json", "--now", NOW]
    )
    assert blocked.exit_code == 1
    document = json.loads(blocked.stdout)  # the JSON is still complete on stdout
    assert document[0]["ok"] is False and "403" in document[0]["error"]
    assert "luan-bxcy" in blocked.stderr
    portal.set_mode("ok")


def test_news_feed_and_keyword_requests(crawl_app, portal: SamplePortal) -> None:
    portal.add_news(
        "/news/1.html",
        "六安审计发现问题资金",
        at("2026-11-25T09:00"),
        "审计发现问题资金",
        "皖西日报",
    )
    portal.add_news(
        "/news/2.html", "秋季运动会开幕", at("2026-11-25T10:00"), "运动会", "六安新闻网"
    )
    app = crawl_app(["news", "news_search"])
    with app.session() as s:
        for term in ("审计", "欠薪"):
            s.add(
                WatchTerm(term=term, level="warning", exclude=[], enabled=True, updated_at=at(NOW))
            )
        s.add(
            WatchTerm(term="停用词", level="warning", exclude=[], enabled=False, updated_at=at(NOW))
        )
    before = portal.request_count
    results = {r.source: r for r in run_crawl(app)}
    searches = sorted(p for p in portal.paths[before:] if "q=" in p)
    assert len(searches) == 2  # one request per enabled watch term
    # the feed and the search find the same urls: stored once, by whichever source is
    # ingested first (each source is ingested as soon as its own crawl ends)
    assert results["sample-news"].ok and results["sample-search"].ok
    assert results["sample-news"].new + results["sample-search"].new == 2
    assert results["sample-news"].new == 2 or results["sample-search"].new == 1
    from monitor.db.models import NewsItem

    with app.session() as s:
        items = s.scalars(select(NewsItem).order_by(NewsItem.url)).all()
        assert [i.title for i in items] == ["六安审计发现问题资金", "秋季运动会开幕"]
        assert items[0].outlet == "皖西日报" and items[0].published_at == at("2026-11-25T09:00")


BLOCKS = [
    ("403", "403"),
    ("412", "412"),
    ("521", "521"),
    ("challenge", "JavaScript"),
    ("tiny", "页面异常短小"),
    ("empty", "列表为空"),
    ("nodate", "posted_at"),
    ("500", "HTTP 500"),
]


def test_unhealthy_sources(crawl_app, portal: SamplePortal) -> None:
    """Each block or breakage makes the source unhealthy with its reason, and nothing is
    concluded from it; one good crawl afterwards heals the source and catches up."""
    portal.add_message("h1", "第一封", at("2026-11-20T09:00"))
    portal.add_message("h2", "第二封", at("2026-11-21T09:00"))
    app = crawl_app(["bxcy"])
    assert one(run_crawl(app)).ok
    # the portal changes while blocked: a reply and a removal that must not be concluded
    portal.reply("h1", at("2026-11-22T09:00"))
    portal.remove("h2")
    portal.add_message("h3", "第三封", at("2026-11-25T09:00"))
    for n, (mode, reason) in enumerate(BLOCKS, start=1):
        portal.set_mode(mode)
        when = at("2026-11-26T10:00") + timedelta(minutes=10 * n)
        before = portal.request_count
        failed = one(run_crawl(app, now=when))
        assert not failed.ok and reason in failed.error, (mode, failed.error)
        list_requests = [p for p in portal.paths[before:] if "product_id" in p]
        # a 5xx is retried (retries = 1 in the profile, after a backoff); a block is not
        assert len(list_requests) == (2 if mode == "500" else 1), (mode, list_requests)
        health = source_row(app)
        assert not health.healthy and reason in health.reason and health.consecutive_failures == n
        assert health.last_error == when and health.last_success == at(NOW)
        with app.session() as s:
            run = s.scalars(select(CrawlRun).order_by(CrawlRun.id.desc())).first()
            assert not run.ok and reason in run.error and "Spider closed" in run.stats["log_tail"]
        found = messages(app)
        assert found["h1"].state != "replied" and found["h1"].replied_at is None, mode
        assert found["h2"].state != "withdrawn", mode
    portal.set_mode("ok")
    healed = one(run_crawl(app, now=at("2026-11-26T12:00")))
    assert healed.ok and source_row(app).healthy and source_row(app).reason is None
    assert source_row(app).consecutive_failures == 0
    found = messages(app)
    assert found["h1"].state == "replied" and "h3" in found
    # h2's own page is gone: the first check; a second one an hour later withdraws it
    assert found["h2"].state != "withdrawn" and found["h2"].absent_since == at("2026-11-26T12:00")


def test_request_timeout_and_child_time_limit(crawl_app, portal: SamplePortal) -> None:
    portal.add_message("t1", "来信", at("2026-11-20T09:00"))
    app = crawl_app(
        ["bxcy"],
        edit=lambda t: t.replace("timeout = 10", "timeout = 1").replace(
            "retries = 1", "retries = 0"
        ),
    )
    portal.set_mode("hang")
    result = one(run_crawl(app))
    assert not result.ok and "超时" in result.error
    assert not source_row(app).healthy
    limited = crawl_app(["bxcy"], timeout="2s")
    result = one(run_crawl(limited))
    assert not result.ok and "抓取超时" in result.error and "已终止" in result.error
    portal.set_mode("ok")


def test_robots_txt_is_obeyed_unless_the_profile_says_not(make_app, tmp_path) -> None:
    portal = SamplePortal(robots="User-agent: *\nDisallow: /\n")
    base = portal.start()
    try:
        portal.add_message("r1", "来信", at("2026-11-20T09:00"))
        profile = write_profile(tmp_path, luan_profile_text(base))
        app = make_app(sources_toml(["bxcy"]), now=NOW)
        blocked = one(run_crawl(app))
        assert not blocked.ok and "robots.txt" in blocked.error
        assert not [p for p in portal.paths if "supervision" in p]
        profile.write_text(luan_profile_text(base, obey_robots=False), encoding="utf-8")
        allowed = one(run_crawl(app))
        assert allowed.ok and allowed.new == 1
    finally:
        portal.stop()


def test_user_agent_and_people_daily_cursor_api(make_app, httpserver, tmp_path) -> None:
    from werkzeug import Request as WRequest
    from werkzeug import Response as WResponse

    fixture = json.loads(
        (Path(__file__).parent / "fixtures" / "portal" / "people_threads.json").read_text(
            encoding="utf-8"
        )
    )
    seen: list[dict[str, str]] = []

    def threads(request: WRequest) -> WResponse:
        seen.append({**request.form, "ua": request.headers.get("User-Agent", "")})
        last = request.form.get("lastItem", "")
        rows = (
            fixture["responseData"]
            if last == ""
            else [
                {
                    "tid": 17999000,
                    "subject": "更早的留言",
                    "dateline": 1690000000,
                    "answerDateline": None,
                    "answerOrganization": None,
                    "stateInfo": "办理中",
                }
            ]
            if last == "18000100"
            else []
        )
        return WResponse(
            json.dumps({"result": "success", "responseData": rows}), content_type="application/json"
        )

    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    httpserver.expect_request("/threads/queryThreadsList", method="POST").respond_with_handler(
        threads
    )
    root = Path(__file__).resolve().parent.parent
    text = (root / "config" / "sites" / "people_liuyan.toml").read_text(encoding="utf-8")
    text = text.replace(
        'base_url = "https://liuyan.people.com.cn"',
        f'base_url = "{httpserver.url_for("/").rstrip("/")}"',
    ).replace("delay = 2.0", "delay = 0")
    text = text.replace("page_size = 10", "page_size = 2")  # the fixture's page holds 2 rows
    write_profile(tmp_path, text, "people.toml")
    app = make_app(
        '[[sources]]\nname = "people"\nprofile = "sites/people.toml"\nsection = "luan"\n'
        'department_default = "办公室"\n',
        now=NOW,
    )
    result = one(run_crawl(app))
    assert result.ok and result.new == 3, result.error
    # a full page of 2 rows, then a short page of 1: the last page (docs/site-profiles.md)
    assert result.complete
    assert [s["lastItem"] for s in seen] == ["", "18000100"]
    assert seen[0]["fid"] == "1074"
    assert seen[0]["ua"].startswith("opinion-monitor/0.1 (")
    found = messages(app, "people")
    assert found["18000123"].state in ("replied", "replied_late")
    assert found["18000123"].replied_at == datetime.fromtimestamp(1700300000, tz=UTC)
    assert found["18000123"].reply_department == "六安市住建局"
    assert found["18000100"].replied_at is None and found["18000100"].status_text == "办理中"


def test_sections_of_one_polite_site_take_turns(crawl_app, portal: SamplePortal) -> None:
    for n in range(3):
        portal.add_message(f"x{n}", f"百姓畅言{n}", at("2026-11-20T09:00") + timedelta(hours=n))
        portal.add_message(
            f"y{n}", f"部门信箱{n}", at("2026-11-20T09:00") + timedelta(hours=n), section="bmxx"
        )
    app = crawl_app(["bxcy", "bmxx"], edit=lambda t: t.replace("delay = 0.0", "delay = 0.01"))
    results = run_crawl(app)
    assert [r.ok for r in results] == [True, True] and [r.new for r in results] == [3, 3]
    paths = portal.paths
    bxcy = [i for i, p in enumerate(paths) if "product_id=3" in p or "/detail/x" in p]
    bmxx = [i for i, p in enumerate(paths) if "product_id=4" in p or "/detail/y" in p]
    assert max(bxcy) < min(bmxx)  # one child after the other, never interleaved


def test_reply_shown_only_on_the_detail_page(crawl_app, portal: SamplePortal) -> None:
    """A list without a status column: open messages get their detail looked at every cycle."""
    portal.add_message("d1", "只有详情页显示回复", at("2026-11-23T09:00"))
    portal.add_message("d2", "早已回复", at("2026-11-20T09:00"))
    portal.reply("d2", at("2026-11-21T09:00"))
    app = crawl_app(
        ["bxcy"],
        edit=lambda t: t.replace('status_text = { xpath = "normalize-space(./td[7])" }\n', "", 1),
    )
    assert one(run_crawl(app)).new == 2
    portal.reply("d1", at("2026-11-25T16:00"), text="详情页里的答复")
    before = portal.request_count
    second = one(run_crawl(app, now=at("2026-11-26T10:10")))
    assert second.ok and second.replied == 1
    details = [p for p in portal.paths[before:] if "/detail/" in p]
    assert details == ["/nocache/supervision/detail/d1.html"]  # the open one only
    m = messages(app)["d1"]
    assert (
        m.state == "replied"
        and m.replied_at == at("2026-11-25T16:00")
        and m.reply == "详情页里的答复"
    )
