"""Reports hold personal data and must add up (issues 22 and 23).

- Report files are private (0600, also over an existing 0644 file) and personal numbers in them
  are masked; `--unmasked` (and, on the dashboard, an editor's 未脱敏 download) gives them whole;
  a viewer cannot ask for it.
- Every table of a realistic month's report sums: each row's 收件 is 按时 + 逾期 + 已撤回 + 尚未回复,
  each column's 合计 is the sum of its rows, and the 依申请公开 table balances."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.app import App
from monitor.cli import main
from monitor.db.models import Message
from monitor.timeutil import parse_iso
from monitor.tracking import declare_event
from tests.conftest import add_message
from tests.test_report import NOW, build_history
from tests.web_helpers import client_as, web_for

PHONE, ID_NUMBER = "13812345678", "34150119900101123X"


@pytest.fixture
def month(make_app) -> App:
    """build_history's November plus what a real month has: more departments, a second
    withdrawal, personal numbers in titles, a crisis named with a phone number."""
    app = build_history(make_app(now=NOW))
    add_message(
        app, "p1", "2026-11-10T09:00", "办公室", title=f"我的电话{PHONE}，身份证{ID_NUMBER}"
    )
    add_message(app, "p2", "2026-11-12T09:00", "办公室", title="路灯不亮")
    add_message(app, "p3", "2026-11-20T09:00", None, title="未分部门的留言")
    with app.session() as session:
        from sqlalchemy import select

        p2 = session.scalars(select(Message).where(Message.external_id == "p2")).one()
        p2.state = "withdrawn"
        declare_event(
            session,
            f"某小区停水（联系人{PHONE}）",
            "major",
            parse_iso("2026-11-18T08:00"),
            app.config,
            parse_iso("2026-11-18T08:30"),
        )
    return app


def _cli(app: App, *args: str) -> str:
    result = CliRunner().invoke(
        main, ["--config", str(app.config.path), "report", *args, "--now", NOW]
    )
    assert result.exit_code == 0, (result.output, result.stderr)
    return result.stdout


@pytest.mark.parametrize("fmt", ["csv", "html", "xlsx"])
def test_report_files_are_private_and_masked(month: App, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"report.{fmt}"
    out.write_text("old")
    os.chmod(out, 0o644)  # an existing, world-readable file is tightened, not kept
    _cli(month, "--period", "2026-11", "--format", fmt, "--out", str(out))
    assert out.stat().st_mode & 0o777 == 0o600
    data = _read(out, fmt)
    assert PHONE not in data and ID_NUMBER not in data
    assert "138****5678" in data
    if fmt == "csv":
        assert "34**************3X" in data
    whole = tmp_path / f"whole.{fmt}"
    _cli(month, "--period", "2026-11", "--format", fmt, "--out", str(whole), "--unmasked")
    assert whole.stat().st_mode & 0o777 == 0o600
    assert PHONE in _read(whole, fmt)


def _read(path: Path, fmt: str) -> str:
    if fmt != "xlsx":
        return path.read_text(encoding="utf-8-sig")
    from openpyxl import load_workbook

    book = load_workbook(path)
    return "\n".join(
        str(c.value) for ws in book for row in ws.iter_rows() for c in row if c.value is not None
    )


def test_the_dashboard_masks_and_only_editors_get_the_unmasked_export(month: App) -> None:
    web = web_for(month)
    viewer = client_as(web, "viewer")
    masked = viewer.get("/reports/download", query_string={"period": "2026-11", "format": "csv"})
    text = masked.data.decode("utf-8-sig")
    assert masked.status_code == 200 and PHONE not in text and "138****5678" in text
    denied = viewer.get(
        "/reports/download", query_string={"period": "2026-11", "format": "csv", "unmasked": "1"}
    )
    assert denied.status_code == 403
    page = viewer.get("/reports", query_string={"period": "2026-11"}).get_data(as_text=True)
    assert PHONE not in page and "未脱敏" not in page
    editor = client_as(web, "editor")
    whole = editor.get(
        "/reports/download", query_string={"period": "2026-11", "format": "csv", "unmasked": "1"}
    )
    assert whole.status_code == 200 and PHONE in whole.data.decode("utf-8-sig")
    assert "未脱敏" in editor.get("/reports", query_string={"period": "2026-11"}).get_data(
        as_text=True
    )


MESSAGE_SHEETS = ("按部门", "按来源", "月度趋势")


def test_every_table_of_a_realistic_month_sums(month: App, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "m.xlsx"
    _cli(month, "--period", "2026-11", "--out", str(out))
    book = load_workbook(out)
    for name in (*MESSAGE_SHEETS, "依申请公开按部门"):
        ws = book[name]
        head = [c.value for c in ws[3]]
        col = {h: i for i, h in enumerate(head)}
        parts = ["按时回复", "逾期回复", "已撤回", "尚未回复"] if name != "依申请公开按部门" else [
            "按时回复", "逾期回复", "尚未回复",
        ]  # fmt: skip
        rows = [[c.value for c in r] for r in ws.iter_rows(min_row=4)]
        assert rows, name
        for row in rows:
            assert row[col["收件"]] == sum(row[col[p]] for p in parts), (name, row)
            assert row[col["其中超期"]] <= row[col["尚未回复"]], (name, row)
        if name != "月度趋势":  # the trend has no 合计 row
            *body, total = rows
            assert total[0] == "合计"
            for h in ["收件", *parts, "其中超期"]:
                assert total[col[h]] == sum(r[col[h]] for r in body), (name, h)
    # the month's figures: 9 received, one row per kind of outcome
    by_department = {r[0].value: [c.value for c in r] for r in book["按部门"].iter_rows(min_row=4)}
    # m1 m6 on time; m2 late; m7 p2 withdrawn; m3 open; m5 p1 p3 overdue
    assert by_department["合计"][1:7] == [9, 2, 1, 2, 4, 3]
    trend = {r[0].value: [c.value for c in r] for r in book["月度趋势"].iter_rows(min_row=4)}
    assert trend["2026-11"][1] == 9
    # the 依申请公开 table balances: 一 + 二 = （七） + 四, （七） = （一）…（六）
    items = {r[0].value: r[1].value for r in book["依申请公开"].iter_rows(min_row=4)}
    new, carried_in = (
        items["一、本期新收政府信息公开申请数量"],
        items["二、上期结转政府信息公开申请数量"],
    )
    done, carried_out = items["三、本期办理结果（七）总计"], items["四、结转下期继续办理"]
    assert new + carried_in == done + carried_out
    assert done == sum(v for k, v in items.items() if k.startswith("三、") and "（七）" not in k)
    # JSON: the same identity on the total and on every department
    doc = json.loads(_cli(month, "--period", "2026-11", "--json"))
    for t in [doc["total"], *doc["by_department"], *doc["by_source"]]:
        assert t["received"] == t["on_time"] + t["late"] + t["withdrawn"] + t["open"], t
    # the HTML's summary line names the withdrawn ones
    page = _cli(month, "--period", "2026-11", "--out", "-")
    assert "已撤回 2 件" in page and "<th>已撤回</th>" in page
    rows = list(
        csv.DictReader(
            io.StringIO(_cli(month, "--period", "2026-11", "--format", "csv", "--out", "-"))
        )
    )
    assert sum(1 for r in rows if r["类型"] == "留言") == 9
