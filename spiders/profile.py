"""Site profiles (DESIGN §5): a portal is described in TOML, not programmed.

`load_profile(path)` validates the file with pydantic and reports problems naming the file and
the key (``sites/luan.toml: sections.bxcy.list.fields.title: give exactly one of xpath, css,
json, const``). Keys beyond DESIGN §5 (all optional): ``[site] obey_robots, timeout, retries,
concurrency``; a list's ``cursor`` (the row field whose last value fills ``{cursor}`` on the next
page, e.g. the 领导留言板's ``lastItem``); a list's ``last_page`` or ``total`` (a field read from the
list page: the portal's own last page number, or its total row count, e.g. ``total = { json =
"data.total" }`` or ``last_page = { xpath = "//a[text()='尾页']/@href", regex = "page=(\\d+)" }``);
a detail's ``url`` template (``{external_id}`` or any
list field), ``format`` and ``method``; a section's ``date_format``.
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

if TYPE_CHECKING:
    from monitor.config import Config, SourceConfig

REQUIRED_MESSAGE_FIELDS = ("external_id", "title", "posted_at")
REQUIRED_NEWS_FIELDS = ("url", "title")


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


class ListSpec(_Strict):
    url: str
    first_url: str = ""
    method: Literal["GET", "POST"] = "GET"
    form: dict[str, str] | None = None
    json_body: dict[str, Any] | None = Field(None, alias="json")
    first_page: int = 1
    page_size: int = Field(20, ge=1)
    max_pages: int = Field(30, ge=1)
    items: str = ""
    cursor: str | None = None
    last_page: FieldSpec | None = None  # the portal's last page number, read from each page
    total: FieldSpec | None = None  # or its total row count (last page = ceil(total/size))
    fields: dict[str, FieldSpec] = {}

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _body(self) -> ListSpec:
        if self.form is not None and self.json_body is not None:
            raise ValueError("form 和 json 只能给出一个")
        return self


class DetailSpec(_Strict):
    url: str | None = None  # template; default: the row's url
    format: Literal["html", "json"] | None = None
    method: Literal["GET", "POST"] = "GET"
    fields: dict[str, FieldSpec] = {}


class StatusSpec(_Strict):
    replied: list[str] = []
    pending: list[str] = []


class SectionSpec(_Strict):
    title: str = ""
    kind: Literal["messages", "news"] = "messages"
    format: Literal["html", "json", "feed"] = "html"
    list: ListSpec
    detail: DetailSpec | None = None
    status: StatusSpec = StatusSpec()
    date_format: str | None = None

    @model_validator(mode="after")
    def _fields(self) -> SectionSpec:
        if self.format != "feed":
            if not self.list.items:
                raise ValueError("html 和 json 栏目必须给出 list.items")
            required = REQUIRED_MESSAGE_FIELDS if self.kind == "messages" else REQUIRED_NEWS_FIELDS
            missing = [f for f in required if f not in self.list.fields]
            if missing:
                raise ValueError(f"list.fields 缺少 {'、'.join(missing)}")
        return self


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

    def section(self, name: str, path: Path | str = "profile") -> SectionSpec:
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
    try:
        profile = Profile.model_validate(data)
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


def expression_problems(profile: Profile) -> list[str]:
    """Every XPath, CSS selector and JSON path of the profile that would fail at crawl time,
    as ``sections.bxcy.list.items: XPath '//table[@@@' does not compile: …``."""
    out = []
    for name, section in profile.sections.items():
        items = section.list.items
        problem = None
        if section.format == "html":
            problem = xpath_problem(items) if is_xpath(items) else css_problem(items)
        elif section.format == "json":
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
        if section.detail is not None:
            out += _field_problems(f"sections.{name}.detail.fields", section.detail.fields)
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


# (path, mtime_ns, size) → the profile or the ConfigError text; `status` checks every source and
# several sources share one file, so each version of a file is parsed once per process.
_CHECKED: dict[tuple[str, int, int], Profile | str] = {}


def check_profile(config: Config, source: SourceConfig) -> str | None:
    """Why `source`'s site profile cannot be used (not found, not TOML, invalid, a bad selector,
    no such section), or None. Cheap: no scrapy, no network; one parse per file version."""
    path = config.resolve(source.profile)
    try:
        stat = path.stat()
    except OSError:
        return f"{path}: 找不到站点配置文件"
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _CHECKED:
        try:
            _CHECKED[key] = load_profile(path)
        except ConfigError as exc:
            _CHECKED[key] = str(exc)
    profile = _CHECKED[key]
    if isinstance(profile, str):
        return profile
    try:
        profile.section(source.section, path)
    except ConfigError as exc:
        return str(exc)
    return None
