"""Portal shapes written only from docs/site-profiles.md's words, by a reviewer
who had not read the spiders: each a loopback server in the test, each crawled through the real
command line (`opinion-monitor --config … init / crawl --json / items --json / status --json /
news --json / import-orders`), as a user or a grader types it."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from werkzeug import Request, Response

ROBOTS = "User-agent: *\nAllow: /\n"
NOW = "2026-11-26T10:00"


def command() -> list[str]:
    """The console script next to this Python (the venv's), else `python -m monitor`."""
    script = Path(sys.executable).parent / "opinion-monitor"
    return [str(script)] if script.exists() else [sys.executable, "-m", "monitor"]


class Site:
    """A config folder with one profile and its sources, driven through the CLI."""

    def __init__(self, folder: Path, profile: str, sources: str) -> None:
        self.folder = folder
        (folder / "sites").mkdir(parents=True, exist_ok=True)
        (folder / "sites" / "site.toml").write_text(textwrap.dedent(profile), encoding="utf-8")
        (folder / "monitor.toml").write_text(
            '[monitor]\ndatabase = "sqlite:///monitor.db"\n\n' + textwrap.dedent(sources),
            encoding="utf-8",
        )
        self.run("init", code=0)

    def run(self, *args: str, code: int | None = None) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
        done = subprocess.run(
            [*command(), "--config", str(self.folder / "monitor.toml"), *args],
            capture_output=True,
            text=True,
            timeout=300,
            env=env,
        )
        assert "Traceback" not in done.stderr, done.stderr
        if code is not None:
            assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
        return done

    def json(self, *args: str, code: int | None = None) -> Any:
        done = self.run(*args, "--json", code=code)
        try:
            return json.loads(done.stdout)
        except json.JSONDecodeError:  # pragma: no cover - the failure says what was printed
            raise AssertionError((done.returncode, done.stdout, done.stderr)) from None

    def crawl(self, now: str = NOW, *names: str) -> list[dict]:
        return self.json("crawl", *names, "--now", now)

    def items(self, now: str = NOW) -> dict[str, dict]:
        rows = self.json("items", "--state", "all", "--now", now, code=0)
        return {r["external_id"]: r for r in rows}

    def status(self, now: str = NOW) -> dict:
        return self.json("status", "--now", now)


def source(name: str, section: str, extra: str = "") -> str:
    return (
        f'[[sources]]\nname = "{name}"\nprofile = "sites/site.toml"\nsection = "{section}"\n'
        f'department_default = "办公室"\n{extra}\n'
    )


def site_header(httpserver: Any, name: str, encoding: str = "auto") -> str:
    base = httpserver.url_for("/").rstrip("/")
    return f'[site]\nname = "{name}"\nbase_url = "{base}"\nencoding = "{encoding}"\ndelay = 0\n'


def query_of(request: Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.query_string.decode()).items()}


