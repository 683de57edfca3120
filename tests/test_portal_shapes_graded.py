"""More portal shapes written from docs/site-profiles.md's words alone, none of them the shapes of
test_portal_shapes_unseen.py: a JEECMS xjlb_N.jspx list whose last page is its 尾页 link, a GBK
网络问政 table whose detail gives 回复时间/回复单位 by label, paging arithmetic in a JSON body,
an XML answer of escaped HTML records, a JSON error answered with HTTP 200 and `resultDesc`, a first
crawl that fails on page 2 and backfills, and messages withdrawn from the list. Each is a loopback
server crawled through the real command line (`crawl / items / status --json`)."""

from __future__ import annotations

import json
import sqlite3
import textwrap
from pathlib import Path
from typing import Any

from werkzeug import Request, Response

from tests.test_portal_shapes_unseen import NOW, ROBOTS, Site, query_of, site_header, source


def db_rows(site: Site, sql: str) -> list[tuple]:
    with sqlite3.connect(site.folder / "monitor.db") as db:
        return db.execute(sql).fetchall()


# ---- 1. JEECMS: xjlb.jspx then xjlb_2.jspx …, the last page named by 尾页, time from the detail ---
def test_jeecms_list_last_page_from_the_end_link(tmp_path: Path, httpserver: Any) -> None:
    letters = [{"cid": 500 + n, "no": f"XJ2026{n:03d}", "day": 1 + n} for n in range(15)]
    asked: list[str] = []

    def page_of(number: int) -> Response:
        asked.append(f"p{number}")
        chunk = letters[(number - 1) * 5 : number * 5]
        lis = "".join(
            f'<li><a>{r["no"]}</a><a href="/gzjl/xjxq.jspx?cid={r["cid"]}"><span>反映'
            f"</span><span>路灯不亮{r['cid']}</span></a><a>投诉</a><a>已受理</a><a>市城管局</a></li>"
            for r in chunk
        )
        pager = (
            '<div class="page"><a href="/gzjl/xjlb.jspx">首页</a>'
            f'<a href="/gzjl/xjlb_{min(number + 1, 3)}.jspx">下一页</a>'
            '<a href="/gzjl/xjlb_3.jspx"> 尾页 </a></div>'
        )
        html = f'<html><body><ul class="mt10">{lis}</ul>{pager}</body></html>'
        return Response(html, content_type="text/html; charset=utf-8")

    def detail(request: Request) -> Response:
        cid = int(request.args["cid"])
        r = next(x for x in letters if x["cid"] == cid)
        html = (
            "<html><body><table><tr><td>受理编号："
            + r["no"]
            + f"　反映时间：2026-11-{r['day']:02d} "
            "09:15:00　反映类型：投诉</td></tr><tr><th>反映内容</th><td>小区门口路灯不亮。</td></tr>"
            "</table></body></html>"
        )
        return Response(html, content_type="text/html; charset=utf-8")

    httpserver.expect_request("/robots.txt").respond_with_data(ROBOTS)
    httpserver.expect_request("/gzjl/xjlb.jspx").respond_with_handler(lambda r: page_of(1))
    for n in (2, 3):
        httpserver.expect_request(f"/gzjl/xjlb_{n}.jspx").respond_with_handler(
            lambda r, n=n: page_of(n)
        )
    httpserver.expect_request("/gzjl/xjxq.jspx").respond_with_handler(detail)
    preset = Path("config/sites/presets/jeecms_xjlb.toml").read_text(encoding="utf-8")

    profile = (
        site_header(httpserver, "JEECMS 信件")
        + "[sections.letters]"
        + preset.split("[sections.letters]", 1)[1]
        .replace("page_size = 15", "page_size = 5")
        .replace("max_pages = 30", "max_pages = 10")
    )
    site = Site(tmp_path / "cfg", profile, source("jeecms", "letters"))
    result = site.crawl()[0]
    # page 3 is full, but the 尾页 link says it is the last: complete, and no page 4 asked for
    assert result["ok"] and result["complete"] and result["new"] == 15, result
    assert asked == ["p1", "p2", "p3"]
    found = site.items()
    letter = found["XJ2026004"]
    assert letter["title"] == "反映路灯不亮504"
    assert letter["posted_at"].startswith("2026-11-05T09:15")
    assert letter["department"] == "市城管局"
    assert letter["url"].endswith("/gzjl/xjxq.jspx?cid=504")
    assert site.status()["sources"][0]["healthy"] is True


