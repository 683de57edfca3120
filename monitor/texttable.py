"""Plain-text tables for terminals and plain-text messages (the CLI, the daily summary's text
form): CJK characters count double so columns line up."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def _clip(text: str, limit: int) -> str:
    if display_width(text) <= limit:
        return text
    out, used = "", 0
    for ch in text:
        w = display_width(ch)
        if used + w > limit - 1:
            break
        out, used = out + ch, used + w
    return out + "…"


def _wrap(text: str, limit: int) -> list[str]:
    """`text` in lines of at most `limit` display columns (CJK counts double)."""
    lines, line, used = [], "", 0
    for ch in text:
        w = display_width(ch)
        if used + w > limit and line:
            lines.append(line.rstrip())
            line, used = "", 0
            if ch == " ":
                continue
        line, used = line + ch, used + w
    lines.append(line.rstrip())
    return lines or [""]


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    max_width: int = 40,
    wrap: Sequence[int] = (),
    total_width: int | None = None,
) -> str:
    """An aligned plain-text table; CJK characters count double so columns line up. Columns
    listed in `wrap` (reasons, errors) are never cut: they take the terminal's remaining width
    (`total_width`, default the terminal's) and continue on further lines; others are clipped
    at `max_width`."""
    texts = [["" if v is None else str(v) for v in row] for row in rows]
    cells = [[v if i in wrap else _clip(v, max_width) for i, v in enumerate(row)] for row in texts]
    widths = [display_width(h) for h in headers]
    for row in cells:
        for i, value in enumerate(row):
            if i not in wrap:
                widths[i] = max(widths[i], display_width(value))
    if wrap:
        if total_width is None:
            import shutil

            total_width = shutil.get_terminal_size((100, 24)).columns
        fixed = sum(w for i, w in enumerate(widths) if i not in wrap) + 2 * (len(headers) - 1)
        room = max(20, (total_width - fixed) // len(wrap))
        for i in wrap:
            longest = max((display_width(row[i]) for row in cells), default=0)
            widths[i] = max(widths[i], min(room, longest))
    lines = [
        "  ".join(_pad(h, widths[i]) for i, h in enumerate(headers)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    for row in cells:
        parts = [_wrap(v, widths[i]) if i in wrap else [v] for i, v in enumerate(row)]
        for n in range(max(len(p) for p in parts)):
            lines.append(
                "  ".join(
                    _pad(p[n] if n < len(p) else "", widths[i]) for i, p in enumerate(parts)
                ).rstrip()
            )
    return "\n".join(lines)
