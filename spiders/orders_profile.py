"""Work-order sections of a site profile (docs/site-profiles.md): `kind = "orders"`.

A 12345 hotline platform's export (CSV or XLSX) is not crawled but imported
(`opinion-monitor import-orders FILE --source NAME`); its section says which of the file's
headers holds which field of a message:

    [sections.orders]
    title = "12345 工单"
    kind = "orders"
    columns = { external_id = "工单编号", title = "标题", posted_at = ["派单时间", "受理时间"],
                department = { column = "承办单位", map = { "市审计局办公室" = "办公室" } },
                replied_at = "办结时间", body = "诉求内容" }
    [sections.orders.status]          # optional: the 工单状态 words that mean replied
    replied = ["已办结", "已回访", "已归档"]

A column is a header, a list of headers (the first one the file has is used: platforms name
the same column 派单时间 or 交办时间), or a table `{ column, map, default }`; `map` rewrites a
value (a value not in the map is kept). `external_id` and `posted_at` are required. Optional:
`sheet` (the worksheet, default the first), `header_row` (the header's row number, default
found: the first row among the first 30 that holds every mapped header), `date_format`,
`encoding` (CSV; default auto: UTF-8 with or without BOM, UTF-16, else GB18030).

Kept apart from `spiders/profile.py` on purpose: the profile module owns the crawlable kinds,
this one the imported kind; `profile.parse_profile` hands these sections here. Which configured
sources are work-order sources is `monitor/orders/sources.py` (it reads the profile).
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from monitor.config import describe_error
from monitor.errors import ConfigError

if TYPE_CHECKING:
    from pathlib import Path

ORDERS = "orders"
# the message fields a column may fill (monitor.db.models.Message)
ORDER_FIELDS = (
    "external_id",
    "title",
    "posted_at",
    "department",
    "replied_at",
    "body",
    "status_text",
    "category",
    "author",
    "reply",
    "reply_department",
    "url",
)
REQUIRED_ORDER_FIELDS = ("external_id", "posted_at")
DATE_FIELDS = ("posted_at", "replied_at")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ColumnSpec(_Strict):
    """`{ column = "承办单位", map = {...}, default = "..." }`."""

    column: str | list[str]
    map: dict[str, str] = {}
    default: str | None = None

    @field_validator("column")
    @classmethod
    def _names(cls, value: str | list[str]) -> str | list[str]:
        names = [value] if isinstance(value, str) else value
        if not names or not all(isinstance(n, str) and n.strip() for n in names):
            raise ValueError("应为表头文字，或表头文字的列表")
        return value

    @property
    def headers(self) -> tuple[str, ...]:
        names = [self.column] if isinstance(self.column, str) else self.column
        return tuple(header_key(n) for n in names)


class OrderStatus(_Strict):
    replied: list[str] = []
    pending: list[str] = []


class OrdersSection(_Strict):
    title: str = ""
    kind: Literal["orders"]
    columns: dict[str, str | list[str] | ColumnSpec]
    status: OrderStatus = OrderStatus()
    sheet: str | None = None
    header_row: int | None = Field(None, ge=1)
    date_format: str | None = None
    encoding: str = "auto"

    @field_validator("columns")
    @classmethod
    def _columns(
        cls, value: dict[str, str | list[str] | ColumnSpec]
    ) -> dict[str, str | list[str] | ColumnSpec]:
        unknown = [k for k in value if k not in ORDER_FIELDS]
        if unknown:
            raise ValueError(f"未知的字段 {'、'.join(unknown)}（可用：{'、'.join(ORDER_FIELDS)}）")
        missing = [k for k in REQUIRED_ORDER_FIELDS if k not in value]
        if missing:
            raise ValueError(f"缺少 {'、'.join(missing)} 的列")
        for name, spec in value.items():
            if isinstance(spec, str) and not spec.strip():
                raise ValueError(f"{name} 的表头为空")
            if isinstance(spec, list) and not all(isinstance(s, str) and s.strip() for s in spec):
                raise ValueError(f"{name} 应为表头文字，或表头文字的列表")
        return value

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, value: str) -> str:
        if value != "auto":
            try:
                codecs.lookup(value)
            except LookupError as exc:
                raise ValueError(f"未知的编码 {value!r}（用 auto 或编码名，如 gbk）") from exc
        return value

    @model_validator(mode="after")
    def _maps_on_dates(self) -> OrdersSection:
        for name in DATE_FIELDS:
            spec = self.columns.get(name)
            if isinstance(spec, ColumnSpec) and spec.map:
                raise ValueError(f"{name} 是时间列，不能用 map")
        return self

    def column(self, name: str) -> ColumnSpec | None:
        """The field's column as a ColumnSpec (a bare header or list of headers wrapped)."""
        spec = self.columns.get(name)
        if spec is None or isinstance(spec, ColumnSpec):
            return spec
        return ColumnSpec(column=spec)


def header_key(text: object) -> str:
    """A header as compared: no spaces (ASCII, full-width, line breaks in a wrapped header
    cell), no trailing colon or required-mark (`*派单时间：`)."""
    value = unicodedata.normalize("NFKC", "" if text is None else str(text))
    value = re.sub(r"\s+", "", value)
    return value.strip("*:：")


def take_orders(
    data: dict[str, Any], path: Path | str
) -> tuple[dict[str, Any], dict[str, OrdersSection]]:
    """Split a parsed profile: the sections of `kind = "orders"`, validated here (errors name
    the file and key), and the rest for the profile's own model."""
    sections = data.get("sections")
    if not isinstance(sections, dict):
        return data, {}
    orders_raw = {
        name: body
        for name, body in sections.items()
        if isinstance(body, dict) and body.get("kind") == ORDERS
    }
    if not orders_raw:
        return data, {}
    orders: dict[str, OrdersSection] = {}
    problems: list[str] = []
    for name, body in orders_raw.items():
        try:
            orders[name] = OrdersSection.model_validate(body)
        except ValidationError as exc:
            problems += [
                describe_error(e, ("sections", name), OrdersSection) for e in exc.errors()[:5]
            ]
    if problems:
        raise ConfigError(f"{path}: " + "；".join(problems[:5]))
    rest = {name: body for name, body in sections.items() if name not in orders_raw}
    return {**data, "sections": rest}, orders