# ---- 2. a GBK 网络问政 table with a 状态 column; the detail's 回复时间：… 回复单位：… ------------
def test_gbk_wenzheng_table_reply_by_labels(tmp_path: Path, httpserver: Any) -> None:
    rows = [
        # a search highlight inside the link, as 网络问政 lists do: <font color="red">…</font>
        (
            "WZ01",
            '关于老旧小区<font color="red">加装电梯</font>的建议',
            "2026-11-10 08:30",
            "已回复",
        ),
        ("WZ02", "学校门口交通拥堵", "2026-11-18 19:05", "未回复"),
        ("WZ03", "农贸市场卫生差", "2026-11-20 07:45", "未回复"),
    ]

    def listing(request: Request) -> Response:
        trs = "".join(
            f'<tr><td>{no}</td><td class="bt"><a href="show.asp?id={no}">{t}</a></td>'
            f"<td>{d}</td><td><span>{s[:1]}</span><span>{s[1:]}</span></td></tr>"
            for no, t, d, s in rows
        )
        html = (
            '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
            '</head><body><table class="list"><tr><th>编号</th><th>标题</th><th>时间</th>'
            f"<th>状态</th></tr>{trs}</table></body></html>"
        )
        return Response(html.encode("gbk"), content_type="text/html")

    def detail(request: Request) -> Response:
        no = request.args["id"]
        reply = ""
        if no == "WZ01":
            reply = (
                '<div class="hf"><p>回复时间：2026-11-14 16:20　回复单位：市住建局</p>'
                '<div class="nr">您好，已纳入明年计划。</div></div>'
            )
        html = (
            '<html><head><meta charset="gbk"></head><body><div class="wt">留言内容：'
            f"{no} 的内容，请尽快处理。</div>{reply}</body></html>"
        )
        return Response(html.encode("gbk"), content_type="text/html")

    httpserver.expect_request("/robots.txt").respond_with_data(ROBOTS)
    httpserver.expect_request("/wzwz/list.asp").respond_with_handler(listing)
    httpserver.expect_request("/wzwz/show.asp").respond_with_handler(detail)
    profile = site_header(httpserver, "网络问政平台") + textwrap.dedent("""
        [sections.wz]
        title = "网络问政"
        kind = "messages"
        format = "html"
        [sections.wz.list]
        url = "/wzwz/list.asp?page={page}"
        page_size = 20
        items = "//table[@class='list']/tr[td]"
        [sections.wz.list.fields]
        external_id = { xpath = "./td[1]" }
        title = { xpath = "./td[2]/a" }
        url = { xpath = "./td[2]/a/@href" }
        posted_at = { xpath = "./td[3]" }
        status_text = { xpath = "./td[4]" }
        [sections.wz.detail]
        fields.body = { css = "div.wt", label = "留言内容" }
        fields.replied_at = { xpath = "//div[@class='hf']/p", label = "回复时间" }
        fields.reply_department = { xpath = "//div[@class='hf']/p", label = "回复单位" }
        fields.reply = { css = "div.hf div.nr" }
        [sections.wz.status]
        replied = ["已回复"]
        pending = ["未回复"]
    """)
    site = Site(tmp_path / "cfg", profile, source("wenzheng", "wz"))
    result = site.crawl()[0]
    assert result["ok"] and result["complete"] and result["new"] == 3, result
    found = site.items()
    assert found["WZ01"]["title"] == "关于老旧小区加装电梯的建议"
    assert found["WZ01"]["url"].endswith("/wzwz/show.asp?id=WZ01")
    assert found["WZ01"]["status_text"] == "已回复"
    assert found["WZ01"]["state"] in ("replied", "replied_late")
    assert found["WZ01"]["replied_at"].startswith("2026-11-14T16:20")
    assert found["WZ01"]["replied_at_approx"] is False
    assert found["WZ02"]["state"] in ("open", "at_risk", "overdue")
    assert found["WZ02"]["posted_at"].startswith("2026-11-18T19:05")
    kept = db_rows(
        site, "SELECT body, reply, reply_department FROM messages WHERE external_id='WZ01'"
    )
    body, reply, by = kept[0]
    assert body.strip() == "WZ01 的内容，请尽快处理。"
    assert reply.strip() == "您好，已纳入明年计划。"
    assert by == "市住建局"


