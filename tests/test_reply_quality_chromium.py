"""The reply checker's flag on the dashboard, in a real headless Chromium (as
tests/test_web_chromium.py drives it): a pasted reply's message page shows 疑似敷衍, the
reasons and the evidence (the other message, linked), an editor marks it 误报 and the page
and the database record it with the user."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from monitor.db.models import Message, ReplyVerdict
from monitor.sweep import sweep
from monitor.timeutil import parse_iso
from tests.conftest import add_message
from tests.test_web_chromium import browser, pytestmark, shots  # noqa: F401  (fixtures)
from tests.web_helpers import PASSWORD

PASTED = "您好！您反映的问题我们已经收到，已安排工作人员进行核查，核查后会及时处理，感谢您对我们工作的支持！"


@pytest.fixture
def served(make_app) -> Iterator[tuple[str, object, dict[str, int]]]:
    from argon2 import PasswordHasher

    from monitor.web import accounts
    from monitor.web.accounts import add_user
    from monitor.web.server import make_server

    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    app = make_app(now="2026-11-26T10:00")
    ids = {
        "roof": add_message(app, "3001", "2026-11-20T09:00", "综合科", "楼顶违建"),
        "smoke": add_message(app, "3002", "2026-11-20T10:00", "综合科", "饭店油烟直排"),
    }
    bodies = {
        "roof": "小区12号楼顶层住户在楼顶加盖房屋。",
        "smoke": "楼下饭店油烟直排，窗户都不敢开。",
    }
    with app.session() as db:
        for key, message_id in ids.items():
            m = db.get(Message, message_id)
            m.body, m.reply = bodies[key], PASTED
            m.replied_at, m.state = parse_iso("2026-11-25T15:00"), "replied"
        add_user(db, "clerk", "editor", PASSWORD, app.now())
    sweep(app)
    server = make_server(app, "127.0.0.1", 0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}", app, ids
    finally:
        server.close()
        thread.join(10)


def test_flag_and_evidence_on_the_message_page_and_marked_false_positive(served, browser, tmp_path):  # noqa: F811
    base, app, ids = served
    page = browser.new_page()
    page.goto(base + "/login")
    page.fill("input[name=username]", "clerk")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")

    page.goto(f"{base}/messages/{ids['smoke']}")
    card = page.locator("#reply-quality + section")
    text = card.inner_text()
    assert "疑似敷衍" in text and "套话模板" in text
    assert f"与 #{ids['roof']} 的回复相同，而问题不同" in text
    link = card.locator(f"a[href='/messages/{ids['roof']}']")
    assert "楼顶违建" in link.inner_text()
    page.screenshot(path=str(shots(tmp_path) / "reply-quality.png"), full_page=True)

    card.locator("button[value=false_positive]").click()
    page.wait_for_selector("text=已将回复检查结果标记为“误报”")
    assert "编辑核实：误报（web:clerk" in page.locator("#reply-quality + section").inner_text()
    with app.session() as db:
        row = db.scalar(select(ReplyVerdict).where(ReplyVerdict.message_id == ids["smoke"]))
        assert (row.mark, row.marked_by) == ("false_positive", "web:clerk")

    # the other message links back
    page.click(f"a[href='/messages/{ids['roof']}']")
    page.wait_for_url(f"{base}/messages/{ids['roof']}")
    assert "套话模板" in page.locator("#reply-quality + section").inner_text()
