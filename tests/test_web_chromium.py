"""End to end in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright)
against the dashboard served by waitress on 127.0.0.1, as `opinion-monitor web` serves it:
log in, read the board, add a watch term (then `watchlist list --json` has it), declare a
crisis and mark a milestone, acknowledge an alert.

Screenshots go to $OM_SCREENSHOTS when set (docs/screenshots/ come from
`OM_SCREENSHOTS=docs/screenshots pytest tests/test_web_chromium.py tests/test_web_demo_chromium.py`),
else to tmp_path: the watchlist, events and phone views from here; the board, a message, the
report and the alerts page from the demo's data (tests/test_web_demo_chromium.py)."""

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
from tests.conftest import add_message
from tests.web_helpers import PASSWORD

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not shutil.which("chromium"),
    reason="Debian's chromium is not installed (.ci/run installs it)",
)


def seed(app) -> dict[str, int]:
    """A board worth looking at: messages in every state, a crisis, alerts in the outbox."""
    from monitor.db.models import Message
    from monitor.sweep import sweep
    from monitor.timeutil import parse_iso
    from monitor.tracking import declare_event
    from monitor.web.accounts import add_user

    ids = {}
    rows = [
        ("1001", "2026-11-13T09:20", "综合科", "小区旁工地夜间施工噪音扰民，多次反映未果"),
        ("1002", "2026-11-17T14:05", "审计一科", "关于农民工工资拖欠问题的投诉"),
        ("1003", "2026-11-20T10:30", "审计一科", "申请公开2025年度预算执行审计报告"),
        ("1004", "2026-11-19T16:45", "办公室", "政府网站部分栏目链接无法打开"),
        ("1005", "2026-11-24T08:15", "综合科", "建议在老城区增设公共停车位"),
        ("1006", "2026-11-25T11:00", "财政审计科", "咨询村级财务审计结果公示时间"),
        (
            "1007",
            "2026-11-26T09:10",
            "办公室",
            "<script>alert('标题里的脚本')</script>反映路灯不亮",
        ),
    ]
    for ext, posted, dept, title in rows:
        ids[ext] = add_message(
            app,
            ext,
            posted,
            department=dept,
            title=title,
            url=f"http://portal.example/detail/{ext}",
        )
    with app.session() as db:
        m = db.get(Message, ids["1002"])
        m.body = "本人在某建设项目务工，工资已拖欠三个月，联系包工头无果，请有关部门核查处理。"
        m.author = "王**"
        declare_event(
            db,
            "某化工园区企业发生爆炸，网上出现大量转发",
            "major",
            parse_iso("2026-11-26T07:40"),
            app.config,
            app.now(),
        )
        add_user(db, "clerk", "editor", PASSWORD, app.now())
    sweep(app)
    return ids