# ---- 3. {offset1} {offset_end} {page_size} in a JSON body: numbers; "s{offset}" stays a string ----
def test_record_number_arithmetic_in_a_json_body(tmp_path: Path, httpserver: Any) -> None:
    records = [
        {"bh": f"R{n:02d}", "bt": f"供水停水{n}", "sj": f"2026-11-2{n % 6} 10:00"}
        for n in range(17)
    ]
    bodies: list[dict] = []

    def listing(request: Request) -> Response:
        body = json.loads(request.get_data(as_text=True))
        bodies.append(body)
        chunk = records[body["start"] - 1 : body["end"]]
        return Response(
            json.dumps({"data": {"total": len(records), "rows": chunk}}, ensure_ascii=False),
            content_type="application/json",
        )

    httpserver.expect_request("/robots.txt").respond_with_data(ROBOTS)
    httpserver.expect_request("/api/letters", method="POST").respond_with_handler(listing)
    profile = site_header(httpserver, "记录号接口") + textwrap.dedent("""
        [sections.r]
        title = "来信"
        kind = "messages"
        format = "json"
        [sections.r.list]
        url = "/api/letters"
        method = "POST"
        json = { start = "{offset1}", end = "{offset_end}", size = "{page_size}", tag = "s{offset}", kw = "" }
        page_size = 8
        items = "data.rows"
        total = { json = "data.total" }
        [sections.r.list.fields]
        external_id = { json = "bh" }
        title = { json = "bt" }
        posted_at = { json = "sj" }
    """)
    site = Site(tmp_path / "cfg", profile, source("rec", "r"))
    result = site.crawl()[0]
    assert result["ok"] and result["complete"] and result["new"] == 17, result
    assert bodies == [
        {"start": 1, "end": 8, "size": 8, "tag": "s0", "kw": ""},
        {"start": 9, "end": 16, "size": 8, "tag": "s8", "kw": ""},
        {"start": 17, "end": 24, "size": 8, "tag": "s16", "kw": ""},
    ]


