"""Whether the configured database exists: only `init` creates one.

A changed `database` line must not make the next command quietly start an empty database
(the office would think its watchlist and messages were lost), so every other command
refuses, naming the path and `opinion-monitor init` (exit 5)."""

from __future__ import annotations

from pathlib import Path

from monitor.db.engine import DatabaseError


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL, None for another database or an in-memory one."""
    if not url.startswith("sqlite"):
        return None
    path = url.split("///", 1)[-1].split("?", 1)[0]
    return None if not path or path == ":memory:" else Path(path)


def require_database(url: str) -> None:
    """DatabaseError (exit 5) unless the database at `url` was created by `init`."""
    path = sqlite_path(url)
    if path is not None:
        if not path.exists():
            raise DatabaseError(f"数据库 {path} 不存在：请先运行 opinion-monitor init 创建"
                                "（或改正 monitor.toml 中 database 一行）")
        return
    if url.startswith("sqlite"):
        return
    from sqlalchemy import inspect
    from sqlalchemy.exc import OperationalError

    from monitor.db.engine import make_engine

    engine = make_engine(url)
    try:
        created = inspect(engine).has_table("alembic_version")
    except OperationalError as exc:
        raise DatabaseError(f"无法打开数据库 {engine.url.render_as_string(hide_password=True)}："
                            f"{exc.orig}") from None
    finally:
        engine.dispose()
    if not created:
        raise DatabaseError(f"数据库 {engine.url.render_as_string(hide_password=True)} 中没有"
                            "本系统的数据表：请先运行 opinion-monitor init")
