"""The alert contract, defined once: what kinds of alert exist (and how each is labelled,
headed, hurried and routed), what an alert is about (`Subject`, the `prefix:id` text stored in
`alerts.subject`), what data it carries (typed payloads), its statuses, and the one function
that puts alerts in the outbox (`enqueue`, insert-or-ignore on (subject, stage)).

Adding a kind is one change here: a member of `AlertKind` (a `KindSpec`: its code, label,
heading, urgency, route class, what makes it lapse, leadership copy), plus, if it carries data,
a payload class named in the member. Producers build `NewAlert`s (or a `new_alerts_select` for set-based sweeps) and call
`enqueue`; the dispatcher, the renderer, `alerts list` and the demo read the enum.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum, StrEnum
from typing import Any, ClassVar, Self, TypeVar

from pydantic import BaseModel, ConfigDict
from sqlalchemy import String, cast, exists, literal, null, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement, Select
from sqlalchemy.sql.selectable import Exists

from alerts.status import ALERT_STATUS_ZH as ALERT_STATUS_ZH
from alerts.status import AlertStatus as AlertStatus
from monitor.db.models import Alert

# ---------------------------------------------------------------------------------------
# how a kind behaves


class Urgency(Enum):
    NORMAL = "normal"  # held outside office hours
    URGENT = "urgent"  # never waits: crisis clocks and possible crises
    ALWAYS = "always"  # sent when scheduled, office hours or not (the daily summary)


class RouteClass(Enum):
    DEPARTMENT = "department"  # the department's route, else [routing] default
    CRISIS = "crisis"  # [routing] crisis, else default
    SUMMARY = "summary"  # [summary] channels, else default; one message per channel


class Lapse(Enum):
    """What makes a waiting alert unnecessary before it is delivered."""

    NEVER = "never"
    SUBJECT_SETTLED = "subject_settled"  # the message was replied / the milestone done meanwhile
    NO_WARNING_SENT = "no_warning_sent"  # a "resolved" note about a warning nobody received
    FLAG_WITHDRAWN = "flag_withdrawn"  # an editor marked the flagged reply 误报 meanwhile


# ---------------------------------------------------------------------------------------
# payloads: the JSON in alerts.data, typed


class Payload(BaseModel):
    """Base of every payload: unknown keys (older or newer rows) are kept, never fatal."""

    model_config = ConfigDict(extra="allow")

    def to_json(self) -> dict[str, Any]:
        # only what the producer set: rows stay as small as they were before payloads were typed
        return self.model_dump(mode="json", exclude_unset=True)


class WatchPayload(Payload):
    """A watch hit on a news story (subject news-cluster:ID) or a message (message:ID)."""

    title: str | None = None
    url: str | None = None
    terms: list[str] = []
    hits: list[dict[str, Any]] = []
    level: str | None = None
    outlets: int | list[str] | None = None  # a count (news) or None (a message); lists are old rows
    outlet_names: list[str] = []
    cluster_size: int | None = None
    cluster: int | None = None
    source: str | None = None
    published_at: str | None = None
    subject_kind: str | None = None
    external_id: str | None = None
    department: str | None = None
    # possible_crisis only
    reasons: list[str] = []
    spread: int | None = None
    spread_hours: float | None = None
    spread_threshold: int | None = None

    def outlet_list(self) -> tuple[list[str], int]:
        """(names to show, how many outlets in all)."""
        names = self.outlet_names or (self.outlets if isinstance(self.outlets, list) else [])
        count = self.outlets if isinstance(self.outlets, int) else len(names)
        return [str(n) for n in names], count


class SourcePayload(Payload):
    reason: str = ""
    since: str | None = None  # last success, local time for people
    last_error: str | None = None  # last failure, local time for people
    error: str = ""
    kind: str = "messages"  # the source's kind: a news source finds news, not messages


class CalendarPayload(Payload):
    year: int
    provisional: int = 0  # active messages whose deadline is provisional


class CalendarKnownPayload(Payload):
    """A year the working-day calendar now knows (holidays.toml gained or changed it)."""

    year: int
    holidays: int = 0  # days off listed for the year (weekends inside spans included)
    workdays: int = 0  # make-up weekend workdays
    provisional: int = 0  # active messages still provisional (they need another unknown year)


class AnnualReportPayload(Payload):
    """The 政府信息公开工作年度报告 of `year` is due on `due_date` (31 March of the next year)."""

    year: int
    due_date: str  # YYYY-MM-DD
    working_days_left: int | None = None
    produced_at: str | None = None  # local time of the last report produced, for people


class SummaryPayload(Payload):
    date: str | None = None  # YYYY-MM-DD (else the subject's)
    enqueued_at: str | None = None
    as_of: str | None = None  # `summary --send --date D` fixes the moment described


class ReplyQualityPayload(Payload):
    """A reply the checker flagged as perfunctory (docs/reply-quality.md), subject message:ID."""

    title: str | None = None
    url: str | None = None
    board_url: str | None = None  # its page on the dashboard, when [web] public_url is set
    department: str | None = None  # the message's (the alert itself goes to the office)
    reasons: list[str] = []  # codes
    labels: list[str] = []  # their Chinese labels
    evidence: list[str] = []  # one Chinese line per reason
    score: float | None = None
    replied_at: str | None = None  # local time for people


class NoPayload(Payload):
    """Kinds described by their subject's row (message, milestone)."""


