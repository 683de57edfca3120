"""What a person types — ids, counts, years, report periods, dates, times, free text — checked
once, here, for the CLI and the dashboard alike.

Python's int, date and datetime accept far more than the database or the calendar can hold:
`99999999999999999999` overflows an INTEGER column, `0001-01-01T00:00` in Beijing time has
no UTC instant, `²` passes `str.isdigit()` but not `int()`, and a 40,000-character title
turns one alert into thirty WeCom messages. Each parser here raises `InputError` (exit 2)
with one Chinese sentence naming the field, a short echo of the value and the accepted
range; the CLI prints it as its one `error:` line, the dashboard as a 400 page (an id in a
URL path that cannot exist is a 404). Pure: no database, no click, no Flask.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from monitor.errors import MonitorError
from monitor.report.period import Period
from monitor.report.period import parse_period as build_period
from monitor.timeutil import SHANGHAI, read_iso, to_local, to_utc

# ids are INTEGER columns, and PostgreSQL's integer is 32 bits
MAX_ID = 2**31 - 1
# dates and times a person gives (receipt, start of a crisis, --now, a report period, a day
# to look up): the office's own era, wide enough for back-filling old requests and for a
# calendar check years ahead; year 1 or 9999 is a typo, and cannot even be converted to UTC
MIN_YEAR, MAX_YEAR = 2000, 2099
# page numbers and --limit: far beyond any real list, far below what SQL OFFSET overflows on
MAX_COUNT = 1_000_000

# Longest text stored per field (characters, after trimming). Titles are a citizen's or a
# clerk's one-line summary; a watch term is a word or a short phrase the matcher looks for.
TEXT_LIMITS = {
    "title": 500,
    "term": 50,
    "phrase": 100,  # a watch term's exclusion phrase: the term plus a few characters
    "category": 100,
    "department": 200,
    "applicant": 200,
    "contact": 200,
    "reason": 1000,
}
TEXT_LABELS = {
    "title": "标题",
    "term": "关注词",
    "phrase": "排除短语",
    "category": "分类",
    "department": "部门",
    "applicant": "申请人",
    "contact": "联系方式",
    "reason": "理由",
}
ECHO = 20  # characters of a bad value repeated in the error (never the whole of it)


class InputError(MonitorError):
    """A value a person typed is not acceptable (usage error: exit 2). The message is
    "{what} {value} {problem}"; `problem` alone serves where the field is already named
    (click says which option)."""

    exit_code = 2

    def __init__(self, what: str, value: Any, problem: str) -> None:
        self.what, self.value, self.problem = what, value, f"{echo(value)} {problem}"
        super().__init__(f"{what} {self.problem}")


def echo(value: Any) -> str:
    """A bad value as the error quotes it: at most ECHO characters, control characters
    shown escaped, so a 450 KB value never reaches a terminal, a log or a page in full."""
    text = "" if value is None else str(value)
    cut = text[:ECHO] + ("…" if len(text) > ECHO else "")
    return repr(cut)


def _int(text: Any, what: str, low: int, high: int) -> int:
    if isinstance(text, int) and not isinstance(text, bool):
        raw = str(text)
    else:
        raw = str("" if text is None else text).strip()
    # ASCII digits only: "²" and "٣" pass str.isdigit(), and int() takes "٣" as 3
    if re.fullmatch(r"[0-9]{1,12}", raw) is None or not low <= int(raw) <= high:
        raise InputError(what, raw, f"不是 {low} 到 {high} 之间的整数")
    return int(raw)


def parse_id(text: Any, what: str = "编号") -> int:
    """A record's number (a message, an alert, an event, a request): 1 … MAX_ID."""
    return _int(text, what, 1, MAX_ID)


def parse_count(text: Any, what: str = "数量", low: int = 1) -> int:
    """A page number or a --limit: low … MAX_COUNT."""
    return _int(text, what, low, MAX_COUNT)


