"""portals as they are: a source's backfill, rows pending their detail page (docs/site-profiles.md)

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

from monitor.db.models import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.add_column(sa.Column("backfill_since", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("backfill_pages", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("backfill_reached", UTCDateTime(), nullable=True))
    op.create_table(
        "pending_rows",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("external_id", sa.String(200), nullable=False),
        sa.Column("row", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("first_seen", UTCDateTime(), nullable=False),
        sa.Column("last_tried", UTCDateTime(), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.UniqueConstraint("source", "external_id", name="uq_pending_rows_source_external_id"),
    )
    op.create_index("ix_pending_rows_source", "pending_rows", ["source"])


def downgrade() -> None:
    op.drop_index("ix_pending_rows_source", table_name="pending_rows")
    op.drop_table("pending_rows")
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("backfill_reached")
        batch.drop_column("backfill_pages")
        batch.drop_column("backfill_since")
