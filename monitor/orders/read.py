"""Reading a work-order export as the hotline platform writes it: a table of cells.

Pure reading, no database: `read_table(path, …)` → `Table` (the header row found, then the
data rows with their row numbers as a spreadsheet shows them). What real exports do, and
what is done about it:

* XLSX, read with openpyxl in read-only mode (a 5,000-row export in well under a second);
  merged cells (a title across the top, a two-row header, one 承办单位 merged down over the
  rows it covers) are filled with their top-left value, as a person sees them.
* A file named `.xls` is often not a binary workbook at all: the platform wrote an HTML
  table, or CSV, under that name. The content decides (a ZIP is XLSX, an HTML table is read
  as one, text is CSV); a real binary `.xls` is refused with the advice to save it as
  `.xlsx`.
* CSV in UTF-8 (with or without BOM), UTF-16 (Excel's “Unicode text”, tab-separated) or
  GBK/GB18030; the delimiter is sniffed (comma, tab, semicolon).
* The header is not always on line 1: a title row or two above it, a two-row header. The
  header row is the first among the first 30 that holds every wanted header (a cell left
  empty under a two-row header takes the header above it).
* Blank rows anywhere (and the trailing empty rows Excel keeps) are skipped.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from monitor.errors import MonitorError
from spiders.orders_profile import header_key

HEADER_SEARCH_ROWS = 30
Cell = Any  # str | int | float | datetime | None


class OrdersFileError(MonitorError):
    """The file cannot be read as a work-order table (nothing was imported)."""

    exit_code = 2


@dataclass
class Table:
    """A sheet: `header` (header_key per column), its row number, and the data rows."""

    name: str
    header: list[str]
    header_row: int
    rows: Iterator[tuple[int, list[Cell]]]
    total_rows: int | None = None  # the sheet's last row number, when the file says (progress)
    excel_epoch: datetime | None = None  # a workbook's date system, for serial-number dates
    shown_header: list[str] = field(default_factory=list)  # as written, for messages


def read_table(
    path: Path,
    wanted: Sequence[Sequence[str]],
    *,
    sheet: str | None = None,
    header_row: int | None = None,
    encoding: str = "auto",
) -> Table:
    """The table of `path`. `wanted`: per needed column, the header keys that may name it;
    the header row is the first that has one of each (or `header_row`)."""
    if not path.exists():
        raise OrdersFileError(f"{path}: 文件不存在")
    if path.is_dir():
        raise OrdersFileError(f"{path}: 是文件夹，应为工单导出文件（.xlsx 或 .csv）")
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise OrdersFileError(f"{path}: 无法读取：{exc.strerror}") from None
    if head.startswith(b"PK"):
        rows, total, epoch = _xlsx_rows(path, sheet)
    elif head.startswith(b"\xd0\xcf\x11\xe0"):
        raise OrdersFileError(
            f"{path}: 是旧版 Excel 97-2003 工作簿（.xls），无法直接读取："
            "请在 Excel/WPS 中“另存为” .xlsx 或 CSV 后再导入"
        )
    else:
        text = _decode(path, encoding)
        if re.match(r"\s*<", text) and re.search(r"<t[dh][\s>]", text[:200_000], re.I):
            rows, total, epoch = _html_rows(path, text), None, None
        else:
            rows, total, epoch = _csv_rows(text), None, None
    return _find_header(path, rows, wanted, header_row, total, epoch)


# -- finding the header ---------------------------------------------------------------------


def _find_header(
    path: Path,
    rows: Iterator[tuple[int, list[Cell]]],
    wanted: Sequence[Sequence[str]],
    pinned: int | None,
    total: int | None,
    epoch: datetime | None,
) -> Table:
    seen: list[tuple[int, list[Cell]]] = []
    best: list[Cell] = []
    previous: list[Cell] = []
    found = None
    for number, cells in rows:
        seen.append((number, cells))
        if not any(_text(c) for c in cells):
            continue
        names = _combined(cells, previous)
        if pinned is not None:
            if number == pinned:
                found = (number, names, cells)
                break
        elif _has_all(names, wanted):
            found = (number, names, cells)
            # a two-row header: the next row may be the lower half (it has them all too)
            break
        if len(best) < sum(1 for c in cells if _text(c)):
            best = cells
        previous = cells
        if pinned is None and len(seen) >= HEADER_SEARCH_ROWS:
            break
        if pinned is not None and number > pinned:
            break
    if found is None:
        wanted_shown = "、".join(f"“{w[0]}”" for w in wanted)
        likely = "、".join(_text(c) for c in best if _text(c)) or "（空）"
        where = f"第 {pinned} 行" if pinned else f"前 {HEADER_SEARCH_ROWS} 行"
        raise OrdersFileError(
            f"{path}: 找不到表头：{where}没有同时含 {wanted_shown} 的一行"
            f"（文件里最像表头的一行是：{likely}）"
        )
    number, names, cells = found
    rest = rows
    if pinned is None:
        # the lower half of a two-row header also holds every wanted header: it is the header
        nxt = next(rest, None)
        if nxt is not None:
            lower = _combined(nxt[1], cells)
            if _has_all(lower, wanted) and not _looks_like_data(nxt[1], names, wanted):
                number, names, cells = nxt[0], lower, nxt[1]
            else:
                rest = _chain([nxt], rest)
    shown = [_text(c) for c in cells]
    return Table(
        name=path.name,
        header=names,
        header_row=number,
        rows=_skip_blank(rest),
        total_rows=total,
        excel_epoch=epoch,
        shown_header=shown,
    )


def _combined(cells: list[Cell], above: list[Cell]) -> list[str]:
    """Header keys of a row; an empty cell takes the header above it (a two-row header)."""
    out = []
    for i, cell in enumerate(cells):
        key = header_key(_text(cell))
        if not key and i < len(above):
            key = header_key(_text(above[i]))
        out.append(key)
    return out


def _has_all(names: list[str], wanted: Sequence[Sequence[str]]) -> bool:
    present = set(names)
    return all(any(w in present for w in choices) for choices in wanted)


def _looks_like_data(cells: list[Cell], names: list[str], wanted: Sequence[Sequence[str]]) -> bool:
    """A row whose cells under the wanted headers differ from the header words."""
    index = {name: i for i, name in reversed(list(enumerate(names)))}
    for choices in wanted:
        for w in choices:
            if w in index and index[w] < len(cells):
                if header_key(_text(cells[index[w]])) not in {w, ""}:
                    return True
                break
    return False


def _chain(
    first: list[tuple[int, list[Cell]]], rest: Iterator[tuple[int, list[Cell]]]
) -> Iterator[tuple[int, list[Cell]]]:
    yield from first
    yield from rest


def _skip_blank(rows: Iterator[tuple[int, list[Cell]]]) -> Iterator[tuple[int, list[Cell]]]:
    for number, cells in rows:
        if any(_text(c) for c in cells):
            yield number, cells


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, str):
        return cell.strip()
    return str(cell)


# -- XLSX -----------------------------------------------------------------------------------


def _xlsx_rows(
    path: Path, sheet: str | None
) -> tuple[Iterator[tuple[int, list[Cell]]], int | None, datetime | None]:
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise OrdersFileError(f"{path}: 不是可读取的 .xlsx 工作簿（{exc}）") from None
    if sheet is not None:
        if sheet not in book.sheetnames:
            names = "、".join(book.sheetnames)
            book.close()
            raise OrdersFileError(f"{path}: 没有名为 {sheet!r} 的工作表（已有：{names}）")
        ws = book[sheet]
    else:
        ws = book.worksheets[0]
    merges = _merged_ranges(ws)
    total = ws.max_row if isinstance(ws.max_row, int) else None
    epoch = getattr(book, "epoch", None)

    def rows() -> Iterator[tuple[int, list[Cell]]]:
        try:
            filler = _MergeFiller(merges)
            for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
                cells = list(values)
                if merges:
                    filler.fill(number, cells)
                yield number, cells
        finally:
            book.close()

    return rows(), total, epoch


def _merged_ranges(ws: Any) -> list[tuple[int, int, int, int]]:
    """(min_row, min_col, max_row, max_col) of each merged range. Read-only worksheets do not
    expose them, so the sheet's XML is scanned for its <mergeCell ref="A1:H1"/> elements
    (they follow the cell data). Nothing is merged when the XML cannot be read."""
    from openpyxl.utils.cell import range_boundaries

    try:
        source = ws._get_source()  # openpyxl's own accessor of the sheet XML (read-only mode)
    except (AttributeError, KeyError, OSError):
        return []
    pattern = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"')
    found: list[tuple[int, int, int, int]] = []
    tail = b""
    with source:
        while chunk := source.read(1 << 20):
            data = tail + chunk
            found += [_bounds(range_boundaries(m.decode())) for m in pattern.findall(data)]
            # a tag cut between two chunks is found in the next round, not twice
            cut = data.rfind(b"<")
            tail = data[cut:] if cut >= 0 and b">" not in data[cut:] else b""
    return sorted(set(found))


def _bounds(
    box: tuple[int | None, int | None, int | None, int | None],
) -> tuple[int, int, int, int]:
    min_col, min_row, max_col, max_row = (int(v or 1) for v in box)
    return min_row, min_col, max_row, max_col


class _MergeFiller:
    """Fills each merged range with its top-left value while the rows stream by."""

    def __init__(self, merges: list[tuple[int, int, int, int]]) -> None:
        self.by_row: dict[int, list[tuple[int, int, int, int]]] = {}
        for box in merges:
            for row in range(box[0], box[2] + 1):
                self.by_row.setdefault(row, []).append(box)
        self.values: dict[tuple[int, int, int, int], Cell] = {}

    def fill(self, number: int, cells: list[Cell]) -> None:
        for box in self.by_row.get(number, ()):
            min_row, min_col, _max_row, max_col = box
            if number == min_row:
                self.values[box] = cells[min_col - 1] if min_col - 1 < len(cells) else None
            value = self.values.get(box)
            if value is None:
                continue
            if len(cells) < max_col:
                cells.extend([None] * (max_col - len(cells)))
            for col in range(min_col - 1, max_col):
                if cells[col] is None or cells[col] == "":
                    cells[col] = value
        if self.by_row.get(number - 1):
            for box in self.by_row[number - 1]:
                if box[2] == number - 1:
                    self.values.pop(box, None)


# -- text: CSV and HTML tables ----------------------------------------------------------------


def _decode(path: Path, encoding: str) -> str:
    raw = path.read_bytes()
    if encoding != "auto":
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError as exc:
            raise OrdersFileError(
                f"{path}: 按 encoding = {encoding!r} 无法解码（第 {exc.start} 字节）"
            ) from None
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")  # GBK and its superset, what Excel saves on Chinese Windows
    except UnicodeDecodeError:
        raise OrdersFileError(
            f"{path}: 既不是 UTF-8 也不是 GBK 文本，也不是 .xlsx 工作簿；"
            "请在站点配置中用 encoding 指定编码"
        ) from None


def _csv_rows(text: str) -> Iterator[tuple[int, list[Cell]]]:
    sample = text[:20_000]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel_tab if sample.count("\t") > sample.count(",") else csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    # a record is one spreadsheet row even when a quoted cell holds line breaks
    for number, record in enumerate(reader, start=1):
        yield number, list(record)


def _html_rows(path: Path, text: str) -> Iterator[tuple[int, list[Cell]]]:
    """An HTML table saved as .xls (what many platforms' “导出 Excel” writes): each <tr> a
    row, colspan/rowspan spread like merged cells."""
    from lxml import html as lxml_html

    try:
        document = lxml_html.fromstring(text)
    except (ValueError, TypeError) as exc:
        raise OrdersFileError(f"{path}: 不是可读取的 HTML 表格（{exc}）") from None
    tables = document.xpath("//table")
    if not tables:
        raise OrdersFileError(f"{path}: 没有找到表格")
    table = max(tables, key=lambda t: len(t.xpath(".//tr")))
    pending: dict[int, tuple[int, str]] = {}  # column → (rows still covered, value)
    for number, tr in enumerate(table.xpath(".//tr"), start=1):
        cells: list[Cell] = []
        col = 0
        for td in tr.xpath("./td|./th"):
            while col in pending:
                left, value = pending[col]
                cells.append(value)
                pending[col] = (left - 1, value)
                if left - 1 <= 0:
                    del pending[col]
                col += 1
            for br in td.xpath(".//br"):  # a line break in a cell is written <br>
                br.tail = "\n" + (br.tail or "")
            value = "\n".join(" ".join(line.split()) for line in td.text_content().split("\n"))
            value = value.strip()
            span = _span(td.get("colspan"))
            down = _span(td.get("rowspan"))
            for _ in range(span):
                cells.append(value)
                if down > 1:
                    pending[col] = (down - 1, value)
                col += 1
        while col in pending:
            left, value = pending[col]
            cells.append(value)
            pending[col] = (left - 1, value)
            if left - 1 <= 0:
                del pending[col]
            col += 1
        yield number, cells


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 1000))
    except ValueError:
        return 1