P = TypeVar("P", bound=Payload)


# ---------------------------------------------------------------------------------------
# the kinds


@dataclass(frozen=True)
class KindSpec:
    """Everything a kind of alert is, by name: one `AlertKind` member's value."""

    code: str  # stored in alerts.kind and shown in --json
    label: str  # short Chinese name (tables, the demo narration)
    heading: str  # the message heading, 【…】
    urgency: Urgency
    route: RouteClass
    lapse: Lapse = Lapse.NEVER
    leadership: bool = False  # also copied to [routing] leadership
    payload_type: type[Payload] = NoPayload  # the data it carries (NoPayload: its subject's row)
    notice: bool = False  # it tells, asks nothing: no 确认 for it (alerts.actions.needs_action)


class AlertKind(StrEnum):
    """Every kind of alert (docs/alerts.md), each member a `KindSpec`; the member's value is its
    code (`AlertKind("reply_overdue")`, `.value`), its fields are read as `AlertKind.X.label`
    and so on. Add a kind by adding a member here."""

    _value_: str
    label: str
    heading: str
    urgency: Urgency
    route: RouteClass
    lapse: Lapse
    leadership: bool
    payload_type: type[Payload]
    notice: bool

    def __new__(cls, spec: KindSpec) -> Self:
        member = str.__new__(cls, spec.code)
        member._value_ = spec.code
        member.label, member.heading = spec.label, spec.heading
        member.urgency, member.route, member.lapse = spec.urgency, spec.route, spec.lapse
        member.leadership, member.payload_type = spec.leadership, spec.payload_type
        member.notice = spec.notice
        return member

    REPLY_AT_RISK = KindSpec(
        code="reply_at_risk",
        label="临期提醒",
        heading="【临期提醒】",
        urgency=Urgency.NORMAL,
        route=RouteClass.DEPARTMENT,
        lapse=Lapse.SUBJECT_SETTLED,
    )
    REPLY_OVERDUE = KindSpec(
        code="reply_overdue",
        label="超期提醒",
        heading="【超期提醒】",
        urgency=Urgency.NORMAL,
        route=RouteClass.DEPARTMENT,
        lapse=Lapse.SUBJECT_SETTLED,
        leadership=True,
    )
    REPLY_RESOLVED = KindSpec(
        code="reply_resolved",
        label="已回复",
        heading="【已回复】",
        urgency=Urgency.NORMAL,
        route=RouteClass.DEPARTMENT,
        lapse=Lapse.NO_WARNING_SENT,
        notice=True,
    )
    CRISIS_AT_RISK = KindSpec(
        code="crisis_at_risk",
        label="突发临期",
        heading="【舆情事件临期】",
        urgency=Urgency.URGENT,
        route=RouteClass.CRISIS,
        lapse=Lapse.SUBJECT_SETTLED,
    )
    CRISIS_OVERDUE = KindSpec(
        code="crisis_overdue",
        label="突发超时",
        heading="【舆情事件超时】",
        urgency=Urgency.URGENT,
        route=RouteClass.CRISIS,
        lapse=Lapse.SUBJECT_SETTLED,
    )
    WATCH_HIT = KindSpec(
        code="watch_hit",
        label="关注词",
        heading="【舆情关注】",
        urgency=Urgency.NORMAL,
        route=RouteClass.DEPARTMENT,
        payload_type=WatchPayload,
    )
    POSSIBLE_CRISIS = KindSpec(
        code="possible_crisis",
        label="疑似突发",
        heading="【疑似舆情事件】",
        urgency=Urgency.URGENT,
        route=RouteClass.CRISIS,
        payload_type=WatchPayload,
    )
    SOURCE_UNHEALTHY = KindSpec(
        code="source_unhealthy",
        label="数据源异常",
        heading="【数据源异常】",
        urgency=Urgency.NORMAL,
        route=RouteClass.DEPARTMENT,
        payload_type=SourcePayload,
    )
    CALENDAR_MISSING = KindSpec(
        code="calendar_missing",
        label="日历缺失",
        heading="【节假日安排缺失】",
        urgency=Urgency.NORMAL,
        route=RouteClass.DEPARTMENT,
        payload_type=CalendarPayload,
    )
    CALENDAR_KNOWN = KindSpec(
        code="calendar_known",
        label="日历已更新",
        heading="【节假日安排已生效】",
        urgency=Urgency.NORMAL,
        route=RouteClass.DEPARTMENT,
        payload_type=CalendarKnownPayload,
        notice=True,
    )
    DAILY_SUMMARY = KindSpec(
        code="daily_summary",
        label="每日汇总",
        heading="【每日超期汇总】",
        urgency=Urgency.ALWAYS,
        route=RouteClass.SUMMARY,
        payload_type=SummaryPayload,
        notice=True,
    )
    # 依申请公开 (docs/disclosure-and-reports.md)
    DISCLOSURE_AT_RISK = KindSpec(
        code="disclosure_at_risk",
        label="依申请公开临期",
        heading="【依申请公开临期】",
        urgency=Urgency.NORMAL,
        route=RouteClass.DEPARTMENT,
        lapse=Lapse.SUBJECT_SETTLED,
    )
    DISCLOSURE_OVERDUE = KindSpec(
        code="disclosure_overdue",
        label="依申请公开超期",
        heading="【依申请公开超期】",
        urgency=Urgency.NORMAL,
        route=RouteClass.DEPARTMENT,
        lapse=Lapse.SUBJECT_SETTLED,
        leadership=True,
    )
    # the 7th working day after receipt: the last day to send a request back for 补正 (art. 30)
    DISCLOSURE_CORRECTION = KindSpec(
        code="disclosure_correction",
        label="补正告知截止",
        heading="【补正告知今日截止】",
        urgency=Urgency.NORMAL,
        route=RouteClass.DEPARTMENT,
        lapse=Lapse.SUBJECT_SETTLED,
    )
    # the annual report's own deadline (docs/disclosure-and-reports.md): 31 March, reminders 15 and 5 working
    # days before, to the office (default) route; made by monitor/sweep/annual_report.py
    ANNUAL_REPORT_DUE = KindSpec(
        code="annual_report_due",
        label="年度报告临期",
        heading="【政府信息公开工作年度报告临期】",
        urgency=Urgency.NORMAL,
        route=RouteClass.DEPARTMENT,
        payload_type=AnnualReportPayload,
    )
    # a reply that does not answer (docs/reply-quality.md): to the office's route (department None),
    # once per message, in office hours; not sent once an editor marked the flag 误报
    REPLY_PERFUNCTORY = KindSpec(
        code="reply_perfunctory",
        label="回复敷衍",
        heading="【疑似敷衍回复】",
        urgency=Urgency.NORMAL,
        route=RouteClass.DEPARTMENT,
        lapse=Lapse.FLAG_WITHDRAWN,
        payload_type=ReplyQualityPayload,
    )
    # 意见征集 (docs/consultations.md): a window below [rules.consultation] min_days, told once to the
    # office (department None → [routing] default) while it can still be changed; the 采纳情况
    # clock's stages as for replies, routed by department
    CONSULTATION_SHORT = KindSpec(
        code="consultation_short",
        label="征集期过短",
        heading="【意见征集期过短】",
        urgency=Urgency.NORMAL,
        route=RouteClass.DEPARTMENT,
    )
    CONSULTATION_FEEDBACK_AT_RISK = KindSpec(
        code="consultation_feedback_at_risk",
        label="采纳情况临期",
        heading="【意见采纳情况临期】",
        urgency=Urgency.NORMAL,
        route=RouteClass.DEPARTMENT,
        lapse=Lapse.SUBJECT_SETTLED,
    )
    CONSULTATION_FEEDBACK_OVERDUE = KindSpec(
        code="consultation_feedback_overdue",
        label="采纳情况超期",
        heading="【意见采纳情况超期】",
        urgency=Urgency.NORMAL,
        route=RouteClass.DEPARTMENT,
        lapse=Lapse.SUBJECT_SETTLED,
        leadership=True,
    )
    # new kinds go here

    @property
    def urgent(self) -> bool:
        return self.urgency is Urgency.URGENT

    @classmethod
    def of(cls, code: str) -> AlertKind | None:
        """The kind of a stored code; None for a code this version does not know."""
        member = cls._value2member_map_.get(code)
        return member if isinstance(member, cls) else None


