"""`report`: figures checked against a hand-built history, the XLSX opened with openpyxl,
the raw CSV, and the HTML report rendered in headless Chromium (Chinese labels, no CDN)."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.app import App
from monitor.cli import main
from monitor.db.models import Message, WatchHit, WatchTerm
from monitor.disclosure.register import Context, add_request, done_request
from monitor.report.figures import build_report
from monitor.report.period import parse_period
from monitor.timeutil import parse_iso
from monitor.tracking import declare_event, mark_milestone_done
from tests.conftest import add_message

NOW = "2026-12-10T10:00"


def _reply(app: App, message_id: int, when: str, state: str | None = None) -> None:
    with app.session() as session:
        m = session.get(Message, message_id)
        m.replied_at = parse_iso(when)
        m.state = state or ("replied" if m.replied_at <= m.deadline else "replied_late")


def _request(
    app: App,
    received: str,
    done: str | None = None,
    outcome: str = "予以公开",
    department: str = "综合科",
) -> None:
    with app.session() as session:
        ctx = Context(app.config, app.calendar, parse_iso(NOW))
        request = add_request(
            session,
            ctx,
            f"申请公开{received[:10]}的材料",
            parse_iso(received),
            applicant="王五",
            department=department,
        )
        if done:
            done_request(session, ctx, request.id, outcome, parse_iso(done))


@pytest.fixture
def history(make_app) -> App:
    return build_history(make_app(now=NOW))


def build_history(app: App) -> App:
    """A small history whose every figure is worked out by hand in the tests below."""
    m1 = add_message(app, "m1", "2026-11-02T10:00", "综合科")  # replied 11-04: 2 wd, on time
    _reply(app, m1, "2026-11-04T10:00")
    m2 = add_message(app, "m2", "2026-11-02T10:00", "综合科")  # replied 11-12: 8 wd, late
    _reply(app, m2, "2026-11-12T09:00")
    add_message(app, "m3", "2026-11-25T10:00", "综合科")  # due 12-02: open, not overdue at 11-30
    m4 = add_message(app, "m4", "2026-10-30T10:00", "综合科")  # October: only in the trend
    _reply(app, m4, "2026-11-02T10:00")
    add_message(app, "m5", "2026-11-16T09:00", "财政科")  # due 11-23: overdue
    with app.session() as session:
        for external_id, posted in (("m6", "2026-11-16T09:00"), ("m7", "2026-11-17T09:00")):
            session.add(
                Message(
                    source="mailbox",
                    external_id=external_id,
                    title=external_id,
                    posted_at=parse_iso(posted),
                    department="财政科",
                    first_seen=parse_iso(posted),
                    last_seen=parse_iso(posted),
                    due_date=parse_iso(posted).date(),
                    deadline=parse_iso(posted),
                    state="open",
                )
            )
    with app.session() as session:
        from sqlalchemy import select

        m6 = session.scalars(select(Message).where(Message.external_id == "m6")).one()
        m6.deadline, m6.replied_at, m6.state = (
            parse_iso("2026-11-24T00:00"),
            parse_iso("2026-11-16T15:00"),
            "replied",
        )
        m7 = session.scalars(select(Message).where(Message.external_id == "m7")).one()
        m7.deadline, m7.state = parse_iso("2026-11-25T00:00"), "withdrawn"
    # 依申请公开 across the year boundary
    _request(app, "2025-12-20T10:00", "2026-01-10T10:00", "予以公开")  # carried in
    _request(app, "2025-12-25T10:00", "2025-12-30T10:00", "予以公开")  # done before: not carried in
    _request(app, "2026-03-02T10:00", "2026-03-20T10:00", "部分公开")
    _request(app, "2026-06-01T10:00", "2026-06-10T10:00", "不予公开", department="财政科")
    _request(app, "2026-11-20T10:00")  # carried out
    # watch hits: one categorised term, one whose term was removed since
    with app.session() as session:
        session.add(
            WatchTerm(
                term="审计",
                level="warning",
                category="审计监督",
                exclude=[],
                enabled=True,
                updated_at=parse_iso(NOW),
            )
        )
        for subject, term, found in (
            ("news:1", "审计", "2026-11-03T10:00"),
            ("news:2", "审计", "2026-11-04T10:00"),
            ("news:2", "欠薪", "2026-11-04T10:00"),
            ("news:3", "审计", "2026-10-04T10:00"),
        ):
            session.add(
                WatchHit(
                    subject=subject,
                    term=term,
                    level="warning",
                    confidence=1.0,
                    found_at=parse_iso(found),
                )
            )
    # a crisis: published after 3 h (on time), press conference after 26 h (late)
    with app.session() as session:
        event = declare_event(
            session,
            "某工地欠薪事件",
            "major",
            parse_iso("2026-11-05T08:00"),
            app.config,
            parse_iso("2026-11-05T08:30"),
        )
        event_id = event.id
    with app.session() as session:
        mark_milestone_done(
            session, event_id, "publish", parse_iso("2026-11-05T11:00"), parse_iso(NOW)
        )
        mark_milestone_done(
            session, event_id, "press_conference", parse_iso("2026-11-06T10:00"), parse_iso(NOW)
        )
    return app


def _build(app: App, period: str):
    with app.session() as session:
        return build_report(session, app.config, app.calendar, parse_period(period), parse_iso(NOW))


def test_month_figures_by_department_source_and_total(history: App) -> None:
    report = _build(history, "2026-11")
    assert report.as_of == parse_iso("2026-12-01T00:00")  # the month's end, not now
    rows = {r.name: r for r in report.by_department}
    z, c = rows["综合科"], rows["财政科"]
    assert (z.received, z.on_time, z.late, z.open, z.overdue) == (3, 1, 1, 1, 0)
    assert z.rate == 0.5 and z.median_wd == 5.0 and z.p90_wd == 8.0
    assert (c.received, c.on_time, c.late, c.open, c.overdue, c.withdrawn) == (3, 1, 0, 1, 1, 1)
    assert c.rate == 0.5 and c.median_wd == 0.0
    t = report.total
    assert (t.received, t.on_time, t.late, t.open, t.overdue) == (6, 2, 1, 2, 1)
    assert t.median_wd == 2.0 and t.p90_wd == 8.0
    sources = {r.name: r for r in report.by_source}
    assert (sources["portal"].received, sources["portal"].overdue) == (4, 1)
    assert (
        sources["mailbox"].received,
        sources["mailbox"].on_time,
        sources["mailbox"].withdrawn,
    ) == (2, 1, 1)
    trend = {m.name: m for m in report.trend}
    assert len(report.trend) == 12 and report.trend[-1].name == "2026-11"
    assert trend["2026-10"].received == 1 and trend["2026-10"].on_time == 1
    assert trend["2026-11"].received == 6
    watch = {(w.category, w.level): (w.hits, w.subjects) for w in report.watch}
    assert watch == {("审计监督", "warning"): (2, 2), ("未分类", "warning"): (1, 1)}
    [crisis] = report.crises
    publish, press = crisis.milestones
    assert (publish["hours"], publish["on_time"], press["hours"], press["on_time"]) == (
        3.0,
        True,
        26.0,
        False,
    )


def test_annual_disclosure_table(history: App) -> None:
    d = _build(history, "2026").disclosure
    assert (d.new, d.carried_in, d.done, d.carried_out) == (3, 1, 3, 1)
    assert d.outcomes == {
        "予以公开": 1,
        "部分公开": 1,
        "不予公开": 1,
        "无法提供": 0,
        "不予处理": 0,
        "其他处理": 0,
    }
    assert d.new + d.carried_in == d.done + d.carried_out
    assert d.timeliness.received == 3 and d.timeliness.on_time == 2 and d.timeliness.open == 1
    # 03-02 → 03-20: 14 working days; 06-01 → 06-10: 7
    assert d.timeliness.median_wd == 10.5 and d.timeliness.p90_wd == 14.0
    q = _build(history, "2026-Q1").disclosure
    assert (q.new, q.carried_in, q.done, q.carried_out) == (1, 1, 2, 0)


def test_quarter_and_bad_period(history: App) -> None:
    assert _build(history, "2026-Q4").total.received == 7  # October's m4 too
    result = CliRunner().invoke(
        main, ["--config", str(history.config.path), "report", "--period", "2026-13"]
    )
    assert result.exit_code == 2 and "2026-Q4" in result.stderr and "Traceback" not in result.output


def _cli(app: App, *args: str) -> str:
    result = CliRunner().invoke(
        main, ["--config", str(app.config.path), "report", *args, "--now", NOW]
    )
    assert result.exit_code == 0, (result.output, result.stderr)
    return result.stdout


def test_xlsx_one_sheet_per_table(history: App, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "r.xlsx"
    assert "已写入" in _cli(history, "--period", "2026-11", "--out", str(out))
    book = load_workbook(out)
    assert book.sheetnames == [
        "按部门",
        "按来源",
        "月度趋势",
        "关注词命中",
        "舆情事件",
        "依申请公开",
        "依申请公开按部门",
        "回复质量",
        "意见征集",
    ]
    ws = book["按部门"]
    assert ws["A3"].value == "部门" and ws["E3"].value == "已撤回" and ws["H3"].value == "按时率"
    assert [c.value for c in ws[4]] == ["综合科", 3, 1, 1, 0, 1, 0, 0.5, 5, 8]
    assert ws["H4"].number_format == "0.0%"
    assert [c.value for c in ws[6]][:7] == ["合计", 6, 2, 1, 1, 2, 1]
    year = tmp_path / "y.xlsx"
    _cli(history, "--period", "2026", "--format", "xlsx", "--out", str(year))
    rows = [[c.value for c in r] for r in load_workbook(year)["依申请公开"].iter_rows(min_row=4)]
    assert rows[0] == ["一、本年新收政府信息公开申请数量", 3]
    assert rows[1] == ["二、上年结转政府信息公开申请数量", 1]
    assert rows[-1] == ["四、结转下年度继续办理", 1]


def test_csv_raw_rows(history: App) -> None:
    text = _cli(history, "--period", "2026-11", "--format", "csv", "--out", "-")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 7  # six messages and one request received in November
    assert {r["类型"] for r in rows} == {"留言", "依申请公开"}
    states = {r["编号"]: r["状态"] for r in rows if r["类型"] == "留言"}
    assert states == {
        "m1": "按时",
        "m2": "逾期",
        "m3": "办理中",
        "m5": "超期未办",
        "m6": "按时",
        "m7": "已撤回",
    }


def test_html_report_renders_chinese_in_chromium(history: App, tmp_path: Path) -> None:
    page = tmp_path / "r.html"
    _cli(history, "--period", "2026-11", "--out", str(page))
    text = page.read_text(encoding="utf-8")
    assert "<svg" in text and "各部门留言按时率" in text and "Noto Sans CJK SC" in text
    assert "http://" not in text.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )  # nothing fetched
    assert "@media print" in text
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed")
    shot = Path(os.environ.get("REPORT_SCREENSHOT", tmp_path / "r.png"))
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--screenshot={shot}",
            "--window-size=1000,1400",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    # and it prints: the browser's own PDF of the page (print CSS, A4)
    pdf = tmp_path / "r.pdf"
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 20_000
    # the CJK font the page names is installed, so no label falls back to missing-glyph boxes
    fc = subprocess.run(
        ["fc-match", "Noto Sans CJK SC"], capture_output=True, text=True, check=False
    )
    assert "NotoSansCJK" in fc.stdout.replace(" ", "")
