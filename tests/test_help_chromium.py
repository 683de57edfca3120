"""The 帮助 page and the manual's own screenshots, in a real headless Chromium on what
`demo --web` leaves (the fixture of tests/test_web_demo_chromium.py).

A viewer finds 帮助 in the board's nav, opens /help, reads the manual's chapter headings and
sees its screenshots load from the dashboard itself (CSP `default-src 'self'`, no errors).
An admin's pages the manual shows beyond those the other Chromium tests take: a 依申请公开
request, 意见征集, the calendar with a pasted State Council notice previewed, the sources,
the national-format annual report. Screenshots go to $OM_SCREENSHOTS when set
(`OM_SCREENSHOTS=docs/screenshots pytest tests/test_web_chromium.py
tests/test_web_demo_chromium.py tests/test_help_chromium.py`, then `python -m
tests.sync_help`), else to tmp_path."""

from __future__ import annotations

from pathlib import Path

from tests.test_help import CHAPTERS
from tests.test_web_chromium import pytestmark  # noqa: F401  (skip without Chromium)
from tests.test_web_demo_chromium import (  # noqa: F401  (fixtures)
    browser,
    demo_web,
    log_in,
    shots,
    snap,
)
from tests.web_helpers import PASSWORD

NOTICE = Path(__file__).parent / "fixtures" / "notices" / "2026.txt"


def test_help_for_a_viewer(demo_web, browser) -> None:  # noqa: F811  (fixtures imported)
    base = demo_web["base"]
    page = browser.new_page()
    errors: list[str] = []
    page.on(
        "console", lambda msg: errors.append(msg.text) if "Security Policy" in msg.text else None
    )
    missing: list[str] = []  # every asset the manual asks for is served (the browser's own
    # /favicon.ico aside: the dashboard has none)
    page.on(
        "response",
        lambda r: missing.append(r.url) if r.status >= 400 and "favicon" not in r.url else None,
    )
    log_in(page, base, "guest", PASSWORD)

    page.click("header nav a:has-text('帮助')")
    page.wait_for_url(base + "/help")
    headings = page.locator("article.manual h2").all_inner_texts()
    assert headings == CHAPTERS
    assert page.locator("nav.contents li").count() == len(CHAPTERS)

    images = page.locator("article.manual img")
    assert images.count() >= 5
    assert all(
        s.startswith("/help/screenshots/")
        for s in images.evaluate_all("imgs => imgs.map(i => i.getAttribute('src'))")
    )
    # every screenshot loaded from the dashboard itself
    page.wait_for_function(
        "() => [...document.querySelectorAll('article.manual img')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    assert not errors and not missing, (errors, missing)
    # the contents link to their chapter
    page.click("nav.contents a:has-text('收到提醒怎么办')")
    assert page.url.endswith("#ch4")


def test_the_pages_the_manual_shows(demo_web, browser, tmp_path) -> None:  # noqa: F811
    from sqlalchemy import select

    from monitor.db.models import DisclosureRequest

    base, app = demo_web["base"], demo_web["app"]
    out = shots(tmp_path)
    page = browser.new_page()
    log_in(page, base, "demo", demo_web["password"])

    with app.session() as session:
        request_id = session.scalar(select(DisclosureRequest.id).order_by(DisclosureRequest.id))
    page.goto(f"{base}/disclosures/{request_id}")
    main = page.inner_text("main")
    assert "答复期限" in main and "补正告知期限" in main and "办结" in main
    snap(page, out / "disclosure.png")

    page.goto(base + "/consultations?state=all")
    assert page.locator("#consultations tr[id^=c]").count() >= 1
    assert "采纳情况期限" in page.inner_text("main")
    snap(page, out / "consultations.png")

    page.goto(base + "/calendar")
    page.fill("#notice textarea[name=text]", NOTICE.read_text(encoding="utf-8"))
    page.click("#notice button[type=submit]")
    page.wait_for_selector("#preview")
    assert "预览：2026 年" in page.inner_text("#preview")
    snap(page, out / "calendar.png", height=1000)

    page.goto(base + "/sources")
    main = page.inner_text("main")
    assert "百姓畅言" in main and "提醒渠道" in main and "发送测试消息" in main
    snap(page, out / "sources.png")

    page.goto(base + "/reports?period=2026&view=gov-annual")
    assert "表二：主动公开政府信息情况" in page.inner_text("main")
    snap(page, out / "gov-annual-page.png", height=1400)
