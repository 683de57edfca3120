"""The pure pieces behind docs/site-profiles.md: script answers, request templates, the md5 signer, the row
schema shared by the crawl child and ingest, value maps, the server's own words, and the
profile keys' validation."""

from __future__ import annotations

import hashlib
import json

import pytest

from monitor.errors import ConfigError
from spiders.extract import extract_fields, load_document, server_message
from spiders.profile import FieldSpec, parse_profile
from spiders.request_parts import build, encode, fill_json, page_values
from spiders.rows import CheckRow, MessageRow, RowError, parse_row
from spiders.scripts import ScriptError, read_script
from spiders.signers import SignError, md5, sign


def test_script_answers() -> None:
    text = (
        "<script type='text/javascript'>\r\nvar totalRecord = 63;\r\n"
        'var dataStore = ["<tr><td>1<\\/td></tr>", "a\r\nb"];</script>'
    )
    assert read_script(text) == {"totalRecord": 63, "dataStore": ["<tr><td>1</td></tr>", "a\r\nb"]}
    assert read_script('cb({"rows": [1]});') == {"rows": [1]}
    assert read_script("/**/jQuery_1({a: 'it\\'s', b: [1, 2,],})") == {"a": "it's", "b": [1, 2]}
    assert read_script('window.app.pageData = {"n": 1}; if (a == b) { x = y(); }') == {
        "app": {"pageData": {"n": 1}},
        "pageData": {"n": 1},
    }
    assert read_script('var s = "[{\\"id\\": 7}]";') == {"s": [{"id": 7}]}  # JSON in a string
    assert read_script("  [1, 2]  ") == [1, 2]
    with pytest.raises(ScriptError, match="找不到 JSON 值"):
        read_script("function f() { return 1 }")


def test_paging_arithmetic_and_json_bodies() -> None:
    assert page_values(3, 1, 15) == {
        "page": 3,
        "page_size": 15,
        "offset": 30,
        "offset1": 31,
        "offset_end": 45,
    }
    values = {**page_values(1, 0, 10), "cursor": "9"}
    assert fill_json(
        {"p": "{page}", "s": "p{page}", "c": "{cursor}", "n": ["{offset1}"]}, values
    ) == {
        "p": 1,
        "s": "p1",
        "c": "9",
        "n": [11],
    }
    parts = build("http://h/l?a=%E5%AE%A1&p={page}", "GET", {"q": "x y"}, None, {}, values)
    assert parts.params == {"a": "审", "p": "1", "q": "x y"}
    url, body, _ = encode(parts)
    assert body is None and "q=x+y" in url
    untouched = build("http://h/l?a=%E5%AE%A1&p={page}", "GET", None, None, {}, values)
    assert encode(untouched)[0] == "http://h/l?a=%E5%AE%A1&p=1"  # as written when unsigned


def test_the_md5_signer_semantics() -> None:
    parts = build(
        "http://h/api/v1/list?ts=1700&app=x",
        "POST",
        None,
        {"param": {"fid": "审计", "rows": 10}, "page": "{page}", "sign": ""},
        {},
        page_values(2, 1, 10),
    )
    options = {
        "parts": ["path", "query.ts", "json.param", "json.page"],
        "salt": "s3",
        "field": "json.sign",
    }
    assert md5.check_options(options) is None
    signed = sign("md5", options, parts)
    expected = hashlib.md5('/api/v1/list1700{"fid":"审计","rows":10}2s3'.encode()).hexdigest()
    assert signed.json["sign"] == expected
    # the body goes out exactly as it was hashed: compact, keys in order, non-ASCII kept
    assert json.loads(encode(signed)[1] or b"")["param"] == {"fid": "审计", "rows": 10}
    assert b'{"fid":"\xe5\xae\xa1\xe8\xae\xa1","rows":10}' in (encode(signed)[1] or b"")
    form = build("http://h/f", "POST", {"a": "1", "b": "2"}, None, {}, {})
    signed = sign(
        "md5",
        {"parts": ["form.a", "form.b"], "field": "query.sign", "timestamp": "header.X-Ts"},
        form,
    )
    assert signed.params["sign"] == hashlib.md5(b"12").hexdigest()
    assert int(signed.headers["X-Ts"]) > 1_600_000_000_000  # epoch milliseconds
    assert "sign=" in encode(signed)[0]
    with pytest.raises(SignError, match="'form.c' 在请求中不存在"):
        sign("md5", {"parts": ["form.c"], "field": "form.s"}, form)
    assert "parts" in (md5.check_options({"parts": [], "field": "json.s"}) or "")
    assert "field" in (md5.check_options({"parts": ["path"]}) or "")
    assert "未知的选项" in (md5.check_options({"parts": ["path"], "field": "json.s", "x": 1}) or "")


