"""Alerts as Chinese messages: WeCom markdown, plain text and HTML (email), grouped by
department. Text that came from citizens or news is masked and, where it is long, cut
(`monitor.masking.mask_and_cut`: masking first, the cut never inside a masked run), then
escaped, so no link, mention, heading or formatting can be injected into an alert; only this
module's own templates produce markup. Items carry their texts whole: the formats cut them,
each to its limit, where they mask them."""

from __future__ import annotations

import html as _html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from alerts.outbox import (
    AlertKind,
    AnnualReportPayload,
    CalendarKnownPayload,
    CalendarPayload,
    ReplyQualityPayload,
    SourcePayload,
    Subject,
    WatchPayload,
    kind_heading,
    payload,
)
from monitor.deadlines import EVENT_LEVEL_ZH, MILESTONE_ZH
from monitor.masking import mask_and_cut, mask_name
from monitor.timeutil import format_local
from monitor.watchlist.levels import (
    LEVEL_ZH as WATCH_LEVEL_ZH,  # one wording for watch levels everywhere
)

NO_DEPARTMENT = "未分配部门"
TITLE_LIMIT = 100  # characters of a title in an alert, a digest or the summary
COMPACT_LIMIT = 40  # characters of a title on a compact line (one line per alert)
FIELD_LIMIT = 200  # characters of any other text one alert shows (a department, a reason)
SUBJECT_LIMIT = 60  # characters of an e-mail subject (the message title)
# sections that are not departments, and where they sit in a grouped message
CRISIS_SECTION, WATCH_SECTION, SYSTEM_SECTION = "舆情事件", "舆情监测", "系统运行"
_SECTION_ORDER = {CRISIS_SECTION: 0, WATCH_SECTION: 1, SYSTEM_SECTION: 3}

# Characters that carry meaning in WeCom markdown (or mentions) → harmless full-width forms.
_MD_TABLE = str.maketrans(
    {
        "[": "［",
        "]": "］",
        "(": "（",
        ")": "）",
        "<": "＜",
        ">": "＞",
        "@": "＠",
        "`": "'",
        "*": "＊",
        "#": "＃",
        "_": "＿",
        "~": "～",
        "|": "｜",
        "\\": "＼",
        "!": "！",
    }
)


def clean(text: Any, limit: int | None = None) -> str:
    """One line, personal data masked, cut to `limit` characters (monitor.masking)."""
    return mask_and_cut(text, limit)


def md(text: Any, limit: int | None = None) -> str:
    """Untrusted text for WeCom markdown: masked, cut, no markup, no links, no mentions."""
    out = clean(text, limit).translate(_MD_TABLE)
    # bare URLs are turned into links by the client; break the scheme separator
    return out.replace("://", "：//")


def plain(text: Any, limit: int | None = None) -> str:
    """Untrusted text for a text message: masked, cut; @ cannot mention anyone."""
    return clean(text, limit).replace("@", "＠").replace("://", "：//")


def html_text(text: Any, limit: int | None = None) -> str:
    return _html.escape(clean(text, limit))


def safe_url(url: str | None) -> str | None:
    """Only http(s) links, with characters that could end a markdown link percent-encoded."""
    if not url:
        return None
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return quote(url, safe=":/?&=%#+,;~.-_")


@dataclass
class Item:
    """One alert ready to render. Its texts are whole and untrusted: each format masks, cuts
    (title TITLE_LIMIT or COMPACT_LIMIT, the rest FIELD_LIMIT) and escapes them."""

    alert_id: int
    kind: str
    crisis: bool
    department: str | None
    title: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    url: str | None = None
    short: str = ""  # the compact line's tail, e.g. "截止 11-26"
    board_url: str | None = None  # its page on the dashboard, when [web] public_url is set

    @property
    def heading(self) -> str:
        return kind_heading(self.kind)


@dataclass
class Attachment:
    filename: str
    content: bytes
    mime: str = "text/csv"


@dataclass
class Outgoing:
    """One message for one channel, in every format a channel may want."""

    title: str
    markdown: str
    text: str
    html: str
    urgent: bool = False
    attachments: list[Attachment] = field(default_factory=list)
    alert_ids: list[int] = field(default_factory=list)


# ---------------------------------------------------------------------------------------
# durations for people


