"""disclosure: 依申请公开 requests, their 征求意见 pauses, alert stages and history (docs/disclosure-and-reports.md)

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

from monitor.db.models import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _request_fk() -> sa.Column:
    return sa.Column(
        "request_id",
        sa.Integer(),
        sa.ForeignKey("disclosure_requests.id", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "disclosure_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("applicant", sa.String(200), nullable=True),
        sa.Column("contact", sa.String(200), nullable=True),
        sa.Column("channel", sa.String(20), nullable=True),
        sa.Column("department", sa.String(200), nullable=True),
        sa.Column("first_received_at", UTCDateTime(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("correction_due", sa.Date(), nullable=False),
        sa.Column("correction_asked_at", UTCDateTime(), nullable=True),
        sa.Column("corrected_at", UTCDateTime(), nullable=True),
        sa.Column("extension_days", sa.Integer(), nullable=False),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column("extended_at", UTCDateTime(), nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("deadline", UTCDateTime(), nullable=False),
        sa.Column("first_warning_at", UTCDateTime(), nullable=True),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=True),
        sa.Column("done_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_disclosure_requests_department", "disclosure_requests", ["department"])
    op.create_index("ix_disclosure_requests_done_at", "disclosure_requests", ["done_at"])
    op.create_index(
        "ix_disclosure_requests_first_received_at", "disclosure_requests", ["first_received_at"]
    )
    op.create_index("ix_disclosure_state_deadline", "disclosure_requests", ["state", "deadline"])
    op.create_index(
        "ix_disclosure_state_first_warning", "disclosure_requests", ["state", "first_warning_at"]
    )
    op.create_table(
        "disclosure_history",
        sa.Column("id", sa.Integer(), primary_key=True),
        _request_fk(),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=True),
    )
    op.create_index("ix_disclosure_history_request_id", "disclosure_history", ["request_id"])
    op.create_table(
        "disclosure_pauses",
        sa.Column("id", sa.Integer(), primary_key=True),
        _request_fk(),
        sa.Column("paused_at", UTCDateTime(), nullable=False),
        sa.Column("resumed_at", UTCDateTime(), nullable=True),
        sa.Column("working_days", sa.Integer(), nullable=True),
    )
    op.create_index("ix_disclosure_pauses_request_id", "disclosure_pauses", ["request_id"])
    op.create_table(
        "disclosure_stages",
        sa.Column("id", sa.Integer(), primary_key=True),
        _request_fk(),
        sa.Column("stage", sa.String(40), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("fired", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("request_id", "stage", name="uq_disclosure_stage"),
    )
    op.create_index("ix_disclosure_stages_fired_at", "disclosure_stages", ["fired", "at"])
    op.create_index("ix_disclosure_stages_request_id", "disclosure_stages", ["request_id"])


def downgrade() -> None:
    op.drop_table("disclosure_stages")
    op.drop_table("disclosure_pauses")
    op.drop_table("disclosure_history")
    op.drop_table("disclosure_requests")
