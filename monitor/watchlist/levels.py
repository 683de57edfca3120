"""Watch-term levels: the one place their order and their Chinese names are defined.

Every place that shows a level to the office (`watchlist list/check/history/import`, `news`,
alert messages in monitor/alerts/render.py) uses LEVEL_ZH from here, so 警示 never appears as
警告 in one place and 警示 in another. No imports: safe on the `calendar due` fast path."""

from __future__ import annotations

LEVELS = ("info", "warning", "critical")
LEVEL_ZH = {"info": "提示", "warning": "警示", "critical": "严重"}
LEVEL_RANK = {"info": 0, "warning": 1, "critical": 2}  # most severe sorts first


def level_zh(level: str | None) -> str:
    """The Chinese name of a level; an unknown value is shown as it is rather than lost."""
    return LEVEL_ZH.get(level or "", level or "")


def parse_level(text: str | None) -> str | None:
    """A level as typed by a person: the code (info/warning/critical, any case) or its Chinese
    name as shown everywhere (提示/警示/严重). None when it is neither."""
    value = (text or "").strip()
    if value.lower() in LEVELS:
        return value.lower()
    for code, name in LEVEL_ZH.items():
        if value == name:
            return code
    return None


LEVEL_HELP = "info 提示 | warning 警示 | critical 严重"
