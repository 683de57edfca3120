"""The Alembic migrations build exactly the schema the models describe, and go down and up."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from monitor.db.engine import alembic_config, current_revision, head_revision, make_engine, upgrade
from monitor.db.models import Base


def test_migrated_schema_matches_the_models(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    assert upgrade(engine) is True
    assert current_revision(engine) == head_revision(engine)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"
    assert upgrade(engine) is False  # already at head: nothing to do


def test_downgrade_to_base_and_up_again(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine)
    command.downgrade(alembic_config(engine), "base")
    assert current_revision(engine) is None
    assert upgrade(engine) is True


def test_a_database_from_a_newer_version_is_one_clear_error(tmp_path: Path) -> None:
    import pytest
    from sqlalchemy import text

    from monitor.db.engine import DatabaseError

    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    with pytest.raises(
        DatabaseError, match="数据库结构版本为 '0099'，本版本的 opinion-monitor 不认识"
    ):
        upgrade(engine)
