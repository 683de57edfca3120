"""One question/reply pair read on its own (pure): its clauses and what each one is, the
reply's concrete signals, the question's key terms and which of them the reply touches.
Nothing here depends on the other replies, so a reading can be cached per text."""

from __future__ import annotations

import re
from collections.abc import Hashable
from dataclasses import dataclass, field

from monitor.neardup import letters
from monitor.replyquality import signals as sig
from monitor.replyquality.terms import (
    GENERIC,
    coverage,
    key_terms,
    shared_pairs,
    subject_nouns,
    words,
)
from monitor.watchlist.normalize import normalize

# clause kinds
OPENING, CLOSING, SIGNATURE, ACK, REFERRAL, DEFLECT, CONTENT = (
    "opening",
    "closing",
    "signature",
    "ack",
    "referral",
    "deflect",
    "content",
)
FIXED = (OPENING, CLOSING, SIGNATURE)


@dataclass(frozen=True)
class Entry:
    """A question and the office's reply to it (`reply check` reads these from JSON lines)."""

    id: Hashable
    question: str
    reply: str
    question_title: str | None = None
    department: str | None = None


@dataclass(frozen=True)
class Phrases:
    """The office's own wording (`[reply_quality]`): opening/closing phrases to set aside,
    and extra referral and deflection wording."""

    boilerplate: tuple[str, ...] = ()
    referral: tuple[str, ...] = ()
    deflect: tuple[str, ...] = ()


NO_PHRASES = Phrases()


@dataclass
class Reading:
    entry: Entry
    reply: str  # normalised
    question: str  # normalised title and text
    clauses: list[str]
    kinds: list[str]
    signals: sig.Signals
    terms: list[tuple[str, float]]
    coverage: float
    missed: list[str]
    referral: str | None
    deflect: str | None
    numbers: frozenset[str] = field(default_factory=frozenset)
    shared: frozenset[str] = field(default_factory=frozenset)  # question words in the reply
    pairs: frozenset[str] = field(default_factory=frozenset)  # question's pairs in the reply
    own_terms: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()  # the reply's own nouns (terms.subject_nouns)
    vocabulary: frozenset[str] = field(default_factory=frozenset)  # the reply's words (terms.words)
    quoted: frozenset[str] = field(
        default_factory=frozenset
    )  # the question's numbers, repeated  # the reply's own key terms (it talks about something)

    def clauses_of(self, *kinds: str) -> list[str]:
        return [c for c, k in zip(self.clauses, self.kinds, strict=True) if k in kinds]

    @property
    def content_length(self) -> int:
        """Letters in clauses that are neither fixed phrases nor acknowledgements nor
        referral/deflection: what the reply says about the matter itself."""
        return sum(len(letters(c)) for c in self.clauses_of(CONTENT))

    @property
    def body(self) -> str:
        """The reply without its fixed phrases and signature (what a clerk reads as 'it')."""
        kept = [c for c, k in zip(self.clauses, self.kinds, strict=True) if k not in FIXED]
        return "，".join(kept)


def _kind(
    clause: str, position: int, count: int, phrases: Phrases, subject: tuple[str, ...]
) -> str:
    if sig.is_signature(clause) and position >= count - 3:
        return SIGNATURE
    if sig.referral_phrase(clause, phrases.referral):
        return REFERRAL
    if sig.deflect_phrase(clause, phrases.deflect) and not sig.is_closing(clause):
        return DEFLECT
    if sig.is_opening(clause, phrases.boilerplate):
        return OPENING
    if sig.is_closing(clause, phrases.boilerplate):
        return CLOSING
    if sig.is_ack(clause, subject) or sig.is_slogan(clause):
        return ACK
    return CONTENT


def read(entry: Entry, phrases: Phrases = NO_PHRASES) -> Reading:
    reply = sig.SIGNATURE_TAG_TEXT.sub("", normalize(entry.reply or ""))
    question = normalize(f"{entry.question_title or ''}\n{entry.question or ''}")
    terms = key_terms(question, title=normalize(entry.question_title or ""))
    subject = tuple(t for t, _ in terms)
    parts = sig.clauses(reply)
    kinds = [_kind(c, i, len(parts), phrases, subject) for i, c in enumerate(parts)]
    # a signature only at the very end: an office name in mid-reply is content
    for i in range(len(parts) - 1, -1, -1):
        if kinds[i] != SIGNATURE:
            for j in range(i):
                if kinds[j] == SIGNATURE:
                    kinds[j] = CONTENT
            break
    unsigned = "，".join(c for c, k in zip(parts, kinds, strict=True) if k != SIGNATURE)
    share, missed = coverage(terms, reply)
    return Reading(
        entry=entry,
        reply=reply,
        question=question,
        clauses=parts,
        kinds=kinds,
        signals=sig.signals(unsigned),
        terms=terms,
        coverage=share,
        missed=missed,
        referral=sig.referral_phrase(unsigned, phrases.referral),
        deflect=sig.deflect_phrase(unsigned, phrases.deflect),
        numbers=frozenset(re.findall(r"\d+", unsigned)),
        shared=frozenset(w for w in words(question) if w in reply)
        | frozenset(t for t, _ in terms if t not in missed and t not in GENERIC),
        pairs=frozenset(shared_pairs(question, unsigned)),
        own_terms=tuple(t for t, _ in key_terms(unsigned, limit=6, hmm=False)),
        subjects=tuple(subject_nouns(unsigned)),
        vocabulary=frozenset(words(unsigned)),
        quoted=frozenset(n for n in re.findall(r"\d{2,}", question) if n in unsigned),
    )
