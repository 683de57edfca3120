"""monitor.toml: read with tomllib, validated with pydantic, errors naming file, key, expectation.

Secrets never live in the file: a value "env:NAME" is read from the environment variable NAME
when it is used (so `calendar due` works on a machine without the WeCom key).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from monitor.calendar import WorkCalendar, load_calendar
from monitor.errors import ConfigError
from monitor.hints import command
from monitor.names import source_titles
from monitor.quickconfig import CONFIG_ENV
from monitor.timeutil import OFFICE_ZONE_NAME, SHANGHAI, Duration, parse_clock, parse_duration
from monitor.tomlzh import toml_problem


class _Strict(BaseModel):
    # strict: a value of the wrong TOML type is reported (DESIGN §4), never converted —
    # `working_days = "5"` or `= true` is a mistake in the file, not 5 or 1
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def _durations(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise ValueError('应为时长列表，如 ["2wd", "1wd"]')
    for item in value:
        parse_duration(item)
    return value


def _duration(value: Any) -> str:
    parse_duration(value)
    return value


def _clock(value: Any) -> str:
    parse_clock(value)
    return value


def resolve_secret(value: str | None, key: str, source: str = "config") -> str | None:
    """`env:NAME` → the variable's value; a missing variable is a ConfigError naming the key."""
    if value is None or not value.startswith("env:"):
        return value
    name = value[4:]
    found = os.environ.get(name)
    if not found:
        raise ConfigError(f"{source}: {key} = {value!r}：环境变量 {name} 未设置")
    return found


class MonitorSection(_Strict):
    timezone: str = "Asia/Shanghai"
    database: str = "sqlite:///data/monitor.db"

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        # The limits are Beijing time by rule (docs/time-rules.md: the State Council calendar, 24:00 of
        # the due date, office hours), so the key states that and nothing else: another zone
        # would shift some times and not others. Kept so existing files stay valid.
        if value != OFFICE_ZONE_NAME:
            raise ValueError(
                f"时区只能是 {OFFICE_ZONE_NAME!r}（北京时间），不支持 {value!r}："
                "答复期限、工作日和突发事件时限均按北京时间计算"
            )
        return value


class ReplyRule(_Strict):
    working_days: int = Field(5, ge=1, le=60)
    warn_before: list[str] = ["2wd", "1wd"]
    receipt_on_rest_day: Literal["as-is", "next-workday"] = "as-is"
    _check = field_validator("warn_before", mode="before")(_durations)

    @property
    def thresholds(self) -> list[Duration]:
        return [parse_duration(v) for v in self.warn_before]


class DisclosureRule(ReplyRule):
    working_days: int = Field(20, ge=1, le=60)
    extension_days: int = Field(20, ge=0, le=60)


class ConsultationRule(_Strict):
    """意见征集 (docs/consultations.md). `min_days`: 重大行政决策程序暂行条例 art. 14 (as a rule not less
    than 30 days). `feedback_working_days`: the office's own limit for publishing 采纳情况 after
    the window closes (no statute fixes one), counted like a reply limit from the closing date."""

    min_days: int = Field(30, ge=1, le=366)
    feedback_working_days: int = Field(15, ge=1, le=120)
    warn_before: list[str] = ["2wd", "1wd"]
    closing_on_rest_day: Literal["as-is", "next-workday"] = "as-is"
    _check = field_validator("warn_before", mode="before")(_durations)

    @property
    def thresholds(self) -> list[Duration]:
        return [parse_duration(v) for v in self.warn_before]


class CrisisRule(_Strict):
    publish_hours: float = Field(5, gt=0)
    press_conference_hours: float = Field(24, gt=0)
    warn_before: list[str] = ["2h", "1h", "30m"]
    _check = field_validator("warn_before", mode="before")(_durations)

    @field_validator("warn_before")
    @classmethod
    def _wall_clock(cls, value: list[str]) -> list[str]:
        for item in value:
            if parse_duration(item).is_working_days:
                raise ValueError(f"{item!r}：突发事件时限按自然小时计，请用 h 或 m")
        return value

    @property
    def thresholds(self) -> list[Duration]:
        return [parse_duration(v) for v in self.warn_before]


