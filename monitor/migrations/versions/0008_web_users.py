"""web: dashboard accounts (docs/dashboard.md), who acknowledged an alert, the board's indexes

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

from monitor.db.models import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("name"),
    )
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("acked_by", sa.String(100), nullable=True))
        batch.add_column(sa.Column("acked_at", UTCDateTime(), nullable=True))
    op.create_index("ix_messages_state_department", "messages", ["state", "department"])
    op.create_index("ix_messages_provisional_state", "messages", ["provisional", "state"])


def downgrade() -> None:
    op.drop_index("ix_messages_provisional_state", table_name="messages")
    op.drop_index("ix_messages_state_department", table_name="messages")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("acked_at")
        batch.drop_column("acked_by")
    op.drop_table("web_users")
