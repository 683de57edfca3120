"""Reply quality (回复不敷衍, docs/reply-quality.md): precision, recall and speed of the reply checker.

    python benchmarks/reply_quality.py [--set tests/fixtures/replies/labelled.jsonl]
                                       [--repeat 3] [--scale 2000] [--show]

--set FILE (or --file FILE) measures another labelled set of the same format, e.g.
tests/fixtures/replies/unseen.jsonl: 83 pairs written by a reviewer without reading the first
set, to measure the checker on cases its rules were not tuned on.

The labelled set (tests/fixtures/replies/labelled.jsonl) holds question/reply pairs written to
look like the portals' own (百姓畅言, 领导留言板, 12345 work orders), each labelled perfunctory
or not with its reasons, hard cases on both sides. Its `split` says which part the checker
was tuned on (`dev`) and which was written afterwards and only measured (`test`).
Prints, for the whole set judged as one corpus (as `reply check` judges a file) and for each
split: precision and recall of `perfunctory`; per reason, how many labelled replies the
checker gave that reason; then replies per second (best of --repeat runs over the set, and
over --scale generated replies: the set's pairs repeated with distinct ids and places, so the
corpus index and the template search work at that size). --show lists every miss.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.replyquality.checker import check  # noqa: E402
from monitor.replyquality.reading import Entry  # noqa: E402
from monitor.replyquality.reasons import Reason  # noqa: E402

LABELLED = (
    Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "replies" / "labelled.jsonl"
)


def load(path: Path) -> list[dict]:
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def entry(row: dict, suffix: str = "") -> Entry:
    return Entry(
        row["id"] + suffix,
        row.get("question", ""),
        row.get("reply", ""),
        row.get("question_title"),
        row.get("department"),
    )


def scores(rows: list[dict], verdicts: dict[str, object]) -> tuple[float, float, int, int, int]:
    tp = sum(1 for r in rows if r["perfunctory"] and verdicts[r["id"]].perfunctory)
    fp = sum(1 for r in rows if not r["perfunctory"] and verdicts[r["id"]].perfunctory)
    fn = sum(1 for r in rows if r["perfunctory"] and not verdicts[r["id"]].perfunctory)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, tp, fp, fn


def report(name: str, rows: list[dict], verdicts: dict[str, object]) -> None:
    precision, recall, tp, fp, fn = scores(rows, verdicts)
    bad = sum(1 for r in rows if r["perfunctory"])
    print(
        f"{name}: {len(rows)} replies ({bad} labelled perfunctory): precision {precision:.3f}, "
        f"recall {recall:.3f} ({tp} found, {fp} false alarms, {fn} missed)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", "--file", dest="file", type=Path, default=LABELLED)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scale", type=int, default=2000)
    parser.add_argument("--show", action="store_true", help="list every miss and false alarm")
    args = parser.parse_args()
    rows = load(args.file)

    verdicts = {v.id: v for v in check([entry(r) for r in rows])}
    report("all, judged as one corpus", rows, verdicts)
    for split in sorted({r.get("split", "") for r in rows} - {""}):
        part = [r for r in rows if r.get("split") == split]
        report(f"  split {split} (in the whole corpus)", part, verdicts)
        alone = {v.id: v for v in check([entry(r) for r in part])}
        report(f"  split {split} judged alone", part, alone)
    for reason in Reason:
        labelled = [r for r in rows if reason.value in r.get("reasons", [])]
        given = [r for r in labelled if reason in verdicts[r["id"]].reasons]
        wrongly = [r for r in rows if not r["perfunctory"] and reason in verdicts[r["id"]].reasons]
        print(
            f"  {reason.value} ({reason.label}): {len(given)} of {len(labelled)} labelled "
            f"replies given this reason; on {len(wrongly)} good replies"
        )
    if args.show:
        for r in rows:
            v = verdicts[r["id"]]
            if v.perfunctory != r["perfunctory"] or (
                r["perfunctory"] and not set(r.get("reasons", [])) <= {x.value for x in v.reasons}
            ):
                print(
                    f"  {r['id']} labelled {r['perfunctory']} {r.get('reasons')} → "
                    f"{v.perfunctory} {[x.value for x in v.reasons]} {v.score}: "
                    f"{r.get('question_title')} | {r['reply'][:60]} | {v.evidence}"
                )

    entries = [entry(r) for r in rows]
    best = min(_timed(lambda: check(entries)) for _ in range(args.repeat))
    print(
        f"speed: {len(entries) / best:,.0f} replies/s over the labelled set ({best:.2f} s, best of {args.repeat})"
    )
    scaled = []
    while len(scaled) < args.scale:
        n = len(scaled) // len(rows)
        for r in rows[: args.scale - len(scaled)]:
            place = f"第{n}号"  # each copy is about another place: the questions differ
            scaled.append(
                Entry(
                    f"{r['id']}#{n}",
                    place + r.get("question", ""),
                    r.get("reply", "").replace("您好", f"您好，关于{place}"),
                    r.get("question_title"),
                    r.get("department"),
                )
            )
    took = min(_timed(lambda: check(scaled)) for _ in range(max(1, args.repeat - 1)))
    print(
        f"speed: {len(scaled) / took:,.0f} replies/s over {len(scaled):,} replies judged as one corpus ({took:.2f} s)"
    )


def _timed(func) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
