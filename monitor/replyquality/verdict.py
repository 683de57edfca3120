"""The verdict on one reply: the reasons that hold (docs/reply-quality.md), the evidence a clerk can
check, and a score in 0..1 (higher = more perfunctory; 0.5 and above exactly when a reason
holds).

- `template`: the same reply (core) answers other questions that differ (corpus.same_reply);
- `referral_only`: says the matter was passed on, and gives no result (an action taken, an
  amount, a legal basis, an explanation of the facts), no time, and not a named office together
  with a way to reach it;
- `deflect`: sends the citizen elsewhere without saying where (a named office, a hotline) and
  how (a phone number, an address, a link, what to bring), and without answering otherwise;
- `too_short`: acknowledgement or a promise (已收悉, 高度重视, 正在研究, 将认真研究) with no
  concrete fact, action, date, amount or basis, and almost nothing else said;
- `off_topic`: the reply says something, but touches none of the question's key terms
  (evidence: those terms).
A short reply that states a concrete fact, action, date or basis is not perfunctory."""

from __future__ import annotations

import re
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from monitor.replyquality import signals as sig
from monitor.replyquality.corpus import Corpus, Match
from monitor.replyquality.reading import Reading
from monitor.replyquality.reasons import Reason
from monitor.replyquality.terms import related

# each reason's weight in the score (a reason alone scores at least 0.5 + weight / 2)
_WEIGHT = {
    Reason.TEMPLATE: 0.9,
    Reason.REFERRAL_ONLY: 0.85,
    Reason.DEFLECT: 0.8,
    Reason.TOO_SHORT: 0.8,
    Reason.OFF_TOPIC: 0.7,
}
MIN_CONTENT = 15  # letters a reply says beyond fixed phrases and acknowledgement, to be more
# than an acknowledgement
SHORT_CONTENT = 3 * MIN_CONTENT  # letters of content up to which a concrete reply is short
OFF_TOPIC_MIN_TERMS = 2  # a question with fewer key terms cannot be judged off topic
OFF_TOPIC_COVERAGE = 0.2  # below this weighted share of the question's terms touched
OFF_TOPIC_PAIRS = 1  # and fewer of the question's character pairs than this in the reply
_HOW = re.compile(
    r"携带|提交|材料|申请表|预约|登录|进入|点击|下载|扫码|流程|起诉|仲裁|复议|窗口|受理|填写|网上办理|在线办理"
)


@dataclass
class Verdict:
    id: Hashable
    perfunctory: bool
    reasons: list[Reason]
    score: float
    evidence: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "perfunctory": self.perfunctory,
            "reasons": [r.value for r in self.reasons],
            "score": self.score,
            "evidence": self.evidence,
        }

    def summary(self) -> dict[str, Any]:
        """What `items --json` carries: perfunctory, reasons, score."""
        return {
            "perfunctory": self.perfunctory,
            "reasons": [r.value for r in self.reasons],
            "score": self.score,
        }


