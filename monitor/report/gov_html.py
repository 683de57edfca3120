"""The annual report's statistical part as HTML laid out like the national format: merged
header cells (rowspan/colspan) as in 国办公开办函〔2021〕30号, the row labels word for word,
the cross-checks above the tables and the cells resting on unknown reasons marked ※.

`render_gov_html(report)` is the stand-alone page (`report --format gov-annual --out X.html`,
its CSS inline, nothing fetched, A4 print CSS); the dashboard shows `render_gov_body(report)`
and serves `GOV_CSS` as a file (its CSP forbids inline styles)."""

from __future__ import annotations

import html
from typing import Any

from monitor.disclosure.categories import ORGANISATIONS, REASONS
from monitor.disclosure.deadlines import OUTCOMES
from monitor.report.charts import FONT
from monitor.report.gov_annual import (
    CASE_RESULTS,
    CASES,
    COLUMNS,
    RESULTS_HEADING,
    ROW_CARRIED_IN,
    ROW_CARRIED_OUT,
    ROW_DONE,
    ROW_NEW,
    TABLE3_NOTE,
    TABLE3_TITLE,
    TABLE4_TITLE,
    GovAnnual,
    result_rows,
    span_label,
)
from monitor.report.gov_table2 import BLOCKS, CONTENT
from monitor.report.gov_table2 import TITLE as TABLE2_TITLE
from monitor.timeutil import format_local

GOV_CSS = f"""
body {{ font-family: {FONT}; color: #111; margin: 24px auto; max-width: 960px; line-height: 1.45; }}
h1.gov {{ font-size: 21px; text-align: center; margin-bottom: 4px; }}
h2.gov {{ font-size: 16px; margin: 22px 0 6px; }}
p.gov-meta {{ color: #444; font-size: 13px; text-align: center; }}
table.gov {{ border-collapse: collapse; width: 100%; font-size: 12.5px; margin: 6px 0 4px; }}
table.gov th, table.gov td {{ border: 1px solid #333; padding: 3px 5px; }}
table.gov th {{ font-weight: normal; text-align: center; background: #f3f5f8; }}
table.gov td.num {{ text-align: center; min-width: 3.2em; }}
table.gov td.label {{ text-align: left; }}
table.gov td.group {{ text-align: left; white-space: nowrap; }}
table.gov td.block {{ text-align: center; font-weight: bold; background: #fafafa; }}
table.gov td.vertical {{ writing-mode: vertical-rl; text-align: center; letter-spacing: 2px; width: 1.6em; }}
table.gov th.note {{ font-size: 11.5px; background: #fff; }}
table.gov td.gov-mark {{ background: #fff3c4; }}
ul.gov-checks {{ list-style: none; padding: 0; font-size: 13px; }}
ul.gov-checks li {{ margin: 3px 0; padding: 4px 8px; border-left: 4px solid #2e7d32; background: #f2f8f2; }}
ul.gov-checks li.bad {{ border-left-color: #c0392b; background: #fdf0ee; }}
p.gov-note {{ font-size: 12px; color: #444; }}
@media print {{
  @page {{ size: A4; margin: 15mm; }}
  body {{ margin: 0; max-width: none; }}
  table.gov, ul.gov-checks {{ break-inside: avoid; }}
  h2.gov {{ break-after: avoid; }}
  table.gov th, table.gov td.block, table.gov td.gov-mark, ul.gov-checks li {{
    -webkit-print-color-adjust: exact; print-color-adjust: exact; }}
}}
"""

MARK = "※"


def _e(text: Any) -> str:
    return html.escape(str(text))


def _cell(report: GovAnnual, row: str, column: str) -> str:
    value = report.table3[row][column]
    mark = report.mark(row, column)
    if mark is None:
        return f'<td class="num">{value}</td>'
    ids = "、".join(f"#{i}" for i in mark.requests)
    return (
        f'<td class="num gov-mark" title="{_e(f"可能少计：{ids} 办结时未登记具体理由")}">'
        f"{value}{MARK}</td>"
    )


def _numbers(report: GovAnnual, row: str) -> str:
    return "".join(_cell(report, row, c) for c in COLUMNS)


def table2_html(report: GovAnnual) -> str:
    figures = report.table2 or {}
    out = ['<table class="gov gov-t2"><tbody>']
    for block in BLOCKS:
        out.append(f'<tr><td class="block" colspan="4">{_e(block.article)}</td></tr>')
        span = 4 - len(block.columns)  # one figure spans the three figure columns
        head = "".join(
            f'<th colspan="{span}">{_e(c)}</th>' if len(block.columns) == 1 else f"<th>{_e(c)}</th>"
            for c in block.columns
        )
        out.append(f"<tr><th>{CONTENT}</th>{head}</tr>")
        for row in block.rows:
            values = figures.get(row, {})
            cells = "".join(
                f'<td class="num" colspan="{span}">{_e(values.get(c, 0))}</td>'
                if len(block.columns) == 1
                else f'<td class="num">{_e(values.get(c, 0))}</td>'
                for c in block.columns
            )
            out.append(f'<tr><td class="label">{_e(row)}</td>{cells}</tr>')
    out.append("</tbody></table>")
    if report.table2 is None:
        out.append(
            '<p class="gov-note">表二尚未填报（以上为 0）：请在值班看板「统计报表」页填写。</p>'
        )
    return "".join(out)


