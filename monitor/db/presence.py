"""Whether the configured database exists: only `init` creates one.

A changed `database` line must not make the next command quietly start an empty database
(the office would think its watchlist and messages were lost), so every other command
refuses, naming the path and `opinion-monitor init` (exit 5)."""

from __future__ import annotations

from monitor.db.engine import DatabaseError, explain, make_engine, sqlite_path
from monitor.hints import command


def require_database(url: str) -> None:
    """DatabaseError (exit 5) unless the database at `url` was created by `init`."""
    path = sqlite_path(url)
    if path is not None:
        if not path.exists():
            raise DatabaseError(
                f"数据库 {path} 不存在：请先运行 {command('init')} 创建"
                "（或改正 monitor.toml 中 database 一行）"
            )
        return
    if url.startswith("sqlite"):
        return
    from sqlalchemy import inspect
    from sqlalchemy.exc import OperationalError

    engine = make_engine(url)
    try:
        created = inspect(engine).has_table("alembic_version")
    except OperationalError as exc:
        raise DatabaseError(explain(url, exc)) from None
    finally:
        engine.dispose()
    if not created:
        raise DatabaseError(
            f"数据库 {engine.url.render_as_string(hide_password=True)} 中没有"
            f"本系统的数据表：请先运行 {command('init')}"
        )
