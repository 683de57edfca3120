"""Dates as Chinese government portals and news sites write them (pure; `now` is injected).

Naive times are Asia/Shanghai; the result is an aware UTC datetime. Forms read without
configuration: ``2019-07-17``, ``2019-07-17 10:23[:45]``, ``2019/7/17 10:23``, ``2019.07.17``,
``2019年07月17日 10:23``, ISO-8601 with zone, RFC 822 (RSS ``pubDate``), epoch seconds or
milliseconds (number or digit string), and the relative forms ``刚刚``, ``N秒前``, ``N分钟前``,
``N小时前``, ``N天前``, ``今天 10:20``, ``昨天 10:20``, ``前天 10:20``, ``MM-DD HH:MM`` (this year).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from monitor.timeutil import SHANGHAI, UTC

_FULL = re.compile(
    r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:[\sT]*(?P<H>\d{1,2})\s*[:时点]\s*(?P<M>\d{1,2})(?:\s*[:分]\s*(?P<S>\d{1,2}))?)?"
)
_SHORT = re.compile(
    r"^(?P<m>\d{1,2})\s*[-/月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s+(?P<H>\d{1,2}):(?P<M>\d{2}))?$"
)
_CLOCK = re.compile(r"(?P<H>\d{1,2})[:：](?P<M>\d{2})(?:[:：](?P<S>\d{2}))?")
_AGO = re.compile(r"^(\d+)\s*(秒|分钟|分|小时|个小时|天|日)前$")
_DAY_WORDS = {"今天": 0, "昨天": 1, "前天": 2}


class DateError(ValueError):
    """The text is not a date this module knows."""


def _epoch(value: float) -> datetime:
    # ≥ 1e11 cannot be seconds within this millennium's plausible range → milliseconds
    seconds = value / 1000 if value >= 1e11 else value
    return datetime.fromtimestamp(seconds, tz=UTC)


def parse_date(value: object, now: datetime, date_format: str | None = None) -> datetime | None:
    """An aware UTC datetime; None for an empty value; DateError for text it cannot read."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise DateError(f"不是日期：{value!r}")
    if isinstance(value, (int, float)):
        # APIs write 0 for "no time yet" (e.g. an unanswered thread's answerDateline)
        return _epoch(float(value)) if value > 0 else None
    text = str(value).strip().replace("\u3000", " ").replace("\xa0", " ")
    if not text:
        return None
    local_now = now.astimezone(SHANGHAI)
    if date_format:
        try:
            moment = datetime.strptime(text, date_format)
        except ValueError as exc:
            raise DateError(f"{text!r} 不符合 date_format {date_format!r}") from exc
        return _aware(moment)
    if re.fullmatch(r"\d{9,13}(\.\d+)?", text):
        return _epoch(float(text))
    if re.fullmatch(r"0+", text):
        return None
    if text in ("刚刚", "刚才"):
        return now.astimezone(UTC)
    ago = _AGO.match(text)
    if ago:
        n, unit = int(ago.group(1)), ago.group(2)
        delta = {
            "秒": timedelta(seconds=n),
            "分钟": timedelta(minutes=n),
            "分": timedelta(minutes=n),
            "小时": timedelta(hours=n),
            "个小时": timedelta(hours=n),
            "天": timedelta(days=n),
            "日": timedelta(days=n),
        }[unit]
        return (now - delta).astimezone(UTC)
    for word, back in _DAY_WORDS.items():
        if text.startswith(word):
            day = (local_now - timedelta(days=back)).date()
            clock = _CLOCK.search(text[len(word) :])
            h, m, s = (
                (int(clock.group("H")), int(clock.group("M")), int(clock.group("S") or 0))
                if clock
                else (0, 0, 0)
            )
            return datetime(day.year, day.month, day.day, h, m, s, tzinfo=SHANGHAI).astimezone(UTC)
    iso = text.replace("Z", "+00:00") if text.endswith("Z") else text
    if re.match(r"\d{4}-\d{2}-\d{2}T", iso) or re.search(r"[+-]\d{2}:\d{2}$", iso):
        try:
            return _aware(datetime.fromisoformat(iso))
        except ValueError:
            pass
    full = _FULL.search(text)
    if full:
        try:
            moment = datetime(
                int(full["y"]),
                int(full["m"]),
                int(full["d"]),
                int(full["H"] or 0),
                int(full["M"] or 0),
                int(full["S"] or 0),
            )
        except ValueError as exc:
            raise DateError(f"不是日期：{text!r}（{exc}）") from exc
        return _aware(moment)
    short = _SHORT.match(text)
    if short:
        moment = datetime(
            local_now.year,
            int(short["m"]),
            int(short["d"]),
            int(short["H"] or 0),
            int(short["M"] or 0),
        )
        if moment.replace(tzinfo=SHANGHAI) > local_now + timedelta(days=1):
            moment = moment.replace(year=local_now.year - 1)  # "12-30" read in January
        return _aware(moment)
    try:
        return _aware(parsedate_to_datetime(text))  # RSS pubDate (RFC 822)
    except (TypeError, ValueError, IndexError):
        pass
    raise DateError(f"不是日期：{text!r}")


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    return moment.astimezone(UTC)
