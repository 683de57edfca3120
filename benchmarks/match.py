"""Watchlist matching and news clustering figures.

    python benchmarks/match.py [--mb 50] [--terms 1000] [--jieba-mb 5] [--items 10000]

Text: sentences of /work/shared/seed/*.txt (or tests' fixtures), converted to simplified, shuffled
and repeated to --mb megabytes of UTF-8, cut into ~2 KB documents (a news article). Terms: real
words of that text (so there are hits) plus generated ones, 1 in 10 with an exclusion phrase.
Prints:
  - matcher throughput: automaton + exclusions ("find"), and with jieba confidence ("match")
  - normalisation (NFKC + zhconv) throughput on a sample
  - jieba's precise cut on a --jieba-mb sample, extrapolated to the whole text, and the ratio
  - clustering --items news items: SimHash (jieba tokens) and the 4-band index
  - clustering --short-items short items (title + one sentence) reprinted with title suffixes,
    outlets or a new title: SimHash alone against the story index (exact keys + SimHash)
  - precision and recall of clustering on labelled sets: tests/fixtures/news/reprints.jsonl
    (hand-written: a 400-character story reprinted under three new headlines behind bylines,
    instalments of one series sharing an editor's note, …) and --labelled generated stories of
    ~400 characters, reprinted under a new headline with a byline, a credit line and a few
    characters edited, and series whose instalments share a title prefix and an opening line.
    Pairwise: precision = pairs put together that are one story / pairs put together,
    recall = pairs of one story put together / pairs of one story.
"""

from __future__ import annotations

import argparse
import glob
import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.watchlist.cluster import cluster_all, text_simhash  # noqa: E402
from monitor.watchlist.matcher import build_matcher, tokenizer  # noqa: E402
from monitor.watchlist.normalize import normalize  # noqa: E402
from monitor.watchlist.terms import TermSpec  # noqa: E402

SEED_GLOBS = [
    "/work/shared/seed/*.txt",
    str(Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "**" / "*.txt"),
]
DOC_BYTES = 2048
COMMON = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自"
    "二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变"
    "条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指"
    "几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安"
    "场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连"
    "断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属"
    "圆包火住调满县局照参红细引听该铁价严"
)


def load_sentences() -> list[str]:
    texts = []
    for pattern in SEED_GLOBS:
        for path in sorted(glob.glob(pattern, recursive=True)):
            texts.append(Path(path).read_text(encoding="utf-8", errors="replace"))
    if not texts:
        sys.exit("no seed text found (looked in " + ", ".join(SEED_GLOBS) + ")")
    text = normalize("\n".join(texts))
    sentences = [s.strip() for s in re.split(r"(?<=[。！？；\n])", text) if len(s.strip()) >= 4]
    return sentences


def build_documents(sentences: list[str], megabytes: float, rng: random.Random) -> list[str]:
    target = int(megabytes * 1_000_000)
    docs, size = [], 0
    while size < target:
        doc, doc_size = [], 0
        while doc_size < DOC_BYTES:
            sentence = rng.choice(sentences)
            doc.append(sentence)
            doc_size += len(sentence.encode("utf-8"))
        text = "".join(doc)
        docs.append(text)
        size += doc_size
    return docs


def build_terms(
    sentences: list[str], count: int, real_count: int, rng: random.Random
) -> list[TermSpec]:
    """`real_count` words of the text (skipping its 300 most frequent, which no watchlist
    would hold: 工作, 政务, 公开 …) so there are hits, the rest generated 2–4 character
    terms (a few occur by chance); 1 in 10 has an exclusion phrase."""
    from collections import Counter

    frequency = Counter(
        w
        for s in sentences
        for w in tokenizer().cut(s, HMM=False)
        if len(w) >= 2 and re.fullmatch(r"[\u4e00-\u9fff]+", w)
    )
    words = [w for w, _ in frequency.most_common()[300:]]
    rng.shuffle(words)
    real = words[:real_count]
    generated: set[str] = set()
    while len(real) + len(generated) < count:
        generated.add("".join(rng.choice(COMMON) for _ in range(rng.randint(2, 4))))
    specs = []
    for i, term in enumerate(real + sorted(generated)):
        exclude = [f"评{term}计"] if i % 10 == 0 else []
        specs.append(TermSpec(term, rng.choice(["info", "warning", "critical"]), None, exclude))
    return specs