class Rules(_Strict):
    """`[rules.reply]`, `[rules.crisis]`, `[rules.disclosure]`, and any number of named reply
    rules (`[rules.hotline] working_days = 3`) that a source picks with `rule = "hotline"`;
    a named rule takes the keys it does not give from `[rules.reply]`."""

    model_config = ConfigDict(extra="allow", frozen=True, strict=True)
    __pydantic_extra__: dict[str, ReplyRule] = Field(init=False)

    reply: ReplyRule = ReplyRule()
    crisis: CrisisRule = CrisisRule()
    disclosure: DisclosureRule = DisclosureRule()
    consultation: ConsultationRule = ConsultationRule()

    def named(self) -> dict[str, ReplyRule]:
        """Every reply rule a source may name: `reply` and the named ones, each complete."""
        out = {"reply": self.reply}
        for name, rule in (self.__pydantic_extra__ or {}).items():
            given = {key: getattr(rule, key) for key in rule.model_fields_set}
            out[name] = self.reply.model_copy(update=given)
        return out


class SourceConfig(_Strict):
    name: str = Field(min_length=1)
    profile: str
    section: str
    every: str = "10m"
    department_default: str | None = None
    enabled: bool = True
    timeout: str | None = None  # one crawl's limit; default: 80 % of `every`, ≥ 30 s
    rule: str = "reply"  # the reply rule of its messages: `reply` or a `[rules.NAME]`
    _every = field_validator("every")(_duration)

    @field_validator("timeout")
    @classmethod
    def _timeout(cls, value: str | None) -> str | None:
        return None if value is None else _duration(value)


class ChannelSettings(BaseModel):
    """`[channels.NAME]` as the core sees it: `kind` names the channel type and `fallback`
    another channel (a route, checked here like [routing]); the other keys are the type's, kept
    as written, and checked by the type itself when the channel is built (alerts/channels/) or
    when a caller passes the types' check to `load_config` (the CLI does)."""

    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True, strict=True)
    kind: str
    fallback: str | None = None
    # what people read for this channel (企业微信群 / 办公室邮箱); default: the type's own
    # Chinese name (alerts.channels.registry.channel_labels). The key stays in JSON.
    label: str | None = Field(None, min_length=1, max_length=40)


class Routing(_Strict):
    default: list[str] = []
    crisis: list[str] = []
    leadership: list[str] = []
    departments: dict[str, list[str]] = {}


class SummaryConfig(_Strict):
    at: str = "08:30"
    channels: list[str] | None = None  # default: routing.default
    _at = field_validator("at")(_clock)


class OfficeHours(_Strict):
    start: str = "08:30"
    end: str = "17:30"
    _start = field_validator("start", "end")(_clock)

    @model_validator(mode="after")
    def _order(self) -> OfficeHours:
        # start >= end would hold every ordinary alert forever: never inside office hours
        if parse_clock(self.start) >= parse_clock(self.end):
            raise ValueError(
                f"start = {self.start!r} 不早于 end = {self.end!r}：上班时间须早于下班时间"
                "（同一天内）"
            )
        return self


class WatchConfig(_Strict):
    # a story reprinted by this many outlets within `cluster_hours` suggests a crisis
    possible_crisis_outlets: int = Field(5, ge=2)
    possible_crisis_hours: float = Field(6, gt=0)
    # older news/messages are scanned and listed but not alerted (a first crawl brings history)
    alert_max_age_hours: float = Field(72, gt=0)
    # items matched per kind and sweep (the sweep holds the write lock; a backlog takes turns)
    scan_per_sweep: int = Field(2000, ge=1)


class ReplyQualityConfig(_Strict):
    """`[reply_quality]` (docs/reply-quality.md): the office's own wording for the reply checker."""

    enabled: bool = True  # judge every reply the product sees
    # the office's opening and closing phrases, set aside before replies are compared
    boilerplate: list[str] = []
    # the office's own words for "passed on" (已按程序交办) and "ask elsewhere"
    referral_phrases: list[str] = []
    deflect_phrases: list[str] = []
    # replies judged together with a new one (templates are looked for among them)
    corpus_days: int = Field(180, ge=1)
    # a flagged reply older than this is listed, not alerted (a first crawl brings history)
    alert_max_age_hours: float = Field(72, gt=0)


