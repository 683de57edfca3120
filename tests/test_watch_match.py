"""Matching rules (docs/watchlist.md): substring recall, exclusions by span, normal forms, jieba
confidence; SimHash clustering of reprints; jieba kept off the `calendar due` path."""

from __future__ import annotations

import subprocess
import sys

import pytest

from monitor.watchlist.cluster import (
    SimHashIndex,
    cluster_all,
    distance,
    text_simhash,
    to_signed,
    to_unsigned,
)
from monitor.watchlist.matcher import build_matcher, confidence
from monitor.watchlist.normalize import normalize
from monitor.watchlist.terms import make_spec


def terms_found(text: str, *specs) -> dict[str, float]:
    matcher = build_matcher(specs)
    return {h.term: h.confidence for h in matcher.match(text)}


def test_two_character_terms_found_inside_longer_words() -> None:
    found = terms_found(
        "市审计局发布通知，工地拖欠薪资问题受关注", make_spec("审计"), make_spec("欠薪")
    )
    assert set(found) == {"审计", "欠薪"}


def test_hit_inside_an_exclusion_phrase_does_not_count() -> None:
    spec = make_spec("审计", exclude=["评审计划"])
    assert terms_found("年度评审计划公布", spec) == {}
    # the same text with a real occurrence elsewhere still hits
    assert set(terms_found("年度评审计划公布，审计工作开展", spec)) == {"审计"}


def test_exclusion_only_covers_its_own_span() -> None:
    # 评审计划 appears, but the hit at 审计署 is outside it: counts
    spec = make_spec("审计", exclude=["评审计划"])
    assert set(terms_found("评审计划与审计署", spec)) == {"审计"}


def test_exclusion_with_the_term_at_its_start() -> None:
    spec = make_spec("欠薪", exclude=["欠薪保障金"])
    assert terms_found("设立欠薪保障金", spec) == {}
    assert set(terms_found("欠薪保障", spec)) == {"欠薪"}


def test_traditional_and_full_width_forms_match_alike() -> None:
    assert set(terms_found("六安市審計局通報", make_spec("审计"))) == {"审计"}
    assert set(terms_found("ＰＭ２．５超标", make_spec("pm2.5"))) == {"pm2.5"}
    # and a term typed in traditional / full-width form is stored normalised
    assert make_spec("審計").term == "审计"
    assert make_spec("ＰＸ项目").term == "px项目"
    assert set(terms_found("市审计局", make_spec("審計"))) == {"审计"}


def test_exclusions_are_normalised_too() -> None:
    spec = make_spec("审计", exclude=["評審計劃"])
    assert spec.exclude == ["评审计划"]
    assert terms_found("評審計劃", spec) == {}


def test_confidence_is_full_on_word_boundaries_and_lower_inside_a_word() -> None:
    aligned = terms_found("我们审计了账目", make_spec("审计"))["审计"]
    cut_inside = terms_found("工地拖欠薪资", make_spec("欠薪"))["欠薪"]
    prefix_of_word = terms_found("市审计局", make_spec("审计"))["审计"]
    assert aligned == 1.0
    assert cut_inside < prefix_of_word < aligned


def test_best_occurrence_wins_and_counts_every_hit() -> None:
    matcher = build_matcher([make_spec("欠薪")])
    [hit] = matcher.match("拖欠薪资，另有欠薪问题。")
    assert hit.confidence == 1.0
    assert hit.count == 2


def test_confidence_window_at_text_edges() -> None:
    text = normalize("审计")
    build_matcher([make_spec("审计")])
    assert confidence(text, 0, 2) == 1.0


def test_longer_terms_and_overlaps_both_reported() -> None:
    found = terms_found("六安市审计局通报", make_spec("审计"), make_spec("六安市审计局"))
    assert found["六安市审计局"] == 1.0
    assert "审计" in found


def test_disabled_terms_are_not_matched() -> None:
    spec = make_spec("审计")
    spec.enabled = False
    assert terms_found("审计", spec) == {}


def test_empty_watchlist_matches_nothing() -> None:
    assert build_matcher([]).match("任何文本") == []


def test_exclusion_must_contain_its_term() -> None:
    from monitor.errors import MonitorError

    with pytest.raises(MonitorError, match="不包含关注词"):
        make_spec("审计", exclude=["计划"])


STORY = (
    "六安市审计局近日发布通知，对全市保障性住房专项资金开展专项审计。审计发现，部分项目存在"
    "拖欠农民工工资、挪用专项资金等问题，涉及金额一千二百万元。市审计局已将有关线索移送纪检"
    "监察机关，并要求相关单位在六十日内完成整改，整改结果将向社会公开。"
)
OTHER = (
    "今年秋季，六安市举办农民丰收节，各县区组织特色农产品展销活动，吸引大量市民前来选购。"
    "活动期间还举办了农技讲座和文艺演出，现场气氛热烈，农民增收效果明显。"
)


