"""Near-duplicate clustering of news: a reprint of a story is the same story.

SimHash (64 bits) over the jieba tokens of title and body (words of two or more characters;
credit lines such as 来源：… dropped, since reprints differ exactly there). Two items whose
hashes differ in at most 3 bits are one story. Lookup splits the hash into 4 bands of 16 bits: by the pigeonhole
principle two hashes within 3 bits agree exactly on at least one band, so only items sharing
a band are compared (a dict lookup per band instead of a scan of every item)."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from typing import Iterable

BITS = 64
MAX_DISTANCE = 3
BANDS = 4
BAND_BITS = BITS // BANDS
_MASK = (1 << BITS) - 1
_WORD = re.compile(r"\w", re.UNICODE)  # tokens with no letter/digit (punctuation, space) skip


# What reprints add or change without changing the story: the outlet's credit lines.
_BOILERPLATE = re.compile(
    r"[(（\[【]?\s*(?:来源|稿源|原标题|责任编辑|编辑|记者|通讯员|作者|转自|本文来自)\s*[:：]"
    r"[^\s,，。；;)）\]】]{0,30}[)）\]】]?")


def tokens(text: str) -> list[str]:
    """jieba tokens of normalised text, credit lines, punctuation and whitespace dropped."""
    from monitor.watchlist.matcher import tokenizer

    text = _BOILERPLATE.sub(" ", text)
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
