"""Find watch terms in text: recall first, then confidence.

Recall: an Aho-Corasick automaton (pyahocorasick) over every enabled term finds each term as a
substring, so 审计 is found in 市审计局 and 欠薪 in 拖欠薪资 — jieba's segmentation alone
would miss both. A hit that lies inside an occurrence of one of its term's exclusion phrases
(审计 inside 评审计划) is dropped.

Confidence: jieba, with every term in its user dictionary, cuts a small window around the hit.
A hit whose both ends fall on token boundaries scores 1.0; an end that cuts a token scores
less (0.8 when the token is a compound of two dictionary words split exactly there, like
审计|工作, else 0.4); the hit's confidence is the mean of its two ends. Per term and text the
best hit counts, and work stops at the first 1.0.

The automaton is cached by the watchlist version (Meta row bumped on every edit, plus the
term count and newest updated_at), so an edit takes effect on the next item without a restart.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from math import log
from typing import TYPE_CHECKING, Any

import ahocorasick
from sqlalchemy import func, select

from monitor.db.models import Meta, WatchTerm
from monitor.watchlist.levels import LEVEL_RANK
from monitor.watchlist.normalize import normalized_view, utf8_view
from monitor.watchlist.terms import VERSION_KEY, TermSpec, list_terms

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

WINDOW = 8  # characters of context either side of a hit that jieba cuts
MAX_CONFIDENCE_TRIES = 4  # hits per term and text scored before settling for the best so far


@dataclass(frozen=True)
class TermHit:
    term: str
    level: str
    category: str | None
    confidence: float
    count: int  # non-excluded occurrences
    start: int  # first occurrence, in the normalised text
    end: int

    def as_dict(self) -> dict[str, Any]:
        return {"term": self.term, "level": self.level, "confidence": self.confidence}


# --- jieba: one private tokenizer per process, its user words kept in step with the terms ---

_lock = threading.Lock()
_tokenizer: Any = None
_user_words: dict[str, int | None] = {}  # word we added → its frequency before (None: absent)


def tokenizer() -> Any:
    """The process's private jieba.Tokenizer (the global one is left alone), loaded on first
    use (about 1.5 s): a sweep whose hits need no cut, or a watchlist with no terms, never
    loads it. The user words asked for meanwhile are added then."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict…" chatter
                tk = jieba.Tokenizer()
                tk.initialize()
                _apply_user_words(tk, _wanted)
                _tokenizer = tk
    return _tokenizer


_wanted: set[str] = set()  # the terms jieba must know as words (applied when it is loaded)


def sync_user_words(terms: Iterable[str]) -> None:
    """Make exactly `terms` the tokenizer's added words (removed terms get their old
    frequency back, so a removed term stops shaping the segmentation)."""
    global _wanted
    with _lock:
        _wanted = set(terms)
        if _tokenizer is not None:
            _apply_user_words(_tokenizer, _wanted)


def _apply_user_words(tk: Any, wanted: set[str]) -> None:
    for word in list(_user_words):
        if word not in wanted:
            old = _user_words.pop(word)
            tk.add_word(word, old if old else 0)
    for word in wanted:
        if word not in _user_words:
            _user_words[word] = tk.FREQ.get(word) or None
            if not tk.FREQ.get(word):
                tk.add_word(word)


def _in_dictionary(word: str) -> bool:
    return bool(tokenizer().FREQ.get(word))


def _boundary_score(position: int, spans: list[tuple[int, int]], text: str) -> float:
    for start, end in spans:
        if position == start or position == end:
            return 1.0
        if start < position < end:
            left, right = text[start:position], text[position:end]
            compound = len(left) >= 2 and len(right) >= 2
            if compound and _in_dictionary(left) and _in_dictionary(right):
                return 0.8
            return 0.4
    return 1.0


