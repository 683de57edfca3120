"""crawl schema changes (owned by the crawl area; no-op until it needs one)

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
from monitor.db.models import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
