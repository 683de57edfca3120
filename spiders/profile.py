"""Site profiles (docs/site-profiles.md, its key reference): a portal is described in TOML,
not programmed.

`load_profile(path)` validates the file with pydantic and reports problems naming the file and
the key (``sites/luan.toml: sections.bxcy.list.fields.title: give exactly one of xpath, css,
json, const``). Besides the basic keys (``[site] name, base_url, encoding, delay, headers``; a
section's ``title, kind, format``, its list's ``url, first_url, method, form, json, first_page,
page_size, max_pages, items, fields``, its ``detail`` and ``status``), all optional: ``[site]
obey_robots, timeout, retries, concurrency``; a list's ``cursor`` (the row field whose last value
fills ``{cursor}`` on the next page, e.g. the 领导留言板's ``lastItem``); a list's ``last_page`` or
``total`` (a field read from the list page: the portal's own last page number, or its total row
count, e.g. ``total = { json = "data.total" }`` or ``last_page = { xpath =
"//a[text()='尾页']/@href", regex = "page=(\\d+)" }``); a list's and a detail's ``headers``; a
detail's ``url`` template (``{external_id}`` or any list field), ``format``, ``method``, ``form``
and ``json``; a section's ``date_format``; ``format = "js" | "xml"`` and a list's ``item_format =
"html"``; a field's ``map``; a section's ``signer`` / ``signer_options`` (spiders/signers.py),
``error_field`` and ``backfill_days`` (the last two also accepted in ``[sections.X.list]``). Only
``external_id`` (or ``url``) must be in the list; ``posted_at`` and ``title`` may come from the
detail page.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from monitor.errors import ConfigError
from monitor.tomlzh import toml_problem
from spiders.expressions import css_problem, is_xpath, json_path_problem, xpath_problem
from spiders.orders_profile import OrdersSection, take_orders
from spiders.signers import signer_problem

if TYPE_CHECKING:
    from monitor.config import Config, SourceConfig

REQUIRED_MESSAGE_FIELDS = ("external_id", "title", "posted_at")
REQUIRED_NEWS_FIELDS = ("url", "title")
# 意见征集 (docs/consultations.md): a row is known by its id on the portal (in the list); its title and the
# window's dates come from the list or the detail page; `feedback_url` (a link appearing = the
# 采纳情况 published) and `feedback_at` (when, where the portal says) are optional
REQUIRED_CONSULTATION_FIELDS = ("title", "opens_at", "closes_at")
FORMATS = ("html", "json", "js", "xml", "feed")
DEFAULT_BACKFILL_DAYS = 60


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldSpec(_Strict):
    """One field: exactly one source (xpath, css, json, const) and optional refinements."""

    xpath: str | None = None
    css: str | None = None
    json_path: str | None = Field(None, alias="json")
    const: str | None = None
    regex: str | None = None
    label: str | None = None
    join: bool | str = False  # true → joined with a space; a string → that separator
    default: str | None = None
    # the portal's codes in words: { "1" = "咨询", "2" = "建议" }; a value not in the map is kept
    map: dict[str, str] | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _one_source(self) -> FieldSpec:
        given = [k for k in ("xpath", "css", "json_path", "const") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "xpath、css、json、const 须恰好给出一个"
                + (
                    f"（给出了 {'、'.join(g.replace('json_path', 'json') for g in given)}）"
                    if given
                    else ""
                )
            )
        return self

    @field_validator("regex")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"regex {value!r} 无法编译：{exc}") from exc
        return value


class _Body(_Strict):
    """What a request sends besides its URL (list and detail alike)."""

    method: Literal["GET", "POST"] = "GET"
    form: dict[str, str] | None = None
    json_body: dict[str, Any] | None = Field(None, alias="json")
    headers: dict[str, str] = {}

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _one_body(self) -> _Body:
        if self.form is not None and self.json_body is not None:
            raise ValueError("form 和 json 只能给出一个")
        return self


class ListSpec(_Body):
    url: str
    first_url: str = ""
    first_page: int = 1
    page_size: int = Field(20, ge=1)
    max_pages: int = Field(30, ge=1)
    items: str = ""
    # the items are HTML fragments (strings in a json/js answer, CDATA records in xml): the
    # fields are XPath/CSS inside each fragment
    item_format: Literal["html"] | None = None
    cursor: str | None = None
    last_page: FieldSpec | None = None  # the portal's last page number, read from each page
    total: FieldSpec | None = None  # or its total row count (last page = ceil(total/size))
    fields: dict[str, FieldSpec] = {}
    # accepted here too (they are about the list); the section's own keys are the reference
    error_field: str | None = None
    backfill_days: int | None = Field(None, ge=1)


class DetailSpec(_Body):
    url: str | None = None  # template; default: the row's url
    format: Literal["html", "json", "js", "xml"] | None = None
    fields: dict[str, FieldSpec] = {}


class StatusSpec(_Strict):
    replied: list[str] = []
    pending: list[str] = []


class SectionSpec(_Strict):
    title: str = ""
    kind: Literal["messages", "news", "consultations"] = "messages"
    format: Literal["html", "json", "js", "xml", "feed"] = "html"
    list: ListSpec
    detail: DetailSpec | None = None
    status: StatusSpec = StatusSpec()
    date_format: str | None = None
    signer: str | None = None  # an entry point of the group opinion_monitor.signers
    signer_options: dict[str, Any] = {}
    error_field: str | None = None  # where a JSON answer carries the server's own message
    backfill_days: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def _fields(self) -> SectionSpec:
        if self.format != "feed":
            if not self.list.items:
                raise ValueError(f"{self.format} 栏目必须给出 list.items")
            if self.kind == "messages" and not {"external_id", "url"} & set(self.list.fields):
                raise ValueError("list.fields 缺少 external_id（或 url）")
            if self.kind == "news" and "url" not in self.list.fields:
                raise ValueError("list.fields 缺少 url")
            if self.kind == "consultations" and "external_id" not in self.list.fields:
                raise ValueError("list.fields 缺少 external_id")
            missing = [f for f in self.required_fields() if f not in self.field_names()]
            if missing:
                where = "list.fields" if self.detail is None else "list.fields 或 detail.fields"
                raise ValueError(f"{where} 缺少 {'、'.join(missing)}")
        if self.kind == "consultations" and self.format == "feed":
            raise ValueError(
                "意见征集栏目（consultations）不能用 feed 格式：订阅源没有征集起止日期"
            )
        for key in ("error_field", "backfill_days"):
            if getattr(self, key) is not None and getattr(self.list, key) is not None:
                raise ValueError(f"{key} 只能写在栏目或 list 中的一处")
        return self

    def required_fields(self) -> tuple[str, ...]:
        """Fields a row must have before it is tracked (from the list or the detail page)."""
        if self.kind == "news":
            return REQUIRED_NEWS_FIELDS
        if self.kind == "consultations":
            return REQUIRED_CONSULTATION_FIELDS
        return tuple(f for f in REQUIRED_MESSAGE_FIELDS if f != "external_id")

    def field_names(self) -> set[str]:
        detail = set(self.detail.fields) if self.detail is not None else set()
        return set(self.list.fields) | detail

    @property
    def the_error_field(self) -> str | None:
        return self.error_field or self.list.error_field

    @property
    def the_backfill_days(self) -> int:
        return self.backfill_days or self.list.backfill_days or DEFAULT_BACKFILL_DAYS

    @property
    def detail_format(self) -> str:
        """The detail page's format: its own, else JSON for a JSON API's list, else HTML (a
        script or XML list links to HTML pages)."""
        if self.detail is not None and self.detail.format:
            return self.detail.format
        return "json" if self.format == "json" else "html"


class SiteSpec(_Strict):
    name: str
    base_url: str
    encoding: str = "auto"
    delay: float = Field(1.0, ge=0)
    headers: dict[str, str] = {}
    obey_robots: bool = True
    timeout: float = Field(30.0, gt=0)
    retries: int = Field(2, ge=0)
    concurrency: int = Field(4, ge=1)

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, value: str) -> str:
        import codecs

        if value != "auto":
            try:
                codecs.lookup(value)
            except LookupError as exc:
                raise ValueError(f"未知的编码 {value!r}（用 auto 或编码名，如 gbk）") from exc
        return value


class Profile(_Strict):
    site: SiteSpec
    sections: dict[str, SectionSpec]
    # `kind = "orders"` sections: imported from files, never crawled (spiders/orders_profile.py)
    orders: dict[str, OrdersSection] = {}

    def section(self, name: str, path: Path | str = "profile") -> SectionSpec:
        if name in self.orders:
            raise ConfigError(
                f'{path}: 栏目 {name!r} 是工单导入（kind = "orders"），不抓取：'
                "请用 opinion-monitor import-orders 文件 --source 来源名"
            )
        try:
            return self.sections[name]
        except KeyError:
            raise ConfigError(
                f"{path}: 没有栏目 {name!r}（已有栏目：{'、'.join(sorted(self.sections)) or '无'}）"
            ) from None


def parse_profile(text: str, path: Path | str = "profile") -> Profile:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: 不是有效的 TOML：{toml_problem(exc)}") from None
    data, orders = take_orders(data, path)
    try:
        profile = Profile.model_validate({**data, "orders": orders})
    except ValidationError as exc:
        from monitor.config import describe_error  # the same Chinese wording as monitor.toml's

        details = "；".join(describe_error(e, root=Profile) for e in exc.errors()[:5])
        raise ConfigError(f"{path}: {details}") from None
    problems = expression_problems(profile)
    if problems:
        raise ConfigError(f"{path}: " + "；".join(problems[:5]))
    return profile


def _field_problems(prefix: str, fields: dict[str, FieldSpec]) -> list[str]:
    out = []
    for name, spec in fields.items():
        for key, value, check in (
            ("xpath", spec.xpath, xpath_problem),
            ("css", spec.css, css_problem),
            ("json", spec.json_path, json_path_problem),
        ):
            problem = None if value is None else check(value)
            if problem:
                out.append(f"{prefix}.{name}.{key}: {problem}")
    return out


def _kind_problems(prefix: str, fields: dict[str, FieldSpec], document: str) -> list[str]:
    """A field must read the kind of node it is given: `json` in JSON/JS documents, `xpath`
    and `css` in HTML/XML ones (`const` anywhere)."""
    out = []
    for name, spec in fields.items():
        if document == "json" and (spec.xpath is not None or spec.css is not None):
            out.append(
                f'{prefix}.{name}: 这里读的是 JSON，请用 json = "路径"'
                '（条目是 HTML 片段时在 list 中写 item_format = "html"）'
            )
        elif document == "markup" and spec.json_path is not None:
            out.append(f"{prefix}.{name}: 这里读的是 HTML/XML，请用 xpath 或 css")
    return out


def _document(fmt: str) -> str:
    return "json" if fmt in ("json", "js") else "markup"


def expression_problems(profile: Profile) -> list[str]:
    """Every XPath, CSS selector and JSON path of the profile that would fail at crawl time,
    as ``sections.bxcy.list.items: XPath '//table[@@@' does not compile: …``, every field that
    reads the wrong kind of document, and an unknown signer or bad signer options."""
    out = []
    for name, section in profile.sections.items():
        items = section.list.items
        problem = None
        if section.format == "html":
            problem = xpath_problem(items) if is_xpath(items) else css_problem(items)
        elif section.format == "xml":
            problem = xpath_problem(items)
        elif section.format in ("json", "js"):
            problem = json_path_problem(items)
        if problem:
            out.append(f"sections.{name}.list.items: {problem}")
        out += _field_problems(f"sections.{name}.list.fields", section.list.fields)
        pager = {
            k: v
            for k, v in (("last_page", section.list.last_page), ("total", section.list.total))
            if v is not None
        }
        out += _field_problems(f"sections.{name}.list", pager)
        if section.format != "feed":
            rows = "markup" if section.list.item_format == "html" else _document(section.format)
            out += _kind_problems(f"sections.{name}.list.fields", section.list.fields, rows)
            out += _kind_problems(f"sections.{name}.list", pager, _document(section.format))
        if section.detail is not None:
            out += _field_problems(f"sections.{name}.detail.fields", section.detail.fields)
            problems = _kind_problems(
                f"sections.{name}.detail.fields",
                section.detail.fields,
                _document(section.detail_format),
            )
            hint = f"（详情页按 {section.detail_format} 读取，可在 detail 中写 format = …）"
            out += [p.split("（")[0] + hint for p in problems]
        if section.signer is not None:
            problem = signer_problem(section.signer, section.signer_options)
            if problem:
                out.append(f"sections.{name}.signer: {problem}")
        elif section.signer_options:
            out.append(f"sections.{name}.signer_options: 没有 signer，签名选项无从使用")
    return out


def load_profile(path: Path | str) -> Profile:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: 找不到站点配置文件") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: 无法读取站点配置文件：{exc}") from None
    return parse_profile(text, path)


# path → (mtime_ns, size, the profile or the ConfigError text): the latest version of each file
# read. `status` checks every source, a crawl selects and starts every source, and many sources
# share one file; parsing and validating a profile costs ~15 ms, which per source was most of a
# no-change crawl cycle's cost in this process (docs/figures.md).
_PARSED: dict[str, tuple[int, int, Profile | str]] = {}


def _parsed(path: Path) -> Profile | str:
    try:
        stat = path.stat()
        version: tuple[int, int] | None = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        version = None  # load_profile says why, in its words; nothing to remember
    known = _PARSED.get(str(path))
    if known is not None and version is not None and known[:2] == version:
        return known[2]
    try:
        profile: Profile | str = load_profile(path)
    except ConfigError as exc:
        profile = str(exc)
    if version is not None:  # a file edited since replaces its old version
        _PARSED[str(path)] = (*version, profile)
    return profile


def cached_profile(path: Path | str) -> Profile:
    """`load_profile`, parsed once per version of the file (its mtime and size) in this
    process; the same ConfigError when it is broken. Profiles are frozen, so sharing is safe."""
    profile = _parsed(Path(path))
    if isinstance(profile, str):
        raise ConfigError(profile)
    return profile


def check_profile(config: Config, source: SourceConfig) -> str | None:
    """Why `source`'s site profile cannot be used (not found, not TOML, invalid, a bad selector,
    no such section), or None. Cheap: no scrapy, no network; one parse per file version."""
    path = config.resolve(source.profile)
    profile = _parsed(path)
    if isinstance(profile, str):
        return profile
    if source.section in profile.orders:
        return None  # a work-order section: imported, nothing to crawl
    try:
        profile.section(source.section, path)
    except ConfigError as exc:
        return str(exc)
    return None