class DaemonConfig(_Strict):
    sweep_every: str = "1m"
    dispatch_every: str = "10s"
    misfire_grace: str = "5m"
    log_file: str | None = None
    # crawl only inside this local window ("08:00-20:00"; default: all day), and optionally
    # only on working days — for portals that must be left alone at night (and the demo)
    crawl_window: str | None = None
    crawl_on_rest_days: bool = True
    _d = field_validator("sweep_every", "dispatch_every", "misfire_grace")(_duration)

    @field_validator("crawl_window")
    @classmethod
    def _window(cls, value: str | None) -> str | None:
        if value is None:
            return value
        parts = value.split("-")
        if len(parts) != 2:
            raise ValueError('应为本地时间段，如 "08:00-20:00"')
        start, end = (parse_clock(p) for p in parts)
        if end <= start:
            raise ValueError("时间段的结束须晚于开始（同一天内）")
        return value


class CrawlConfig(_Strict):
    """`[crawl]`: how sources are crawled (docs/deployment.md). Long-lived worker processes
    each run many sources at once; `queue = "postgres"` shares the sources among the crawl
    workers of several machines through the database (procrastinate)."""

    workers: int = Field(0, ge=0, le=64)  # processes; 0: one per core, at most 4
    concurrency: int = Field(64, ge=1, le=2000)  # sources crawled at once over all workers
    worker_max_jobs: int = Field(5000, ge=1)  # a worker retires after this many sources…
    worker_max_memory_mb: int = Field(400, ge=100)  # …or past this resident memory
    queue: Literal["local", "postgres"] = "local"


