"""The question's key terms and whether a reply touches them (for `off_topic`).

Key terms are the nouns, place and organisation names, and noun-like verbs (施工, 拖欠) of
the question's title and text, cut by jieba with part-of-speech tags over the watchlist's
normal form (`monitor.watchlist.normalize`: 審計 and 审计 are one word), without the words
every message has (问题, 部门, 领导, 希望 …). A reply touches a term when it contains the term,
or, for a longer term, a two-character part of it that is not itself a common word (路灯 of
老旧路灯; 三里桥 of 三里桥社区), since replies name things more briefly than citizens do."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

_NOUNISH = {
    "n",
    "nr",
    "nrt",
    "nrfg",
    "ns",
    "nt",
    "nz",
    "nl",
    "ng",
    "vn",
    "an",
    "eng",
    "j",
    "l",
    "i",
    "s",
    "nw",
}
_WEIGHT = {
    "ns": 1.5,
    "nt": 1.5,
    "nz": 1.2,
    "nr": 0.6,
    "nrt": 0.6,
    "nrfg": 0.6,
    "vn": 0.7,
    "l": 0.5,
    "i": 0.8,
    "s": 0.5,
}
_VERBS = {"v"}  # verbs count only when long or domain words (拖欠, 施工): see _KEEP_VERB
_KEEP_VERB = re.compile(
    r"^(拖欠|施工|扰民|占用|违建|违章|排放|污染|收费|乱收费|停水|停电|漏水|堵塞|积水|噪音|维修|拆迁|征收|补偿|报销|缴纳|退费|退款|欠薪|欠款|改造|绿化|消防|招聘|录取|入学|转学|落户|办理|审批|审计|公示|公开)$"
)

# words nearly every message or reply has: they say nothing about the subject
STOP = set(
    """
问题 情况 部门 相关部门 有关部门 单位 领导 政府 市民 群众 百姓 老百姓 网友 我们 大家 时间 时候 工作 事情 原因 希望 请问
谢谢 您好 你好 建议 意见 反映 投诉 咨询 举报 回复 答复 处理 解决 市长 书记 县长 区长 地方 方面 东西 现在 目前 今年 去年
一下 本人 我家 家里 人员 相关 有关 方式 办法 规定 政策 情形 事项 诉求 留言 来信 信箱 平台 网站 热线 电话 关注 支持 理解
帮助 帮忙 麻烦 感谢 尊敬 领导同志 同志 先生 女士 各位 一直 很多 什么 怎么 为什么 如何 是否 能否 可以 能不能 多少 哪里
这个 那个 这些 那些 这样 那样 其他 其它 以上 以下 上述 影响 要求 情况下 期间 过程 结果 记者 部分 个人 本市 我市 全市
市里 区里 县里 当地 这里 那里 附近 周边 周围 一些 有些 严重 经常 长期 多次 每天 天天 晚上 白天 早上 今天 昨天 明天 日子
未果 无果 生活 出行 安全 方便 不便 困难 麻烦 谢谢您 回应 核实 调查 检查 落实 重视 督促 关心 社会 国家 人民 老人 居民 业主 住户
""".split()
)
# nouns that name a kind of place or thing rather than this message's subject: they count
# for a little (道路 in 农村道路硬化; a reply about 道路路灯 has not answered it)
GENERIC = set(
    """
