"""The vocabulary of the 政府信息公开工作年度报告 (国办公开办函〔2021〕30号), defined once: who
applied (the columns of table 三), the numbered reason of each outcome (its rows), and the kinds
and results of 行政复议 / 行政诉讼 (table 四). The register validates against these lists and
the annual report lays its tables out from them, word for word as the national format."""

from __future__ import annotations

from monitor.disclosure.deadlines import OUTCOMES

# table 三's columns: 自然人, then 法人或其他组织 in five kinds (总计 is added by the report)
NATURAL_PERSON = "自然人"
ORGANISATIONS = ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")
APPLICANT_TYPES = (NATURAL_PERSON, *ORGANISATIONS)
DEFAULT_APPLICANT_TYPE = NATURAL_PERSON

# the outcomes whose table-三 row is divided into numbered reasons, in the format's order
REASONS: dict[str, tuple[str, ...]] = {
    "不予公开": (
        "属于国家秘密",
        "其他法律行政法规禁止公开",
        "危及“三安全一稳定”",
        "保护第三方合法权益",
        "属于三类内部事务信息",
        "属于四类过程性信息",
        "属于行政执法案卷",
        "属于行政查询事项",
    ),
    "无法提供": (
        "本机关不掌握相关政府信息",
        "没有现成信息需要另行制作",
        "补正后申请内容仍不明确",
    ),
    "不予处理": (
        "信访举报投诉类申请",
        "重复申请",
        "要求提供公开出版物",
        "无正当理由大量反复申请",
        "要求行政机关确认或重新出具已获取信息",
    ),
    "其他处理": (
        "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "其他",
    ),
}
# a request sent back for 补正 whose applicant did not correct in time (art. 30)
LAPSED_CORRECTION = REASONS["其他处理"][0]
# the outcomes counted in one row each, with no reason
PLAIN_OUTCOMES = tuple(o for o in OUTCOMES if o not in REASONS)

# table 三's result groups as the format numbers them: （一）予以公开 … （六）其他处理
GROUP_NUMBERS = dict(
    zip(OUTCOMES, ("（一）", "（二）", "（三）", "（四）", "（五）", "（六）"), strict=True)
)
PARTIAL_NOTE = "（区分处理的，只计这一情形，不计其他情形）"  # the format's words after 部分公开

# 行政复议 / 行政诉讼 (table 四): `disclosure review ID --kind K --result R`
REVIEW_KINDS = ("复议", "诉讼", "复议后诉讼")
REVIEW_CASES = {  # kind → table 四's case (its JSON key)
    "复议": "行政复议",
    "诉讼": "行政诉讼 未经复议直接起诉",
    "复议后诉讼": "行政诉讼 复议后起诉",
}
REVIEW_KIND_ZH = {
    "复议": "行政复议",
    "诉讼": "行政诉讼（未经复议直接起诉）",
    "复议后诉讼": "行政诉讼（复议后起诉）",
}
REVIEW_RESULTS = ("维持", "纠正", "其他", "未审结")
RESULT_COLUMNS = {  # result → table 四's column
    "维持": "结果维持",
    "纠正": "结果纠正",
    "其他": "其他结果",
    "未审结": "尚未审结",
}


def reasons_for(outcome: str) -> tuple[str, ...]:
    """The numbered reasons of an outcome (empty for 予以公开 and 部分公开)."""
    return REASONS.get(outcome, ())


def row_label(outcome: str, reason: str | None = None) -> str:
    """Table 三's row key: `（一）予以公开`, `（三）不予公开 1.属于国家秘密`."""
    group = GROUP_NUMBERS[outcome] + outcome
    if outcome == "部分公开":
        return group + PARTIAL_NOTE
    if reason is None:
        return group
    return f"{group} {reasons_for(outcome).index(reason) + 1}.{reason}"
