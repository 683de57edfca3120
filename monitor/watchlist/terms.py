"""Watch terms in the database, their change history and the watchlist.txt file format.

File format (config/watchlist.txt, `watchlist import/export`), one term a line:

    term | level | category | !exclusion !exclusion …

`#` at the start of a line or after whitespace starts a comment (`审计  # 本局` is the term 审计;
`C#` has no space before `#`, and a term that really holds ` #` or starts with `#` is written in
double quotes: `"#审计#"`); level is info | warning (default) | critical, or its Chinese name
提示 | 警示 | 严重; category and the exclusions are optional. Lines that parse but look like
a mistake (a term with spaces inside: two terms on one line?) are reported as notes. `import` merges by default: for a term already on the list a line
changes only the fields it gives (an omitted level, category or exclusion list keeps the stored
value), so a file with just `审计` never wipes 审计's settings; `import --replace` makes the
file the whole watchlist (each line the term's full definition, terms not listed removed). Every edit writes a WatchTermHistory row (who, when, before/after)
and bumps the watchlist version in the Meta table, which is what lets a running daemon pick
up the change on its next item (matcher.get_matcher)."""

from __future__ import annotations

import getpass
import os
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from monitor.db.models import Meta, WatchTerm, WatchTermHistory
from monitor.errors import MonitorError, NotFound
from monitor.hints import command
from monitor.inputs import check_text
from monitor.timeutil import iso
from monitor.watchlist.levels import LEVEL_HELP, parse_level
from monitor.watchlist.normalize import normalize

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from monitor.app import App

ACTION_ZH = {"add": "添加", "update": "修改", "remove": "删除", "import": "导入"}
FIELDS = ("level", "category", "exclude")  # what a file line may give
FIELD_ZH = {"level": "级别", "category": "分类", "exclude": "排除"}
VERSION_KEY = "watchlist.version"


@dataclass
class TermSpec:
    """One watch term as the user describes it (already normalised)."""

    term: str
    level: str = "warning"
    category: str | None = None
    exclude: list[str] = field(default_factory=list)
    enabled: bool = True
    # the fields a file line gave explicitly (`审计` gives none, `审计 | info` gives level):
    # a merging import overrides only these
    given: frozenset[str] = field(default=frozenset(FIELDS), compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "term": self.term,
            "level": self.level,
            "category": self.category,
            "exclude": list(self.exclude),
            "enabled": self.enabled,
        }


def actor_name() -> str:
    """Who made a change: $USER, else the login name, else "cli"."""
    user = os.environ.get("USER")
    if user:
        return user
    try:
        return getpass.getuser() or "cli"
    except Exception:  # no passwd entry in a container: still record something
        return "cli"


def make_spec(
    term: str,
    level: str | None = "warning",
    category: str | None = None,
    exclude: Iterable[str] = (),
    where: str = "",
) -> TermSpec:
    """Validate and normalise a term; `where` prefixes error messages (file:line)."""
    prefix = f"{where}：" if where else ""
    # lengths first: the errors below quote the term, and a stored term is matched in
    # every news item and message
    term = check_text(term, "term", f"{prefix}关注词")
    exclude = [check_text(raw, "phrase", f"{prefix}排除短语") for raw in exclude]
    category = check_text(category, "category", f"{prefix}分类")
    key = normalize(term.strip())
    if not key:
        raise MonitorError(f"{prefix}关注词为空")
    if "|" in key or key.startswith("!"):
        raise MonitorError(f"{prefix}关注词 {term!r} 不能含有“|”，也不能以“!”开头")
    code = parse_level(level or "warning")
    if code is None:
        raise MonitorError(f"{prefix}关注词 {term!r} 的级别 {level!r} 无效，应为 {LEVEL_HELP}")
    phrases: list[str] = []
    for raw in exclude:
        phrase = normalize(raw.strip())
        if not phrase:
            raise MonitorError(f"{prefix}关注词 {term!r} 有一个空的排除短语")
        # A hit is excluded when it lies inside an occurrence of the phrase, so a phrase
        # without the term could never apply: say so instead of silently ignoring it.
        if key not in phrase:
            raise MonitorError(
                f"{prefix}排除短语 {raw.strip()!r} 不包含关注词 {term.strip()!r}"
                "（排除短语是包含关注词的更长短语，如“审计”的“评审计划”）"
            )
        if phrase == key:
            raise MonitorError(
                f"{prefix}排除短语 {raw.strip()!r} 就是关注词本身，会排除所有命中；"
                "不需要该词请删除它"
            )
        if phrase not in phrases:
            phrases.append(phrase)
    category = (category or "").strip() or None
    return TermSpec(key, code, category, phrases)


