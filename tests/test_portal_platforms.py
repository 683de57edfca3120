"""The shipped presets (config/sites/presets/) against loopback servers that answer as the real
platforms do (docs/site-profiles.md): field names, escaping, paging and encodings taken from public
scrapers of 大汉 jact 信箱 lists, JEECMS `xjlb_N.jspx` lists, 12345 JSON list APIs and the
人民网 领导留言板 signed API. Every crawl is a real crawl child writing a real SQLite file."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from sqlalchemy import select
from werkzeug import Request, Response

from monitor.app import App
from monitor.crawl import run_crawl
from monitor.db.models import Message, PendingRow
from monitor.status import source_health
from monitor.timeutil import parse_iso

ROOT = Path(__file__).resolve().parent.parent
PRESETS = ROOT / "config" / "sites" / "presets"
NOW = "2026-11-26T10:00"
ROBOTS = "User-agent: *\nAllow: /\n"


def preset(name: str, base: str, *edits: tuple[str, str]) -> str:
    """A shipped preset pointed at the loopback server, without its politeness delay."""
    text = (PRESETS / name).read_text(encoding="utf-8")
    lines = [
        f'base_url = "{base}"' if line.startswith("base_url = ") else line
        for line in text.splitlines()
    ]
    text = "\n".join(lines).replace("delay = 2.0", "delay = 0")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    return text


def app_for(
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


def messages(app: App) -> dict[str, Message]:
    with app.session() as s:
        return {m.external_id: m for m in s.scalars(select(Message))}


def health(app: App) -> dict:
    with app.session() as s:
        return source_health(s, app.config, counts=False)[0]


# ---- 大汉 jact 信箱: a POST answered with script text, records paged by number -------------------
def jact_letters(count: int) -> list[dict]:
    return [
        {
            "no": f"XX2026{n:05d}",
            "tid": 500000 + n,
            # a title with quotes and a slash: escaped in the script as \" and \/
            "title": f'关于"老旧小区"加装电梯/{n}',
            "state": "已办结" if n % 3 == 0 else "办理中",
            "time": (datetime(2026, 11, 25, 9, 0) - timedelta(hours=5 * n)).strftime(
                "%Y-%m-%d %H:%M"
            ),
        }
        for n in range(count)
    ]


def jact_script(rows: list[dict], total: int) -> str:
    cells = [
        (
            f"<tr class='tr_css'><td>{r['no']}</td><td><a href='mailpubdetail.do?sysid=84&"
            f"transactId={r['tid']}' target='_blank' title='{r['title']}'>{r['title']}</a></td>"
            f"<td>{r['state']}</td><td>{r['time']}</td><td>{r['tid'] % 97}</td></tr>"
        )
        for r in rows
    ]
    # json.dumps escapes quotes as \" ; jact also escapes "/" as "\/" and leaves raw line breaks
    items = ",\r\n".join(json.dumps(c, ensure_ascii=False).replace("/", "\\/") for c in cells)
    return f"\r\n\r\nvar totalRecord = {total};\r\nvar dataStore = [{items}];\r\n"


def jact_detail(row: dict) -> bytes:
    return (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        "<title>信件详情</title></head><body><div class='jact_box_font'><table>"
        f"<tr><td>信件编号</td><td>{row['no']}</td></tr>"
        f"<tr><td>来信人</td><td>王**</td></tr>"
        f"<tr><td>信件内容</td><td>小区没有电梯，{row['tid']}号楼老人上下楼困难。</td></tr>"
        "<tr><td>办理单位</td><td>市住房和城乡建设局</td></tr>"
        + (
            "<tr><td>答复时间</td><td>2026-11-25 16:00</td></tr>"
            "<tr><td>答复内容</td><td>已列入明年加装计划。</td></tr>"
            if row["state"] == "已办结"
            else ""
        )
        + "</table></div></body></html>"
    ).encode("gbk")


def test_hanweb_jact_script_list_gbk_details(tmp_path, make_app, httpserver) -> None:
    letters = jact_letters(35)
    asked: list[dict] = []

    def listing(request: Request) -> Response:
        query = {k: v[0] for k, v in parse_qs(request.query_string.decode()).items()}
        asked.append({**query, "sysid": request.form.get("sysid")})
        start, end = int(query["startrecord"]), int(query["endrecord"])
        return Response(
            jact_script(letters[start - 1 : end], len(letters)),
            content_type="text/javascript;charset=UTF-8",
        )

    def detail(request: Request) -> Response:
        tid = int(request.args["transactId"])
        row = next(r for r in letters if r["tid"] == tid)
        return Response(jact_detail(row), content_type="text/html")

    httpserver.expect_request("/robots.txt").respond_with_data(ROBOTS)
    httpserver.expect_request(
        "/jact/front/dataproxy_mailpublist.do", method="POST"
    ).respond_with_handler(listing)
    httpserver.expect_request("/jact/front/mailpubdetail.do").respond_with_handler(detail)
    base = httpserver.url_for("/").rstrip("/")
    app = app_for(
        tmp_path,
        make_app,
        preset("hanweb_jact.toml", base, ('sysid = "1"', 'sysid = "84"')),
        "mail",
    )
    result = run_crawl(app)[0]
    assert result.ok and result.complete and result.new == 35, result.error
    # {offset1}/{offset_end}/{page_size}: records 1-15, 16-30, 31-45; the 3rd page is short
    assert [(a["startrecord"], a["endrecord"], a["perpage"]) for a in asked] == [
        ("1", "15", "15"),
        ("16", "30", "15"),
        ("31", "45", "15"),
    ]
    assert {a["sysid"] for a in asked} == {"84"}
    found = messages(app)
    first = found["XX202600000"]
    assert first.title == '关于"老旧小区"加装电梯/0'  # unescaped once: no backslash survives
    assert not any("\\" in m.title for m in found.values())
    assert first.url == f"{base}/jact/front/mailpubdetail.do?sysid=84&transactId=500000"
    assert first.department == "市住房和城乡建设局"  # read from a GBK detail page
    assert first.body == "小区没有电梯，500000号楼老人上下楼困难。"
    assert first.state in ("replied", "replied_late") and first.reply == "已列入明年加装计划。"
    assert first.posted_at == parse_iso("2026-11-25T09:00")
    assert found["XX202600001"].state in ("open", "at_risk", "overdue")
    assert health(app)["backfill"] is None and health(app)["healthy"]


# ---- JEECMS xjlb_N.jspx: only the id in the list, the time on the detail page ----------------
def jeecms_list(rows: list[dict], page: int, last: int) -> str:
    items = "".join(
        f"<li><a class='bh'>{r['no']}</a><a href='/gzjl/xjxq.jspx?cid={r['cid']}' "
        f"target='_blank'><span>{r['title']}</span></a><a>投诉</a><a>{r['state']}</a>"
        f"<a>{r['dept']}</a></li>"
        for r in rows
    )
    pager = f"<a href='/gzjl/xjlb_{last}.jspx'>尾页</a>"
    return (
        "<html><head><meta charset='utf-8'><title>信件列表</title></head><body>"
        f"<ul class='mt10'>{items}</ul><div class='page'>{pager}</div></body></html>"
    )


def jeecms_detail(row: dict) -> str:
    return (
        "<html><head><meta charset='utf-8'></head><body><table><tbody>"
        f"<tr><th>标题</th><td>{row['title']}</td></tr>"
        f"<tr><th>受理编号</th><td>{row['no']}</td></tr>"
        f"<tr><th>反映内容</th><td>{row['title']}，请尽快处理。</td></tr>"
        "<tr><th>答复内容</th><td></td></tr>"
        f"<tr><td>反映时间：{row['time']}</td><td>反馈时间：</td></tr>"
        "</tbody></table></body></html>"
    )


def test_jeecms_list_without_dates_keeps_a_row_pending_until_its_page_reads(
    tmp_path, make_app, httpserver
) -> None:
    letters = [
        {
            "no": f"DL{n:04d}",
            "cid": 9000 + n,
            "title": f"供暖温度不达标{n}",
            "state": "办理中",
            "dept": "市城建局",
            "time": f"2026-11-{24 - n // 8:02d} {8 + n % 8:02d}:15",
        }
        for n in range(20)
    ]
    broken = {"cid": 9003}

    def listing(request: Request) -> Response:
        name = request.path.rsplit("/", 1)[1]
        page = 1 if name == "xjlb.jspx" else int(name[5:-5])
        rows = letters[(page - 1) * 15 : page * 15]
        return Response(jeecms_list(rows, page, 2), content_type="text/html; charset=utf-8")

    def detail(request: Request) -> Response:
        cid = int(request.args["cid"])
        if cid == broken["cid"]:
            return Response("Internal Server Error", status=500)
        row = next(r for r in letters if r["cid"] == cid)
        return Response(jeecms_detail(row), content_type="text/html; charset=utf-8")

    httpserver.expect_request("/robots.txt").respond_with_data(ROBOTS)
    for path in ("/gzjl/xjlb.jspx", "/gzjl/xjlb_2.jspx"):
        httpserver.expect_request(path).respond_with_handler(listing)
    httpserver.expect_request("/gzjl/xjxq.jspx").respond_with_handler(detail)
    base = httpserver.url_for("/").rstrip("/")
    profile = preset("jeecms_xjlb.toml", base).replace("[site]", "[site]\nretries = 0", 1)
    app = app_for(tmp_path, make_app, profile, "letters")
    first = run_crawl(app)[0]
    assert first.complete and first.new == 19, first.error
    # the detail page that failed is said, but it does not make the list incomplete
    assert not first.ok and "详情页" in first.error and "HTTP 500" in first.error
    found = messages(app)
    assert "DL0003" not in found  # never tracked on a guessed time
    assert found["DL0000"].posted_at == parse_iso("2026-11-24T08:15")  # from its detail page
    assert found["DL0000"].department == "市城建局" and found["DL0000"].title == "供暖温度不达标0"
    with app.session() as s:
        pending = s.scalars(select(PendingRow)).all()
        assert [p.external_id for p in pending] == ["DL0003"]
        assert "posted_at" in (pending[0].reason or "") and "HTTP 500" in (pending[0].reason or "")
    row = health(app)
    assert row["pending"] == 1 and "1 条新留言的详情页尚未读到" in row["reason"]
    # the page reads again: the pending row is tracked with the time its page gives
    broken["cid"] = -1
    second = run_crawl(app, now=parse_iso("2026-11-26T10:10"))[0]
    assert second.ok and second.new == 1, second.error
    assert messages(app)["DL0003"].posted_at == parse_iso("2026-11-24T11:15")
    assert health(app)["pending"] == 0


# ---- a 12345 JSON list: maps, escapes, an error body on page 2 -------------------------------
def hotline_rows(count: int) -> list[dict]:
    return [
        {
            "id": 70000 + n,
            "orderNo": f"G2026112{n:04d}",
            "title": f"噪音扰民&quot;夜间施工&quot;\u6295\u8bc9{n}",
            "createTime": (datetime(2026, 11, 25, 20, 0) - timedelta(hours=7 * n)).strftime(
                "%Y-%m-%d %H:%M:%S"
            ),
            "appealType": "9" if n == 4 else str(1 + n % 5),
            "status": "2" if n % 4 == 0 else "1",
            "deptName": "市生态环境局",
            "finishTime": "2026-11-25 18:00:00" if n % 4 == 0 else None,
        }
        for n in range(23)
    ]


def test_12345_json_list_maps_escapes_and_an_error_body(tmp_path, make_app, httpserver) -> None:
    rows = hotline_rows(23)
    failing = {"page": 2}
    bodies: list[dict] = []

    def listing(request: Request) -> Response:
        body = json.loads(request.data)
        bodies.append(body)
        page, size = body["pageNum"], body["pageSize"]
        if page == failing["page"]:
            answer = {"code": 500, "msg": "系统繁忙，请稍后再试"}
        else:
            chunk = rows[(page - 1) * size : page * size]
            answer = {"code": 200, "msg": "操作成功", "data": {"total": len(rows), "rows": chunk}}
        # ensure_ascii: every Chinese character travels as \uXXXX, as Java servers often send
        return Response(json.dumps(answer), content_type="application/json")

    def detail(request: Request) -> Response:
        record = int(request.path.rsplit("/", 1)[1])
        answer = {
            "code": 200,
            "data": {"id": record, "content": f"工地夜间施工到凌晨。\\n编号{record}", "reply": ""},
        }
        return Response(json.dumps(answer, ensure_ascii=False), content_type="application/json")

    httpserver.expect_request("/robots.txt").respond_with_data(ROBOTS)
    httpserver.expect_request("/api/public/appeal/list", method="POST").respond_with_handler(
        listing
    )
    for row in rows:
        httpserver.expect_request(f"/api/public/appeal/{row['id']}").respond_with_handler(detail)
    base = httpserver.url_for("/").rstrip("/")
    app = app_for(tmp_path, make_app, preset("hotline_12345.toml", base), "hotline")
    first = run_crawl(app)[0]
    assert not first.ok and not first.complete
    assert first.error == "第 2 页不是列表：HTTP 200，服务器说“系统繁忙，请稍后再试”"
    assert first.new == 10  # page 1 is ingested
    assert bodies[0] == {
        "pageNum": 1,  # a paging placeholder alone is sent as a number
        "pageSize": 10,
        "orderByColumn": "createTime",
        "isAsc": "desc",
    }
    row = health(app)
    assert not row["healthy"] and row["backfill"]["pages_read"] == 1
    failing["page"] = 0
    second = run_crawl(app, now=parse_iso("2026-11-26T10:10"))[0]
    assert second.ok and second.complete and second.new == 13, second.error
    found = messages(app)
    assert len(found) == 23
    one = found["G20261120001"]
    assert one.title == '噪音扰民"夜间施工"投诉1'  # \u escapes and &quot; decoded once
    assert one.category == "求助" and one.status_text == "办理中"  # value maps
    assert found["G20261120004"].category == "9"  # not in the map: kept as it is
    assert found["G20261120000"].state in ("replied", "replied_late")
    assert one.body == "工地夜间施工到凌晨。\\n编号70001"  # a backslash the portal showed stays
    assert one.url == f"{base}/#/appeal/detail?id=70001"
    assert health(app)["backfill"] is None and health(app)["healthy"]


# ---- 人民网 领导留言板 v1: signed JSON POSTs, a refused signature said as the server said it ----
SALT = hashlib.md5(b"PC42ce3bfa4980a9").hexdigest()[:16]


def signed(request: Request) -> dict | None:
    """The request's param when its signature is md5(path + param + salt), else None."""
    body = json.loads(request.data)
    expected = hashlib.md5((request.path + body["param"] + SALT).encode()).hexdigest()
    return json.loads(body["param"]) if body.get("signature") == expected else None


