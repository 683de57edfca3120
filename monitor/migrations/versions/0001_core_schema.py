"""core schema

Revision ID: 0001
Revises:
Create Date: 2026-11-26 12:05:29.492377
"""

import sqlalchemy as sa
from alembic import op

from monitor.db.models import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=False),
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("crisis", sa.Boolean(), nullable=False),
        sa.Column("department", sa.String(length=200), nullable=True),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=100), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("subject", "stage", name="uq_alert_subject_stage"),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index("ix_alerts_status_next", ["status", "next_attempt_at"], unique=False)

    op.create_table(
        "crawl_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("new", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("stats", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_crawl_runs_source"), ["source"], unique=False)

    op.create_table(
        "crisis_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("level", sa.String(length=30), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("declared_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("author", sa.String(length=200), nullable=True),
        sa.Column("category", sa.String(length=100), nullable=True),
        sa.Column("posted_at", UTCDateTime(), nullable=False),
        sa.Column("department", sa.String(length=200), nullable=True),
        sa.Column("status_text", sa.String(length=100), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("deadline", UTCDateTime(), nullable=False),
        sa.Column("first_warning_at", UTCDateTime(), nullable=True),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("extension_days", sa.Integer(), nullable=False),
        sa.Column("replied_at", UTCDateTime(), nullable=True),
        sa.Column("replied_at_approx", sa.Boolean(), nullable=False),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("reply_department", sa.String(length=200), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("first_seen", UTCDateTime(), nullable=False),
        sa.Column("last_seen", UTCDateTime(), nullable=False),
        sa.Column("missed_passes", sa.Integer(), nullable=False),
        sa.Column("state_changed_at", UTCDateTime(), nullable=True),
        sa.Column("alerted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "external_id", name="uq_messages_source_external_id"),
    )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_messages_department"), ["department"], unique=False)
        batch_op.create_index(batch_op.f("ix_messages_source"), ["source"], unique=False)
        batch_op.create_index("ix_messages_state_deadline", ["state", "deadline"], unique=False)
        batch_op.create_index(
            "ix_messages_state_first_warning", ["state", "first_warning_at"], unique=False
        )

    op.create_table(
        "meta",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "news_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("outlet", sa.String(length=200), nullable=True),
        sa.Column("published_at", UTCDateTime(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("simhash", sa.BigInteger(), nullable=True),
        sa.Column("cluster", sa.Integer(), nullable=True),
        sa.Column("first_seen", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("url", "content_hash", name="uq_news_url_hash"),
    )
    with op.batch_alter_table("news_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_news_items_cluster"), ["cluster"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_news_items_published_at"), ["published_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_news_items_source"), ["source"], unique=False)

    op.create_table(
        "sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("healthy", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("last_success", UTCDateTime(), nullable=True),
        sa.Column("last_error", UTCDateTime(), nullable=True),
        sa.Column("last_error_text", sa.Text(), nullable=True),
        sa.Column("last_rows", sa.Integer(), nullable=True),
        sa.Column("usual_body_size", sa.Integer(), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "watch_hits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=False),
        sa.Column("term", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("found_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("subject", "term", name="uq_hit_subject_term"),
    )
    with op.batch_alter_table("watch_hits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_watch_hits_subject"), ["subject"], unique=False)

    op.create_table(
        "watch_term_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("watch_term_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_watch_term_history_term"), ["term"], unique=False)

    op.create_table(
        "watch_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=True),
        sa.Column("exclude", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("term"),
    )
    op.create_table(
        "crisis_milestones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=30), nullable=False),
        sa.Column("deadline", UTCDateTime(), nullable=False),
        sa.Column("done_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["event_id"], ["crisis_events.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", "name", name="uq_milestone_event_name"),
    )
    with op.batch_alter_table("crisis_milestones", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_crisis_milestones_deadline"), ["deadline"], unique=False
        )

    op.create_table(
        "deadline_stages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("milestone_id", sa.Integer(), nullable=True),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("fired", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["milestone_id"], ["crisis_milestones.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id", "milestone_id", "stage", name="uq_stage_owner_stage"),
    )
    with op.batch_alter_table("deadline_stages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_deadline_stages_message_id"), ["message_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_deadline_stages_milestone_id"), ["milestone_id"], unique=False
        )
        batch_op.create_index("ix_stages_fired_at", ["fired", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("deadline_stages", schema=None) as batch_op:
        batch_op.drop_index("ix_stages_fired_at")
        batch_op.drop_index(batch_op.f("ix_deadline_stages_milestone_id"))
        batch_op.drop_index(batch_op.f("ix_deadline_stages_message_id"))

    op.drop_table("deadline_stages")
    with op.batch_alter_table("crisis_milestones", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_crisis_milestones_deadline"))

    op.drop_table("crisis_milestones")
    op.drop_table("watch_terms")
    with op.batch_alter_table("watch_term_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_watch_term_history_term"))

    op.drop_table("watch_term_history")
    with op.batch_alter_table("watch_hits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_watch_hits_subject"))

    op.drop_table("watch_hits")
    op.drop_table("sources")
    with op.batch_alter_table("news_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_news_items_source"))
        batch_op.drop_index(batch_op.f("ix_news_items_published_at"))
        batch_op.drop_index(batch_op.f("ix_news_items_cluster"))

    op.drop_table("news_items")
    op.drop_table("meta")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_state_first_warning")
        batch_op.drop_index("ix_messages_state_deadline")
        batch_op.drop_index(batch_op.f("ix_messages_source"))
        batch_op.drop_index(batch_op.f("ix_messages_department"))

    op.drop_table("messages")
    op.drop_table("crisis_events")
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_crawl_runs_source"))

    op.drop_table("crawl_runs")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_status_next")

    op.drop_table("alerts")