def kind_label(code: str) -> str:
    """Chinese label of a stored kind code (the code itself when unknown)."""
    kind = AlertKind.of(code)
    return kind.label if kind else code


def kind_heading(code: str) -> str:
    kind = AlertKind.of(code)
    return kind.heading if kind else f"【{code}】"


def never_held_codes() -> list[str]:
    """Kinds that never wait for office hours (urgent and always-sent), for SQL filters."""
    return sorted(k.value for k in AlertKind if k.urgency is not Urgency.NORMAL)


def payload(alert: Alert, cls: type[P]) -> P:
    """The alert's data read as `cls` (missing keys take their defaults)."""
    return cls.model_validate(alert.data or {})


# ---------------------------------------------------------------------------------------
# statuses


DELIVERED = (AlertStatus.SENT.value, AlertStatus.ACKED.value)  # a person got (or silenced) it


# ---------------------------------------------------------------------------------------
# subjects: what an alert is about, "prefix:id"


class SubjectKind(StrEnum):
    MESSAGE = "message"
    MILESTONE = "milestone"
    NEWS_CLUSTER = "news-cluster"
    SOURCE = "source"
    CALENDAR = "calendar"
    SUMMARY = "summary"
    DISCLOSURE = "disclosure"
    ANNUAL_REPORT = "annual-report"
    CONSULTATION = "consultation"
    # new subject kinds go here


