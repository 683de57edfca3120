"""crawl evidence: a list's last page, a source's warning, a message's first absence

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from monitor.db.models import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.add_column(sa.Column("last_page", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("warning", sa.Text(), nullable=True))
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("absent_since", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("absent_since")
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("warning")
        batch.drop_column("last_page")
