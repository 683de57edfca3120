"""The 政府信息公开工作年度报告 in the national format (docs/disclosure-and-reports.md), replayed over a realistic
year through the CLI on a real SQLite file: requests carried in from 2025 (whose report was
produced) and out to 2027, every row and every column of table 三 touched, 行政复议 and 行政诉讼
filed across the year boundary. Every cell is compared with the figures worked out by hand
below; the XLSX is read back with openpyxl (same numbers, labels word for word, merged headers,
A4), and the HTML is rendered in headless Chromium (screenshot to $OM_SCREENSHOTS, else tmp)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.timeutil import iso, parse_iso
from tests.conftest import write_config

COLUMNS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]

# Table 三 as worked out by hand from the replay below (C = carried in from 2025, N = received
# in 2026, O = received in 2026 and still open at its end); columns as COLUMNS.
EXPECTED_TABLE3 = {
    "一、本年新收政府信息公开申请数量": [4, 4, 5, 5, 3, 4, 25],
    "二、上年结转政府信息公开申请数量": [1, 1, 0, 0, 1, 0, 3],  # C1 C2 C3
    "（一）予以公开": [2, 1, 0, 0, 0, 0, 3],  # C1 N1 N2
    "（二）部分公开（区分处理的，只计这一情形，不计其他情形）": [0, 0, 1, 0, 0, 0, 1],  # N3
    "（三）不予公开 1.属于国家秘密": [0, 0, 0, 1, 0, 0, 1],  # N4
    "（三）不予公开 2.其他法律行政法规禁止公开": [0, 0, 0, 0, 1, 0, 1],  # N5
    "（三）不予公开 3.危及“三安全一稳定”": [0, 0, 0, 0, 0, 1, 1],  # N6
    "（三）不予公开 4.保护第三方合法权益": [1, 1, 0, 0, 0, 0, 2],  # C2 N7
    "（三）不予公开 5.属于三类内部事务信息": [0, 1, 0, 0, 0, 0, 1],  # N8
    "（三）不予公开 6.属于四类过程性信息": [0, 0, 1, 0, 0, 0, 1],  # N9 (paused)
    "（三）不予公开 7.属于行政执法案卷": [0, 0, 0, 1, 0, 0, 1],  # N10 (extended)
    "（三）不予公开 8.属于行政查询事项": [0, 0, 0, 0, 1, 0, 1],  # N11
    "（四）无法提供 1.本机关不掌握相关政府信息": [0, 0, 0, 0, 1, 1, 2],  # C3 N12
    "（四）无法提供 2.没有现成信息需要另行制作": [1, 0, 0, 0, 0, 0, 1],  # N13
    "（四）无法提供 3.补正后申请内容仍不明确": [0, 1, 0, 0, 0, 0, 1],  # N14 (corrected)
    "（五）不予处理 1.信访举报投诉类申请": [0, 0, 1, 0, 0, 0, 1],  # N15
    "（五）不予处理 2.重复申请": [0, 0, 0, 1, 0, 0, 1],  # N16
    "（五）不予处理 3.要求提供公开出版物": [0, 0, 0, 0, 1, 0, 1],  # N17
    "（五）不予处理 4.无正当理由大量反复申请": [0, 0, 0, 0, 0, 1, 1],  # N18
    "（五）不予处理 5.要求行政机关确认或重新出具已获取信息": [1, 0, 0, 0, 0, 0, 1],  # N19
    "（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请": [
        0, 1, 0, 0, 0, 0, 1,
    ],  # N20 (correct --lapsed)
    "（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请": [
        0, 0, 1, 0, 0, 0, 1,
    ],  # N21
    "（六）其他处理 3.其他": [0, 0, 0, 1, 0, 0, 1],  # N22
    "（七）总计": [5, 5, 4, 4, 4, 3, 25],
    "四、结转下年度继续办理": [0, 0, 1, 1, 0, 1, 3],  # O1 (open) O2 (correcting) O3 (closed 2027)
}  # fmt: skip
EXPECTED_TABLE4 = {
    # C2 复议 维持 (02-15), N11 复议 纠正 (07-15), N16 复议 未审结 (12-30); D0's was in 2025
    "行政复议": {"结果维持": 1, "结果纠正": 1, "其他结果": 0, "尚未审结": 1, "总计": 3},
    # N4 (05-10); N5's was filed in 2027
    "行政诉讼 未经复议直接起诉": {"结果维持": 0, "结果纠正": 0, "其他结果": 1, "尚未审结": 0, "总计": 1},
    # C2: filed 04-01 未审结, later updated to 纠正
    "行政诉讼 复议后起诉": {"结果维持": 0, "结果纠正": 1, "其他结果": 0, "尚未审结": 0, "总计": 1},
}  # fmt: skip
TABLE2 = {
    "规章|本年制发件数": "0",
    "行政规范性文件|本年制发件数": "3",
    "行政规范性文件|本年废止件数": "1",
    "行政规范性文件|现行有效件数": "27",
    "行政许可|本年处理决定数量": "0",
    "行政处罚|本年处理决定数量": "12",
    "行政强制|本年处理决定数量": "2",
    "行政事业性收费|本年收费金额（单位：万元）": "1.25",
}


class Register:
    """The office at work: `disclosure …` through the CLI, each at its own moment."""

    def __init__(self, config: Path) -> None:
        self.config = config
        self.ids: dict[str, int] = {}

    def cli(self, *args: str, code: int = 0) -> str:
        result = CliRunner().invoke(main, ["--config", str(self.config), *args])
        assert result.exit_code == code, (args, result.output, result.stderr)
        return result.stdout if code == 0 else result.stderr

    def op(self, key: str, action: str, *args: str, at: str) -> None:
        later = iso(parse_iso(at) + timedelta(hours=1))
        self.cli("disclosure", action, str(self.ids[key]), *args, "--now", later)

    def add(self, key: str, received: str, applicant_type: str, now: str | None = None) -> None:
        later = now or iso(parse_iso(received) + timedelta(hours=1))
        doc = json.loads(
            self.cli(
                "disclosure",
                "add",
                f"申请公开{key}相关材料",
                "--received",
                received,
                "--applicant-type",
                applicant_type,
                "--applicant",
                "张三",
                "--now",
                later,
                "--json",
            )
        )
        self.ids[key] = doc["id"]

    def done(self, key: str, at: str, outcome: str, reason: str | None = None) -> None:
        self.op(
            key,
            "done",
            "--outcome",
            outcome,
            *(["--reason", reason] if reason else []),
            "--at",
            at,
            at=at,
        )

    def review(self, key: str, kind: str, result: str, at: str | None, now: str) -> None:
        self.cli(
            "disclosure",
            "review",
            str(self.ids[key]),
            "--kind",
            kind,
            "--result",
            result,
            *(["--at", at] if at else []),
            "--now",
            now,
        )


def replay_2025(reg: Register) -> None:
    reg.add("D0", "2025-11-03T09:00", "自然人")
    reg.done("D0", "2025-11-20T10:00", "予以公开")
    reg.review("D0", "复议", "维持", "2025-12-01T10:00", "2025-12-01T11:00")
    reg.add("C1", "2025-12-15T09:00", "自然人")
    reg.add("C2", "2025-12-22T09:00", "商业企业")
    reg.add("C3", "2025-12-29T09:00", "法律服务机构")


def replay_2026(reg: Register) -> None:
    reg.done("C1", "2026-01-08T10:00", "予以公开")
    reg.done("C2", "2026-01-20T10:00", "不予公开", "保护第三方合法权益")
    reg.review("C2", "复议", "维持", "2026-02-15T10:00", "2026-02-16T10:00")
    reg.review("C2", "复议后诉讼", "未审结", "2026-04-01T10:00", "2026-04-02T10:00")
    reg.done("C3", "2026-02-10T10:00", "无法提供", "本机关不掌握相关政府信息")
    plain = [
        ("N1", "2026-01-12", "自然人", "2026-01-20", "予以公开", None),
        ("N2", "2026-01-19", "商业企业", "2026-02-02", "予以公开", None),
        ("N3", "2026-02-02", "科研机构", "2026-02-27", "部分公开", None),
        ("N4", "2026-02-09", "社会公益组织", "2026-03-05", "不予公开", "属于国家秘密"),
        ("N5", "2026-03-02", "法律服务机构", "2026-03-20", "不予公开", "其他法律行政法规禁止公开"),
        ("N6", "2026-03-09", "其他", "2026-03-25", "不予公开", "危及“三安全一稳定”"),
        ("N7", "2026-03-16", "自然人", "2026-04-08", "不予公开", "保护第三方合法权益"),
        ("N8", "2026-04-13", "商业企业", "2026-04-28", "不予公开", "属于三类内部事务信息"),
        ("N11", "2026-06-15", "法律服务机构", "2026-06-30", "不予公开", "属于行政查询事项"),
        ("N12", "2026-07-06", "其他", "2026-07-24", "无法提供", "本机关不掌握相关政府信息"),
        ("N13", "2026-07-13", "自然人", "2026-07-31", "无法提供", "没有现成信息需要另行制作"),
        ("N15", "2026-08-17", "科研机构", "2026-08-26", "不予处理", "信访举报投诉类申请"),
        ("N16", "2026-09-07", "社会公益组织", "2026-09-15", "不予处理", "重复申请"),
        ("N17", "2026-09-14", "法律服务机构", "2026-09-24", "不予处理", "要求提供公开出版物"),
        ("N18", "2026-10-12", "其他", "2026-10-23", "不予处理", "无正当理由大量反复申请"),
        ("N19", "2026-10-19", "自然人", "2026-10-30", "不予处理", "要求行政机关确认或重新出具已获取信息"),
        (
            "N21",
            "2026-11-09",
            "科研机构",
            "2026-11-27",
            "其他处理",
            "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        ),
        ("N22", "2026-11-16", "社会公益组织", "2026-11-30", "其他处理", "其他"),
    ]  # fmt: skip
    for key, received, kind, done, outcome, reason in plain:
        reg.add(key, f"{received}T09:30", kind)
        reg.done(key, f"{done}T15:00", outcome, reason)
    # 征求意见 (paused a week), an extension, a 补正 answered, a 补正 never answered
    reg.add("N9", "2026-05-11T09:30", "科研机构")
    reg.op("N9", "pause", "--at", "2026-05-13T09:00", at="2026-05-13T09:00")
    reg.op("N9", "resume", "--at", "2026-05-20T09:00", at="2026-05-20T09:00")
    reg.done("N9", "2026-06-05T15:00", "不予公开", "属于四类过程性信息")
    reg.add("N10", "2026-06-01T09:30", "社会公益组织")
    reg.op("N10", "extend", "--reason", "需调取档案", at="2026-06-20T09:00")
    reg.done("N10", "2026-07-20T15:00", "不予公开", "属于行政执法案卷")
    reg.add("N14", "2026-08-03T09:30", "商业企业")
    reg.op("N14", "correct", "--asked", "2026-08-05T10:00", at="2026-08-05T10:00")
    reg.op("N14", "correct", "--received", "2026-08-12T10:00", at="2026-08-12T10:00")
    reg.done("N14", "2026-08-28T15:00", "无法提供", "补正后申请内容仍不明确")
    reg.add("N20", "2026-11-02T09:30", "商业企业")
    reg.op(
        "N20",
        "correct",
        "--asked",
        "2026-11-04T10:00",
        "--until",
        "2026-11-18",
        at="2026-11-04T10:00",
    )
    reg.op("N20", "correct", "--lapsed", "--at", "2026-11-20T10:00", at="2026-11-20T10:00")
    # cases across the year
    reg.review("N4", "诉讼", "其他", "2026-05-10T10:00", "2026-05-11T10:00")
    reg.review("N11", "复议", "纠正", "2026-07-15T10:00", "2026-07-16T10:00")
    reg.review("N16", "复议", "未审结", "2026-12-30T10:00", "2026-12-30T11:00")
    reg.review("C2", "复议后诉讼", "纠正", None, "2026-09-01T10:00")  # same kind: result updated
    # still open at the end of the year
    reg.add("O3", "2026-12-10T09:30", "其他")
    reg.add("O1", "2026-12-20T09:30", "科研机构")
    reg.add("O2", "2026-12-28T09:30", "社会公益组织")
    reg.op("O2", "correct", "--asked", "2026-12-29T10:00", at="2026-12-29T10:00")
    # 2027: neither counted in 2026
    reg.done("O3", "2027-01-05T09:00", "予以公开")
    reg.add("X", "2027-01-03T10:00", "自然人")
    reg.review("N5", "诉讼", "未审结", "2027-01-04T10:00", "2027-01-04T11:00")


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The year replayed once per module (a copy of its folder for each test)."""
    folder = tmp_path_factory.mktemp("year")
    config = write_config(folder / "cfg")
    reg = Register(config)
    reg.cli("init")
    replay_2025(reg)
    # the 2025 report is produced in January: its 结转下年度 becomes the snapshot
    out = reg.cli(
        "report", "--period", "2025", "--format", "gov-annual", "--out", str(folder / "2025.xlsx"),
        "--now", "2026-01-05T10:00",
    )  # fmt: skip
    assert "已写入" in out
    replay_2026(reg)
    from monitor.app import App
    from monitor.config import load_config
    from monitor.report.gov_table2 import save_table2

    app = App(load_config(config))
    with app.session() as session:
        save_table2(session, 2026, TABLE2, "web:editor", parse_iso("2027-01-04T10:00"))
    (folder / "ids.json").write_text(json.dumps(reg.ids))
    return folder