@dataclass(frozen=True)
class Subject:
    """`message:12`, `milestone:3`, `news-cluster:7`, `source:luan-bxcy`, `calendar:2027`,
    `summary:2026-11-24`, `annual-report:2026`. The text form is the database's; build and
    read it only here."""

    kind: SubjectKind
    key: str

    SEPARATOR: ClassVar[str] = ":"

    def __str__(self) -> str:
        return f"{self.kind.value}{self.SEPARATOR}{self.key}"

    @property
    def id(self) -> int | None:
        """The numeric id for row subjects (message, milestone, news cluster), else None."""
        return int(self.key) if self.key.isdigit() else None

    @classmethod
    def parse(cls, text: str) -> Subject | None:
        """The subject of a stored text; None for a prefix this version does not know."""
        prefix, sep, key = text.partition(cls.SEPARATOR)
        try:
            return cls(SubjectKind(prefix), key) if sep else None
        except ValueError:
            return None

    @classmethod
    def message(cls, message_id: int) -> Subject:
        return cls(SubjectKind.MESSAGE, str(message_id))

    @classmethod
    def milestone(cls, milestone_id: int) -> Subject:
        return cls(SubjectKind.MILESTONE, str(milestone_id))

    @classmethod
    def news_cluster(cls, cluster: int) -> Subject:
        return cls(SubjectKind.NEWS_CLUSTER, str(cluster))

    @classmethod
    def source(cls, name: str) -> Subject:
        return cls(SubjectKind.SOURCE, name)

    @classmethod
    def calendar(cls, year: int) -> Subject:
        return cls(SubjectKind.CALENDAR, str(year))

    @classmethod
    def disclosure(cls, request_id: int) -> Subject:
        return cls(SubjectKind.DISCLOSURE, str(request_id))

    @classmethod
    def annual_report(cls, year: int) -> Subject:
        return cls(SubjectKind.ANNUAL_REPORT, str(year))

    @classmethod
    def consultation(cls, consultation_id: int) -> Subject:
        return cls(SubjectKind.CONSULTATION, str(consultation_id))

    @classmethod
    def summary(cls, day: Any) -> Subject:
        return cls(SubjectKind.SUMMARY, day.isoformat())

    @staticmethod
    def sql(kind: SubjectKind, column: Any) -> ColumnElement[str]:
        """The subject text built in SQL from an id column (set-based sweeps)."""
        return literal(kind.value + Subject.SEPARATOR) + cast(column, String)


