"""Portal shapes no preset describes, written only from docs/site-profiles.md's words (issue 18: "checked
also on portal shapes you have not seen"): a JSONP list paged by offset with a JavaScript
detail answer, a GBK 大汉 jpage XML list of CDATA records, a list of structured XML records whose
detail is a form POST naming list fields, and a row that only links (no id). Loopback servers,
real crawl children, a real SQLite file."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs

from sqlalchemy import select
from werkzeug import Request, Response

from monitor.crawl import run_crawl
from monitor.db.models import Message
from monitor.timeutil import parse_iso
from tests.test_portal_platforms import ROBOTS, app_for, health, messages


def test_jsonp_offset_list_and_a_script_detail(tmp_path: Path, make_app, httpserver) -> None:
    rows = [
        {"no": f"W{n}", "t": f"路灯不亮\\第{n}处", "d": f"2026/11/{20 - n} 08:30", "c": str(n % 2)}
        for n in range(7)
    ]
    asked: list[tuple[str, str]] = []

    def listing(request: Request) -> Response:
        start, limit = int(request.args["start"]), int(request.args["limit"])
        asked.append((request.args["start"], request.args["end"]))
        chunk = rows[start : start + limit]
        body = json.dumps({"total": len(rows), "result": {"items": chunk}}, ensure_ascii=False)
        return Response(f"/**/{request.args['cb']}({body});", content_type="text/javascript")

    def detail(request: Request) -> Response:
        number = request.args["no"]
        script = (
            "var info = {no: '" + number + "', dept: '市\\u57ce\\u7ba1\\u5c40', "
            "text: 'It\\'s dark', };"
        )
        return Response(script, content_type="application/javascript; charset=utf-8")

    httpserver.expect_request("/robots.txt").respond_with_data(ROBOTS)
    httpserver.expect_request("/api/msgs").respond_with_handler(listing)
    httpserver.expect_request("/api/msg").respond_with_handler(detail)
    profile = f"""
[site]
name = "JSONP 问政"
base_url = "{httpserver.url_for("/").rstrip("/")}"
delay = 0
[sections.m]
format = "js"
[sections.m.list]
url = "/api/msgs?start={{offset}}&limit={{page_size}}&end={{offset_end}}&cb=jQuery1124_1"
page_size = 3
items = "result.items"
total = {{ json = "total" }}
[sections.m.list.fields]
external_id = {{ json = "no" }}
title = {{ json = "t" }}
posted_at = {{ json = "d" }}
category = {{ json = "c", map = {{ "0" = "咨询", "1" = "投诉" }} }}
[sections.m.detail]
url = "/api/msg?no={{external_id}}"
format = "js"
fields.department = {{ json = "info.dept" }}
fields.body = {{ json = "info.text" }}
"""
    app = app_for(tmp_path, make_app, profile, "m")
    result = run_crawl(app)[0]
    assert result.ok and result.complete and result.new == 7, result.error
    assert asked == [("0", "3"), ("3", "6"), ("6", "9")]
    found = messages(app)
    assert found["W1"].title == "路灯不亮\\第1处"  # the backslash the portal shows, once
    assert found["W1"].category == "投诉" and found["W0"].category == "咨询"
    assert found["W1"].department == "市城管局" and found["W1"].body == "It's dark"
    assert found["W1"].posted_at == parse_iso("2026-11-19T08:30")


def jpage_xml(records: list[dict], total: int) -> bytes:
    items = "".join(
        f"<record><![CDATA[<li><a href='/art/2026/11/{r['day']}/art_3021_{r['id']}.html' "
        f"title='{r['title']}'>{r['title']}</a><span>2026-11-{r['day']:02d}</span></li>]]></record>"
        for r in records
    )
    return (
        '<?xml version="1.0" encoding="gbk"?>\n<datastore><nextgroup><![CDATA[<a href="'
        '/module/web/jpage/dataproxy.jsp?page=1">]]></nextgroup>'
        f"<recordset>{items}</recordset><totalrecord>{total}</totalrecord></datastore>"
    ).encode("gbk")


def test_gbk_jpage_xml_records_holding_html(tmp_path: Path, make_app, httpserver) -> None:
    records = [
        {"id": 4000 + n, "day": 25 - n, "title": f"征求意见：垃圾分类办法（{n}）"} for n in range(8)
    ]
    seen: list[dict] = []

    def listing(request: Request) -> Response:
        query = {k: v[0] for k, v in parse_qs(request.query_string.decode()).items()}
        seen.append({**query, **request.form})
        start, end = int(query["startrecord"]), int(query["endrecord"])
        return Response(jpage_xml(records[start - 1 : end], len(records)), content_type="text/xml")

    def article(request: Request) -> Response:
        return Response(
            "<html><head><meta charset='gbk'></head><body><div id='zoom'>正文内容</div>"
            "<span class='dept'>来源：市城管局</span></body></html>".encode("gbk"),
            content_type="text/html",
        )

    httpserver.expect_request("/robots.txt").respond_with_data(ROBOTS)
    httpserver.expect_request(
        "/module/web/jpage/dataproxy.jsp", method="POST"
    ).respond_with_handler(listing)
    for r in records:
        httpserver.expect_request(
            f"/art/2026/11/{r['day']}/art_3021_{r['id']}.html"
        ).respond_with_handler(article)
    profile = f"""
