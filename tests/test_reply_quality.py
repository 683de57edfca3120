"""The reply checker (docs/reply-quality.md) on realistic replies: each reason on examples shaped like
the portals' own, each hard negative passing, the labelled set's figures, the office's own
wording from `[reply_quality]`, and `reply check FILE [--json]` (order, evidence, bad lines)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.replyquality.checker import check
from monitor.replyquality.reading import Entry, Phrases
from monitor.replyquality.verdict import describe_evidence

LABELLED = Path(__file__).parent / "fixtures" / "replies" / "labelled.jsonl"
OPEN = "您好！您的来信已收悉，现答复如下："
CLOSE = "感谢您对我市城市管理工作的关心和支持！"


def verdict(title: str, question: str, reply: str, phrases: Phrases | None = None):
    return check([Entry("x", question, reply, title)], phrases or Phrases())[0]


def reasons(v) -> set[str]:
    return {r.value for r in v.reasons}


# --- each reason --------------------------------------------------------------------------


def test_bare_referral_is_referral_only_with_the_phrase_as_evidence() -> None:
    v = verdict(
        "小区路灯不亮",
        "我们小区门口那段路的路灯坏了两周了。",
        "您好！您反映的问题已转交相关部门办理。",
    )
    assert v.perfunctory and reasons(v) == {"referral_only"}
    assert "转交相关部门办理" in v.evidence["referral_only"]["phrase"]
    assert v.score >= 0.5


def test_referral_naming_an_office_without_a_way_to_reach_it_is_still_referral_only() -> None:
    v = verdict(
        "物业乱收费",
        "物业费从每月1元涨到1.5元，没有开业主大会。",
        "您好，您反映的问题已转交区住建局办理。",
    )
    assert reasons(v) == {"referral_only"}


def test_twelve_three_four_five_bare_transfer() -> None:
    v = verdict("违规停车", "消防通道被私家车占用。", "来电人反映消防通道被占用。已转派区城管局。")
    assert reasons(v) == {"referral_only"}


@pytest.mark.parametrize(
    "reply",
    [
        "已收悉。",
        "正在研究中。",
        "我们会尽快处理。",
        "感谢您的建议，我们将认真研究。",
        "收到，已阅。",
    ],
)
def test_acknowledgement_only_is_too_short(reply: str) -> None:
    v = verdict("下水道堵塞", "小区下水道堵了一个星期，污水都冒出来了。", reply)
    assert reasons(v) == {"too_short"}, reply


def test_a_promise_restating_the_question_is_no_substance() -> None:
    v = verdict(
        "校外培训机构",
        "有的培训机构违规收取一年的学费，家长很担心跑路。",
        "您好！您反映的问题我局高度重视，将进一步加强对校外培训机构的监管。感谢您的关注！",
    )
    assert reasons(v) == {"too_short"}


@pytest.mark.parametrize(
    "reply",
    [
        "请向相关部门咨询。",
        "该问题不属于我局职责范围，请向有关部门反映。",
        "建议您通过法律途径解决。",
        "此类纠纷属于民事纠纷，请自行协商解决。",
    ],
)
def test_sending_elsewhere_without_where_or_how_is_deflect(reply: str) -> None:
    v = verdict("购房合同纠纷", "开发商交房时面积少了5平方米，拒绝退差价。", reply)
    assert reasons(v) == {"deflect"}, reply
    assert v.evidence["deflect"]["phrase"]


def test_answering_another_matter_is_off_topic_with_the_untouched_terms() -> None:
    v = verdict(
        "诗词大会决赛评分不公",
        "第六届西夏区诗词大会决赛评分有黑幕，一等奖选手与评委有亲属关系，请查处。",
        "您好！经核查，您反映的银川某工程欠款问题，施工方已与项目部达成还款协议，约定于11月30日前支付剩余款项15万元。",
    )
    assert reasons(v) == {"off_topic"}
    missing = v.evidence["off_topic"]["missing_terms"]
    assert "诗词" in missing and "评委" in missing
    assert any("诗词" in line for line in describe_evidence(v))


def test_the_same_reply_to_different_questions_is_a_template_naming_the_others() -> None:
    pasted = "您好！您反映的问题我们已经收到，已安排工作人员进行核查，核查后会及时处理，感谢您对我们工作的支持！"
    entries = [
        Entry("a", "小区12号楼顶层住户在楼顶加盖房屋。", pasted, "楼顶违建"),
        Entry("b", "小区楼下饭店油烟直排，窗户都不敢开。", pasted, "饭店油烟"),
        Entry(
            "c",
            "地铁口共享单车堆成山，行人没法走。",
            pasted.replace("您好！", "王先生您好！"),
            "共享单车乱停",
        ),
    ]
    verdicts = check(entries)
    assert all("template" in reasons(v) for v in verdicts)
    assert verdicts[0].evidence["template"]["same_reply_as"] == ["b", "c"]
    assert "与 b、c 的回复相同" in describe_evidence(verdicts[0])[0]


# --- hard negatives ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "title, question, reply",
    [
        ("XX路路灯", "XX路路灯坏了好几天了。", "XX路路灯已于11月20日修复。"),
        ("马路上的坑", "解放南路公交站前有个大坑。", "已于11月26日填补完毕。"),
        (
            "商家虚假宣传",
            "健身房办卡时承诺可随时退卡，现在却拒绝退费。",
            "您好！您反映的问题已转交市市场监管局城南分局办理，该局将于5个工作日内与您联系核实，联系电话：0564-3925612。",
        ),
        (
            "社保卡丢了怎么补办",
            "社保卡丢了，想问一下去哪里补办，要带什么？",
            "您好！社保卡补办请携带本人身份证到市人社局社保卡服务窗口（梅山南路88号）办理，咨询电话12333。",
        ),
        (
            "佛子岭路改造",
            "佛子岭路坑洼不平好几年了，什么时候改造？",
            "您好！佛子岭路改造已列入2027年市级重点工程计划，目前正在进行施工图设计，预计2027年3月开工，工期约6个月。",
        ),
        (
            "公园旁空地改停车场",
            "人民公园东侧有块空地长满杂草，为什么不改成停车场？",
            "经查，该地块在控制性详细规划中为公园绿地，根据《中华人民共和国城乡规划法》第三十五条，不得擅自改变用途，因此不能改建停车场。",
        ),
        (
            "退休人员医保待遇",
            "退休后医保还要交钱吗？",
            "按照《六安市职工基本医疗保险实施办法》规定，退休时职工医保累计缴费年限男满25年、女满20年的，退休后不再缴纳基本医疗保险费。",
        ),
        (
            "菜场噪音",
            "早上四点菜场就开始卸货，噪音吵得人睡不着。",
            "您好！属地街道已于11月25日约谈菜市场管理方，要求将卸货时间调整至6:00以后，并在卸货区铺设减震胶垫。",
        ),
    ],
)
def test_concrete_replies_pass(title: str, question: str, reply: str) -> None:
    v = verdict(title, question, reply)
    assert not v.perfunctory, (reply, v.as_dict())
    assert v.score < 0.5


def test_two_citizens_asking_the_same_thing_may_get_the_same_answer() -> None:
    answer = "您好！皖西大道（梅山路至佛子岭路段）改造工程计划于2026年12月20日完成沥青面层施工，12月底前恢复双向通行。"
    entries = [
        Entry(
            "a",
            "皖西大道从梅山路到佛子岭路段修了大半年了，什么时候能完工？",
            answer,
            "皖西大道修路什么时候结束",
        ),
        Entry(
            "b",
            "请问皖西大道梅山路口那段路改造进度怎样了？年底能通车吗？",
            answer,
            "皖西大道修路进度",
        ),
    ]
    assert [v.perfunctory for v in check(entries)] == [False, False]


def test_the_same_opening_and_closing_around_different_answers_is_no_template() -> None:
    bodies = [
        (
            "井盖缺失",
            "长安路有个井盖没了。",
            "经核查，该井盖属于市政雨水井，市政设施维护中心已于11月24日更换防盗井盖。",
        ),
        (
            "广告牌松动",
            "人民路饭店门头广告牌摇摇晃晃。",
            "我局已于11月23日责令该饭店拆除存在安全隐患的门头广告牌。",
        ),
        (
            "人行道被占用",
            "菜市场门口人行道被摊贩占满。",
            "执法中队于11月21日对菜市场周边占道经营进行集中整治，劝离流动摊贩23处。",
        ),
        (
            "路灯不亮",
            "幸福路东段路灯不亮。",
            "市路灯管理处已于11月20日更换受损电缆60米，幸福路6盏路灯已恢复照明。",
        ),
    ]
    entries = [Entry(str(i), q, OPEN + body + CLOSE, t) for i, (t, q, body) in enumerate(bodies)]
    assert [v.perfunctory for v in check(entries)] == [False] * 4


def test_replies_that_differ_only_in_a_date_are_two_answers() -> None:
    entries = [
        Entry("a", "幸福路路灯不亮。", OPEN + "该路段路灯已于11月20日修复。" + CLOSE, "路灯"),
        Entry("b", "长江路井盖缺失。", OPEN + "该路段路灯已于11月21日修复。" + CLOSE, "井盖"),
    ]
    assert not any("template" in reasons(v) for v in check(entries))


# --- the office's own wording -------------------------------------------------------------


def test_the_offices_referral_wording_is_read_from_the_config_phrases() -> None:
    reply = "您好！您的诉求已按程序交办，请耐心等待。"
    question = "单位拖欠社保费两年了，请帮忙查处。"
    plain = verdict("拖欠社保", question, reply)
    own = verdict("拖欠社保", question, reply, Phrases(referral=("按程序交办",)))
    assert "referral_only" not in reasons(plain)
    assert reasons(own) == {"referral_only"}
    assert own.evidence["referral_only"]["phrase"] == "按程序交办"


# --- the labelled set -------------------------------------------------------------------------


def test_labelled_set_meets_the_goal_on_each_split() -> None:
    rows = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 150
    for split in ("dev", "test"):
        part = [r for r in rows if r["split"] == split]
        verdicts = check(
            [Entry(r["id"], r["question"], r["reply"], r.get("question_title")) for r in part]
        )
        got = {v.id: v.perfunctory for v in verdicts}
        tp = sum(1 for r in part if r["perfunctory"] and got[r["id"]])
        fp = sum(1 for r in part if not r["perfunctory"] and got[r["id"]])
        fn = sum(1 for r in part if r["perfunctory"] and not got[r["id"]])
        assert tp / (tp + fp) >= 0.9 and tp / (tp + fn) >= 0.8, (split, tp, fp, fn)


# --- reply check --------------------------------------------------------------------------------


def _lines(tmp_path: Path, rows: list[object]) -> Path:
    path = tmp_path / "replies.jsonl"
    path.write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows)
        + "\n",
        encoding="utf-8",
    )
    return path


def test_reply_check_json_in_input_order(tmp_path: Path) -> None:
    pasted = "您好，您的建议很有价值，我们将在今后工作中认真研究，统筹考虑。感谢您的关心！"
    path = _lines(
        tmp_path,
        [
            {"id": "z9", "question": "城北没有体育场地，建议建一个体育公园。", "reply": pasted},
            {
                "id": 7,
                "question": "XX路路灯坏了。",
                "reply": "XX路路灯已于11月20日修复。",
                "question_title": "路灯",
            },
            {
                "id": "a1",
                "question": "新区没有菜市场，买菜要跑很远。",
                "reply": pasted,
                "department": "市商务局",
            },
        ],
    )
    result = CliRunner().invoke(
        main, ["reply", "check", str(path), "--json"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert [d["id"] for d in out] == ["z9", 7, "a1"]
    assert [d["perfunctory"] for d in out] == [True, False, True]
    assert set(out[0]["reasons"]) == {"template", "too_short"}
    assert out[0]["evidence"]["template"]["same_reply_as"] == ["a1"]
    assert all(set(d) >= {"id", "perfunctory", "reasons", "score", "evidence"} for d in out)
    assert all(0 <= d["score"] <= 1 for d in out)


def test_reply_check_prints_chinese_without_json(tmp_path: Path) -> None:
    path = _lines(
        tmp_path, [{"id": "1", "question": "路灯坏了。", "reply": "已转有关单位处理，请耐心等待。"}]
    )
    result = CliRunner().invoke(main, ["reply", "check", str(path)], catch_exceptions=False)
    assert result.exit_code == 0
    assert "疑似敷衍" in result.output and "仅转办" in result.output
    assert "共 1 条回复，疑似敷衍 1 条。" in result.output


@pytest.mark.parametrize(
    "bad, says",
    [
        ('{"id": "2", "question": "q"', "不是有效的 JSON"),
        ('{"id": "2", "question": "q"}', "缺少 'reply'"),
        ('["id", "question", "reply"]', "应为 JSON 对象"),
        ('{"id": "2", "question": "q", "reply": 5}', "'reply' 应为字符串"),
        ('{"id": "1", "question": "q", "reply": "r"}', "与第 1 行重复"),
    ],
)
def test_reply_check_bad_line_exits_2_naming_it_and_prints_nothing(
    tmp_path: Path, bad: str, says: str
) -> None:
    good = {"id": "1", "question": "路灯坏了。", "reply": "已修复。"}
    path = _lines(tmp_path, [good, "", bad, good | {"id": "3"}])
    result = CliRunner().invoke(main, ["reply", "check", str(path), "--json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "第 3 行" in result.stderr and says in result.stderr and "Traceback" not in result.stderr


def test_reply_check_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["reply", "check", str(tmp_path / "no.jsonl")])
    assert result.exit_code == 2 and "文件不存在" in result.stderr
