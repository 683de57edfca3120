"""What a reply says, read with regular expressions over normalised text (pure; no jieba).

`normalize` (NFKC, simplified characters, casefold) runs first, so full-width punctuation is
ASCII here: ，→ ,  ：→ :  ！→ !  （）→ ()  ；→ ; (。 、 《》 stay as they are).

A reply is cut into clauses (at 。!?;, : and line ends). Each clause is one of:
- `opening` / `closing`: the office's fixed phrases (您好, 来信收悉, 现答复如下, 感谢您的关注与
  支持, 特此回复 …: built in, plus `[reply_quality] boilerplate`), and a signature (an office
  name and/or a date standing alone at the end: 市住建局 2026年11月20日);
- `ack`: acknowledgement or a promise without substance (已收悉, 高度重视, 正在研究, 将认真
  研究, 将进一步加强…, 敬请谅解);
- `referral`: the matter was passed on (已转交, 转至, 移交, 交由…办理, plus the office's own
  wording in `[reply_quality] referral_phrases`);
- `deflect`: the citizen is sent elsewhere (请向…咨询, 建议通过法律途径, 请自行协商, 不属于
  我局职责范围);
- `content`: everything else.

Concrete signals are searched in the reply without its signature: a date or deadline, an
amount or a count with its unit, a phone number, an address or web link, a named office
(…局/委/办/科/中心/公司/街道/社区, not 相关部门), a legal basis (《…》, 第N条, 根据…规定), a
completed action (已修复, 已清理, 已督促, 已立案, 已退还 …), an explanation (经核查…, 由于…)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

# --- clauses ------------------------------------------------------------------------------------

_CLAUSE_END = re.compile(r"[。!?;,:\n\r]+|\.(?!\d)")
_SPACE = re.compile(r"\s+")


def clauses(text: str) -> list[str]:
    """Non-empty clauses of normalised text, stripped (brackets around a whole clause kept)."""
    parts = (_SPACE.sub("", p) for p in _CLAUSE_END.split(text))
    return [p for p in parts if p and re.search(r"\w", p)]


def key(clause: str) -> str:
    """A clause compared across replies: letters only, digits as 0 (一个 date is no difference)."""
    return re.sub(r"\d+", "0", re.sub(r"[\W_]+", "", clause))


# --- the office's fixed phrases --------------------------------------------------------------

_OPENING = [
    r"^(尊敬的)?[\w*×x]{0,12}(网友|市民|朋友|同志|先生|女士|来信人|留言人|反映人|诉求人|来电人|群众|用户|家长|同学|老师|师傅|您)(您)?好?$",
    r"^(尊敬的)?[\w*×x]{0,12}(网友|市民|朋友|同志|先生|女士|来信人|留言人|反映人|诉求人|来电人|群众|用户|家长|同学)$",
    r"^(您|你)好(呀)?$",
    r"^(尊敬的)?[\w*×x]{0,8}您好$",
    r"^(感谢|谢谢)(您)?(的)?(来信|留言|关注|反映|咨询|提问|建议|信任|对我们的信任)$",
    r"^(您|你)?(的|所)?(来信|留言|来电|诉求|咨询|建议|意见|信件|问题)(及|和)?[\w]{0,4}(已)?(收悉|收到|已收悉|已收到|我们已收到|已经收到)$",
    r"^(您|你)(所|在)?[\w]{0,16}(反映|提出|咨询|留言|来信|关注)[\w]{0,30}(已)?(收悉|收到)(了)?$",
    r"^(来信|留言|来电|信件|您的来信|您的留言)(已)?收悉$",
    r"^(现|现将)?[\w]{0,14}(答复|回复|回应|说明|反馈)如下$",
    r"^(经|接到|收到)[\w]{0,20}(后|以后)?[\w]{0,6}(高度重视|非常重视)[\w]{0,16}$",
    r"^(针对|对于|关于|就)?(您|你)(所|在)?(反映|提出|咨询|关心|留言)的?(问题|情况|事项|诉求)$",
    r"^(针对|对于|关于|就)(您|你)?[\w]{0,30}(反映|提出|咨询|留言|来信|关心|关注)的?[\w]{0,24}(问题|情况|事项|建议|诉求|意见)$",
]
_CLOSING = [
    r"^(再次)?(感谢|谢谢|非常感谢|衷心感谢)[\w]{0,30}(关心|关注|支持|理解|监督|信任|参与|来信|建议|配合|厚爱)[\w]{0,12}$",
    r"^(欢迎|希望|请)(您)?(继续|一如既往地?|多)?[\w]{0,12}(关注|监督|支持|提出|献计献策)[\w]{0,16}$",
    r"^(特此|专此)(答复|回复|函复|说明|告知)$",
    r"^(祝|顺祝|此致|敬礼|祝您)[\w]{0,12}$",
    r"^(谢谢|感谢|多谢)(您)?(的)?(理解|支持|配合)?(与|和)?(支持|理解|配合)?$",
    r"^(给您|给你|对您)?(带来|造成)[\w]{0,8}不便[\w]{0,10}$",
    r"^(敬请|请您|望)(谅解|理解|见谅|关注|期待)$",
    r"^(以上|上述)[\w]{0,10}(答复|回复|说明)[\w]{0,12}$",
    r"^(如|若)(您)?(对|对本|对此)?[\w]{0,8}(答复|回复|处理结果)(有|还有)?(疑问|异议|不满意)$",
]
_OPENING_RE = [re.compile(p) for p in _OPENING]
_CLOSING_RE = [re.compile(p) for p in _CLOSING]

# an office name and/or a date standing alone (a signature), or 【经办单位：…】
_DATE_ALONE = r"\d{4}年\d{1,2}月\d{1,2}日|\d{4}-\d{1,2}-\d{1,2}|\d{4}\.\d{1,2}\.\d{1,2}"
_SIGNATURE_TAG = re.compile(
    r"[【\[(]?\s*(经办单位|承办单位|办理单位|回复单位|答复单位|回复部门|答复部门)\w*[】\])]?"
)
# 【经办单位：盘龙城经济开发区】 as a whole, taken out before the reply is cut into clauses
SIGNATURE_TAG_TEXT = re.compile(
    r"[【\[(]\s*(经办单位|承办单位|办理单位|回复单位|答复单位|回复部门|答复部门)[^】\])]{0,40}[】\])]"
)


def is_signature(clause: str) -> bool:
    """A clause that only signs the reply: an office name, a date, or both."""
    if _SIGNATURE_TAG.fullmatch(clause) or re.fullmatch(_DATE_ALONE, clause):
        return True
    name = re.sub(rf"({_DATE_ALONE})$", "", clause)
    return len(name) <= 24 and is_office_name(name)


def is_opening(clause: str, extra: Iterable[str] = ()) -> bool:
    return any(p.search(clause) for p in _OPENING_RE) or _matches_phrase(clause, extra)


def is_closing(clause: str, extra: Iterable[str] = ()) -> bool:
    return any(p.search(clause) for p in _CLOSING_RE) or _matches_phrase(clause, extra)


def _matches_phrase(clause: str, phrases: Iterable[str]) -> bool:
    k = key(clause)
    return any(k and k == key(p) for p in phrases)


# --- acknowledgement, promises without substance ----------------------------------------------

_ACK = re.compile(
    r"(收悉|已收到|收到了|高度重视|非常重视|十分重视|正在(研究|调查|核实|处理|办理|协调|了解|跟进|论证|推进|规划)"
    r"|(将|会|要)[\w]{0,8}?(研究|处理|调查|核实|核查|办理|协调|落实|考虑|改进|跟进|关注|加强|完善|做好|推进|督促|要求|加大|"
    r"梳理|回复|答复|反馈|采纳|吸纳|参考|解决|整改|查处)"
    r"|予以(关注|考虑|采纳|研究|重视)|认真(研究|对待|考虑)|积极(协调|推进|研究)|请(您)?(耐心)?等待|耐心等待"
    r"|很有(价值|意义|建设性)|宝贵(的)?(意见|建议)|合理化建议|(建议|意见)(很好|非常好)|感谢|谢谢|敬请谅解|深表歉意|表示歉意"
    r"|尽快(处理|解决|回复|答复)|(已|正)?(记录|登记)(在案)?|列入(研究|考虑)|统筹考虑|综合考虑|研究(解决|处理)"
    r"|(进行|加以|作出|做出)(研究|处理|调查|核实|协调|了解)|调查了解|研究处理|积极协调"
    r"|依法依规(处理|办理|查处|处置)?|责成[\w]{0,10}(处理|办理|解决|整改)|已阅"
    r"|加强(管理|监管|巡查|监督|宣传|沟通|协调)|进一步(加强|完善|做好|规范|提升))"
)
_FILLER = re.compile(
    r"(我们|我局|我委|我办|我单位|本单位|我中心|我部门|相关部门|有关部门|相关单位|有关单位|职能部门|对此|此事|您的|您|的|问题|"
    r"情况|该|此|这个|此项|相关|有关|工作|建议|意见|诉求|事项|来信|留言|反映|已|并|也|都|均|将|会|对|及时|组织|人员|进行|"
    r"安排|今后|在|中|予以|给予|一定|认真|积极|尽快|按照|程序|规定|根据|实际|结合|具体|后续|下一步|知悉|了解|已经)"
)


# 套话: a stance or a slogan (始终坚持以人民为中心, 切实维护群众权益, 持续推进…改革, 推动政策
# 落地见效) says what the office always means to do, not what it did about this matter; a
# long reply made of these is as empty as 已收悉 (DESIGN §14 too_short: no substance)
_SLOGAN = re.compile(
    r"始终(坚持|把|高度|秉持|坚守)|坚持(以|把|不懈|不断)|以人民为中心|牢固树立|深入贯彻|认真贯彻|全面贯彻|"
    r"坚决(打好|打赢|打击|维护|落实|杜绝|遏制)|攻坚战|事关[\w]{0,10}(利益|福祉|大局|民生)|切身利益|"
    r"切实(维护|减轻|保障|加强|提高|提升|做好|解决|增强|履行|改善)|"
    r"(持续|不断|进一步|积极|大力)(推进|推动|加强|深化|优化|提升|提高|完善|加大|改善|强化|规范)|"
    r"加大[\w]{0,8}力度|严厉打击|"
    r"(促进|推动|确保|助力)[\w]{0,12}(发展|成长|落地见效|见效|落实|提升|稳定|和谐)|"
    r"维护[\w]{0,10}(权益|利益|秩序|稳定|和谐)|根本任务|高质量发展|全面发展|健康成长|满意度|获得感|幸福感|安全感"
)


def is_slogan(clause: str) -> bool:
    """A clause of 套话: a stance or slogan, with no concrete fact (a date, an amount, an action
    taken, a basis) and no office named in it."""
    return bool(_SLOGAN.search(clause)) and not has_concrete(clause) and not named_offices(clause)


def is_ack(clause: str, subject: tuple[str, ...] = ()) -> bool:
    """A clause that acknowledges or promises, without a fact: nothing left of it once its
    ack words, fillers and the question's own subject words (restating the question adds
    nothing) are taken out. A concrete fact (a date, an amount, an action taken) is never ack."""
    if not _ACK.search(clause) or has_concrete(clause):
        return False
    rest = _ACK.sub("", clause)
    for term in sorted(subject, key=len, reverse=True):
        rest = rest.replace(term, "")
    rest = _FILLER.sub("", rest)
    return len(rest) <= 4


# --- referral and deflection ------------------------------------------------------------------

_REFERRAL = re.compile(
    r"(已|现已|现|已经|我们已|已将|将|已被)?(转交|转至|转到|转给|转送|转办|转派|移交|移送|交由|转由|交办|批转|分转|转请|"
    r"转相关|转有关|派发|派至|转)[\w]{0,20}?(办理|处理|核实|调查|答复|回复|研处|落实|跟进|核查|研究|负责)"
    r"|(已|现已|已经)(转交|转至|转到|转给|转送|转办|转派|移交|移送)"
    r"|(已|现已|已经)?(反馈|上报|报送|呈报|推送|流转)(至|给|到)[\w]{0,12}(部门|单位|科室|局|委|办|中心|街道|社区)"
    r"|已将[\w]{0,12}?(转交|转至|转到|转给|转送|转办|转派|移交|移送|交由|交给|转)"
    r"|(交|转)(由)?(相关|有关|职能|主管|属地)(部门|单位)"
)
_DEFLECT = re.compile(
    r"(请|建议|可|可以|望|烦请|麻烦)(您)?(直接|自行|另行|及时)?(向|到|去|找|与|联系|咨询|通过|前往|拨打)[\w]{0,24}"
    r"(咨询|反映|投诉|联系|了解|办理|申请|举报|协商|解决|处理|查询|沟通|起诉|诉讼|仲裁)?"
    r"|(通过|走|依法|寻求)(法律|司法|合法|正当|正常|正规|相关|有关)?(途径|渠道|程序|方式)(解决|维权|处理|反映)?"
    r"|自行(协商|解决|处理|联系|沟通)"
    r"|不属于(我|本)?[\w]{0,6}(职责|职能|管辖|受理|业务|管理)(范围|范畴)?"
    r"|(非|不是)(我|本)[\w]{0,4}(职责|职能|管辖)"
    r"|(请|敬请)(您)?(关注|留意)[\w]{0,12}(通知|公告|发布|消息|信息|网站)"
)


def referral_phrase(text: str, extra: Iterable[str] = ()) -> str | None:
    """The words that say the matter was passed on, or None."""
    for phrase in extra:
        if phrase and phrase in text:
            return phrase
    found = _REFERRAL.search(text)
    return found.group(0) if found else None


def deflect_phrase(text: str, extra: Iterable[str] = ()) -> str | None:
    """The words that send the citizen elsewhere, or None."""
    for phrase in extra:
        if phrase and phrase in text:
            return phrase
    found = _DEFLECT.search(text)
    return found.group(0) if found else None


# --- concrete signals --------------------------------------------------------------------------

_CN_NUM = "一二两三四五六七八九十百千万零〇"
DATE = re.compile(
    rf"(\d{{1,4}}|[{_CN_NUM}]{{1,3}})月(\d{{1,2}}|[{_CN_NUM}]{{1,3}})(日|号)|\d{{4}}年(\d{{1,2}}月)?(底|初|上半年|下半年|前|内)?"
    rf"|\d{{4}}-\d{{1,2}}-\d{{1,2}}|(本|下|这)(周|月)[一二三四五六日天]?(底|内|前)?|(年底|月底|年内|月内|春节|国庆|元旦)前"
    rf"|(\d+|[{_CN_NUM}]+)(个)?(工作日|自然日|日|天|周|个月|小时)(内|之内|以内|后|前)|(上|下)半年|第[一二三四{_CN_NUM}\d]季度"
    rf"|(今|明|去|后)年(\d{{1,2}}月|底|初|内|上半年|下半年)|\d{{1,2}}(:|点|时)\d{{0,2}}"
)
_UNIT = (
    r"(万元|亿元|元|角|平方米|平米|㎡|米|公里|千米|吨|户|人次|人|名|盏|个|处|台|辆|套|间|所|项|件|次|条|座|棵|株|亩|%|"
    r"万|箱|份|批|趟|班次|分钟|岁|周岁|级|层|栋|幢|号楼|个月|年)"
)
AMOUNT = re.compile(rf"\d+(\.\d+)?\s*{_UNIT}|[{_CN_NUM}]{{1,4}}{_UNIT}(?=[\w])")
PHONE = re.compile(
    r"(?<!\d)(0\d{2,3}-?\d{7,8}|1[3-9]\d{9}|\d{7,8}|123\d{2}|96\d{3,4}|400-?\d{3}-?\d{4})(?!\d)"
)
ADDRESS = re.compile(
    r"(地址|网址|网站|http|www\.|\.cn|\.com|app|小程序|公众号|窗口|服务大厅|政务服务中心|大厅|"
    r"[\w]{1,12}(路|街|大道|巷)\d+号|\d+号|\d+(楼|层|室)|办公室\d+)"
)
# a channel named in quotes (通过“皖事通”缴纳, 登录“交管12123”申请): where to go and how, at once
CHANNEL = re.compile(r"(通过|登录|使用|关注|搜索|下载|打开|进入)“[^”]{2,16}”")
_GENERIC_PREFIX = (
    "相关",
    "有关",
    "职能",
    "主管",
    "属地",
    "上级",
    "各级",
    "所在",
    "当地",
    "辖区",
    "责任",
    "承办",
    "对应",
)
# words around an office's name: the name is the run of characters between them and its suffix
_NAME_BREAK = re.compile(
    r"转交|交由|转由|移交|移送|提交|转至|转到|转给|转送|转办|转派|交办|联系|咨询|拨打|前往|核查|核实|调查|了解|反映|"
    r"投诉|举报|办理|负责|协调|督促|要求|安排|通知|告知|已经|目前|现已|"
    r"经(?=[核查调了研现实审比排检测])|[向到由与和及的已了在是将把被等您你我请对为于从给让并或该此各这那因按据即也都均就还又再如若]"
)
# an office's suffix, unless the characters after it make another word (办理, 处理, 所以, 部分)
_OFFICE_SUFFIX = re.compile(
    r"(委员会|办公室|开发区|高新区|新区|街道办事处|办事处|管委会|居委会|村委会|派出所|法院|检察院|支队|大队|中队|营业厅|管理处|"
    r"服务中心|中心|公司|集团|银行|医院|学校|街道|社区|政府|局(?![面部势限])|委(?![托屈婉])|办(?![理法事结件好公])|"
    r"科(?![学技研])|所(?![以有在述说提属需得致])|站(?![在起出])|队(?![伍])|院(?![子内])|厅|处(?![理于置罚分在])|"
    r"镇(?![压定])|(?<!城)乡(?![村下亲])|村(?![民里])|部(?![门分署位])|室(?![内外])|组(?![织成合建])|所(?=$))"
)


# a general hotline (12345, 市长热线) named as where to ask: a channel, not the office a matter
# was passed to (a referral to 有关部门 with "请拨打12345" names no office)
HOTLINE = "热线"


def named_offices(text: str) -> list[str]:
    """Offices named in the text (not 相关部门, 有关单位 or 我局): 区住建局, 三里桥社区, 12345热线."""
    found: list[str] = []
    for run in _NAME_BREAK.split(text):
        for piece in re.split(r"[\W_]+", run):
            # the last suffix: 城乡建设局, not 城乡; 人社局劳动保障监察支队 whole
            for match in reversed(list(_OFFICE_SUFFIX.finditer(piece))):
                name = piece[: match.end()]
                prefix = piece[: match.start()]
                if len(prefix) < 1 or len(name) > 20 or len(name) < 2:
                    continue
                if any(prefix.startswith(g) or prefix.endswith(g) for g in _GENERIC_PREFIX):
                    continue
                if re.fullmatch(r"[我本该贵此其各我们]+", prefix) or re.fullmatch(r"\d+", prefix):
                    continue
                found.append(name)
                break
    if re.search(r"123\d{2}|市长热线|政务服务(网|热线|平台|中心)|服务热线", text):
        found.append(HOTLINE)
    return list(dict.fromkeys(found))


def is_office_name(text: str) -> bool:
    """The whole text is one office's name (a signature line)."""
    if not 2 <= len(text) <= 24 or not re.fullmatch(r"\w+", text):
        return False
    ends = [m for m in _OFFICE_SUFFIX.finditer(text) if m.end() == len(text)]
    inner = _NAME_BREAK.sub("", re.sub("[和及与]", "", text))
    return bool(ends) and inner == re.sub("[和及与]", "", text) and bool(named_offices(text))


