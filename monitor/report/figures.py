"""The report's figures, computed in SQL over the history (GROUP BY with conditional sums),
never by loading every row: the annual report over 100,000 messages is a handful of
aggregate queries (benchmarks/report.py).

Counting rules (口径), as docs/disclosure-and-reports.md states them:
- a message or request belongs to the period it was received in (来信/收到时间, Asia/Shanghai);
- its outcome is taken as of the period's end, or now for a period still running (`as_of`):
  replied on time / replied late (by the reply's own time against its deadline), still open,
  of which overdue (deadline passed at `as_of`); withdrawn messages count as received only;
- punctuality (按时率) = on time / (on time + late + overdue);
- reply time in working days: working days from the receipt day to the reply day (the
  receipt day not counted; a reply on the receipt day is 0), from the same calendar as the
  deadlines, through a small temporary day table (one row per day of the span) joined in SQL;
  median and 90th percentile (nearest rank) come from the per-value counts SQL returns.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Column,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    case,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import Session, selectinload

from monitor.consultation.figures import ConsultationTable, consultation_figures
from monitor.db.models import (
    Consultation,
    CrisisEvent,
    DisclosureRequest,
    Message,
    ReplyVerdict,
    WatchHit,
    WatchTerm,
)
from monitor.disclosure.deadlines import OUTCOMES
from monitor.names import source_titles
from monitor.report.period import Period, months_back
from monitor.timeutil import start_of_day

if TYPE_CHECKING:
    from monitor.calendar import WorkCalendar
    from monitor.config import Config

NO_DEPARTMENT = "未分配部门"
NO_CATEGORY = "未分类"
DISCLOSURE_SOURCE = "依申请公开"
CONSULTATION_SOURCE = "意见征集"
# Asia/Shanghai has kept UTC+8 without daylight saving since 1991: a stored UTC instant's
# local day is its date 8 hours later, which SQL can compute
_OFFSET_HOURS = 8


@dataclass
class Timeliness:
    """One row of the punctuality tables (a department, a source, a month, or the total)."""

    name: str
    received: int = 0
    on_time: int = 0
    late: int = 0
    open: int = 0
    overdue: int = 0
    withdrawn: int = 0
    median_wd: float | None = None
    p90_wd: float | None = None
    title: str | None = None  # a source's display name (monitor.names); `name` is its key

    @property
    def rate(self) -> float | None:
        """按时率: on time / (on time + late + overdue); None when nothing was due."""
        due = self.on_time + self.late + self.overdue
        return self.on_time / due if due else None

    @property
    def shown(self) -> str:
        """What a table shows: the source's display name, else the name."""
        return self.title or self.name

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            **({"source_title": self.title} if self.title is not None else {}),
            "received": self.received,
            "on_time": self.on_time,
            "late": self.late,
            "open": self.open,
            "overdue": self.overdue,
            "withdrawn": self.withdrawn,
            "punctuality": self.rate,
            "median_working_days": self.median_wd,
            "p90_working_days": self.p90_wd,
        }


@dataclass
class WatchRow:
    category: str
    level: str
    hits: int
    subjects: int


@dataclass
class CrisisRow:
    id: int
    title: str
    level: str
    started_at: datetime
    milestones: list[dict[str, Any]]  # name, limit_hours, deadline, done_at, hours, on_time


@dataclass
class DisclosureTable:
    """The annual report's table (政府信息公开工作年度报告 三、收到和处理政府信息公开申请情况)."""

    new: int = 0  # 本年新收
    carried_in: int = 0  # 上年结转
    outcomes: dict[str, int] = field(default_factory=lambda: {o: 0 for o in OUTCOMES})
    carried_out: int = 0  # 结转下年度继续办理
    timeliness: Timeliness = field(default_factory=lambda: Timeliness("依申请公开"))
    by_department: list[Timeliness] = field(default_factory=list)

    @property
    def done(self) -> int:
        return sum(self.outcomes.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "new": self.new,
            "carried_in": self.carried_in,
            "outcomes": self.outcomes,
            "done": self.done,
            "carried_out": self.carried_out,
            "timeliness": self.timeliness.as_dict(),
            "by_department": [t.as_dict() for t in self.by_department],
        }


