"""Near-duplicate texts, one mechanism for the whole product: MinHash sketches of a text's
shingles (or tokens) and a MinHash LSH index to find the sketches at a Jaccard similarity
threshold, both from datasketch (a maintained library) rather than hand-written hashing.

Two users, two kinds of feature, the same code:
- reprint clustering (`monitor.watchlist.cluster`): a news body's character 4-shingles;
- reply templates (`monitor.replyquality.corpus`): a reply's core (the office's opening and
  closing phrases aside) as character shingles.

A sketch is a `datasketch.LeanMinHash` (its NUM_PERM hash values; about 256 bytes with the
affine32 scheme). Every sketch shares one set of permutations, made once per process from a
fixed seed, so sketches made in different processes compare. The LSH's bands and rows are
chosen by datasketch for the threshold once per (threshold, NUM_PERM) and cached: the choice
integrates false positive and negative rates and would otherwise cost milliseconds per index.
Candidates from the LSH are confirmed with the sketches' estimated Jaccard similarity, so the
index answers "these items, this similar", never a bare bucket collision."""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable
from functools import lru_cache
from typing import Any, Generic, TypeVar

NUM_PERM = 128  # the Jaccard estimate's standard error is about 1/sqrt(NUM_PERM) ≈ 0.09
SEED = 20261126
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)

K = TypeVar("K", bound=Hashable)

Sketch = Any  # a datasketch.LeanMinHash (datasketch ships no type information)


@lru_cache(maxsize=1)
def _template() -> Any:
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=SEED)


def letters(text: str) -> str:
    """Only letters and digits: punctuation and spacing never make two texts differ."""
    return _NOT_WORD.sub("", text)


def shingles(text: str, size: int) -> set[str]:
    """The text's distinct `size`-character shingles (the whole text when shorter)."""
    if len(text) <= size:
        return {text} if text else set()
    return {text[i : i + size] for i in range(len(text) - size + 1)}


def sketch_of(features: Iterable[str]) -> Sketch | None:
    """The MinHash sketch of a set of features (shingles, tokens); None when empty."""
    from datasketch import LeanMinHash, MinHash

    encoded = [f.encode("utf-8") for f in set(features)]
    if not encoded:
        return None
    template = _template()
    minhash = MinHash(
        num_perm=NUM_PERM, seed=SEED, permutations=template.permutations, scheme=template.scheme
    )
    minhash.update_batch(encoded)
    return LeanMinHash(minhash)


def text_sketch(text: str, size: int, min_shingles: int = 1) -> Sketch | None:
    """The sketch of a text's character shingles (letters and digits only), or None when it
    has fewer than `min_shingles` of them."""
    found = shingles(letters(text), size)
    return sketch_of(found) if len(found) >= min_shingles else None


def similarity(a: Sketch, b: Sketch) -> float:
    """Estimated Jaccard similarity of the two sketched sets."""
    return float(a.jaccard(b))


@lru_cache(maxsize=16)
def _bands(threshold: float) -> tuple[int, int]:
    from datasketch.lsh import _optimal_param

    # equal weight to missing a near-duplicate and to a candidate that is then checked
    bands, rows = _optimal_param(threshold, NUM_PERM, 0.5, 0.5)
    return int(bands), int(rows)


class NearDuplicates(Generic[K]):
    """Sketches by key in a MinHash LSH; `similar` gives the indexed keys whose estimated
    Jaccard similarity to a sketch is at least `threshold`, most similar first (ties in the
    order they were added)."""

    def __init__(self, threshold: float) -> None:
        from datasketch import MinHashLSH

        self.threshold = threshold
        self._lsh = MinHashLSH(num_perm=NUM_PERM, params=_bands(threshold))
        self._sketches: dict[K, tuple[int, Sketch]] = {}

    def __len__(self) -> int:
        return len(self._sketches)

    def __contains__(self, key: object) -> bool:
        return key in self._sketches

    def add(self, key: K, sketch: Sketch) -> None:
        if key in self._sketches:
            return  # one sketch per key: the first stays
        self._sketches[key] = (len(self._sketches), sketch)
        self._lsh.insert(key, sketch, check_duplication=False)

    def similar(self, sketch: Sketch) -> list[tuple[K, float]]:
        found = []
        for key in self._lsh.query(sketch):
            order, other = self._sketches[key]
            value = similarity(sketch, other)
            if value >= self.threshold:
                found.append((value, order, key))
        found.sort(key=lambda t: (-t[0], t[1]))
        return [(key, value) for value, _order, key in found]
