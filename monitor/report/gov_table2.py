"""Table 二 of the annual report (主动公开政府信息情况, 国办公开办函〔2021〕30号): figures the
register cannot know (rules made, licences granted, fees collected), entered by the office on
/reports and stored per year in `gov_annual_reports.table2` as {row: {column: value}}.

The layout is the national format's, word for word: four blocks named after the article they
report on, each with its own header row."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from monitor.db.models import GovAnnualReport
from monitor.errors import MonitorError
from monitor.timeutil import local_date

TITLE = "二、主动公开政府信息情况"
CONTENT = "信息内容"
AMOUNT = "本年收费金额（单位：万元）"


@dataclass(frozen=True)
class Block:
    article: str  # 第二十条第（一）项
    columns: tuple[str, ...]  # the figures' headers (after 信息内容)
    rows: tuple[str, ...]


BLOCKS = (
    Block(
        "第二十条第（一）项",
        ("本年制发件数", "本年废止件数", "现行有效件数"),
        ("规章", "行政规范性文件"),
    ),
    Block("第二十条第（五）项", ("本年处理决定数量",), ("行政许可",)),
    Block("第二十条第（六）项", ("本年处理决定数量",), ("行政处罚", "行政强制")),
    Block("第二十条第（八）项", (AMOUNT,), ("行政事业性收费",)),
)


def cells() -> list[tuple[str, str]]:
    """Every (row, column) the office fills in, in the format's order."""
    return [(row, column) for b in BLOCKS for row in b.rows for column in b.columns]


def field_name(row: str, column: str) -> str:
    """The form field of one cell (`规章|本年制发件数`)."""
    return f"{row}|{column}"


def parse_value(row: str, column: str, text: str | None) -> int | str:
    """A count (non-negative integer) or, for fees, an amount in 万元 with at most four decimals
    (to the yuan), kept as text so it prints exactly as entered. Blank is 0."""
    raw = (text or "").strip().replace(",", "").replace("，", "")
    if column == AMOUNT:
        try:
            amount = Decimal(raw or "0")
        except InvalidOperation:
            raise MonitorError(
                f"表二「{row} / {column}」：{text!r} 不是金额（万元，例如 12.35）"
            ) from None
        if amount < 0 or not amount.is_finite() or -amount.as_tuple().exponent > 4:  # type: ignore[operator]
            raise MonitorError(
                f"表二「{row} / {column}」：{text!r} 应为不小于 0、最多四位小数的金额（万元）"
            )
        return format(amount.normalize(), "f") if amount else "0"
    if not raw:
        return 0
    if not raw.isdigit():
        raise MonitorError(f"表二「{row} / {column}」：{text!r} 不是非负整数")
    return int(raw)


def parse_form(form: Mapping[str, Any]) -> dict[str, dict[str, int | str]]:
    """The whole table from a form (or any mapping of field names), checked cell by cell."""
    figures: dict[str, dict[str, int | str]] = {}
    for row, column in cells():
        figures.setdefault(row, {})[column] = parse_value(
            row, column, form.get(field_name(row, column))
        )
    return figures


def record(session: Session, year: int) -> GovAnnualReport:
    """The year's row (created on first use)."""
    row = session.get(GovAnnualReport, year)
    if row is None:
        row = GovAnnualReport(year=year)
        session.add(row)
    return row


def load_table2(session: Session, year: int) -> dict[str, dict[str, int | str]] | None:
    row = session.get(GovAnnualReport, year)
    return None if row is None or row.table2 is None else row.table2


def save_table2(
    session: Session, year: int, form: Mapping[str, Any], actor: str, now: datetime
) -> dict[str, dict[str, int | str]]:
    """Check and store the year's table 二 (all or nothing)."""
    _check_year(year)
    figures = parse_form(form)
    row = record(session, year)
    row.table2, row.table2_updated_at, row.table2_updated_by = figures, now, actor
    return figures


def mark_published(
    session: Session, year: int, on: date | None, actor: str, now: datetime
) -> GovAnnualReport:
    """Record the day the year's report was published (None clears it): the board's 31 March
    milestone and its reminders stop once it is set."""
    _check_year(year)
    if on is not None:
        if on > local_date(now):
            raise MonitorError(f"发布日期 {on.isoformat()} 晚于今天，不能登记将来的发布")
        if on.year <= year:
            raise MonitorError(
                f"{year} 年度报告的发布日期应在 {year + 1} 年（而不是 {on.isoformat()}）"
            )
    row = record(session, year)
    row.published_on, row.published_by = on, actor if on else None
    return row


def _check_year(year: int) -> None:
    if not 2000 <= year <= 2100:
        raise MonitorError(f"年度 {year} 无效")