def span(delta: timedelta) -> str:
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days} 天")
    if hours:
        parts.append(f"{hours} 小时")
    if mins and not days:
        parts.append(f"{mins} 分钟")
    return " ".join(parts) or "不到 1 分钟"


def clock(deadline: datetime, now: datetime, late_word: str = "已超期") -> str:
    if deadline > now:
        return f"剩余 {span(deadline - now)}"
    return f"{late_word} {span(now - deadline)}"


# ---------------------------------------------------------------------------------------
# alerts → items


def message_item(
    alert: Any,
    message: Any,
    now: datetime,
    public_url: str | None = None,
    source_title: str | None = None,
) -> Item:
    """`source_title`: the source as the office knows it (monitor.names.source_titles)."""
    fields = [("部门", message.department or NO_DEPARTMENT)]
    if source_title:
        fields.append(("来源", source_title))
    if message.author:
        fields.append(("来信人", mask_name(message.author)))
    fields.append(("来信时间", format_local(message.posted_at)))
    due = f"{message.due_date.isoformat()} 24:00"
    if message.provisional:
        due += "（暂按周末推算，节假日安排待补充）"
    if alert.kind == AlertKind.REPLY_RESOLVED:
        when = format_local(message.replied_at)
        verdict = "按时" if message.state == "replied" else "逾期"
        fields += [("截止", due), ("回复时间", f"{when}（{verdict}）")]
        short = f"{verdict}回复"
    else:
        fields += [("截止", due), ("时限", clock(message.deadline, now))]
        short = f"截止 {message.due_date.strftime('%m-%d')}"
    item = Item(
        alert.id,
        alert.kind,
        bool(alert.crisis),
        message.department or NO_DEPARTMENT,
        message.title or "（无标题）",
        fields,
        message.url,
        short,
    )
    if public_url:
        item.board_url = f"{public_url}/messages/{message.id}"
    return item


def milestone_item(alert: Any, milestone: Any, now: datetime) -> Item:
    event = milestone.event
    name = MILESTONE_ZH.get(milestone.name, milestone.name)
    fields = [
        ("事件级别", EVENT_LEVEL_ZH.get(event.level, event.level)),
        ("事件开始", format_local(event.started_at)),
        ("节点", name),
        ("截止", format_local(milestone.deadline)),
        ("时限", clock(milestone.deadline, now, "已超时")),
    ]
    return Item(
        alert.id,
        alert.kind,
        True,
        CRISIS_SECTION,
        event.title,
        fields,
        None,
        f"{name} 截止 {format_local(milestone.deadline)[5:]}",
    )


def data_item(alert: Any, now: datetime, sources: Mapping[str, str] | None = None) -> Item:
    """Kinds described by their payload (watch hits, sources, calendar). `sources`: the
    sources' display names by key (monitor.names.source_titles)."""
    kind = AlertKind.of(alert.kind)
    if kind in (AlertKind.WATCH_HIT, AlertKind.POSSIBLE_CRISIS):
        return _watch_item(alert, payload(alert, WatchPayload), kind is AlertKind.POSSIBLE_CRISIS)
    if kind is AlertKind.SOURCE_UNHEALTHY:
        return _source_item(alert, payload(alert, SourcePayload), sources)
    if kind is AlertKind.CALENDAR_MISSING:
        return _calendar_item(alert, payload(alert, CalendarPayload))
    if kind is AlertKind.CALENDAR_KNOWN:
        return _calendar_known_item(alert, payload(alert, CalendarKnownPayload))
    if kind is AlertKind.ANNUAL_REPORT_DUE:
        return _annual_report_item(alert, payload(alert, AnnualReportPayload))
    if kind is AlertKind.REPLY_PERFUNCTORY:
        return _reply_quality_item(alert, payload(alert, ReplyQualityPayload))
    return Item(
        alert.id,
        alert.kind,
        bool(alert.crisis),
        alert.department,
        alert.subject,
        [("阶段", alert.stage)],
        None,
        alert.stage,
    )