class WebSettings(_Strict):
    # the dashboard's address as the office opens it (behind the reverse proxy): alerts link
    # to {public_url}/messages/<id> when set
    public_url: str | None = None

    @field_validator("public_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if not value.startswith(("http://", "https://")):
            raise ValueError('应为 http:// 或 https:// 开头的地址，如 "https://om.example.gov.cn"')
        return value.rstrip("/")


class Settings(_Strict):
    monitor: MonitorSection = MonitorSection()
    rules: Rules = Rules()
    sources: list[SourceConfig] = []
    channels: dict[str, ChannelSettings] = {}
    routing: Routing = Routing()
    summary: SummaryConfig = SummaryConfig()
    office_hours: OfficeHours = OfficeHours()
    watch: WatchConfig = WatchConfig()
    reply_quality: ReplyQualityConfig = ReplyQualityConfig()
    daemon: DaemonConfig = DaemonConfig()
    crawl: CrawlConfig = CrawlConfig()
    web: WebSettings = WebSettings()


class Config:
    """A validated monitor.toml and the files beside it."""

    def __init__(self, path: Path, settings: Settings) -> None:
        self.path = path
        self.settings = settings
        self.folder = path.parent
        self._calendar: WorkCalendar | None = None
        self._calendar_stamp: int | None = None
        self._rules: dict[str, ReplyRule] | None = None

    @property
    def zone(self) -> ZoneInfo:
        return SHANGHAI  # the only zone `[monitor] timezone` accepts

    @property
    def holidays_path(self) -> Path:
        return self.folder / "holidays.toml"

    @property
    def watchlist_path(self) -> Path:
        return self.folder / "watchlist.txt"

    @property
    def calendar(self) -> WorkCalendar:
        """The calendar, re-read when holidays.toml changes: adding next year's schedule
        takes effect in a running daemon without a restart."""
        try:
            stamp = self.holidays_path.stat().st_mtime_ns
        except FileNotFoundError:
            stamp = None
        if self._calendar is None or stamp != self._calendar_stamp:
            self._calendar = load_calendar(self.holidays_path)
            self._calendar_stamp = stamp
        return self._calendar

    @property
    def database_url(self) -> str:
        """The database URL, `env:` resolved; a relative SQLite path is relative to the
        folder of monitor.toml, so the daemon finds the same file from any working dir."""
        url = resolve_secret(self.settings.monitor.database, "monitor.database", str(self.path))
        assert url is not None
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
            url = prefix + str((self.folder / url[len(prefix) :]).resolve())
        return url

    def resolve(self, relative: str) -> Path:
        path = Path(relative)
        return path if path.is_absolute() else self.folder / path

    def reply_rule(self, source: str) -> ReplyRule:
        """The reply rule of `source`'s messages (its `rule`, else `[rules.reply]`); a name no
        longer configured (a message of a source since removed) counts by `[rules.reply]`."""
        if self._rules is None:
            named = self.settings.rules.named()
            self._rules = {s.name: named.get(s.rule, named["reply"]) for s in self.settings.sources}
        return self._rules.get(source, self.settings.rules.reply)

    def source(self, name: str) -> SourceConfig:
        for source in self.settings.sources:
            if source.name == name:
                return source
        titles = source_titles(self)
        known = "、".join(
            f"{key}（{title}）" if title != key else key for key, title in titles.items()
        )
        raise ConfigError(f"{self.path}: 没有名为 {name!r} 的数据源（已配置：{known or '无'}）")


def _allowed_keys(loc: list[str], root: Any = None) -> list[str]:
    """The keys allowed where an unknown key was found (walks the models along `loc`)."""
    model: Any = root or Settings
    for part in loc[:-1]:
        if part.isdigit():
            continue
        field = getattr(model, "model_fields", {}).get(part)
        annotation = getattr(field, "annotation", None)
        if field is None:  # a table of a model that allows its own (`[rules.hotline]`)
            extra = getattr(model, "__annotations__", {}).get("__pydantic_extra__")
            annotation = _extra_model(extra)
        args = [a for a in getattr(annotation, "__args__", ()) if hasattr(a, "model_fields")]
        model = annotation if hasattr(annotation, "model_fields") else (args[0] if args else None)
        if model is None:
            return []
    if model is None or not hasattr(model, "model_fields"):
        return []
    return [f.alias or name for name, f in model.model_fields.items()]


def _extra_model(annotation: Any) -> Any:
    """`dict[str, ReplyRule]` (possibly as a string, with postponed annotations) → ReplyRule."""
    if isinstance(annotation, str):
        inner = annotation.removeprefix("dict[str, ").removesuffix("]")
        return globals().get(inner)
    args = getattr(annotation, "__args__", ())
    return args[-1] if args else None


def describe_error(error: Mapping[str, Any], prefix: tuple[str, ...] = (), root: Any = None) -> str:
    """One line for a pydantic error; `prefix` and `root` place an error of a nested model
    validated on its own (a channel's settings) at its key in the file."""
    loc = [str(p) for p in error["loc"]]
    key = ".".join([*prefix, *loc])
    kind = error["type"]
    value = error.get("input")
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc, root)
        expected = f"（可用的键：{', '.join(allowed)}）" if allowed else ""
        return f"未知的键 {key!r}{expected}"
    if kind == "missing":
        return f"缺少必填的键 {key!r}"
    message = _message_zh(kind, error.get("ctx") or {}, error["msg"].removeprefix("Value error, "))
    if isinstance(value, dict):  # a whole table was judged (e.g. office_hours start/end)
        return f"[{key}]：{message}"
    return f"键 {key!r} = {_as_written(value)}：{message}"