@pytest.fixture
def served(make_app, tmp_path) -> Iterator[tuple[str, object, dict[str, int]]]:
    from argon2 import PasswordHasher

    from monitor.web import accounts
    from monitor.web.server import make_server

    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    app = make_app(now="2026-11-26T10:00")
    ids = seed(app)
    server = make_server(app, "127.0.0.1", 0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}", app, ids
    finally:
        server.close()
        thread.join(10)


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
            viewport={"width": 1280, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()


def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("OM_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def cli(app, *args: str) -> str:
    result = CliRunner().invoke(main, ["--config", str(app.config.path), *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_office_work_in_chromium(served, browser, tmp_path):
    base, app, ids = served
    out = shots(tmp_path)
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    # anonymous → login form → the board
    page.goto(base + "/")
    assert page.url.startswith(base + "/login")
    page.fill("input[name=username]", "clerk")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
    assert "超期" in page.inner_text("main") and "审计一科" in page.inner_text("main")
    assert "<script>alert('标题里的脚本')</script>反映路灯不亮" in page.inner_text(
        "main"
    )  # as text
    clock = page.locator(".clock[data-deadline]").first
    clock.wait_for()
    page.wait_for_function(
        "document.querySelector('.clock[data-deadline]').textContent.includes('还剩')"
    )

    # a message and its timeline
    page.click(f"a[href='/messages/{ids['1002']}']")
    page.wait_for_url(f"{base}/messages/{ids['1002']}")
    assert "时间线" in page.inner_text("main") and "工资已拖欠三个月" in page.inner_text("main")

    # a watch term added in the browser is the CLI's watch term
    page.goto(base + "/watchlist")
    form = page.locator("#add-term")
    form.locator("input[name=term]").fill("欠薪")
    form.locator("select[name=level]").select_option("critical")
    form.locator("input[name=category]").fill("民生")
    form.locator("textarea[name=exclude]").fill("欠薪资料")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("text=已添加关注词「欠薪」")
    terms = json.loads(cli(app, "watchlist", "list", "--json"))
    assert {
        "term": "欠薪",
        "level": "critical",
        "category": "民生",
        "exclude": ["欠薪资料"],
        "enabled": True,
    } in terms
    page.fill("textarea[name=text]", "网民反映某工地欠薪，另有欠薪资料下载")
    page.click("form[action='/watchlist'][method=get] button")
    page.wait_for_selector("tr.hit")
    page.screenshot(path=str(out / "watchlist.png"), full_page=True)

    # declare a crisis, mark its publish milestone done
    page.goto(base + "/events")
    page.fill("#declare input[name=title]", "暴雨致城区内涝")
    page.select_option("#declare select[name=level]", "especially_major")
    page.fill("#declare input[name=started_at]", "2026-11-26T09:00")
    page.click("#declare button[type=submit]")
    page.wait_for_selector("text=已登记突发事件")
    event = json.loads(cli(app, "event", "list", "--json"))[0]
    assert event["title"] == "暴雨致城区内涝" and event["level"] == "especially_major"
    card = page.locator(f"#e{event['id']}")
    card.locator("input[name=at]").first.fill("2026-11-26T09:45")
    card.locator("button:has-text('标记完成')").first.click()
    page.wait_for_selector("text=已标记完成（在时限内）")
    event = json.loads(cli(app, "event", "list", "--json"))[0]
    assert event["milestones"][0]["done_at"] == "2026-11-26T09:45:00+08:00"
    page.screenshot(path=str(out / "events.png"), full_page=True)

    # acknowledge an alert
    page.goto(base + "/alerts")
    row = page.locator("tr[id^=alert-]").filter(has=page.locator("button:has-text('确认')")).first
    alert_id = int(row.get_attribute("id").split("-")[1])
    row.locator("button:has-text('确认')").click()
    page.wait_for_selector(f"text=已确认提醒 #{alert_id}")
    status = {a["id"]: a["status"] for a in json.loads(cli(app, "alerts", "list", "--json"))}
    assert status[alert_id] == "acked"

    # on a phone-sized screen the board still reads
    phone = browser.new_page()
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.goto(base + "/")
    assert "待办留言" in phone.inner_text("main")
    phone.screenshot(path=str(out / "board-phone.png"), full_page=False)

    # log out
    page.click("header form.who button")
    page.wait_for_url(base + "/login")
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_pages_read_without_javascript(served, tmp_path):
    """Every page renders its content with JavaScript switched off."""
    from playwright.sync_api import sync_playwright

    base, app, ids = served
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "nojs-profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=ARGS,
            java_script_enabled=False,
        )
        page = context.new_page()
        page.goto(base + "/login")
        page.fill("input[name=username]", "clerk")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(base + "/")
        assert "截止" in page.inner_text("main")  # the clock's server-rendered text
        for path in (
            "/events",
            "/watchlist",
            "/alerts",
            "/sources",
            "/calendar",
            f"/messages/{ids['1001']}",
        ):
            page.goto(base + path)
            assert page.locator("h1").count() >= 1, path
        context.close()
