"""The daily overdue-reply summary (每日超期汇总): overdue messages by department with days
overdue, due today and on the next working day, replies since the previous working day (on
time / late, punctuality per department), open crisis events with their clocks, new watch hits
by story, unhealthy sources, 意见征集 (采纳情况 overdue or due, short windows still open), and a
warning when the calendar lacks next year.

build_summary(app, day) → Summary (.text() for the terminal, .markdown() for WeCom, .html()
and .csv() for e-mail); enqueue_summary(app, day) puts it in the outbox once per day."""

from __future__ import annotations

import csv
import html as _html
import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from alerts.outbox import AlertKind, NewAlert, Subject, SummaryPayload, enqueue, payload
from alerts.render import (
    FIELD_LIMIT,
    NO_DEPARTMENT,
    TITLE_LIMIT,
    Attachment,
    Outgoing,
    clean,
    clock,
    html_text,
    md,
    plain,
    safe_url,
)
from monitor.db.models import (
    Consultation,
    CrisisEvent,
    DisclosureRequest,
    Message,
    Milestone,
    NewsItem,
    ReplyVerdict,
    Source,
    WatchHit,
)
from monitor.deadlines import ACTIVE_STATE_VALUES, EVENT_LEVEL_ZH, MILESTONE_ZH
from monitor.disclosure.deadlines import ACTIVE_VALUES as DISCLOSURE_RUNNING
from monitor.masking import mask_and_cut
from monitor.names import source_titles
from monitor.replyquality.reasons import reason_labels
from monitor.texttable import display_width, table
from monitor.timeutil import format_local, iso, parse_clock, parse_iso, start_of_day, to_utc

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from monitor.app import App
    from monitor.db.models import Alert


CELL_COLUMNS = 40  # a cell of the text form's tables, in terminal columns (CJK count two)


def _cell_text(text: Any) -> str:
    """A table cell of the text form: masked and cut to CELL_COLUMNS here (the table would
    otherwise clip it, maybe inside a masked run)."""
    return mask_and_cut(text, CELL_COLUMNS, width=display_width)


@dataclass
class Row:
    department: str
    title: str  # whole: every form masks and cuts it (TITLE_LIMIT) where it renders it
    posted_at: datetime
    due_date: date
    url: str | None
    source: str
    days_overdue: int = 0
    provisional: bool = False


@dataclass
class Punctuality:
    on_time: int = 0
    late: int = 0
    on_time_30: int = 0
    late_30: int = 0

    @staticmethod
    def rate(good: int, bad: int) -> str:
        return f"{100 * good / (good + bad):.0f}%" if good + bad else "—"


