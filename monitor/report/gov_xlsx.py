"""The annual report's statistical part as an XLSX workbook laid out like the national format
(国办公开办函〔2021〕30号): one sheet per table with the format's merged header cells and row
labels word for word, thin borders on every cell, numbers as numbers, and A4 print setup
(fitted to the page width, the header rows repeated); a fourth sheet lists the cross-checks.
Cells resting on requests with an unknown reason keep their number, are filled yellow and
carry a comment naming the requests."""

from __future__ import annotations

from typing import IO, Any

from monitor.disclosure.categories import ORGANISATIONS, REASONS
from monitor.disclosure.deadlines import OUTCOMES
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

SHEETS = ("表二 主动公开", "表三 依申请公开", "表四 复议诉讼", "数据核对")
FONT_NAME = "宋体"


class _Sheet:
    """A worksheet with the format's look: merged, bordered, wrapped, A4."""

    def __init__(self, ws: Any, width: int, landscape: bool = False) -> None:
        from openpyxl.styles import Alignment, Border, Font, Side

        self.ws, self.width = ws, width
        thin = Side(style="thin", color="000000")
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.center = Alignment(horizontal="center", vertical="center", wrap_text=True)
        self.left = Alignment(horizontal="left", vertical="center", wrap_text=True)
        self.font = Font(name=FONT_NAME, size=10.5)
        self.bold = Font(name=FONT_NAME, size=10.5, bold=True)
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "landscape" if landscape else "portrait"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.horizontalCentered = True
        ws.page_margins.left = ws.page_margins.right = 0.5
        ws.page_margins.top = ws.page_margins.bottom = 0.6

    def put(
        self,
        row: int,
        col: int,
        value: Any,
        rows: int = 1,
        cols: int = 1,
        align: str = "center",
        bold: bool = False,
    ) -> Any:
        """A value in a (merged) block, every cell of the block bordered."""
        ws = self.ws
        if rows > 1 or cols > 1:
            ws.merge_cells(
                start_row=row, start_column=col, end_row=row + rows - 1, end_column=col + cols - 1
            )
        for r in range(row, row + rows):
            for c in range(col, col + cols):
                cell = ws.cell(row=r, column=c)
                cell.border = self.border
                cell.alignment = self.center if align == "center" else self.left
                cell.font = self.bold if bold else self.font
        first = ws.cell(row=row, column=col)
        first.value = value
        return first

    def title(self, text: str, subtitle: str) -> None:
        from openpyxl.styles import Alignment, Font

        ws = self.ws
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=self.width)
        ws.cell(row=1, column=1, value=text).font = Font(name=FONT_NAME, size=13, bold=True)
        ws.cell(row=1, column=1).alignment = Alignment(horizontal="left", vertical="center")
        ws.row_dimensions[1].height = 24
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=self.width)
        ws.cell(row=2, column=1, value=subtitle).font = Font(name=FONT_NAME, size=9, color="555555")

    def widths(self, *widths: float) -> None:
        from openpyxl.utils import get_column_letter

        for i, w in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(i)].width = w


def _subtitle(report: GovAnnual) -> str:
    text = f"统计期限：{span_label(report.year)}；办理情况截至 {format_local(report.as_of)}"
    return text + ("" if report.final else "；年度尚未结束，本表为预览")


def _table2(book: Any, report: GovAnnual) -> None:
    sheet = _Sheet(book.active, 4)
    book.active.title = SHEETS[0]
    sheet.title(TABLE2_TITLE, _subtitle(report))
    sheet.widths(26, 20, 20, 20)
    figures = report.table2 or {}
    r = 4
    for block in BLOCKS:
        sheet.put(r, 1, block.article, cols=4, bold=True)
        r += 1
        sheet.put(r, 1, CONTENT)
        if len(block.columns) == 1:
            sheet.put(r, 2, block.columns[0], cols=3)
        else:
            for i, column in enumerate(block.columns):
                sheet.put(r, 2 + i, column)
        r += 1
        for row in block.rows:
            values = figures.get(row, {})
            sheet.put(r, 1, row, align="left")
            if len(block.columns) == 1:
                sheet.put(r, 2, _number(values.get(block.columns[0], 0)), cols=3)
            else:
                for i, column in enumerate(block.columns):
                    sheet.put(r, 2 + i, _number(values.get(column, 0)))
            r += 1
    if report.table2 is None:
        book.active.cell(
            row=r + 1, column=1, value="表二尚未填报（以上为 0）：请在值班看板「统计报表」页填写。"
        )


def _number(value: int | str) -> int | float:
    """Counts stay integers; a fee amount (text, exact) becomes a number for the sheet."""
    return value if isinstance(value, int) else float(value)