# ---- 4. XML records holding escaped HTML (not CDATA), item_format = "html" and without it --------
def test_xml_records_of_escaped_html(tmp_path: Path, httpserver: Any) -> None:
    def listing(request: Request) -> Response:
        q = query_of(request)
        start = int(q["startrecord"])
        recs = "".join(
            f"<record>&lt;tr&gt;&lt;td&gt;E{n}&lt;/td&gt;&lt;td&gt;&lt;a href=&quot;/x/{n}.html&quot;"
            f"&gt;噪音&amp;amp;扰民 {n}&lt;/a&gt;&lt;/td&gt;&lt;td&gt;2026-11-{10 + n:02d}&lt;/td&gt;"
            "&lt;/tr&gt;</record>"
            for n in range(start, min(start + 5, 8))
        )
        body = (
            '<?xml version="1.0" encoding="utf-8"?><datastore><totalrecord>7</totalrecord>'
            f"<recordset>{recs}</recordset></datastore>"
        )
        return Response(body, content_type="text/xml")

    httpserver.expect_request("/robots.txt").respond_with_data(ROBOTS)
    httpserver.expect_request("/jpage/data.jsp").respond_with_handler(listing)
    sections = ""
    for name, extra in (("a", 'item_format = "html"'), ("b", "")):
        sections += textwrap.dedent(f"""
            [sections.{name}]
            title = "投诉{name}"
            kind = "messages"
            format = "xml"
            [sections.{name}.list]
            url = "/jpage/data.jsp?startrecord={{offset1}}&endrecord={{offset_end}}"
            page_size = 5
            items = "//recordset/record"
            total = {{ xpath = "//totalrecord" }}
            {extra}
            [sections.{name}.list.fields]
            external_id = {{ xpath = "./td[1]" }}
            title = {{ xpath = "./td[2]/a" }}
            url = {{ xpath = "./td[2]/a/@href" }}
            posted_at = {{ xpath = "./td[3]" }}
        """)
    site = Site(
        tmp_path / "cfg",
        site_header(httpserver, "转义 XML") + sections,
        source("xa", "a") + source("xb", "b"),
    )
    results = {r["source"]: r for r in site.crawl()}
    for name in ("xa", "xb"):
        assert results[name]["complete"] and results[name]["new"] == 7, results
    found = site.items()
    assert found["E3"]["title"] == "噪音&扰民 3"
    assert found["E3"]["url"].endswith("/x/3.html")
    assert found["E3"]["posted_at"].startswith("2026-11-13T00:00")


# ---- 5. an error answered with HTTP 200: resultDesc, at the top or one level down, or HTTP 500 ----
def test_resultdesc_errors_with_http_200(tmp_path: Path, httpserver: Any) -> None:
    rows = [{"id": f"K{n}", "t": f"事项{n}", "d": "2026-11-20 10:00"} for n in range(10)]

    def top(request: Request) -> Response:
        if request.args["p"] == "1":
            return Response(json.dumps({"list": rows[:5]}), content_type="application/json")
        answer = {"resultCode": "9999", "resultDesc": "系统繁忙，请稍后再试"}
        return Response(json.dumps(answer, ensure_ascii=False), content_type="application/json")

    def nested(request: Request) -> Response:
        answer = {"head": {"resultCode": "E1", "resultDesc": "令牌已过期"}}
        return Response(json.dumps(answer, ensure_ascii=False), content_type="application/json")

    def http500(request: Request) -> Response:
        answer = {"code": 500, "msg": "数据库连接失败"}
        return Response(
            json.dumps(answer, ensure_ascii=False), status=500, content_type="application/json"
        )

    httpserver.expect_request("/robots.txt").respond_with_data(ROBOTS)
    httpserver.expect_request("/top").respond_with_handler(top)
    httpserver.expect_request("/nested").respond_with_handler(nested)
    httpserver.expect_request("/e500").respond_with_handler(http500)
    sections = ""
    for name in ("top", "nested", "e500"):
        sections += textwrap.dedent(f"""
            [sections.{name}]
            title = "接口{name}"
            kind = "messages"
            format = "json"
            [sections.{name}.list]
            url = "/{name}?p={{page}}"
            page_size = 5
            items = "list"
            [sections.{name}.list.fields]
            external_id = {{ json = "id" }}
            title = {{ json = "t" }}
            posted_at = {{ json = "d" }}
        """)
    header = site_header(httpserver, "报错接口") + "retries = 0\n"
    site = Site(
        tmp_path / "cfg",
        header + sections,
        source("top", "top") + source("nested", "nested") + source("e500", "e500"),
    )
    done = site.run("crawl", "--now", NOW, "--json", code=1)
    results = {r["source"]: r for r in json.loads(done.stdout)}
    assert results["top"]["new"] == 5 and results["top"]["complete"] is False, results
    assert "第 2 页不是列表：HTTP 200，服务器说“系统繁忙，请稍后再试”" in results["top"]["error"]
    assert "第 1 页不是列表：HTTP 200，服务器说“令牌已过期”" in results["nested"]["error"], results
    assert "HTTP 500，服务器说“数据库连接失败”" in results["e500"]["error"], results
    health = {s["name"]: s for s in site.status()["sources"]}
    assert "系统繁忙，请稍后再试" in health["top"]["reason"]
    assert health["top"]["healthy"] is False


