"""Dashboard accounts: names, roles and argon2id password hashes (`user add|list|passwd|remove`).

The CLI and the login form both go through these functions; a password never leaves this
module except as a hash."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from monitor.db.models import WebUser
from monitor.errors import MonitorError, NotFound
from monitor.hints import command
from monitor.timeutil import iso

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

ROLES = ("viewer", "editor", "admin")
ROLE_ZH = {"viewer": "只读", "editor": "编辑", "admin": "管理员"}
MIN_PASSWORD = 8
MAX_NAME = 100  # characters of an account name
_NAME = re.compile(rf"^[^\s/\\:]{{1,{MAX_NAME}}}$")
_hasher: Any = None


def hasher() -> Any:
    """argon2id with the library's defaults (memory-hard: 64 MiB, 3 passes)."""
    global _hasher
    if _hasher is None:
        from argon2 import PasswordHasher

        _hasher = PasswordHasher()
    return _hasher


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise MonitorError(f"密码太短：至少 {MIN_PASSWORD} 个字符")
    return str(hasher().hash(password))


def check_name(name: str) -> str:
    name = name.strip()
    if not _NAME.match(name):
        raise MonitorError(
            f"用户名 {name[:MAX_NAME]!r} 无效：1 到 {MAX_NAME} 个字符，不含空格、'/'、'\\' 或 ':'"
        )
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise MonitorError(f"角色 {role!r} 无效：应为 {', '.join(ROLES)} 之一")
    return role


def get_user(session: Session, name: str) -> WebUser | None:
    from sqlalchemy import select

    return session.scalars(select(WebUser).where(WebUser.name == name)).first()


def add_user(session: Session, name: str, role: str, password: str, now: datetime) -> WebUser:
    name, role = check_name(name), check_role(role)
    if get_user(session, name) is not None:
        raise MonitorError(f"账号 {name!r} 已存在（修改密码请用 `{command('user passwd')}`）")
    user = WebUser(
        name=name, role=role, password_hash=hash_password(password), created_at=now, updated_at=now
    )
    session.add(user)
    session.flush()
    return user


def _existing(session: Session, name: str) -> WebUser:
    user = get_user(session, name)
    if user is None:
        raise NotFound(f"没有名为 {name!r} 的账号（见 `{command('user list')}`）")
    return user


def set_password(session: Session, name: str, password: str, now: datetime) -> WebUser:
    """A new password also ends the user's open sessions (they carry the old hash's stamp)."""
    user = _existing(session, name)
    user.password_hash, user.updated_at = hash_password(password), now
    return user


def set_role(session: Session, name: str, role: str, now: datetime) -> WebUser:
    user = _existing(session, name)
    user.role, user.updated_at = check_role(role), now
    return user


def remove_user(session: Session, name: str) -> None:
    session.delete(_existing(session, name))


def list_users(session: Session) -> list[dict[str, Any]]:
    from sqlalchemy import select

    return [
        {
            "name": u.name,
            "role": u.role,
            "created_at": iso(u.created_at),
            "updated_at": iso(u.updated_at),
        }
        for u in session.scalars(select(WebUser).order_by(WebUser.name))
    ]


# a real hash to verify against when the name is unknown, so both answers take as long
_DUMMY: list[str] = []


def authenticate(session: Session, name: str, password: str) -> WebUser | None:
    """The user when the password is right, else None (same work for unknown names)."""
    from argon2.exceptions import InvalidHashError, VerificationError

    user = get_user(session, name.strip())
    if user is None:
        if not _DUMMY:
            _DUMMY.append(hasher().hash("not-a-password"))
        try:
            hasher().verify(_DUMMY[0], password)
        except VerificationError:
            pass
        return None
    try:
        hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hasher().hash(password)
    return user


def session_stamp(user: WebUser) -> str:
    """Changes with the password: a session signed before `passwd` is no longer valid."""
    import hashlib

    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]
