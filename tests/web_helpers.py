"""Shared pieces of the dashboard tests: an app with three accounts, a logged-in client."""

from __future__ import annotations

import re
from typing import Any

from monitor.app import App

PASSWORD = "correct-horse-1"
ROLES = ("viewer", "editor", "admin")


def web_for(app: App) -> Any:
    """The Flask app on `app`'s database with one user per role (named as the role)."""
    from argon2 import PasswordHasher

    from monitor.web import accounts, create_app
    from monitor.web.accounts import add_user

    # the tests check the rules, not the KDF's cost: a light argon2id keeps them quick
    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

    with app.session() as session:
        for role in ROLES:
            add_user(session, role, role, PASSWORD, app.now())
    web = create_app(app, b"x" * 64)
    web.testing = True
    return web


def token(client: Any, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, f"no csrf_token on {path}"
    return found.group(1)


def login(client: Any, name: str, password: str = PASSWORD) -> Any:
    return client.post(
        "/login", data={"username": name, "password": password, "csrf_token": token(client)}
    )


def client_as(web: Any, role: str) -> Any:
    client = web.test_client()
    response = login(client, role)
    assert response.status_code == 303, response.get_data(as_text=True)
    return client


def post(client: Any, path: str, data: dict[str, Any] | None = None, page: str = "/") -> Any:
    """A form POST with the session's CSRF token (read from `page`)."""
    return client.post(path, data={**(data or {}), "csrf_token": token(client, page)})
