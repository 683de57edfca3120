"""An independent year for the 政府信息公开工作年度报告 (docs/disclosure-and-reports.md), built at the edges the
format's 口径 turns on: receipts and replies at midnight of 31 December / 1 January given in
UTC and in Beijing time, a request carried across two year ends, a request of last year
entered after last year's report was produced, 复议 and 诉讼 filed in the last minute of the
year and the first of the next, results updated without moving the filing time. Every cell of
table 三 and table 四 is worked out in this file from the list below (its own reading of the
rules, with the standard library's time zones), never from the product's code, and compared
with `report --period 2026 --format gov-annual --json` and the XLSX read back with openpyxl."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from monitor.cli import main
from tests.conftest import write_config

BEIJING = ZoneInfo("Asia/Shanghai")
TYPES = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
COLUMNS = [*TYPES, "总计"]
GROUPS = {"予以公开": "（一）", "部分公开": "（二）", "不予公开": "（三）", "无法提供": "（四）",
          "不予处理": "（五）", "其他处理": "（六）"}  # fmt: skip
REASONS = {
    "不予公开": ["属于国家秘密", "其他法律行政法规禁止公开", "危及“三安全一稳定”",
                 "保护第三方合法权益", "属于三类内部事务信息", "属于四类过程性信息",
                 "属于行政执法案卷", "属于行政查询事项"],
    "无法提供": ["本机关不掌握相关政府信息", "没有现成信息需要另行制作", "补正后申请内容仍不明确"],
    "不予处理": ["信访举报投诉类申请", "重复申请", "要求提供公开出版物", "无正当理由大量反复申请",
                 "要求行政机关确认或重新出具已获取信息"],
    "其他处理": ["申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
                 "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "其他"],
}  # fmt: skip
LAPSED = REASONS["其他处理"][0]
NEW, CARRIED_IN = "一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量"
DONE, CARRIED_OUT = "（七）总计", "四、结转下年度继续办理"
CASES = {
    "复议": "行政复议",
    "诉讼": "行政诉讼 未经复议直接起诉",
    "复议后诉讼": "行政诉讼 复议后起诉",
}
RESULTS = {"维持": "结果维持", "纠正": "结果纠正", "其他": "其他结果", "未审结": "尚未审结"}


def row_key(outcome: str, reason: str | None) -> str:
    """The format's label, written out here (as the national format writes it: `（三）不予公开 1.属于国家秘密`)."""
    if outcome == "部分公开":
        return "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
    if reason is None:
        return GROUPS[outcome] + outcome
    return f"{GROUPS[outcome]}{outcome} {REASONS[outcome].index(reason) + 1}.{reason}"


ROWS = [NEW, CARRIED_IN, "（一）予以公开", row_key("部分公开", None)]
ROWS += [
    row_key(o, r) for o in ("不予公开", "无法提供", "不予处理", "其他处理") for r in REASONS[o]
]
ROWS += [DONE, CARRIED_OUT]


