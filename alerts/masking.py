"""Personal data never leaves in an alert: phone numbers, ID-card numbers and e-mail addresses
are masked, and citizens' names are shown as 张**."""

from __future__ import annotations

import re

# An 18-character resident ID (17 digits + digit/X) or the old 15-digit form; checked before
# phone numbers because an ID contains 11-digit runs.
_ID18 = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_ID15 = re.compile(r"(?<![0-9A-Za-z])\d{15}(?![0-9A-Za-z])")
# Mainland mobiles (optionally +86 / 86 prefixed, with spaces or dashes) and landlines
# such as 0564-3371234 or (0564)3371234.
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(\(?0\d{2,3}\)?[\s-]?)(\d{3,4})(\d{4})(?!\d)")
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")


def mask(text: str | None) -> str:
    """The text with ID numbers, phone numbers and e-mail addresses masked."""
    if not text:
        return ""
    out = _ID18.sub(lambda m: m.group(0)[:2] + "*" * 14 + m.group(0)[-2:], text)
    out = _ID15.sub(lambda m: m.group(0)[:2] + "*" * 11 + m.group(0)[-2:], out)
    out = _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", out)
    out = _LANDLINE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", out)
    out = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", out)
    return out


def mask_name(name: str | None) -> str:
    """张三 → 张**; an empty name stays empty (anonymous messages)."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "**"
