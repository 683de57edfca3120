"""Reading the State Council's holiday notice (国务院办公厅关于YYYY年部分节假日安排的通知).

Pure: text in, a typed `Notice` out (no files, no clock). `monitor.calendar_import` turns a
notice into a change of holidays.toml; the CLI and the dashboard both call these two modules.

The notice is read as an office pastes it: simplified or traditional characters, full- or
half-width digits and punctuation, weekday and lunar notes in brackets, and the page around it.
Only schedule sentences of the body count (after 通知如下, before the signature): a sentence
with a date and 放假 / 补休 (holidays) or 上班 (make-up workdays). Anything doubtful is refused
with the line quoted (`NoticeError`): a wrong calendar is worse than none, because deadlines
are counted on it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

# The festivals a notice names (after traditional → simplified). 抗战胜利纪念日 was 2015's.
FESTIVALS = (
    "元旦",
    "春节",
    "清明节",
    "劳动节",
    "端午节",
    "中秋节",
    "国庆节",
    "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
    "抗战胜利纪念日",
)
WEEKDAYS_ZH = "一二三四五六日"
_CN_DIGITS = {
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
}

_BASE_TITLE = re.compile(r"关于(\d{4})年部分节假日安排的通知")
_AMEND_TITLE = re.compile(r"关于(延长|调整)(\d{4})年(.{2,12}?)(?:假期|放假)(?:安排)?的通知")
_ANNOUNCE = re.compile(r"现将(\d{4})年")
_BODY_START = re.compile(r"通知如下[:：.。]?")
_SIGNATURE = re.compile(r"^国务院办公厅$")
_SIGNING_DATE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")
_DATE = re.compile(r"(?:(\d{1,4})年)?(\d{1,2})月(\d{1,2})日")
# the end of a span: 至10日 / 至2月4日 / 至2019年1月1日 (reprints also write ～ or a dash)
_TO = r"(?:至|~|〜|—|–|-)"
_SPAN = re.compile(
    r"(?:(\d{1,4})年)?(\d{1,2})月(\d{1,2})日" + _TO + r"(?:(\d{1,4})年)?(?:(\d{1,2})月)?"
    r"(\d{1,2})日"
)
_NOTE = re.compile(r"\(([^()]*)\)")
_NEWS_LEAD = re.compile(r"\d{1,2}月\d{1,2}日电|\d{1,2}日电")
_BACK_TO_WORK = re.compile(r"(?:\d{1,4}年)?\d{1,2}月\d{1,2}日(?:\([^()]*\))?起(?:正常)?上班")
_LABEL = re.compile(r"^(?:[一二三四五六七八九十]+[、,.]|\d{1,2}[、,.])?([^:;]{2,40}?):")
_ENDS_SENTENCE = re.compile(r"[。.;；:：]$")
_STARTS_ITEM = re.compile(r"^(?:[一二三四五六七八九十]{1,2}[、,.]|\d{1,2}[、.])")
_LOOSE_DAY = re.compile(r"\d{1,2}日")
# a whole notice pasted as one paragraph: each numbered item starts a new piece
_ITEM_START = re.compile(r"(?<=[。.])(?=[一二三四五六七八九十]{1,2}[、,])")
_COUNT = re.compile(r"(?:共|放假)([0-9一二三四五六七八九十]{1,3})天")
_EXTEND = re.compile(r"延长(?:\d{4}年)?(.{2,12}?)假期至")
_SENTENCE_END = re.compile(r"[。;；]|\.(?!\d)")
_PART = re.compile(r"[,，]")
_WEEKDAY_NOTE = re.compile(r"(?:星期|周|礼拜)([一二三四五六日天])")


class NoticeError(ValueError):
    """The notice cannot be read safely. `line` is the offending line as pasted (or None)."""

    def __init__(self, reason: str, line: str | None = None, number: int | None = None) -> None:
        self.reason = reason
        self.line = line
        self.number = number
        super().__init__(self.message())

    def message(self) -> str:
        if self.line is None:
            return f"无法读取通知：{self.reason}"
        where = f"第 {self.number} 行" if self.number else "这一行"
        return f"无法读取通知{where}：“{self.line}”——{self.reason}"


@dataclass(frozen=True)
class FestivalDays:
    """One festival's days as the notice gives them (dates of any year: see Notice.year)."""

    name: str
    holidays: tuple[date, ...] = ()
    workdays: tuple[date, ...] = ()
    line: str = ""


