"""意见征集 in a real headless Chromium (Debian's /usr/bin/chromium, Playwright) against the
dashboard served by waitress on 127.0.0.1: register a consultation with the labelled date
boxes, see the short-window warning, record its 采纳情况, find it on the board — and the CLI
sees the same rows. Screenshots go to $OM_SCREENSHOTS when set, else to tmp_path."""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import main
from tests.conftest import at
from tests.web_helpers import PASSWORD

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not shutil.which("chromium"),
    reason="Debian's chromium is not installed (.ci/run installs it)",
)


@pytest.fixture
def served(make_app) -> Iterator[tuple[str, object]]:
    from argon2 import PasswordHasher

    from monitor.web import accounts
    from monitor.web.accounts import add_user
    from monitor.web.server import make_server

    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    app = make_app(now="2026-09-14T10:00")
    with app.session() as db:
        add_user(db, "clerk", "editor", PASSWORD, app.now())
    server = make_server(app, "127.0.0.1", 0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}", app
    finally:
        server.close()
        thread.join(10)


def cli(app, *args: str) -> list[dict]:
    result = CliRunner().invoke(main, ["--config", str(app.config.path), *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_consultations_in_chromium(served, tmp_path) -> None:
    from playwright.sync_api import sync_playwright

    base, app = served
    out = Path(os.environ.get("OM_SCREENSHOTS") or tmp_path / "shots")
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=ARGS,
            locale="zh-CN",
            viewport={"width": 1280, "height": 900},
        )
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(base + "/login")
        page.fill("input[name=username]", "clerk")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(base + "/")

        page.click("nav a[href='/consultations']")
        page.wait_for_url(base + "/consultations")
        form = page.locator("#add-consultation")
        # the boxes are found by their labels: each one is labelled
        form.get_by_label("草案名称").fill("关于调整公共停车收费标准的征求意见稿")
        form.get_by_label("征集开始日期").fill("2026-09-21")
        form.get_by_label("征集截止日期").fill("2026-10-08")
        form.get_by_label("起草部门").fill("综合科")
        form.locator("button[type=submit]").click()
        page.wait_for_selector("text=征集期 17 天，少于 30 天：将提醒办公室")
        [doc] = cli(app, "consult", "list", "--json")
        assert doc["short"] and doc["feedback_due"] == "2026-10-28"
        assert doc["opens_on"] == "2026-09-21" and doc["department"] == "综合科"
        page.screenshot(path=str(out / "consultations.png"), full_page=True)

        at(app, "2026-10-27T10:00")
        page.goto(base + "/")
        section = page.locator("#board-consultations")
        assert "采纳情况还剩 2 个工作日" in section.inner_text()
        page.goto(base + "/consultations")
        row = page.locator("#c1")
        row.get_by_label("公布时间").fill("2026-10-27T09:30")
        row.get_by_label("采纳情况网址").fill("http://www.example.gov.cn/yjzj/fk1.html")
        row.locator("button:has-text('登记采纳情况')").click()
        page.wait_for_selector("text=采纳情况已登记（按时公布）")
        [doc] = cli(app, "consult", "list", "--state", "all", "--json")
        assert doc["state"] == "done_on_time" and doc["feedback_at"].startswith("2026-10-27T09:30")
        assert "已按时公布" in page.locator("#c1").inner_text()
        page.screenshot(path=str(out / "consultations-done.png"), full_page=True)
        assert not [e for e in errors if "Content Security Policy" in e], errors
        context.close()
