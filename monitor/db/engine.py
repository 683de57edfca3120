"""Engine and sessions: SQLite (WAL, busy timeout, foreign keys) or PostgreSQL by URL, and
Alembic migrations run programmatically (`init`, and on start-up when the schema is behind).

A database that cannot be used (PostgreSQL unreachable, a full or read-only disk, a read-only
file) is a DatabaseError with one Chinese line saying which and what to do (`explain`), never
a traceback; URLs in it have their password hidden. A new SQLite file is created 0600: it
holds citizens' unmasked messages."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from monitor.errors import MonitorError
from monitor.hints import command
from monitor.redact import hide_passwords

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
BUSY_TIMEOUT_MS = 15_000


DATABASE_MODE = 0o600  # the database holds citizens' unmasked messages
LOW_SPACE = 1024 * 1024  # bytes free below which a failing write is put down to a full disk


class DatabaseError(MonitorError):
    exit_code = 5


def safe_url(url: str) -> str:
    """The URL as it may be shown: its password hidden."""

    return hide_passwords(url)


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for PostgreSQL and in-memory databases)."""
    if not url.startswith("sqlite"):
        return None
    path = url.split("///", 1)[-1].split("?", 1)[0]
    if not path or ":memory:" in path:
        return None
    return Path(path)


def _create_private(path: Path) -> None:
    """Create the SQLite file 0600 before SQLite does (it would use the umask, often 0644);
    SQLite gives its -wal and -shm files the database file's mode."""
    if path.exists():
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, DATABASE_MODE))
    except FileExistsError:
        pass
    except OSError as exc:
        raise DatabaseError(explain(f"sqlite:///{path}", exc)) from None


def make_engine(url: str) -> Engine:
    """An engine for `url`; for SQLite the folder and file are created and WAL mode switched on."""
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        if path is not None:
            _create_private(path)
        kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_MS / 1000}
    try:
        engine = create_engine(url, **kwargs)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise DatabaseError(f"数据库地址无效：{safe_url(url)}：{safe_url(str(exc))}") from None
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
                "本版本的 opinion-monitor 不认识（由更新的版本写入）：请安装该版本，或恢复备份"
            )
        command.upgrade(alembic_config(engine), "head")
    except OperationalError as exc:
        raise DatabaseError(explain(str(engine.url), exc)) from None
    except CommandError as exc:
        raise DatabaseError(f"无法迁移数据库结构（{safe_url(str(engine.url))}）：{exc}") from None
    return True


def open_database(url: str, migrate: bool = True) -> sessionmaker[Session]:
    """A session factory on an up-to-date schema (migrating when behind, as on start-up)."""
    engine = make_engine(url)
    try:
        if migrate:
            upgrade(engine)
        elif not inspect(engine).has_table("messages"):
            raise DatabaseError(
                f"{safe_url(url)}：这里没有 opinion-monitor 的数据库；请运行 {command('init')}"
            )
    except OperationalError as exc:
        raise DatabaseError(explain(url, exc)) from None
    return sessionmaker(engine, expire_on_commit=False)


# ---------------------------------------------------------------------------------------
# why a database cannot be used, in one line


def is_unavailable(exc: BaseException) -> bool:
    """An error that says the database cannot be reached or written (not a bug): worth a
    retry with backoff in the daemon, one line at the command line."""
    from sqlalchemy.exc import DBAPIError

    if isinstance(exc, DatabaseError):
        return True
    if isinstance(exc, DBAPIError):
        return isinstance(exc, OperationalError) or bool(
            getattr(exc, "connection_invalidated", False)
        )
    return isinstance(exc, OSError) and exc.errno in (
        errno.ENOSPC,
        errno.EROFS,
        errno.EACCES,
        errno.EPERM,
        errno.EIO,
        errno.EDQUOT,
    )


def _free_bytes(folder: Path) -> int | None:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def _writable(path: Path) -> bool:
    # access(2) also says no for an immutable file or a read-only mount, even to root
    return os.access(path, os.W_OK)


def explain(url: str, exc: BaseException) -> str:
    """One Chinese line: what is wrong with the database and what to do (password hidden)."""
    if isinstance(exc, DatabaseError):
        return str(exc)  # already explained
    orig = getattr(exc, "orig", None) or exc
    detail = " ".join(str(orig).split())[:300]
    code = getattr(orig, "errno", None)
    path = sqlite_path(url)
    if path is not None:
        folder = path.parent
        free = _free_bytes(folder) if folder.exists() else None
        lowered = detail.lower()
        if (
            code == errno.ENOSPC
            or "disk is full" in lowered
            or (free is not None and free < LOW_SPACE)
        ):
            return (
                f"数据库所在磁盘已满：{folder} 剩余 {free if free is not None else 0} 字节，"
                f"无法写入 {path.name}；请清理磁盘空间（{detail}）"
            )
        if code == errno.EROFS or "read-only file system" in lowered:
            return f"数据库所在磁盘为只读挂载：{folder}；请以读写方式挂载（{detail}）"
        if not folder.exists():
            return f"数据库目录不存在且无法创建：{folder}（{detail}）"
        if not _writable(folder):
            return (
                f"数据库目录不可写：{folder}；请检查目录权限、属性（chattr）或挂载方式（{detail}）"
            )
        if path.exists() and not _writable(path):
            return f"数据库文件只读：{path}；请检查文件权限或属性（chattr）（{detail}）"
        if "readonly" in lowered or code in (errno.EACCES, errno.EPERM):
            return f"数据库文件不可写：{path}；请检查文件及其 -wal/-shm 文件的权限（{detail}）"
        if "unable to open" in lowered:
            return f"无法打开数据库文件：{path}（{detail}）"
        if "locked" in lowered or "busy" in lowered:
            return f"数据库被占用（锁等待超时）：{path}；请稍后重试（{detail}）"
        return f"数据库读写失败：{path}（{detail}）"
    where = safe_url(url)
    if url.startswith("postgresql"):
        return (
            f"无法连接 PostgreSQL 数据库 {where}：请确认数据库服务已启动、地址和端口正确"
            f"（{safe_url(detail)}）"
        )
    return f"数据库不可用：{where}（{safe_url(detail)}）"
