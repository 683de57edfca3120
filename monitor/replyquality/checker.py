"""Judging replies as one corpus: the office's wording from config, and the verdicts of a
list of pairs in their order (templates across them are seen)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any

from monitor.replyquality.corpus import Corpus
from monitor.replyquality.reading import NO_PHRASES, Entry, Phrases
from monitor.replyquality.verdict import Verdict, judge


def phrases_of(settings: Any) -> Phrases:
    """The office's wording from `[reply_quality]` (a ReplyQualityConfig)."""
    return Phrases(
        tuple(settings.boilerplate),
        tuple(settings.referral_phrases),
        tuple(settings.deflect_phrases),
    )


def judge_all(corpus: Corpus, ids: Iterable[Hashable]) -> list[Verdict]:
    """Verdicts for the corpus's pairs with these ids, in that order."""
    return [judge(corpus.readings[i], corpus) for i in ids]


def check(entries: Iterable[Entry], phrases: Phrases = NO_PHRASES) -> list[Verdict]:
    """Verdicts for `entries`, in their order, judged as one corpus (templates across them
    are seen; ids must be distinct)."""
    corpus = Corpus(phrases)
    ordered = list(entries)
    corpus.add_entries(ordered)
    return judge_all(corpus, [e.id for e in ordered])
