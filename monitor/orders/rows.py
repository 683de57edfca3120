"""A work-order table's rows → work orders, or each bad row's problem (pure; `now` injected).

A row is a work order when it has a 工单编号 or a time; a row with neither (a blank line, a
合计 or 导出人 line under the table, a note) is skipped and counted. A bad row is named — row
number as the spreadsheet shows it, the column as the file writes it, the value, why — and
the others go on. Rows that share a 工单编号 are one work order (an export that merges the
编号 cell down over the lines of one order, one per 承办单位): each field takes the first
value given, and the departments are joined with 、.

Times are read from whatever the cell holds: an Excel date cell, a serial number left
unformatted (46342.375), the platform's compact digits (20261116, 202611160905,
20261116090530), and every text form `spiders.dates` reads (2026-11-16 09:05[:00][.0],
2026/11/16 9:05, 2026年11月16日 09时05分, epoch seconds or milliseconds…). A naive time is
Beijing time. Placeholders such as “-”, “/”, “无” or “暂无” mean empty.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from monitor.orders.read import Cell, OrdersFileError, Table, read_table
from monitor.timeutil import SHANGHAI, UTC, format_local
from spiders.dates import DateError, parse_date
from spiders.orders_profile import DATE_FIELDS, REQUIRED_ORDER_FIELDS, ColumnSpec, OrdersSection

log = logging.getLogger("monitor.orders")

# a person's clock may run a little ahead of ours; beyond this a time "in the future" is a typo
CLOCK_SKEW = timedelta(minutes=10)
EMPTY_MARKS = frozenset(
    {"-", "--", "---", "—", "——", "/", "\\", "无", "暂无", "空", "null", "none", "n/a", "nan"}
)
FIELD_ZH = {
    "external_id": "工单编号",
    "title": "标题",
    "posted_at": "派单时间",
    "department": "承办单位",
    "replied_at": "办结时间",
    "body": "诉求内容",
    "status_text": "工单状态",
    "category": "诉求类型",
    "author": "诉求人",
    "reply": "办理结果",
    "reply_department": "答复单位",
    "url": "链接",
}
TEXT_LIMITS = {"external_id": 200, "department": 200, "status_text": 100, "category": 100}
TEXT_LIMITS |= {"author": 200, "reply_department": 200, "title": 10000}
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?")
_SERIAL = re.compile(r"\d{5}(?:\.\d+)?")

Progress = Callable[[int, int | None], None]


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    value: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}

    def line(self) -> str:
        return f"第 {self.row} 行 “{self.column}” = “{self.value}”：{self.reason}"


@dataclass
class WorkOrder:
    row: int
    external_id: str
    posted_at: datetime
    replied_at: datetime | None
    values: dict[str, str | None]  # the other mapped fields (title, department, body, …)

    def fingerprint(self) -> str:
        """What the row says, hashed: the same row imported again changes nothing."""
        document = [
            self.external_id,
            self.posted_at.isoformat(),
            self.replied_at.isoformat() if self.replied_at else None,
            sorted(self.values.items()),
        ]
        data = json.dumps(document, ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(data.encode("utf-8")).hexdigest()


@dataclass
class OrdersFile:
    name: str
    header_row: int
    rows: int = 0  # non-blank rows under the header
    orders: list[WorkOrder] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    skipped: int = 0  # rows that are not work orders (a 合计 line, a note)
    continued: int = 0  # rows that continued a work order above (same 工单编号)


@dataclass(frozen=True)
class _Column:
    name: str  # the message field
    index: int
    shown: str  # the header as the file writes it
    spec: ColumnSpec


def read_orders(
    path: Path, section: OrdersSection, now: datetime, progress: Progress | None = None
) -> OrdersFile:
    """Every work order of the file, and every bad row's problem. Raises OrdersFileError when
    the file itself cannot be read (no header, a mapped column missing)."""
    wanted = [section.column(name).headers for name in REQUIRED_ORDER_FIELDS]  # type: ignore[union-attr]
    table = read_table(
        path,
        wanted,
        sheet=section.sheet,
        header_row=section.header_row,
        encoding=section.encoding,
    )
    columns = _columns(path, table, section)
    reader = _RowReader(columns, section, table.excel_epoch, now)
    result = OrdersFile(table.name, table.header_row)
    by_id: dict[str, WorkOrder] = {}
    for number, cells in table.rows:
        result.rows += 1
        if progress is not None and result.rows % 250 == 0:
            progress(result.rows, _remaining(table))
        outcome = reader.read(number, cells)
        if outcome is None:
            result.skipped += 1
        elif isinstance(outcome, list):
            result.errors += outcome
        elif outcome.external_id in by_id:
            _continue(by_id[outcome.external_id], outcome)
            result.continued += 1
        else:
            by_id[outcome.external_id] = outcome
    result.orders = list(by_id.values())
    if progress is not None:
        progress(result.rows, result.rows)
    return result


def _remaining(table: Table) -> int | None:
    return table.total_rows - table.header_row if table.total_rows else None


def _columns(path: Path, table: Table, section: OrdersSection) -> list[_Column]:
    first: dict[str, int] = {}
    for position, key in enumerate(table.header):
        if key:
            first.setdefault(key, position)
    columns: list[_Column] = []
    missing: list[str] = []
    for name in section.columns:
        spec = section.column(name)
        assert spec is not None
        index = next((first[h] for h in spec.headers if h in first), None)
        if index is None:
            tried = "、".join(f"“{h}”" for h in spec.headers)
            missing.append(f"{name}（{tried}）")
            continue
        shown = table.shown_header[index] if index < len(table.shown_header) else ""
        columns.append(_Column(name, index, shown or spec.headers[0], spec))
    if missing:
        found = "、".join(h for h in table.shown_header if h) or "（空）"
        raise OrdersFileError(
            f"{path}: 第 {table.header_row} 行的表头缺少列：{'；'.join(missing)}"
            f"（表头是：{found}；在站点配置的 columns 中可写成列表，如 "
            f'posted_at = ["派单时间", "交办时间"]）'
        )
    return columns


def _continue(order: WorkOrder, more: WorkOrder) -> None:
    """`more` is another line of `order` (same 工单编号)."""
    for name, value in more.values.items():
        have = order.values.get(name)
        if have is None:
            order.values[name] = value
        elif name == "department" and value and value not in have.split("、"):
            order.values[name] = f"{have}、{value}"
    if order.replied_at is None:
        order.replied_at = more.replied_at


class _RowReader:
    def __init__(
        self,
        columns: list[_Column],
        section: OrdersSection,
        epoch: datetime | None,
        now: datetime,
    ) -> None:
        self.columns = columns
        self.section = section
        self.epoch = epoch
        self.now = now
        self.unmapped: set[tuple[str, str]] = set()

    def read(self, number: int, cells: list[Cell]) -> WorkOrder | list[RowError] | None:
        raw = {c.name: (cells[c.index] if c.index < len(cells) else None) for c in self.columns}
        shown = {c.name: c for c in self.columns}
        external_id = self.text(raw.get("external_id"), shown["external_id"])
        posted_raw = raw.get("posted_at")
        if external_id is None and _empty(posted_raw):
            return None  # a blank line, a 合计/导出人 line, a note: not a work order
        if (external_id is None or _empty(posted_raw)) and sum(
            1 for c in cells if not _empty(c)
        ) <= 1:
            return None  # one cell alone under the table (合计：5000 条)
        errors: list[RowError] = []

        def bad(name: str, value: object, reason: str) -> None:
            errors.append(RowError(number, shown[name].shown, _shown(value), reason))

        if external_id is None:
            bad("external_id", raw.get("external_id"), "工单编号为空")
        posted_at = self.when(posted_raw, "posted_at", bad)
        if posted_at is None and not any(e.column == shown["posted_at"].shown for e in errors):
            bad("posted_at", posted_raw, f"{shown['posted_at'].shown}为空")
        replied_at = None
        if "replied_at" in shown:
            replied_at = self.when(raw.get("replied_at"), "replied_at", bad)
            if replied_at is not None and posted_at is not None and replied_at < posted_at:
                bad(
                    "replied_at",
                    raw.get("replied_at"),
                    f"早于{shown['posted_at'].shown}（{format_local(posted_at)}）",
                )
        values: dict[str, str | None] = {}
        for column in self.columns:
            if column.name in ("external_id", *DATE_FIELDS):
                continue
            values[column.name] = self.text(raw.get(column.name), column)
        if errors:
            return errors
        assert external_id is not None and posted_at is not None
        return WorkOrder(number, external_id, posted_at, replied_at, values)

    def text(self, value: Cell, column: _Column) -> str | None:
        text = _cell_text(value, keep_lines=column.name in ("body", "reply"))
        if text is None:
            return column.spec.default
        if column.spec.map:
            mapped = column.spec.map.get(text)
            if mapped is None:
                if (column.name, text) not in self.unmapped:
                    self.unmapped.add((column.name, text))
                    log.info(
                        "import-orders: %s %r is not in the map: kept as it is", column.name, text
                    )
            else:
                text = mapped
        limit = TEXT_LIMITS.get(column.name)
        return text[:limit] if limit else text

    def when(
        self, value: Cell, name: str, bad: Callable[[str, object, str], None]
    ) -> datetime | None:
        if _empty(value):
            return None
        try:
            moment = cell_time(value, self.now, self.epoch, self.section.date_format)
        except DateError as exc:
            message = str(exc)
            bad(name, value, "不是可识别的时间" if message.startswith("不是日期") else message)
            return None
        if moment is None:
            return None
        if moment > self.now + CLOCK_SKEW:
            bad(name, value, f"晚于导入时间（{format_local(self.now)}）")
            return None
        if moment.year < 2000:
            bad(name, value, "年份不可信")
            return None
        return moment


def cell_time(
    value: Cell, now: datetime, epoch: datetime | None = None, date_format: str | None = None
) -> datetime | None:
    """A cell's time as aware UTC (None when empty). Raises DateError."""
    if isinstance(value, datetime):
        return _local(value)
    if isinstance(value, date):
        return _local(datetime.combine(value, time()))
    if isinstance(value, time):
        raise DateError("只有时刻，没有日期")
    if isinstance(value, bool):
        raise DateError(f"不是日期：{value!r}")
    if isinstance(value, (int, float)):
        if 1 <= value < 100_000:
            return _serial(float(value), epoch)
        return parse_date(value, now)
    text = _cell_text(value)
    if text is None:
        return None
    if date_format is None:
        compact = _COMPACT.fullmatch(text)
        if compact and len(text) in (8, 12, 14):
            y, m, d, hh, mm, ss = (int(g or 0) for g in compact.groups())
            try:
                return _local(datetime(y, m, d, hh, mm, ss))
            except ValueError:
                raise DateError(f"不是日期：{text!r}") from None
        if _SERIAL.fullmatch(text):
            return _serial(float(text), epoch)
    return parse_date(text, now, date_format)


