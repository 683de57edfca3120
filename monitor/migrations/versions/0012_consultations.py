"""consultations: 意见征集 windows, their 采纳情况 clock's alert stages and history (docs/consultations.md)

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

from monitor.db.models import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _owner() -> sa.Column:
    return sa.Column(
        "consultation_id",
        sa.Integer(),
        sa.ForeignKey("consultations.id", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "consultations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("department", sa.String(200), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("source", sa.String(100), nullable=True),
        sa.Column("external_id", sa.String(200), nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=True),
        sa.Column("opens_at", UTCDateTime(), nullable=False),
        sa.Column("closes_at", UTCDateTime(), nullable=False),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("min_days", sa.Integer(), nullable=False),
        sa.Column("short", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("deadline", UTCDateTime(), nullable=False),
        sa.Column("first_warning_at", UTCDateTime(), nullable=True),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("feedback_at", UTCDateTime(), nullable=True),
        sa.Column("feedback_url", sa.Text(), nullable=True),
        sa.Column("feedback_approx", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("source", "external_id", name="uq_consultations_source_external_id"),
    )
    op.create_index("ix_consultations_department", "consultations", ["department"])
    op.create_index("ix_consultations_opens_on", "consultations", ["opens_on"])
    op.create_index("ix_consultations_feedback_at", "consultations", ["feedback_at"])
    op.create_index("ix_consultations_state_deadline", "consultations", ["state", "deadline"])
    op.create_index(
        "ix_consultations_state_first_warning", "consultations", ["state", "first_warning_at"]
    )
    op.create_table(
        "consultation_stages",
        sa.Column("id", sa.Integer(), primary_key=True),
        _owner(),
        sa.Column("stage", sa.String(40), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("fired", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("consultation_id", "stage", name="uq_consultation_stage"),
    )
    op.create_index("ix_consultation_stages_fired_at", "consultation_stages", ["fired", "at"])
    op.create_index(
        "ix_consultation_stages_consultation_id", "consultation_stages", ["consultation_id"]
    )
    op.create_table(
        "consultation_history",
        sa.Column("id", sa.Integer(), primary_key=True),
        _owner(),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=True),
    )
    op.create_index(
        "ix_consultation_history_consultation_id", "consultation_history", ["consultation_id"]
    )


def downgrade() -> None:
    op.drop_table("consultation_history")
    op.drop_table("consultation_stages")
    op.drop_table("consultations")