@pytest.fixture
def year(replayed: Path, tmp_path: Path) -> Register:
    shutil.copytree(replayed / "cfg", tmp_path / "cfg")
    reg = Register(tmp_path / "cfg" / "monitor.toml")
    reg.ids = json.loads((replayed / "ids.json").read_text())
    return reg


def _json(reg: Register, year: int = 2026, now: str = "2027-01-05T10:00") -> dict:
    return json.loads(
        reg.cli("report", "--period", str(year), "--format", "gov-annual", "--json", "--now", now)
    )


def test_every_cell_of_a_realistic_year_matches_the_hand_count(year: Register) -> None:
    doc = _json(year)
    assert set(doc) >= {"table3", "table4", "checks"}
    assert list(doc["table3"]) == list(EXPECTED_TABLE3)  # every row, in the format's order
    for row, expected in EXPECTED_TABLE3.items():
        assert list(doc["table3"][row]) == COLUMNS, row
        assert [doc["table3"][row][c] for c in COLUMNS] == expected, row
    assert doc["table4"] == EXPECTED_TABLE4
    checks = {c["name"]: c for c in doc["checks"]}
    assert all(c["ok"] for c in doc["checks"]), doc["checks"]
    assert checks["一＋二＝三（七）＋四"]["detail"] == "各列均相等"
    assert (
        "与 2026-01-05 10:00 生成的 2025 年度报告一致"
        in checks["二、上年结转＝上年度报告的四、结转下年度"]["detail"]
    )
    assert doc["marks"] == []
    assert doc["table2"]["行政事业性收费"]["本年收费金额（单位：万元）"] == "1.25"
    assert doc["table2"]["行政规范性文件"] == {
        "本年制发件数": 3,
        "本年废止件数": 1,
        "现行有效件数": 27,
    }


