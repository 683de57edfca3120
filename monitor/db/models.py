"""The tables. Times are stored as naive UTC (`UTCDateTime` adds and strips the zone) so SQLite
and PostgreSQL compare them the same way; indexes sit on the columns the sweep filters on."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    and_,
    or_,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import ColumnElement, false

from monitor.replyquality.reasons import FALSE_POSITIVE


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out; stored naive UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"写入数据库的时间缺少时区：{value!r}（应先转换为 UTC）")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    pass


class Source(Base):
    """A configured source's health and history (the config says what to crawl)."""

    __tablename__ = "sources"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="messages")  # messages | news
    healthy: Mapped[bool] = mapped_column(Boolean, default=True)
    reason: Mapped[str | None] = mapped_column(Text)
    last_success: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error_text: Mapped[str | None] = mapped_column(Text)
    last_rows: Mapped[int | None] = mapped_column(Integer)  # rows on the last good first page
    usual_body_size: Mapped[int | None] = mapped_column(Integer)
    # the list's last page as the last complete pass knew it: a 404 or an empty page at or
    # before it is a bad page, not the end of the list
    last_page: Mapped[int | None] = mapped_column(Integer)
    # what the last crawl could not read right (a page in an unknown encoding), for `status`
    warning: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    # backfilling since (docs/site-profiles.md: the first pass or an incomplete one; None once a complete
    # pass reached the end of the list or backfill_days back), how deep its passes got and the
    # oldest message time they reached
    backfill_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    backfill_pages: Mapped[int | None] = mapped_column(Integer)
    backfill_reached: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PendingRow(Base):
    """A new list row that cannot be tracked yet: a field it needs (its time, its title) is
    only on its detail page, which could not be read. Kept and retried every pass, never
    dropped, never tracked on a guessed time (docs/site-profiles.md)."""

    __tablename__ = "pending_rows"
    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_pending_rows_source_external_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(100), index=True)
    external_id: Mapped[str] = mapped_column(String(200))
    row: Mapped[dict[str, Any]] = mapped_column(JSON)  # spiders.rows.MessageRow as a dict
    reason: Mapped[str | None] = mapped_column(Text)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    last_tried: Mapped[datetime] = mapped_column(UTCDateTime)
    tries: Mapped[int] = mapped_column(Integer, default=1)