def test_people_daily_v1_signed_list_and_detail(tmp_path, make_app, httpserver) -> None:
    threads = [
        {
            "tid": 19302878 - n,
            "subject": f"村道破损严重{n}",
            "dateline": 1795500000 - n * 3600,
            "stateInfo": "已回复" if n == 0 else "办理中",
        }
        for n in range(13)
    ]
    cursors: list[str] = []

    def listing(request: Request) -> Response:
        param = signed(request)
        if param is None:
            return Response(
                json.dumps({"resultCode": "1001", "resultDesc": "签名校验失败"}),
                content_type="application/json",
            )
        cursors.append(param["lastItem"])
        start = (
            0
            if not param["lastItem"]
            else 1 + next(i for i, t in enumerate(threads) if str(t["tid"]) == param["lastItem"])
        )
        chunk = threads[start : start + int(param["rows"])]
        answer = {"resultCode": "200", "resultData": {"data": chunk}}
        return Response(json.dumps(answer, ensure_ascii=False), content_type="application/json")

    def content(request: Request) -> Response:
        param = signed(request)
        if param is None:
            return Response(json.dumps({"resultDesc": "签名校验失败"}), status=403)
        tid = int(param["tid"])
        data = {
            "threadsContent": f"留言正文{tid}",
            "forumName": "六安市委书记",
            "answerDateline": 1795550000 if tid == 19302878 else None,
            "answerContent": "已安排修复" if tid == 19302878 else None,
            "answerOrganization": "六安市交通运输局" if tid == 19302878 else None,
        }
        return Response(
            json.dumps({"resultCode": "200", "resultData": data}, ensure_ascii=False),
            content_type="application/json",
        )

    httpserver.expect_request("/robots.txt").respond_with_data(ROBOTS)
    httpserver.expect_request("/v1/threads/list/df", method="POST").respond_with_handler(listing)
    httpserver.expect_request("/v1/threads/content", method="POST").respond_with_handler(content)
    base = httpserver.url_for("/").rstrip("/")
    wrong = preset(
        "people_liuyan_v1.toml", base, ('salt = "a2eb17f65d6f4b3f"', 'salt = "0000000000000000"')
    )
    app = app_for(tmp_path, make_app, wrong, "forum")
    refused = run_crawl(app)[0]
    assert not refused.ok and refused.new == 0
    assert refused.error == "第 1 页不是列表：HTTP 200，服务器说“签名校验失败”"
    assert "签名校验失败" in health(app)["reason"]
    (tmp_path / "cfg" / "sites" / "site.toml").write_text(
        preset("people_liuyan_v1.toml", base), encoding="utf-8"
    )
    result = run_crawl(app, now=parse_iso("2026-11-26T10:10"))[0]
    assert result.ok and result.complete and result.new == 13, result.error
    assert cursors == ["", "19302869"]  # the last tid of the first page of 10
    found = messages(app)
    top = found["19302878"]
    assert top.body == "留言正文19302878" and top.department == "六安市委书记"
    assert top.state in ("replied", "replied_late")
    assert top.reply == "已安排修复" and top.reply_department == "六安市交通运输局"
    assert top.url == f"{base}/threads/content?tid=19302878"