def _watch_item(alert: Any, data: WatchPayload, possible_crisis: bool) -> Item:
    fields = []
    terms = [str(t) for t in data.terms]
    if terms:
        fields.append(("关注词", "、".join(terms)))
    if data.level:
        fields.append(("级别", WATCH_LEVEL_ZH.get(data.level, data.level)))
    names, count = data.outlet_list()
    if names:
        more = f" 等 {count} 家" if count > len(names[:8]) else ""
        fields.append(("来源", "、".join(names[:8]) + more))
    if data.cluster_size:
        fields.append(("相关报道", f"{data.cluster_size} 篇"))
    if possible_crisis:
        reasons = []
        if "critical_term" in data.reasons:
            reasons.append("命中严重级关注词")
        if "fast_spread" in data.reasons:
            hours = "" if data.spread_hours is None else f"{data.spread_hours:g}"
            reasons.append(
                f"{hours} 小时内 {data.spread if data.spread is not None else ''} 家媒体转载"
            )
        if reasons:
            fields.append(("原因", "；".join(reasons)))
        fields.append(("建议", "请研判是否启动舆情事件应对（event declare）"))
    return Item(
        alert.id,
        alert.kind,
        bool(alert.crisis) or possible_crisis,
        alert.department or WATCH_SECTION,
        data.title or "（无标题）",
        fields,
        data.url,
        "、".join(terms[:3]),
    )


def _reply_quality_item(alert: Any, data: ReplyQualityPayload) -> Item:
    fields = [("部门", data.department or NO_DEPARTMENT)]
    if data.replied_at:
        fields.append(("回复时间", data.replied_at))
    fields.append(("原因", "、".join(data.labels) or "—"))
    fields += [("依据", line) for line in data.evidence]
    fields.append(("处理", "请在看板的留言页核实，标记“误报”或“属实”"))
    item = Item(
        alert.id,
        alert.kind,
        False,
        data.department or NO_DEPARTMENT,
        data.title or "（无标题）",
        fields,
        data.url,
        "、".join(data.labels),
    )
    item.board_url = data.board_url
    return item


def _source_item(alert: Any, data: SourcePayload, sources: Mapping[str, str] | None = None) -> Item:
    subject = Subject.parse(alert.subject)
    key = subject.key if subject else alert.subject
    name = (sources or {}).get(key, key)
    fields = [("原因", data.reason or "未知")]
    if data.since:
        fields.append(("最近成功", data.since))
    if data.last_error:
        fields.append(("最近失败", data.last_error))
    found = "新闻" if data.kind == "news" else "留言"
    fields.append(("处理", f"数据源异常期间不会发现新的{found}，请检查网站或配置"))
    return Item(
        alert.id,
        alert.kind,
        False,
        SYSTEM_SECTION,
        f"数据源 {name} 异常",
        fields,
        None,
        data.reason or "",
    )


def _calendar_item(alert: Any, data: CalendarPayload) -> Item:
    year = data.year
    fields = [("说明", f"工作日日历缺少 {year} 年的节假日安排")]
    if data.provisional:
        fields.append(("影响", f"{data.provisional} 条留言的截止日暂按周末推算"))
    fields.append(
        (
            "处理",
            (
                f"把《国务院办公厅关于{year}年部分节假日安排的通知》全文存为 通知.txt，"
                "运行 opinion-monitor calendar import-notice 通知.txt，"
                "写入 holidays.toml"
                "（或在值班看板的 /calendar 页面粘贴通知全文，预览后导入）"
            ),
        )
    )
    return Item(
        alert.id, alert.kind, False, SYSTEM_SECTION, f"{year} 年节假日安排未配置", fields, None, ""
    )


def _calendar_known_item(alert: Any, data: CalendarKnownPayload) -> Item:
    year = data.year
    fields = [
        (
            "说明",
            (
                f"工作日日历已包含 {year} 年的节假日安排（放假 {data.holidays} 天，"
                f"调休上班 {data.workdays} 天）"
            ),
        ),
        ("影响", f"截止日涉及 {year} 年的留言已按新日历重新计算，不再是临时截止日"),
    ]
    if data.provisional:
        fields.append(
            ("仍待补充", f"{data.provisional} 条留言的截止日仍涉及未知年份，暂按周末推算")
        )
    return Item(
        alert.id, alert.kind, False, SYSTEM_SECTION, f"{year} 年节假日安排已生效", fields, None, ""
    )


