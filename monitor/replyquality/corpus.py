"""The office's replies judged together: its shared opening and closing phrases learned, and
the same reply found under questions that differ (`template`).

Learning the phrases: a clause (compared letters only, digits as one) that opens or closes at
least LEARN_SHARE of the replies, and at least LEARN_MIN of them, is the office's boilerplate
(您好，来信收悉 … 感谢您的关注与支持), besides the built-in phrases and `[reply_quality]
boilerplate`. A reply's *core* is what is left once its leading run of opening phrases and its
trailing run of closing phrases and signature are set aside; a reply that is nothing but such
phrases is its own core (then the whole of it is what was pasted).

Templates: cores are sketched (character 3-shingles, MinHash) into the shared near-duplicate
index (`monitor.neardup`); two replies are the same reply when their cores are at least
TEMPLATE_SIMILAR alike and state the same numbers (两条回复只差日期或金额 are two answers).
It is a template only where the questions differ: two citizens who ask the same thing (the same
key terms, or near-identical text) may get the same correct answer."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from monitor.neardup import NearDuplicates, letters, shingles, sketch_of
from monitor.replyquality.reading import (
    CLOSING,
    NO_PHRASES,
    OPENING,
    SIGNATURE,
    Entry,
    Phrases,
    Reading,
    read,
)
from monitor.replyquality.signals import key

LEARN_SHARE = 0.03  # of the replies a phrase opens or closes, to be learned as boilerplate
LEARN_MIN = 3  # and at least this many replies
TEMPLATE_SIMILAR = 0.7  # estimated Jaccard of two cores' 3-shingles: the same reply
CORE_SHINGLE = 3
MIN_CORE = 6  # letters: a shorter core (已修复完毕) is no evidence of pasting
SAME_QUESTION_TERMS = 0.6  # shared key terms over the smaller question's: the same question
SAME_QUESTION_TEXT = 0.5  # Jaccard of the questions' 3-shingles: the same question


@dataclass
class Match:
    """Another message that got the same reply to a different question."""

    id: Hashable
    similarity: float


class Corpus:
    """Readings of many pairs, the boilerplate learned from them, and the template index.
    `add` more pairs later (the product adds each new reply to the recent ones)."""

    def __init__(self, phrases: Phrases = NO_PHRASES) -> None:
        self.phrases = phrases
        self.readings: dict[Hashable, Reading] = {}
        self._edge_counts: Counter[str] = Counter()
        self._learned: set[str] | None = None
        self._index: NearDuplicates[Hashable] | None = None
        self._cores: dict[Hashable, str] = {}

    def add(self, reading: Reading) -> None:
        key_ = reading.entry.id
        if key_ in self.readings:
            return
        self.readings[key_] = reading
        for clause in _edge_clauses(reading):
            self._edge_counts[key(clause)] += 1
        self._learned = None  # learned phrases and cores are recomputed on the next question
        self._index = None

    def add_entries(self, entries: Iterable[Entry]) -> None:
        for entry in entries:
            self.add(read(entry, self.phrases))

    # -- boilerplate ----------------------------------------------------------------------
    @property
    def learned(self) -> set[str]:
        if self._learned is None:
            need = max(LEARN_MIN, math.ceil(LEARN_SHARE * len(self.readings)))
            self._learned = {k for k, n in self._edge_counts.items() if n >= need and k}
        return self._learned

    def core(self, reading: Reading) -> str:
        """The reply's letters without its leading opening phrases and its trailing closing
        phrases and signature (learned, built-in or configured)."""
        found = self._cores.get(reading.entry.id)
        if found is not None:
            return found
        learned = self.learned
        parts, kinds = reading.clauses, reading.kinds
        start, end = 0, len(parts)
        while start < end and (
            kinds[start] in (OPENING, SIGNATURE) or key(parts[start]) in learned
        ):
            start += 1
        while end > start and (
            kinds[end - 1] in (CLOSING, SIGNATURE, OPENING) or key(parts[end - 1]) in learned
        ):
            end -= 1
        kept = parts[start:end]
        if not kept:  # nothing but fixed phrases: the whole reply is what was pasted
            kept = [p for p, k in zip(parts, kinds, strict=True) if k != SIGNATURE] or parts
        core = letters("".join(kept))
        self._cores[reading.entry.id] = core
        return core

    # -- templates ------------------------------------------------------------------------
    def _template_index(self) -> NearDuplicates[Hashable]:
        if self._index is None:
            self._cores = {}
            index: NearDuplicates[Hashable] = NearDuplicates(TEMPLATE_SIMILAR)
            for id_, reading in self.readings.items():
                core = self.core(reading)
                if len(core) >= MIN_CORE:
                    sketch = sketch_of(shingles(core, CORE_SHINGLE))
                    if sketch is not None:
                        index.add(id_, sketch)
            self._index = index
        return self._index

    def same_reply(self, reading: Reading) -> list[Match]:
        """Other messages whose reply is this one (core near-identical, same numbers) while
        their question differs; most similar first."""
        index = self._template_index()
        core = self.core(reading)
        if len(core) < MIN_CORE:
            return []
        sketch = sketch_of(shingles(core, CORE_SHINGLE))
        if sketch is None:
            return []
        out = []
        for other_id, value in index.similar(sketch):
            if other_id == reading.entry.id:
                continue
            other = self.readings[other_id]
            if other.numbers != reading.numbers:
                continue
            if same_question(reading, other):
                continue
            out.append(Match(other_id, round(value, 3)))
        return out


def _edge_clauses(reading: Reading) -> list[str]:
    """The first two and the last two clauses: where openings and closings stand."""
    parts = [p for p, k in zip(reading.clauses, reading.kinds, strict=True) if k != SIGNATURE]
    if len(parts) <= 2:
        return []  # a one- or two-clause reply has no opening or closing of its own
    return list(dict.fromkeys(parts[:2] + parts[-2:]))


def same_question(a: Reading, b: Reading) -> bool:
    """Two citizens asking the same thing: most key terms shared, or near-identical text, or
    the one reply names a subject (a key term of some weight) that both questions name."""
    terms_a = {t for t, _ in a.terms}
    terms_b = {t for t, _ in b.terms}
    # what the reply shares with each question (its subject words, generic ones aside)
    touched_a, touched_b = a.shared, b.shared
    if any(x in y or y in x for x in touched_a for y in touched_b):
        return True
    if terms_a and terms_b:
        shared = len(terms_a & terms_b) / min(len(terms_a), len(terms_b))
        if shared >= SAME_QUESTION_TERMS:
            return True
    text_a, text_b = shingles(letters(a.question), 3), shingles(letters(b.question), 3)
    if not text_a or not text_b:
        return not (terms_a or text_a) or not (terms_b or text_b)  # nothing to tell them apart
    return len(text_a & text_b) / len(text_a | text_b) >= SAME_QUESTION_TEXT