_QUOTES = {'"': '"', "“": "”"}


def _fields(text: str, where: str) -> list[str]:
    """The `|`-separated fields of a line with its comment removed: `#` at the start or after
    whitespace, outside double quotes, starts a comment. Quotes are kept for `_unquote`."""
    fields, current, closing = [], "", None
    for i, ch in enumerate(text):
        if closing is not None:
            current += ch
            if ch == closing:
                closing = None
        elif ch in _QUOTES:
            current += ch
            closing = _QUOTES[ch]
        elif ch == "#" and (i == 0 or text[i - 1].isspace()):
            break
        elif ch == "|":
            fields.append(current)
            current = ""
        else:
            current += ch
    if closing is not None:
        raise MonitorError(f"{where}：引号没有闭合：{text.strip()!r}")
    fields.append(current)
    return [f.strip() for f in fields]


def _unquote(field: str, where: str) -> str:
    if field[:1] in _QUOTES:
        closing = _QUOTES[field[0]]
        end = field.find(closing, 1)
        if end != len(field) - 1:
            raise MonitorError(f"{where}：引号后还有多余内容：{field!r}")
        return field[1:end]
    return field


def parse_line(line: str, where: str, notes: list[str] | None = None) -> TermSpec | None:
    """One line of the file format; None for blank and comment lines. Lines that parse but
    look like a mistake add a note to `notes`."""
    text = unicodedata.normalize("NFKC", line).strip()  # full-width ｜ and ！ work too
    parts = _fields(text, where)
    if len(parts) == 1 and not parts[0]:
        return None
    if len(parts) > 4:
        raise MonitorError(
            f"{where}：“|”分隔的字段太多（应为 `关注词 | 级别 | 分类 | !排除短语 …`）："
            f"{line.strip()!r}"
        )
    parts += [""] * (4 - len(parts))
    term, level, category, rest = parts
    if level.startswith("!") or category.startswith("!"):
        raise MonitorError(
            f"{where}：排除短语应写在第四个字段（`关注词 | 级别 | 分类 | !排除短语`）："
            f"{line.strip()!r}"
        )
    exclude: list[str] = []
    if rest:
        if not rest.startswith("!"):
            raise MonitorError(f"{where}：每个排除短语都要以“!”开头：{rest!r}")
        exclude = rest.split("!")[1:]
    quoted = term[:1] in _QUOTES
    term = _unquote(term, where)
    spec = make_spec(term, level or "warning", _unquote(category, where), exclude, where)
    spec.given = frozenset(
        name
        for name, value in (("level", level), ("category", category), ("exclude", rest))
        if value
    )
    if notes is not None and not quoted and any(ch.isspace() for ch in term.strip()):
        notes.append(
            f"{where}：关注词 {spec.term!r} 中间有空格，将按整个短语匹配；如果是两个词，请分两行写"
        )
    return spec


def parse_text(text: str, name: str, notes: list[str] | None = None) -> list[TermSpec]:
    specs: list[TermSpec] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        where = f"{name}:{number}"
        spec = parse_line(line, where, notes)
        if spec is None:
            continue
        if spec.term in seen:
            raise MonitorError(f"{where}：关注词 {spec.term!r} 在第 {seen[spec.term]} 行已出现过")
        seen[spec.term] = number
        specs.append(spec)
    return specs