小区 街道 社区 公司 中心 学校 医院 道路 工程 项目 建设 管理 服务 市区 城区 农村 城市 地区 区域 家庭 单位 企业 工作人员
设施 环境 标准 费用 部分 质量 现场 路段 马路 路上 马路上 群体 系统 资金 条件 规划 安排 发展 维修 处理 监管 执法 检查
整改 施工 改造
""".split()
)
GENERIC_WEIGHT = 0.3
# two-character parts that match too much to count as touching a longer term
_COMMON_PARTS = STOP | GENERIC | set("部门 单位 问题 情况".split())

_lock = threading.Lock()
_pos: Any = None


def _tagger() -> Any:
    """jieba's part-of-speech tagger on the watchlist's own tokenizer (one per process)."""
    global _pos
    if _pos is None:
        with _lock:
            if _pos is None:
                import jieba.posseg

                from monitor.watchlist.matcher import tokenizer

                _pos = jieba.posseg.POSTokenizer(tokenizer())
    return _pos


# one-character nouns too common to name a subject (a title's 狗 or 树 does)
_SINGLE_STOP = set("人事家钱地天年月日时里门路水电房车话号")


@lru_cache(maxsize=4096)
def _cut(text: str, hmm: bool = False) -> tuple[tuple[str, str], ...]:
    """(word, part of speech) of a text, cached: a question is read once per corpus. jieba's
    HMM finds words its dictionary lacks (泥巴路, 龙河) and costs most of the time: questions
    get it, replies (only asked whether they name anything) do not."""
    return tuple((p.word, p.flag) for p in _tagger().cut(text, HMM=hmm))


def key_terms(
    question: str, limit: int = 12, title: str = "", hmm: bool = False
) -> list[tuple[str, float]]:
    """(term, weight) of a normalised question, heaviest first: nouns, names and domain verbs,
    weighted by kind and by how often the question uses them; a term inside a longer kept term
    (路灯 in 路灯杆) counts for the longer one."""
    weights: dict[str, float] = {}
    for word, flag in _cut(question, hmm):
        if len(word) < 2 or word in STOP or not re.search(r"[\u4e00-\u9fff]", word):
            if not (flag == "eng" and len(word) >= 3):
                continue
        if re.fullmatch(r"[\d.]+", word):
            continue
        if flag in _NOUNISH or (flag in _VERBS and _KEEP_VERB.match(word)):
            weight = _WEIGHT.get(flag, 1.0) * (GENERIC_WEIGHT if word in GENERIC else 1.0)
            weights[word] = weights.get(word, 0.0) + weight
    # a title is the citizen's own summary: its one-character nouns (狗咬人, 树倒了) count
    for word, flag in _cut(title, False) if title else ():
        if len(word) == 1 and flag == "n" and word not in _SINGLE_STOP:
            weights[word] = weights.get(word, 0.0) + 0.5
    terms = sorted(weights.items(), key=lambda kv: (-kv[1], -len(kv[0]), kv[0]))
    kept: list[tuple[str, float]] = []
    for term, weight in terms:
        if any(term in longer and term != longer for longer, _ in kept):
            continue
        kept.append((term, weight))
    return kept[:limit]


def touches(term: str, reply: str) -> bool:
    """Whether the normalised reply names the term, whole, by a telling part of it, or with a
    character between (菜场 in 菜市场)."""
    if term in reply:
        return True
    if len(term) == 2 and re.search(re.escape(term[0]) + r"\w" + re.escape(term[1]), reply):
        return True
    if len(term) >= 3:
        for i in range(len(term) - 1):
            part = term[i : i + 2]
            if part not in _COMMON_PARTS and part in reply:
                return True
    return False


def words(text: str) -> set[str]:
    """Every word of two or more characters in the text (any part of speech) that is not a
    stop word or a generic one: what a reply shares with its question when it is on topic
    (卸货, 供暖), even where the key terms are phrased differently."""
    out = set()
    for word, flag in _cut(text, False):
        if len(word) >= 2 and re.search(r"[\u4e00-\u9fff]", word):
            if word not in STOP and word not in _COMMON_PARTS and flag not in _FUNCTION:
                out.add(word)
    return out


_FUNCTION = {
    "d",
    "p",
    "c",
    "u",
    "uj",
    "ul",
    "uz",
    "ud",
    "ug",
    "uv",
    "r",
    "m",
    "q",
    "t",
    "f",
    "y",
    "e",
    "o",
    "x",
    "zg",
}


# character pairs every text has: not evidence that a reply speaks of the question's matter
_STOP_PAIRS = set(
    """
您好 问题 反映 部门 相关 有关 情况 我们 工作 处理 已经 进行 希望 请问 小区 没有 现在 一个 时间 这个 什么 可以 如何 谢谢
感谢 支持 关注 回复 答复 核查 核实 经核 落实 解决 需要 要求 目前 今年 明年 去年 每天 一直 非常 领导 政府 市民 群众 居民
单位 人员 工作人员 办理 咨询 建议 意见 规定 按照 根据 有限 公司 不是 就是 还是 但是 因为 所以 如果 已于 日前 月底 年底
""".split()
)


def shared_pairs(question: str, reply: str) -> set[str]:
    """Two-character pieces of the question's words that the reply also has (牵绳 of 不牵绳),
    common pairs aside."""
    out = set()
    for word in re.findall(r"[\u4e00-\u9fff]{2,}", question):
        for i in range(len(word) - 1):
            pair = word[i : i + 2]
            if pair not in _STOP_PAIRS and pair not in _COMMON_PARTS and pair in reply:
                out.add(pair)
    return out


def coverage(terms: list[tuple[str, float]], reply: str) -> tuple[float, list[str]]:
    """The weighted share of the terms the reply touches, and the terms it never touches
    (generic terms weigh little: see GENERIC)."""
    total = sum(w for _, w in terms)
    if not total:
        return 1.0, []
    missed = [t for t, _ in terms if not touches(t, reply)]
    touched = sum(w for t, w in terms if t not in missed)
    return touched / total, missed


_SUBJECT = {"n", "ns", "nt", "nz", "nl", "ng", "nw", "j"}  # j: abbreviations (医保, 城管)
# heads too common to relate two words (管理/处理, 停车/公交车, 梅山路/道路, 缴费/药费 are not
# one matter)
_COMMON_HEADS = set("人事家地天年月日时里门上下中大小市区县局部处所员工作理管化性业务位题况车路费")


def subject_nouns(text: str) -> list[str]:
    """The nouns a normalised reply names things by (站牌, 水质, 绿化带), stop and generic words
    aside: an elliptical reply (已于3月5日修复，请您复查) has none."""
    return [
        w
        for w, flag in _cut(text, False)
        if flag in _SUBJECT
        and len(w) >= 2
        and re.search(r"[\u4e00-\u9fff]", w)
        and w not in STOP
        and w not in GENERIC
    ]


def related(terms: list[tuple[str, float]], words: Iterable[str]) -> bool:
    """Whether a word of the reply has the same head as one of the question's terms: the last
    character of a Chinese compound names the kind of thing (供水 and 停水 are both about 水,
    供电 and 停电 about 电, 站牌 and 路牌 both 牌), so a short reply naming the question's matter
    in its own words is seen, while sharing another character (驾校 / 驾驶证, 补课 / 课后服务)
    is not enough."""
    heads = {t[-1] for t, _ in terms if len(t) >= 2 and t[-1] not in _COMMON_HEADS}
    return any(len(w) >= 2 and w[-1] in heads for w in words)
