"""Storage: SQLAlchemy 2 models, engine set-up and Alembic migrations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from sqlalchemy.engine import CursorResult


def rowcount(result: Any) -> int:
    """Rows an UPDATE or DELETE matched. `Session.execute` is typed as returning `Result`;
    for those statements it is a `CursorResult`, which has the count."""
    return cast("CursorResult[Any]", result).rowcount