@dataclass
class QualityRow:
    """Reply quality of one department (docs/reply-quality.md): replies judged, flagged as perfunctory
    (a flag an editor marked 误报 does not count), and the share flagged."""

    name: str
    replies: int = 0
    flagged: int = 0

    @property
    def rate(self) -> float | None:
        return self.flagged / self.replies if self.replies else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "replies": self.replies,
            "flagged": self.flagged,
            "rate": self.rate,
        }


@dataclass
class Report:
    period: Period
    as_of: datetime
    generated_at: datetime
    total: Timeliness
    by_department: list[Timeliness]
    by_source: list[Timeliness]
    trend: list[Timeliness]  # name = YYYY-MM
    watch: list[WatchRow]
    crises: list[CrisisRow]
    disclosure: DisclosureTable
    reply_quality: list[QualityRow] = field(default_factory=list)  # per department, then 合计
    consultation: ConsultationTable = field(default_factory=ConsultationTable)  # 意见征集

    def as_dict(self) -> dict[str, Any]:
        from monitor.timeutil import iso

        return {
            "period": self.period.text,
            "label": self.period.label,
            "start": self.period.start.isoformat(),
            "end": (self.period.end - timedelta(days=1)).isoformat(),
            "as_of": iso(self.as_of),
            "generated_at": iso(self.generated_at),
            "total": self.total.as_dict(),
            "by_department": [t.as_dict() for t in self.by_department],
            "by_source": [t.as_dict() for t in self.by_source],
            "trend": [t.as_dict() for t in self.trend],
            "watch": [
                {"category": w.category, "level": w.level, "hits": w.hits, "subjects": w.subjects}
                for w in self.watch
            ],
            "crises": [
                {
                    "id": c.id,
                    "title": c.title,
                    "level": c.level,
                    "started_at": iso(c.started_at),
                    "milestones": [
                        {**m, "deadline": iso(m["deadline"]), "done_at": iso(m["done_at"])}
                        for m in c.milestones
                    ],
                }
                for c in self.crises
            ],
            "disclosure": self.disclosure.as_dict(),
            "reply_quality": [q.as_dict() for q in self.reply_quality],
            "consultation": self.consultation.as_dict(),
        }


# ---------------------------------------------------------------------------------------
# SQL helpers