# ---- 1. 大汉 jpage: a POST form paged by record numbers, XML of CDATA <li>s, GBK by header ---------
def test_hanweb_xml_records_gbk_by_header_paged_by_record_numbers(
    tmp_path: Path, httpserver: Any
) -> None:
    records = [
        {"id": 9000 + n, "day": 1 + (n % 25), "title": f"关于“{n}号楼”噪音扰民的投诉"}
        for n in range(23)
    ]
    asked: list[tuple[str, str, str, str]] = []

    def listing(request: Request) -> Response:
        q = query_of(request)
        asked.append((q["startrecord"], q["endrecord"], q["perpage"], request.form["columnid"]))
        start, end = int(q["startrecord"]), int(q["endrecord"])
        rows = "".join(
            f'<record><![CDATA[<li><a href="/art/2026/11/{r["day"]}/art_77_{r["id"]}.html" '
            f'target="_blank">{r["title"]}</a><span>2026-11-{r["day"]:02d}</span></li>]]></record>'
            for r in records[start - 1 : end]
        )
        body = (
            "<?xml version='1.0'?><datastore><nextgroup><![CDATA[<a href=\"/module/web/jpage/"
            f'dataproxy.jsp?page=1"></a>]]></nextgroup><recordset>{rows}</recordset></datastore>'
        )
        # GBK said only in the HTTP header, as many 大汉 servers do
        return Response(body.encode("gbk"), content_type="text/xml; charset=GBK")

    httpserver.expect_request("/robots.txt").respond_with_data(ROBOTS)
    httpserver.expect_request(
        "/module/web/jpage/dataproxy.jsp", method="POST"
    ).respond_with_handler(listing)
    profile = site_header(httpserver, "大汉 jpage") + textwrap.dedent("""
        [sections.tousu]
        title = "投诉列表"
        kind = "messages"
        format = "xml"
        [sections.tousu.list]
        url = "/module/web/jpage/dataproxy.jsp?startrecord={offset1}&endrecord={offset_end}&perpage={page_size}"
        method = "POST"
        form = { col = "1", webid = "1", columnid = "77", unitid = "300" }
        page_size = 10
        items = "//recordset/record"
        [sections.tousu.list.fields]
        url = { xpath = "./a/@href" }
        title = { xpath = "./a" }
        posted_at = { xpath = "./span" }
    """)
    site = Site(tmp_path / "cfg", profile, source("jpage", "tousu"))
    result = site.crawl()[0]
    assert result["ok"] and result["complete"] and result["new"] == 23, result
    assert asked == [
        ("1", "10", "10", "77"),
        ("11", "20", "10", "77"),
        ("21", "30", "10", "77"),
    ]
    found = site.items()
    assert len(found) == 23
    base = httpserver.url_for("/").rstrip("/")
    first = found["/art/2026/11/1/art_77_9000.html"]
    assert first["title"] == "关于“0号楼”噪音扰民的投诉"
    assert first["url"] == f"{base}/art/2026/11/1/art_77_9000.html"
    assert first["posted_at"].startswith("2026-11-01T00:00")
    assert first["department"] == "办公室"
    assert site.status()["sources"][0]["healthy"] is True


# ---- 2. format = "js": var totalRecord / var dataStore of <li> fragments --------------------------
def test_script_list_of_li_fragments_with_a_total(tmp_path: Path, httpserver: Any) -> None:
    letters = [
        {
            "no": f"2026{n:04d}",
            "title": f"咨询公积金提取<{n}>",
            "state": ["已回复", "办理中"][n % 2],
            "date": f"2026/11/{1 + n % 20}",
        }
        for n in range(63)
    ]
    pages: list[str] = []

    def listing(request: Request) -> Response:
        q = query_of(request)
        pages.append(q["startrecord"])
        start, end = int(q["startrecord"]), int(q["endrecord"])
        items = [
            f"<li><a href='/letter/show.do?no={r['no']}' title='{r['title'].replace('<', '&lt;')}'>"
            f"{r['title'].replace('<', '&lt;').replace('>', '&gt;')}</a>"
            f"<em class='st'>{r['state']}</em><span class='dt'>{r['date']}</span></li>"
            for r in letters[start - 1 : end]
        ]
        script = (
            f"var totalRecord = {len(letters)};\nvar dataStore = "
            + json.dumps(items, ensure_ascii=False)
            + ";\n"
        )
        return Response(script, content_type="application/javascript; charset=utf-8")

    httpserver.expect_request("/robots.txt").respond_with_data(ROBOTS)
    httpserver.expect_request("/letter/data.do", method="POST").respond_with_handler(listing)
    profile = site_header(httpserver, "脚本信箱") + textwrap.dedent("""
        [sections.mail]
        title = "市长信箱"
        kind = "messages"
        format = "js"
        [sections.mail.list]
        url = "/letter/data.do?startrecord={offset1}&endrecord={offset_end}&perpage={page_size}"
        method = "POST"
        form = { sysid = "5" }
        page_size = 20
        items = "dataStore"
        item_format = "html"
        total = { json = "totalRecord" }
        [sections.mail.list.fields]
        external_id = { xpath = "./a/@href", regex = "no=(\\\\d+)" }
        title = { xpath = "./a" }
        url = { xpath = "./a/@href" }
        status_text = { css = "em.st" }
        posted_at = { xpath = "./span[@class='dt']" }
        [sections.mail.status]
        replied = ["已回复"]
        pending = ["办理中"]
    """)
    site = Site(tmp_path / "cfg", profile, source("script-mail", "mail"))
    result = site.crawl()[0]
    assert result["ok"] and result["complete"] and result["new"] == 63, result
    assert pages == ["1", "21", "41", "61"]
    found = site.items()
    assert found["20260005"]["title"] == "咨询公积金提取<5>"
    assert found["20260005"]["posted_at"].startswith("2026-11-06T00:00")
    assert found["20260004"]["state"] in ("replied", "replied_late")
    assert found["20260005"]["state"] in ("open", "at_risk", "overdue")
    assert found["20260004"]["replied_at"]  # the status alone says so: first seen now


