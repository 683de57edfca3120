"""The pure rules behind a crawl's conclusions: where a list ends (spiders.paging), what a page
is (spiders.health), clipping (spiders.limits) and the second decoding (spiders.encoding)."""

from __future__ import annotations

from datetime import UTC, datetime

from spiders import health, paging
from spiders.encoding import other_decoding
from spiders.limits import CLIP_MARK, clip_text

T = datetime(2026, 11, 20, tzinfo=UTC)


def test_a_404_or_empty_page_is_the_end_only_past_the_previous_last_page() -> None:
    assert paging.past_end(2, None)  # the first crawl has no previous pass
    assert not paging.past_end(2, 3) and not paging.past_end(3, 3)
    assert paging.past_end(4, 3)


def test_pass_outcome() -> None:
    ended = paging.Chain(ended=paging.SHORT, last_page=3)
    full = paging.outcome([ended], T, failed=False, previous_last=5)
    assert full.complete and full.full and full.complete_since is None
    assert full.last_page == 3  # a full pass may find the list shorter
    stopped = paging.Chain(stopped=paging.CAUGHT_UP, last_page=2)
    partial = paging.outcome([stopped], T, failed=False, previous_last=5)
    assert partial.complete and not partial.full and partial.complete_since == T
    assert partial.last_page == 5  # the list has at least the pages seen: never shrinks here
    grown = paging.outcome([paging.Chain(stopped=paging.MAX_PAGES, last_page=7)], T, False, 5)
    assert grown.last_page == 7
    broken = paging.Chain(broken="第 2 页：HTTP 404", last_page=1)
    bad = paging.outcome([ended, broken], T, failed=True, previous_last=5)
    assert not bad.complete and not bad.full and bad.broken == "第 2 页：HTTP 404"
    assert bad.last_page == 5
    assert not paging.outcome([], None, False, None).complete
    assert not paging.outcome([ended], T, failed=True, previous_last=None).complete


def test_covers() -> None:
    assert paging.covers(None, complete=True, full=True, complete_since=None)
    assert paging.covers(datetime(2026, 11, 21, tzinfo=UTC), True, False, T)
    assert not paging.covers(T, True, False, T)  # the oldest row seen: not strictly newer
    assert not paging.covers(datetime(2026, 11, 21, tzinfo=UTC), False, False, T)


def test_has_detail_page() -> None:
    assert paging.has_detail_page("m1", "http://x/detail/m1", True, None)
    assert paging.has_detail_page("m1", None, True, "/detail?id={external_id}")
    assert not paging.has_detail_page("nolink-ab12", None, True, "/detail?id={external_id}")
    assert not paging.has_detail_page("m1", "http://x/detail/m1", False, None)


def test_what_a_page_is() -> None:
    assert "验证码" in (health.captcha("<p>访问过于频繁，请输入验证码</p>") or "")
    assert health.captcha("<table><tr><td>来信</td></tr></table>") is None
    assert health.login_page("http://x/login.jsp?from=/a", "")
    assert health.login_page("http://x/a", '<input type="password" name="p">')
    assert not health.login_page("http://x/list?page=2", "<table></table>")
    assert "登录页" in (health.redirect_problem("http://x/a", "http://x/sso/auth", "") or "")
    assert "验证码" in (health.redirect_problem("http://x/a", "http://x/b", "请输入验证码") or "")
    assert health.redirect_problem("http://x/a", "http://x/b", "<table></table>") is None
    assert health.offsite("http://x/a", "http://y/a") and not health.offsite(
        "http://x/a", "http://X/b"
    )
    assert health.not_found_page("<h1>该信息不存在或已被删除</h1>")
    assert not health.not_found_page("<div class='is-mailwen'>正文</div>")


def test_clip_text() -> None:
    assert clip_text(None) == (None, False)
    assert clip_text("短文") == ("短文", False)
    text, cut = clip_text("长" * 100_000, limit=1000)
    assert cut and text is not None and text.endswith(CLIP_MARK) and len(text.encode()) <= 1000
    assert clip_text(text, limit=1000) == (text, False)  # clipped once, kept as is


def test_other_decoding() -> None:
    gbk = "督办部门：城建科".encode("gbk")
    assert other_decoding(gbk, "utf-8") == "督办部门：城建科"
    assert other_decoding("城建科".encode(), "gb18030") == "城建科"
    assert other_decoding(b"\xff\xfe\xff", "utf-8") is None


def test_progress_line_counts_sources_and_rows(tmp_path) -> None:
    from monitor.config import SourceConfig
    from monitor.crawl import CrawlResult, SourceIngest, _progress_line
    from monitor.demo.sampleportal import luan_profile_text
    from spiders.profile import parse_profile

    section = parse_profile(luan_profile_text("http://127.0.0.1:1")).sections["bxcy"]

    def ingest(name: str) -> SourceIngest:
        source = SourceConfig(name=name, profile="sites/x.toml", section="bxcy")
        return SourceIngest(None, source, tmp_path / "x.toml", section, None, 30.0, None)  # type: ignore[arg-type]

    done, busy, idle = ingest("luan-bmxx"), ingest("luan-bxcy"), ingest("luan-json")
    done.add([{"external_id": "a"}] * 3)
    done.result = CrawlResult("luan-bmxx", ok=True)
    busy.add([{"external_id": "b"}, {"external_id": "c"}])
    assert _progress_line([done, busy, idle]) == (
        "抓取中：1/3 个来源完成，已收到 5 条；luan-bxcy 已得 2 条"
    )
