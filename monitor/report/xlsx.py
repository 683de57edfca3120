"""The report as an XLSX workbook (openpyxl), one sheet per table, for the office's own
documents: numbers stay numbers, rates are percentages formatted as such."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Any

from monitor.report.figures import Report, Timeliness
from monitor.report.html import (
    CONSULTATION_HEAD,
    CRISIS_HEAD,
    DISCLOSURE_HEAD,
    QUALITY_HEAD,
    TIMELINESS_HEAD,
    WATCH_HEAD,
    WATCH_LEVEL_ZH,
    crisis_rows,
    disclosure_rows,
)
from monitor.timeutil import format_local


def _cells(t: Timeliness) -> list[Any]:
    return [
        t.received,
        t.on_time,
        t.late,
        t.withdrawn,
        t.open,
        t.overdue,
        t.rate,
        t.median_wd,
        t.p90_wd,
    ]


def _disclosure_cells(t: Timeliness) -> list[Any]:
    cells = _cells(t)
    return cells[:3] + cells[4:]  # no 已撤回 for requests


def write_xlsx(report: Report, target: str | IO[bytes], unmasked: bool = False) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    book = Workbook()
    first = True

    def sheet(
        title: str,
        head: Sequence[str],
        rows: Sequence[Sequence[Any]],
        rate_column: int | None = None,
    ) -> None:
        nonlocal first
        ws = book.active if first else book.create_sheet()
        first = False
        ws.title = title
        ws.append([f"{report.period.label}：{title}"])
        ws["A1"].font = Font(bold=True, size=13)
        ws.append([f"办理情况截至 {format_local(report.as_of)}"])
        ws.append(list(head))
        for cell in ws[3]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="EEF2F7")
            cell.alignment = Alignment(horizontal="center", wrap_text=True)
        for row in rows:
            ws.append(list(row))
        if rate_column is not None:
            for row_cells in ws.iter_rows(min_row=4, min_col=rate_column, max_col=rate_column):
                for cell in row_cells:
                    cell.number_format = "0.0%"
        ws.column_dimensions["A"].width = 36
        for letter in "BCDEFGHIJ":
            ws.column_dimensions[letter].width = 14

    total = ["合计", *_cells(report.total)]
    rate_col = 8  # name + received, on time, late, withdrawn, open, overdue → the 8th column
    sheet(
        "按部门",
        ["部门", *TIMELINESS_HEAD],
        [[r.name, *_cells(r)] for r in report.by_department] + [total],
        rate_col,
    )
    sheet(
        "按来源",
        ["来源", *TIMELINESS_HEAD],
        [[r.shown, *_cells(r)] for r in report.by_source] + [total],
        rate_col,
    )
    sheet(
        "月度趋势",
        ["月份", *TIMELINESS_HEAD],
        [[m.name, *_cells(m)] for m in report.trend],
        rate_col,
    )
    sheet(
        "关注词命中",
        WATCH_HEAD,
        [
            [w.category, WATCH_LEVEL_ZH.get(w.level, w.level), w.hits, w.subjects]
            for w in report.watch
        ],
    )
    sheet("舆情事件", CRISIS_HEAD, crisis_rows(report, unmasked))
    sheet("依申请公开", ["项目", "数量"], disclosure_rows(report))
    d = report.disclosure
    sheet(
        "依申请公开按部门",
        ["承办部门", *DISCLOSURE_HEAD],
        [[r.name, *_disclosure_cells(r)] for r in d.by_department]
        + [["合计", *_disclosure_cells(d.timeliness)]],
        rate_col - 1,
    )
    sheet(
        "回复质量",
        QUALITY_HEAD,
        [[q.name, q.replies, q.flagged, q.rate] for q in report.reply_quality],
        4,
    )
    c = report.consultation
    sheet(
        "意见征集",
        CONSULTATION_HEAD,
        [_consultation_cells(r) for r in [*c.by_department, c.total]],
        len(CONSULTATION_HEAD),
    )
    book.save(target)


def _consultation_cells(r: Any) -> list[Any]:
    return [r.name, r.held, r.short, r.on_time, r.late, r.overdue, r.pending, r.rate]