def local_day(session: Session, column: Any) -> Any:
    """The Asia/Shanghai date of a stored (naive UTC) instant, in SQL."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date(column + literal_column(f"interval '{_OFFSET_HOURS} hours'"))
    return func.date(column, f"+{_OFFSET_HOURS} hours")


class DayTable:
    """A temporary table: every day of a span with its running working-day count (`idx`)
    and month (`YYYY-MM`). Reply time in working days = idx(reply day) − idx(receipt day)."""

    def __init__(self, session: Session, calendar: WorkCalendar, first: date, last: date) -> None:
        self.session = session
        self.table = Table(
            "report_days",
            MetaData(),
            Column("day", Date, primary_key=True),
            Column("idx", Integer),
            Column("month", String(7)),
            prefixes=["TEMPORARY"],
        )
        connection = session.connection()
        self.table.drop(connection, checkfirst=True)
        self.table.create(connection)
        rows, idx, day = [], 0, first
        while day <= last:
            idx += calendar.is_workday(day, provisional=True)
            rows.append({"day": day, "idx": idx, "month": day.strftime("%Y-%m")})
            day += timedelta(days=1)
        if rows:
            session.execute(self.table.insert(), rows)

    def drop(self) -> None:
        self.table.drop(self.session.connection(), checkfirst=True)


def _percentile(histogram: list[tuple[int, int]], share: float) -> float | None:
    """Nearest-rank percentile from (value, count) pairs sorted by value."""
    total = sum(c for _, c in histogram)
    if not total:
        return None
    rank = max(1, math.ceil(share * total))
    seen = 0
    for value, count in histogram:
        seen += count
        if seen >= rank:
            return float(value)
    return float(histogram[-1][0])


def _median(histogram: list[tuple[int, int]]) -> float | None:
    """The median (the mean of the two middle values for an even count)."""
    total = sum(c for _, c in histogram)
    if not total:
        return None
    lower = _percentile(histogram, 0.5)
    if total % 2:
        return lower
    # the (total/2 + 1)-th value
    seen, upper = 0, None
    for value, count in histogram:
        seen += count
        if seen >= total // 2 + 1:
            upper = float(value)
            break
    return (lower + upper) / 2 if lower is not None and upper is not None else lower


# ---------------------------------------------------------------------------------------
# messages


@dataclass
class _Tally:
    """Counts and the reply-time histogram of one group, filled from the grouped rows."""

    row: Timeliness
    histogram: dict[int, int] = field(default_factory=dict)

    def add(self, outcome: str, wd: int | None, n: int) -> None:
        self.row.received += n
        setattr(self.row, outcome, getattr(self.row, outcome) + n)
        if outcome == "overdue":
            self.row.open += n
        if wd is not None:
            self.histogram[wd] = self.histogram.get(wd, 0) + n

    def finish(self) -> Timeliness:
        pairs = sorted(self.histogram.items())
        self.row.median_wd, self.row.p90_wd = _median(pairs), _percentile(pairs, 0.9)
        return self.row


def _message_figures(
    session: Session, days: DayTable, period: Period, trend_start: date, as_of: datetime
) -> tuple[Timeliness, list[Timeliness], list[Timeliness], dict[str, Timeliness]]:
    """(total, per department, per source, per month) in ONE pass over the messages: SQL
    groups them by department × source × month of receipt × outcome × reply time in working
    days (a few thousand groups at most, whatever the number of messages); the groups are
    then added up per table here."""
    m = Message
    posted_day, reply_day = days.table.alias("posted_day"), days.table.alias("reply_day")
    replied = and_(m.replied_at.is_not(None), m.replied_at <= as_of)
    outcome = case(
        (and_(replied, m.replied_at <= m.deadline), literal_column("'on_time'")),
        (replied, literal_column("'late'")),
        (m.state == "withdrawn", literal_column("'withdrawn'")),
        (m.deadline <= as_of, literal_column("'overdue'")),
        else_=literal_column("'open'"),
    )
    wd = case((replied, reply_day.c.idx - posted_day.c.idx), else_=None)
    department = func.coalesce(m.department, NO_DEPARTMENT)
    query = (
        select(department, m.source, posted_day.c.month, outcome, wd, func.count())
        .select_from(m)
        .join(posted_day, posted_day.c.day == local_day(session, m.posted_at))
        .outerjoin(reply_day, reply_day.c.day == local_day(session, m.replied_at))
        .where(m.posted_at >= start_of_day(trend_start), m.posted_at < period.end_utc)
        .group_by(department, m.source, posted_day.c.month, outcome, wd)
    )
    first_month = period.start.strftime("%Y-%m")
    total = _Tally(Timeliness("合计"))
    departments: dict[str, _Tally] = {}
    sources: dict[str, _Tally] = {}
    months: dict[str, _Tally] = {}
    for dept, source, month, result, days_taken, n in session.execute(query):
        wd_value = None if days_taken is None else int(days_taken)
        months.setdefault(month, _Tally(Timeliness(month))).add(result, wd_value, n)
        if month >= first_month:  # the period itself (the trend reaches further back)
            total.add(result, wd_value, n)
            departments.setdefault(dept, _Tally(Timeliness(dept))).add(result, wd_value, n)
            sources.setdefault(source, _Tally(Timeliness(source))).add(result, wd_value, n)

    def ordered(tallies: dict[str, _Tally]) -> list[Timeliness]:
        return sorted((t.finish() for t in tallies.values()), key=lambda t: (-t.received, t.name))

    return (
        total.finish(),
        ordered(departments),
        ordered(sources),
        {k: t.finish() for k, t in months.items()},
    )


# ---------------------------------------------------------------------------------------
# disclosure requests


def _disclosure(
    session: Session, days: DayTable, period: Period, as_of: datetime
) -> DisclosureTable:
    d = DisclosureRequest
    start, end = period.start_utc, period.end_utc
    table = DisclosureTable()

    def count(condition: Any) -> Any:
        return func.sum(case((condition, 1), else_=0))

    def not_done_at(moment: datetime) -> Any:
        return or_(d.done_at.is_(None), d.done_at >= moment)

    row = session.execute(
        select(
            count(and_(d.first_received_at >= start, d.first_received_at < end)),
            count(and_(d.first_received_at < start, not_done_at(start))),
            count(and_(d.first_received_at < end, not_done_at(end))),
        )
    ).one()
    table.new, table.carried_in, table.carried_out = (int(v or 0) for v in row)
    for outcome, n in session.execute(
        select(d.outcome, func.count())
        .where(d.done_at >= start, d.done_at < end)
        .group_by(d.outcome)
    ):
        table.outcomes[outcome if outcome in table.outcomes else "其他处理"] += n

    # timeliness of the requests received in the period, as for messages
    done = and_(d.done_at.is_not(None), d.done_at <= as_of)
    waiting = or_(d.done_at.is_(None), d.done_at > as_of)
    in_period = and_(d.first_received_at >= start, d.first_received_at < end)
    key = func.coalesce(d.department, NO_DEPARTMENT)
    per = (
        select(
            key.label("k"),
            func.count().label("received"),
            count(and_(done, d.done_at <= d.deadline)).label("on_time"),
            count(and_(done, d.done_at > d.deadline)).label("late"),
            count(waiting).label("open"),
            count(
                and_(waiting, d.deadline <= as_of, d.state.in_(["open", "at_risk", "overdue"]))
            ).label("overdue"),
        )
        .where(in_period)
        .group_by(key)
    )
    total = Timeliness("依申请公开")
    for r in session.execute(per):
        t = Timeliness(
            str(r.k), r.received, r.on_time or 0, r.late or 0, r.open or 0, r.overdue or 0
        )
        table.by_department.append(t)
        for name in ("received", "on_time", "late", "open", "overdue"):
            setattr(total, name, getattr(total, name) + getattr(t, name))
    recv_day, done_day = days.table.alias("recv_day"), days.table.alias("done_day")
    wd = (done_day.c.idx - recv_day.c.idx).label("wd")
    hist = [
        (int(w), int(n))
        for w, n in session.execute(
            select(wd, func.count())
            .select_from(d)
            .join(recv_day, recv_day.c.day == local_day(session, d.received_at))
            .join(done_day, done_day.c.day == local_day(session, d.done_at))
            .where(in_period, done)
            .group_by(wd)
            .order_by(wd)
        )
    ]
    total.median_wd, total.p90_wd = _median(hist), _percentile(hist, 0.9)
    table.timeliness = total
    table.by_department.sort(key=lambda t: (-t.received, t.name))
    return table


# ---------------------------------------------------------------------------------------
# watch hits and crises


def _watch(session: Session, period: Period) -> list[WatchRow]:
    category = func.coalesce(WatchTerm.category, NO_CATEGORY)
    query = (
        select(category, WatchHit.level, func.count(), func.count(WatchHit.subject.distinct()))
        .select_from(WatchHit)
        .outerjoin(WatchTerm, WatchTerm.term == WatchHit.term)
        .where(WatchHit.found_at >= period.start_utc, WatchHit.found_at < period.end_utc)
        .group_by(category, WatchHit.level)
    )
    rows = [
        WatchRow(str(c), str(level), int(n), int(s)) for c, level, n, s in session.execute(query)
    ]
    return sorted(rows, key=lambda w: (-w.hits, w.category, w.level))


def _crises(session: Session, period: Period, config: Config) -> list[CrisisRow]:
    rule = config.settings.rules.crisis
    limits = {"publish": rule.publish_hours, "press_conference": rule.press_conference_hours}
    events = session.scalars(
        select(CrisisEvent)
        .options(selectinload(CrisisEvent.milestones))
        .where(CrisisEvent.started_at >= period.start_utc, CrisisEvent.started_at < period.end_utc)
        .order_by(CrisisEvent.started_at)
    )
    out = []
    for event in events:
        milestones = []
        for ms in sorted(event.milestones, key=lambda m: m.deadline):
            hours = ((ms.done_at - event.started_at).total_seconds() / 3600) if ms.done_at else None
            milestones.append(
                {
                    "name": ms.name,
                    "limit_hours": limits.get(ms.name),
                    "deadline": ms.deadline,
                    "done_at": ms.done_at,
                    "hours": round(hours, 1) if hours is not None else None,
                    "on_time": None if ms.done_at is None else ms.done_at <= ms.deadline,
                }
            )
        out.append(CrisisRow(event.id, event.title, event.level, event.started_at, milestones))
    return out


# ---------------------------------------------------------------------------------------
# reply quality


def _reply_quality(session: Session, period: Period, as_of: datetime) -> list[QualityRow]:
    """Per department: the replies to messages received in the period that the checker had
    judged by `as_of`, and those flagged (not marked 误报); the total last."""
    department = func.coalesce(Message.department, NO_DEPARTMENT)
    flagged = func.sum(case((ReplyVerdict.flag_stands(), 1), else_=0))
    query = (
        select(department, func.count(), flagged)
        .select_from(Message)
        .join(ReplyVerdict, ReplyVerdict.message_id == Message.id)
        .where(
            Message.posted_at >= period.start_utc,
            Message.posted_at < period.end_utc,
            ReplyVerdict.checked_at <= as_of,
        )
        .group_by(department)
    )
    rows = [QualityRow(str(name), int(n), int(f or 0)) for name, n, f in session.execute(query)]
    rows.sort(key=lambda r: (-r.replies, r.name))
    total = QualityRow("合计", sum(r.replies for r in rows), sum(r.flagged for r in rows))
    return [*rows, total] if rows else []


# ---------------------------------------------------------------------------------------
# the whole report


def _span(
    session: Session, period: Period, as_of: datetime, trend_start: date
) -> tuple[date, date]:
    """The days the day table must cover: from the earliest receipt counted to the latest
    reply (or `as_of`), with a margin for the local-date shift."""
    from monitor.timeutil import local_date

    first = min(trend_start, period.start)
    latest = (
        session.scalar(select(func.max(Message.replied_at))),
        session.scalar(select(func.max(DisclosureRequest.done_at))),
    )
    ends = [local_date(as_of)] + [local_date(v) for v in latest if v is not None]
    return first - timedelta(days=1), max(ends) + timedelta(days=1)


def build_report(
    session: Session, config: Config, calendar: WorkCalendar, period: Period, now: datetime
) -> Report:
    """Every figure of the report for `period`, as of its end (or `now` while it runs)."""
    as_of = min(now, period.end_utc)
    trend_months = months_back(period)
    first, last = _span(session, period, as_of, trend_months[0])
    last = max(last, period.end)
    days = DayTable(session, calendar, first, last)
    try:
        total, by_department, by_source, by_month = _message_figures(
            session, days, period, trend_months[0], as_of
        )
        trend = [
            by_month.get(m.strftime("%Y-%m")) or Timeliness(m.strftime("%Y-%m"))
            for m in trend_months
        ]
        disclosure = _disclosure(session, days, period, as_of)
    finally:
        days.drop()
    titles = source_titles(config)
    for row in by_source:
        row.title = titles.get(row.name, row.name)
    return Report(
        period=period,
        as_of=as_of,
        generated_at=now,
        total=total,
        by_department=by_department,
        by_source=by_source,
        trend=trend,
        watch=_watch(session, period),
        crises=_crises(session, period, config),
        disclosure=disclosure,
        reply_quality=_reply_quality(session, period, as_of),
        consultation=consultation_figures(session, period, as_of),
    )


def consultation_raw_rows(
    session: Session, period: Period, as_of: datetime, verdict: Any
) -> Iterator[dict[str, Any]]:
    """意见征集 opened in the period, as raw rows: opened = 收到, the 采纳情况 = the answer."""
    from monitor.timeutil import format_local

    c = Consultation
    query = (
        select(
            c.id,
            c.source,
            c.title,
            c.department,
            c.opens_at,
            c.due_date,
            c.deadline,
            c.feedback_at,
            c.window_days,
            c.short,
        )
        .where(c.opens_on >= period.start, c.opens_on < period.end)
        .order_by(c.opens_on, c.id)
    )
    for cid, source, title, department, opens, due, deadline, done, days, short in session.execute(
        query
    ):
        yield {
            "类型": CONSULTATION_SOURCE,
            "来源": source or "",
            "编号": str(cid),
            "标题": title,
            "部门": department or NO_DEPARTMENT,
            "收到时间": format_local(opens),
            "答复期限": due.isoformat(),
            "答复时间": format_local(done),
            "状态": verdict(done, deadline),
            "办理结果": f"征集 {days} 天" + ("（过短）" if short else ""),
        }


def raw_rows(session: Session, period: Period, as_of: datetime) -> Iterator[dict[str, Any]]:
    """Every message and request received in the period, streamed in chunks as plain
    column tuples (no ORM objects: 100,000 rows stay cheap)."""
    from monitor.timeutil import format_local

    def verdict(done: datetime | None, deadline: datetime) -> str:
        if done is not None and done <= as_of:
            return "按时" if done <= deadline else "逾期"
        return "超期未办" if deadline <= as_of else "办理中"

    m = Message
    query = (
        select(
            m.source,
            m.external_id,
            m.title,
            m.department,
            m.posted_at,
            m.due_date,
            m.deadline,
            m.replied_at,
            m.state,
        )
        .where(m.posted_at >= period.start_utc, m.posted_at < period.end_utc)
        .order_by(m.posted_at, m.id)
        .execution_options(yield_per=5000)
    )
    for (
        source,
        external_id,
        title,
        department,
        posted,
        due,
        deadline,
        replied,
        state,
    ) in session.execute(query):
        withdrawn = state == "withdrawn" and not (replied and replied <= as_of)
        yield {
            "类型": "留言",
            "来源": source,
            "编号": external_id,
            "标题": title,
            "部门": department or NO_DEPARTMENT,
            "收到时间": format_local(posted),
            "答复期限": due.isoformat(),
            "答复时间": format_local(replied),
            "状态": "已撤回" if withdrawn else verdict(replied, deadline),
            "办理结果": "",
        }
    d = DisclosureRequest
    query2 = (
        select(
            d.id,
            d.channel,
            d.title,
            d.department,
            d.first_received_at,
            d.due_date,
            d.deadline,
            d.done_at,
            d.outcome,
        )
        .where(d.first_received_at >= period.start_utc, d.first_received_at < period.end_utc)
        .order_by(d.first_received_at, d.id)
        .execution_options(yield_per=5000)
    )
    for rid, channel, title, department, received, due, deadline, done, outcome in session.execute(
        query2
    ):
        yield {
            "类型": DISCLOSURE_SOURCE,
            "来源": channel or "",
            "编号": str(rid),
            "标题": title,
            "部门": department or NO_DEPARTMENT,
            "收到时间": format_local(received),
            "答复期限": due.isoformat(),
            "答复时间": format_local(done),
            "状态": verdict(done, deadline),
            "办理结果": outcome or "",
        }
    yield from consultation_raw_rows(session, period, as_of, verdict)