@dataclass(frozen=True)
class Extension:
    """An amending notice's `延长…假期至D`: every day up to D after the festival rests."""

    festival: str
    until: date
    line: str = ""


@dataclass(frozen=True)
class Notice:
    """What a notice says. `amends` is True for a later notice changing a year already
    imported (延长/调整…的通知); its days are applied on top of that year."""

    year: int
    title: str
    amends: bool = False
    festivals: tuple[FestivalDays, ...] = ()
    extensions: tuple[Extension, ...] = ()
    # sentences read and deliberately not counted (what the notice only encourages)
    ignored: tuple[str, ...] = field(default=())

    @property
    def holidays(self) -> dict[date, str]:
        """Every holiday the notice names, any year, → festival name."""
        days: dict[date, str] = {}
        for fest in self.festivals:
            for day in fest.holidays:
                days.setdefault(day, fest.name)
        return days

    @property
    def workdays(self) -> dict[date, str]:
        days: dict[date, str] = {}
        for fest in self.festivals:
            for day in fest.workdays:
                days.setdefault(day, fest.name)
        return days


@dataclass
class _Line:
    number: int
    original: str
    text: str  # normalised: simplified, NFKC (half-width), no spaces


def _simplified(text: str) -> str:
    """Traditional characters → simplified. Text that GB2312 can encode has no traditional
    characters (GB2312 has simplified ones only), so zhconv and its dictionary are skipped."""
    try:
        text.encode("gb2312")
        return text
    except UnicodeEncodeError:
        pass
    import sys

    if "zhconv" not in sys.modules and "pkg_resources" not in sys.modules:
        # zhconv reads its dictionary through pkg_resources when it can, and importing that
        # takes about 0.4 s; without it zhconv reads the same file from its own folder
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]
        try:
            import zhconv
        finally:
            del sys.modules["pkg_resources"]
    import zhconv

    return str(zhconv.convert(text, "zh-cn"))


def normalise(text: str) -> str:
    """Simplified characters, half-width digits and punctuation, no spaces."""
    text = _simplified(unicodedata.normalize("NFKC", text))
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("〔", "[").replace("〕", "]").replace("【", "[").replace("】", "]")
    return re.sub(r"\s+", "", text)


def _lines(text: str) -> list[_Line]:
    out = []
    for number, original in enumerate(text.splitlines(), start=1):
        norm = normalise(original)
        if norm:
            out.append(_Line(number, original.strip(), norm))
    return out


def _int(token: str) -> int:
    if token.isdigit():
        return int(token)
    if len(token) == 1:
        return _CN_DIGITS[token]
    if token.startswith("十"):
        return 10 + (_CN_DIGITS[token[1]] if len(token) > 1 else 0)
    tens = _CN_DIGITS[token[0]] * 10
    return tens + (_CN_DIGITS[token[2]] if len(token) > 2 else 0)