def _annual_report_item(alert: Any, data: AnnualReportPayload) -> Item:
    left = data.working_days_left
    fields = [
        ("截止", f"{data.due_date} 24:00（政府信息公开条例第四十九条）"),
        ("时限", f"还剩 {left} 个工作日" if left is not None else "—"),
        (
            "生成情况",
            f"已于 {data.produced_at} 生成统计表" if data.produced_at else "尚未生成年度统计表",
        ),
        (
            "处理",
            (
                f"在值班看板「统计报表」页填写表二、核对数据，导出国办格式统计表"
                f"（opinion-monitor report --period {data.year} --format gov-annual "
                f"--out {data.year}年度报告.xlsx）；公开发布后在该页登记发布日期"
            ),
        ),
    ]
    return Item(
        alert.id,
        alert.kind,
        False,
        alert.department or "政务公开",
        f"{data.year} 年政府信息公开工作年度报告 {data.due_date[5:]} 截止",
        fields,
        None,
        f"截止 {data.due_date[5:]}",
    )


# ---------------------------------------------------------------------------------------
# items → one message

DETAILED_UP_TO = 10  # a group this small shows every field of every alert
COMPACT_LINES = 150  # beyond this, the rest of a large group is counted per department


def _sections(items: Iterable[Item]) -> list[tuple[str, list[Item]]]:
    groups: dict[str, list[Item]] = {}
    for item in items:
        groups.setdefault(item.department or "", []).append(item)
    # crisis events, then news, then departments by name, then the system's own health
    return sorted(groups.items(), key=lambda kv: (_SECTION_ORDER.get(kv[0], 2), kv[0]))


def _section_name(department: str) -> str:
    return department or SYSTEM_SECTION