def parse_file(path: Path, notes: list[str] | None = None) -> list[TermSpec]:
    """Every term of a watchlist file, or an error naming the file and line (all or nothing);
    odd lines that still parse add a note to `notes`."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise MonitorError(f"{path}：关注词文件不存在") from None
    except UnicodeDecodeError as exc:
        raise MonitorError(
            f"{path}：不是 UTF-8 文本（第 {exc.start} 字节：{exc.reason}）"
        ) from None
    except OSError as exc:
        raise MonitorError(f"{path}：无法读取（{exc.strerror}）") from None
    return parse_text(text, str(path), notes)


def _quoted(term: str) -> str:
    """The term as a file line writes it: quoted when it would otherwise read as a comment."""
    if term.startswith("#") or any(
        term[i] == "#" and term[i - 1].isspace() for i in range(1, len(term))
    ):
        return f'"{term}"'
    return term


def format_line(spec: TermSpec) -> str:
    line = f"{_quoted(spec.term)} | {spec.level} | {spec.category or ''}"
    if spec.exclude:
        line += " | " + " ".join(f"!{p}" for p in spec.exclude)
    return line.rstrip(" |") if not spec.exclude and not spec.category else line


FILE_HEADER = """# opinion-monitor 关注词表：每行一个关注词
#   关注词 | 级别 | 分类 | !排除短语 !排除短语 …
# 级别：info 提示（只列出，不提醒）| warning 警示（默认）| critical 严重（提示可能的突发事件）
# 排除短语是包含关注词的更长短语：落在其中的命中不算。
# “#”在行首或空格之后开始注释；关注词本身以“#”开头时请加英文双引号，如 "#审计#"。
"""


def format_file(specs: Iterable[TermSpec]) -> str:
    return FILE_HEADER + "".join(format_line(s) + "\n" for s in specs)


# --- the store --------------------------------------------------------------------------


def _spec_of(row: Any) -> TermSpec:
    return TermSpec(row.term, row.level, row.category, list(row.exclude or []), row.enabled)


def list_terms(session: Session) -> list[TermSpec]:
    rows = session.scalars(select(WatchTerm).order_by(WatchTerm.id))
    return [_spec_of(r) for r in rows]


def bump_version(session: Session, now: datetime) -> None:
    """A fresh random token per edit: caches keyed by it can never confuse two databases."""
    row = session.get(Meta, VERSION_KEY)
    if row is None:
        session.add(Meta(key=VERSION_KEY, value=uuid.uuid4().hex, updated_at=now))
    else:
        row.value, row.updated_at = uuid.uuid4().hex, now


def _history(
    session: Session,
    term: str,
    action: str,
    before: TermSpec | None,
    after: TermSpec | None,
    actor: str,
    now: datetime,
) -> None:
    session.add(
        WatchTermHistory(
            term=term,
            action=action,
            before=before.as_dict() if before else None,
            after=after.as_dict() if after else None,
            actor=actor,
            at=now,
        )
    )


def _upsert(
    session: Session, spec: TermSpec, actor: str, now: datetime, action: str, merge: bool = False
) -> tuple[str, TermSpec | None, TermSpec]:
    """Insert or update one term; returns ("add" | "update" | "same", before, after). With
    `merge`, fields the spec was not given keep the stored value."""
    row = session.scalars(select(WatchTerm).where(WatchTerm.term == spec.term)).first()
    if row is None:
        session.add(
            WatchTerm(
                term=spec.term,
                level=spec.level,
                category=spec.category,
                exclude=list(spec.exclude),
                enabled=spec.enabled,
                updated_at=now,
            )
        )
        _history(
            session, spec.term, action if action == "import" else "add", None, spec, actor, now
        )
        return "add", None, spec
    before = _spec_of(row)
    if merge:
        spec = TermSpec(
            spec.term,
            spec.level if "level" in spec.given else before.level,
            spec.category if "category" in spec.given else before.category,
            list(spec.exclude) if "exclude" in spec.given else list(before.exclude),
            before.enabled,
        )
    elif action == "import":  # the file format has no enabled field: keep the stored one
        spec = TermSpec(spec.term, spec.level, spec.category, list(spec.exclude), before.enabled)
    if before.as_dict() == spec.as_dict():
        return "same", before, before
    row.level, row.category, row.exclude = spec.level, spec.category, list(spec.exclude)
    row.enabled, row.updated_at = spec.enabled, now
    _history(
        session, spec.term, action if action == "import" else "update", before, spec, actor, now
    )
    return "update", before, spec


def changed_fields(before: TermSpec, after: TermSpec) -> list[str]:
    """The fields (of FIELDS) that differ between two versions of a term."""
    old, new = before.as_dict(), after.as_dict()
    return [name for name in FIELDS if old[name] != new[name]]


def add_term(
    session: Session,
    term: str,
    now: datetime,
    actor: str,
    level: str | None = None,
    category: str | None = None,
    exclude: Iterable[str] | None = None,
) -> tuple[str, TermSpec]:
    """Add a term, or update it when it exists: options not given keep their old value."""
    existing = {s.term: s for s in list_terms(session)}.get(normalize(term.strip()))
    if existing is not None:
        level = level or existing.level
        category = existing.category if category is None else category
        exclude = existing.exclude if exclude is None else exclude
    spec = make_spec(term, level or "warning", category, exclude or ())
    if existing is not None:
        spec.enabled = existing.enabled
    outcome, _before, spec = _upsert(session, spec, actor, now, "add")
    if outcome != "same":
        bump_version(session, now)
    return outcome, spec


def set_enabled(
    session: Session, term: str, enabled: bool, now: datetime, actor: str
) -> tuple[str, TermSpec]:
    """Switch a term on or off (kept on the list and in the history either way)."""

    existing = {s.term: s for s in list_terms(session)}.get(normalize(term.strip()))
    if existing is None:
        raise NotFound(
            f"关注词表中没有 {term.strip()[:50]!r}（用 {command('watchlist list')} 查看）"
        )
    wanted = TermSpec(
        existing.term, existing.level, existing.category, list(existing.exclude), enabled
    )
    outcome, _before, spec = _upsert(session, wanted, actor, now, "update")
    if outcome != "same":
        bump_version(session, now)
    return outcome, spec


def remove_term(session: Session, term: str, now: datetime, actor: str) -> TermSpec:
    key = normalize(term.strip())
    row = session.scalars(select(WatchTerm).where(WatchTerm.term == key)).first()
    if row is None:
        raise NotFound(
            f"关注词表中没有 {term.strip()[:50]!r}（用 {command('watchlist list')} 查看）"
        )
    before = _spec_of(row)
    session.delete(row)
    _history(session, key, "remove", before, None, actor, now)
    bump_version(session, now)
    return before


@dataclass
class ImportReport:
    """What an import did, term by term (for the per-term summary the CLI prints)."""

    added: list[TermSpec] = field(default_factory=list)
    updated: list[tuple[TermSpec, TermSpec]] = field(default_factory=list)  # (before, after)
    same: list[str] = field(default_factory=list)
    removed: list[TermSpec] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "add": len(self.added),
            "update": len(self.updated),
            "same": len(self.same),
            "remove": len(self.removed),
        }


def import_terms(
    session: Session, specs: list[TermSpec], now: datetime, actor: str, replace: bool = False
) -> ImportReport:
    """Add/update every term (in the caller's transaction: all or nothing).

    Default (merge): a line changes only the fields it gives; omitted ones keep the stored
    value. `replace`: the file is the whole watchlist — every line is its term's full
    definition (omitted fields take their defaults) and terms missing from `specs` are
    removed. Each change is in the history (action "import", before/after)."""
    report = ImportReport()
    for spec in specs:
        outcome, before, after = _upsert(session, spec, actor, now, "import", merge=not replace)
        if outcome == "add":
            report.added.append(after)
        elif outcome == "update":
            assert before is not None
            report.updated.append((before, after))
        else:
            report.same.append(spec.term)
    if replace:
        wanted = {s.term for s in specs}
        for spec in list_terms(session):
            if spec.term not in wanted:
                report.removed.append(remove_term(session, spec.term, now, actor))
    if report.added or report.updated or report.removed:
        bump_version(session, now)
    return report


def export_terms(session: Session, path: Path) -> int:
    specs = list_terms(session)
    try:
        path.write_text(format_file(specs), encoding="utf-8")
    except OSError as exc:
        raise MonitorError(f"{path}：无法写入（{exc.strerror}）") from None
    return len(specs)


def history(session: Session, limit: int | None = None) -> list[dict[str, Any]]:
    query = select(WatchTermHistory).order_by(WatchTermHistory.id.desc())
    if limit:
        query = query.limit(limit)
    return [
        {
            "at": iso(r.at),
            "actor": r.actor,
            "action": r.action,
            "term": r.term,
            "before": r.before,
            "after": r.after,
        }
        for r in session.scalars(query)
    ]


def seed_watchlist(app: App) -> list[str]:
    """`init`: fill an empty watchlist from watchlist.txt beside monitor.toml."""
    path = app.config.watchlist_path
    with app.session() as session:
        if session.scalar(select(func.count(WatchTerm.id))):
            return []
        if not path.exists():
            return []
        notes: list[str] = []
        specs = parse_file(path, notes)
        report = import_terms(session, specs, app.now(), actor_name())
    return [f"注意：{note}" for note in notes] + [
        f"关注词：已从 {path} 导入 {len(report.added)} 个"
    ]
