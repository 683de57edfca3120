"""gov-annual: what the national annual report needs (docs/disclosure-and-reports.md): the applicant's type and the
outcome's numbered reason on each request, the 补正 period given to the applicant, 行政复议 /
行政诉讼 cases, and one row per year for table 二, the 结转 snapshot and publication.

Existing requests become 自然人 with no reason: the annual report marks the cells that rest on
them instead of guessing.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

from monitor.db.models import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("disclosure_requests") as batch:
        batch.add_column(
            sa.Column("applicant_type", sa.String(20), nullable=False, server_default="自然人")
        )
        batch.add_column(sa.Column("reason", sa.String(100), nullable=True))
        batch.add_column(sa.Column("correction_until", sa.Date(), nullable=True))
    op.create_table(
        "disclosure_reviews",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "request_id",
            sa.Integer(),
            sa.ForeignKey("disclosure_requests.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("result", sa.String(20), nullable=False),
        sa.Column("filed_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("request_id", "kind", name="uq_disclosure_review_kind"),
    )
    op.create_index("ix_disclosure_reviews_request_id", "disclosure_reviews", ["request_id"])
    op.create_index("ix_disclosure_reviews_filed_at", "disclosure_reviews", ["filed_at"])
    op.create_table(
        "gov_annual_reports",
        sa.Column("year", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("table2", sa.JSON(), nullable=True),
        sa.Column("table2_updated_at", UTCDateTime(), nullable=True),
        sa.Column("table2_updated_by", sa.String(100), nullable=True),
        sa.Column("carried_out", sa.JSON(), nullable=True),
        sa.Column("produced_at", UTCDateTime(), nullable=True),
        sa.Column("produced_by", sa.String(100), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("published_by", sa.String(100), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("gov_annual_reports")
    op.drop_table("disclosure_reviews")
    with op.batch_alter_table("disclosure_requests") as batch:
        batch.drop_column("correction_until")
        batch.drop_column("reason")
        batch.drop_column("applicant_type")