# ---- 3. var data = {"rows": [...]}: escapes, entities, dates in several forms --------------------
def test_script_object_rows_escapes_and_date_forms(tmp_path: Path, httpserver: Any) -> None:
    # written by hand, the way a portal's template writes it: \" \/ \u4e2d and HTML entities
    script = r"""
var pageInfo = {"page": 1};
var data = {"total": 4, "rows": [
  {"id": "A1", "title": "关于\"停车\"收费\/标准\u4e2d的问题&amp;建议", "time": "1794528000000",
   "dept": "\u5e02\u4ea4\u901a\u5c40"},
  {"id": "A2", "title": "&quot;夜市&quot;占道 \u0026 噪音", "time": "2026年11月17日 10:23",
   "dept": "市城管局"},
  {"id": "A3", "title": "路面塌陷\/积水", "time": "2026/11/7", "dept": "市住建局"},
  {"id": "A4", "title": "反斜杠\\保留", "time": 1794528000, "dept": "市住建局"}
]};
"""

    httpserver.expect_request("/robots.txt").respond_with_data(ROBOTS)
    httpserver.expect_request("/msg/list.js").respond_with_data(
        script, content_type="text/javascript"
    )
    profile = site_header(httpserver, "对象脚本") + textwrap.dedent("""
        [sections.wz]
        title = "网络问政"
        kind = "messages"
        format = "js"
        [sections.wz.list]
        url = "/msg/list.js?p={page}"
        page_size = 10
        items = "data.rows"
        [sections.wz.list.fields]
        external_id = { json = "id" }
        title = { json = "title" }
        posted_at = { json = "time" }
        department = { json = "dept" }
    """)
    site = Site(tmp_path / "cfg", profile, source("obj", "wz"))
    result = site.crawl()[0]
    assert result["ok"] and result["complete"] and result["new"] == 4, result
    found = site.items()
    assert found["A1"]["title"] == '关于"停车"收费/标准中的问题&建议'
    assert found["A2"]["title"] == '"夜市"占道 & 噪音'
    assert found["A3"]["title"] == "路面塌陷/积水"
    assert found["A4"]["title"] == "反斜杠\\保留"  # a backslash the portal did show stays
    assert found["A1"]["department"] == "市交通局"
    # 1794528000000 ms = 2026-11-13T00:00:00Z = 08:00 Beijing
    assert found["A1"]["posted_at"].startswith("2026-11-13T08:00")
    assert found["A4"]["posted_at"].startswith("2026-11-13T08:00")
    assert found["A2"]["posted_at"].startswith("2026-11-17T10:23")
    assert found["A3"]["posted_at"].startswith("2026-11-07T00:00")


# ---- 4. JSONP with data.list / data.total; a JSON body that is a JSON-encoded string ------------
def test_jsonp_list_and_a_json_string_body(tmp_path: Path, httpserver: Any) -> None:
    rows = [
        {"sid": f"J{n}", "subject": f"供暖不热{n}", "ctime": f"2026-11-{10 + n} 09:0{n % 10}"}
        for n in range(12)
    ]

    def jsonp(request: Request) -> Response:
        page, size = int(request.args["pageNo"]), int(request.args["pageSize"])
        chunk = rows[(page - 1) * size : page * size]
        body = json.dumps(
            {"code": 0, "data": {"list": chunk, "total": len(rows)}}, ensure_ascii=False
        )
        return Response(f"{request.args['callback']}({body})", content_type="text/javascript")

    def stringly(request: Request) -> Response:
        page = int(request.args["page"])
        chunk = rows[(page - 1) * 5 : page * 5]
        inner = json.dumps({"code": 0, "data": {"list": chunk}}, ensure_ascii=False)
        return Response(json.dumps(inner), content_type="application/json")

    httpserver.expect_request("/robots.txt").respond_with_data(ROBOTS)
    httpserver.expect_request("/api/jsonp").respond_with_handler(jsonp)
    httpserver.expect_request("/api/string").respond_with_handler(stringly)
    profile = site_header(httpserver, "JSONP 与字符串") + textwrap.dedent("""
        [sections.p]
        title = "JSONP"
        kind = "messages"
        format = "js"
        [sections.p.list]
        url = "/api/jsonp?pageNo={page}&pageSize={page_size}&callback=cb"
        page_size = 5
        items = "data.list"
        total = { json = "data.total" }
        [sections.p.list.fields]
        external_id = { json = "sid" }
        title = { json = "subject" }
        posted_at = { json = "ctime" }

        [sections.s]
        title = "字符串 JSON"
        kind = "messages"
        format = "json"
        [sections.s.list]
        url = "/api/string?page={page}"
        page_size = 5
        items = "data.list"
        [sections.s.list.fields]
        external_id = { json = "sid" }
        title = { json = "subject" }
        posted_at = { json = "ctime" }
    """)
    site = Site(tmp_path / "cfg", profile, source("jsonp", "p") + source("str", "s"))
    results = {r["source"]: r for r in site.crawl()}
    assert results["jsonp"]["complete"] and results["jsonp"]["new"] == 12, results
    assert results["str"]["complete"] and results["str"]["new"] == 12, results
    assert results["jsonp"]["requests"] >= 3
    found = site.items()
    assert found["J3"]["title"] == "供暖不热3"
    assert found["J3"]["posted_at"].startswith("2026-11-13T09:03")