def test_the_row_schema_round_trips() -> None:
    row = MessageRow.from_fields(
        {"external_id": "A1", "title": "标题", "tid": "77", "posted_at": None},
        fingerprint="f",
        page=2,
        pending="缺少 posted_at：详情页 HTTP 500",
    )
    data = json.loads(json.dumps(row.to_dict(), ensure_ascii=False))
    back = parse_row(data)
    assert back == row and isinstance(back, MessageRow)
    assert back.extra == {"tid": "77"} and back.values() == {
        "tid": "77",
        "external_id": "A1",
        "title": "标题",
    }
    assert parse_row({"check": "A1", "gone": True, "status": 404}) == CheckRow("A1", True, 404)
    older = parse_row({"external_id": " B2 ", "title": "t", "shoe_size": 42})  # no "kind" key
    assert isinstance(older, MessageRow) and older.external_id == "B2"
    assert older.extra == {"shoe_size": "42"}
    with pytest.raises(RowError):
        parse_row({"title": "no id"})
    with pytest.raises(RowError):
        parse_row({"kind": "gossip"})


def test_value_maps_and_entities() -> None:
    unmapped: set[tuple[str, str]] = set()
    fields = {
        "status_text": FieldSpec(json="s", map={"1": "办理中", "2": "已办结"}),
        "title": FieldSpec(json="t"),
    }
    assert extract_fields(
        {"s": 2, "t": "A&amp;B &#8220;C&#8221;"}, fields, "http://h/", unmapped
    ) == {
        "status_text": "已办结",
        "title": "A&B “C”",
    }
    assert extract_fields({"s": "9", "t": "x"}, fields, "http://h/", unmapped)["status_text"] == "9"
    assert unmapped == {("status_text", "9")}


def test_what_the_server_said() -> None:
    said = server_message
    assert (
        said(load_document('{"code": 1, "msg": "", "errmsg": "token 过期"}', "json"))
        == "token 过期"
    )
    assert (
        said(load_document('{"resultDesc": "签名校验失败", "desc": "x"}', "json")) == "签名校验失败"
    )
    assert said(load_document('{"data": {"message": "维护中"}}', "json")) == "维护中"
    assert said(load_document('{"status": {"text": "无权限"}}', "json"), "status.text") == "无权限"
    assert said(load_document('cb({"error": {"msg": "频繁"}})', "js")) == "频繁"
    long = said({"message": "长" * 300}) or ""
    assert len(long) == 200 and long.endswith("…")
    assert said({"rows": []}) is None and said(load_document("<a/>", "xml")) is None


PROFILE = """
[site]
name = "x"
base_url = "http://x"
[sections.a]
format = "{fmt}"
{section}
[sections.a.list]
url = "/l"
items = "{items}"
{list}
[sections.a.list.fields]
external_id = {{ {kind} = "{expr}" }}
[sections.a.detail]
fields.posted_at = {{ {dkind} = "{dexpr}" }}
fields.title = {{ {dkind} = "{dexpr}" }}
"""


def profile(**parts: str) -> str:
    base = {
        "fmt": "json",
        "section": "",
        "items": "rows",
        "list": "",
        "kind": "json",
        "expr": "id",
        "dkind": "json",
        "dexpr": "a",
    }
    return PROFILE.format(**(base | parts))


def test_new_profile_keys_validate() -> None:
    assert parse_profile(profile()).sections["a"].the_backfill_days == 60
    section = parse_profile(profile(section="backfill_days = 30\nerror_field = 'err.text'"))
    assert section.sections["a"].the_backfill_days == 30
    assert section.sections["a"].the_error_field == "err.text"
    assert parse_profile(profile(list="backfill_days = 7")).sections["a"].the_backfill_days == 7
    with pytest.raises(ConfigError, match="backfill_days 只能写在栏目或 list 中的一处"):
        parse_profile(profile(section="backfill_days = 30", list="backfill_days = 7"))
    with pytest.raises(ConfigError, match="这里读的是 JSON"):
        parse_profile(profile(kind="xpath", expr="./td"))
    html_items = parse_profile(
        profile(
            fmt="js",
            list='item_format = "html"',
            kind="xpath",
            expr="./td",
            dkind="css",
            dexpr="h1",
        )
    )
    assert html_items.sections["a"].list.item_format == "html"
    with pytest.raises(ConfigError, match="XPath"):
        parse_profile(profile(fmt="xml", items="//record[", kind="xpath", expr="."))
    with pytest.raises(ConfigError, match="详情页按 html 读取"):
        parse_profile(profile(fmt="js", dkind="json"))
    with pytest.raises(ConfigError, match="没有 signer"):
        parse_profile(profile(section="signer_options = { salt = 'x' }"))
    with pytest.raises(ConfigError, match="form 和 json 只能给出一个"):
        parse_profile(profile(list="method = 'POST'\nform = { a = '1' }\njson = { b = '2' }"))
