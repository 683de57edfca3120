"""Alembic environment: the engine comes from the caller (monitor.db.engine.upgrade)."""

from alembic import context

from monitor.db.models import Base

target_metadata = Base.metadata
engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite's ALTER is limited
    )
    context.run_migrations()