LEGAL = re.compile(
    r"《[^》]{2,40}》|第[\d一二三四五六七八九十百零]+(条|款|项)"
    r"|(根据|依据|按照|依照|参照)[\w]{0,30}(规定|办法|条例|法律|法规|政策|标准|文件|意见|通知|细则|要求|规范|规划)"
)
ACTION = re.compile(
    r"(已|已经|现已|均已|目前已|并已|于\d{1,2}月\d{1,2}日|于\d{4}年\d{1,2}月\d{1,2}日|于近日|于当日|于当天)(全部|及时|安排|组织|派员|派人|对其|对该|对)?[\w]{0,6}?"
    r"(修复|修好|维修|更换|清理|清运|清除|拆除|整改|处理完毕|处理到位|督促|责令|约谈|立案|查处|处罚|罚款|退还|退款|退费|补发|"
    r"发放|支付|兑付|恢复|疏通|安装|增设|设置|开通|办结|完成|解决|落实|纳入|列入|启动|开工|竣工|调整|回访|核实|上门|"
    r"封堵|填平|硬化|铺设|下达|作出|出具|受理|补办|审批|批复|公示|公布|通报|告知|移除|取缔|关停|查封|扣押|修剪|"
    r"清洗|消杀|疏导|劝离|制止|规范|调解|协调解决|到位|撤销|纠正|追回|返还|缴纳|补缴|登记|录入|更新|上线|恢复供)"
)
EXPLANATION = re.compile(
    r"(经(核查|核实|调查|了解|查|现场|实地|调阅|检测|测量|排查|研究|审查|比对)|由于|因为|原因是|是因|系因|属于|不属于|"
    r"目前|现阶段|下一步将于|计划(于|在)|预计|拟(于|在)|将于|按规定|规定|标准为|符合|不符合|条件|须|需(要)?|应当|"
    r"不能|无法|暂不|不予|暂无|尚未|已经|现状|具体(如下|为)|如下)"
)


