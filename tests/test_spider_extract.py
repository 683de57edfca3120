"""Pure extraction: profiles, fields (label, regex, join, const, default), dates, JSON, feeds,
encodings and block detection, on saved response fixtures."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.demo.sampleportal import luan_profile_text
from monitor.errors import ConfigError
from spiders import health
from spiders.dates import DateError, parse_date
from spiders.encoding import decode_body
from spiders.expressions import json_path
from spiders.extract import (
    after_label,
    extract_fields,
    extract_rows,
    html_selector,
    list_nodes,
    load_json,
    parse_feed,
)
from spiders.profile import FieldSpec, load_profile, parse_profile
from tests.conftest import FIXTURES

PORTAL = FIXTURES / "portal"
ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# ---- dates --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        ("2019-07-17", utc(2019, 7, 16, 16, 0)),
        ("2019-07-17 10:23", utc(2019, 7, 17, 2, 23)),
        ("2019-07-17 10:23:45", utc(2019, 7, 17, 2, 23, 45)),
        ("2019/7/17", utc(2019, 7, 16, 16, 0)),
        ("2019/7/17 8:05", utc(2019, 7, 17, 0, 5)),
        ("2019年07月17日 10:23", utc(2019, 7, 17, 2, 23)),
        ("2019年7月17日", utc(2019, 7, 16, 16, 0)),
        ("2019.07.17", utc(2019, 7, 16, 16, 0)),
        ("来信时间：2019-07-17 10:23:45", utc(2019, 7, 17, 2, 23, 45)),
        ("1563330225", utc(2019, 7, 17, 2, 23, 45)),  # epoch seconds as a string
        ("1563330225000", utc(2019, 7, 17, 2, 23, 45)),  # milliseconds
        (1563330225, utc(2019, 7, 17, 2, 23, 45)),
        (1563330225000, utc(2019, 7, 17, 2, 23, 45)),
        ("2019-07-17T10:23:45+08:00", utc(2019, 7, 17, 2, 23, 45)),
        ("2019-07-17T02:23:45Z", utc(2019, 7, 17, 2, 23, 45)),
        ("Wed, 17 Jul 2019 10:23:45 +0800", utc(2019, 7, 17, 2, 23, 45)),
        # relative forms, against NOW = 2026-11-26 10:00 Asia/Shanghai
        ("刚刚", NOW),
        ("5分钟前", utc(2026, 11, 26, 1, 55)),
        ("3小时前", utc(2026, 11, 25, 23, 0)),
        ("2天前", utc(2026, 11, 24, 2, 0)),
        ("昨天 10:20", utc(2026, 11, 25, 2, 20)),
        ("前天 08:00", utc(2026, 11, 24, 0, 0)),
        ("今天 09:15", utc(2026, 11, 26, 1, 15)),
        ("11-20 09:00", utc(2026, 11, 20, 1, 0)),
    ],
)
def test_date_forms(text: object, expected: datetime) -> None:
    assert parse_date(text, NOW) == expected


def test_dates_empty_unknown_and_pinned_format() -> None:
    assert parse_date("", NOW) is None and parse_date(None, NOW) is None
    assert parse_date(0, NOW) is None and parse_date("0", NOW) is None  # "not answered yet"
    with pytest.raises(DateError):
        parse_date("不详", NOW)
    assert parse_date("17|07|2019", NOW, date_format="%d|%m|%Y") == utc(2019, 7, 16, 16, 0)
    with pytest.raises(DateError):
        parse_date("2019-07-17", NOW, date_format="%d|%m|%Y")
    # "12-30" read in early January belongs to the previous year
    assert parse_date("12-30 10:00", utc(2027, 1, 2, 2, 0)) == utc(2026, 12, 30, 2, 0)


# ---- fields -------------------------------------------------------------------------------
def test_label_runs_to_the_next_label_or_the_end() -> None:
    text = "答复单位：综合科 答复时间：2026-11-18 16:20"
    assert after_label(text, "答复单位") == "综合科"
    assert after_label(text, "答复时间") == "2026-11-18 16:20"
    assert after_label("| 督办部门：市审计局 问题类别：\n投诉", "督办部门") == "市审计局"
    assert after_label("来信人:王女士", "来信人") == "王女士"
    assert after_label("来信人：", "来信人") is None
    assert after_label("没有标签", "来信人") is None


def test_one_line_fields_read_as_the_page_shows_them() -> None:
    """An element's text nodes come one a line; a title or a department made of several inline
    elements (a search highlight, two spans) is one line, a body keeps its lines."""
    row = html_selector(
        '<table><tr><td><a href="/x/1">关于老旧小区<font color="red">加装电梯</font>的建议</a></td>'
        "<td><span>[投诉]</span>\n  <span>市住建局</span></td>"
        "<td><p>第一段。</p><p>第二段。</p></td><td><b>已</b><b>办结</b></td></tr></table>"
    ).xpath("//tr")[0]
    fields = {
        "title": FieldSpec(xpath="./td[1]/a"),
        "department": FieldSpec(xpath="./td[2]"),
        "body": FieldSpec(xpath="./td[3]"),
        "status_text": FieldSpec(xpath="./td[4]", map={"已办结": "办结"}),
    }
    values = extract_fields(row, fields, "http://x.example/list")
    assert values["title"] == "关于老旧小区加装电梯的建议"
    assert values["department"] == "[投诉] 市住建局"
    assert values["body"] == "第一段。\n第二段。"
    assert values["status_text"] == "办结"  # the map sees the one-line value


def test_field_options_on_a_detail_page() -> None:
    page = html_selector((PORTAL / "luan_detail.html").read_text(encoding="utf-8"))
    url = "http://www.luan.gov.cn/nocache/supervision/detail/5f3a9c.html"
    fields = {
        "author": FieldSpec(xpath="//div[@class='is-mailinfo']/text()[1]", label="来信人"),
        "department": FieldSpec(xpath="//div[@class='is-mailinfo']/span[4]", label="督办部门"),
        "posted": FieldSpec(xpath="//div[@class='is-mailinfo']/text()[2]", label="来信时间"),
        "body": FieldSpec(css="div.is-mailwen p", join=""),
        "body_lines": FieldSpec(css="div.is-mailwen"),
        "replied_at": FieldSpec(xpath="//div[@class='is-mialhf']/h1/span[1]", label="回复时间"),
        "reply_department": FieldSpec(
            xpath="//div[@class='is-mialhf']/h1/span[2]", label="回复单位"
        ),
        "reply": FieldSpec(css="div.is-hfcontent"),
        "views": FieldSpec(xpath="//div[@class='is-mailinfo']/span[3]", regex=r"浏览：(\d+)"),
        "kind": FieldSpec(const="百姓畅言"),
        "label_text": FieldSpec(const="{kind}：{views}"),
        "needs_missing": FieldSpec(const="/x?{missing_regex}", default="无"),
        "missing": FieldSpec(css="div.nothing", default="无"),
        "missing_regex": FieldSpec(xpath="//div[@class='is-newstitle']", regex=r"编号(\d+)"),
        "attachment_url": FieldSpec(xpath="//a[@class='file']/@href", default=None),
    }
    values = extract_fields(page, fields, url)
    assert values["author"] == "王女士"
    assert values["department"] == "市审计局"
    assert values["posted"] == "2019-07-17 10:23:45"
    assert values["body"] == "晚上路灯不亮，出行不便。"
    assert values["body_lines"] == "晚上路灯不亮，\n出行不便。"
    assert values["replied_at"] == "2019/7/18 16:20"
    assert values["reply_department"] == "市城管局"
    assert values["reply"] == "您好，已安排维修。"
    assert values["views"] == "12"
    assert values["kind"] == "百姓畅言"
    assert values["label_text"] == "百姓畅言：12" and values["needs_missing"] == "无"
    assert values["missing"] == "无"
    assert values["missing_regex"] is None
    assert values["attachment_url"] is None


def test_gbk_list_page_with_meta_charset_only_and_a_non_public_row() -> None:
    raw = (PORTAL / "luan_list_gbk.html").read_bytes()
    text, used = decode_body(raw, "text/html")  # no charset in the header
    assert used == "gb18030" and "朱镕基" in text  # 镕 is outside GB2312
    profile = parse_profile(luan_profile_text("http://www.luan.gov.cn"))
    spec = profile.sections["bxcy"].list
    rows, container = extract_rows(
        text,
        "html",
        spec.items,
        spec.fields,
        "http://www.luan.gov.cn/nocache/supervision/?product_id=3&page=1",
    )
    assert container and len(rows) == 2
    assert rows[0] == {
        "external_id": "5f3a9c",
        "title": "关于朱镕基路路灯不亮的问题",
        "url": "http://www.luan.gov.cn/nocache/supervision/detail/5f3a9c.html",
        "category": "投诉",
        "posted_at": "2019-07-17 10:23",
        "status_text": "已回复",
    }
    # 不公开: the title without the marker, no id, no link
    assert rows[1]["title"] == "个人信息咨询"
    assert rows[1]["external_id"] is None and rows[1]["url"] is None


def test_encodings_without_any_declaration() -> None:
    assert decode_body("审计局欠薪".encode("gbk"), None) == ("审计局欠薪", "gb18030")
    assert decode_body("审计局".encode(), None) == ("审计局", "utf-8")
    assert decode_body("审计".encode("gbk"), "text/html; charset=GB2312")[0] == "审计"
    assert decode_body("审计".encode("gbk"), None, encoding="gbk")[0] == "审计"


# ---- JSON ---------------------------------------------------------------------------------
def test_json_string_body_and_dotted_paths() -> None:
    document = load_json((PORTAL / "luan_mobile_list.json").read_text(encoding="utf-8"))
    assert json_path(document, "data.list[1].title") == "小区停车难"
    assert json_path(document, "data.list.id") == ["101", "102"]
    assert json_path(document, "data.nothing.deeper") is None
    assert json_path(document, "data.list[9]") is None
    profile = parse_profile(luan_profile_text("http://127.0.0.1:1"))
    spec = profile.sections["json"].list
    rows, container = extract_rows(
        (PORTAL / "luan_mobile_list.json").read_text(encoding="utf-8"),
        "json",
        spec.items,
        spec.fields,
        "http://127.0.0.1:1/index.php",
    )
    assert container and [r["external_id"] for r in rows] == ["101", "102"]
    assert (
        parse_date(rows[0]["posted_at"], NOW)
        == parse_date(rows[1]["posted_at"], NOW)
        == utc(2019, 7, 17, 2, 23, 45)
    )
    detail = load_json((PORTAL / "luan_mobile_detail.json").read_text(encoding="utf-8"))
    values = extract_fields(
        detail,
        {"department": FieldSpec(json="data.source"), "body": FieldSpec(json="data.post_text")},
        "http://x/",
    )
    assert values == {"department": "市生态环境局", "body": "夜间施工噪音很大"}


def test_people_daily_threads_profile() -> None:
    profile = load_profile(ROOT / "config" / "sites" / "people_liuyan.toml")
    section = profile.sections["luan"]
    assert section.list.method == "POST" and section.list.cursor == "external_id"
    rows, _ = extract_rows(
        (PORTAL / "people_threads.json").read_text(encoding="utf-8"),
        "json",
        section.list.items,
        section.list.fields,
        "https://liuyan.people.com.cn/",
    )
    assert rows[0]["external_id"] == "18000123" and rows[0]["reply_department"] == "六安市住建局"
    # a const naming another field of the row, made absolute like every url
    assert rows[0]["url"] == "https://liuyan.people.com.cn/threads/content?tid=18000123"
    assert parse_date(rows[0]["replied_at"], NOW) == utc(2023, 11, 18, 9, 33, 20)
    assert rows[1]["replied_at"] is None and rows[1]["status_text"] == "办理中"


# ---- feeds --------------------------------------------------------------------------------
def test_rss_and_atom_feeds() -> None:
    rss = parse_feed(
        (PORTAL / "news.rss").read_text(encoding="utf-8"), "https://wx.example.cn/rss.xml"
    )
    assert rss == [
        {
            "url": "https://wx.example.cn/news/2026/11/1.html",
            "title": "六安审计发现问题资金",
            "body": "审计发现\n问题\n资金。",
            "published_at": "Wed, 25 Nov 2026 09:30:00 +0800",
            "outlet": "记者 张三",
        }
    ]
    atom = parse_feed((PORTAL / "news.atom").read_text(encoding="utf-8"), "https://x.cn/")
    assert (
        atom[0]["url"] == "https://news.example.cn/a/2.html" and atom[0]["outlet"] == "六安新闻网"
    )
    assert parse_date(atom[0]["published_at"], NOW) == utc(2026, 11, 25, 2, 0)


# ---- profiles -----------------------------------------------------------------------------
def test_shipped_profiles_are_valid() -> None:
    profile = load_profile(ROOT / "config" / "sites" / "luan.toml")
    assert {"bxcy", "bmxx", "mobile"} <= set(profile.sections)
    assert profile.sections["mobile"].format == "json"


@pytest.mark.parametrize(
    "body, where",
    [
        (
            '[site]\nname="x"\nbase_url="http://x"\n[sections.a.list]\nurl="/"\nitems="//tr"\n'
            '[sections.a.list.fields]\nexternal_id={xpath="a", css="b"}\ntitle={const="t"}\nposted_at={const="x"}',
            "sections.a.list.fields.external_id",
        ),
        (
            '[site]\nname="x"\nbase_url="http://x"\n[sections.a.list]\nurl="/"\nitems="//tr"\n'
            '[sections.a.list.fields]\ntitle={const="t"}',
            "缺少 external_id",
        ),
        ('[site]\nname="x"\nbase_url="http://x"\nencoding="klingon"\n[sections]', "site.encoding"),
        ('[site]\nname="x"\nbase_url="http://x"\nspeed=3\n[sections]', "site.speed"),
        ("[site\n", "不是有效的 TOML"),
    ],
)
def test_profile_errors_name_file_and_key(tmp_path: Path, body: str, where: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_profile(path)
    assert str(path) in str(info.value) and where in str(info.value)
    with pytest.raises(ConfigError, match="找不到站点配置文件"):
        load_profile(tmp_path / "missing.toml")


# ---- block detection ----------------------------------------------------------------------
def test_health_reasons() -> None:
    assert "403" in health.blocked_status(403) and "412" in health.blocked_status(412)
    assert "521" in health.blocked_status(521) and health.blocked_status(404) is None
    assert "$_ts" in health.challenge('<script>var $_ts=window["$_ts"];</script>')
    assert health.challenge("<noscript>请开启JavaScript并刷新该页</noscript>")
    assert health.challenge("<html>正常页面</html>") is None
    assert health.first_page_problem(200, "<html>ok</html>", 30, 0, False, 8000, 20).startswith(
        "页面异常短小"
    )
    assert "此前有 20 条" in health.first_page_problem(200, "x" * 5000, 5000, 0, True, 8000, 20)
    assert health.first_page_problem(200, "x" * 5000, 5000, 0, True, None, None) is None
    assert health.first_page_problem(200, "<html>ok</html>", 30, 3, True, 8000, 20) is None
    # never had rows, and the list is not even on the page: a wrong profile, not "no messages"
    assert "找不到列表" in health.first_page_problem(200, "x" * 5000, 5000, 0, False, None, None)


def test_list_container_detection() -> None:
    empty = "<html><body><table class='is-xjnr'><tr><th>标题</th></tr></table></body></html>"
    assert list_nodes(empty, "html", "//table[@class='is-xjnr']//tr[td]") == ([], True)
    assert list_nodes(empty, "html", "//table[@class='other']//tr[td]") == ([], False)
    assert list_nodes(empty, "html", "table.is-xjnr tr.row") == ([], True)  # CSS: unknown
    assert list_nodes('{"data": {"list": []}}', "json", "data.list") == ([], True)
    assert list_nodes('{"data": null}', "json", "data.list") == ([], False)
