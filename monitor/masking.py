"""Personal data never leaves in an alert or a log line: phone numbers, ID-card numbers and
e-mail addresses are masked, and citizens' names are shown as 张**.

Citizens type on phones and in Chinese input methods, so the same number comes in many
shapes: full-width digits (１３８１２３４５６７８), a full-width ＠, an ID number glued to the
letters before it (ID34150119900101123X). Matching therefore runs on an NFKC-folded copy of
the text (one character for one character, so positions line up with the original) and uses
no word boundaries: only "no digit right before or after" delimits a number. Text that is not
masked is returned exactly as it was (full-width punctuation included).

Whatever leaves shortened (an alert's title, a compact line, an e-mail subject, a table cell
of the daily summary) goes through `mask_and_cut`, the one place that cuts: masking first,
then the cut, which never falls inside a masked run. Cutting first let a number that
straddled the cut out partly unmasked (16 of an ID's 18 digits are no ID to the pattern)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

# An 18-character resident ID (17 digits + digit/X) or the old 15-digit form; checked before
# phone numbers because an ID contains 11-digit runs. Letters around it do not protect it.
_ID18 = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)", re.ASCII)
_ID15 = re.compile(r"(?<!\d)\d{15}(?!\d)", re.ASCII)
# Mainland mobiles (optionally +86 / 86 prefixed, with spaces or dashes) and landlines
# such as 0564-3371234 or (0564)3371234.
_MOBILE = re.compile(
    r"(?<!\d)(?:\+?86[ \t-]?)?(1[3-9]\d)[ \t-]?(\d{4})[ \t-]?(\d{4})(?!\d)", re.ASCII
)
_LANDLINE = re.compile(r"(?<!\d)(\(?0\d{2,3}\)?[ \t-]?)(\d{3,4})(\d{4})(?!\d)", re.ASCII)
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})", re.ASCII)


def _fold_char(ch: str) -> str:
    """NFKC of one character when that is one ASCII character (１ → 1, ＠ → @, （ → ( ),
    else the character itself, so the folded text has the original's length."""
    if ch.isascii():
        return ch
    folded = unicodedata.normalize("NFKC", ch)
    return folded if len(folded) == 1 and folded.isascii() else ch


def fold(text: str) -> str:
    """The text as the masking patterns see it (same length as `text`)."""
    return "".join(_fold_char(ch) for ch in text)


Span = tuple[int, int]  # [start, end) of a masked run in the masked text


def _sub(
    pattern: re.Pattern[str],
    replace: Callable[[re.Match[str]], str],
    original: str,
    folded: str,
    spans: list[Span],
) -> tuple[str, str, list[Span]]:
    """Replace the matches found in `folded` in both texts; unmatched text keeps its form.
    `spans` (the runs masked by earlier rules) are moved by the length changes before them,
    and the runs masked now are added."""
    out_original: list[str] = []
    out_folded: list[str] = []
    changes: list[tuple[int, int]] = []  # (end of a match in the input, length change)
    new_spans: list[Span] = []
    last = shift = 0
    for match in pattern.finditer(folded):
        out_original.append(original[last : match.start()])
        out_folded.append(folded[last : match.start()])
        masked = replace(match)
        out_original.append(masked)
        out_folded.append(masked)
        new_spans.append((match.start() + shift, match.start() + shift + len(masked)))
        shift += len(masked) - (match.end() - match.start())
        changes.append((match.end(), shift))
        last = match.end()
    if not last:
        return original, folded, spans
    out_original.append(original[last:])
    out_folded.append(folded[last:])
    moved = []
    for start, end in spans:  # runs of earlier rules hold no match of this one
        delta = next((d for e, d in reversed(changes) if e <= start), 0)
        moved.append((start + delta, end + delta))
    return "".join(out_original), "".join(out_folded), sorted(moved + new_spans)


_RULES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (_ID18, lambda m: m.group(0)[:2] + "*" * 14 + m.group(0)[-2:]),
    (_ID15, lambda m: m.group(0)[:2] + "*" * 11 + m.group(0)[-2:]),
    (_MOBILE, lambda m: f"{m.group(1)}****{m.group(3)}"),
    (_LANDLINE, lambda m: f"{m.group(1)}****{m.group(3)}"),
    (_EMAIL, lambda m: f"{m.group(1)}***@{m.group(2)}"),
]


def _masked(text: str) -> tuple[str, list[Span]]:
    original, folded = text, fold(text)
    spans: list[Span] = []
    for pattern, replace in _RULES:
        original, folded, spans = _sub(pattern, replace, original, folded, spans)
    return original, spans


def mask(text: str | None) -> str:
    """The text with ID numbers, phone numbers and e-mail addresses masked (idempotent)."""
    if not text:
        return ""
    return _masked(text)[0]


ELLIPSIS = "…"
_SPACES = re.compile(r"\s+")


def mask_and_cut(
    text: object, limit: int | None = None, *, width: Callable[[str], int] = len
) -> str:
    """`text` as one line that may leave: runs of white space (line breaks too) become one
    space, so a number typed across lines is masked like any other; ID numbers, phones and
    e-mail addresses are masked; then, past `limit` (measured by `width`: characters, or a
    terminal's columns), the text is cut and ends in …. The cut never falls inside a masked
    run: the run goes whole or not at all. `limit=None` cuts nothing."""
    line = _SPACES.sub(" ", "" if text is None else str(text)).strip()
    masked, spans = _masked(line) if line else ("", [])
    if limit is None or width(masked) <= limit:
        return masked
    room, used, cut = limit - width(ELLIPSIS), 0, 0
    for ch in masked:
        used += width(ch)
        if used > room:
            break
        cut += 1
    for start, end in spans:
        if start < cut < end:
            cut = start
            break
    return masked[:cut].rstrip() + ELLIPSIS


def mask_name(name: str | None) -> str:
    """张三 → 张**; an empty name stays empty (anonymous messages)."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "**"
