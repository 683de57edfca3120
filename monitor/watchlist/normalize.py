"""One normal form for terms and text so 審計, 审计 and full-width forms match alike.

NFKC folds full-width letters, digits and punctuation (ＡＢＣ１２３，→ ABC123,), zhconv turns
traditional characters into simplified (zh-cn) and casefold makes Latin case-insensitive.
Text and terms both go through `normalize`; spans are reported on the normalised text.

The result is exactly NFKC → zhconv(zh-cn) → casefold, on a faster path (the matching path's
cost was here, not in the automaton):

* the full-width forms every Chinese text is full of (，：（）…) are mapped by a table first:
  NFKC maps them to the same characters, and after them most text is already NFKC, which
  `unicodedata.is_normalized` tells at memory speed;
* zhconv (pure Python, about 1 MB/s) runs only on text it would change. Its greedy longest
  match changes a text only where a traditional character occurs, or one of a few hundred
  phrases written in characters it otherwise keeps (回覆 → 回复, 沈默 → 沉默); every other
  phrase of its table converts exactly as its characters one by one. One automaton over those
  characters and phrases (`_Triggers`), run on the UTF-8 bytes, finds either; plain simplified
  text has neither and is left as it is.
"""

from __future__ import annotations

import re
import threading
import unicodedata

# full-width ASCII (U+FF01–U+FF5E) and the ideographic space: NFKC's own mapping of them
_WIDTH = {chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)}
_WIDTH["\u3000"] = " "
_WIDE = re.compile("[\uff01-\uff5e\u3000]")


def _narrow(match: re.Match[str]) -> str:
    return _WIDTH[match.group()]


def utf8_view(text: str) -> str:
    """The UTF-8 bytes of `text` seen as latin-1 characters (pyahocorasick walks bytes more
    than twice as fast as CJK characters; see monitor.watchlist.matcher)."""
    return text.encode("utf-8").decode("latin-1")


class _Triggers:
    """Where zhconv(zh-cn) would change a text: its traditional characters and the phrases it
    converts otherwise than character by character, as one automaton over UTF-8 bytes."""

    def __init__(self) -> None:
        import ahocorasick
        import zhconv.zhconv as tables

        table: dict[str, str] = tables.getdict("zh-cn")
        chars = {key: value for key, value in table.items() if len(key) == 1}
        changing = {key for key, value in chars.items() if key != value}
        by_char = str.maketrans(chars)
        self.automaton = ahocorasick.Automaton()
        for key in changing:
            self.automaton.add_word(utf8_view(key), True)
        for key, value in table.items():
            # a phrase that converts as its characters do changes nothing the characters
            # would not; one with a changing character is found by that character
            if len(key) > 1 and key.translate(by_char) != value:
                if not any(c in changing for c in key):
                    self.automaton.add_word(utf8_view(key), True)
        self.automaton.make_automaton()

    def present(self, view: str) -> bool:
        for _ in self.automaton.iter(view):
            return True
        return False


_triggers: _Triggers | None = None
_lock = threading.Lock()


def _zhconv_triggers() -> _Triggers:
    global _triggers
    if _triggers is None:
        with _lock:
            if _triggers is None:
                _triggers = _Triggers()
    return _triggers


def normalized_view(text: str) -> tuple[str, str]:
    """`normalize(text)` and its UTF-8 view, which the matcher walks (computed once)."""
    if text.isascii():
        folded = text.casefold()
        return folded, folded
    text = _WIDE.sub(_narrow, text)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    view = utf8_view(text)
    if _zhconv_triggers().present(view):
        import zhconv

        text = zhconv.convert(text, "zh-cn")
        folded = text.casefold()
        return folded, utf8_view(folded)
    folded = text.casefold()
    return folded, (view if folded == text else utf8_view(folded))


def normalize(text: str) -> str:
    """NFKC, then traditional → simplified (zh-cn), then casefold."""
    return normalized_view(text)[0]


def normalize_slow(text: str) -> str:
    """The definition, step by step (the tests hold `normalize` to it)."""
    import zhconv

    folded = unicodedata.normalize("NFKC", text)
    return zhconv.convert(folded, "zh-cn").casefold()


__all__ = ["normalize", "normalized_view", "normalize_slow", "utf8_view"]
