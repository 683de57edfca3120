"""A 12345 hotline platform's work-order export, as such platforms write them (a stand-in for
tests, the benchmark and the demo; not product code).

The shape follows real exports: a merged title row and an 导出时间 line above the header, the
columns 序号 / 工单编号 / 来电时间 / 派单时间 / 诉求类型 / 标题 / 诉求内容 / 诉求人 / 联系电话 /
承办单位 / 办理时限 / 工单状态 / 办结时间 / 办理结果, times as Excel date cells or as text in the
platform's own forms, an order with two 承办单位 on two lines under one merged 工单编号, a
合计 line and empty rows at the end.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

HEADER = [
    "序号",
    "工单编号",
    "来电时间",
    "派单时间",
    "诉求类型",
    "标题",
    "诉求内容",
    "诉求人",
    "联系电话",
    "承办单位",
    "办理时限",
    "工单状态",
    "办结时间",
    "办理结果",
]
TITLE = "六安市12345政务服务便民热线工单明细表"
KINDS = ("咨询", "求助", "投诉", "建议", "举报")
DEPARTMENTS = ("市审计局办公室", "市审计局综合科", "市审计局财政审计科", "市审计局经济责任审计科")
SUBJECTS = (
    ("小区供暖温度不达标", "我家住在皋城路幸福小区3栋，最近室内温度只有15度左右，请尽快处理。"),
    ("咨询审计结果公开事项", "请问去年的区级预算执行审计结果在哪里可以查到？"),
    ("反映工程款拖欠问题", "某安置房项目施工单位反映工程款拖欠，请相关部门核实。"),
    ("建议公开专项资金使用情况", "建议对老旧小区改造专项资金的使用情况进行公开。"),
    ("举报村级财务不透明", "村里近三年的财务账目一直没有公开，希望审计部门介入。"),
)


@dataclass
class SampleOrder:
    external_id: str
    called_at: datetime
    posted_at: datetime
    kind: str
    title: str
    body: str
    caller: str
    phone: str
    departments: list[str]
    replied_at: datetime | None = None
    result: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> str:
        return "已办结" if self.replied_at else "办理中"


def sample_orders(count: int, start: datetime, seed: int = 12345) -> list[SampleOrder]:
    """`count` work orders dispatched from `start` on (naive Beijing times), every seventh
    replied, every 50th with two 承办单位."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        posted = start + timedelta(minutes=17 * i + rng.randint(0, 9))
        title, body = SUBJECTS[i % len(SUBJECTS)]
        departments = [DEPARTMENTS[i % len(DEPARTMENTS)]]
        if i % 50 == 49:
            departments.append(DEPARTMENTS[(i + 1) % len(DEPARTMENTS)])
        replied = posted + timedelta(days=2, hours=3) if i % 7 == 3 else None
        out.append(
            SampleOrder(
                external_id=f"LA{posted:%Y%m%d}{i:05d}",
                called_at=posted - timedelta(minutes=rng.randint(5, 90)),
                posted_at=posted,
                kind=KINDS[i % len(KINDS)],
                title=f"{title}（{i}）",
                body=f"{body}\n来电人称已多次反映。",
                caller=f"市民{rng.choice('张王李赵刘陈杨黄')}先生",
                phone=f"139{rng.randint(10_000_000, 99_999_999)}",
                departments=departments,
                replied_at=replied,
                result="已联系市民并答复。" if replied else "",
            )
        )
    return out


def _time_text(moment: datetime, i: int) -> str:
    """The forms platforms write a time in, in turn."""
    forms = (
        "%Y-%m-%d %H:%M:%S",
        "%Y/%m/%d %H:%M",
        "%Y年%m月%d日 %H:%M",
        "%Y%m%d%H%M%S",
        "%Y-%m-%d %H:%M:%S.0",
    )
    return moment.strftime(forms[i % len(forms)])


def table_rows(orders: Sequence[SampleOrder], text_times: bool) -> list[list[Any]]:
    """The data rows (one per 承办单位), times as datetimes or as text."""
    rows: list[list[Any]] = []
    for i, order in enumerate(orders):
        for j, department in enumerate(order.departments):

            def shown(moment: datetime | None, i: int = i) -> Any:
                if moment is None:
                    return "" if text_times else None
                return _time_text(moment, i) if text_times else moment

            rows.append(
                [
                    i + 1,
                    order.external_id,
                    shown(order.called_at),
                    shown(order.posted_at),
                    order.kind,
                    order.title,
                    order.body,
                    order.caller,
                    order.phone,
                    department,
                    "3个工作日",
                    order.status,
                    shown(order.replied_at),
                    order.result if j == 0 else "",
                ]
            )
    return rows


