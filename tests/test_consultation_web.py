"""/consultations and the board's 意见征集 section through Flask's test client: an editor's
edit is the CLI's operation (same rows, actor web:NAME), bad input is one message and
changes nothing, a viewer's POST is 403, titles are escaped."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import select

from monitor.cli import main
from monitor.db.models import Alert, ConsultationHistory
from monitor.sweep import sweep
from tests.conftest import at
from tests.web_helpers import client_as, post, web_for

HOSTILE = '<script>alert("x")</script>征求意见稿'


def cli(app, *args: str) -> list[dict]:
    result = CliRunner().invoke(main, ["--config", str(app.config.path), *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_register_and_record_feedback_through_the_page(make_app) -> None:
    app = make_app(now="2026-09-14T10:00")
    web = web_for(app)
    client = client_as(web, "editor")
    page = client.get("/consultations").get_data(as_text=True)
    for label in ("征集开始日期", "征集截止日期", "草案名称", "不少于 30 天"):
        assert label in page
    form = {
        "title": HOSTILE,
        "opens": "2026-09-21",
        "closes": "2026-10-08",
        "department": "综合科",
        "url": "http://www.example.gov.cn/yjzj/1.html",
    }
    response = post(client, "/consultations", form, page="/consultations")
    assert response.status_code == 303
    page = client.get("/consultations").get_data(as_text=True)
    assert "征集期 17 天，少于 30 天：将提醒办公室" in page and "征集期过短" in page
    assert HOSTILE not in page and "&lt;script&gt;" in page
    [doc] = cli(app, "consult", "list", "--json")
    assert (doc["window_days"], doc["short"], doc["feedback_due"]) == (17, True, "2026-10-28")
    # the register makes no alerts: the daemon's next sweep tells the office, still before
    # the window opens
    with app.session() as session:
        assert list(session.scalars(select(Alert))) == []
    sweep(app)
    with app.session() as session:
        assert [a.kind for a in session.scalars(select(Alert))] == ["consultation_short"]

    # the 采纳情况: refused before comments close (nothing changed), then on time
    bad = post(client, "/consultations/1/feedback", {"at": "2026-10-08T18:00"}, "/consultations")
    assert bad.status_code == 303
    assert "早于征集截止 2026-10-08 24:00" in client.get("/consultations").get_data(as_text=True)
    assert cli(app, "consult", "list", "--json")[0]["feedback_at"] is None
    at(app, "2026-10-20T10:00")
    page = client.get("/consultations").get_data(as_text=True)
    assert "公布时间" in page and "采纳情况网址" in page  # every box of the form is labelled
    post(
        client,
        "/consultations/1/feedback",
        {"at": "2026-10-20T09:30", "url": "http://www.example.gov.cn/yjzj/fk1.html"},
        "/consultations",
    )
    [doc] = cli(app, "consult", "list", "--state", "all", "--json")
    assert doc["state"] == "done_on_time" and doc["feedback_at"] == "2026-10-20T09:30:00+08:00"
    assert "采纳情况已登记（按时公布）" in client.get("/consultations?state=all").get_data(
        as_text=True
    )
    with app.session() as session:
        actors = [h.actor for h in session.scalars(select(ConsultationHistory))]
    assert actors == ["web:editor", "web:editor"]


def test_bad_window_and_unknown_id_are_one_message(make_app) -> None:
    app = make_app(now="2026-09-14T10:00")
    client = client_as(web_for(app), "editor")
    form = {"title": "x", "opens": "2026-10-08", "closes": "2026-10-08"}
    post(client, "/consultations", form, "/consultations")
    assert "未登记：截止日期 2026-10-08 不晚于开始日期" in client.get("/consultations").get_data(
        as_text=True
    )
    post(client, "/consultations/7/feedback", {"at": "2026-10-20T09:30"}, "/consultations")
    assert "没有编号为 7 的意见征集" in client.get("/consultations").get_data(as_text=True)
    assert cli(app, "consult", "list", "--state", "all", "--json") == []


def test_viewers_read_but_cannot_post_and_posts_need_the_token(make_app) -> None:
    app = make_app(now="2026-09-14T10:00")
    web = web_for(app)
    viewer = client_as(web, "viewer")
    page = viewer.get("/consultations").get_data(as_text=True)
    assert "意见征集" in page and "add-consultation" not in page
    form = {"title": "x", "opens": "2026-09-20", "closes": "2026-10-20"}
    assert post(viewer, "/consultations", form, "/consultations").status_code == 403
    editor = client_as(web, "editor")
    assert editor.post("/consultations", data=form).status_code == 403  # no csrf_token
    assert web.test_client().get("/consultations").status_code == 303  # no session


def test_the_board_shows_open_consultations(make_app) -> None:
    app = make_app(now="2026-09-14T10:00")
    client = client_as(web_for(app), "editor")
    post(
        client,
        "/consultations",
        {"title": "城市绿化条例（征求意见稿）", "opens": "2026-09-20", "closes": "2026-10-20"},
        "/consultations",
    )
    post(
        client,
        "/consultations",
        {"title": "停车收费标准（征求意见稿）", "opens": "2026-09-21", "closes": "2026-10-08"},
        "/consultations",
    )
    board = client.get("/").get_data(as_text=True)
    assert "意见征集（未公布采纳情况 2 项）" in board
    assert "征集期过短（17 天）" in board
    at(app, "2026-11-09T10:00")  # 停车: overdue since 10-29; 绿化: due 11-10, at risk
    board = client.get("/").get_data(as_text=True)
    assert "采纳情况已超期 8 个工作日" in board and "采纳情况还剩 2 个工作日" in board
    assert "停车收费标准" not in client.get("/?state=at_risk").get_data(as_text=True)
    assert "意见征集" not in client.get("/?kind=reply").get_data(as_text=True).split("</nav>")[1]
