"""alerts schema changes (owned by the alerts area; no-op until it needs one)

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa
from monitor.db.models import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
