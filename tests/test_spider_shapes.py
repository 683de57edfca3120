"""More portal shapes over loopback (pytest-httpserver): `first_url` + a 404 past the last page,
GBK without any charset declaration, `{offset}` paging with a JSON POST body, a news list with
relative dates and detail pages, a missing first page."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from werkzeug import Request, Response

from monitor.app import App
from monitor.crawl import run_crawl
from monitor.db.models import Message, NewsItem
from monitor.timeutil import parse_iso

NOW = "2026-11-26T10:00"
ROBOTS = "User-agent: *\nAllow: /\n"


def setup(
    tmp_path: Path, make_app: Callable[..., App], profile: str, section: str, name: str = "site"
) -> App:
    folder = tmp_path / "cfg" / "sites"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "site.toml").write_text(profile, encoding="utf-8")
    return make_app(
        f'[[sources]]\nname = "{name}"\nprofile = "sites/site.toml"\nsection = "{section}"\n'
        'department_default = "办公室"\n',
        now=NOW,
    )


def rows_html(rows: list[tuple[str, str, str]]) -> bytes:
    cells = "".join(
        f'<li><a href="/info/{i}.shtml">{t}</a><span>{d}</span></li>' for i, t, d in rows
    )
    # GBK with no charset anywhere: neither the header nor a <meta>
    return f"<html><body><ul class='msgs'>{cells}</ul></body></html>".encode("gbk")


def test_first_url_gbk_undeclared_and_404_past_the_last_page(
    tmp_path, make_app, httpserver
) -> None:
    base = httpserver.url_for("/").rstrip("/")
    pages = {
        "/list/index.html": [
            ("a1", "欠薪问题反映", "2026/11/25 09:30"),
            ("a2", "审计结果公开咨询", "2026年11月24日 08:00"),
        ],
        "/list/index_2.html": [("a3", "道路积水", "2026-11-20"), ("a4", "噪音", "2026-11-19")],
    }
    for path, rows in pages.items():
        httpserver.expect_request(path).respond_with_data(rows_html(rows), content_type="text/html")
    httpserver.expect_request("/list/index_3.html").respond_with_data("not found", status=404)
    httpserver.expect_request("/robots.txt").respond_with_data(ROBOTS)
    profile = f"""
[site]
name = "县政府"
base_url = "{base}"
delay = 0
[sections.mail]
title = "县长信箱"
[sections.mail.list]
url = "/list/index_{{page}}.html"
first_url = "/list/index.html"
page_size = 2
items = "//ul[@class='msgs']/li"
[sections.mail.list.fields]
external_id = {{ xpath = "./a/@href", regex = "/info/(\\\\w+)\\\\.shtml" }}
title = {{ xpath = "./a" }}
url = {{ xpath = "./a/@href" }}
posted_at = {{ xpath = "./span" }}
"""
    app = setup(tmp_path, make_app, profile, "mail")
    result = run_crawl(app)[0]
    # two full pages, then a 404: past the last page on a first crawl (no earlier pass)
    assert result.ok and result.new == 4, result.error
    assert result.stats["full_pass"] is True and result.complete
    with app.session() as s:
        found = {m.external_id: m for m in s.scalars(select(Message))}
        assert found["a1"].title == "欠薪问题反映"  # GBK decoded with no declaration
        assert found["a1"].posted_at == parse_iso("2026-11-25T09:30")
        assert found["a2"].posted_at == parse_iso("2026-11-24T08:00")
        assert found["a3"].url == f"{base}/info/a3.shtml"
        assert found["a1"].department == "办公室"
    # the first page goes missing where the section had rows: unhealthy, nothing withdrawn
    httpserver.clear()
    httpserver.expect_request("/robots.txt").respond_with_data(ROBOTS)
    httpserver.expect_request("/list/index.html").respond_with_data("gone", status=404)
    failed = run_crawl(app)[0]
    assert not failed.ok and "列表首页不存在" in failed.error
    with app.session() as s:
        assert {m.state for m in s.scalars(select(Message))} <= {"open", "at_risk", "overdue"}


def test_offset_paging_with_a_json_post_body(tmp_path, make_app, httpserver) -> None:
    items = [
        {
            "info": {
                "no": f"X{n}",
                "subject": f"来信{n}",
                "ts": 1795132800000 + n * 60000,
                "answer": {"time": "2026-11-21 10:00" if n == 0 else ""},
            }
        }
        for n in range(5)
    ]
    bodies: list[dict] = []

    def handler(request: Request) -> Response:
        body = json.loads(request.data)
        bodies.append(body)
        start, size = int(body["start"]), int(body["size"])
        return Response(
            json.dumps({"code": 0, "result": {"rows": items[start : start + size]}}),
            content_type="application/json",
        )

    httpserver.expect_request("/robots.txt").respond_with_data(ROBOTS)
    httpserver.expect_request("/api/list", method="POST").respond_with_handler(handler)
    profile = f"""
