"""Replies that answer (回复不敷衍, docs/reply-quality.md): is the office's reply to a citizen perfunctory?

Pure functions over text plus a corpus index (no database in these):
- `reasons`: the vocabulary (reason codes and labels, an editor's marks), in the core;
- `signals`: what a reply says, by regular expressions (fixed phrases, acknowledgement,
  referral, deflection, concrete facts);
- `terms`: the question's key terms (jieba with part-of-speech tags, the watchlist's normal
  form) and whether the reply touches them;
- `reading`: one pair read on its own;
- `corpus`: many replies judged together: the office's opening/closing phrases learned, the same
  reply under different questions found (the shared near-duplicate index, `monitor.neardup`);
- `verdict`: reasons, evidence and score;
- `checker`: `check(entries)` judges a list of pairs as one corpus.
`store` (the database: verdicts, editors' marks, the sweep step that judges) uses them in the
product; `monitor.sweep.reply_quality` makes the `reply_perfunctory` alert from the stored
verdicts. This file imports nothing, so the core's `reasons` costs nothing to import."""