def confidence(text: str, start: int, end: int) -> float:
    """Word-boundary confidence of the hit text[start:end] (normalised text).

    Same as `confidence_by_cut`, with less cutting: a point that no dictionary word crosses
    (and that does not join two letters or digits) is a boundary in every cut jieba could
    make, so an end on such a point scores 1.0 without cutting (most hits), and the cut of
    the window between two such points is the cut of that stretch alone: only the stretch
    around an ambiguous end (the compound word and its neighbours) is cut."""
    lo, hi = max(0, start - WINDOW), min(len(text), end + WINDOW)
    window = text[lo:hi]
    s, e = start - lo, end - lo
    if _uncrossed(window, s) and _uncrossed(window, e):
        return 1.0
    split = _split_points(window, e)
    q = next(p for p in range(s, -1, -1) if split[p])
    r = next(p for p in range(e, len(window) + 1) if split[p])
    spans: list[tuple[int, int]] = []
    pos = lo + q
    for length in _token_lengths(window[q:r]):
        spans.append((pos, pos + length))
        pos += length
    score = (_boundary_score(start, spans, text) + _boundary_score(end, spans, text)) / 2
    return round(score, 2)


def _uncrossed(window: str, position: int) -> bool:
    """`_split_points(window, …)[position]`, for one position: no dictionary word crosses it
    (a word from `a` across it needs window[a:position] in jieba's prefix dictionary) and it
    does not fall between two letters or digits."""
    if position <= 0 or position >= len(window):
        return True
    if _eng(window[position - 1]) and _eng(window[position]):
        return False
    freq = tokenizer().FREQ
    for a in range(position - 1, -1, -1):
        if window[a:position] in freq:
            for b in range(position + 1, len(window) + 1):
                fragment = window[a:b]
                if fragment not in freq:
                    break
                if freq[fragment]:
                    return False
    return True


def _split_points(window: str, upto: int) -> list[bool]:
    """For positions 0..len(window): is it a boundary in every cut of `window`? Yes at both
    ends, and where no dictionary word crosses it (jieba's DAG: every word starting at k,
    found by walking its prefix dictionary) unless it falls between two letters or digits,
    which jieba glues into one token. Worked out up to the first such point at or after
    `upto` (the rest stays True, unused)."""
    freq = tokenizer().FREQ
    n = len(window)
    split = [True] * (n + 1)
    reach = 0  # the furthest end of a word starting before the current position
    for k in range(n):
        if reach > k:
            split[k] = False
        elif k and _eng(window[k - 1]) and _eng(window[k]):
            split[k] = False
        elif k >= upto:
            break
        i, fragment = k, window[k]
        while i < n and fragment in freq:
            if i >= reach and freq[fragment]:
                reach = i + 1
            i += 1
            fragment = window[k : i + 1]
    return split


def _eng(char: str) -> bool:
    """jieba's re_eng: an ASCII letter or digit."""
    return char.isascii() and char.isalnum()


def confidence_by_cut(text: str, start: int, end: int) -> float:
    """The definition: cut the window around the hit with jieba and score both ends."""
    lo, hi = max(0, start - WINDOW), min(len(text), end + WINDOW)
    window = text[lo:hi]
    spans: list[tuple[int, int]] = []
    pos = lo
    for length in _token_lengths(window):
        spans.append((pos, pos + length))
        pos += length
    score = (_boundary_score(start, spans, text) + _boundary_score(end, spans, text)) / 2
    return round(score, 2)


# jieba's own patterns (jieba/__init__.py): word blocks, and what splits the rest
_HAN = re.compile("([\u4e00-\u9fd5a-zA-Z0-9+#&\\._%\\-]+)")
_SKIP = re.compile("(\r\n|\\s)")


def _token_lengths(window: str) -> list[int]:
    """The lengths of the tokens of `tokenizer().cut(window, HMM=False)`, computed the same
    way (blocks, the dictionary DAG, the most probable route, letters and digits glued) with
    less per-token overhead; test_watch_match holds it to jieba's cut."""
    lengths: list[int] = []
    for block in _HAN.split(window):
        if not block:
            continue
        if _HAN.match(block):
            lengths.extend(_route_lengths(block))
        else:
            for part in _SKIP.split(block):
                if _SKIP.match(part):
                    lengths.append(len(part))
                else:
                    lengths.extend(1 for _ in part)
    return lengths