def ids_of(subjects: Iterable[str], kind: SubjectKind) -> list[int]:
    """The numeric ids among stored subject texts of one kind."""
    out = []
    for text in subjects:
        subject = Subject.parse(text)
        if subject is not None and subject.kind is kind and subject.id is not None:
            out.append(subject.id)
    return out


# ---------------------------------------------------------------------------------------
# what the outbox already holds (producers ask before they add)


def acked(subject: Subject | ColumnElement[str]) -> Exists:
    """Someone acknowledged an alert about `subject`, which silences its other reminders: an
    EXISTS for a set-based producer's WHERE (`subject` an SQL expression, see Subject.sql), or
    for `session.scalar(select(acked(subject)))`."""
    text = str(subject) if isinstance(subject, Subject) else subject
    return exists().where(Alert.subject == text, Alert.status == AlertStatus.ACKED.value)


def queued(session: Session, subject: Subject, stage: str) -> bool:
    """An alert about `subject` at `stage` is in the outbox already, whatever became of it."""
    found = exists().where(Alert.subject == str(subject), Alert.stage == stage)
    return bool(session.scalar(select(found)))


# ---------------------------------------------------------------------------------------
# the one way into the outbox


@dataclass(frozen=True)
class NewAlert:
    kind: AlertKind
    subject: Subject
    stage: str
    created_at: datetime
    department: str | None = None
    payload: Payload | None = None
    crisis: bool | None = None  # default: the kind's urgency

    def row(self) -> dict[str, Any]:
        if self.payload is not None and not isinstance(self.payload, self.kind.payload_type):
            raise TypeError(
                f"{self.kind.value} carries {self.kind.payload_type.__name__}, "
                f"not {type(self.payload).__name__}"
            )
        return {
            "kind": self.kind.value,
            "subject": str(self.subject),
            "stage": self.stage,
            "crisis": self.kind.urgent if self.crisis is None else self.crisis,
            "department": self.department,
            "data": self.payload.to_json() if self.payload is not None else null(),
            "status": AlertStatus.PENDING.value,
            "attempts": 0,
            "created_at": self.created_at,
        }


# the columns of a set-based enqueue, in this order (see new_alerts_select)
SELECT_COLUMNS = (
    "kind",
    "subject",
    "stage",
    "crisis",
    "department",
    "status",
    "attempts",
    "created_at",
)


def new_alerts_select(
    kind: Any, subject: Any, stage: Any, crisis: Any, department: Any, now: datetime
) -> Select[Any]:
    """A SELECT of new alert rows for `enqueue` (kind/subject/stage/crisis/department are SQL
    expressions or constants); chain `.join(...)` / `.where(...)` onto it."""

    def expr(value: Any) -> Any:
        if isinstance(value, AlertKind):
            return literal(value.value)
        return literal(value) if isinstance(value, (str, bool)) or value is None else value

    return select(
        expr(kind),
        expr(subject),
        expr(stage),
        expr(crisis),
        expr(department) if department is not None else literal(None, type_=String),
        literal(AlertStatus.PENDING.value),
        literal(0),
        literal(now, type_=Alert.created_at.type),
    )


_CHUNK = 500  # rows per INSERT: well inside SQLite's bound-parameter limit


def enqueue(session: Session, alerts: Sequence[NewAlert] | Select[Any]) -> int:
    """Insert alerts that are not in the outbox yet (unique on subject and stage); returns
    how many were really added. Counts come from RETURNING, not rowcount: psycopg reports
    -1 for INSERT … ON CONFLICT DO NOTHING."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    if isinstance(alerts, Select):
        stmt = (
            dialect.insert(Alert).from_select(list(SELECT_COLUMNS), alerts).on_conflict_do_nothing()
        )
        return len(session.execute(stmt.returning(Alert.id)).all())
    rows = [a.row() for a in alerts]
    added = 0
    for start in range(0, len(rows), _CHUNK):
        stmt = dialect.insert(Alert).values(rows[start : start + _CHUNK]).on_conflict_do_nothing()
        added += len(session.execute(stmt.returning(Alert.id)).all())
    return added