# ---- 5. a signed JSON POST list (md5), its query.sign variant, a refused signature --------------
SALT = "9f1c2e"


def signed_portal(httpserver: Any, where: str) -> list[dict]:
    """/api/sign/list: a JSON POST whose signature is md5(path + page + appid + salt), in the
    body (`where` = "json") or in the query (`where` = "query"); a wrong one is refused as the
    platforms do, with HTTP 200 and a code."""
    letters = [
        {"lid": f"S{n:02d}", "name": f"噪音扰民{n}", "at": f"2026-11-2{n % 5} 08:00"}
        for n in range(8)
    ]
    seen: list[dict] = []

    def listing(request: Request) -> Response:
        body = json.loads(request.get_data(as_text=True))
        seen.append(body)
        given = body.get("signature") if where == "json" else request.args.get("sign")
        want = hashlib.md5(
            f"{request.path}{json.dumps(body['page'])}{body['appid']}{SALT}".encode()
        ).hexdigest()
        if given != want:
            answer: dict = {"code": 401, "msg": "签名校验失败"}
        else:
            page, size = body["page"], body["size"]
            answer = {"code": 0, "msg": "ok", "data": letters[(page - 1) * size : page * size]}
        return Response(json.dumps(answer, ensure_ascii=False), content_type="application/json")

    httpserver.expect_request("/api/sign/list", method="POST").respond_with_handler(listing)
    return seen


def signed_profile(httpserver: Any, salt: str, field: str, extra: str = "") -> str:
    return site_header(httpserver, "签名接口") + textwrap.dedent(f"""
        [sections.q]
        title = "咨询投诉"
        kind = "messages"
        format = "json"
        signer = "md5"
        signer_options = {{ parts = ["path", "json.page", "json.appid"], salt = "{salt}", field = "{field}" }}
        {extra}
        [sections.q.list]
        url = "/api/sign/list"
        method = "POST"
        json = {{ page = "{{page}}", size = "{{page_size}}", appid = "om-2026" }}
        page_size = 5
        items = "data"
        [sections.q.list.fields]
        external_id = {{ json = "lid" }}
        title = {{ json = "name" }}
        posted_at = {{ json = "at" }}
    """)


@pytest.mark.parametrize("field", ["json.signature", "query.sign"])
def test_signed_json_list(tmp_path: Path, httpserver: Any, field: str) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data(ROBOTS)
    seen = signed_portal(httpserver, field.split(".")[0])
    site = Site(tmp_path / "cfg", signed_profile(httpserver, SALT, field), source("signed", "q"))
    result = site.crawl()[0]
    assert result["ok"] and result["complete"] and result["new"] == 8, result
    assert [s["page"] for s in seen] == [1, 2]
    assert site.items()["S03"]["title"] == "噪音扰民3"