def table3_html(report: GovAnnual) -> str:
    head = (
        "<thead>"
        f'<tr><th class="note" colspan="3" rowspan="3">{_e(TABLE3_NOTE)}</th>'
        '<th colspan="7">申请人情况</th></tr>'
        f'<tr><th rowspan="2">{COLUMNS[0]}</th><th colspan="5">法人或其他组织</th>'
        f'<th rowspan="2">{COLUMNS[-1]}</th></tr>'
        "<tr>" + "".join(f"<th>{_e(c)}</th>" for c in ORGANISATIONS) + "</tr>"
        "</thead>"
    )
    rows = [
        f'<tr><td class="label" colspan="3">{ROW_NEW}</td>{_numbers(report, ROW_NEW)}</tr>',
        f'<tr><td class="label" colspan="3">{ROW_CARRIED_IN}</td>'
        f"{_numbers(report, ROW_CARRIED_IN)}</tr>",
    ]
    results = result_rows()
    first = True
    for outcome in OUTCOMES:
        lead = (
            f'<td class="vertical" rowspan="{len(results) + 1}">{RESULTS_HEADING}</td>'
            if first
            else ""
        )
        first = False
        if outcome not in REASONS:
            label = next(lbl for o, _, lbl in results if o == outcome)
            rows.append(
                f'<tr>{lead}<td class="label" colspan="2">{_e(label)}</td>'
                f"{_numbers(report, label)}</tr>"
            )
            continue
        group = [lbl for o, _, lbl in results if o == outcome]
        for i, label in enumerate(group):
            number = label.split(" ", 1)[1]
            side = (
                f'<td class="group" rowspan="{len(group)}">{_e(label.split(" ", 1)[0])}</td>'
                if i == 0
                else ""
            )
            rows.append(
                f'<tr>{lead if i == 0 else ""}{side}<td class="label">{_e(number)}</td>'
                f"{_numbers(report, label)}</tr>"
            )
    rows.append(
        f'<tr><td class="label" colspan="2">{ROW_DONE}</td>{_numbers(report, ROW_DONE)}</tr>'
    )
    rows.append(
        f'<tr><td class="label" colspan="3">{ROW_CARRIED_OUT}</td>'
        f"{_numbers(report, ROW_CARRIED_OUT)}</tr>"
    )
    note = ""
    if report.marks:
        ids = sorted({i for m in report.marks for i in m.requests})
        note = (
            f'<p class="gov-note">{MARK} 可能少计：{"、".join(f"#{i}" for i in ids)} '
            "办结时未登记具体理由（计入（七）总计，未计入分项）。补登理由后重新生成。</p>"
        )
    return f'<table class="gov gov-t3">{head}<tbody>{"".join(rows)}</tbody></table>{note}'


def table4_html(report: GovAnnual) -> str:
    results = CASE_RESULTS
    head = (
        "<thead>"
        f'<tr><th colspan="{len(results)}">行政复议</th>'
        f'<th colspan="{2 * len(results)}">行政诉讼</th></tr>'
        "<tr>"
        + "".join(f'<th rowspan="2">{r}</th>' for r in results)
        + f'<th colspan="{len(results)}">未经复议直接起诉</th>'
        f'<th colspan="{len(results)}">复议后起诉</th></tr>'
        "<tr>" + "".join(f"<th>{r}</th>" for r in results) * 2 + "</tr>"
        "</thead>"
    )
    numbers = "".join(
        f'<td class="num">{report.table4[case][r]}</td>' for case in CASES for r in results
    )
    return f'<table class="gov gov-t4">{head}<tbody><tr>{numbers}</tr></tbody></table>'


def checks_html(report: GovAnnual) -> str:
    items = "".join(
        f'<li class="{"ok" if c.ok else "bad"}">{"✓" if c.ok else "✗"} '
        f"<strong>{_e(c.name)}</strong>：{_e(c.detail)}</li>"
        for c in report.checks
    )
    return f'<ul class="gov-checks">{items}</ul>'


def render_gov_body(report: GovAnnual) -> str:
    meta = (
        f"统计期限：{span_label(report.year)}；办理情况截至 {format_local(report.as_of)}；"
        f"生成时间 {format_local(report.generated_at)}"
    )
    if not report.final:
        meta += "；年度尚未结束，本表为预览"
    return "\n".join(
        [
            f'<h1 class="gov">{report.year}年政府信息公开工作年度报告（统计部分）</h1>',
            f'<p class="gov-meta">{_e(meta)}</p>',
            '<h2 class="gov">数据核对</h2>',
            checks_html(report),
            f'<h2 class="gov">{TABLE2_TITLE}</h2>',
            table2_html(report),
            f'<h2 class="gov">{TABLE3_TITLE}</h2>',
            table3_html(report),
            f'<h2 class="gov">{TABLE4_TITLE}</h2>',
            table4_html(report),
        ]
    )


def render_gov_html(report: GovAnnual) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{report.year}年政府信息公开工作年度报告</title><style>{GOV_CSS}</style></head>"
        f"<body>\n{render_gov_body(report)}\n</body></html>\n"
    )
