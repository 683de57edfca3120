"""The report as one self-contained HTML page (inline SVG charts, print CSS for PDF).

`render_html(report)` is the whole document for `report --format html`; the dashboard's
/reports uses `render_body(report)` inside its own layout and serves `REPORT_CSS` as a file
(its CSP forbids inline styles)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from monitor.consultation.figures import ConsultationRow

# one wording for levels and milestones everywhere
from monitor.deadlines import EVENT_LEVEL_ZH as LEVEL_ZH
from monitor.deadlines import MILESTONE_ZH
from monitor.report.charts import FONT, punctuality_bars, trend_lines
from monitor.report.figures import Report, Timeliness
from monitor.report.files import personal_text
from monitor.timeutil import format_local
from monitor.watchlist.levels import LEVEL_ZH as WATCH_LEVEL_ZH

REPORT_CSS = f"""
body {{ font-family: {FONT}; color: #222; margin: 24px auto; max-width: 960px; line-height: 1.5; }}
h1 {{ font-size: 22px; margin-bottom: 4px; }}
h2 {{ font-size: 17px; border-left: 4px solid #2f6db5; padding-left: 8px; margin-top: 28px; }}
.meta {{ color: #555; font-size: 13px; }}
table {{ border-collapse: collapse; width: 100%; font-size: 13px; margin: 8px 0; }}
th, td {{ border: 1px solid #bbb; padding: 4px 6px; text-align: right; }}
th {{ background: #eef2f7; text-align: center; }}
td.name {{ text-align: left; }}
tr.total td {{ font-weight: bold; background: #f6f6f6; }}
.chart {{ margin: 12px 0; }}
.note {{ color: #555; font-size: 12px; }}
@media print {{
  @page {{ size: A4; margin: 15mm; }}
  body {{ margin: 0; max-width: none; }}
  h2 {{ break-after: avoid; }}
  table, .chart {{ break-inside: avoid; }}
  a {{ color: inherit; text-decoration: none; }}
}}
"""

# 收件 = 按时回复 + 逾期回复 + 已撤回 + 尚未回复 (其中超期 is part of 尚未回复): every
# message received is in exactly one of the four
TIMELINESS_HEAD = [
    "收件",
    "按时回复",
    "逾期回复",
    "已撤回",
    "尚未回复",
    "其中超期",
    "按时率",
    "回复用时中位数（工作日）",
    "90%分位（工作日）",
]
# requests are never withdrawn from a portal: their tables have no 已撤回 column
DISCLOSURE_HEAD = [h for h in TIMELINESS_HEAD if h != "已撤回"]


def pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def num(value: float | None) -> str:
    return "—" if value is None else (f"{value:g}")


def timeliness_cells(t: Timeliness) -> list[Any]:
    return [
        t.received,
        t.on_time,
        t.late,
        t.withdrawn,
        t.open,
        t.overdue,
        pct(t.rate),
        num(t.median_wd),
        num(t.p90_wd),
    ]


def disclosure_cells(t: Timeliness) -> list[Any]:
    cells = timeliness_cells(t)
    return cells[:3] + cells[4:]


def _table(
    head: Sequence[str], rows: Sequence[Sequence[Any]], total: Sequence[Any] | None = None
) -> str:
    out = [
        "<table><thead><tr>"
        + "".join(f"<th>{html.escape(str(h))}</th>" for h in head)
        + "</tr></thead><tbody>"
    ]
    for row in rows:
        out.append(
            "<tr>"
            + "".join(
                f'<td class="name">{html.escape(str(c))}</td>'
                if i == 0
                else f"<td>{html.escape(str(c))}</td>"
                for i, c in enumerate(row)
            )
            + "</tr>"
        )
    if total is not None:
        out.append(
            '<tr class="total">'
            + "".join(
                f'<td class="name">{html.escape(str(c))}</td>'
                if i == 0
                else f"<td>{html.escape(str(c))}</td>"
                for i, c in enumerate(total)
            )
            + "</tr>"
        )
    if not rows and total is None:
        out.append(f'<tr><td class="name" colspan="{len(head)}">（无）</td></tr>')
    out.append("</tbody></table>")
    return "".join(out)


def disclosure_rows(report: Report) -> list[list[Any]]:
    """The annual report's table as (item, count) rows, in its order."""
    d = report.disclosure
    rows: list[list[Any]] = [
        ["一、本年新收政府信息公开申请数量", d.new],
        ["二、上年结转政府信息公开申请数量", d.carried_in],
    ]
    for i, (outcome, n) in enumerate(d.outcomes.items()):
        rows.append([f"三、本年度办理结果（{'一二三四五六'[i]}）{outcome}", n])
    rows += [["三、本年度办理结果（七）总计", d.done], ["四、结转下年度继续办理", d.carried_out]]
    if report.period.kind != "year":  # a month or quarter: 本期/上期
        rows = [
            [
                r[0]
                .replace("本年度", "本期")
                .replace("本年", "本期")
                .replace("上年", "上期")
                .replace("下年度", "下期"),
                r[1],
            ]
            for r in rows
        ]
    return rows


def crisis_rows(report: Report, unmasked: bool = False) -> list[list[Any]]:
    text = personal_text(unmasked)
    rows = []
    for c in report.crises:
        for m in c.milestones:
            verdict = "未完成" if m["done_at"] is None else ("按时" if m["on_time"] else "超时")
            rows.append(
                [
                    text(c.title),
                    LEVEL_ZH.get(c.level, c.level),
                    format_local(c.started_at),
                    MILESTONE_ZH.get(m["name"], m["name"]),
                    f"{m['limit_hours']:g} 小时",
                    format_local(m["done_at"]) or "—",
                    "—" if m["hours"] is None else f"{m['hours']:g} 小时",
                    verdict,
                ]
            )
    return rows


QUALITY_HEAD = ["部门", "回复数", "疑似敷衍", "占比"]


def quality_cells(q: Any) -> list[Any]:
    return [q.name, q.replies, q.flagged, pct(q.rate)]


CONSULTATION_HEAD = [
    "起草部门",
    "征集项数",
    "征集期过短",
    "按时公布采纳情况",
    "逾期公布",
    "超期未公布",
    "未到期",
    "按时率",
]


def consultation_cells(r: ConsultationRow) -> list[Any]:
    return [r.name, r.held, r.short, r.on_time, r.late, r.overdue, r.pending, pct(r.rate)]


def consultation_section(report: Report) -> list[str]:
    """九、意见征集: consultations held, windows short, 采纳情况 on time (docs/consultations.md)."""
    c = report.consultation
    t = c.total
    return [
        "<h2>九、意见征集</h2>",
        (
            f"<p>本期开始征集意见 {t.held} 项，其中征集期过短 {t.short} 项；意见采纳情况按时公布 "
            f"{t.on_time} 项，逾期公布 {t.late} 项，超期未公布 {t.overdue} 项，按时率 {pct(t.rate)}。</p>"
        ),
        _table(
            CONSULTATION_HEAD,
            [consultation_cells(r) for r in c.by_department],
            consultation_cells(t),
        ),
        (
            '<p class="note">意见征集按开始征集日期归入统计期；征集期按日历日计（开始当日不计），'
            "少于规定天数为过短；采纳情况期限为征集截止次日起的工作日，按时率 = 按时公布 ÷"
            "（按时公布 + 逾期公布 + 超期未公布）。</p>"
        ),
    ]


CRISIS_HEAD = ["事件", "级别", "发生/发现时间", "节点", "时限", "完成时间", "用时", "结果"]
WATCH_HEAD = ["类别", "级别", "命中次数", "涉及条目"]


def render_body(report: Report, unmasked: bool = False) -> str:
    """The report's body; crisis titles masked unless `unmasked` (monitor.report.files)."""
    p = report.period
    t = report.total
    parts = [
        f"<h1>{html.escape(p.label)}政务舆情回应与依申请公开情况报告</h1>",
        (
            f'<p class="meta">统计期间：{p.start.isoformat()} 至 {(p.end - timedelta(days=1)).isoformat()}；'
            f"办理情况截至 {format_local(report.as_of)}；生成时间 {format_local(report.generated_at)}</p>"
        ),
        "<h2>一、总体情况</h2>",
        (
            f"<p>本期收到群众留言 {t.received} 件，按时回复 {t.on_time} 件，逾期回复 {t.late} 件，"
            f"已撤回 {t.withdrawn} 件，尚未回复 {t.open} 件（其中超期 {t.overdue} 件），"
            f"按时率 {pct(t.rate)}；"
            f"依申请公开新收 {report.disclosure.new} 件，办结 {report.disclosure.done} 件。</p>"
        ),
        "<h2>二、各部门留言办理情况</h2>",
        '<div class="chart">'
        + punctuality_bars(
            "各部门留言按时率",
            [(r.name, r.rate, r.on_time + r.late + r.overdue) for r in report.by_department],
        )
        + "</div>",
        _table(
            ["部门", *TIMELINESS_HEAD],
            [[r.name, *timeliness_cells(r)] for r in report.by_department],
            ["合计", *timeliness_cells(t)],
        ),
        "<h2>三、各来源留言办理情况</h2>",
        _table(
            ["来源", *TIMELINESS_HEAD],
            [[r.shown, *timeliness_cells(r)] for r in report.by_source],
            ["合计", *timeliness_cells(t)],
        ),
        "<h2>四、月度趋势</h2>",
        '<div class="chart">'
        + trend_lines(
            "月度收件数与按时率",
            [m.name for m in report.trend],
            [m.received for m in report.trend],
            [m.rate for m in report.trend],
        )
        + "</div>",
        _table(["月份", *TIMELINESS_HEAD], [[m.name, *timeliness_cells(m)] for m in report.trend]),
        "<h2>五、舆情关注词命中（按类别）</h2>",
        _table(
            WATCH_HEAD,
            [
                [w.category, WATCH_LEVEL_ZH.get(w.level, w.level), w.hits, w.subjects]
                for w in report.watch
            ],
        ),
        "<h2>六、突发舆情事件处置</h2>",
        _table(CRISIS_HEAD, crisis_rows(report, unmasked)),
        "<h2>七、依申请公开</h2>",
        _table(["项目", "数量"], disclosure_rows(report)),
        _table(
            ["承办部门", *DISCLOSURE_HEAD],
            [[r.name, *disclosure_cells(r)] for r in report.disclosure.by_department],
            ["合计", *disclosure_cells(report.disclosure.timeliness)],
        ),
        "<h2>八、回复质量（疑似敷衍）</h2>",
        _table(
            QUALITY_HEAD,
            [quality_cells(q) for q in report.reply_quality[:-1]],
            quality_cells(report.reply_quality[-1]) if report.reply_quality else None,
        ),
        *consultation_section(report),
        (
            '<p class="note">口径：按收到时间归入统计期；办理结果截至上述时间。'
            "收件 = 按时回复 + 逾期回复 + 已撤回 + 尚未回复（其中超期计入尚未回复）。"
            "按时率 = 按时回复 ÷（按时回复 + 逾期回复 + 超期未回复）。"
            "回复用时按工作日计，收到当日不计。"
            "疑似敷衍 = 回复检查标记为敷衍且未被编辑标为误报。</p>"
        ),
    ]
    return "\n".join(parts)


def render_html(report: Report, unmasked: bool = False) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{html.escape(report.period.label)}报告</title><style>{REPORT_CSS}</style></head>"
        f"<body>\n{render_body(report, unmasked)}\n</body></html>\n"
    )