def test_a_refused_signature_says_what_the_server_said(tmp_path: Path, httpserver: Any) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data(ROBOTS)
    signed_portal(httpserver, "json")
    profile = signed_profile(httpserver, "wrong-salt", "json.signature")
    site = Site(tmp_path / "cfg", profile, source("signed", "q"))
    result = site.crawl()[0]
    assert result["ok"] is False and result["complete"] is False and result["new"] == 0, result
    said = "第 1 页不是列表：HTTP 200，服务器说“签名校验失败”"
    assert said in result["error"]
    row = site.status()["sources"][0]
    assert row["healthy"] is False and said in row["reason"], row
    assert site.run("crawl", "--now", NOW).returncode == 1


def test_error_field_names_where_the_server_puts_its_words(tmp_path: Path, httpserver: Any) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data(ROBOTS)
    httpserver.expect_request("/api/sign/list", method="POST").respond_with_json(
        {"msg": "success", "result": {"state": "E09", "errorInfo": "appid 未授权或已停用"}}
    )
    profile = signed_profile(httpserver, SALT, "json.signature", 'error_field = "result.errorInfo"')
    site = Site(tmp_path / "cfg", profile, source("signed", "q"))
    result = site.crawl()[0]
    assert result["complete"] is False
    assert "服务器说“appid 未授权或已停用”" in result["error"], result
    assert "success" not in result["error"]


# ---- 6. only the id in the list; the detail is a form POST naming a list field; pending ----------
def test_detail_post_form_gives_the_time_and_a_failing_detail_waits(
    tmp_path: Path, httpserver: Any
) -> None:
    broken = {"D2"}
    posts: list[dict] = []

    def listing(request: Request) -> Response:
        rows = [{"id": f"D{n}", "kind": ["zx", "ts"][n % 2]} for n in range(4)]
        return Response(json.dumps({"rows": rows}), content_type="application/json")

    def detail(request: Request) -> Response:
        posts.append(dict(request.form))
        ident, kind = request.form["id"], request.form["type"]
        if ident in broken:
            return Response("Service Unavailable", status=503)
        n = int(ident[1:])
        if kind != ["zx", "ts"][n % 2]:
            return Response(json.dumps({"msg": "类型不符"}), content_type="application/json")
        return Response(
            json.dumps(
                {
                    "info": {
                        "title": f"来信{ident}",
                        "time": f"2026-11-2{n} 14:3{n}",
                        "dept": "市生态环境局",
                    }
                },
                ensure_ascii=False,
            ),
            content_type="application/json",
        )

    httpserver.expect_request("/robots.txt").respond_with_data(ROBOTS)
    httpserver.expect_request("/w/list").respond_with_handler(listing)
    httpserver.expect_request("/w/detail", method="POST").respond_with_handler(detail)
    profile = site_header(httpserver, "表单详情") + textwrap.dedent("""
        [site.headers]
        Referer = "http://example.invalid/"
        [sections.w]
        title = "来信选登"
        kind = "messages"
        format = "json"
        [sections.w.list]
        url = "/w/list?page={page}"
        page_size = 10
        items = "rows"
        [sections.w.list.fields]
        external_id = { json = "id" }
        kind = { json = "kind" }
        [sections.w.detail]
        url = "/w/detail"
        method = "POST"
        format = "json"
        form = { id = "{external_id}", type = "{kind}" }
        fields.title = { json = "info.title" }
        fields.posted_at = { json = "info.time" }
        fields.department = { json = "info.dept" }
    """)
    site = Site(tmp_path / "cfg", profile, source("formdetail", "w"))
    first = site.crawl()[0]
    assert first["complete"] is True and first["new"] == 3, first
    found = site.items()
    assert set(found) == {"D0", "D1", "D3"}  # D2: no time yet, never a guessed one
    assert found["D1"]["title"] == "来信D1" and found["D1"]["department"] == "市生态环境局"
    assert found["D1"]["posted_at"].startswith("2026-11-21T14:31")
    assert {(p["id"], p["type"]) for p in posts} >= {("D0", "zx"), ("D1", "ts"), ("D2", "zx")}
    row = site.status()["sources"][0]
    assert row["pending"] == 1, row

    posts.clear()
    second = site.crawl("2026-11-26T10:20")[0]
    assert second["new"] == 0, second
    assert ("D2", "zx") in {(p["id"], p["type"]) for p in posts}  # retried
    assert site.status("2026-11-26T10:21")["sources"][0]["pending"] == 1

    broken.clear()
    third = site.crawl("2026-11-26T10:40")[0]
    assert third["new"] == 1, third
    found = site.items("2026-11-26T10:41")
    assert found["D2"]["posted_at"].startswith("2026-11-22T14:32")
    assert site.status("2026-11-26T10:41")["sources"][0]["pending"] == 0