def _as_written(value: Any) -> str:
    """A value as the file spells it where Python's repr would not (`true`, not `True`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


# pydantic's English messages for the usual mistakes, in the office's language
_TYPE_ZH = {
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "string_type": "应为字符串（加英文双引号）",
    "list_type": "应为列表 [...]",
    "dict_type": "应为表",
    "model_type": "应为表",
    "model_attributes_type": "应为表",
}


def _message_zh(kind: str, ctx: dict[str, Any], message: str) -> str:
    if kind in _TYPE_ZH:
        return _TYPE_ZH[kind]
    if kind == "literal_error":
        # pydantic writes "'a', 'b' or 'c'": the list in the office's punctuation
        expected = str(ctx.get("expected", "")).replace(" or ", "、").replace(", ", "、")
        return f"应为以下之一：{expected}"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        words = {
            "greater_than_equal": "不能小于",
            "greater_than": "须大于",
            "less_than_equal": "不能大于",
            "less_than": "须小于",
        }[kind]
        bound = next(iter(ctx.values()), "")
        return f"{words} {bound}"
    if kind == "too_short":
        return f"至少要有 {ctx.get('min_length', 1)} 项"
    return message


# A check of a part of the file that another package owns (the channel types check their
# own [channels.NAME] keys): it reads the raw document and returns its problems worded like
# describe_error's, so that every problem of the file is reported at once.
FileCheck = Callable[[Mapping[str, Any]], list[str]]


def parse_settings(raw: dict[str, Any], path: Path, checks: Sequence[FileCheck] = ()) -> Settings:
    problems: list[str] = []
    settings = None
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        problems = [describe_error(e) for e in exc.errors()]
    for check in checks:
        problems += check(raw)
    if problems or settings is None:
        # a key both checks look at (a channel's fallback) is reported once
        problems = list(dict.fromkeys(problems))
        raise ConfigError(f"{path}: " + f"\n{path}: ".join(problems))
    return settings


def load_config(path: Path, checks: Sequence[FileCheck] = ()) -> Config:
    """Read and validate `path`. Every problem is a ConfigError naming file and key; `checks`
    add the problems of sections other packages own (see FileCheck)."""
    if path.is_dir():
        raise ConfigError(f"{path}: 是文件夹；--config 应指向 monitor.toml 文件本身")
    if not path.exists():
        raise ConfigError(
            f"{path}: 配置文件不存在（请运行 {command('init')}，"
            f"或用 --config / ${CONFIG_ENV} 指定）"
        )
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: 不是有效的 TOML：{toml_problem(exc)}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: 不是 UTF-8 文本") from None
    except OSError as exc:
        raise ConfigError(f"{path}: 无法读取：{exc.strerror}") from None
    settings = parse_settings(raw, path, checks)
    names = [s.name for s in settings.sources]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise ConfigError(f"{path}: sources：名称 {duplicate!r} 用了两次")
    for route_key, route in _routes(settings):
        for channel in route:
            if channel not in settings.channels:
                raise ConfigError(
                    f"{path}: {route_key}：没有名为 {channel!r} 的渠道"
                    f"（已定义：{', '.join(settings.channels) or '无'}）"
                )
    for name, section in settings.channels.items():
        fallback = section.fallback
        if fallback is not None and (fallback == name or fallback not in settings.channels):
            raise ConfigError(
                f"{path}: channels.{name}.fallback = {fallback!r}：应为另一个渠道的名称"
                f"（已定义：{', '.join(settings.channels)}）"
            )
    _check_rules(settings, path)
    for source in settings.sources:
        if not (path.parent / source.profile).exists() and not Path(source.profile).is_absolute():
            raise ConfigError(
                f"{path}: sources {source.name!r}：站点配置文件 "
                f"{path.parent / source.profile} 不存在"
            )
    return Config(path.resolve(), settings)


def _check_rules(settings: Settings, path: Path) -> None:
    """Each source's `rule` names a reply rule; a named rule table no source uses and whose
    name is close to a built-in one is a typo (`[rules.replly]`), not a new rule."""
    import difflib

    named = settings.rules.named()
    for source in settings.sources:
        if source.rule not in named:
            if source.rule in ("crisis", "disclosure"):
                why = f"[rules.{source.rule}] 不是留言的答复规则"
            else:
                why = f"没有规则表 [rules.{source.rule}]"
            raise ConfigError(
                f"{path}: sources {source.name!r} 的键 'rule' = {source.rule!r}：{why}"
                f"（可用：{'、'.join(named)}）"
            )
    used = {source.rule for source in settings.sources}
    for name in named:
        close = difflib.get_close_matches(name, ["reply", "crisis", "disclosure"], 1, 0.75)
        if name != "reply" and name not in used and close:
            raise ConfigError(
                f"{path}: [rules.{name}]：没有数据源使用这个规则（sources 的 rule = {name!r}），"
                f"是不是 [rules.{close[0]}] 的笔误？"
            )


def _routes(settings: Settings) -> list[tuple[str, list[str]]]:
    routes = [
        ("routing.default", settings.routing.default),
        ("routing.crisis", settings.routing.crisis),
        ("routing.leadership", settings.routing.leadership),
    ]
    routes += [(f"routing.departments.{d!r}", r) for d, r in settings.routing.departments.items()]
    if settings.summary.channels is not None:
        routes.append(("summary.channels", settings.summary.channels))
    return routes