def _route_lengths(block: str) -> list[int]:
    tk = tokenizer()
    freq = tk.FREQ
    n = len(block)
    logtotal = log(tk.total)
    best = [0.0] * (n + 1)
    step = [0] * (n + 1)
    for idx in range(n - 1, -1, -1):
        # jieba's get_DAG: every dictionary word starting here (the char alone if none)
        ends = []
        i, fragment = idx, block[idx]
        while i < n and fragment in freq:
            if freq[fragment]:
                ends.append(i)
            i += 1
            fragment = block[idx : i + 1]
        if not ends:
            ends.append(idx)
        # jieba's calc: max over (score, end), ties to the longer word
        top: tuple[float, int] | None = None
        for x in ends:
            candidate = (log(freq.get(block[idx : x + 1]) or 1) - logtotal + best[x + 1], x)
            if top is None or candidate > top:
                top = candidate
        assert top is not None
        best[idx], step[idx] = top
    lengths: list[int] = []
    x = glued = 0
    while x < n:
        y = step[x] + 1
        if y - x == 1 and _ENG.match(block[x]):
            glued += 1  # single letters and digits run together into one token
        else:
            if glued:
                lengths.append(glued)
                glued = 0
            lengths.append(y - x)
        x = y
    if glued:
        lengths.append(glued)
    return lengths


_ENG = re.compile("[a-zA-Z0-9]")  # jieba glues single letters and digits into one token


# The UTF-8 bytes of a text seen as latin-1 characters. pyahocorasick walks this view more
# than twice as fast as the text itself: a node's children are searched linearly, and over
# bytes the root has a handful of CJK lead bytes instead of hundreds of characters. UTF-8 is
# self-synchronising, so an encoded term only ever matches on character boundaries; offsets
# in the view are byte offsets.
_view = utf8_view


def _text(view: str) -> str:
    return view.encode("latin-1").decode("utf-8")


def _is_continuation(char: str) -> bool:
    return 0x80 <= ord(char) < 0xC0


def _inside(view: str, exclusions: Iterable[tuple[str, int]], start: int) -> bool:
    """Is the hit at byte `start` inside an occurrence of an exclusion phrase?"""
    for phrase, offset in exclusions:
        begin = start - offset
        if begin >= 0 and view.startswith(phrase, begin):
            return True
    return False


def _char_offsets(view: str, byte_offsets: Iterable[int]) -> dict[int, int]:
    """Byte offsets → character offsets, decoding each stretch once (O(text) in all)."""
    result: dict[int, int] = {}
    chars = previous = 0
    for offset in sorted(set(byte_offsets)):
        chars += len(_text(view[previous:offset]))
        previous = offset
        result[offset] = chars
    return result


def _region(view: str, start: int, end: int) -> tuple[str, int, int]:
    """Enough text around the hit at bytes [start, end) for confidence(): 4 bytes a character
    at most, so at least WINDOW characters either side; the hit's character offsets in it."""
    lo, hi = max(0, start - 4 * WINDOW), min(len(view), end + 4 * WINDOW)
    while lo > 0 and _is_continuation(view[lo]):
        lo -= 1
    while hi < len(view) and _is_continuation(view[hi]):
        hi += 1
    before, hit = _text(view[lo:start]), _text(view[start:end])
    return _text(view[lo:hi]), len(before), len(before) + len(hit)


def _confidence_at(view: str, start: int, end: int) -> float:
    """confidence() of the hit at bytes [start, end), decoded from just enough bytes."""
    return confidence(*_region(view, start, end))


# --- the automaton --------------------------------------------------------------------------