class Message(Base):
    """A citizen's message tracked against its reply limit."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_messages_source_external_id"),
        Index("ix_messages_state_deadline", "state", "deadline"),
        Index("ix_messages_state_first_warning", "state", "first_warning_at"),
        # the dashboard's board: counts per department and state, index-only
        Index("ix_messages_state_department", "state", "department"),
        # "is any active deadline provisional?" (calendar gap banner, calendar_missing)
        Index("ix_messages_provisional_state", "provisional", "state"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(100), index=True)
    external_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="reply")  # reply | disclosure
    url: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(100))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    department: Mapped[str | None] = mapped_column(String(200), index=True)
    status_text: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(20), default="open")
    due_date: Mapped[date] = mapped_column(Date)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    first_warning_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    extension_days: Mapped[int] = mapped_column(Integer, default=0)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_at_approx: Mapped[bool] = mapped_column(Boolean, default=False)
    reply: Mapped[str | None] = mapped_column(Text)
    reply_department: Mapped[str | None] = mapped_column(String(200))
    content_hash: Mapped[str | None] = mapped_column(String(64))
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    missed_passes: Mapped[int] = mapped_column(Integer, default=0)
    # the first evidence that it left the portal (its page gone, or missing from a complete
    # pass); cleared when it is seen again (docs/site-profiles.md withdrawal)
    absent_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # an at-risk/overdue alert went out, so a later reply earns a reply_resolved alert
    alerted: Mapped[bool] = mapped_column(Boolean, default=False)
    # matched against the watchlist yet? (set False again to have a changed message rescanned)
    watch_scanned: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false(), index=True
    )


class CrisisEvent(Base):
    __tablename__ = "crisis_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(String(30))  # major | especially_major
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime)
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="event", order_by="Milestone.deadline", cascade="all, delete-orphan"
    )


class Milestone(Base):
    __tablename__ = "crisis_milestones"
    __table_args__ = (UniqueConstraint("event_id", "name", name="uq_milestone_event_name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("crisis_events.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(30))  # publish | press_conference
    deadline: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    event: Mapped[CrisisEvent] = relationship(back_populates="milestones")


class DeadlineStage(Base):
    """One alert stage of one deadline (message 12, "2wd", at …). The sweep turns due,
    unfired stages into alerts with one INSERT … SELECT, whatever the number of messages."""

    __tablename__ = "deadline_stages"
    __table_args__ = (
        UniqueConstraint("message_id", "milestone_id", "stage", name="uq_stage_owner_stage"),
        Index("ix_stages_fired_at", "fired", "at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    milestone_id: Mapped[int | None] = mapped_column(
        ForeignKey("crisis_milestones.id", ondelete="CASCADE"), index=True
    )
    stage: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    fired: Mapped[bool] = mapped_column(Boolean, default=False)


class WatchTerm(Base):
    __tablename__ = "watch_terms"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    term: Mapped[str] = mapped_column(String(200), unique=True)
    level: Mapped[str] = mapped_column(String(20), default="warning")  # info|warning|critical
    category: Mapped[str | None] = mapped_column(String(100))
    exclude: Mapped[list[str]] = mapped_column(JSON, default=list)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WatchTermHistory(Base):
    __tablename__ = "watch_term_history"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    term: Mapped[str] = mapped_column(String(200), index=True)
    action: Mapped[str] = mapped_column(String(20))  # add | update | remove | import
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class NewsItem(Base):
    __tablename__ = "news_items"
    __table_args__ = (UniqueConstraint("url", "content_hash", name="uq_news_url_hash"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(100), index=True)
    url: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str | None] = mapped_column(Text)
    outlet: Mapped[str | None] = mapped_column(String(200))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    simhash: Mapped[int | None] = mapped_column(BigInteger)
    cluster: Mapped[int | None] = mapped_column(Integer, index=True)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, index=True)  # recent, to cluster
    watch_scanned: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false(), index=True
    )  # matched against the watchlist yet?


class WatchHit(Base):
    __tablename__ = "watch_hits"
    __table_args__ = (UniqueConstraint("subject", "term", name="uq_hit_subject_term"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(String(100), index=True)  # news:ID | message:ID
    term: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(20))
    confidence: Mapped[float] = mapped_column(Float)
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)  # hot terms by day


class Alert(Base):
    """The outbox: an alert is a row before it is a message. (subject, stage) fires once."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("subject", "stage", name="uq_alert_subject_stage"),
        Index("ix_alerts_status_next", "status", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    subject: Mapped[str] = mapped_column(String(100))
    stage: Mapped[str] = mapped_column(String(40))
    crisis: Mapped[bool] = mapped_column(Boolean, default=False)
    department: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|sent|failed|acked
    channel: Mapped[str | None] = mapped_column(String(100))  # the channel(s) that delivered it
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # who holds the dispatch lease (next_attempt_at) on it: "daemon:PID@HOST" or "cli:PID@HOST";
    # a daemon that takes the lock releases a dead daemon's claims at start
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    acked_by: Mapped[str | None] = mapped_column(String(100))  # who acknowledged it (web:NAME)
    acked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AlertDelivery(Base):
    """One target of an alert delivered (its route, the leadership copy, one summary channel),
    so a retry after a partial failure never sends a delivered target twice."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (UniqueConstraint("alert_id", "target", name="uq_delivery_alert_target"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    target: Mapped[str] = mapped_column(String(120))  # "route" | "leadership" | "summary:NAME"
    channel: Mapped[str] = mapped_column(String(100))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OutgoingMessage(Base):
    """One message for one channel, rendered once and kept with its pieces (a split message)
    until every piece was accepted: `pieces_sent` moves right after each accepted piece, so a
    retry or a restart sends only the pieces not yet accepted, exactly as they were."""

    __tablename__ = "outgoing_messages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(100))
    entries: Mapped[list[Any]] = mapped_column(JSON)  # [[alert_id, target], ...] it delivers
    pieces: Mapped[list[Any]] = mapped_column(JSON)  # each piece as the channel encodes it
    pieces_sent: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    outcome: Mapped[str | None] = mapped_column(String(20))  # sent | abandoned (fell back)


class CrawlRun(Base):
    __tablename__ = "crawl_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(100), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ok: Mapped[bool] = mapped_column(Boolean, default=False)
    new: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    stats: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Meta(Base):
    """Small key/value facts (e.g. the daemon's heartbeat)."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DisclosureRequest(Base):
    """A 依申请公开 request on its legal clock (docs/disclosure-and-reports.md). `received_at` is the receipt the
    clock counts from (the corrected request's arrival after 补正); `first_received_at` the
    original receipt (the annual report counts requests by it)."""

    __tablename__ = "disclosure_requests"
    __table_args__ = (
        Index("ix_disclosure_state_deadline", "state", "deadline"),
        Index("ix_disclosure_state_first_warning", "state", "first_warning_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    applicant: Mapped[str | None] = mapped_column(String(200))
    contact: Mapped[str | None] = mapped_column(String(200))
    channel: Mapped[str | None] = mapped_column(String(20))  # 网上 | 信函 | 当面
    # the annual report's column (monitor.disclosure.categories.APPLICANT_TYPES)
    applicant_type: Mapped[str] = mapped_column(
        String(20), default="自然人", server_default="自然人"
    )
    department: Mapped[str | None] = mapped_column(String(200), index=True)
    first_received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    correction_due: Mapped[date] = mapped_column(Date)  # last day to ask for 补正
    correction_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    corrected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the date the applicant was given to send the corrected request (补正期限)
    correction_until: Mapped[date | None] = mapped_column(Date)
    extension_days: Mapped[int] = mapped_column(Integer, default=0)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    extended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(20), default="open")
    due_date: Mapped[date] = mapped_column(Date)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    first_warning_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome: Mapped[str | None] = mapped_column(String(20))
    # the outcome's numbered reason (monitor.disclosure.categories.REASONS); None for 予以公开
    # and 部分公开, and for requests closed before the register recorded reasons
    reason: Mapped[str | None] = mapped_column(String(100))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    pauses: Mapped[list[DisclosurePause]] = relationship(
        back_populates="request", order_by="DisclosurePause.paused_at", cascade="all, delete-orphan"
    )
    reviews: Mapped[list[DisclosureReview]] = relationship(
        back_populates="request", order_by="DisclosureReview.filed_at", cascade="all, delete-orphan"
    )


class DisclosurePause(Base):
    """One 征求意见 pause: the clock stands still from `paused_at` to `resumed_at`."""

    __tablename__ = "disclosure_pauses"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("disclosure_requests.id", ondelete="CASCADE"), index=True
    )
    paused_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    working_days: Mapped[int | None] = mapped_column(Integer)  # added to the due date
    request: Mapped[DisclosureRequest] = relationship(back_populates="pauses")


class DisclosureReview(Base):
    """A 行政复议 or 行政诉讼 about a request (the annual report's table 四): one per kind, its
    result updated as the case goes on; `filed_at` decides the year it counts in."""

    __tablename__ = "disclosure_reviews"
    __table_args__ = (UniqueConstraint("request_id", "kind", name="uq_disclosure_review_kind"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("disclosure_requests.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))  # 复议 | 诉讼 | 复议后诉讼
    result: Mapped[str] = mapped_column(String(20))  # 维持 | 纠正 | 其他 | 未审结
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    request: Mapped[DisclosureRequest] = relationship(back_populates="reviews")


class GovAnnualReport(Base):
    """One year's 政府信息公开工作年度报告 as the office keeps it: the table 二 figures it entered,
    the snapshot of table 三's 结转下年度 row taken when the report was produced (next year's
    上年结转 is checked against it), and when the report was published."""

    __tablename__ = "gov_annual_reports"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    table2: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    table2_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    table2_updated_by: Mapped[str | None] = mapped_column(String(100))
    carried_out: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # column → n, and ids
    produced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    produced_by: Mapped[str | None] = mapped_column(String(100))
    published_on: Mapped[date | None] = mapped_column(Date)
    published_by: Mapped[str | None] = mapped_column(String(100))


class DisclosureStage(Base):
    """One alert stage of one request ("2wd@20261222", "overdue@…", "correction")."""

    __tablename__ = "disclosure_stages"
    __table_args__ = (
        UniqueConstraint("request_id", "stage", name="uq_disclosure_stage"),
        Index("ix_disclosure_stages_fired_at", "fired", "at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("disclosure_requests.id", ondelete="CASCADE"), index=True
    )
    stage: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    fired: Mapped[bool] = mapped_column(Boolean, default=False)


class DisclosureHistory(Base):
    """Who did what to a request, and when (the CLI's or the dashboard's user)."""

    __tablename__ = "disclosure_history"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("disclosure_requests.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(20))  # add|correct|pause|resume|extend|done
    at: Mapped[datetime] = mapped_column(UTCDateTime)  # when it happened (as given)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class WebUser(Base):
    """A dashboard account (`user add|list|passwd|remove`). The password is stored as an
    argon2id hash only; `role` is viewer (reads), editor (edits) or admin (edits + accounts)."""

    __tablename__ = "web_users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReplyVerdict(Base):
    """The reply checker's verdict on a message's reply (docs/reply-quality.md), one per message: made
    when the reply is first seen (and again if its text changes: `reply_hash`), plus the
    editor's mark (误报 `false_positive` / 属实 `confirmed`) with who made it and when."""

    __tablename__ = "reply_verdicts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), unique=True
    )
    reply_hash: Mapped[str] = mapped_column(String(64))
    perfunctory: Mapped[bool] = mapped_column(Boolean, default=False)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    mark: Mapped[str | None] = mapped_column(String(20))  # false_positive | confirmed
    marked_by: Mapped[str | None] = mapped_column(String(100))
    marked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @classmethod
    def flag_stands(cls) -> ColumnElement[bool]:
        """SQL: the reply is flagged and no editor marked the flag 误报: it is alerted (and
        an alert still waiting is sent), and it counts in the summary and the report."""
        return and_(cls.perfunctory.is_(True), or_(cls.mark.is_(None), cls.mark != FALSE_POSITIVE))


class Consultation(Base):
    """A draft open for public comment (意见征集, docs/consultations.md) and the 采纳情况 it owes.

    `opens_on`/`closes_on` are the Asia/Shanghai dates the window is counted on; `closes_at`
    is when comments stop (24:00 of the closing date unless a time was given). The feedback
    clock (`due_date`, `deadline`, stages) is the reply clock counted from the closing date.
    `source`/`external_id` are set for a consultation read from a portal column."""

    __tablename__ = "consultations"
    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_consultations_source_external_id"),
        Index("ix_consultations_state_deadline", "state", "deadline"),
        Index("ix_consultations_state_first_warning", "state", "first_warning_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    department: Mapped[str | None] = mapped_column(String(200), index=True)
    url: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(100))
    external_id: Mapped[str | None] = mapped_column(String(200))
    content_hash: Mapped[str | None] = mapped_column(String(64))  # the list row's fingerprint
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opens_on: Mapped[date] = mapped_column(Date, index=True)  # the report counts by it
    closes_on: Mapped[date] = mapped_column(Date)
    window_days: Mapped[int] = mapped_column(Integer)
    min_days: Mapped[int] = mapped_column(Integer)  # the rule the window was judged against
    short: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(20), default="collecting")
    due_date: Mapped[date] = mapped_column(Date)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    first_warning_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    feedback_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    feedback_url: Mapped[str | None] = mapped_column(Text)
    # the feedback's time is when a crawl first saw the link (the portal gave none)
    feedback_approx: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ConsultationStage(Base):
    """One alert stage of a consultation's feedback clock ("2wd@20261110", "overdue@…")."""

    __tablename__ = "consultation_stages"
    __table_args__ = (
        UniqueConstraint("consultation_id", "stage", name="uq_consultation_stage"),
        Index("ix_consultation_stages_fired_at", "fired", "at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    stage: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    fired: Mapped[bool] = mapped_column(Boolean, default=False)


class ConsultationHistory(Base):
    """Who did what to a consultation, and when (a person, or the crawl of its column)."""

    __tablename__ = "consultation_history"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(20))  # add | feedback | update
    at: Mapped[datetime] = mapped_column(UTCDateTime)  # when it happened (as given)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