# ---- 6. a first crawl failing on page 2: backfilling until a complete pass has read the history ----
def test_first_crawl_failing_on_page_two_backfills(tmp_path: Path, httpserver: Any) -> None:
    letters = [
        {"id": f"B{n:02d}", "t": f"来信{n}", "d": f"2026-11-{25 - n:02d} 09:00"} for n in range(13)
    ]
    failing: set[int] = {2}
    asked: list[int] = []

    def listing(request: Request) -> Response:
        page = int(request.args["page"])
        asked.append(page)
        if page in failing:
            return Response("<html>Bad Gateway</html>", status=502)
        chunk = letters[(page - 1) * 5 : page * 5]
        return Response(
            json.dumps({"rows": chunk}, ensure_ascii=False), content_type="application/json"
        )

    httpserver.expect_request("/robots.txt").respond_with_data(ROBOTS)
    httpserver.expect_request("/bf/list").respond_with_handler(listing)
    profile = (
        site_header(httpserver, "补抓")
        + "retries = 0\n"
        + textwrap.dedent("""
        [sections.bf]
        title = "留言"
        kind = "messages"
        format = "json"
        [sections.bf.list]
        url = "/bf/list?page={page}"
        page_size = 5
        items = "rows"
        [sections.bf.list.fields]
        external_id = { json = "id" }
        title = { json = "t" }
        posted_at = { json = "d" }
        status_text = { const = "办理中" }
    """)
    )
    site = Site(tmp_path / "cfg", profile, source("bf", "bf"))
    first = site.run("crawl", "--now", NOW, "--json", code=1)
    first_result = json.loads(first.stdout)[0]
    assert first_result["complete"] is False and first_result["new"] == 5, first_result
    row = site.status()["sources"][0]
    assert row["healthy"] is False and row["backfill"] is not None, row
    assert row["backfill"]["pages_read"] >= 1

    # page 2 recovers, page 3 now fails: still backfilling, the rows of page 2 are tracked
    failing.clear()
    failing.add(3)
    asked.clear()
    second = site.json("crawl", "--now", "2026-11-26T10:20")[0]
    assert second["complete"] is False and second["new"] == 5, second
    assert 2 in asked  # read past the incremental stop (page 1 held only known rows)
    row = site.status("2026-11-26T10:21")["sources"][0]
    assert row["healthy"] is False and row["backfill"] is not None, row
    assert row["backfill"]["reached"].startswith("2026-11-16"), row

    # everything answers: one complete pass, every older message tracked, no longer backfilling
    failing.clear()
    third = site.json("crawl", "--now", "2026-11-26T10:40")[0]
    assert third["ok"] and third["complete"] is True and third["new"] == 3, third
    row = site.status("2026-11-26T10:41")["sources"][0]
    assert row["backfill"] is None and row["healthy"] is True, row
    assert len(site.items("2026-11-26T10:41")) == 13

    # and from now on the incremental stop holds: page 1 only
    asked.clear()
    fourth = site.json("crawl", "--now", "2026-11-26T11:00")[0]
    assert fourth["complete"] is True and fourth["new"] == 0, fourth
    assert site.status("2026-11-26T11:01")["sources"][0]["backfill"] is None