class Matcher:
    """All enabled terms of one watchlist version."""

    def __init__(self, specs: Iterable[TermSpec]) -> None:
        self.specs = [s for s in specs if s.enabled]
        self.automaton = ahocorasick.Automaton()
        # per term: (exclusion phrase, byte offset of the term inside it), every occurrence
        self._exclusions: dict[str, tuple[tuple[str, int], ...]] = {}
        for index, spec in enumerate(self.specs):
            key, offsets = _view(spec.term), []
            for phrase in map(_view, spec.exclude):
                at = phrase.find(key)
                while at >= 0:
                    offsets.append((phrase, at))
                    at = phrase.find(key, at + 1)
            self._exclusions[spec.term] = tuple(offsets)
            # the payload carries what `find` needs per hit, so the hot loop does no lookups
            self.automaton.add_word(key, (index, len(key), tuple(offsets)))
        self.empty = not self.specs
        if not self.empty:
            self.automaton.make_automaton()

    def excluded(self, text: str, term: str, start: int) -> bool:
        """Does text[start:start+len(term)] (characters) lie inside an exclusion phrase?"""
        return _inside(_view(text), self._exclusions[term], len(text[:start].encode("utf-8")))

    def find_view(self, view: str) -> dict[int, list[int]]:
        """Non-excluded hits in a byte view: spec index → byte start positions."""
        found: dict[int, list[int]] = {}
        if self.empty:
            return found
        for last, (index, length, exclusions) in self.automaton.iter(view):
            start = last - length + 1
            if exclusions and _inside(view, exclusions, start):
                continue
            starts = found.get(index)
            if starts is None:
                found[index] = [start]
            else:
                starts.append(start)
        return found

    def find(self, text: str) -> dict[int, list[int]]:
        """Non-excluded hits: spec index → byte start positions in the UTF-8 text."""
        return self.find_view(_view(text))

    def match(self, text: str, normalized: bool = False) -> list[TermHit]:
        """Every term found in `text`, with its best confidence; most severe first.
        Positions (start/end) are character offsets in the normalised text."""
        text, view = normalized_view(text) if not normalized else (text, _view(text))
        found = self.find_view(view)
        if not found:
            return []
        firsts = _char_offsets(view, (starts[0] for starts in found.values()))
        hits = []
        for index, starts in found.items():
            spec = self.specs[index]
            length = len(spec.term.encode("utf-8"))
            best = 0.0
            for start in starts[:MAX_CONFIDENCE_TRIES]:
                best = max(best, _confidence_at(view, start, start + length))
                if best >= 1.0:
                    break
            first = firsts[starts[0]]
            hits.append(
                TermHit(
                    spec.term,
                    spec.level,
                    spec.category,
                    best,
                    len(starts),
                    first,
                    first + len(spec.term),
                )
            )
        hits.sort(key=lambda h: (-LEVEL_RANK[h.level], -h.confidence, h.start))
        return hits


def build_matcher(specs: Iterable[TermSpec]) -> Matcher:
    """A matcher for `specs`, with the enabled terms made jieba's user words."""
    specs = list(specs)
    sync_user_words(s.term for s in specs if s.enabled)
    return Matcher(specs)


_cache: dict[str, Any] = {"key": None, "matcher": None}


def watchlist_version(session: Session) -> tuple[Any, ...]:
    """Cheap fingerprint of the watchlist: the Meta token bumped on each edit, plus count and
    newest updated_at (so even an edit that forgot the bump is seen)."""
    token = session.scalar(select(Meta.value).where(Meta.key == VERSION_KEY))
    count, newest = session.execute(
        select(func.count(WatchTerm.id), func.max(WatchTerm.updated_at))
    ).one()
    url = str(session.get_bind().engine.url)
    return (url, token, count, str(newest))


def get_matcher(session: Session) -> Matcher:
    """The matcher for the watchlist as it is now; rebuilt only when the version changed."""
    key = watchlist_version(session)
    with _lock:
        if _cache["key"] == key:
            return _cache["matcher"]
    matcher = build_matcher(list_terms(session))
    with _lock:
        _cache["key"], _cache["matcher"] = key, matcher
    return matcher
