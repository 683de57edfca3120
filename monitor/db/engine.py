"""Engine and sessions: SQLite (WAL, busy timeout, foreign keys) or PostgreSQL by URL, and
Alembic migrations run programmatically (`init`, and on start-up when the schema is behind)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from monitor.errors import MonitorError

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
BUSY_TIMEOUT_MS = 15_000


class DatabaseError(MonitorError):
    exit_code = 5


def make_engine(url: str) -> Engine:
    """An engine for `url`; for SQLite the folder is created and WAL mode switched on."""
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_MS / 1000}
    try:
        engine = create_engine(url, **kwargs)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise DatabaseError(f"数据库地址 {url!r} 无效：{exc}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the CLI read while the daemon writes; the busy timeout rides out short locks.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision(engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> bool:
    """Run migrations up to head. Returns True when anything was applied."""
    from alembic import command
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    try:
        current = current_revision(engine)
        if current == head_revision(engine):
            return False
        script = ScriptDirectory.from_config(alembic_config(engine))
        if current is not None and current not in {r.revision for r in script.walk_revisions()}:
            raise DatabaseError(
                f"{engine.url.render_as_string(hide_password=True)}：数据库结构版本为 {current!r}，"
                "本版本的 opinion-monitor 不认识（由更新的版本写入）：请安装该版本，或恢复备份")
        command.upgrade(alembic_config(engine), "head")
    except OperationalError as exc:
        raise DatabaseError(f"无法迁移数据库：{exc.orig}") from None
    except CommandError as exc:
        raise DatabaseError(f"无法迁移数据库：{exc}") from None
    return True


def open_database(url: str, migrate: bool = True) -> sessionmaker[Session]:
    """A session factory on an up-to-date schema (migrating when behind, as on start-up)."""
    engine = make_engine(url)
    try:
        if migrate:
            upgrade(engine)
        elif not inspect(engine).has_table("messages"):
            raise DatabaseError(f"{url}：这里没有 opinion-monitor 的数据库；请运行 opinion-monitor init")
    except OperationalError as exc:
        raise DatabaseError(f"无法打开数据库 {url}：{exc.orig}") from None
    return sessionmaker(engine, expire_on_commit=False)