def has_concrete(text: str) -> bool:
    return bool(
        DATE.search(text)
        or AMOUNT.search(text)
        or PHONE.search(text)
        or LEGAL.search(text)
        or ACTION.search(text)
    )


@dataclass
class Signals:
    """What the reply (without its signature) holds, by kind; each list has what was found."""

    dates: list[str] = field(default_factory=list)
    amounts: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    offices: list[str] = field(default_factory=list)
    legal: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    explanations: list[str] = field(default_factory=list)

    @property
    def contact(self) -> bool:
        return bool(self.phones or self.addresses)

    @property
    def result(self) -> bool:
        """A fact about the matter itself: an action taken, an amount, a legal basis."""
        return bool(self.actions or self.amounts or self.legal)

    @property
    def concrete(self) -> bool:
        return bool(self.dates or self.amounts or self.phones or self.legal or self.actions)

    def found(self) -> list[str]:
        names = [
            ("date", self.dates),
            ("amount", self.amounts),
            ("phone", self.phones),
            ("address", self.addresses),
            ("office", self.offices),
            ("legal", self.legal),
            ("action", self.actions),
            ("explanation", self.explanations),
        ]
        return [n for n, values in names if values]


def signals(text: str) -> Signals:
    def all_of(pattern: re.Pattern[str]) -> list[str]:
        return [m.group(0) for m in pattern.finditer(text)]

    amounts = [a for a in all_of(AMOUNT) if not re.fullmatch(r"\d{4}年", a)]
    return Signals(
        dates=all_of(DATE),
        amounts=amounts,
        phones=all_of(PHONE),
        addresses=all_of(ADDRESS),
        offices=named_offices(text),
        legal=all_of(LEGAL),
        actions=[a for a in all_of(ACTION) if not _REFERRAL.fullmatch(a)],
        explanations=all_of(EXPLANATION),
    )