# ---- an office's own signer, found through the entry-point group -----------------------------
OFFICE_SIGNER = '''
import hashlib

def sign(request, options):
    """Sign the query: X-Office-Sign = sha256(key + the sorted query)."""
    text = options["key"] + "&".join(f"{k}={v}" for k, v in sorted(request.params.items()))
    request.headers["X-Office-Sign"] = hashlib.sha256(text.encode()).hexdigest()
    return request


def check_options(options):
    return None if "key" in options else "缺少 key"

sign.check_options = check_options
'''


def test_an_office_adds_its_own_signer(tmp_path, make_app, httpserver, monkeypatch) -> None:
    from spiders import signers

    package = tmp_path / "office_pkg"
    (package / "office_sign-0.1.dist-info").mkdir(parents=True)
    (package / "office_sign.py").write_text(OFFICE_SIGNER, encoding="utf-8")
    (package / "office_sign-0.1.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: office-sign\nVersion: 0.1\n", encoding="utf-8"
    )
    (package / "office_sign-0.1.dist-info" / "entry_points.txt").write_text(
        "[opinion_monitor.signers]\noffice = office_sign:sign\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(package))
    monkeypatch.setenv("PYTHONPATH", str(package))  # the crawl child finds it the same way
    signers._entry_points.cache_clear()
    signers.find_signer.cache_clear()
    assert "office" in signers.signer_names() and "md5" in signers.signer_names()

    def listing(request: Request) -> Response:
        query = sorted(request.args.items())
        text = "k3y" + "&".join(f"{k}={v}" for k, v in query)
        if request.headers.get("X-Office-Sign") != hashlib.sha256(text.encode()).hexdigest():
            return Response(json.dumps({"errmsg": "sign error"}), status=401)
        page = int(request.args["p"])
        rows = [{"id": f"Q{page}{n}", "t": f"问题{n}", "d": "2026-11-25 09:00"} for n in range(2)]
        return Response(
            json.dumps({"list": rows if page == 1 else []}), content_type="application/json"
        )

    httpserver.expect_request("/robots.txt").respond_with_data(ROBOTS)
    httpserver.expect_request("/q").respond_with_handler(listing)
    profile = f"""
[site]
name = "自有签名"
base_url = "{httpserver.url_for("/").rstrip("/")}"
delay = 0
[sections.q]
format = "json"
signer = "office"
signer_options = {{ key = "k3y" }}
[sections.q.list]
url = "/q?p={{page}}&n={{page_size}}"
page_size = 2
items = "list"
[sections.q.list.fields]
external_id = {{ json = "id" }}
title = {{ json = "t" }}
posted_at = {{ json = "d" }}
"""
    app = app_for(tmp_path, make_app, profile, "q")
    result = run_crawl(app)[0]
    assert result.ok and result.new == 2, result.error
    bad = profile.replace('key = "k3y"', 'key = "nope"')
    (tmp_path / "cfg" / "sites" / "site.toml").write_text(bad, encoding="utf-8")
    refused = run_crawl(app, now=parse_iso("2026-11-26T10:10"))[0]
    assert refused.error == "HTTP 401，服务器说“sign error”"
    signers._entry_points.cache_clear()
    signers.find_signer.cache_clear()


def test_an_unknown_signer_is_a_profile_error(tmp_path) -> None:
    from monitor.errors import ConfigError
    from spiders.profile import parse_profile

    text = preset("people_liuyan_v1.toml", "http://127.0.0.1:1").replace(
        'signer = "md5"', 'signer = "sha999"'
    )
    with pytest.raises(ConfigError, match=r"sections\.forum\.signer: 未知的签名方式 'sha999'"):
        parse_profile(text, "people.toml")
    bad = preset("people_liuyan_v1.toml", "http://127.0.0.1:1").replace(
        'parts = ["path", "json.param"]', 'parts = ["body"]'
    )
    with pytest.raises(ConfigError, match="parts 中 'body' 无法识别"):
        parse_profile(bad, "people.toml")


def test_presets_are_valid_profiles() -> None:
    from spiders.profile import load_profile

    names = sorted(p.name for p in PRESETS.glob("*.toml"))
    assert names == [
        "hanweb_jact.toml",
        "hotline_12345.toml",
        "jeecms_xjlb.toml",
        "people_liuyan_v1.toml",
    ]
    for name in names:
        assert load_profile(PRESETS / name).sections