def test_the_xlsx_has_the_same_numbers_and_labels_laid_out_like_the_format(
    year: Register, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "2026年度报告.xlsx"
    text = year.cli(
        "report", "--period", "2026", "--format", "gov-annual", "--out", str(out), "--now", "2027-01-05T10:00"
    )  # fmt: skip
    assert "核对 5 项，0 项不通过" in text
    assert out.stat().st_mode & 0o777 == 0o600
    book = load_workbook(out)
    assert book.sheetnames == ["表二 主动公开", "表三 依申请公开", "表四 复议诉讼", "数据核对"]
    ws = book["表三 依申请公开"]
    assert ws["A1"].value == "三、收到和处理政府信息公开申请情况"
    assert ws["A3"].value == "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
    assert [ws.cell(row=5, column=c).value for c in range(5, 10)] == COLUMNS[1:6]
    assert (ws["D3"].value, ws["D4"].value, ws["E4"].value, ws["J4"].value) == (
        "申请人情况", "自然人", "法人或其他组织", "总计",
    )  # fmt: skip
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A3:C5", "D3:J3", "D4:D5", "E4:I4", "J4:J5", "A8:A29", "B10:B17", "B18:B20"} <= merged
    assert ws["A8"].value == "三、本年度办理结果"
    # read the rows back as the format shows them: label in A, B or C; numbers in D..J
    found: dict[str, list[int]] = {}
    group = ""
    for r in range(6, 31):
        a, b, c = (ws.cell(row=r, column=i).value for i in (1, 2, 3))
        if b and str(b).startswith("（") and c is None:
            label = str(b)
        elif c is not None:
            group = str(b) if b else group
            label = f"{group} {c}"
        else:
            label = str(a)
        found[label] = [ws.cell(row=r, column=i).value for i in range(4, 11)]
    assert found == EXPECTED_TABLE3
    assert ws.cell(row=8, column=4).border.left.style == "thin"
    assert ws.page_setup.paperSize == 9 and ws.page_setup.fitToWidth == 1
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    t4 = book["表四 复议诉讼"]
    assert (t4["A3"].value, t4["F3"].value, t4["F4"].value, t4["K4"].value) == (
        "行政复议", "行政诉讼", "未经复议直接起诉", "复议后起诉",
    )  # fmt: skip
    assert [t4.cell(row=6, column=c).value for c in range(1, 16)] == [
        *EXPECTED_TABLE4["行政复议"].values(),
        *EXPECTED_TABLE4["行政诉讼 未经复议直接起诉"].values(),
        *EXPECTED_TABLE4["行政诉讼 复议后起诉"].values(),
    ]
    assert t4.page_setup.orientation == "landscape"
    t2 = book["表二 主动公开"]
    values = [[c.value for c in row] for row in t2.iter_rows(min_row=4, max_col=4)]
    assert ["第二十条第（一）项", None, None, None] in values
    assert ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"] in values
    assert ["行政规范性文件", 3, 1, 27] in values
    assert ["行政处罚", 12, None, None] in values  # one figure spans the three columns
    assert ["行政事业性收费", 1.25, None, None] in values
    checks = [[c.value for c in row] for row in book["数据核对"].iter_rows(min_row=4, max_col=2)]
    assert checks and all(result == "通过" for _, result in checks)


def test_the_html_table_in_chromium(year: Register, tmp_path: Path) -> None:
    page = tmp_path / "gov-annual-2026.html"
    year.cli(
        "report", "--period", "2026", "--format", "gov-annual", "--out", str(page), "--now", "2027-01-05T10:00"
    )  # fmt: skip
    text = page.read_text(encoding="utf-8")
    for label in EXPECTED_TABLE3:
        for part in label.split(" "):
            assert part in text, part
    assert 'rowspan="22"' in text and 'rowspan="8"' in text and "@media print" in text
    assert "http://" not in text and "https://" not in text  # every asset inline
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed")
    folder = Path(os.environ.get("OM_SCREENSHOTS", tmp_path))
    shot = folder / "gov-annual.png"
    subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--screenshot={shot}", "--window-size=1000,1720", page.as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000
    pdf = tmp_path / "gov.pdf"
    subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
         f"--print-to-pdf={pdf}", page.as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_a_request_of_last_year_entered_after_its_report_is_named(year: Register) -> None:
    """上年结转 against the 2025 report's 结转下年度: a request received in December 2025 but
    registered only in February 2026, after that report was produced, is named."""
    year.add("LATE", "2025-12-30T10:00", "科研机构", now="2026-02-03T10:00")
    doc = _json(year)
    check = next(c for c in doc["checks"] if c["name"].startswith("二、上年结转"))
    assert not check["ok"]
    late = year.ids["LATE"]
    assert "科研机构 1≠0" in check["detail"] and "总计 4≠3" in check["detail"]
    assert (
        f"#{late}（2025-12-30 收到）在 2025 年度报告生成（2026-01-05 10:00）之后才登记"
        in check["detail"]
    )
    assert doc["table3"]["二、上年结转政府信息公开申请数量"]["科研机构"] == 1
    # the format's own balance still holds: the breach is against the published report
    assert next(c for c in doc["checks"] if c["name"] == "一＋二＝三（七）＋四")["ok"]


def test_a_carried_request_closed_back_in_last_year_after_the_report_is_named(
    tmp_path: Path,
) -> None:
    config = write_config(tmp_path / "cfg")
    reg = Register(config)
    reg.cli("init")
    reg.add("A", "2025-12-20T09:00", "自然人")
    reg.cli(
        "report",
        "--period",
        "2025",
        "--format",
        "gov-annual",
        "--json",
        "--now",
        "2026-01-05T10:00",
    )
    # in February the office records that A was in fact answered on 30 December
    reg.cli(
        "disclosure", "done", str(reg.ids["A"]), "--outcome", "予以公开", "--at", "2025-12-30T10:00",
        "--now", "2026-02-10T10:00",
    )  # fmt: skip
    doc = _json(reg)
    check = next(c for c in doc["checks"] if c["name"].startswith("二、上年结转"))
    assert not check["ok"]
    assert "自然人 0≠1" in check["detail"]
    assert (
        f"#{reg.ids['A']} 在 2025 年度报告中结转下年度，现记为 2025-12-30 10:00 办结（办结于报告生成后补登）"
        in check["detail"]
    )
    # re-producing the 2025 report takes the correction in: the next check passes
    reg.cli(
        "report",
        "--period",
        "2025",
        "--format",
        "gov-annual",
        "--json",
        "--now",
        "2026-02-11T10:00",
    )
    doc = _json(reg)
    assert all(c["ok"] for c in doc["checks"] if c["name"].startswith("二、上年结转"))


def test_a_report_of_a_year_still_running_is_a_preview(tmp_path: Path) -> None:
    config = write_config(tmp_path / "cfg")
    reg = Register(config)
    reg.cli("init")
    reg.add("A", "2026-03-02T09:00", "自然人")
    doc = _json(reg, 2026, "2026-06-01T10:00")
    assert doc["final"] is False and doc["table3"]["四、结转下年度继续办理"]["总计"] == 1
    text = reg.cli(
        "report", "--period", "2026", "--format", "gov-annual", "--out", str(tmp_path / "p.html"),
        "--now", "2026-06-01T10:00",
    )  # fmt: skip
    assert "本表为预览，未保存结转快照" in text
    doc = _json(reg, 2027, "2027-02-01T10:00")
    check = next(c for c in doc["checks"] if c["name"].startswith("二、上年结转"))
    assert "本系统没有生成过 2026 年度报告" in check["detail"]
    err = reg.cli("report", "--period", "2026-11", "--format", "gov-annual", "--json", code=1)
    assert "只用于年度报告" in err and "Traceback" not in err


def test_an_applicant_type_changed_after_the_report_is_named(year: Register) -> None:
    year.cli(
        "disclosure", "amend", str(year.ids["C3"]), "--applicant-type", "其他",
        "--now", "2026-03-01T10:00",
    )  # fmt: skip
    check = next(c for c in _json(year)["checks"] if c["name"].startswith("二、上年结转"))
    assert not check["ok"] and "法律服务机构 0≠1" in check["detail"]
    assert (
        f"#{year.ids['C3']} 的申请人类型在报告生成后由「法律服务机构」改为「其他」"
        in check["detail"]
    )