def parse_year(text: Any, what: str = "年份") -> int:
    return _int(text, what, MIN_YEAR, MAX_YEAR)


def _year_ok(year: int, what: str, value: Any) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InputError(what, value, f"超出范围：年份应在 {MIN_YEAR} 到 {MAX_YEAR} 之间")


def parse_date(text: Any, what: str = "日期") -> date:
    """YYYY-MM-DD, within MIN_YEAR … MAX_YEAR."""
    if isinstance(text, date) and not isinstance(text, datetime):
        _year_ok(text.year, what, text.isoformat())
        return text
    raw = str("" if text is None else text).strip()
    if not raw.isascii() or re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw) is None:
        raise InputError(what, raw, "不是日期（应为 YYYY-MM-DD，如 2026-11-26）")
    _year_ok(int(raw[:4]), what, raw)
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InputError(what, raw, "不是存在的日期") from None


def parse_when(text: Any, what: str = "时间") -> datetime:
    """An ISO-8601 date or date-time (naive means Beijing time; `Z` or an offset allowed;
    `24:00` is the end of that day, monitor.timeutil.read_iso) →
    aware UTC, its Beijing date within MIN_YEAR … MAX_YEAR."""
    if isinstance(text, datetime):
        return check_when(text, what)
    raw = str("" if text is None else text).strip()
    example = "（应为 ISO-8601，如 2026-11-26T09:30 或 2026-11-26T01:30:00Z）"
    if not raw.isascii() or not re.match(r"[0-9]{4}-", raw):
        raise InputError(what, raw, f"不是有效的时间{example}")
    _year_ok(int(raw[:4]), what, raw)
    try:
        moment = read_iso(raw)  # 24:00 too: the end of a day, as a limit is written
    except ValueError:
        raise InputError(what, raw, f"不是有效的时间{example}") from None
    return check_when(moment, what, raw)


def check_when(moment: datetime, what: str = "时间", shown: Any = None) -> datetime:
    """An already parsed time, bounded like parse_when (aware UTC out)."""
    try:
        utc = to_utc(moment, SHANGHAI)
        year = to_local(utc).year
    except (OverflowError, ValueError):
        raise InputError(
            what, shown or moment, f"超出范围：年份应在 {MIN_YEAR} 到 {MAX_YEAR} 之间"
        ) from None
    _year_ok(year, what, shown or moment.isoformat())
    return utc


def parse_period(text: Any) -> Period:
    """A report period: month 2026-11, quarter 2026-Q4 or year 2026, its year within
    MIN_YEAR … MAX_YEAR. The Period itself is built by monitor.report.period (pure: a rule
    of dates, in the core like this module)."""
    raw = str("" if text is None else text).strip()
    found = re.fullmatch(r"([0-9]{4})(?:-(?:[0-9]{1,2}|[Qq][1-4])|[Qq][1-4])?", raw)
    problem = "无效：应为月份 2026-11、季度 2026-Q4 或年份 2026"
    if not raw.isascii() or found is None:
        raise InputError("统计期", raw, problem)
    _year_ok(int(found.group(1)), "统计期", raw)
    try:
        return build_period(raw)
    except MonitorError:  # a month 13
        raise InputError("统计期", raw, problem) from None


def check_text(value: Any, field: str, what: str | None = None) -> str:
    """`value` trimmed, at most TEXT_LIMITS[field] characters (else InputError naming the
    field, the length and the limit, quoting only its start)."""
    text = "" if value is None else str(value).strip()
    limit = TEXT_LIMITS[field]
    if len(text) > limit:
        label = what or TEXT_LABELS[field]
        raise InputError(label, text, f"太长：{len(text)} 个字符，最多 {limit} 个")
    return text


def check_fields(**fields: Any) -> None:
    """check_text for each keyword whose name is a TEXT_LIMITS field (None is allowed):
    `check_fields(title=title, applicant=applicant)` at a form or a command."""
    for name, value in fields.items():
        if value is not None:
            check_text(value, name)