def test_reprints_are_near_duplicates_and_distinct_stories_are_not() -> None:
    original = text_simhash(normalize("六安审计发现挪用专项资金\n" + STORY))
    reprint = text_simhash(normalize("六安审计发现挪用专项资金\n" + STORY + "（来源：安徽日报）"))
    traditional = text_simhash(normalize("六安審計發現挪用專項資金\n" + STORY))
    other = text_simhash(normalize("六安举办农民丰收节\n" + OTHER))
    assert distance(original, reprint) <= 3
    assert distance(original, traditional) <= 3
    assert distance(original, other) > 3
    clusters = cluster_all([(1, original), (2, other), (3, reprint), (4, traditional)])
    assert clusters == {1: 1, 2: 2, 3: 1, 4: 1}


def test_band_index_finds_within_three_bits_only() -> None:
    index = SimHashIndex()
    base = 0x0123_4567_89AB_CDEF
    index.add(1, base, 1)
    # flip one bit in three different bands: still found through the fourth band
    assert index.find(base ^ (1 << 3) ^ (1 << 20) ^ (1 << 40)) == 1
    # four flipped bits (one in each band) is too far
    assert index.find(base ^ (1 << 3) ^ (1 << 20) ^ (1 << 40) ^ (1 << 60)) is None


def test_signed_storage_round_trip() -> None:
    for value in (0, 1, (1 << 63) - 1, 1 << 63, (1 << 64) - 1):
        signed = to_signed(value)
        assert -(1 << 63) <= signed < (1 << 63)
        assert to_unsigned(signed) == value


def test_empty_text_has_no_simhash() -> None:
    assert text_simhash("，。 ") is None


def test_calendar_due_never_imports_jieba() -> None:
    code = (
        "import sys\nfrom click.testing import CliRunner\nfrom monitor.cli import main\n"
        "r = CliRunner().invoke(main, ['calendar', 'due', '--from', '2024-09-27T10:00', "
        "'--working-days', '5', '--json'])\nassert r.exit_code == 0, r.output\n"
        "assert 'jieba' not in sys.modules and 'zhconv' not in sys.modules\n"
        "assert 'ahocorasick' not in sys.modules\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


def test_credit_lines_do_not_count_for_clustering() -> None:
    from monitor.watchlist.cluster import tokens

    words = tokens(
        normalize("（来源：安徽日报）原标题：六安审计通报 市审计局通报整改情况\n责任编辑：王五")
    )
    assert "安徽日报" not in words and "王五" not in words
    assert {"审计局", "通报", "整改"} <= set(words)


def test_fast_normalisation_is_the_definition() -> None:
    """normalize's fast path (width table, NFKC only when needed, zhconv only where it would
    change something) gives exactly NFKC → zhconv zh-cn → casefold."""
    import random

    from monitor.watchlist.normalize import normalize, normalize_slow

    samples = [
        "ＡＢＣ１２３，審計　局",  # full-width forms and a traditional character
        "市民回覆：答覆意見",  # phrases zhconv converts though each character is kept
        "什么问题都没有，老么在家",  # 么 inside 什么 stays; 老么 becomes 老幺
        "沈默的大多数",
        "Straße ﬁle ① ㍿",  # casefold and NFKC compatibility forms
        "关于市审计局拖欠薪资问题的回复。",
        "",
        "plain ASCII Text",
        "ｔｅｓｔ\u3000全角",
    ]
    rng = random.Random(7)
    alphabet = "审计局回覆答覆沈默老么什么著作著力審計關開，。：（）ＡＢａｂ１２ \u3000Ab"
    samples += [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))) for _ in range(500)
    ]
    for text in samples:
        assert normalize(text) == normalize_slow(text), text


def test_confidence_shortcut_is_the_cut() -> None:
    """A hit scored without cutting (no dictionary word crosses its ends) scores what jieba's
    cut of the window gives, on hits of real words inside real text."""
    import random

    from monitor.watchlist.matcher import build_matcher, confidence, confidence_by_cut
    from monitor.watchlist.terms import TermSpec

    text = (
        "市审计局对拖欠薪资问题开展专项审计，评审计划已公布。审计工作报告指出，部分单位"
        "欠薪严重；GDP增长ab12，审计署2026年审计结果公告。人民群众反映的问题都得到了回复。"
    )
    build_matcher([TermSpec(t, "warning", None, []) for t in ("审计", "欠薪", "审计局", "回复")])
    rng = random.Random(3)
    spans = [(i, j) for i in range(len(text)) for j in range(i + 1, min(len(text), i + 5))]
    for start, end in rng.sample(spans, 300) + [(1, 3), (0, 2), (len(text) - 2, len(text))]:
        assert confidence(text, start, end) == confidence_by_cut(text, start, end), (start, end)


def test_token_lengths_are_jiebas_cut() -> None:
    """The matcher's cut of a window is jieba's cut (HMM off), token for token."""
    import random

    from monitor.watchlist.matcher import _token_lengths, tokenizer

    text = (
        "市审计局对拖欠薪资问题开展专项审计，评审计划已公布。审计工作报告指出，部分单位"
        "欠薪严重；GDP增长ab12.5%，T恤 a-b c+d\r\n审计署2026年审计结果公告。人民群众反映的"
        "问题都得到了回复。Hello World 中华人民共和国国务院办公厅"
    )
    rng = random.Random(5)
    for _ in range(400):
        start = rng.randrange(len(text))
        window = text[start : start + rng.randint(1, 30)]
        assert _token_lengths(window) == [len(t) for t in tokenizer().cut(window, HMM=False)]