def _find_year(lines: list[_Line], year: int | None) -> tuple[int, str, bool, str | None]:
    """(year, title, amends, amended festival) from the titles in the text and --year."""
    base: dict[int, str] = {}
    amend: dict[int, tuple[str, str]] = {}
    announced: set[int] = set()
    for line in lines:
        for m in _BASE_TITLE.finditer(line.text):
            base.setdefault(int(m.group(1)), m.group(0))
        for m in _AMEND_TITLE.finditer(line.text):
            amend.setdefault(int(m.group(2)), (m.group(0), m.group(3)))
        announced.update(int(m.group(1)) for m in _ANNOUNCE.finditer(line.text))
    if amend and base and not (set(amend) & set(base)):
        pass  # related links of other years beside an amending notice: the amendment wins
    if amend:
        candidates = set(amend)
    else:
        candidates = set(base)
    if len(candidates) > 1:
        # related links name other years' notices: the one the body announces is this one
        body = candidates & announced
        if len(body) == 1:
            candidates = body
    if year is not None:
        if candidates and year not in candidates:
            found = "、".join(str(y) for y in sorted(candidates))
            raise NoticeError(f"通知标题是 {found} 年，与 --year {year} 不符")
        candidates = {year}
    if not candidates:
        if len(announced) == 1:
            candidates = set(announced)
        else:
            raise NoticeError(
                "找不到通知标题（国务院办公厅关于YYYY年部分节假日安排的通知），"
                "无法确定年份：请用 --year 指定"
            )
    if len(candidates) > 1:
        found = "、".join(str(y) for y in sorted(candidates))
        raise NoticeError(
            f"文中有几个年份的通知标题（{found}），无法确定是哪一年：请用 --year 指定"
        )
    (chosen,) = candidates
    if chosen in amend:
        title, festival = amend[chosen]
        return chosen, "国务院办公厅" + title, True, festival
    title = base.get(chosen, f"关于{chosen}年部分节假日安排的通知")
    return chosen, "国务院办公厅" + title, False, None


def _body(lines: list[_Line]) -> list[_Line]:
    """The lines between 通知如下 and the signature (the whole text when there is no marker)."""
    start = None
    for i, line in enumerate(lines):
        m = _BODY_START.search(line.text)
        if m:
            start = i
            rest = line.text[m.end() :]
            lines = lines[:i] + [_Line(line.number, line.original, rest)] + lines[i + 1 :]
            break
    body: list[_Line] = []
    for line in lines[start:] if start is not None else lines:
        if _SIGNATURE.match(line.text) or (start is not None and _SIGNING_DATE.match(line.text)):
            break
        prev = body[-1] if body else None
        if (
            prev is not None
            and prev.text
            and not _ENDS_SENTENCE.search(prev.text)
            and not _STARTS_ITEM.match(line.text)
        ):
            # a sentence wrapped onto the next line (a PDF, a narrow page): read it whole
            body[-1] = _Line(prev.number, f"{prev.original}{line.original}", prev.text + line.text)
        else:
            body.append(line)
    out: list[_Line] = []
    for line in body:
        pieces = _ITEM_START.split(line.text)
        if len(pieces) > 1:
            out.extend(_Line(line.number, line.original, p) for p in pieces if p)
        else:
            out.append(line)
    return out


