"""A portal's 意见征集 column crawled as `kind = "consultations"` from the sample portal on
loopback (real Scrapy children, a real SQLite file): the window and its clock registered on
the first pass, the 采纳情况 link that appears on the second pass counted as published."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from monitor.app import App
from monitor.consultation.register import consultation_document, list_consultations
from monitor.crawl import run_crawl
from monitor.db.models import Alert, ConsultationHistory, CrawlRun
from monitor.demo.sampleportal import SamplePortal, luan_profile_text
from monitor.sweep import sweep
from tests.conftest import at

SOURCE = '[[sources]]\nname = "luan-yjzj"\nprofile = "sites/sample.toml"\nsection = "yjzj"\n'


@pytest.fixture
def portal() -> Iterator[SamplePortal]:
    p = SamplePortal()
    p.start()
    yield p
    p.stop()


@pytest.fixture
def crawl_app(make_app: Callable[..., App], portal: SamplePortal, tmp_path: Path) -> Callable:
    def factory(now: str, edit: Callable[[str], str] = lambda text: text) -> App:
        folder = tmp_path / "cfg" / "sites"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "sample.toml").write_text(edit(luan_profile_text(portal.base_url)), "utf-8")
        return make_app(SOURCE + 'department_default = "办公室"\n', now=now)

    return factory


def docs(app: App) -> dict[str, dict]:
    with app.session() as session:
        rows = list_consultations(session, app.now(), "all")
        return {r.external_id: consultation_document(r, app.now(), app.calendar) for r in rows}


def test_feedback_link_on_the_second_pass_counts_as_published(crawl_app, portal) -> None:
    portal.add_consultation(
        "zj101",
        "《城市绿化条例（修订草案）》公开征求意见",
        date(2026, 9, 20),
        date(2026, 10, 20),
        department="市林业局",
    )
    portal.add_consultation(
        "zj102",
        "关于调整公共停车收费标准的征求意见稿",
        date(2026, 9, 25),
        date(2026, 10, 8),
    )
    app = crawl_app("2026-09-22T10:00")
    [result] = run_crawl(app)
    assert result.ok and result.new == 2, result
    found = docs(app)
    assert found["zj101"]["window_days"] == 30 and not found["zj101"]["short"]
    assert found["zj101"]["department"] == "市林业局"
    assert found["zj101"]["url"] == f"{portal.base_url}/interact/yjzj/detail/zj101.html"
    assert (
        found["zj101"]["feedback_due"] == "2026-11-10" and found["zj101"]["state"] == "collecting"
    )
    # a short window is flagged before it opens, and the office is told once
    assert found["zj102"]["short"] and found["zj102"]["window_days"] == 13
    sweep(app)
    with app.session() as session:
        kinds = [(a.kind, a.subject, a.department) for a in session.scalars(select(Alert))]
    assert kinds == [("consultation_short", "consultation:2", None)]

    # after closing, the feedback is late and not there yet
    sweep(at(app, "2026-10-29T09:00"))
    assert docs(app)["zj102"]["state"] == "overdue"
    # the second pass: the 采纳情况 link has appeared (published 10-28 16:00: on time)
    portal.publish_feedback("zj102", datetime(2026, 10, 28, 16, 0))
    [second] = run_crawl(app)
    assert second.ok and second.new == 0 and second.replied == 1, second
    doc = docs(app)["zj102"]
    assert doc["state"] == "done_on_time" and doc["feedback_approx"] is False
    assert doc["feedback_at"] == "2026-10-28T16:00:00+08:00"
    assert doc["feedback_url"] == f"{portal.base_url}/interact/yjzj/feedback/zj102.html"
    assert docs(app)["zj101"]["state"] == "awaiting_feedback"
    with app.session() as session:
        actors = {h.actor for h in session.scalars(select(ConsultationHistory))}
        runs = session.scalars(select(CrawlRun)).all()
    assert actors == {"crawl:luan-yjzj"} and all(r.ok for r in runs)
    # a third pass changes nothing
    [third] = run_crawl(app)
    assert third.new == third.updated == third.replied == 0


def test_without_a_feedback_time_the_link_is_dated_when_first_seen(crawl_app, portal) -> None:
    portal.add_consultation(
        "zj201", "城市排水管理办法（征求意见稿）", date(2026, 9, 1), date(2026, 10, 1)
    )
    drop_time = lambda text: text.replace(  # noqa: E731
        'fields.feedback_at = { xpath = "//div[@class=\'zj-feedback\']/span", label = "发布时间" }\n',
        "",
    )
    app = crawl_app("2026-09-10T10:00", drop_time)
    run_crawl(app)
    portal.publish_feedback("zj201", datetime(2026, 10, 12, 9, 0))
    # due: the 15th working day after Thu 10-01 (国庆 to 10-07; Sat 10-10 is a make-up
    # workday) = Tue 10-27
    [result] = run_crawl(at(app, "2026-10-28T11:00"))
    assert result.replied == 1
    doc = docs(app)["zj201"]
    assert doc["feedback_due"] == "2026-10-27"
    assert doc["feedback_approx"] is True and doc["feedback_at"] == "2026-10-28T11:00:00+08:00"
    assert doc["state"] == "done_late"


def test_a_row_that_cannot_be_registered_is_named_and_the_others_go_in(crawl_app, portal) -> None:
    portal.add_consultation("zj301", "正常的征求意见稿", date(2026, 9, 1), date(2026, 10, 1))
    portal.add_consultation(
        "zj302", "截止早于开始的征求意见稿", date(2026, 9, 10), date(2026, 9, 5)
    )
    app = crawl_app("2026-09-10T10:00")
    [result] = run_crawl(app)
    assert result.ok and result.new == 1
    assert set(docs(app)) == {"zj301"}
    assert any(
        "截止早于开始的征求意见稿" in n and "不晚于开始日期" in n for n in result.stats["notes"]
    )


def test_the_shipped_luan_profile_reads_the_sample_column(make_app, portal, tmp_path) -> None:
    """config/sites/luan.toml's yjzj section, pointed at the loopback portal."""
    import re

    from spiders.profile import load_profile

    shipped = Path(__file__).parent.parent / "config" / "sites" / "luan.toml"
    section = load_profile(shipped).sections["yjzj"]
    assert section.kind == "consultations"
    text = re.sub(r'base_url = "[^"]+"', f'base_url = "{portal.base_url}"', shipped.read_text())
    text = text.replace("delay = 1.0", "delay = 0").replace(
        "obey_robots = true", "obey_robots = false"
    )
    folder = tmp_path / "cfg" / "sites"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "luan.toml").write_text(text, "utf-8")
    portal.add_consultation(
        "zj9", "城市供水条例（修订草案）", date(2026, 9, 20), date(2026, 10, 20)
    )
    portal.publish_feedback("zj9", datetime(2026, 11, 2, 15, 0))
    app = make_app(
        '[[sources]]\nname = "luan-yjzj"\nprofile = "sites/luan.toml"\nsection = "yjzj"\n',
        now="2026-11-03T10:00",
    )
    [result] = run_crawl(app)
    assert result.ok and result.new == 1 and result.replied == 1, result
    doc = docs(app)["zj9"]
    assert doc["window_days"] == 30 and doc["state"] == "done_on_time"
    assert doc["feedback_at"] == "2026-11-02T15:00:00+08:00"


def test_a_portal_feedback_time_ahead_of_the_clock_is_dated_when_seen(crawl_app, portal) -> None:
    # the link appears on the second pass, the portal dating it a day after the crawl: the
    # crawl goes on and records the 采纳情况 when it saw the link, approximate, with a note
    portal.add_consultation(
        "zj301", "城市供水条例（征求意见稿）", date(2026, 9, 1), date(2026, 10, 1)
    )
    app = crawl_app("2026-10-09T10:00")
    [first] = run_crawl(app)
    assert first.ok and first.new == 1
    portal.publish_feedback("zj301", datetime(2026, 10, 21, 9, 0))
    [second] = run_crawl(at(app, "2026-10-20T10:00"))
    assert second.ok and second.replied == 1, second
    assert any("晚于当前时间" in note for note in second.stats["notes"]), second.stats
    doc = docs(app)["zj301"]
    assert doc["feedback_at"] == "2026-10-20T10:00:00+08:00" and doc["feedback_approx"] is True
    assert doc["state"] == "done_on_time"  # due 10-27: 10-08 is day 1
