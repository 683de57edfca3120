"""Near-duplicate clustering of news: a reprint of a story is the same story.

SimHash (64 bits) over the jieba tokens of title and body (words of two or more characters;
credit lines such as 来源：… dropped, since reprints differ exactly there). Two items whose
hashes differ in at most 3 bits are one story. Lookup splits the hash into 4 bands of 16 bits: by the pigeonhole
principle two hashes within 3 bits agree exactly on at least one band, so only items sharing
a band are compared (a dict lookup per band instead of a scan of every item).

SimHash alone misses reprints of short items: a title plus a one-line body is a dozen tokens,
and the one extra token of "（转载）" moves the hash by ~9 bits. So a story is also recognised
by exact keys (`story_keys`, `StoryIndex`):
- the *normalised title*: tags at either end stripped (（转载）【转】[转] 转：…), a trailing
  outlet after " - ", "_", "|" or "——" stripped, then only letters and digits kept;
- the hash of the *normalised short body* (credit lines, punctuation and whitespace dropped).
An identical title joins the story unless both items have long bodies (then the content
decides through SimHash: a daily column keeps one title for different stories); an identical
short body joins it always. The SimHash itself is taken over the normalised title and body,
so a suffix on the title does not move it either.

SimHash over title and body also misses a story reprinted under new headlines with a byline in
front (本报讯（记者 王敏）…): the changed title words and the byline move a 400-character story's
hash by more than 3 bits. So the *body alone* is compared too (`body_sketch`): its character
4-shingles (bylines and credit lines stripped, letters and digits only), summarised as a
MinHash sketch and looked up in a MinHash LSH index (`monitor.neardup`, on datasketch: the one
near-duplicate mechanism, shared with the reply checker's template detection). Two bodies whose
estimated Jaccard similarity is at least BODY_SIMILAR are one story, whatever their titles;
instalments of one series share a series name and an opening line but few shingles, and stay apart."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from monitor.neardup import NearDuplicates, Sketch, text_sketch
from monitor.watchlist.matcher import tokenizer
from monitor.watchlist.normalize import normalize

BITS = 64
MAX_DISTANCE = 3
BANDS = 4
BAND_BITS = BITS // BANDS
_MASK = (1 << BITS) - 1
_WORD = re.compile(r"\w", re.UNICODE)  # tokens with no letter/digit (punctuation, space) skip


# What reprints add or change without changing the story: the outlet's credit lines.
_BOILERPLATE = re.compile(
    r"[(（\[【]?\s*(?:来源|稿源|原标题|责任编辑|编辑|记者|通讯员|作者|转自|本文来自)\s*[:：]"
    r"[^\s,，。；;)）\]】]{0,30}[)）\]】]?"
)


# Bylines in front of a story (normalised text): 本报讯, 本报11月26日讯, 本台消息, 本网讯, and a
# bracket naming reporters (（记者 王敏 通讯员 李强）); `_BOILERPLATE` covers 来源：… and 记者：….
_BYLINE = re.compile(
    r"(?:本报|本台|本网|本刊)[^\s,，。；;]{0,12}?(?:讯|消息|电)\s*|"
    r"[(（\[【]\s*(?:[^()（）\[\]【】]{0,6}(?:记者|通讯员|实习生|见习记者|摄影|摄)\s*"
    r"[^()（）\[\]【】]{0,30})[)）\]】]"
)


def strip_credits(text: str) -> str:
    """Normalised text without bylines and credit lines: what reprints add or change."""
    return _BOILERPLATE.sub(" ", _BYLINE.sub(" ", text))


def tokens(text: str) -> list[str]:
    """jieba tokens of normalised text, credit lines, punctuation and whitespace dropped."""
    text = strip_credits(text)
    words = [t for t in tokenizer().cut(text, HMM=False) if _WORD.search(t)]
    # Single characters are mostly particles, and an edited character breaks a word into
    # single characters: leaving them out made more reprints agree (benchmarks/match.py)
    longer = [t for t in words if len(t) >= 2]
    return longer or words


_FIELD = 32  # bits per counter in the packed accumulator (room for 4e9 of weight)
# byte value → its 8 bits spread into 8 counters of _FIELD bits each
_SPREAD = [sum(((byte >> i) & 1) << (_FIELD * i) for i in range(8)) for byte in range(256)]


@lru_cache(maxsize=262_144)
def _spread_hash(token: str) -> int:
    """The token's stable 64-bit hash with each bit spread into its own 32-bit counter, so
    summing tokens is one big-integer add instead of 64 per-bit updates. (Python's hash()
    is salted per process; a stored SimHash needs a stable one.)"""
    h = int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "little")
    value = 0
    for i in range(8):
        value |= _SPREAD[h >> (8 * i) & 0xFF] << (_FIELD * 8 * i)
    return value


def simhash(words: Iterable[str]) -> int | None:
    """Unsigned 64-bit SimHash, or None when there is nothing to hash. Bit b is set when more
    tokens (each occurrence counts) have bit b set than not."""
    total, weight = 0, 0
    for word in words:
        total += _spread_hash(word)
        weight += 1
    if not weight:
        return None
    value, mask = 0, (1 << _FIELD) - 1
    for bit in range(BITS):
        if 2 * (total >> (_FIELD * bit) & mask) > weight:
            value |= 1 << bit
    return value


def text_simhash(normalized_text: str) -> int | None:
    return simhash(tokens(normalized_text))


def distance(a: int, b: int) -> int:
    return ((a ^ b) & _MASK).bit_count()


def to_signed(value: int) -> int:
    """The database column is a signed BIGINT."""
    return value - (1 << BITS) if value >= 1 << (BITS - 1) else value


def to_unsigned(value: int) -> int:
    return value & _MASK


def _bands(value: int) -> list[tuple[int, int]]:
    return [(i, value >> (i * BAND_BITS) & 0xFFFF) for i in range(BANDS)]


class SimHashIndex:
    """Items (id, simhash, cluster) bucketed by band; `find` returns the cluster of the closest
    indexed item within MAX_DISTANCE, or None."""

    def __init__(self) -> None:
        self._buckets: dict[tuple[int, int], list[tuple[int, int, int]]] = {}

    def add(self, item_id: int, value: int, cluster: int) -> None:
        for band in _bands(value):
            self._buckets.setdefault(band, []).append((item_id, value, cluster))

    def find(self, value: int) -> int | None:
        best: tuple[int, int] | None = None  # (distance, cluster)
        for band in _bands(value):
            for _id, other, cluster in self._buckets.get(band, ()):
                d = distance(value, other)
                if d <= MAX_DISTANCE and (best is None or (d, cluster) < best):
                    best = (d, cluster)
        return None if best is None else best[1]


def cluster_all(values: list[tuple[int, int | None]]) -> dict[int, int]:
    """Cluster (id, simhash) pairs in id order: id → cluster id (the cluster's first item)."""
    index = SimHashIndex()
    clusters: dict[int, int] = {}
    for item_id, value in values:
        found = None if value is None else index.find(value)
        clusters[item_id] = item_id if found is None else found
        if value is not None:
            index.add(item_id, value, clusters[item_id])
    return clusters


# --- exact story keys ------------------------------------------------------------------------

MIN_TITLE_KEY = 6  # shorter normalised titles (通知, 工作动态) name no particular story
MIN_BODY_KEY = 15  # a shorter body (点击查看原文) is no evidence of the same story
LONG_BODY = 400  # characters: a longer body carries enough tokens for SimHash to decide

_OPEN, _CLOSE = "([【〔〖<", ")]】〕〗>"  # after NFKC: （）→() ［］→[] ＜＞→<>
# A numbered tag is part of the title: 审计通报（二） and 审计通报（三） are two stories
_SERIAL = "0-9一二三四五六七八九十百千第期上中下续之"
_TAG = f"[{re.escape(_OPEN)}][^{re.escape(_OPEN + _CLOSE)}{_SERIAL}]{{1,12}}[{re.escape(_CLOSE)}]"
_LEADING_TAG = re.compile(rf"^\s*{_TAG}\s*")
_TRAILING_TAG = re.compile(rf"\s*{_TAG}\s*$")
_REPOST_PREFIX = re.compile(r"^\s*(?:转载|转发|转帖|转)\s*[:：]\s*")
# "标题 - 新浪新闻", "标题_网易新闻", "标题|澎湃新闻", "标题——人民网": a dash only with a space
# before it or doubled, since 2026-11-26 and COVID-19 are part of a title
_TRAILING_OUTLET = re.compile(r"(?:\s*[|_]|\s+[-—–]+|[-—–]{2,}|—)\s*[^|_\-—–\s][^|_\-—–]{0,19}$")
_DANGLING = re.compile(r"[\s|_\-—–]+$")  # what a dropped credit line leaves: "标题 |"
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def clean_title(title: str) -> str:
    """The title without what reprints add around it: credit lines, leading/trailing bracket
    tags, a 转： prefix and a trailing outlet name. Input is normalised text; the result keeps
    its punctuation (for SimHash tokens); `title_key` reduces it further."""
    text = title.strip()
    while True:
        before = text
        for pattern in (_LEADING_TAG, _TRAILING_TAG, _REPOST_PREFIX, _BOILERPLATE, _DANGLING):
            stripped = pattern.sub(" ", text).strip()
            if stripped:  # a title that is nothing but a tag stays as it is
                text = stripped
        stripped = _TRAILING_OUTLET.sub("", text).strip()
        if len(_NOT_WORD.sub("", stripped)) >= MIN_TITLE_KEY:  # never cut a title to a stub
            text = stripped
        if text == before:
            return text


def title_key(normalized_title: str) -> str | None:
    """The story's title as letters and digits only, or None when too short to identify it."""
    key = _NOT_WORD.sub("", clean_title(normalized_title))
    return key if len(key) >= MIN_TITLE_KEY else None


def body_key(normalized_body: str) -> str | None:
    """A hash of the body's letters and digits (credit lines dropped), or None when short."""
    key = _NOT_WORD.sub("", strip_credits(normalized_body))
    if len(key) < MIN_BODY_KEY:
        return None
    return hashlib.blake2b(key.encode("utf-8"), digest_size=16).hexdigest()


# --- the body's shingle sketch ---------------------------------------------------------------

SHINGLE = 4  # characters: long enough that two unrelated Chinese texts share few
MIN_SHINGLES = 40  # a body under ~40 characters is left to the exact short-body key
BODY_SIMILAR = 0.5  # estimated Jaccard from which two bodies are one story (benchmarks/match.py)


def body_sketch(normalized_body: str) -> Sketch | None:
    """The MinHash sketch (monitor.neardup) of the body's SHINGLE-character shingles
    (bylines, credit lines, punctuation and whitespace dropped); None for a short body."""
    return text_sketch(strip_credits(normalized_body), SHINGLE, MIN_SHINGLES)


class SketchIndex:
    """Body sketches in the shared near-duplicate index (MinHash LSH); `find` returns the
    cluster of the most similar indexed body at BODY_SIMILAR or above (the earliest on a
    tie), or None."""

    def __init__(self) -> None:
        self._index: NearDuplicates[int] = NearDuplicates(BODY_SIMILAR)
        self._clusters: list[int] = []

    def add(self, sketch: Sketch, cluster: int) -> None:
        self._index.add(len(self._clusters), sketch)
        self._clusters.append(cluster)

    def find(self, sketch: Sketch) -> int | None:
        found = self._index.similar(sketch)
        return self._clusters[found[0][0]] if found else None


@dataclass(frozen=True)
class StoryKeys:
    title: str | None  # normalised title, None when too short
    body: str | None  # hash of a short body; None for a long, short or missing one
    long_body: bool  # both long: the title alone does not decide
    sketch: Sketch | None = None  # the body's shingle sketch; None for a short body

    def title_may_decide(self, other: StoryKeys) -> bool:
        return not (self.long_body and other.long_body)


def story_keys(title: str, body: str | None) -> StoryKeys:
    """Exact keys and the body sketch of a news item (raw title and body: normalised here).
    A long body gets no exact key: the sketch and SimHash judge it."""
    raw = (body or "").strip()
    long_body = len(raw) > LONG_BODY
    text = normalize(raw) if raw else ""
    return StoryKeys(
        title_key(normalize(title)),
        None if long_body or not raw else body_key(text),
        long_body,
        body_sketch(text) if raw else None,
    )


def story_simhash(title: str, body: str | None) -> int | None:
    """SimHash of a news item: tokens of the cleaned title and the body (both normalised), so
    a reprint's title suffix does not count as content."""
    return text_simhash(clean_title(normalize(title)) + "\n" + normalize(body or ""))


class StoryIndex:
    """Recent news items by SimHash band, normalised title and short-body hash; `find`
    returns the cluster of the same story, or None. Exact keys come first (the earliest
    item's cluster), then the most similar body sketch, then the title, then the nearest
    SimHash."""

    def __init__(self) -> None:
        self.simhashes = SimHashIndex()
        self.sketches = SketchIndex()
        self._titles: dict[str, list[tuple[bool, int]]] = {}  # key → [(long_body, cluster)]
        self._bodies: dict[str, int] = {}

    def add(self, item_id: int, keys: StoryKeys, value: int | None, cluster: int) -> None:
        if value is not None:
            self.simhashes.add(item_id, value, cluster)
        if keys.title is not None:
            self._titles.setdefault(keys.title, []).append((keys.long_body, cluster))
        if keys.body is not None:
            self._bodies.setdefault(keys.body, cluster)
        if keys.sketch is not None:
            self.sketches.add(keys.sketch, cluster)

    def find(self, keys: StoryKeys, value: int | None) -> int | None:
        if keys.body is not None and keys.body in self._bodies:
            return self._bodies[keys.body]
        if keys.sketch is not None:
            found = self.sketches.find(keys.sketch)
            if found is not None:
                return found
        if keys.title is not None:
            for long_body, cluster in self._titles.get(keys.title, ()):
                if not (long_body and keys.long_body):
                    return cluster
        return None if value is None else self.simhashes.find(value)
