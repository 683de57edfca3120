"""Size limits for what a portal sends and what is stored (one definition for spider and ingest).

A portal once served a 38 MB detail page; stored whole, every sweep read it back and slowed to
15 s. The spider stops reading a response after MAX_RESPONSE_BYTES (the part read is parsed),
and stored texts (bodies, replies) keep their first MAX_TEXT_BYTES, marked as clipped."""

from __future__ import annotations

MAX_RESPONSE_BYTES = 4 * 1024 * 1024
MAX_TEXT_BYTES = 200 * 1024
CLIP_MARK = "\n……（原文过长，仅保存前 200 KB）"


def clip_text(text: str | None, limit: int = MAX_TEXT_BYTES) -> tuple[str | None, bool]:
    """(the text cut to at most `limit` UTF-8 bytes plus CLIP_MARK, whether it was cut)."""
    if text is None:
        return None, False
    if len(text) * 4 <= limit or len(text.encode("utf-8")) <= limit:
        return text, False
    if text.endswith(CLIP_MARK):
        return text, True  # clipped before (by the spider): keep it as is
    kept = text.encode("utf-8")[: limit - len(CLIP_MARK.encode("utf-8"))].decode("utf-8", "ignore")
    return kept + CLIP_MARK, True
