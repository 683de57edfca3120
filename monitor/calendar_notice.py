"""Reading the State Council's holiday notice (国务院办公厅关于YYYY年部分节假日安排的通知).

Pure: text in, a typed `Notice` out (no files, no clock). `monitor.calendar_import` turns a
notice into a change of holidays.toml; the CLI and the dashboard both call these two modules.

The notice is read as an office pastes it: simplified or traditional characters, full- or
half-width digits and punctuation, pinyin glosses (勞動(dòng)節), weekday and lunar notes in
brackets, and the page around it. Only schedule sentences of the body count (after 通知如下,
before the signature): in the numbered holiday lines, a sentence with a date and 放假 / 补休
(holidays) or 上班 (make-up workdays). Other lines with days in them (a reprint's headline and
lead, a comment) are prose: checked against the numbered lines and never counted. Anything
doubtful is refused with the line quoted (`NoticeError`): a wrong calendar is worse than none,
because deadlines are counted on it.
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
_RELATED = re.compile(r"^[\[(]?(?:上一篇|下一篇|上一条|下一条|相关|延伸阅读|推荐阅读|热点|更多)")
_SIGNING_DATE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")
_DATE = re.compile(r"(?:(\d{1,4})年)?(\d{1,2})月(\d{1,2})日")
# the end of a span: 至10日 / 至2月4日 / 至2019年1月1日 (reprints also write ～ or a dash)
_TO = r"(?:至|~|〜|—|–|-)"
_SPAN = re.compile(
    r"(?:(\d{1,4})年)?(\d{1,2})月(\d{1,2})日" + _TO + r"(?:(\d{1,4})年)?(?:(\d{1,2})月)?"
    r"(\d{1,2})日"
)
_NOTE = re.compile(r"\(([^()]*)\)")
# a news lead (12月6日电, 新华社北京25日电) or a report's own date (国务院办公厅25日发布通知)
_NEWS_LEAD = re.compile(
    r"\d{1,2}月\d{1,2}日电|(?<![月\d])\d{1,2}日(?:电|发布|公布|发出|印发|讯|消息|报道|获悉|宣布)"
)
_BACK_TO_WORK = re.compile(r"(?:\d{1,4}年)?\d{1,2}月\d{1,2}日(?:\([^()]*\))?起(?:正常)?上班")
# an item's number: 一、 1. （一） 第一、; ① (NFKC makes it 1) only before a label's name
_NUMBER = (
    r"(?:[一二三四五六七八九十]{1,3}[、,.]|\d{1,2}[、,.]|\([一二三四五六七八九十\d]{1,3}\)"
    r"|第[一二三四五六七八九十]{1,3}[、,.]?)"
)
_LABEL = re.compile(rf"^({_NUMBER}|\d{{1,2}}(?=\D))?(?:\d{{4}}年)?([^:;]{{2,40}}?):")
_NUMBERED = re.compile(rf"^{_NUMBER}")
_STARTS_WITH_DATE = re.compile(r"^(?:\d{1,4}年)?\d{1,2}月\d{1,2}日")
_ENDS_SENTENCE = re.compile(r"[。.;；:：!?]$")
_UNFINISHED = re.compile(r"[\d月年至、,(共~-]$")
_CONTINUES = re.compile(r"^[日月天至、,)号休假]")
_STARTS_ITEM = re.compile(
    r"^(?:[一二三四五六七八九十]{1,2}[、,.]|\d{1,2}[、.]|\([一二三四五六七八九十\d]{1,3}\))"
)
_LOOSE_DAY = re.compile(r"\d{1,2}日")
# a whole notice pasted as one paragraph: each numbered item starts a new piece
_ITEM_START = re.compile(r"(?<=[。.])(?=[一二三四五六七八九十]{1,2}[、,])")
_COUNT = re.compile(r"(?:共|放假)([0-9一二三四五六七八九十]{1,3})天")
_EXTEND = re.compile(r"延长(?:\d{4}年)?(.{2,12}?)假期至")
_SENTENCE_END = re.compile(r"[。;；]|\.(?!\d)")
_PART = re.compile(r"[,，]")
_WEEKDAY_NOTE = re.compile(r"(?:星期|周|礼拜)([一二三四五六日天])")
_SCHEDULE_WORD = re.compile("放假|补休|上班")
_REST = re.compile("放假|补休|连休")
_ITEM_WORD = re.compile("放假|补休|上班|延长")
_PROSE_WORD = re.compile("放假|补休|上班|延长|调休|休息|假期")
# festivals as news prose names them
_FESTIVAL_SHORT = {
    "五一": "劳动节",
    "国庆": "国庆节",
    "中秋": "中秋节",
    "端午": "端午节",
    "清明": "清明节",
}


# Pinyin or zhuyin glosses that some sites print after characters: 勞動(dòng)節, 國務(wù)院,
# 日(ri)(ri), (星期(qi)(qi)日(ri)(ri)). They are removed before anything is read.
_ROMAN = "A-Za-z\u00c0-\u024f\u0250-\u02ff\u0300-\u036f\u1e00-\u1eff"
_ZHUYIN = "\u3100-\u312f\u31a0-\u31bf"
_GLOSS = re.compile(rf"[(\[][{_ROMAN}{_ZHUYIN}][{_ROMAN}{_ZHUYIN}0-5 '’·]*[)\]]")
# ruby text copied inline (勞láo動dòng節jié): a toned syllable glued between characters
_CJK = "\u3400-\u9fff"
_INLINE_GLOSS = re.compile(
    rf"(?<=[{_CJK}])[a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]*(?=[{_CJK}]|[(),.:;、]|\s|$)"
)


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
    # lines outside the numbered schedule (a reprint's lead, a comment) whose days were
    # checked against it and agree; and those that do not say clearly which days (not counted)
    checked: tuple[str, ...] = field(default=())
    set_aside: tuple[str, ...] = field(default=())

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


def strip_glosses(text: str) -> str:
    """Remove pinyin/zhuyin glosses (`勞動(dòng)節` → `勞動節`); nested ones from the inside."""
    text = _INLINE_GLOSS.sub("", text)
    while True:
        stripped = _GLOSS.sub("", text)
        if stripped == text:
            return text
        text = stripped


def normalise(text: str) -> str:
    """Simplified characters, half-width digits and punctuation, no glosses, no spaces."""
    text = _simplified(strip_glosses(unicodedata.normalize("NFKC", text)))
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


def _title_lines(lines: list[_Line]) -> list[_Line]:
    """Where the notice's own title can be: above the signature, not in a related link
    (上一篇：国务院办公厅关于2019年…的通知 names another year's notice)."""
    signature = next((i for i, line in enumerate(lines) if _SIGNATURE.match(line.text)), None)
    above = lines[:signature] if signature is not None else lines
    own = [line for line in above if not _RELATED.match(line.text)]
    if any(_BASE_TITLE.search(x.text) or _AMEND_TITLE.search(x.text) for x in own):
        return own
    return lines


def _find_year(lines: list[_Line], year: int | None) -> tuple[int, str, bool, str | None]:
    """(year, title, amends, amended festival) from the titles in the text and --year."""
    base: dict[int, str] = {}
    amend: dict[int, tuple[str, str]] = {}
    announced: set[int] = set()
    for line in _title_lines(lines):
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


def _wrapped(prev: str, text: str) -> bool:
    """Whether `text` carries on the sentence `prev` broke off (a PDF, a narrow page). A
    page's header, headline and lead also end without a full stop, so only a schedule
    fragment, or a break inside a date or a list, is joined."""
    if not prev or _ENDS_SENTENCE.search(prev) or _STARTS_ITEM.match(text):
        return False
    return bool(
        (_DATE.search(prev) and _SCHEDULE_WORD.search(prev))
        or _UNFINISHED.search(prev)
        or _CONTINUES.match(text)
    )


def _body(lines: list[_Line]) -> tuple[list[_Line], _Line | None]:
    """The lines between 通知如下 and the signature (the whole text when there is no marker),
    and the line that announced them (`现将……通知如下`), if any."""
    start = None
    announcement = None
    for i, line in enumerate(lines):
        m = _BODY_START.search(line.text)
        if m:
            start = i
            announcement = _Line(line.number, line.original, line.text[: m.start()])
            rest = line.text[m.end() :]
            lines = lines[:i] + [_Line(line.number, line.original, rest)] + lines[i + 1 :]
            break
    body: list[_Line] = []
    for line in lines[start:] if start is not None else lines:
        if _SIGNATURE.match(line.text) or (start is not None and _SIGNING_DATE.match(line.text)):
            break
        prev = body[-1] if body else None
        if prev is not None and _wrapped(prev.text, line.text):
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
    return out, announcement


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


class _Unclear(NoticeError):
    """A sentence that does not clearly say which days rest or work. In a numbered schedule
    line it refuses the notice; in the surrounding prose the sentence is set aside."""


@dataclass
class _Said:
    """What one sentence says, before it is counted."""

    text: str
    holidays: list[date] = field(default_factory=list)
    workdays: list[date] = field(default_factory=list)
    spans: list[list[date]] = field(default_factory=list)  # explicit A至B spans
    extension: Extension | None = None
    encouraged: bool = False


def _named(text: str) -> set[str]:
    """The festivals a sentence names (五一, 国庆 and the like count too)."""
    names = {name for name in FESTIVALS if name in text}
    names.update(full for short, full in _FESTIVAL_SHORT.items() if short in text)
    return names


def _announced(text: str) -> set[str]:
    """The festivals `现将2026年元旦、春节……放假调休日期的具体安排通知如下` announces."""
    m = re.search(r"现将(?:\d{4}年)?(.*)", text)
    return _named(m.group(1)) if m else set()


def _label(text: str) -> tuple[bool, list[str] | None, str | None, int]:
    """(numbered, festival names, another label, where the rest starts) of a line."""
    numbered = bool(_NUMBERED.match(text))
    m = _LABEL.match(text)
    if m:
        names = [n for n in re.split(r"[、,和及与]", m.group(2)) if n]
        if names and all(n in FESTIVALS for n in names):
            return True, names, None, m.end()
        return numbered, None, m.group(2), m.end()
    return numbered, None, None, 0


def _says(sentence: str, year: int, line: _Line) -> _Said | None:
    """Read one sentence; None when it has no day to read. Raises NoticeError (or _Unclear)."""
    if not _LOOSE_DAY.search(sentence):
        return None
    if "鼓励" in sentence:
        # 鼓励…安排职工在除夕（2月9日）休息: encouraged, not a holiday
        return _Said(sentence, encouraged=True)
    bare = _NOTE.sub("", sentence)  # weekday and lunar notes (checked before)
    extend = _EXTEND.search(bare)
    if extend:
        name = extend.group(1)
        if name not in FESTIVALS:
            raise NoticeError(f"无法识别的节日“{name}”", line.original, line.number)
        target = _DATE.match(bare, extend.end())
        if not target:
            raise _Unclear("“延长…假期至”后面没有日期", line.original, line.number)
        y = _year_of(target.group(1), year, line)
        until = _make_date(y, int(target.group(2)), int(target.group(3)), line, target.group(0))
        return _Said(sentence, extension=Extension(name, until, line.original))
    if not re.search("放假|补休|连休|上班", bare):
        return None
    if re.search("不放假|不上班|无需上班|不用上班|不补休", bare):
        raise _Unclear("句中有“不放假/不上班”，无法判断哪天放假", line.original, line.number)
    if _LOOSE_DAY.search(_DATE.sub("", _SPAN.sub("", bare))):
        raise _Unclear("日期不完整（缺少月份）", line.original, line.number)
    said = _Said(sentence)
    pending: list[date] = []
    last_span: list[date] | None = None
    for part in _PART.split(bare):
        count = _COUNT.search(part)
        rest = part
        for m in _SPAN.finditer(part):
            span = _span(m, year, line)
            if _REST.search(part):
                said.holidays.extend(span)
                said.spans.append(span)
                last_span = span
                rest = rest.replace(m.group(0), "")
            else:
                raise _Unclear("有起止日期却没有说放假还是上班", line.original, line.number)
        singles = []
        for m in _DATE.finditer(rest):
            y = _year_of(m.group(1), year, line)
            singles.append(_make_date(y, int(m.group(2)), int(m.group(3)), line, m.group(0)))
        if "上班" in part:
            said.workdays.extend(pending + singles)
            pending = []
        elif _REST.search(part):
            if pending:
                raise _Unclear("日期没有说放假还是上班", line.original, line.number)
            said.holidays.extend(singles)
            if singles:
                last_span = singles
        else:
            pending.extend(singles)
        if count:
            n = _int(count.group(1))
            if last_span is None:
                raise _Unclear(f"“共{count.group(1)}天”前没有假期日期", line.original, line.number)
            if n != len(last_span):
                raise NoticeError(
                    f"写的是共 {n} 天，但 {last_span[0].isoformat()} 至 "
                    f"{last_span[-1].isoformat()} 是 {len(last_span)} 天",
                    line.original,
                    line.number,
                )
    if pending:
        raise _Unclear("日期没有说放假还是上班", line.original, line.number)
    if not said.holidays and not said.workdays:
        return None
    both = set(said.holidays) & set(said.workdays)
    if both:
        raise NoticeError(f"{min(both).isoformat()} 既是放假又是上班", line.original, line.number)
    for day in said.workdays:
        if day.weekday() < 5:
            raise NoticeError(
                f"调休上班日 {day.isoformat()} 是星期{WEEKDAYS_ZH[day.weekday()]}"
                "，调休上班应为周六或周日（年份或日期有误）",
                line.original,
                line.number,
            )
    return said


def _sentences(text: str, year: int, line: _Line) -> list[str]:
    """The line's sentences after the parts that are never schedule days, notes checked."""
    text = _NEWS_LEAD.sub("", text)
    text = _BACK_TO_WORK.sub("", text)  # `2月3日（星期一）起正常上班` is not a make-up day
    _check_notes(text, year, line)
    return [s for s in _SENTENCE_END.split(text) if s]


@dataclass
class _Prose:
    """A line outside the numbered schedule that has days in it: checked, never counted."""

    line: _Line
    said: list[_Said]


class _Reader:
    """Reads the body. The schedule is the numbered (or festival-labelled) lines and the lines
    that carry on from them; a notice without any (an amending notice's single sentence) is
    all schedule. Every other line with days in it (a reprint's headline, lead or comment) is
    prose: read, checked against the schedule afterwards, never counted."""

    def __init__(self, year: int, festival: str | None) -> None:
        self.year = year
        self.festival = festival  # an amending notice's festival (from its title)
        self.current: str | None = None
        self.days: dict[str, tuple[list[date], list[date], str]] = {}
        self.extensions: list[Extension] = []
        self.ignored: list[str] = []
        self.prose: list[_Prose] = []
        self.set_aside: list[str] = []

    def festival_for(self, line: _Line) -> str:
        name = self.current or self.festival
        if name is None:
            raise NoticeError("无法确定这些日期属于哪个节日", line.original, line.number)
        return name

    def read_body(self, body: list[_Line]) -> None:
        structured = any(self._is_item(line) for line in body)
        after_item = False
        for line in body:
            numbered, names, other, end = _label(line.text)
            if names is not None:
                self.current = "、".join(names)
                self.schedule(line, line.text[end:])
                after_item = True
            elif numbered or not structured:
                if (
                    other is not None
                    and _DATE.search(line.text)
                    and _SCHEDULE_WORD.search(line.text)
                ):
                    raise NoticeError(f"无法识别的节日“{other}”", line.original, line.number)
                self.schedule(line, line.text)
                after_item = numbered or after_item
            elif after_item and _STARTS_WITH_DATE.match(line.text):
                # `一、元旦：` with its days on the next line(s), or one item in two paragraphs
                self.schedule(line, line.text)
            else:
                after_item = False
                self.read_prose(line)

    def _is_item(self, line: _Line) -> bool:
        numbered, names, _other, _end = _label(line.text)
        if names is not None:
            return True
        return numbered and bool(_DATE.search(line.text) and _ITEM_WORD.search(line.text))

    def schedule(self, line: _Line, text: str) -> None:
        for sentence in _sentences(text, self.year, line):
            said = _says(sentence, self.year, line)
            if said is None:
                continue
            if said.encouraged:
                self.ignored.append(sentence)
            elif said.extension is not None:
                self.extensions.append(said.extension)
            else:
                name = self.festival_for(line)
                have_h, have_w, _first = self.days.setdefault(name, ([], [], line.original))
                have_h.extend(d for d in said.holidays if d not in have_h)
                have_w.extend(d for d in said.workdays if d not in have_w)

    def read_prose(self, line: _Line) -> None:
        text = line.text
        if not (_DATE.search(text) and _PROSE_WORD.search(text)) or _RELATED.match(text):
            return  # a header date, a source line, a related link: nothing to check
        said: list[_Said] = []
        for sentence in _SENTENCE_END.split(_BACK_TO_WORK.sub("", _NEWS_LEAD.sub("", text))):
            years = {int(y) for y in re.findall(r"(\d{4})年", sentence)}
            if years and self.year not in years:
                continue  # 2019年国庆节…: about another year's holidays
            try:
                _check_notes(sentence, self.year, line)
                one = _says(sentence, self.year, line)
            except _Unclear:
                # prose that does not clearly say which days: not counted, shown as such
                self.set_aside.append(line.original)
                continue
            if one is not None and not one.encouraged:
                said.append(one)
        if said:
            self.prose.append(_Prose(line, said))

    def check_prose(self, festivals: tuple[FestivalDays, ...]) -> list[str]:
        """Refuse prose that contradicts the schedule; the lines that agree, for the summary."""
        holidays = {d for f in festivals for d in f.holidays}
        workdays = {d for f in festivals for d in f.workdays}
        covered = {d.year for d in holidays | workdays} | {e.until.year for e in self.extensions}
        if self.festival is not None and not festivals:
            covered.add(self.year)
        agreed: list[str] = []
        for prose in self.prose:
            line = prose.line
            for said in prose.said:
                self._agrees(said, festivals, holidays, workdays, covered, line)
            agreed.append(line.original)
        return agreed

    def _agrees(
        self,
        said: _Said,
        festivals: tuple[FestivalDays, ...],
        holidays: set[date],
        workdays: set[date],
        covered: set[int],
        line: _Line,
    ) -> None:
        def refuse(detail: str) -> NoticeError:
            return NoticeError(f"与编号的放假安排矛盾：{detail}", line.original, line.number)

        if said.extension is not None:
            ext = said.extension
            for have in self.extensions:
                if have.festival == ext.festival and have.until != ext.until:
                    raise refuse(
                        f"这里写延长至 {ext.until.isoformat()}，"
                        f"编号的一条是延长至 {have.until.isoformat()}"
                    )
            return
        names = _named(said.text)
        keys = [f for f in festivals if names & set(f.name.split("、"))]
        if len(keys) == 1 and len(said.spans) == 1 and keys[0].holidays:
            span, fest = said.spans[0], keys[0]
            if span[0].year in covered and set(span) != set(fest.holidays):
                raise refuse(
                    f"这里写{fest.name}放假 {_days_zh(span)}，编号的一条写的是 "
                    f"{_days_zh(fest.holidays)}"
                )
        for day in said.holidays:
            if day.year in covered and day not in holidays:
                what = "是调休上班日" if day in workdays else "不是假日"
                raise refuse(f"这里说 {day_zh(day)} 放假，编号的安排里它{what}")
        for day in said.workdays:
            if day.year in covered and day not in workdays:
                what = "放假" if day in holidays else "不是调休上班日"
                raise refuse(f"这里说 {day_zh(day)} 上班，编号的安排里它{what}")


def day_zh(day: date) -> str:
    """2026-02-15（周日）."""
    return f"{day.isoformat()}（周{WEEKDAYS_ZH[day.weekday()]}）"


def _days_zh(days: list[date] | tuple[date, ...]) -> str:
    """`2020-01-01（周三） 至 2020-01-03（周五）（3 天）` for a run of days."""
    first, last = min(days), max(days)
    if first == last and len(days) == 1:
        return f"{day_zh(first)}（1 天）"
    return f"{day_zh(first)} 至 {day_zh(last)}（{len(days)} 天）"


def parse_notice(text: str, year: int | None = None) -> Notice:
    """Read a pasted notice. Raises `NoticeError` (Chinese, with the line) when in doubt."""
    lines = _lines(text)
    if not lines:
        raise NoticeError("内容是空的")
    chosen, title, amends, festival = _find_year(lines, year)
    reader = _Reader(chosen, festival)
    body, announcement = _body(lines)
    reader.read_body(body)
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
    if announcement is not None and not amends:
        # a copy that lost lines (a news app that kept only some items) must not pass for whole
        read = {n for f in festivals if f.holidays for n in f.name.split("、")}
        read |= {e.festival for e in reader.extensions}
        missing = [n for n in FESTIVALS if n in _announced(announcement.text) and n not in read]
        if missing:
            raise NoticeError(
                f"通知开头列出了{'、'.join(missing)}，却没有读到{'它' if len(missing) == 1 else '它们'}"
                "的放假日期（复制的内容可能不全）",
                announcement.original,
                announcement.number,
            )
    checked = reader.check_prose(festivals)
    return Notice(
        year=chosen,
        title=title,
        amends=amends,
        festivals=festivals,
        extensions=tuple(reader.extensions),
        ignored=tuple(reader.ignored),
        checked=tuple(checked),
        set_aside=tuple(dict.fromkeys(reader.set_aside)),
    )
