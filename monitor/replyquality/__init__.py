"""Replies that answer (回复不敷衍, DESIGN §14): is the office's reply to a citizen perfunctory?

Pure functions over text plus a corpus index (no database here):
- `signals`: what a reply says, by regular expressions (fixed phrases, acknowledgement,
  referral, deflection, concrete facts);
- `terms`: the question's key terms (jieba with part-of-speech tags, the watchlist's normal
  form) and whether the reply touches them;
- `reading`: one pair read on its own;
- `corpus`: many replies judged together: the office's opening/closing phrases learned, the same
  reply under different questions found (the shared near-duplicate index, `monitor.neardup`);
- `verdict`: reasons, evidence and score.
`check(entries)` judges a list of pairs as one corpus; `monitor.replyquality.store` (the
database: verdicts, editors' marks, the sweep step that judges) uses it in the product, and
`monitor.sweep.reply_quality` makes the `reply_perfunctory` alert from the stored verdicts."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any

from monitor.replyquality.corpus import Corpus
from monitor.replyquality.reading import NO_PHRASES, Entry, Phrases, read
from monitor.replyquality.verdict import REASON_ZH, Reason, Verdict, describe_evidence, judge

__all__ = [
    "REASON_ZH",
    "Corpus",
    "Entry",
    "Phrases",
    "Reason",
    "Verdict",
    "check",
    "describe_evidence",
    "judge_all",
    "phrases_of",
    "read",
]


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
