"""A misbehaving portal must not cost a deadline (issue 9, docs/site-profiles.md): every reproduction runs a
real crawl child against the sample portal on loopback and a real SQLite file.

A bad list page after the first (404, an empty table, a captcha, a 302 to a login page) is not
the end of the list: the pass is incomplete, the rows seen are ingested, nothing is withdrawn,
the source is unhealthy naming the page. Withdrawal needs positive evidence; a withdrawn message
that comes back is tracked again and its missed alert stage is sent."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from monitor.app import App
from monitor.crawl import run_crawl
from monitor.db.models import Alert
from monitor.demo.sampleportal import SamplePortal, luan_profile_text
from monitor.status import source_health
from spiders.limits import CLIP_MARK, MAX_TEXT_BYTES
from tests.test_crawl_portal import (
    at,
    messages,
    one,
    source_row,
    sources_toml,
    write_profile,
)

NOW = "2026-11-26T10:00"


@pytest.fixture
def portal() -> Iterator[SamplePortal]:
    p = SamplePortal()
    p.start()
    yield p
    p.stop()


@pytest.fixture
def app_for(make_app: Callable[..., App], tmp_path: Path) -> Callable[..., App]:
    def factory(
        portal: SamplePortal,
        names: tuple[str, ...] = ("bxcy",),
        edit: Callable[[str], str] | None = None,
    ) -> App:
        text = luan_profile_text(portal.base_url)
        write_profile(tmp_path, edit(text) if edit else text)
        return make_app(sources_toml(list(names)), now=NOW)

    return factory


def fill(portal: SamplePortal, count: int, prefix: str = "m") -> None:
    """`count` open messages, newest first: 20 a page."""
    portal.add_messages(
        [
            {
                "external_id": f"{prefix}{n:03d}",
                "title": f"来信{n}",
                "posted_at": at("2026-11-10T09:00") + timedelta(hours=n),
                "department": "城建科",
            }
            for n in range(count)
        ]
    )


BAD_PAGES = [
    ("404", "HTTP 404"),
    ("empty", "列表为空"),
    ("captcha", "验证码"),
    ("login", "登录页"),
    ("offsite", "其他站点"),
]


@pytest.mark.parametrize("fault,reason", BAD_PAGES, ids=[f for f, _ in BAD_PAGES])
def test_a_bad_page_two_is_not_the_end_of_the_list(
    app_for, portal: SamplePortal, fault: str, reason: str
) -> None:
    fill(portal, 50)  # pages 1-3: 20/20/10
    app = app_for(portal)
    first = one(run_crawl(app))
    assert first.ok and first.complete and first.new == 50
    assert source_row(app).last_page == 3
    portal.break_page("bxcy", 2, fault)
    portal.add_message("new1", "新的来信", at("2026-11-26T09:30"))  # on page 1
    portal.reply("m049", at("2026-11-26T09:40"), text="已答复")  # on page 1
    before = portal.request_count
    result = one(run_crawl(app, now=at("2026-11-26T10:10")))
    assert not result.ok and not result.complete, result
    assert "第 2 页" in result.error and reason in result.error, result.error
    assert "0 字节" not in result.error
    assert result.withdrawn == 0
    # the rows seen are ingested: page 1's new message and its reply
    assert result.new == 1 and result.replied == 1
    found = messages(app)
    assert found["new1"].state == "open" and found["m049"].state in ("replied", "replied_late")
    assert all(m.state != "withdrawn" and m.absent_since is None for m in found.values())
    # no withdrawal check was made from an incomplete pass, and paging stopped at the bad page
    paths = portal.paths[before:]
    assert not [p for p in paths if "/detail/m0" in p and "m049" not in p], paths
    assert not [p for p in paths if "page=3" in p]
    health = source_row(app)
    assert not health.healthy and "第 2 页" in health.reason and reason in health.reason
    assert health.last_page == 3  # kept for the next pass
    if fault == "offsite":
        assert not [p for p in paths if "blocked" in p]  # another site is never fetched
    # the portal recovers: a complete pass, healthy again, still nothing withdrawn
    portal.break_page("bxcy", 2, None)
    healed = one(run_crawl(app, now=at("2026-11-26T10:20")))
    assert healed.ok and healed.complete and healed.withdrawn == 0
    assert source_row(app).healthy


def test_a_404_or_empty_page_past_the_last_page_is_the_end(app_for, portal: SamplePortal) -> None:
    fill(portal, 40)  # exactly two full pages: page 3 is an empty table
    app = app_for(portal)
    first = one(run_crawl(app))
    assert first.ok and first.complete and first.new == 40  # the first crawl: no earlier pass
    assert source_row(app).last_page == 2
    fill(portal, 20, prefix="n")  # 60 rows: pages 1-3 full, page 4 past the last one
    portal.break_page("bxcy", 4, "404")
    grown = one(run_crawl(app, now=at("2026-11-26T10:10")))
    assert grown.ok and grown.complete and grown.new == 20
    assert source_row(app).last_page == 3
    portal.break_page("bxcy", 3, "empty")  # page 3 had rows: now a bad page
    bad = one(run_crawl(app, now=at("2026-11-26T10:20")))
    assert not bad.complete and "第 3 页" in bad.error and "列表为空" in bad.error


def test_first_page_redirected_to_login_says_so(app_for, portal: SamplePortal) -> None:
    fill(portal, 3)
    app = app_for(portal)
    portal.break_page("bxcy", 1, "login")
    result = one(run_crawl(app))
    assert not result.ok and not result.complete
    assert "登录页" in result.error and "0 字节" not in result.error
    assert "/login.jsp" in result.error


def test_same_site_redirects_are_followed(app_for, portal: SamplePortal) -> None:
    """A moved list page and a moved detail page (http→https-style hops on one host)."""
    fill(portal, 2)
    app = app_for(
        portal,
        edit=lambda t: t.replace(
            'url = "/nocache/supervision/?product_id=3&page={page}"',
            'url = "/old/list?page={page}"',
            1,
        ),
    )
    for page in (1, 2):
        portal.override(
            f"/old/list?page={page}",
            301,
            b"",
            "text/html",
            location=f"/nocache/supervision/?product_id=3&page={page}",
        )
    portal.override(
        "/nocache/supervision/detail/m001.html", 302, b"", "text/html", location="/moved/m001"
    )
    portal.override(
        "/moved/m001", 302, b"", "text/html", location="/nocache/supervision/detail/m001.html?v=2"
    )
    result = one(run_crawl(app))
    assert result.ok and result.complete and result.new == 2, result.error
    assert messages(app)["m001"].body  # read through two redirects
    # a loop is bounded: it is a failure with its reason, not a hang
    portal.override("/moved/m001", 302, b"", "text/html", location="/moved/m001")
    portal.add_message("m002", "第三封", at("2026-11-26T08:00"))
    portal.override(
        "/nocache/supervision/detail/m002.html", 302, b"", "text/html", location="/moved/m001"
    )
    looped = one(run_crawl(app, now=at("2026-11-26T10:10")))
    assert not looped.ok and "跳转次数过多" in looped.error


def test_list_only_rows_are_withdrawn_after_a_day_and_come_back(
    app_for, portal: SamplePortal
) -> None:
    from monitor.sweep import sweep

    # a section without detail pages: rows are tracked from the list alone
    def no_detail(text: str) -> str:
        start = text.index("[sections.bxcy.detail]")
        return text[:start] + text[text.index("[sections.bxcy.status]") :]

    portal.add_message("keep", "留下的来信", at("2026-11-24T09:00"))
    portal.add_message("gone", "被撤下的来信", at("2026-11-23T09:00"))  # due 11-30, 2wd 11-27
    app = app_for(portal, edit=no_detail)
    assert one(run_crawl(app)).new == 2
    portal.remove("gone")
    steps = [
        ("2026-11-26T10:10", 0),
        ("2026-11-26T22:00", 0),
        ("2026-11-27T10:09", 0),
        ("2026-11-27T10:11", 1),
    ]
    for when, withdrawn in steps:
        result = one(run_crawl(app, now=at(when)))
        assert result.complete and result.withdrawn == withdrawn, (when, result)
    gone = messages(app)["gone"]
    assert gone.state == "withdrawn" and gone.absent_since == at("2026-11-26T10:10")
    deadline = gone.deadline
    # while withdrawn, its 1wd stage comes due: no alert for a withdrawn message
    sweep(app, now=at("2026-11-30T09:00"))
    with app.session() as s:
        assert not s.scalars(select(Alert).where(Alert.subject == f"message:{gone.id}")).all()
    portal.add_message("gone", "被撤下的来信", at("2026-11-23T09:00"))
    back = one(run_crawl(app, now=at("2026-11-30T10:00")))
    assert back.ok and back.updated == 1
    again = messages(app)["gone"]
    assert again.state in ("open", "at_risk") and again.deadline == deadline
    sweep(app, now=at("2026-11-30T10:05"))
    with app.session() as s:
        stages = [
            a.stage for a in s.scalars(select(Alert).where(Alert.subject == f"message:{gone.id}"))
        ]
    assert stages == ["1wd"]  # the stage it missed while withdrawn is sent now


def test_an_incomplete_list_never_starts_the_list_only_clock(app_for, portal: SamplePortal) -> None:
    def no_detail(text: str) -> str:
        start = text.index("[sections.bxcy.detail]")
        return text[:start] + text[text.index("[sections.bxcy.status]") :]

    fill(portal, 30)
    app = app_for(portal, edit=no_detail)
    assert one(run_crawl(app)).complete
    portal.break_page("bxcy", 2, "empty")
    for when in ("2026-11-26T10:10", "2026-11-27T11:00"):
        result = one(run_crawl(app, now=at(when)))
        assert not result.complete and result.withdrawn == 0
    assert all(m.absent_since is None and m.state != "withdrawn" for m in messages(app).values())


def detail_page(department: bytes, body: str = "正文") -> bytes:
    return (
        b'<html><head><meta charset="utf-8"></head><body><div class="is-mailinfo">'
        + "来信人：张三 <span>|</span> 来信时间：2026-11-25 09:00:00 <span>|</span> "
        "<span>浏览：3</span> <span>| 督办部门：".encode()
        + department
        + ' 问题类别：咨询</span></div><div class="is-mailwen"><p>'.encode()
        + body.encode()
        + b"</p></div></body></html>"
    )


def test_a_huge_detail_page_is_capped_and_clipped(app_for, portal: SamplePortal) -> None:
    portal.add_message("big", "很长的来信", at("2026-11-25T09:00"))
    page = detail_page("综合科".encode(), "很长的正文。" * 2_000_000)
    assert len(page) > 30 * 1024 * 1024
    portal.override("/nocache/supervision/detail/big.html", 200, page)
    app = app_for(portal)
    result = one(run_crawl(app))
    assert result.ok, result.error
    body = messages(app)["big"].body
    assert body is not None and body.endswith(CLIP_MARK)
    assert MAX_TEXT_BYTES // 2 < len(body.encode()) <= MAX_TEXT_BYTES
    assert any("只读取了前面部分" in n for n in result.stats["notes"])


def test_a_gbk_page_served_as_utf8_is_read_right_or_reported(app_for) -> None:
    portal = SamplePortal(encoding="gbk", header_charset="utf-8")
    portal.start()
    try:
        portal.add_message("g1", "编码有误的来信", at("2026-11-25T09:00"), department="城建科")
        app = app_for(portal)
        result = one(run_crawl(app))
        assert result.ok, result.error
        assert messages(app)["g1"].department == "城建科"  # read again as GB18030
        # bytes that neither UTF-8 nor GB18030 can read: dropped, the default used, and said
        portal.add_message("g2", "无法识别", at("2026-11-25T10:00"), department="城建科")
        portal.override(
            "/nocache/supervision/detail/g2.html",
            200,
            detail_page(b"\xff\xfe\xff\xfe"),
            "text/html; charset=utf-8",
        )
        again = one(run_crawl(app, now=at("2026-11-26T10:10")))
        assert again.ok and again.new == 1
        assert messages(app)["g2"].department == "办公室"
        with app.session() as s:
            [health] = source_health(s, app.config)
        assert (
            health["healthy"] and "乱码" in health["warning"] and "department" in health["warning"]
        )
        assert "乱码" in health["reason"]
    finally:
        portal.stop()


def test_a_department_in_the_list_counts_without_a_detail_page(
    app_for, portal: SamplePortal
) -> None:
    """Issue 10: a JSON API's DEPTNAME (a list field) is the department; a detail value would
    override it."""

    def list_department(text: str) -> str:
        start = text.index("[sections.json.detail]")
        text = text[:start] + text[text.index("[sections.json.status]") :]
        return text.replace(
            'status_text = { json = "process_status" }',
            'status_text = { json = "process_status" }\ndepartment  = { json = "DEPTNAME" }',
            1,
        )

    portal.add_message(
        "9101", "噪音扰民", at("2026-11-20T08:00"), section="json", department="市生态环境局"
    )
    app = app_for(portal, ("json",), edit=list_department)
    result = one(run_crawl(app))
    assert result.ok and result.new == 1
    assert messages(app, "luan-json")["9101"].department == "市生态环境局"


def test_the_portal_s_own_total_ends_the_list(app_for, portal: SamplePortal) -> None:
    """`total` names the portal's row count: two full pages and no request for a third."""

    def with_total(text: str) -> str:
        start = text.index("[sections.json.detail]")
        text = text[:start] + text[text.index("[sections.json.status]") :]
        return text.replace(
            'items = "data.list"', 'items = "data.list"\ntotal = { json = "data.total" }', 1
        )

    portal.add_messages(
        [
            {
                "external_id": f"{9200 + n}",
                "title": f"来信{n}",
                "section": "json",
                "posted_at": at("2026-11-20T08:00") + timedelta(minutes=n),
            }
            for n in range(40)
        ]
    )
    app = app_for(portal, ("json",), edit=with_total)
    result = one(run_crawl(app))
    assert result.ok and result.complete and result.new == 40
    assert not [p for p in portal.paths if "page=3" in p]
    assert result.stats["full_pass"] is True and source_row(app, "luan-json").last_page == 2


def test_the_portal_s_not_found_page_is_evidence_too(app_for, portal: SamplePortal) -> None:
    portal.add_message("d1", "会被删除的来信", at("2026-11-25T09:00"))
    portal.add_message("d2", "留下的来信", at("2026-11-24T09:00"))
    app = app_for(portal)
    assert one(run_crawl(app)).new == 2
    portal.remove("d1")
    portal.override(
        "/nocache/supervision/detail/d1.html",
        200,
        "<html><body><h1>该信息不存在或已被删除</h1></body></html>".encode(),
    )
    assert one(run_crawl(app, now=at("2026-11-26T10:10"))).withdrawn == 0
    assert messages(app)["d1"].absent_since == at("2026-11-26T10:10")
    assert one(run_crawl(app, now=at("2026-11-26T11:10"))).withdrawn == 1
    assert messages(app)["d1"].state == "withdrawn" and messages(app)["d2"].state != "withdrawn"