def write_xlsx(
    path: Path, orders: Sequence[SampleOrder], *, text_times: bool = False, exported: str = ""
) -> Path:
    """The export as XLSX: title and 导出时间 rows, merged cells, date cells (or text)."""
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = "工单明细"
    width = len(HEADER)
    ws.append([TITLE] + [None] * (width - 1))
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.append(
        [f"导出时间：{exported or '2026-11-26 09:30'}　导出单位：市审计局"] + [None] * (width - 1)
    )
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    ws.append(HEADER)
    row = 4
    for i, order in enumerate(orders):
        lines = table_rows([order], text_times)
        for n, values in enumerate(lines):
            values[0] = i + 1
            if n > 0:  # the lines after the first: 编号 and the rest merged down, left empty
                for col in range(len(values)):
                    if HEADER[col] not in ("承办单位", "办理结果"):
                        values[col] = None
            ws.append(values)
        if len(lines) > 1:
            for col, name in enumerate(HEADER, start=1):
                if name not in ("承办单位", "办理结果"):
                    ws.merge_cells(
                        start_row=row,
                        start_column=col,
                        end_row=row + len(lines) - 1,
                        end_column=col,
                    )
        for col in (3, 4, 13):
            cell = ws.cell(row=row, column=col)
            if isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
        row += len(lines)
    ws.append([None] * width)
    ws.append([f"合计：{len(orders)} 条"] + [None] * (width - 1))
    for _ in range(3):
        ws.append([None] * width)
    book.save(path)
    return path


def write_csv(path: Path, orders: Sequence[SampleOrder], encoding: str = "gbk") -> Path:
    """The export as CSV (Excel's “CSV” on Chinese Windows is GBK; “CSV UTF-8” has a BOM;
    “Unicode text” is UTF-16 with tabs)."""
    buffer = io.StringIO(newline="")
    delimiter = "\t" if encoding.startswith("utf-16") else ","
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow([TITLE])
    writer.writerow(HEADER)
    writer.writerows(table_rows(orders, text_times=True))
    writer.writerow([f"合计：{len(orders)} 条"])
    writer.writerow([])
    data = buffer.getvalue()
    if encoding == "utf-8-sig":
        path.write_bytes(b"\xef\xbb\xbf" + data.encode("utf-8"))
    else:
        path.write_bytes(data.encode(encoding))
    return path


def write_html_xls(path: Path, orders: Sequence[SampleOrder]) -> Path:
    """What many platforms' “导出Excel” really writes: an HTML table named .xls (GBK)."""
    from html import escape

    def row(cells: Iterable[Any], tag: str = "td") -> str:
        shown = (escape(str(c or "")).replace("\n", "<br>") for c in cells)
        return "<tr>" + "".join(f"<{tag}>{c}</{tag}>" for c in shown) + "</tr>"

    parts = [
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=GBK"></head>',
        "<body><table border=1>",
        f'<tr><td colspan="{len(HEADER)}">{TITLE}</td></tr>',
        row(HEADER, "th"),
        *(row(r) for r in table_rows(orders, text_times=True)),
        "</table></body></html>",
    ]
    path.write_bytes("\n".join(parts).encode("gbk"))
    return path


# The profile section and monitor.toml lines that read these exports.
PROFILE = """[site]
name = "六安市12345政务服务便民热线"
base_url = "http://12345.luan.gov.cn"

[sections.orders]
title = "12345 工单"
kind = "orders"
columns = { external_id = "工单编号", title = "标题", posted_at = ["派单时间", "交办时间"], department = { column = "承办单位", map = { "市审计局办公室" = "办公室", "市审计局综合科" = "综合科" } }, replied_at = "办结时间", body = "诉求内容", status_text = "工单状态", category = "诉求类型", reply = "办理结果" }

[sections.orders.status]
replied = ["已办结", "已回访", "已归档"]
"""
SOURCE = """
[rules.hotline]
working_days = 3

[[sources]]
name = "hotline12345"
profile = "sites/hotline12345.toml"
section = "orders"
rule = "hotline"
department_default = "办公室"
"""