[site]
name = "大汉 jpage"
base_url = "{httpserver.url_for("/").rstrip("/")}"
delay = 0
[sections.yj]
format = "xml"
[sections.yj.list]
url = "/module/web/jpage/dataproxy.jsp?startrecord={{offset1}}&endrecord={{offset_end}}&perpage={{page_size}}"
method = "POST"
form = {{ col = "1", appid = "1", webid = "2", path = "/", columnid = "3021", sourceContentType = "1", unitid = "7705", permissiontype = "0" }}
page_size = 5
items = "//recordset/record"
total = {{ xpath = "//totalrecord" }}
[sections.yj.list.fields]
url = {{ xpath = "./a/@href" }}
title = {{ xpath = "./a/@title" }}
posted_at = {{ xpath = "./span" }}
[sections.yj.detail]
fields.body = {{ css = "#zoom" }}
fields.department = {{ xpath = "//span[@class='dept']", label = "来源" }}
"""
    app = app_for(tmp_path, make_app, profile, "yj")
    result = run_crawl(app)[0]
    assert result.ok and result.complete and result.new == 8, result.error
    assert [(s["startrecord"], s["endrecord"], s["perpage"]) for s in seen] == [
        ("1", "5", "5"),
        ("6", "10", "5"),
    ]
    assert seen[0]["columnid"] == "3021"
    with app.session() as s:
        found = {m.external_id: m for m in s.scalars(select(Message))}
    # only a link in the list: the link's path is the id
    first = found["/art/2026/11/25/art_3021_4000.html"]
    assert first.title == "征求意见：垃圾分类办法（0）"  # GBK declared only in the XML prolog
    assert first.body == "正文内容" and first.department == "市城管局"


def test_structured_xml_and_a_form_post_detail_naming_list_fields(
    tmp_path: Path, make_app, httpserver
) -> None:
    posts: list[dict] = []

    def listing(request: Request) -> Response:
        page = int(request.args["pageNo"])
        if page > 1:
            return Response(
                "<?xml version='1.0'?><result><code>0</code><items></items></result>",
                content_type="application/xml",
            )
        items = "".join(
            f"<item><guid>{n}</guid><kind>ZX</kind><subject>占道经营&amp;噪音{n}</subject></item>"
            for n in range(3)
        )
        return Response(
            f"<?xml version='1.0' encoding='utf-8'?><result><items>{items}</items></result>",
            content_type="application/xml",
        )

    def detail(request: Request) -> Response:
        posts.append({**request.form, "token": request.headers.get("X-Token", "")})
        if request.form.get("type") != "ZX":
            return Response(json.dumps({"errmsg": "参数错误"}), content_type="application/json")
        guid = request.form["id"]
        if guid == "2":
            return Response(
                json.dumps({"code": 1, "errmsg": "记录不存在或未公开"}),
                content_type="application/json",
            )
        return Response(
            json.dumps({"data": {"time": f"2026-11-2{guid} 10:00", "unit": "区城管局"}}),
            content_type="application/json",
        )

    httpserver.expect_request("/robots.txt").respond_with_data(ROBOTS)
    httpserver.expect_request("/x/list").respond_with_handler(listing)
    httpserver.expect_request("/x/detail", method="POST").respond_with_handler(detail)
    profile = f"""
[site]
name = "XML 列表"
base_url = "{httpserver.url_for("/").rstrip("/")}"
delay = 0
[sections.x]
format = "xml"
[sections.x.list]
url = "/x/list?pageNo={{page}}"
page_size = 3
items = "//items/item"
[sections.x.list.fields]
external_id = {{ xpath = "./guid" }}
title = {{ xpath = "./subject" }}
kind_code = {{ xpath = "./kind" }}
[sections.x.detail]
url = "/x/detail"
method = "POST"
format = "json"
form = {{ id = "{{external_id}}", type = "{{kind_code}}" }}
headers = {{ X-Token = "t-{{external_id}}" }}
fields.posted_at = {{ json = "data.time" }}
fields.department = {{ json = "data.unit" }}
"""
    app = app_for(tmp_path, make_app, profile, "x")
    result = run_crawl(app)[0]
    assert result.complete and result.new == 2, result.error
    assert "记录不存在或未公开" in (result.error or "")  # the server's words, for the row
    found = messages(app)
    assert found["0"].title == "占道经营&噪音0" and found["0"].department == "区城管局"
    assert found["1"].posted_at == parse_iso("2026-11-21T10:00")
    assert {(p["id"], p["type"], p["token"]) for p in posts} == {
        ("0", "ZX", "t-0"),
        ("1", "ZX", "t-1"),
        ("2", "ZX", "t-2"),
    }
    row = health(app)
    assert row["pending"] == 1  # "2" has no time yet: kept, not guessed
