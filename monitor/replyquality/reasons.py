"""The reply checker's vocabulary (docs/reply-quality.md), pure and in the core: why a reply is
perfunctory (`Reason`: the code stored and shown in JSON, the Chinese label people read) and
an editor's mark on a flag. Defined once here for the checker, the dashboard, the report and
the daily summary (alerts), which may not import the checker itself (tracking)."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """Why a reply is perfunctory: the code (JSON) and its Chinese label (people)."""

    label: str

    def __new__(cls, code: str, label: str) -> Reason:
        member = str.__new__(cls, code)
        member._value_ = code
        member.label = label
        return member

    TEMPLATE = ("template", "套话模板")
    REFERRAL_ONLY = ("referral_only", "仅转办")
    OFF_TOPIC = ("off_topic", "答非所问")
    TOO_SHORT = ("too_short", "过于简短")
    DEFLECT = ("deflect", "推诿")


REASON_ZH = {r.value: r.label for r in Reason}


def reasons_of(codes: list[str]) -> list[Reason]:
    """The reasons of stored codes (a code this version does not know is left out)."""
    known = {r.value: r for r in Reason}
    return [known[c] for c in codes if c in known]


def reason_labels(codes: list[str]) -> list[str]:
    """The Chinese labels of stored codes (an unknown code is shown as it is)."""
    return [REASON_ZH.get(c, c) for c in codes]


# an editor's call on a flag: 误报 takes it out of the alerts and the figures; 属实 confirms it
FALSE_POSITIVE, CONFIRMED = "false_positive", "confirmed"
MARK_ZH = {FALSE_POSITIVE: "误报", CONFIRMED: "属实"}