[site]
name = "接口"
base_url = "{httpserver.url_for("/").rstrip("/")}"
delay = 0
[sections.api]
format = "json"
[sections.api.list]
url = "/api/list"
method = "POST"
json = {{ start = "{{offset}}", size = "2", channel = "hotline" }}
first_page = 1
page_size = 2
items = "result.rows"
[sections.api.list.fields]
external_id = {{ json = "info.no" }}
title = {{ json = "info.subject" }}
posted_at = {{ json = "info.ts" }}
replied_at = {{ json = "info.answer.time" }}
category = {{ const = "热线" }}
status_text = {{ json = "info.state", default = "未知" }}
"""
    app = setup(tmp_path, make_app, profile, "api")
    result = run_crawl(app)[0]
    assert result.ok and result.new == 5, result.error
    # a value that is exactly one paging placeholder goes out as a number, as the portal's own
    # page sends it; the 3rd page holds 1 row: the last page
    assert [b["start"] for b in bodies] == [0, 2, 4]
    assert bodies[0]["channel"] == "hotline"
    with app.session() as s:
        found = {m.external_id: m for m in s.scalars(select(Message))}
        assert found["X1"].posted_at == datetime(2026, 11, 20, 0, 1, tzinfo=UTC)
        assert (
            found["X0"].replied_at == parse_iso("2026-11-21T10:00")
            and found["X0"].state == "replied"
        )
        assert found["X1"].category == "热线" and found["X1"].status_text == "未知"


def test_news_html_list_with_relative_dates_and_details(tmp_path, make_app, httpserver) -> None:
    base = httpserver.url_for("/").rstrip("/")
    listing = (
        "<html><head><meta charset='utf-8'></head><body>"
        "<div class='n'><a href='/n/1.html'>某局审计发现问题</a><i>5分钟前</i></div>"
        "<div class='n'><a href='/n/2.html'>欠薪农民工讨薪</a><i>昨天 10:20</i></div></body></html>"
    )
    httpserver.expect_request("/robots.txt").respond_with_data(ROBOTS)
    httpserver.expect_request("/search", query_string={"q": "审计"}).respond_with_data(
        listing, content_type="text/html; charset=utf-8"
    )
    httpserver.expect_request("/search", query_string={"q": "欠薪"}).respond_with_data(
        "<html><body></body></html>", content_type="text/html; charset=utf-8"
    )
    for n in (1, 2):
        httpserver.expect_request(f"/n/{n}.html").respond_with_data(
            f"<html><body><div class='src'>来源：皖西日报</div><div class='c'>正文{n}</div></body></html>",
            content_type="text/html; charset=utf-8",
        )
    profile = f"""
[site]
name = "新闻搜索"
base_url = "{base}"
delay = 0
[sections.search]
kind = "news"
format = "html"
[sections.search.list]
url = "/search?q={{keyword}}"
items = "//div[@class='n']"
[sections.search.list.fields]
url = {{ xpath = "./a/@href" }}
title = {{ xpath = "./a" }}
published_at = {{ xpath = "./i" }}
[sections.search.detail]
fields.body = {{ css = "div.c" }}
fields.outlet = {{ xpath = "//div[@class='src']", label = "来源" }}
"""
    app = setup(tmp_path, make_app, profile, "search", name="news-search")
    from monitor.db.models import WatchTerm

    with app.session() as s:
        for term in ("审计", "欠薪"):
            s.add(
                WatchTerm(
                    term=term, level="warning", exclude=[], enabled=True, updated_at=parse_iso(NOW)
                )
            )
    result = run_crawl(app)[0]
    assert result.ok and result.new == 2, result.error
    with app.session() as s:
        news = {n.url.rsplit("/", 1)[1]: n for n in s.scalars(select(NewsItem))}
        assert news["1.html"].published_at == parse_iso("2026-11-26T09:55")
        assert news["2.html"].published_at == parse_iso("2026-11-25T10:20")
        assert news["1.html"].body == "正文1" and news["1.html"].outlet == "皖西日报"