class _Format:
    """One output format of a grouped message; compose() walks the items once and each format
    writes its own lines (markdown for WeCom, plain text, HTML for e-mail)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def title(self, text: str, grouped: bool) -> None: ...
    def section(self, name: str, count: int, grouped: bool) -> None: ...
    def detailed(self, item: Item, url: str | None) -> None: ...
    def compact(self, item: Item, url: str | None) -> None: ...
    def hidden(self, note: str) -> None: ...
    def end_section(self) -> None: ...
    def footer(self, note: str) -> None: ...

    def result(self) -> str:
        return "\n".join(self.lines).strip()


class _Markdown(_Format):
    def title(self, text: str, grouped: bool) -> None:
        if grouped:
            self.lines.append(f"**{md(text)}**")

    def section(self, name: str, count: int, grouped: bool) -> None:
        if grouped:
            self.lines.append(f"### {md(name, FIELD_LIMIT)}（{count} 条）")

    def detailed(self, item: Item, url: str | None) -> None:
        self.lines.append(f"**{item.heading}**{md(item.title, TITLE_LIMIT)}")
        self.lines += [f"> {label}：{md(value, FIELD_LIMIT)}" for label, value in item.fields]
        if url:
            self.lines.append(f"> [查看原文]({url})")
        if board := safe_url(item.board_url):
            self.lines.append(f"> [在看板中查看]({board})")
        self.lines.append("")

    def compact(self, item: Item, url: str | None) -> None:
        tail = f"（{md(item.short, FIELD_LIMIT)}）" if item.short else ""
        link = f" [原文]({url})" if url else ""
        self.lines.append(f"- {item.heading}{md(item.title, COMPACT_LIMIT)}{tail}{link}")

    def hidden(self, note: str) -> None:
        self.lines.append(f"- {md(note)}")

    def footer(self, note: str) -> None:
        self.lines.append(md(note))


class _Text(_Format):
    def title(self, text: str, grouped: bool) -> None:
        if grouped:
            self.lines.append(plain(text))

    def section(self, name: str, count: int, grouped: bool) -> None:
        if grouped:
            self.lines.append(f"—— {plain(name, FIELD_LIMIT)}（{count} 条）——")

    def detailed(self, item: Item, url: str | None) -> None:
        self.lines.append(f"{item.heading}{plain(item.title, TITLE_LIMIT)}")
        self.lines += [f"{label}：{plain(value, FIELD_LIMIT)}" for label, value in item.fields]
        if url:
            self.lines.append(f"链接：{url}")
        if board := safe_url(item.board_url):
            self.lines.append(f"看板：{board}")
        self.lines.append("")

    def compact(self, item: Item, url: str | None) -> None:
        tail = f"（{plain(item.short, FIELD_LIMIT)}）" if item.short else ""
        self.lines.append(f"- {item.heading}{plain(item.title, COMPACT_LIMIT)}{tail}")

    def hidden(self, note: str) -> None:
        self.lines.append(f"- {plain(note)}")

    def footer(self, note: str) -> None:
        self.lines.append(plain(note))


class _Html(_Format):
    def title(self, text: str, grouped: bool) -> None:
        self.lines.append(f"<h2>{_html.escape(text)}</h2>")

    def section(self, name: str, count: int, grouped: bool) -> None:
        if grouped:
            self.lines.append(f"<h3>{html_text(name, FIELD_LIMIT)}（{count} 条）</h3>")
        self.lines.append("<ul>")

    def detailed(self, item: Item, url: str | None) -> None:
        fields = "".join(
            f"<br>{_html.escape(label)}：{html_text(value, FIELD_LIMIT)}"
            for label, value in item.fields
        )
        link = f'<br><a href="{_html.escape(url)}">查看原文</a>' if url else ""
        if board := safe_url(item.board_url):
            link += f'<br><a href="{_html.escape(board)}">在看板中查看</a>'
        title = html_text(item.title, TITLE_LIMIT)
        self.lines.append(f"<li><b>{item.heading}</b>{title}{fields}{link}</li>")

    def compact(self, item: Item, url: str | None) -> None:
        tail = f"（{html_text(item.short, FIELD_LIMIT)}）" if item.short else ""
        link = f' <a href="{_html.escape(url)}">原文</a>' if url else ""
        title = html_text(item.title, TITLE_LIMIT)
        self.lines.append(f"<li>{item.heading}{title}{tail}{link}</li>")

    def hidden(self, note: str) -> None:
        self.lines.append(f"<li>{html_text(note)}</li>")

    def end_section(self) -> None:
        self.lines.append("</ul>")

    def footer(self, note: str) -> None:
        self.lines.append(f"<p>{html_text(note)}</p>")

    def result(self) -> str:
        return "\n".join(self.lines)


def _message_title(items: list[Item]) -> str:
    if len(items) == 1:
        return clean(f"{items[0].heading}{items[0].title}", SUBJECT_LIMIT)
    kinds = {i.kind for i in items}
    urgent = any(i.crisis for i in items)
    head = (
        kind_heading(next(iter(kinds)))
        if len(kinds) == 1
        else ("【舆情事件提醒】" if urgent else "【监测提醒】")
    )
    return f"{head}{len(items)} 条"


def compose(
    items: list[Item], detailed_up_to: int | None = None, compact_lines: int | None = None
) -> Outgoing:
    """One grouped message: a section per department; big groups become one line per alert
    and, past `compact_lines`, a count per department (every alert is still accounted for).
    Whatever an item carries, one alert renders bounded text: the formats cut its title and
    fields (TITLE_LIMIT, FIELD_LIMIT) where they mask them, so a 40,000-character request
    title cannot make thirty WeCom messages."""
    detailed_up_to = DETAILED_UP_TO if detailed_up_to is None else detailed_up_to
    compact_lines = COMPACT_LINES if compact_lines is None else compact_lines
    detailed = len(items) <= detailed_up_to
    grouped = len(items) > 1
    title = _message_title(items)
    formats: list[_Format] = [_Markdown(), _Text(), _Html()]
    for f in formats:
        f.title(title, grouped)
    hidden_total = 0
    for department, group in _sections(items):
        # past `compact_lines`, each section keeps its share of lines (at least 3), so a
        # flood in one department cannot hide another department's alerts
        quota = (
            len(group)
            if len(items) <= compact_lines
            else max(3, compact_lines * len(group) // len(items))
        )
        for f in formats:
            f.section(_section_name(department), len(group), grouped)
        shown = [item for item in group][: len(group) if detailed else quota]
        for item in shown:
            url = safe_url(item.url)
            for f in formats:
                (f.detailed if detailed else f.compact)(item, url)
        hidden = len(group) - len(shown)
        if hidden:
            for f in formats:
                f.hidden(f"…… 另有 {hidden} 条未逐条列出")
            hidden_total += hidden
        for f in formats:
            f.end_section()
    if hidden_total:
        for f in formats:
            f.footer(f"共 {hidden_total} 条未逐条列出，请运行 opinion-monitor items 查看全部")
    markdown, text, html = (f.result() for f in formats)
    return Outgoing(
        title=title,
        markdown=markdown,
        text=text,
        html=html,
        urgent=any(i.crisis for i in items),
        alert_ids=[i.alert_id for i in items],
    )