def judge(reading: Reading, corpus: Corpus) -> Verdict:
    s = reading.signals
    content = reading.content_length
    substance = s.result or (bool(s.explanations) and content >= MIN_CONTENT)
    reasons: list[Reason] = []
    evidence: dict[str, Any] = {}

    matches: list[Match] = corpus.same_reply(reading)
    if matches:
        reasons.append(Reason.TEMPLATE)
        evidence["template"] = {
            "same_reply_as": [m.id for m in matches],
            "similarity": max(m.similarity for m in matches),
        }

    # the office the matter went to, named, and a way to reach it: a general hotline is
    # neither (已转交有关部门，如有疑问请拨打12345 still says only "passed on")
    receivers = [o for o in s.offices if o != sig.HOTLINE]
    named_and_reachable = bool(receivers) and s.contact
    if reading.referral and not substance and not s.dates and not named_and_reachable:
        reasons.append(Reason.REFERRAL_ONLY)
        evidence["referral_only"] = {"phrase": reading.referral, "offices": s.offices}

    how = s.contact or bool(_HOW.search(reading.reply))
    # 请通过“皖事通”缴纳 names where and how at once: an instruction, not sending elsewhere
    channel = bool(sig.CHANNEL.search(reading.reply))
    if (
        reading.deflect
        and Reason.REFERRAL_ONLY not in reasons
        and not (s.offices and how)
        and not channel
        and not (s.phones or s.legal or s.actions or s.amounts)
        and not (bool(s.explanations) and content >= 2 * MIN_CONTENT)
    ):
        reasons.append(Reason.DEFLECT)
        evidence["deflect"] = {"phrase": reading.deflect, "offices": s.offices}

    if (
        not ({Reason.REFERRAL_ONLY, Reason.DEFLECT} & set(reasons))
        and not s.concrete
        and not reading.referral
        and content < MIN_CONTENT
        and not (s.explanations and content >= MIN_CONTENT // 2)
    ):
        reasons.append(Reason.TOO_SHORT)
        evidence["too_short"] = {"body": reading.body, "content_letters": content}

    enough_terms = len(reading.terms) >= OFF_TOPIC_MIN_TERMS
    says_something = content >= MIN_CONTENT or s.concrete
    # a short reply stating a fact, action, date or basis is not perfunctory (DESIGN §14): it
    # answers the question it is under unless it names another matter of its own (已于3月5日
    # 修复 names nothing; 已恢复供水 says 供水, of the question's 停水; 已完成绿化带修剪 under
    # a question on 路灯 names another matter)
    short_and_concrete = s.concrete and content <= SHORT_CONTENT
    own_matter = bool(reading.subjects) and not related(reading.terms, reading.vocabulary)
    if (
        enough_terms
        and says_something
        and reading.coverage < OFF_TOPIC_COVERAGE
        and not reading.shared
        and len(reading.pairs) < OFF_TOPIC_PAIRS
        and not reading.quoted
        and reading.own_terms
        and not (short_and_concrete and not own_matter)
        and not ({Reason.REFERRAL_ONLY, Reason.TOO_SHORT, Reason.DEFLECT} & set(reasons))
        # a reply that passes the matter on or points elsewhere answers no other matter
        and not (reading.referral or (reading.deflect and not channel))
    ):
        reasons.append(Reason.OFF_TOPIC)
        evidence["off_topic"] = {
            "missing_terms": reading.missed[:8],
            "question_terms": [t for t, _ in reading.terms],
        }

    score = _score(reasons, reading, content)
    return Verdict(reading.entry.id, bool(reasons), reasons, score, evidence)


def _score(reasons: list[Reason], reading: Reading, content: int) -> float:
    if reasons:
        keep = 1.0
        for r in reasons:
            keep *= 1 - _WEIGHT[r]
        return round(0.5 + 0.5 * (1 - keep), 3)
    # no reason: how close it came (a referral with an office but no contact, little said,
    # few of the question's terms touched), below 0.5
    s = reading.signals
    concern = 0.0
    if reading.referral:
        concern += 0.3
    if reading.deflect:
        concern += 0.2
    if not s.concrete:
        concern += 0.25
    if content < 2 * MIN_CONTENT:
        concern += 0.15
    concern += 0.3 * (1 - reading.coverage)
    return round(min(0.49, 0.49 * concern), 3)


def describe_evidence(verdict: Verdict, names: dict[Any, str] | None = None) -> list[str]:
    """The evidence as Chinese lines a clerk can check, one per reason. `names` gives how
    to call another message (its title); by default its id."""
    out = []
    ev = verdict.evidence
    for reason in verdict.reasons:
        data = ev.get(reason.value) or {}
        if reason is Reason.TEMPLATE:
            others = [(names or {}).get(i) or str(i) for i in data.get("same_reply_as", [])]
            out.append(f"与 {'、'.join(others)} 的回复相同，而问题不同")
        elif reason is Reason.OFF_TOPIC:
            out.append(f"未涉及来信的关键词：{'、'.join(data.get('missing_terms', []))}")
        elif reason is Reason.REFERRAL_ONLY:
            out.append(f"只说“{data.get('phrase', '')}”，没有办理结果、承办单位联系方式或时限")
        elif reason is Reason.DEFLECT:
            out.append(f"只说“{data.get('phrase', '')}”，没有说明具体到哪里、怎么办")
        elif reason is Reason.TOO_SHORT:
            body = data.get("body") or "（只有客套话）"
            out.append(f"只有表态，没有具体事实、措施、时间或依据：{_cut(body)}")
    return out


def _cut(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
