"""watch: a per-row "scanned" flag on news items and messages (a high-water mark on ids can
skip a row whose transaction commits late on PostgreSQL), and indexes for the recent-news
clustering window and hot terms by period

Revision ID: 0003
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("news_items", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("watch_scanned", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index("ix_news_items_watch_scanned", ["watch_scanned"], unique=False)
        batch_op.create_index("ix_news_items_first_seen", ["first_seen"], unique=False)
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("watch_scanned", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index("ix_messages_watch_scanned", ["watch_scanned"], unique=False)
    with op.batch_alter_table("watch_hits", schema=None) as batch_op:
        batch_op.create_index("ix_watch_hits_found_at", ["found_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("watch_hits", schema=None) as batch_op:
        batch_op.drop_index("ix_watch_hits_found_at")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_watch_scanned")
        batch_op.drop_column("watch_scanned")
    with op.batch_alter_table("news_items", schema=None) as batch_op:
        batch_op.drop_index("ix_news_items_first_seen")
        batch_op.drop_index("ix_news_items_watch_scanned")
        batch_op.drop_column("watch_scanned")
