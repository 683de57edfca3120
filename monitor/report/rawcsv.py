"""The report's raw rows as CSV (UTF-8 with BOM so spreadsheet software reads the Chinese):
every message and 依申请公开 request received in the period, streamed. Titles are what people
wrote: their phone, ID and e-mail numbers are masked unless `unmasked` (monitor.report.files)."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from datetime import datetime
from typing import IO

from sqlalchemy.orm import Session

from monitor.report.figures import raw_rows
from monitor.report.files import personal_text
from monitor.report.period import Period

COLUMNS = [
    "类型",
    "来源",
    "编号",
    "标题",
    "部门",
    "收到时间",
    "答复期限",
    "答复时间",
    "状态",
    "办理结果",
]


def _cell(value: str) -> str:
    """Cells a spreadsheet would run as formulas are defused."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


PERSONAL = ("标题",)  # the columns people wrote


def write_csv(
    session: Session,
    period: Period,
    as_of: datetime,
    out: IO[str],
    unmasked: bool = False,
    sources: Mapping[str, str] | None = None,
) -> int:
    """`sources`: the sources' display names by key (monitor.names.source_titles): 来源 reads
    百姓畅言, not the config's key."""
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    text = personal_text(unmasked)
    names = sources or {}
    count = 0
    for row in raw_rows(session, period, as_of):
        for column in PERSONAL:
            row[column] = text(row[column])
        if row["类型"] == "留言":
            row["来源"] = names.get(row["来源"], row["来源"])
        writer.writerow([_cell(str(row[c] or "")) for c in COLUMNS])
        count += 1
    return count