def _table3(book: Any, report: GovAnnual) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    ws = book.create_sheet(SHEETS[1])
    sheet = _Sheet(ws, 10)
    sheet.title(TABLE3_TITLE, _subtitle(report))
    sheet.widths(5, 13, 38, 8, 8, 8, 9, 9, 8, 8)
    # the header: rows 3–5
    sheet.put(3, 1, TABLE3_NOTE, rows=3, cols=3)
    sheet.put(3, 4, "申请人情况", cols=7)
    sheet.put(4, 4, COLUMNS[0], rows=2)
    sheet.put(4, 5, "法人或其他组织", cols=5)
    for i, org in enumerate(ORGANISATIONS):
        sheet.put(5, 5 + i, org)
    sheet.put(4, 10, COLUMNS[-1], rows=2)
    ws.print_title_rows = "3:5"
    mark_fill = PatternFill("solid", fgColor="FFF3C4")

    def numbers(r: int, label: str) -> None:
        for i, column in enumerate(COLUMNS):
            cell = sheet.put(r, 4 + i, report.table3[label][column])
            mark = report.mark(label, column)
            if mark is not None:
                cell.fill = mark_fill
                ids = "、".join(f"#{n}" for n in mark.requests)
                cell.comment = Comment(f"可能少计：{ids} 办结时未登记具体理由", "opinion-monitor")

    r = 6
    sheet.put(r, 1, ROW_NEW, cols=3, align="left")
    numbers(r, ROW_NEW)
    r += 1
    sheet.put(r, 1, ROW_CARRIED_IN, cols=3, align="left")
    numbers(r, ROW_CARRIED_IN)
    r += 1
    results = result_rows()
    sheet.put(r, 1, RESULTS_HEADING, rows=len(results) + 1)
    for outcome in OUTCOMES:
        if outcome not in REASONS:
            label = next(lbl for o, _, lbl in results if o == outcome)
            sheet.put(r, 2, label, cols=2, align="left")
            numbers(r, label)
            r += 1
            continue
        group = [lbl for o, _, lbl in results if o == outcome]
        sheet.put(r, 2, group[0].split(" ", 1)[0], rows=len(group), align="left")
        for label in group:
            sheet.put(r, 3, label.split(" ", 1)[1], align="left")
            numbers(r, label)
            r += 1
    sheet.put(r, 2, ROW_DONE, cols=2, align="left")
    numbers(r, ROW_DONE)
    r += 1
    sheet.put(r, 1, ROW_CARRIED_OUT, cols=3, align="left")
    numbers(r, ROW_CARRIED_OUT)
    if report.marks:
        ids = sorted({i for m in report.marks for i in m.requests})
        ws.cell(
            row=r + 2,
            column=1,
            value=(
                f"黄色单元格可能少计：{'、'.join(f'#{i}' for i in ids)} 办结时未登记具体理由"
                "（计入（七）总计，未计入分项）。"
            ),
        )


def _table4(book: Any, report: GovAnnual) -> None:
    ws = book.create_sheet(SHEETS[2])
    n = len(CASE_RESULTS)
    sheet = _Sheet(ws, 3 * n, landscape=True)
    sheet.title(TABLE4_TITLE, _subtitle(report))
    sheet.widths(*([9] * (3 * n)))
    sheet.put(3, 1, "行政复议", cols=n)
    sheet.put(3, n + 1, "行政诉讼", cols=2 * n)
    for i, result in enumerate(CASE_RESULTS):
        sheet.put(4, 1 + i, result, rows=2)
    sheet.put(4, n + 1, "未经复议直接起诉", cols=n)
    sheet.put(4, 2 * n + 1, "复议后起诉", cols=n)
    for i, result in enumerate(CASE_RESULTS):
        sheet.put(5, n + 1 + i, result)
        sheet.put(5, 2 * n + 1 + i, result)
    for c, case in enumerate(CASES):
        for i, result in enumerate(CASE_RESULTS):
            sheet.put(6, c * n + 1 + i, report.table4[case][result])


def _checks(book: Any, report: GovAnnual) -> None:
    ws = book.create_sheet(SHEETS[3])
    sheet = _Sheet(ws, 3)
    sheet.title(f"{report.year}年度报告数据核对", _subtitle(report))
    sheet.widths(34, 8, 80)
    for i, head in enumerate(("核对项", "结果", "说明")):
        sheet.put(3, 1 + i, head, bold=True)
    for r, check in enumerate(report.checks, start=4):
        sheet.put(r, 1, check.name, align="left")
        sheet.put(r, 2, "通过" if check.ok else "不通过")
        sheet.put(r, 3, check.detail, align="left")


def write_gov_xlsx(report: GovAnnual, target: str | IO[bytes]) -> None:
    from openpyxl import Workbook

    book = Workbook()
    _table2(book, report)
    _table3(book, report)
    _table4(book, report)
    _checks(book, report)
    book.properties.title = f"{report.year}年政府信息公开工作年度报告（统计部分）"
    book.save(target)