def _make_date(year: int, month: int, day: int, line: _Line, shown: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise NoticeError(f"{shown} 不是有效日期", line.original, line.number) from None


def _year_of(token: str | None, default: int, line: _Line) -> int:
    if token is None:
        return default
    year = int(token)
    if year < 1949 or year > 2200:
        raise NoticeError(f"{token}年 不是可信的年份", line.original, line.number)
    return year


def _check_notes(text: str, year: int, line: _Line) -> None:
    """A weekday note beside a date must agree with it: else the year or the date is wrong."""
    for m in re.finditer(r"(?:(\d{1,4})年)?(\d{1,2})月(\d{1,2})日\(([^()]*)\)", text):
        note = _WEEKDAY_NOTE.search(m.group(4))
        if not note:
            continue
        y = _year_of(m.group(1), year, line)
        day = _make_date(y, int(m.group(2)), int(m.group(3)), line, m.group(0).split("(")[0])
        want = "日" if note.group(1) == "天" else note.group(1)
        if WEEKDAYS_ZH[day.weekday()] != want:
            raise NoticeError(
                f"{day.isoformat()} 是星期{WEEKDAYS_ZH[day.weekday()]}，"
                f"通知写的是星期{want}（年份或日期有误）",
                line.original,
                line.number,
            )
    # 至23日（农历正月初七、周一）: the end of a span written without its month
    for m in re.finditer(
        r"(?:(\d{1,4})年)?(\d{1,2})月(\d{1,2})日(?:\([^()]*\))?" + _TO + r"(\d{1,2})日\(([^()]*)\)",
        text,
    ):
        note = _WEEKDAY_NOTE.search(m.group(5))
        if not note:
            continue
        y = _year_of(m.group(1), year, line)
        day = _make_date(y, int(m.group(2)), int(m.group(4)), line, f"{m.group(2)}月{m.group(4)}日")
        want = "日" if note.group(1) == "天" else note.group(1)
        if WEEKDAYS_ZH[day.weekday()] != want:
            raise NoticeError(
                f"{day.isoformat()} 是星期{WEEKDAYS_ZH[day.weekday()]}，"
                f"通知写的是星期{want}（年份或日期有误）",
                line.original,
                line.number,
            )


def _span(m: re.Match[str], year: int, line: _Line) -> list[date]:
    y1 = _year_of(m.group(1), year, line)
    m1, d1 = int(m.group(2)), int(m.group(3))
    start = _make_date(y1, m1, d1, line, f"{m1}月{d1}日")
    m2 = int(m.group(5)) if m.group(5) else m1
    d2 = int(m.group(6))
    if m.group(4):
        y2 = _year_of(m.group(4), year, line)
    else:
        y2 = y1 + 1 if m2 < m1 else y1  # 12月31日至1月2日 crosses the year
    end = _make_date(y2, m2, d2, line, f"{m2}月{d2}日")
    if end < start or (end - start).days > 31:
        raise NoticeError(
            f"{start.isoformat()} 至 {end.isoformat()} 不是可信的假期", line.original, line.number
        )
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


class _Reader:
    def __init__(self, year: int, festival: str | None) -> None:
        self.year = year
        self.festival = festival  # an amending notice's festival (from its title)
        self.current: str | None = None
        self.days: dict[str, tuple[list[date], list[date], str]] = {}
        self.extensions: list[Extension] = []
        self.ignored: list[str] = []

    def festival_for(self, line: _Line) -> str:
        name = self.current or self.festival
        if name is None:
            raise NoticeError("无法确定这些日期属于哪个节日", line.original, line.number)
        return name

    def read(self, line: _Line) -> None:
        text = line.text
        label = _LABEL.match(text)
        if label:
            names = [n for n in re.split(r"[、,和及与]", label.group(1)) if n]
            if all(n in FESTIVALS for n in names):
                self.current = "、".join(names)
                text = text[label.end() :]
            elif _DATE.search(text) and re.search("放假|补休|上班", text):
                raise NoticeError(f"无法识别的节日“{label.group(1)}”", line.original, line.number)
        text = _NEWS_LEAD.sub("", text)
        text = _BACK_TO_WORK.sub("", text)  # `2月3日（星期一）起正常上班` is not a make-up day
        _check_notes(text, self.year, line)
        for sentence in _SENTENCE_END.split(text):
            self.sentence(sentence, line)

    def sentence(self, sentence: str, line: _Line) -> None:
        if not _LOOSE_DAY.search(sentence):
            return
        if "鼓励" in sentence:
            # 鼓励…安排职工在除夕（2月9日）休息: encouraged, not a holiday
            self.ignored.append(sentence)
            return
        bare = _NOTE.sub("", sentence)  # weekday and lunar notes (checked above)
        extend = _EXTEND.search(bare)
        if extend:
            self.extension(bare, extend, line)
            return
        if not re.search("放假|补休|上班", bare):
            return
        if _LOOSE_DAY.search(_DATE.sub("", _SPAN.sub("", bare))):
            raise NoticeError("日期不完整（缺少月份）", line.original, line.number)
        holidays: list[date] = []
        workdays: list[date] = []
        pending: list[date] = []
        last_span: list[date] | None = None
        for part in _PART.split(bare):
            count = _COUNT.search(part)
            rest = part
            for m in _SPAN.finditer(part):
                span = _span(m, self.year, line)
                if "放假" in part or "补休" in part:
                    holidays.extend(span)
                    last_span = span
                    rest = rest.replace(m.group(0), "")
                else:
                    raise NoticeError("有起止日期却没有说放假还是上班", line.original, line.number)
            singles = []
            for m in _DATE.finditer(rest):
                y = _year_of(m.group(1), self.year, line)
                singles.append(_make_date(y, int(m.group(2)), int(m.group(3)), line, m.group(0)))
            if "上班" in part:
                workdays.extend(pending + singles)
                pending = []
            elif "放假" in part or "补休" in part:
                if pending:
                    raise NoticeError("日期没有说放假还是上班", line.original, line.number)
                holidays.extend(singles)
                if singles:
                    last_span = singles
            else:
                pending.extend(singles)
            if count:
                n = _int(count.group(1))
                if last_span is None:
                    raise NoticeError(
                        f"“共{count.group(1)}天”前没有假期日期", line.original, line.number
                    )
                if n != len(last_span):
                    raise NoticeError(
                        f"写的是共 {n} 天，但 {last_span[0].isoformat()} 至 "
                        f"{last_span[-1].isoformat()} 是 {len(last_span)} 天",
                        line.original,
                        line.number,
                    )
        if pending:
            raise NoticeError("日期没有说放假还是上班", line.original, line.number)
        if not holidays and not workdays:
            return
        name = self.festival_for(line)
        both = set(holidays) & set(workdays)
        if both:
            raise NoticeError(
                f"{min(both).isoformat()} 既是放假又是上班", line.original, line.number
            )
        for day in workdays:
            if day.weekday() < 5:
                raise NoticeError(
                    f"调休上班日 {day.isoformat()} 是星期{WEEKDAYS_ZH[day.weekday()]}"
                    "，调休上班应为周六或周日（年份或日期有误）",
                    line.original,
                    line.number,
                )
        have_h, have_w, _first = self.days.setdefault(name, ([], [], line.original))
        have_h.extend(d for d in holidays if d not in have_h)
        have_w.extend(d for d in workdays if d not in have_w)

    def extension(self, bare: str, m: re.Match[str], line: _Line) -> None:
        name = m.group(1)
        if name not in FESTIVALS:
            raise NoticeError(f"无法识别的节日“{name}”", line.original, line.number)
        target = _DATE.match(bare, m.end())
        if not target:
            raise NoticeError("“延长…假期至”后面没有日期", line.original, line.number)
        y = _year_of(target.group(1), self.year, line)
        until = _make_date(y, int(target.group(2)), int(target.group(3)), line, target.group(0))
        self.extensions.append(Extension(name, until, line.original))


def parse_notice(text: str, year: int | None = None) -> Notice:
    """Read a pasted notice. Raises `NoticeError` (Chinese, with the line) when in doubt."""
    lines = _lines(text)
    if not lines:
        raise NoticeError("内容是空的")
    chosen, title, amends, festival = _find_year(lines, year)
    reader = _Reader(chosen, festival)
    for line in _body(lines):
        reader.read(line)
    festivals = tuple(
        FestivalDays(name, tuple(sorted(h)), tuple(sorted(w)), first)
        for name, (h, w, first) in reader.days.items()
    )
    # a day claimed by two festivals as holiday and workday is a contradiction
    holidays = {d for f in festivals for d in f.holidays}
    workdays = {d for f in festivals for d in f.workdays}
    if holidays & workdays:
        day = min(holidays & workdays)
        quoted = next(f.line for f in festivals if day in f.workdays)
        raise NoticeError(f"{day.isoformat()} 既是放假又是上班", quoted)
    if not festivals and not reader.extensions:
        raise NoticeError("通知里没有找到放假或调休上班的日期")
    if not amends and not any(d.year == chosen for d in holidays):
        raise NoticeError(f"通知里没有 {chosen} 年的放假日期")
    return Notice(
        year=chosen,
        title=title,
        amends=amends,
        festivals=festivals,
        extensions=tuple(reader.extensions),
        ignored=tuple(reader.ignored),
    )