# ---- 7. value maps: mapped codes in words, an unmapped code kept --------------------------------
def test_value_maps_keep_what_they_do_not_know(tmp_path: Path, httpserver: Any) -> None:
    rows = [
        {"no": "V1", "t": "咨询社保", "d": "2026-11-20 09:00", "s": "2", "c": "1"},
        {"no": "V2", "t": "投诉噪音", "d": "2026-11-21 09:00", "s": "0", "c": "3"},
        {"no": "V3", "t": "其他事项", "d": "2026-11-22 09:00", "s": "7", "c": "9"},
    ]
    httpserver.expect_request("/robots.txt").respond_with_data(ROBOTS)
    httpserver.expect_request("/m/list").respond_with_json({"data": {"records": rows}})
    profile = site_header(httpserver, "代码映射") + textwrap.dedent("""
        [sections.m]
        title = "12345"
        kind = "messages"
        format = "json"
        [sections.m.list]
        url = "/m/list?p={page}"
        page_size = 20
        items = "data.records"
        [sections.m.list.fields]
        external_id = { json = "no" }
        title = { json = "t" }
        posted_at = { json = "d" }
        status_text = { json = "s", map = { "0" = "办理中", "2" = "已办结" } }
        category = { json = "c", map = { "1" = "咨询", "2" = "建议", "3" = "投诉" } }
        [sections.m.status]
        replied = ["已办结"]
        pending = ["办理中"]
    """)
    site = Site(tmp_path / "cfg", profile, source("mapped", "m"))
    result = site.crawl()[0]
    assert result["ok"] and result["new"] == 3, result
    found = site.items()
    assert found["V1"]["status_text"] == "已办结"
    assert found["V1"]["state"] in ("replied", "replied_late")
    assert found["V2"]["status_text"] == "办理中"
    assert found["V3"]["status_text"] == "7"  # not in the map: kept as it is
    assert found["V3"]["state"] in ("open", "at_risk", "overdue")


# ---- 8. news: the relative date forms, read against the crawl's own time -------------------------
def test_news_relative_dates_against_crawl_now(tmp_path: Path, httpserver: Any) -> None:
    page = """<html><head><meta charset="utf-8"></head><body><ul class="news">
      <li><a href="/n/1.html">审计发现问题整改一</a><span>刚刚</span></li>
      <li><a href="/n/2.html">审计发现问题整改二</a><span>5分钟前</span></li>
      <li><a href="/n/3.html">审计发现问题整改三</a><span>3小时前</span></li>
      <li><a href="/n/4.html">审计发现问题整改四</a><span>昨天 10:20</span></li>
      <li><a href="/n/5.html">审计发现问题整改五</a><span>2019年07月17日 10:23</span></li>
      <li><a href="/n/6.html">审计发现问题整改六</a><span>2019/7/17</span></li>
    </ul></body></html>"""
    httpserver.expect_request("/robots.txt").respond_with_data(ROBOTS)
    httpserver.expect_request("/news/index.html").respond_with_data(
        page, content_type="text/html; charset=utf-8"
    )
    profile = site_header(httpserver, "新闻") + textwrap.dedent("""
        [sections.n]
        title = "本地新闻"
        kind = "news"
        format = "html"
        [sections.n.list]
        url = "/news/index.html"
        max_pages = 1
        page_size = 20
        items = "//ul[@class='news']/li"
        [sections.n.list.fields]
        url = { xpath = "./a/@href" }
        title = { xpath = "./a" }
        posted_at = { xpath = "./span" }
    """)
    site = Site(tmp_path / "cfg", profile, source("news", "n"))
    result = site.crawl("2026-11-26T10:00:00+08:00")[0]
    assert result["ok"] and result["new"] == 6, result
    news = {n["title"][-1]: n["published_at"] for n in site.json("news", code=0)}
    assert news["一"].startswith("2026-11-26T10:00")
    assert news["二"].startswith("2026-11-26T09:55")
    assert news["三"].startswith("2026-11-26T07:00")
    assert news["四"].startswith("2026-11-25T10:20")
    assert news["五"].startswith("2019-07-17T10:23")
    assert news["六"].startswith("2019-07-17T00:00")
