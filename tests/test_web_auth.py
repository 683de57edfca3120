"""docs/dashboard.md rules: login, sessions, CSRF, roles, throttling, headers, /healthz."""

from __future__ import annotations

from datetime import timedelta

import pytest

from monitor.app import fixed_clock
from tests.web_helpers import PASSWORD, client_as, login, post, token, web_for

PAGES = [
    "/",
    "/messages/1",
    "/watchlist",
    "/events",
    "/alerts",
    "/sources",
    "/calendar",
    "/disclosures",
    "/reports",
]


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def web(app):
    return web_for(app)


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_requests_are_sent_to_login_with_303(web, path):
    response = web.test_client().get(path)
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/login?next=")


def test_login_sets_a_signed_httponly_samesite_cookie_and_shows_the_board(web):
    client = web.test_client()
    response = login(client, "viewer")
    assert response.status_code == 303 and response.headers["Location"] == "/"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "om_session=" in cookie
    page = client.get("/").get_data(as_text=True)
    assert "待办留言" in page and "viewer（只读）" in page


def test_wrong_password_is_refused_in_chinese(web):
    response = login(web.test_client(), "editor", "wrong-password")
    assert response.status_code == 401
    assert "用户名或密码不正确" in response.get_data(as_text=True)


def test_login_redirects_only_to_local_paths(web):
    client = web.test_client()
    data = {"username": "viewer", "password": PASSWORD, "csrf_token": token(client)}
    assert client.post("/login", data={**data, "next": "/alerts"}).headers["Location"] == "/alerts"
    data["csrf_token"] = token(client)
    assert (
        client.post("/login", data={**data, "next": "//evil.example/"}).headers["Location"] == "/"
    )


def test_post_without_csrf_token_is_403(web):
    client = client_as(web, "editor")
    assert client.post("/logout").status_code == 403
    assert (
        client.post("/login", data={"username": "editor", "password": PASSWORD}).status_code == 403
    )
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 403


def test_a_forged_session_cookie_is_not_a_login(web):
    client = web.test_client()
    client.set_cookie("om_session", "eyJ1aWQiOjF9.forged.signature")
    assert client.get("/").status_code == 303


def test_viewer_may_log_out_but_not_edit(web):
    client = client_as(web, "viewer")
    response = post(client, "/logout")
    assert response.status_code == 303
    assert client.get("/").status_code == 303  # logged out


def test_five_failures_within_five_minutes_make_the_name_wait_five_minutes(app, web):
    client = web.test_client()
    for _ in range(5):
        assert login(client, "editor", "nope-nope").status_code == 401
    blocked = login(client, "editor")  # even the right password waits
    assert blocked.status_code == 429
    assert "5 分钟" in blocked.get_data(as_text=True)
    assert login(client, "viewer").status_code == 303  # another name is not affected
    app.clock = fixed_clock(app.now() + timedelta(minutes=5, seconds=1))
    assert login(client, "editor").status_code == 303


def test_failures_spread_over_more_than_five_minutes_do_not_block(app, web):
    client = web.test_client()
    start = app.now()
    for minute in (0, 2, 4, 6, 8, 10):
        app.clock = fixed_clock(start + timedelta(minutes=minute))
        assert login(client, "editor", "nope-nope").status_code == 401
    assert login(client, "editor").status_code == 303


def test_a_password_change_or_removal_ends_open_sessions(app, web):
    from monitor.web.accounts import remove_user, set_password

    client = client_as(web, "editor")
    assert client.get("/").status_code == 200
    with app.session() as session:
        set_password(session, "editor", "another-password", app.now())
    assert client.get("/").status_code == 303
    other = client_as(web, "viewer")
    with app.session() as session:
        remove_user(session, "viewer")
    assert other.get("/").status_code == 303


def test_every_response_carries_csp_and_frame_options(web):
    client = web.test_client()
    for response in (
        client.get("/login"),
        client.get("/"),
        client.get("/healthz"),
        client.get("/static/style.css"),
        client.get("/nowhere"),
    ):
        assert response.headers["Content-Security-Policy"] == "default-src 'self'"
        assert response.headers["X-Frame-Options"] == "DENY"


def test_healthz_needs_no_login(web):
    response = web.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"ok": True, "db": "ok", "daemon": False}


def test_healthz_says_503_when_the_database_fails(app, web, tmp_path):
    from sqlalchemy import text

    with app.session() as session:
        session.execute(text("DROP TABLE meta"))  # the daemon's heartbeat table is gone
    response = web.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["ok"] is False


def test_assets_are_served_by_the_package(web):
    client = web.test_client()
    page = client_as(web, "viewer").get("/").get_data(as_text=True)
    assert "http://" not in page.split("<body")[0] and "https://" not in page.split("<body")[0]
    assert client.get("/static/style.css").status_code == 200
    assert client.get("/static/live.js").status_code == 200
