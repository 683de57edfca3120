"""reply quality: the checker's verdict per message reply and the editor's mark (docs/reply-quality.md)

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

from monitor.db.models import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reply_verdicts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "message_id",
            sa.Integer(),
            sa.ForeignKey("messages.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("reply_hash", sa.String(64), nullable=False),
        sa.Column("perfunctory", sa.Boolean(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("checked_at", UTCDateTime(), nullable=False),
        sa.Column("mark", sa.String(20), nullable=True),
        sa.Column("marked_by", sa.String(100), nullable=True),
        sa.Column("marked_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("message_id"),
    )
    op.create_index("ix_reply_verdicts_checked_at", "reply_verdicts", ["checked_at"])


def downgrade() -> None:
    op.drop_index("ix_reply_verdicts_checked_at", table_name="reply_verdicts")
    op.drop_table("reply_verdicts")