def timed(func, *args):
    start = time.perf_counter()
    result = func(*args)
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=float, default=50)
    parser.add_argument("--terms", type=int, default=1000)
    parser.add_argument("--jieba-mb", type=float, default=5)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--short-items", type=int, default=3_000)
    parser.add_argument(
        "--labelled",
        type=int,
        default=2_000,
        help="generated items in the labelled precision/recall set",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of the find measurement")
    parser.add_argument(
        "--real-terms",
        type=int,
        default=100,
        help="terms taken from the text itself (the rest are generated)",
    )
    parser.add_argument("--only-cluster", action="store_true", help="skip the matching part")
    args = parser.parse_args()
    rng = random.Random(20261126)

    sentences = load_sentences()
    if args.only_cluster:
        cluster_figures(sentences, args, rng)
        short_cluster_figures(sentences, args, rng)
        return labelled_figures(sentences, args, rng)
    docs = build_documents(sentences, args.mb, rng)
    total_mb = sum(len(d.encode("utf-8")) for d in docs) / 1e6
    specs = build_terms(sentences, args.terms, args.real_terms, rng)
    matcher, build_s = timed(build_matcher, specs)
    print(
        f"text: {total_mb:.1f} MB UTF-8 in {len(docs):,} documents of ~{DOC_BYTES} bytes "
        f"({len(sentences)} distinct seed sentences); {len(specs)} terms "
        f"({sum(1 for s in specs if s.exclude)} with exclusions); automaton built in "
        f"{build_s * 1000:.0f} ms"
    )

    def find_all() -> int:
        return sum(sum(len(v) for v in matcher.find(d).values()) for d in docs)

    # best of --repeat: the machine is shared, the best run is the matcher's own speed
    runs = [timed(find_all) for _ in range(args.repeat)]
    hits, find_s = min(runs, key=lambda r: r[1])
    median_s = sorted(r[1] for r in runs)[len(runs) // 2]
    print(
        f"find  (automaton + exclusions): {total_mb / find_s:6.1f} MB/s best of {args.repeat}, "
        f"{total_mb / median_s:.1f} MB/s median  "
        f"({find_s:.2f} s, {hits:,} hits = one per {total_mb * 1e6 / 3 / max(hits, 1):.0f} "
        "characters)"
    )

    def match_all() -> int:
        return sum(len(matcher.match(d, normalized=True)) for d in docs)

    terms_hit, match_s = timed(match_all)
    print(
        f"match (+ jieba confidence):     {total_mb / match_s:6.1f} MB/s  "
        f"({match_s:.2f} s, {terms_hit:,} term-document hits: confidence costs "
        f"{(match_s - median_s) / max(terms_hit, 1) * 1e6:.0f} µs per term and document, "
        "so it scales with hits, not text)"
    )

    sample, sample_mb = [], 0.0
    for d in docs:
        if sample_mb >= args.jieba_mb:
            break
        sample.append(d)
        sample_mb += len(d.encode("utf-8")) / 1e6
    _, norm_s = timed(lambda: [normalize(d) for d in sample])
    print(
        f"normalise (NFKC + zhconv zh-cn + casefold): {sample_mb / norm_s:6.1f} MB/s "
        f"(on a {sample_mb:.1f} MB sample)"
    )
    tk = tokenizer()
    _, cut_s = timed(lambda: [list(tk.cut(d)) for d in sample])
    jieba_rate = sample_mb / cut_s
    print(
        f"jieba precise cut (HMM on):    {jieba_rate:6.2f} MB/s measured on a {sample_mb:.1f} MB "
        f"sample; extrapolated to {total_mb:.0f} MB: {total_mb / jieba_rate:.0f} s"
    )
    print(
        f"ratio: find is {total_mb / find_s / jieba_rate:.1f}x jieba's cut, "
        f"match {total_mb / match_s / jieba_rate:.1f}x"
    )

    cluster_figures(sentences, args, rng)
    short_cluster_figures(sentences, args, rng)
    labelled_figures(sentences, args, rng)


def cluster_figures(sentences: list[str], args: argparse.Namespace, rng: random.Random) -> None:
    # clustering: stories of ~300 characters from random seed sentences, some reprinted up to
    # 4 times with two characters edited and a credit line added
    items: list[str] = []
    story_of: list[int] = []
    stories = 0
    short = [x for x in sentences if len(x) <= 120] or sentences
    while len(items) < args.items:
        parts: list[str] = []
        while sum(map(len, parts)) < 300:
            parts.append(rng.choice(short))
        story = "".join(parts)
        stories += 1
        for copy in range(min(rng.choice([1, 1, 1, 2, 3, 5]), args.items - len(items))):
            text = story
            if copy:  # a reprint: two characters edited and the outlet's credit line added
                chars = list(story)
                for _ in range(2):
                    chars[rng.randrange(len(chars))] = rng.choice(COMMON)
                text = "".join(chars) + f"（来源：媒体{copy}）"
            items.append(text)
            story_of.append(stories)
    hashes, hash_s = timed(lambda: [text_simhash(t) for t in items])
    clusters, index_s = timed(cluster_all, list(enumerate(hashes, start=1)))
    first_of_story: dict[int, int] = {}
    for item_id, story_id in enumerate(story_of, start=1):
        first_of_story.setdefault(story_id, item_id)
    reprints = [i for i, st in enumerate(story_of, start=1) if first_of_story[st] != i]
    joined = sum(1 for i in reprints if clusters[i] == clusters[first_of_story[story_of[i - 1]]])
    merged = sum(1 for i, st in enumerate(story_of, start=1) if story_of[clusters[i] - 1] != st)
    print(
        f"clustering {len(items):,} items (~300 characters, {stories:,} stories): SimHash over "
        f"jieba tokens {hash_s:.2f} s ({hash_s / len(items) * 1e3:.2f} ms an item), "
        f"4x16-bit band index {index_s * 1000:.0f} ms; {len(set(clusters.values())):,} "
        f"clusters; {joined:,} of {len(reprints):,} reprints joined their story, "
        f"{merged} items put in another story's cluster"
    )


REPRINT_TITLES = [
    "{t}（转载）",
    "【转】{t}",
    "[转]{t} - 媒体{n}",
    "{t}_媒体{n}",
    "{t} | 来源：媒体{n}",
    "转：{t}",
    "{t}——媒体{n}",
    "{new}",
]


def short_cluster_figures(
    sentences: list[str], args: argparse.Namespace, rng: random.Random
) -> None:
    """Short items (a title of 4-7 words and a body of 8-16 words), some reprinted
    with a title suffix/prefix/outlet or under a new title: how many reprints each method
    joins to their story, and how many items it puts in another story's cluster."""
    from monitor.watchlist.cluster import SimHashIndex, StoryIndex, story_keys, story_simhash

    # words of the seed text, so titles and bodies are real words yet (almost) never repeat
    words = sorted(
        {
            w
            for x in sentences
            for w in tokenizer().cut(x)
            if len(w) >= 2 and re.fullmatch(r"[\u4e00-\u9fff]+", w)
        }
    )

    def phrase(low: int, high: int) -> str:
        return "".join(rng.choice(words) for _ in range(rng.randint(low, high)))

    rows: list[tuple[str, str]] = []
    story_of: list[int] = []
    stories = 0
    while len(rows) < args.short_items:
        title, body = phrase(4, 7), phrase(8, 16) + "。"
        stories += 1
        for copy in range(min(rng.choice([1, 1, 2, 3]), args.short_items - len(rows))):
            shown = (
                title
                if not copy
                else rng.choice(REPRINT_TITLES).format(t=title, n=copy, new=phrase(4, 7))
            )
            rows.append((shown, body))
            story_of.append(stories)

    def score(clusters: list[int]) -> tuple[int, int, int]:
        first: dict[int, int] = {}
        for i, st in enumerate(story_of):
            first.setdefault(st, i)
        reprints = [i for i, st in enumerate(story_of) if first[st] != i]
        joined = sum(1 for i in reprints if clusters[i] == clusters[first[story_of[i]]])
        merged = sum(1 for i, st in enumerate(story_of) if story_of[clusters[i]] != st)
        return joined, len(reprints), merged

    def simhash_only() -> list[int]:
        index, clusters = SimHashIndex(), []
        for i, (title, body) in enumerate(rows):
            value = text_simhash(normalize(f"{title}\n{body}"))
            found = None if value is None else index.find(value)
            clusters.append(i if found is None else found)
            if value is not None:
                index.add(i, value, clusters[-1])
        return clusters

    def story_index() -> list[int]:
        index, clusters = StoryIndex(), []
        for i, (title, body) in enumerate(rows):
            keys, value = story_keys(title, body), story_simhash(title, body)
            found = index.find(keys, value)
            clusters.append(i if found is None else found)
            index.add(i, keys, value, clusters[-1])
        return clusters

    for name, method in [("SimHash only", simhash_only), ("story index", story_index)]:
        clusters, took = timed(method)
        joined, reprints, merged = score(clusters)
        print(
            f"short items ({len(rows):,}, {stories:,} stories), {name}: {joined:,} of "
            f"{reprints:,} reprints joined their story, {merged} items put in another "
            f"story's cluster ({took:.2f} s)"
        )


LABELLED = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "news" / "reprints.jsonl"
BYLINES = [
    "本报讯 ",
    "本报讯（记者 王敏）",
    "本报11月26日讯（记者 李强 通讯员 陈晓）",
    "本台消息 ",
    "（记者 孙悦）",
    "",
]
CREDITS = ["", "（来源：六安日报）", "\n责任编辑：赵磊", "（记者 周洁 摄）"]


def generated_labelled(
    sentences: list[str], count: int, rng: random.Random
) -> list[tuple[str, str, str]]:
    """(story, title, body) rows: stories of ~400 characters of the seed text's words (so no
    two stories share a sentence by chance: the seed text is small); 1 in 3 reprinted 1-3
    times under a new headline with a byline, a credit line and up to 4 characters edited;
    1 in 4 a series of 2-4 instalments sharing a title prefix and an editor's note."""
    words = sorted(
        {
            w
            for x in sentences
            for w in tokenizer().cut(x)
            if len(w) >= 2 and re.fullmatch(r"[\u4e00-\u9fff]+", w)
        }
    )

    def body(length: int) -> str:
        parts: list[str] = []
        size = 0
        while size < length:
            clause = "".join(rng.choice(words) for _ in range(rng.randint(3, 8)))
            parts.append(clause + rng.choice("，，，。"))
            size += len(parts[-1])
        return "".join(parts)

    def headline() -> str:
        return "".join(rng.choice(words) for _ in range(rng.randint(4, 8)))

    rows: list[tuple[str, str, str]] = []
    stories = 0
    while len(rows) < count:
        kind = rng.random()
        if kind < 0.25:  # a series: shared prefix and editor's note, different stories
            prefix, note = headline()[:8], "编者按：" + body(60)
            for n in range(rng.randint(2, 4)):
                stories += 1
                rows.append(
                    (
                        f"s{stories}",
                        f"{prefix}系列报道之{'一二三四'[n]}：{headline()}",
                        note + body(340),
                    )
                )
            continue
        stories += 1
        text = body(400)
        rows.append((f"s{stories}", headline(), text))
        if kind < 0.6:
            for _ in range(rng.randint(1, 3)):
                chars = list(text)
                for _ in range(rng.randint(0, 4)):
                    chars[rng.randrange(len(chars))] = rng.choice(COMMON)
                rows.append(
                    (
                        f"s{stories}",
                        headline(),
                        rng.choice(BYLINES) + "".join(chars) + rng.choice(CREDITS),
                    )
                )
    return rows[:count]


def pair_scores(story_of: list[str], clusters: list[int]) -> tuple[float, float, int]:
    """Pairwise precision and recall of `clusters` against `story_of`, and the true pairs."""
    from collections import Counter
    from math import comb

    together = sum(comb(n, 2) for n in Counter(clusters).values())
    true = sum(comb(n, 2) for n in Counter(story_of).values())
    both = sum(comb(n, 2) for n in Counter(zip(clusters, story_of, strict=False)).values())
    return (both / together if together else 1.0), (both / true if true else 1.0), true


def labelled_figures(sentences: list[str], args: argparse.Namespace, rng: random.Random) -> None:
    import dataclasses
    import json

    from monitor.watchlist.cluster import SimHashIndex, StoryIndex, story_keys, story_simhash

    hand = [
        json.loads(line)
        for line in LABELLED.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    sets = [
        (
            f"{LABELLED.name} ({len(hand)} items)",
            [(r["story"], r["title"], r["body"]) for r in hand],
        ),
        (
            f"generated ({args.labelled:,} items of ~400 characters)",
            generated_labelled(sentences, args.labelled, rng),
        ),
    ]

    def simhash_only(rows: list[tuple[str, str, str]]) -> list[int]:
        index, clusters = SimHashIndex(), []
        for i, (_story, title, body) in enumerate(rows):
            value = story_simhash(title, body)
            found = None if value is None else index.find(value)
            clusters.append(i if found is None else found)
            if value is not None:
                index.add(i, value, clusters[-1])
        return clusters

    def story_index(rows: list[tuple[str, str, str]], use_body: bool = True) -> list[int]:
        index, clusters = StoryIndex(), []
        for i, (_story, title, body) in enumerate(rows):
            keys, value = story_keys(title, body), story_simhash(title, body)
            if not use_body:
                keys = dataclasses.replace(keys, sketch=None)
            found = index.find(keys, value)
            clusters.append(i if found is None else found)
            index.add(i, keys, value, clusters[-1])
        return clusters

    methods = [
        ("SimHash only", simhash_only),
        ("story index without the body sketch", lambda r: story_index(r, False)),
        ("story index with the body sketch", story_index),
    ]
    for set_name, rows in sets:
        story_of = [story for story, _t, _b in rows]
        for name, method in methods:
            clusters, took = timed(method, rows)
            precision, recall, pairs = pair_scores(story_of, clusters)
            print(
                f"labelled {set_name}, {name}: precision {precision:.3f}, recall "
                f"{recall:.3f} over {pairs:,} pairs of one story ({took:.2f} s)"
            )


if __name__ == "__main__":
    main()
