"""Nothing missed, nothing healed silently (docs/site-profiles.md, issue 18): a first crawl that failed on
page 2 must not be papered over by later passes that stop at the incremental mark. Real crawl
children against the sample portal on loopback, a real SQLite file, `status --json` through
the CLI."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from alerts.outbox import AlertKind
from monitor.app import App
from monitor.cli import main
from monitor.crawl import run_crawl
from monitor.db.models import Alert
from monitor.demo.sampleportal import SamplePortal, luan_profile_text
from monitor.sweep import sweep
from monitor.timeutil import iso
from tests.test_crawl_portal import at, messages, one, sources_toml, write_profile

NOW = "2026-11-26T10:00"


@pytest.fixture
def portal() -> Iterator[SamplePortal]:
    p = SamplePortal()
    p.start()
    yield p
    p.stop()


@pytest.fixture
def app_for(make_app: Callable[..., App], tmp_path: Path) -> Callable[..., App]:
    def factory(portal: SamplePortal, edit: Callable[[str], str] | None = None) -> App:
        text = luan_profile_text(portal.base_url)
        write_profile(tmp_path, edit(text) if edit else text)
        return make_app(sources_toml(["bxcy"]), now=NOW)

    return factory


def fill(portal: SamplePortal, count: int, newest: str = "2026-11-25T18:00", step: int = 3) -> None:
    """`count` open messages, one every `step` hours back from `newest`: 20 a page."""
    portal.add_messages(
        [
            {
                "external_id": f"m{n:03d}",
                "title": f"来信{n}",
                "posted_at": at(newest) - timedelta(hours=step * n),
                "department": "城建科",
            }
            for n in range(count)
        ]
    )


def status_of(app: App, now: str) -> dict:
    """`opinion-monitor status --json`'s row for the source, as a script reads it."""
    result = CliRunner().invoke(
        main, ["--config", str(app.config.path), "status", "--now", now, "--json"]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["sources"][0]


def outages(app: App, now: str) -> list[str]:
    """Sweep at `now`; the stages of the source_unhealthy alerts the outbox then holds (one
    per outage: monitor/sweep/health.py)."""
    sweep(app, at(now))
    with app.session() as session:
        kind = AlertKind.SOURCE_UNHEALTHY.value
        return list(session.scalars(select(Alert.stage).where(Alert.kind == kind)))


def list_pages(portal: SamplePortal, since: int) -> list[int]:
    return [
        int(p.rsplit("page=", 1)[1])
        for p in portal.paths[since:]
        if "product_id=3" in p and "page=" in p
    ]


def test_page_two_failing_on_the_first_crawl_is_read_after_recovery(
    app_for, portal: SamplePortal
) -> None:
    fill(portal, 45)  # pages 1-3: 20 / 20 / 5 rows, newest first
    for n in range(20, 45):  # the older ones are answered: only page 1's are open
        portal.reply(f"m{n:03d}", at("2026-11-26T08:00"), text="已答复")
    portal.break_page("bxcy", 2, "captcha")
    app = app_for(portal)
    first = one(run_crawl(app))
    assert not first.ok and not first.complete and first.new == 20
    row = status_of(app, "2026-11-26T10:01")
    assert row["healthy"] is False
    # the incomplete pass is an outage and is told as one; the backfill it begins is not
    # another alert (the status and the board show it)
    assert outages(app, "2026-11-26T10:02") == ["unhealthy@never"]
    oldest_on_page_1 = at("2026-11-25T18:00") - timedelta(hours=3 * 19)
    assert row["backfill"] == {
        "pages_read": 1,
        "reached": iso(oldest_on_page_1),
        "since": iso(at(NOW)),
    }
    # page 2 answers again, page 3 now fails. An incremental pass would stop at page 1 (every
    # open message seen again among known rows) and call the source healthy; a backfilling one
    # reads on, and stays backfilling when it cannot finish
    portal.break_page("bxcy", 2, None)
    portal.break_page("bxcy", 3, "captcha")
    before = len(portal.paths)
    second = one(run_crawl(app, now=at("2026-11-26T10:10")))
    assert list_pages(portal, before) == [1, 2, 3]
    assert not second.ok and "第 3 页" in second.error and second.new == 20
    row = status_of(app, "2026-11-26T10:11")
    assert row["healthy"] is False and row["backfill"]["pages_read"] == 2
    assert "正在补抓历史留言：已读 2 页" in row["reason"]
    assert len(messages(app)) == 40
    assert outages(app, "2026-11-26T10:12") == ["unhealthy@never"]  # the same outage
    # the portal recovers: one complete pass reads to the end; every older message is tracked
    portal.break_page("bxcy", 3, None)
    before = len(portal.paths)
    third = one(run_crawl(app, now=at("2026-11-26T10:20")))
    assert third.ok and third.complete and third.new == 5, third.error
    assert list_pages(portal, before) == [1, 2, 3]
    found = messages(app)
    assert sorted(found) == [f"m{n:03d}" for n in range(45)]
    assert all(found[f"m{n:03d}"].state in ("replied", "replied_late") for n in range(20, 45))
    row = status_of(app, "2026-11-26T10:21")
    assert row["healthy"] is True and row["backfill"] is None and row["reason"] is None
    assert outages(app, "2026-11-26T10:22") == ["unhealthy@never"]
    # backfill over: incremental passes stop at the mark again
    before = len(portal.paths)
    fourth = one(run_crawl(app, now=at("2026-11-26T10:30")))
    assert fourth.ok and fourth.new == 0 and list_pages(portal, before) == [1]


def test_a_backfill_goes_max_pages_deeper_each_pass(app_for, portal: SamplePortal) -> None:
    fill(portal, 45)  # three pages, all within 60 days
    app = app_for(portal, lambda t: t.replace("max_pages = 1000", "max_pages = 1", 1))
    seen = []
    for minute in range(3):
        before = len(portal.paths)
        result = one(run_crawl(app, now=at(NOW) + timedelta(minutes=10 * minute)))
        assert result.ok and result.complete, result.error  # each pass is fine on its own...
        seen.append(list_pages(portal, before))
        row = status_of(app, iso(at(NOW) + timedelta(minutes=10 * minute + 1)))
        if minute < 2:  # ...but the list's history is not read yet: not healthy
            assert row["healthy"] is False and row["backfill"]["pages_read"] == minute + 1
        # a first crawl's backfill is progress, not an outage: no source_unhealthy alert
        assert outages(app, iso(at(NOW) + timedelta(minutes=10 * minute + 2))) == []
    assert seen == [[1], [1, 2], [1, 2, 3]]
    assert row["healthy"] is True and row["backfill"] is None
    assert len(messages(app)) == 45


def test_a_backfill_ends_backfill_days_back(app_for, portal: SamplePortal) -> None:
    # 30 recent messages, then 15 from three months ago (pages: 20 recent / 10 + 10 old / 5 old)
    fill(portal, 30)
    portal.add_messages(
        [
            {
                "external_id": f"old{n:02d}",
                "title": f"旧信{n}",
                "posted_at": at("2026-08-20T09:00") - timedelta(days=n),
                "department": "城建科",
            }
            for n in range(15)
        ]
    )
    app = app_for(
        portal,
        lambda t: t.replace("max_pages = 1000", "max_pages = 1\nbackfill_days = 30", 1),
    )
    first = one(run_crawl(app))
    assert first.ok and status_of(app, "2026-11-26T10:01")["backfill"]["pages_read"] == 1
    before = len(portal.paths)
    second = one(run_crawl(app, now=at("2026-11-26T10:10")))
    assert second.ok and second.complete
    # page 2 reaches 30 days back: the backfill is done without reading page 3
    assert list_pages(portal, before) == [1, 2]
    row = status_of(app, "2026-11-26T10:11")
    assert row["healthy"] is True and row["backfill"] is None
    assert len(messages(app)) == 40