def _serial(value: float, epoch: datetime | None) -> datetime:
    """An Excel serial date number (days since the workbook's epoch, 1900 system default)."""
    from openpyxl.utils.datetime import CALENDAR_WINDOWS_1900, from_excel

    moment = from_excel(value, epoch or CALENDAR_WINDOWS_1900)
    if not isinstance(moment, datetime):
        raise DateError(f"不是日期：{value!r}")
    # the serial's fraction of a day comes back with float noise: round to the second
    return _local(
        moment.replace(microsecond=0) + timedelta(seconds=round(moment.microsecond / 1e6))
    )


def _local(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    return moment.astimezone(UTC)


def _empty(value: Cell) -> bool:
    if value is None:
        return True
    if isinstance(value, (datetime, date, int, float)):
        return False  # bool is an int: 否 is a value too
    return _cell_text(value) is None


def _cell_text(value: Cell, keep_lines: bool = False) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        text = "是" if value else "否"
    elif isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        text = str(int(value))  # a 工单编号 stored as a number
    elif isinstance(value, datetime):
        text = format_local(_local(value), seconds=True)
    else:
        text = str(value)
    text = text.replace("\u3000", " ").replace("\xa0", " ").strip()
    if not keep_lines:
        text = " ".join(text.split())
    if not text or text.lower() in EMPTY_MARKS:
        return None
    return text


def _shown(value: object) -> str:
    text = _cell_text(value) if not isinstance(value, str) else value.strip()
    return (text or "")[:100]