@dataclass
class Summary:
    day: date
    now: datetime
    next_day: date
    since: date
    overdue: list[Row] = field(default_factory=list)
    due_today: list[Row] = field(default_factory=list)
    due_next: list[Row] = field(default_factory=list)
    replied: dict[str, Punctuality] = field(default_factory=dict)
    crises: list[dict[str, Any]] = field(default_factory=list)
    watch: list[dict[str, Any]] = field(default_factory=list)
    unhealthy: list[dict[str, Any]] = field(default_factory=list)
    reply_flags: list[dict[str, Any]] = field(default_factory=list)  # docs/reply-quality.md
    calendar_warning: str | None = None
    consultations: list[dict[str, Any]] = field(default_factory=list)  # docs/consultations.md
    sources: dict[str, str] = field(default_factory=dict)  # key → display name (names.py)

    def source_title(self, key: str) -> str:
        return self.sources.get(key, key)

    @property
    def title(self) -> str:
        return f"【每日超期汇总】{self.day.isoformat()}：超期 {len(self.overdue)} 条，今日到期 {len(self.due_today)} 条"

    def by_department(self, rows: list[Row]) -> list[tuple[str, list[Row]]]:
        groups: dict[str, list[Row]] = {}
        for row in rows:
            groups.setdefault(row.department, []).append(row)
        return sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))

    # -- the terminal ---------------------------------------------------------------------
    def text(self) -> str:
        out = [self.title, f"统计时间：{format_local(self.now)}", ""]
        out.append(f"一、超期未回复（{len(self.overdue)} 条）")
        if self.overdue:
            out.append(
                table(
                    ["部门", "超期天数", "截止", "标题"],
                    [
                        [
                            _cell_text(r.department),
                            r.days_overdue,
                            r.due_date.isoformat(),
                            _cell_text(r.title),
                        ]
                        for _, rows in self.by_department(self.overdue)
                        for r in rows
                    ],
                    max_width=CELL_COLUMNS,
                )
            )
        else:
            out.append("  无")
        for label, rows in (
            (f"二、今日（{self.day.isoformat()}）到期", self.due_today),
            (f"三、下一工作日（{self.next_day.isoformat()}）到期", self.due_next),
        ):
            out += ["", f"{label}（{len(rows)} 条）"]
            out.append(
                table(
                    ["部门", "来信时间", "标题"],
                    [
                        [_cell_text(r.department), format_local(r.posted_at), _cell_text(r.title)]
                        for r in rows
                    ],
                    max_width=CELL_COLUMNS,
                )
                if rows
                else "  无"
            )
        out += ["", f"四、{self.since.isoformat()} 以来回复情况"]
        if self.replied:
            out.append(
                table(
                    ["部门", "按时", "逾期", "按时率", "近30天按时率"],
                    [
                        [
                            _cell_text(d),
                            p.on_time,
                            p.late,
                            p.rate(p.on_time, p.late),
                            p.rate(p.on_time_30, p.late_30),
                        ]
                        for d, p in sorted(self.replied.items())
                    ],
                    max_width=CELL_COLUMNS,
                )
            )
        else:
            out.append("  无")
        out += ["", f"五、未完成的舆情事件（{len(self.crises)} 项）"]
        out += [
            f"  {clean(c['title'], TITLE_LIMIT)}（{c['level']}）{c['milestone']} 截止 {c['deadline']}，{c['clock']}"
            for c in self.crises
        ] or ["  无"]
        out += ["", f"六、新增舆情关注（{len(self.watch)} 组）"]
        out += [
            f"  {clean(w['title'], TITLE_LIMIT)}（{w['count']} 篇；{'、'.join(w['terms'])}）"
            for w in self.watch
        ] or ["  无"]
        out += ["", f"七、异常数据源（{len(self.unhealthy)} 个）"]
        out += [
            f"  {self.source_title(s['name'])}：{clean(s['reason'])}（最近成功 {s['since'] or '无'}）"
            for s in self.unhealthy
        ] or ["  无"]
        out += ["", f"八、疑似敷衍回复（{len(self.reply_flags)} 条）"]
        out += [
            f"  {clean(f['department'], FIELD_LIMIT)}：{clean(f['title'], TITLE_LIMIT)}"
            f"（{'、'.join(f['labels'])}）"
            for f in self.reply_flags
        ] or ["  无"]
        out += ["", f"九、意见征集（{len(self.consultations)} 项）"]
        out.append(
            table(
                ["情况", "部门", "期限", "草案"],
                [
                    [
                        c["label"],
                        clean(c["department"], FIELD_LIMIT),
                        c["when"],
                        clean(c["title"], TITLE_LIMIT),
                    ]
                    for c in self.consultations
                ],
            )
            if self.consultations
            else "  无"
        )
        if self.calendar_warning:
            out += ["", f"注意：{self.calendar_warning}"]
        return "\n".join(out)

    # -- WeCom ----------------------------------------------------------------------------
    def markdown(self) -> str:
        out = [f"## {md(self.title)}", f"统计时间：{format_local(self.now)}"]
        out.append(f"### 超期未回复（{len(self.overdue)} 条）")
        for department, rows in self.by_department(self.overdue):
            out.append(f"**{md(department, FIELD_LIMIT)}**（{len(rows)} 条）")
            for r in rows:
                url = safe_url(r.url)
                link = f" [原文]({url})" if url else ""
                out.append(
                    f'- {md(r.title, TITLE_LIMIT)}（超期 <font color="warning">{r.days_overdue}</font> 天，'
                    f"截止 {r.due_date.strftime('%m-%d')}）{link}"
                )
        if not self.overdue:
            out.append("无")
        for label, rows in (
            (f"今日到期（{len(self.due_today)} 条）", self.due_today),
            (
                f"下一工作日 {self.next_day.strftime('%m-%d')} 到期（{len(self.due_next)} 条）",
                self.due_next,
            ),
        ):
            out.append(f"### {label}")
            out += [
                f"- {md(r.department, FIELD_LIMIT)}：{md(r.title, TITLE_LIMIT)}" for r in rows
            ] or ["无"]
        out.append(f"### {self.since.strftime('%m-%d')} 以来回复")
        out += [
            f"- {md(d, FIELD_LIMIT)}：按时 {p.on_time}，逾期 {p.late}，按时率 {p.rate(p.on_time, p.late)}"
            f"（近30天 {p.rate(p.on_time_30, p.late_30)}）"
            for d, p in sorted(self.replied.items())
        ] or ["无"]
        if self.crises:
            out.append(f"### 未完成的舆情事件（{len(self.crises)} 项）")
            out += [
                f"- {md(c['title'], TITLE_LIMIT)}（{c['level']}）{c['milestone']} 截止 {c['deadline']}，"
                f'<font color="warning">{c["clock"]}</font>'
                for c in self.crises
            ]
        if self.watch:
            out.append(f"### 新增舆情关注（{len(self.watch)} 组）")
            out += [
                f"- {md(w['title'], TITLE_LIMIT)}（{w['count']} 篇；{md('、'.join(w['terms']))}）"
                for w in self.watch
            ]
        if self.unhealthy:
            out.append(f"### 异常数据源（{len(self.unhealthy)} 个）")
            out += [
                f"- {md(self.source_title(s['name']))}：{md(s['reason'])}" for s in self.unhealthy
            ]
        if self.reply_flags:
            out.append(f"### 疑似敷衍回复（{len(self.reply_flags)} 条）")
            out += [
                f"- {md(f['department'], FIELD_LIMIT)}：{md(f['title'], TITLE_LIMIT)}"
                f"（{md('、'.join(f['labels']))}）"
                for f in self.reply_flags
            ]
        if self.consultations:
            out.append(f"### 意见征集（{len(self.consultations)} 项）")
            out += [
                f"- {c['label']}：{md(c['department'], FIELD_LIMIT)}"
                f"「{md(c['title'], TITLE_LIMIT)}」（{c['when']}）"
                for c in self.consultations
            ]
        if self.calendar_warning:
            out.append(f"> 注意：{md(self.calendar_warning)}")
        return "\n".join(out)

    def plain(self) -> str:
        return "\n".join(plain(line) if line.strip() else "" for line in self.text().split("\n"))

    # -- e-mail ---------------------------------------------------------------------------
    def html(self) -> str:
        def rows_table(headers: list[str], rows: list[list[Any]]) -> str:
            if not rows:
                return "<p>无</p>"
            head = "".join(f"<th>{_html.escape(h)}</th>" for h in headers)
            body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
            return (
                f'<table border="1" cellspacing="0" cellpadding="4"><tr>{head}</tr>{body}</table>'
            )

        def link(r: Row) -> str:
            url = safe_url(r.url)
            title = html_text(r.title, TITLE_LIMIT)
            return f'<a href="{_html.escape(url)}">{title}</a>' if url else title

        parts = [
            f"<h2>{html_text(self.title)}</h2>",
            f"<p>统计时间：{format_local(self.now)}</p>",
            f"<h3>超期未回复（{len(self.overdue)} 条）</h3>",
            rows_table(
                ["部门", "超期天数", "截止", "标题"],
                [
                    [
                        html_text(r.department, FIELD_LIMIT),
                        r.days_overdue,
                        r.due_date.isoformat(),
                        link(r),
                    ]
                    for _, rows in self.by_department(self.overdue)
                    for r in rows
                ],
            ),
            f"<h3>今日到期（{len(self.due_today)} 条）</h3>",
            rows_table(
                ["部门", "标题"],
                [[html_text(r.department, FIELD_LIMIT), link(r)] for r in self.due_today],
            ),
            f"<h3>下一工作日 {self.next_day.isoformat()} 到期（{len(self.due_next)} 条）</h3>",
            rows_table(
                ["部门", "标题"],
                [[html_text(r.department, FIELD_LIMIT), link(r)] for r in self.due_next],
            ),
            f"<h3>{self.since.isoformat()} 以来回复</h3>",
            rows_table(
                ["部门", "按时", "逾期", "按时率", "近30天按时率"],
                [
                    [
                        html_text(d, FIELD_LIMIT),
                        p.on_time,
                        p.late,
                        p.rate(p.on_time, p.late),
                        p.rate(p.on_time_30, p.late_30),
                    ]
                    for d, p in sorted(self.replied.items())
                ],
            ),
            f"<h3>未完成的舆情事件（{len(self.crises)} 项）</h3>",
            rows_table(
                ["事件", "级别", "节点", "截止", "时限"],
                [
                    [
                        html_text(c["title"], TITLE_LIMIT),
                        c["level"],
                        c["milestone"],
                        c["deadline"],
                        c["clock"],
                    ]
                    for c in self.crises
                ],
            ),
            f"<h3>新增舆情关注（{len(self.watch)} 组）</h3>",
            rows_table(
                ["报道", "篇数", "关注词"],
                [
                    [
                        html_text(w["title"], TITLE_LIMIT),
                        w["count"],
                        html_text("、".join(w["terms"])),
                    ]
                    for w in self.watch
                ],
            ),
            f"<h3>异常数据源（{len(self.unhealthy)} 个）</h3>",
            rows_table(
                ["数据源", "原因", "最近成功"],
                [
                    [
                        html_text(self.source_title(s["name"])),
                        html_text(s["reason"]),
                        s["since"] or "无",
                    ]
                    for s in self.unhealthy
                ],
            ),
        ]
        parts += [
            f"<h3>疑似敷衍回复（{len(self.reply_flags)} 条）</h3>",
            rows_table(
                ["部门", "留言", "原因"],
                [
                    [
                        html_text(f["department"], FIELD_LIMIT),
                        html_text(f["title"], TITLE_LIMIT),
                        html_text("、".join(f["labels"])),
                    ]
                    for f in self.reply_flags
                ],
            ),
        ]
        parts += [
            f"<h3>意见征集（{len(self.consultations)} 项）</h3>",
            rows_table(
                ["情况", "部门", "期限", "草案"],
                [
                    [
                        c["label"],
                        html_text(c["department"], FIELD_LIMIT),
                        c["when"],
                        html_text(c["title"], TITLE_LIMIT),
                    ]
                    for c in self.consultations
                ],
            ),
        ]
        if self.calendar_warning:
            parts.append(f"<p><b>注意：</b>{html_text(self.calendar_warning)}</p>")
        return "\n".join(parts)

    def as_dict(self) -> dict[str, Any]:
        """For `summary --json`: times ISO-8601, levels and milestones as codes (docs/commands.md);
        the Chinese wording is in `text` only."""
        return {
            "date": self.day.isoformat(),
            "as_of": iso(self.now),
            "next_workday": self.next_day.isoformat(),
            "since": self.since.isoformat(),
            "overdue": len(self.overdue),
            "due_today": len(self.due_today),
            "due_next": len(self.due_next),
            "crises": [
                {
                    "id": c["id"],
                    "title": clean(c["title"], TITLE_LIMIT),
                    "level": c["level_code"],
                    "milestone": c["milestone_code"],
                    "deadline": iso(c["deadline_at"]),
                    "overdue": c["deadline_at"] <= self.now,
                }
                for c in self.crises
            ],
            "watch": [
                {
                    "cluster": w["cluster"],
                    "title": clean(w["title"], TITLE_LIMIT),
                    "count": w["count"],
                    "terms": w["terms"],
                }
                for w in self.watch
            ],
            "unhealthy": [
                {
                    "name": u["name"],
                    "source_title": self.source_title(u["name"]),
                    "reason": u["reason"],
                    "last_success": iso(u["last_success"]),
                }
                for u in self.unhealthy
            ],
            "reply_flags": [
                {
                    "message_id": f["message_id"],
                    "title": clean(f["title"], TITLE_LIMIT),
                    "reasons": f["reasons"],
                }
                for f in self.reply_flags
            ],
            "calendar_warning": self.calendar_warning,
            "consultations": [
                {
                    **{k: c[k] for k in ("id", "department", "situation", "feedback_due")},
                    "title": clean(c["title"], TITLE_LIMIT),
                }
                for c in self.consultations
            ],
            "text": self.text(),
        }

    def csv(self) -> str:
        """The overdue list; cells that a spreadsheet would run as formulas are defused."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["部门", "标题", "来信时间", "截止日期", "超期天数", "数据源", "链接"])
        for _, rows in self.by_department(self.overdue):
            for r in rows:
                writer.writerow(
                    [
                        _cell(clean(r.department, FIELD_LIMIT)),
                        _cell(clean(r.title, TITLE_LIMIT)),
                        format_local(r.posted_at),
                        r.due_date.isoformat(),
                        r.days_overdue,
                        _cell(self.source_title(r.source)),
                        safe_url(r.url) or "",
                    ]
                )
        return buffer.getvalue()

    def outgoing(self) -> Outgoing:
        attachment = Attachment(
            f"overdue-{self.day.isoformat()}.csv", self.csv().encode("utf-8-sig")
        )
        return Outgoing(
            title=self.title,
            markdown=self.markdown(),
            text=self.plain(),
            html=self.html(),
            attachments=[attachment],
        )


def _cell(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _previous_workday(app: App, day: date) -> date:
    prev = day - timedelta(days=1)
    while not app.calendar.is_workday(prev, provisional=True):
        prev -= timedelta(days=1)
    return prev


def _next_workday(app: App, day: date) -> date:
    nxt = day + timedelta(days=1)
    while not app.calendar.is_workday(nxt, provisional=True):
        nxt += timedelta(days=1)
    return nxt


def build_summary(app: App, day: date, now: datetime | None = None) -> Summary:
    """The summary for `day` (Asia/Shanghai) as of `now` (default: the app's clock)."""
    moment = now or app.now()
    summary = Summary(
        day=day,
        now=moment,
        next_day=_next_workday(app, day),
        since=_previous_workday(app, day),
        sources=source_titles(app.config),
    )
    with app.session() as session:
        _deadlines(session, summary)
        _replies(session, summary)
        _crises(session, summary)
        _watch(session, summary)
        _unhealthy(session, summary)
        _reply_flags(session, summary)
        _consultations(session, summary)
    summary.calendar_warning = _calendar_warning(app, day)
    return summary


def _deadlines(session: Session, summary: Summary) -> None:
    """Active messages: overdue, due today, due on the next working day."""

    day, moment = summary.day, summary.now
    # as of `moment`: posted by then, and not yet replied then (a past day's summary lists
    # what was open that day, not what is open now)
    active = session.scalars(
        select(Message)
        .where(
            or_(
                Message.state.in_(ACTIVE_STATE_VALUES),
                and_(Message.state.in_(["replied", "replied_late"]), Message.replied_at > moment),
            ),
            Message.posted_at <= moment,
        )
        .order_by(Message.due_date, Message.posted_at)
    )
    for m in active:
        row = Row(
            m.department or NO_DEPARTMENT,
            m.title or "（无标题）",
            m.posted_at,
            m.due_date,
            m.url,
            m.source,
            max(1, (day - m.due_date).days),
            bool(m.provisional),
        )
        if m.deadline <= summary.now:
            summary.overdue.append(row)
        elif m.due_date == day:
            summary.due_today.append(row)
        elif m.due_date == summary.next_day:
            summary.due_next.append(row)
    _disclosures(session, summary)


def _disclosures(session: Session, summary: Summary) -> None:
    """依申请公开 requests whose clock runs share the lists (docs/disclosure-and-reports.md), marked as such."""

    day, moment = summary.day, summary.now
    # as for messages: the requests running at the summary's moment (one answered since
    # was still open then)
    running = or_(
        DisclosureRequest.state.in_(DISCLOSURE_RUNNING),
        and_(DisclosureRequest.done_at > moment, DisclosureRequest.correction_asked_at.is_(None)),
    )
    for r in session.scalars(
        select(DisclosureRequest)
        .where(running, DisclosureRequest.first_received_at <= moment)
        .order_by(DisclosureRequest.due_date, DisclosureRequest.id)
    ):
        request_row = Row(
            r.department or NO_DEPARTMENT,
            f"【依申请公开】{r.title}",
            r.first_received_at,
            r.due_date,
            None,
            "依申请公开",
            max(1, (day - r.due_date).days),
            bool(r.provisional),
        )
        if r.deadline <= moment:
            summary.overdue.append(request_row)
        elif r.due_date == day:
            summary.due_today.append(request_row)
        elif r.due_date == summary.next_day:
            summary.due_next.append(request_row)


# what a consultation line says, in the order the section lists them
CONSULTATION_SITUATIONS = {
    "feedback_overdue": "采纳情况超期",
    "feedback_due_today": "采纳情况今日到期",
    "feedback_due_next": "采纳情况下一工作日到期",
    "short": "征集期过短",
}


def _consultations(session: Session, summary: Summary) -> None:
    """意见征集 as of the summary's moment: 采纳情况 overdue, due today or on the next working
    day, and windows still taking comments that are shorter than the rule."""
    moment, day = summary.now, summary.day
    c = Consultation
    owing = or_(c.feedback_at.is_(None), c.feedback_at > moment)
    found = []
    for row in session.scalars(
        select(c).where(owing, c.created_at <= moment).order_by(c.due_date, c.id)
    ):
        if row.closes_at > moment:
            situation = "short" if row.short else None
            when = f"{row.closes_on.isoformat()} 截止征集，仅 {row.window_days} 天"
        elif row.deadline <= moment:
            situation, when = "feedback_overdue", f"{row.due_date.isoformat()} 已过"
        elif row.due_date == day:
            situation, when = "feedback_due_today", f"{row.due_date.isoformat()} 24:00"
        elif row.due_date == summary.next_day:
            situation, when = "feedback_due_next", f"{row.due_date.isoformat()} 24:00"
        else:
            situation = None
        if situation is not None:
            found.append(
                {
                    "id": row.id,
                    "title": row.title,  # whole: each form masks and cuts it
                    "department": row.department or NO_DEPARTMENT,
                    "situation": situation,
                    "label": CONSULTATION_SITUATIONS[situation],
                    "feedback_due": row.due_date.isoformat(),
                    "when": when,
                }
            )
    order = list(CONSULTATION_SITUATIONS)
    summary.consultations = sorted(found, key=lambda x: order.index(x["situation"]))


def _replies(session: Session, summary: Summary) -> None:
    """Replies since the previous working day, and over 30 days, per department."""

    window = (start_of_day(summary.since), start_of_day(summary.day))
    month = (start_of_day(summary.day - timedelta(days=30)), start_of_day(summary.day))
    for m in session.scalars(
        select(Message).where(
            Message.state.in_(["replied", "replied_late"]),
            Message.replied_at >= month[0],
            Message.replied_at < month[1],
        )
    ):
        p = summary.replied.setdefault(m.department or NO_DEPARTMENT, Punctuality())
        on_time = m.state == "replied"
        p.on_time_30 += on_time
        p.late_30 += not on_time
        if m.replied_at is not None and window[0] <= m.replied_at < window[1]:
            p.on_time += on_time
            p.late += not on_time
    summary.replied = {d: p for d, p in summary.replied.items() if p.on_time + p.late}


def _crises(session: Session, summary: Summary) -> None:
    """Crisis milestones not done yet, with their clocks."""

    events = session.scalars(
        select(CrisisEvent)
        .options(selectinload(CrisisEvent.milestones))
        .where(
            CrisisEvent.milestones.any(
                or_(Milestone.done_at.is_(None), Milestone.done_at > summary.now)
            ),
            CrisisEvent.started_at <= summary.now,
        )
        .order_by(CrisisEvent.started_at)
    )
    for event in events:
        for ms in event.milestones:
            if ms.done_at is None or ms.done_at > summary.now:
                # the labels are for people; the codes and the instant for --json
                summary.crises.append(
                    {
                        "id": event.id,
                        "title": event.title,
                        "level": EVENT_LEVEL_ZH.get(event.level, event.level),
                        "milestone": MILESTONE_ZH.get(ms.name, ms.name),
                        "deadline": format_local(ms.deadline),
                        "clock": clock(ms.deadline, summary.now, "已超时"),
                        "level_code": event.level,
                        "milestone_code": ms.name,
                        "deadline_at": ms.deadline,
                    }
                )


def _watch(session: Session, summary: Summary) -> None:
    """News stories with new (non-info) watch hits since the previous working day."""

    hits = session.execute(
        select(WatchHit.subject, WatchHit.term, WatchHit.level).where(
            WatchHit.found_at >= start_of_day(summary.since),
            WatchHit.found_at < summary.now,
            WatchHit.level != "info",
            WatchHit.subject.like("news:%"),
        )
    ).all()
    news_ids = {int(s.split(":", 1)[1]) for s, _, _ in hits if s.split(":", 1)[1].isdigit()}
    news = (
        {n.id: n for n in session.scalars(select(NewsItem).where(NewsItem.id.in_(news_ids)))}
        if news_ids
        else {}
    )
    clusters: dict[Any, dict[str, Any]] = {}
    for subject, term, _level in hits:
        item = (
            news.get(int(subject.split(":", 1)[1])) if subject.split(":", 1)[1].isdigit() else None
        )
        if item is None:
            continue
        key = item.cluster if item.cluster is not None else f"n{item.id}"
        entry = clusters.setdefault(key, {"title": item.title, "items": set(), "terms": []})
        entry["items"].add(item.id)
        if term not in entry["terms"]:
            entry["terms"].append(term)
    summary.watch = sorted(
        (
            {"cluster": k, "title": v["title"], "count": len(v["items"]), "terms": v["terms"]}
            for k, v in clusters.items()
        ),
        key=lambda w: -w["count"],
    )


def _reply_flags(session: Session, summary: Summary) -> None:
    """Replies flagged as perfunctory since the previous working day (on a Monday: Friday to
    Sunday, so a weekend's flags are not lost, by when they were checked), not marked 误报;
    oldest first."""
    end = min(start_of_day(summary.day), summary.now)
    query = (
        select(Message, ReplyVerdict)
        .join(ReplyVerdict, ReplyVerdict.message_id == Message.id)
        .where(
            ReplyVerdict.flag_stands(),
            ReplyVerdict.checked_at >= start_of_day(summary.since),
            ReplyVerdict.checked_at < end,
        )
        .order_by(ReplyVerdict.checked_at, Message.id)
    )
    for message, verdict in session.execute(query):
        summary.reply_flags.append(
            {
                "message_id": message.id,
                "department": message.department or NO_DEPARTMENT,
                "title": message.title or "（无标题）",
                "reasons": list(verdict.reasons),
                "labels": reason_labels(list(verdict.reasons)),
            }
        )


def _unhealthy(session: Session, summary: Summary) -> None:
    for source in session.scalars(
        select(Source).where(Source.healthy.is_(False)).order_by(Source.name)
    ):
        if not problem_began_by(source, summary.now):
            continue  # a past summary: the source still worked then
        summary.unhealthy.append(
            {
                "name": source.name,
                "reason": source.reason or "未知",
                "since": format_local(source.last_success) or None,
                "last_success": source.last_success,
            }
        )


def problem_began_by(source: Any, moment: datetime) -> bool:
    """Whether an unhealthy source's current problem had begun at `moment`: it began after
    the last success, so a success at or after `moment` means it had not (a summary is as of
    its date: `summary --date` of a past day lists only what was wrong then). A source that
    never succeeded and failed once so far began failing at that failure."""
    if source.last_success is not None:
        return source.last_success < moment
    if source.last_error is not None and (source.consecutive_failures or 0) <= 1:
        return source.last_error <= moment
    return True


def _calendar_warning(app: App, day: date) -> str | None:
    year = day.year
    if not app.calendar.knows_year(year):
        return (
            f"工作日日历缺少 {year} 年节假日安排，截止日暂按周末推算；"
            f"请运行 opinion-monitor calendar import-notice 通知.txt 导入{year}年安排"
        )
    if not app.calendar.knows_year(year + 1):
        return (
            f"工作日日历尚无 {year + 1} 年节假日安排；国务院办公厅发布后"
            f"请运行 opinion-monitor calendar import-notice 通知.txt 导入"
        )
    return None


def summary_time(app: App, day: date) -> datetime:
    """The moment a summary of `day` is made: `[summary] at` (local) on that day."""
    from datetime import time

    return to_utc(datetime.combine(day, time(*parse_clock(app.config.settings.summary.at))))


def summary_subject(day: date) -> str:
    return str(Subject.summary(day))


def enqueue_summary(app: App, day: date) -> bool:
    """Put the day's summary in the outbox once (subject summary:YYYY-MM-DD, stage daily).
    True when it was added now, False when it was already there."""
    moment = app.now()
    with app.session() as session:
        return (
            enqueue(
                session,
                [
                    NewAlert(
                        AlertKind.DAILY_SUMMARY,
                        Subject.summary(day),
                        "daily",
                        moment,
                        payload=SummaryPayload(date=day.isoformat(), enqueued_at=iso(moment)),
                    )
                ],
            )
            == 1
        )


def summary_for_alert(app: App, alert: Alert, now: datetime) -> Outgoing:
    data = payload(alert, SummaryPayload)
    day = date.fromisoformat(data.date or str(Subject.parse(alert.subject).key))  # type: ignore[union-attr]
    # `summary --send --date D` fixes the moment the summary describes; the daemon's
    # summaries describe the moment they go out
    as_of = parse_iso(data.as_of) if data.as_of else now
    return build_summary(app, day, as_of).outgoing()