def local(text: str) -> datetime:
    """A time as typed on the command line, read as the format reads it: Beijing time."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.replace(tzinfo=BEIJING) if moment.tzinfo is None else moment.astimezone(BEIJING)


def plus_hour(text: str) -> str:
    return (local(text) + timedelta(hours=1)).isoformat()


@dataclass
class Req:
    key: str
    received: str
    kind: str
    done: tuple[str, str | None, str] | None = None  # outcome, reason, at
    before: list[list[str]] = field(default_factory=list)  # operations before `done`
    entered: str | None = None  # when it was typed in (default: an hour after receipt)


# Requests received before 2026 (their report of 2025 is produced on 2026-01-05 10:00)
LAST_YEAR = [
    # sent back for 补正 in 2024 and never answered until it lapsed in 2026: carried twice
    Req(
        "L0",
        "2024-12-16T10:00",
        "自然人",
        (("其他处理", LAPSED, "2026-02-10T10:00")),
        [["correct", "--asked", "2024-12-18T10:00", "--until", "2025-01-10"]],
    ),
    Req("L1", "2025-11-03T09:00", "自然人", ("予以公开", None, "2025-11-20T10:00")),
    Req("L2", "2025-12-10T10:00", "商业企业", ("部分公开", None, "2026-01-15T10:00")),
    Req(
        "L3",
        "2025-12-22T10:00",
        "科研机构",
        ("不予公开", "属于国家秘密", "2026-01-20T10:00"),
        [["correct", "--asked", "2025-12-24T10:00"]],
    ),
    Req(
        "L4",
        "2025-12-29T10:00",
        "法律服务机构",
        ("无法提供", "本机关不掌握相关政府信息", "2026-03-10T10:00"),
    ),
    # received 23:30 on New Year's Eve (Beijing), typed in on 01-02, answered ten minutes
    # after midnight: last year's, closed this year
    Req(
        "L6",
        "2025-12-31T23:30",
        "社会公益组织",
        ("不予公开", "其他法律行政法规禁止公开", "2026-01-01T00:10"),
        entered="2026-01-02T09:00",
    ),
    # 20:00 UTC on 12-31 is 04:00 on 01-01 in Beijing: this year's
    Req(
        "L7",
        "2025-12-31T20:00:00Z",
        "自然人",
        ("予以公开", None, "2026-01-20T10:00"),
        entered="2026-01-02T09:00",
    ),
    # received hours before the year ended, answered in it (in UTC on 12-31 16:30 = 01-01
    # 00:30 Beijing: this year's result)
    Req(
        "L8",
        "2025-12-30T09:00",
        "其他",
        ("予以公开", None, "2025-12-31T16:30:00Z"),
        entered="2026-01-02T09:00",
    ),
]
# Last year's, typed in after last year's report was produced: the 上年结转 check names it
LATE_ENTRY = Req("L5", "2025-12-30T16:00", "其他", ("不予处理", "重复申请", "2026-01-20T10:00"),
                 entered="2026-01-06T09:00")  # fmt: skip

# Requests of 2026: every type, every outcome, every numbered reason
THIS_YEAR: list[Req] = []
_day = datetime(2026, 3, 2, 9, 30)
_outcomes = [("予以公开", None), ("部分公开", None)] + [
    (o, r) for o in ("不予公开", "无法提供", "不予处理", "其他处理") for r in REASONS[o]
]
for _i, (_outcome, _reason) in enumerate(_outcomes):
    _received = _day + timedelta(weeks=_i)
    while _received.weekday() != 0:  # Mondays
        _received += timedelta(days=1)
    _at = (_received + timedelta(days=9, hours=5)).isoformat()
    _before: list[list[str]] = []
    if _reason == LAPSED:  # sent back on day 2, until day 5, closed after that
        _before = [["correct", "--asked", (_received + timedelta(days=1)).isoformat(),
                    "--until", (_received + timedelta(days=4)).date().isoformat()]]  # fmt: skip
    elif _reason == "补正后申请内容仍不明确":
        _before = [["correct", "--asked", (_received + timedelta(days=1)).isoformat()],
                   ["correct", "--received", (_received + timedelta(days=3)).isoformat()]]  # fmt: skip
    elif _i % 5 == 1:
        _before = [["extend", "--reason", "需调取档案"]]
    THIS_YEAR.append(Req(f"N{_i}", _received.isoformat(), TYPES[_i % 6], (_outcome, _reason, _at),
                         _before))  # fmt: skip
THIS_YEAR += [
    Req("E1", "2026-12-01T10:00", "其他", ("予以公开", None, "2026-12-31T23:59")),
    # closed at 00:00 on 1 January: not closed in 2026, carried out
    Req("E2", "2026-12-21T10:00", "社会公益组织", ("部分公开", None, "2027-01-01T00:00")),
    Req("E3", "2026-12-15T10:00", "自然人"),  # still running at the year's end
    Req("E4", "2026-12-01T10:00", "商业企业", None, [["pause", "--at", "2026-12-10T10:00"]]),
    Req("E5", "2026-12-31T23:59:59+08:00", "法律服务机构"),  # the last second of 2026
    Req("E6", "2026-12-31T16:00:00Z", "科研机构"),  # 00:00 on 2027-01-01 in Beijing
]

# (request, kind, result, --at or None, --now): cases in 2025, 2026 and 2027
REVIEWS = [
    ("L1", "复议", "维持", "2025-12-01T10:00", "2025-12-01T11:00"),
    ("L1", "复议", "纠正", None, "2026-03-01T10:00"),  # updated in 2026, filed in 2025
    ("N0", "复议", "未审结", "2026-04-01T10:00", "2026-04-01T11:00"),
    ("N0", "复议", "维持", None, "2026-06-01T10:00"),
    ("N2", "复议", "纠正", "2026-04-20T10:00", "2026-04-20T11:00"),
    ("N3", "复议", "其他", "2026-05-04T10:00", "2026-05-04T11:00"),
    ("N4", "复议", "未审结", "2026-12-31T23:59", "2027-01-01T00:30"),
    ("N5", "诉讼", "维持", "2026-05-11T10:00", "2026-05-11T11:00"),
    ("N6", "诉讼", "纠正", "2026-06-01T10:00", "2026-06-01T11:00"),
    ("N7", "诉讼", "其他", "2026-06-02T10:00", "2026-06-02T11:00"),
    ("N8", "诉讼", "未审结", "2026-06-03T10:00", "2026-06-03T11:00"),
    ("N2", "复议后诉讼", "未审结", "2026-05-15T10:00", "2026-05-15T11:00"),
    ("N2", "复议后诉讼", "维持", None, "2026-09-01T10:00"),
    ("N3", "复议后诉讼", "纠正", "2026-06-15T10:00", "2026-06-15T11:00"),
    ("N9", "复议后诉讼", "其他", "2026-07-01T10:00", "2026-07-01T11:00"),
    ("N10", "复议后诉讼", "未审结", "2026-08-01T10:00", "2026-08-01T11:00"),
    ("L2", "复议", "纠正", "2026-02-01T10:00", "2026-02-01T11:00"),
    ("N4", "复议后诉讼", "维持", "2027-01-01T00:00", "2027-01-02T10:00"),  # 2027's
    ("N11", "诉讼", "其他", "2026-12-31T16:30:00Z", "2027-01-02T10:00"),  # 2027-01-01 00:30
]


def expected_table3(year: int, requests: list[Req]) -> dict[str, dict[str, int]]:
    """Table 三 from the list: received / closed by Beijing year."""
    table = {row: dict.fromkeys(COLUMNS, 0) for row in ROWS}

    def count(row: str, kind: str) -> None:
        table[row][kind] += 1
        table[row]["总计"] += 1

    for r in requests:
        got = local(r.received)
        closed = local(r.done[2]) if r.done else None
        if got.year == year:
            count(NEW, r.kind)
        if got.year < year and (closed is None or closed.year >= year):
            count(CARRIED_IN, r.kind)
        if closed is not None and closed.year == year:
            count(DONE, r.kind)
            count(row_key(r.done[0], r.done[1]), r.kind)  # type: ignore[index]
        if got.year <= year and (closed is None or closed.year > year):
            count(CARRIED_OUT, r.kind)
    return table


def expected_table4(year: int) -> dict[str, dict[str, int]]:
    cases: dict[tuple[str, str], tuple[str, str]] = {}  # (request, kind) → (result, filed)
    for key, kind, result, at, now in REVIEWS:
        filed = at or cases.get((key, kind), (None, now))[1]
        cases[(key, kind)] = (result, filed)
    table = {case: dict.fromkeys([*RESULTS.values(), "总计"], 0) for case in CASES.values()}
    for (_, kind), (result, filed) in cases.items():
        if local(filed).year == year:
            table[CASES[kind]][RESULTS[result]] += 1
            table[CASES[kind]]["总计"] += 1
    return table


class Office:
    def __init__(self, config: Path) -> None:
        self.config = config
        self.ids: dict[str, int] = {}

    def cli(self, *args: str, code: int = 0) -> str:
        result = CliRunner().invoke(main, ["--config", str(self.config), *args])
        assert result.exit_code == code, (args, result.output, result.stderr)
        if code:
            assert "Traceback" not in result.output + result.stderr
        return result.stdout if code == 0 else result.stderr

    def enter(self, r: Req) -> None:
        doc = json.loads(
            self.cli("disclosure", "add", f"申请公开{r.key}的材料", "--received", r.received,
                     "--applicant-type", r.kind, "--now", r.entered or plus_hour(r.received),
                     "--json")
        )  # fmt: skip
        self.ids[r.key] = doc["id"]
        assert doc["applicant_type"] == r.kind

    def steps(self, r: Req) -> None:
        for step in r.before:
            action, *args = step
            at = next((a for a in args if a[:2] == "20"), None) or r.received
            now = plus_hour(at) if action != "extend" else plus_hour(r.received)
            self.cli("disclosure", action, str(self.ids[r.key]), *args, "--now", now)
        if r.done:
            outcome, reason, at = r.done
            now = max(local(plus_hour(at)), local(r.entered or at)).isoformat()
            self.cli("disclosure", "done", str(self.ids[r.key]), "--outcome", outcome,
                     *(["--reason", reason] if reason else []), "--at", at, "--now", now)  # fmt: skip

    def review(self, key: str, kind: str, result: str, at: str | None, now: str) -> None:
        self.cli("disclosure", "review", str(self.ids[key]), "--kind", kind, "--result", result,
                 *(["--at", at] if at else []), "--now", now)  # fmt: skip

    def gov(self, year: int, now: str, *extra: str) -> dict:
        return json.loads(
            self.cli("report", "--period", str(year), "--format", "gov-annual", "--json",
                     "--now", now, *extra)
        )  # fmt: skip


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Office:
    """2025 as it happened, its report produced on 2026-01-05 10:00, then 2026 and early 2027."""
    folder = tmp_path_factory.mktemp("office")
    office = Office(write_config(folder / "cfg"))
    office.cli("init")
    by_key = {r.key: r for r in LAST_YEAR}
    for r in LAST_YEAR:
        office.enter(r)
    for key in ("L0", "L3"):  # 补正 asked, in 2024 and 2025
        office.steps(Req(key, by_key[key].received, by_key[key].kind, None, by_key[key].before))
    for key in ("L1", "L6", "L8"):  # closed before the report was produced
        office.steps(by_key[key])
    office.review(*REVIEWS[0])
    office.last_year = office.gov(2025, "2026-01-05T10:00")  # type: ignore[attr-defined]
    office.enter(LATE_ENTRY)
    for key in ("L0", "L2", "L3", "L4", "L7"):
        r = by_key[key]
        office.steps(Req(key, r.received, r.kind, r.done, [] if key in ("L0", "L3") else r.before))
    office.steps(LATE_ENTRY)
    for r in THIS_YEAR:
        office.enter(r)
        office.steps(r)
    for review in REVIEWS[1:]:
        office.review(*review)
    return office


def test_last_years_report_as_produced(office: Office) -> None:
    doc = office.last_year  # type: ignore[attr-defined]
    # L8 was closed in 2026 (UTC 12-31 16:30 is Beijing 00:30): carried like L2…L6
    assert doc["table3"] == expected_table3(2025, LAST_YEAR)
    assert doc["table3"][CARRIED_OUT]["总计"] == 6  # L0 L2 L3 L4 L6 L8
    assert doc["table3"][CARRIED_IN]["自然人"] == 1  # L0, of 2024


def test_every_cell_of_table3_and_table4(office: Office) -> None:
    doc = office.gov(2026, "2027-01-10T10:00")
    everything = LAST_YEAR + [LATE_ENTRY] + THIS_YEAR
    expected = expected_table3(2026, everything)
    assert list(doc["table3"]) == ROWS
    for row in ROWS:
        assert doc["table3"][row] == expected[row], row
    # figures I also count with my fingers, so the expectation itself is checked
    assert expected[NEW]["总计"] == 1 + 21 + 5  # L7, N0…N20, E1…E5 (E6 is 2027's)
    assert expected[CARRIED_IN] == {"自然人": 1, "商业企业": 1, "科研机构": 1, "社会公益组织": 1,
                                    "法律服务机构": 1, "其他": 2, "总计": 7}  # fmt: skip
    assert expected[CARRIED_OUT]["总计"] == 4  # E2 E3 E4 E5
    assert all(expected[row_key(o, r)]["总计"] >= 1 for o, r in _outcomes)
    assert doc["table4"] == expected_table4(2026)
    assert doc["table4"]["行政复议"] == {"结果维持": 1, "结果纠正": 2, "其他结果": 1,
                                        "尚未审结": 1, "总计": 5}  # fmt: skip
    t = doc["table3"]
    for c in COLUMNS:
        assert t[NEW][c] + t[CARRIED_IN][c] == t[DONE][c] + t[CARRIED_OUT][c], c
        assert t[DONE][c] == sum(t[row][c] for row in ROWS[2:-2]), c


def test_the_checks_name_the_request_entered_after_last_years_report(office: Office) -> None:
    doc = office.gov(2026, "2027-01-10T10:00")
    checks = {c["name"]: c for c in doc["checks"]}
    assert all(set(c) == {"name", "ok", "detail"} for c in doc["checks"])
    assert checks["一＋二＝三（七）＋四"]["ok"]
    assert checks["（七）总计＝（一）至（六）各项之和"]["ok"]
    carry = checks["二、上年结转＝上年度报告的四、结转下年度"]
    assert not carry["ok"]
    late = office.ids["L5"]
    assert f"#{late}（2025-12-30 收到）" in carry["detail"]
    assert "2026-01-05 10:00" in carry["detail"] and "之后才登记" in carry["detail"]
    assert "其他 2≠1" in carry["detail"]
    # no other request is named
    named = {int(part.split("（")[0]) for part in carry["detail"].split("#")[1:]}
    assert named == {late}


def test_the_xlsx_has_the_same_numbers_and_the_labels_word_for_word(
    office: Office, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "2026.xlsx"
    office.cli("report", "--period", "2026", "--format", "gov-annual", "--out", str(out),
               "--now", "2027-01-10T10:00")  # fmt: skip
    doc = office.gov(2026, "2027-01-10T10:00")
    ws = load_workbook(out)["表三 依申请公开"]
    found: dict[str, list[int]] = {}
    group = ""
    for row in ws.iter_rows(min_row=6, max_col=10, values_only=True):
        a, b, c, *numbers = row
        if not any(isinstance(n, int) for n in numbers):
            break
        if c is not None:
            group = b or group
            label = f"{group} {c}"
        else:
            label = b if b and str(b).startswith("（") else a
        found[str(label)] = list(numbers)
    assert list(found) == ROWS
    assert found == {row: [doc["table3"][row][c] for c in COLUMNS] for row in ROWS}
    t4 = load_workbook(out)["表四 复议诉讼"]
    assert [t4.cell(row=6, column=c).value for c in range(1, 16)] == [
        n for case in CASES.values() for n in doc["table4"][case].values()
    ]


def test_a_reason_of_another_outcome_is_refused_in_one_line(office: Office) -> None:
    rid = str(office.ids["E3"])
    for outcome, reason in [("不予公开", "重复申请"), ("予以公开", "其他"), ("无法提供", "其他"),
                            ("其他处理", "属于国家秘密"), ("不予处理", "不存在的理由")]:  # fmt: skip
        err = office.cli("disclosure", "done", rid, "--outcome", outcome, "--reason", reason,
                         "--at", "2026-12-20T10:00", "--now", "2026-12-20T11:00", code=1)  # fmt: skip
        assert len(err.strip().splitlines()) == 1, err
        assert outcome in err and "--reason" in err
    listed = json.loads(office.cli("disclosure", "list", "--json", "--now", "2026-12-20T11:00"))
    assert rid in {str(d["id"]) for d in listed}  # still open