# ---- 7. withdrawn: a detail page gone on two checks an hour apart; a list-only row after 24 h -----
def test_messages_withdrawn_from_the_list(tmp_path: Path, httpserver: Any) -> None:
    listed = {f"W{n}" for n in range(4)}
    gone: set[str] = set()

    def listing(request: Request) -> Response:
        rows = [
            {"id": i, "t": f"信件{i}", "d": "2026-11-24 09:00", "u": f"/wd/show?id={i}"}
            for i in sorted(listed)
        ]
        return Response(
            json.dumps({"rows": rows}, ensure_ascii=False), content_type="application/json"
        )

    def lonely(request: Request) -> Response:
        rows = [{"t": f"不公开信件{i}", "d": "2026-11-24 09:00"} for i in sorted(listed)]
        return Response(
            json.dumps({"rows": rows}, ensure_ascii=False), content_type="application/json"
        )

    def detail(request: Request) -> Response:
        ident = request.args["id"]
        if ident in gone:
            return Response("<html>信息不存在</html>", status=404)
        return Response(
            f'<html><body><div class="c">内容{ident}</div></body></html>',
            content_type="text/html; charset=utf-8",
        )

    httpserver.expect_request("/robots.txt").respond_with_data(ROBOTS)
    httpserver.expect_request("/wd/list").respond_with_handler(listing)
    httpserver.expect_request("/wd/lonely").respond_with_handler(lonely)
    httpserver.expect_request("/wd/show").respond_with_handler(detail)
    profile = site_header(httpserver, "撤回") + textwrap.dedent("""
        [sections.d]
        title = "有详情"
        kind = "messages"
        format = "json"
        [sections.d.list]
        url = "/wd/list?p={page}"
        page_size = 10
        items = "rows"
        [sections.d.list.fields]
        external_id = { json = "id" }
        title = { json = "t" }
        posted_at = { json = "d" }
        url = { json = "u" }
        [sections.d.detail]
        format = "html"
        fields.body = { css = "div.c" }

        [sections.l]
        title = "不公开"
        kind = "messages"
        format = "json"
        [sections.l.list]
        url = "/wd/lonely?p={page}"
        page_size = 10
        items = "rows"
        [sections.l.list.fields]
        url = { json = "u" }
        title = { json = "t" }
        posted_at = { json = "d" }
    """)
    site = Site(tmp_path / "cfg", profile, source("d", "d") + source("l", "l"))
    first = {r["source"]: r for r in site.crawl("2026-11-26T08:00")}
    assert first["d"]["new"] == 4 and first["l"]["new"] == 4, first

    listed.discard("W2")
    gone.add("W2")
    t1 = {r["source"]: r for r in site.crawl("2026-11-26T09:00")}
    assert t1["d"]["withdrawn"] == 0 and t1["l"]["withdrawn"] == 0, t1  # one check is not enough
    t2 = {r["source"]: r for r in site.crawl("2026-11-26T09:30")}
    assert t2["d"]["withdrawn"] == 0, t2  # not an hour after the first check
    t3 = {r["source"]: r for r in site.crawl("2026-11-26T10:05")}
    assert t3["d"]["withdrawn"] == 1 and t3["l"]["withdrawn"] == 0, t3
    states = {
        (r["source"], r["title"]): r["state"] for r in site.items("2026-11-26T10:06").values()
    }
    assert states[("d", "信件W2")] == "withdrawn"
    assert states[("l", "不公开信件W2")] != "withdrawn"

    t4 = {r["source"]: r for r in site.crawl("2026-11-27T09:10")}
    assert t4["l"]["withdrawn"] == 1, t4  # missing from complete passes spanning 24 h
    states = {
        (r["source"], r["title"]): r["state"] for r in site.items("2026-11-27T09:11").values()
    }
    assert states[("l", "不公开信件W2")] == "withdrawn"
    assert states[("l", "不公开信件W1")] != "withdrawn"

    # it shows up again: tracked again, with its original deadline
    before = {r["title"]: r["deadline"] for r in site.items("2026-11-27T09:11").values()}
    listed.add("W2")
    gone.clear()
    t5 = {r["source"]: r for r in site.crawl("2026-11-27T09:30")}
    assert t5["d"]["ok"] and t5["l"]["ok"], t5
    after = {r["title"]: r for r in site.items("2026-11-27T09:31").values()}
    for title in ("信件W2", "不公开信件W2"):
        assert after[title]["state"] != "withdrawn", after[title]
        assert after[title]["deadline"] == before[title]
