"""The dashboard on what `demo --web` leaves, in a real headless Chromium: the first look an
office gets. The board shows one overdue and one 临期 message and names sources as the office
does; a message answered on time reads as answered (no 尚未回复, no stage after the reply) and
its portal link opens (the sample portal serves while the dashboard does); the report and the
alerts page read in Chinese names; a viewer sees phone numbers masked.

Screenshots go to $OM_SCREENSHOTS when set, and then the demo runs its whole fortnight, as
`opinion-monitor demo` does (docs/screenshots/ come from
`OM_SCREENSHOTS=docs/screenshots pytest tests/test_web_demo_chromium.py`); otherwise it runs
from 10-09 (the backlog before that is on the portal when it starts), to keep the test short."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.test_web_chromium import ARGS, CHROMIUM, pytestmark  # noqa: F401  (skip without it)
from tests.web_helpers import PASSWORD

DESKTOP = {"width": 1280, "height": 900}
MAX_SHOT = 200 * 1024  # docs/screenshots/ and the manual's copies: each PNG within 200 KB


def snap(page: Any, path: Path, height: int = 1500) -> None:
    """A desktop screenshot for docs/: the page from the top, at most `height` pixels of it
    (a long table's first screens say what the page is), a PNG within 200 KB."""
    full = page.evaluate("document.documentElement.scrollHeight")
    clip = {"x": 0, "y": 0, "width": DESKTOP["width"], "height": min(full, height)}
    page.screenshot(path=str(path), full_page=True, clip=clip)
    assert path.stat().st_size <= MAX_SHOT, (path.name, path.stat().st_size)


def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("OM_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def demo_web(tmp_path_factory) -> Iterator[dict[str, Any]]:
    from argon2 import PasswordHasher

    from monitor.app import App, fixed_clock
    from monitor.config import load_config
    from monitor.demo.run import END, START, run_demo
    from monitor.timeutil import SHANGHAI, to_utc
    from monitor.web import accounts
    from monitor.web.accounts import add_user
    from monitor.web.server import demo_server

    folder = tmp_path_factory.mktemp("demo") / "demo-data"
    start = START if os.environ.get("OM_SCREENSHOTS") else datetime(2026, 10, 9, 7, tzinfo=SHANGHAI)
    demo = run_demo(folder, quiet=True, start=start, keep_portal=True)
    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    server, password = demo_server(folder, END, "127.0.0.1", 0)
    app = App(load_config(folder / "monitor.toml"), clock=fixed_clock(to_utc(END)))
    with app.session() as session:
        add_user(session, "guest", "viewer", PASSWORD, app.now())
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield {
            "base": f"http://127.0.0.1:{server.effective_port}",
            "password": password,
            "app": app,
        }
    finally:
        server.close()
        thread.join(10)
        demo.stop_portal()


@pytest.fixture
def browser(tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=ARGS,
            locale="zh-CN",
            viewport=DESKTOP,
        )
        try:
            yield context
        finally:
            context.close()


def log_in(page: Any, base: str, name: str, password: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def message_id(app: Any, title: str) -> int:
    from sqlalchemy import select

    from monitor.db.models import Message

    with app.session() as session:
        return int(session.scalar(select(Message.id).where(Message.title == title)))


def test_the_first_look_after_the_demo(demo_web, browser, tmp_path) -> None:
    base, app = demo_web["base"], demo_web["app"]
    out = shots(tmp_path)
    page = browser.new_page()
    log_in(page, base, "demo", demo_web["password"])

    # the board: work to do, in names the office knows
    main = page.inner_text("main")
    overdue = page.locator("section.state-section").filter(has=page.locator(".badge.s-overdue"))
    at_risk = page.locator("section.state-section").filter(has=page.locator(".badge.s-at_risk"))
    assert "反映某街道老旧小区改造工程质量问题" in overdue.first.inner_text()
    assert "反映某农村公路项目验收后不久路面开裂" in at_risk.first.inner_text()
    assert "部门信箱" in main and "百姓畅言" in main and "demo-bxcy" not in main
    options = page.locator("select[name=source] option").all_inner_texts()
    assert options[1:] == ["百姓畅言", "部门信箱", "本地新闻"]
    snap(page, out / "board.png")

    # a message answered on time: answered, and nothing after the answer
    replied = message_id(app, "建议优化政府投资项目审计流程")
    page.goto(f"{base}/messages/{replied}")
    main = page.inner_text("main")
    assert "已按时回复" in main and "尚未回复" not in main and "感谢建议" in main
    timeline = page.locator("ul.timeline li").all_inner_texts()
    reply_at = next(i for i, t in enumerate(timeline) if "已回复，答复单位" in t)
    assert not any("计划提醒" in t or "已超期" in t for t in timeline)
    assert any("临期提醒：今天到期" in t for t in timeline[:reply_at])
    assert "来源：百姓畅言" in " ".join(timeline) and "办公室企业微信群" in " ".join(timeline)
    link = page.locator("dd a[target=_blank]").get_attribute("href")
    portal = page.request.get(link)  # the sample portal still serves: the link opens
    assert portal.status == 200 and "感谢建议" in portal.text()
    snap(page, out / "message.png")

    # the report opens on the month the demo ends in; the year's shows the whole story
    page.goto(base + "/reports")
    assert "2026年10月" in page.inner_text("main")
    page.goto(base + "/reports?period=2026")
    report = page.inner_text("main")
    assert "各来源留言办理情况" in report and "部门信箱" in report and "百姓畅言" in report
    assert "demo-bxcy" not in report and "demo-bmxx" not in report
    snap(page, out / "report.png")

    # the alerts page: 确认 only where something is asked; rows link to their pages
    page.goto(base + "/alerts")
    rows = page.locator("tr[id^=alert-]")
    asked = rows.filter(has=page.locator("button:has-text('确认')"))
    assert 0 < asked.count() < rows.count()
    notices = rows.filter(has_text="每日汇总").filter(has=page.locator("button:has-text('确认')"))
    assert notices.count() == 0
    assert page.locator("a[href^='/disclosures/']").count() >= 1
    assert "办公室企业微信群" in page.inner_text("main")
    snap(page, out / "alerts.png", height=800)  # a dense table: its first screen

    # an admin answers the citizen and sees the number; a viewer sees it masked
    page.goto(f"{base}/messages/{replied}")
    assert "13912345678" in page.inner_text("main")
    page.click("header form.who button")  # log out
    page.wait_for_url(base + "/login")
    log_in(page, base, "guest", PASSWORD)
    page.goto(f"{base}/messages/{replied}")
    body = page.inner_text("main")
    assert "139****5678" in body and "13912345678" not in body
