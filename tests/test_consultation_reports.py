"""意见征集 in the daily summary, the report (held, windows short, 采纳情况 on time) and
`status`, from a real SQLite file."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

from click.testing import CliRunner

from monitor.cli import main
from monitor.consultation.register import add_consultation, record_feedback
from monitor.disclosure.register import Context
from monitor.timeutil import parse_iso
from tests.conftest import at


def _add(app, title: str, opens: str, closes: str, department: str | None = "综合科") -> int:
    with app.session() as session:
        ctx = Context(app.config, app.calendar, app.now())
        row = add_consultation(
            session, ctx, title, parse_iso(opens), parse_iso(closes), department=department
        )
        return row.id


def _feedback(app, cid: int, when: str) -> None:
    with app.session() as session:
        record_feedback(session, Context(app.config, app.calendar, app.now()), cid, parse_iso(when))


def cli(app, *args: str) -> str:
    result = CliRunner().invoke(main, ["--config", str(app.config.path), *args])
    assert result.exit_code == 0, (result.output, result.stderr)
    return result.stdout


def seed(app) -> dict[str, int]:
    """Seven drafts: windows opened in September and October 2026."""
    at(app, "2026-08-20T10:00")
    ids = {
        # closes Tue 09-15 → due Mon 10-12 (Sun 09-20 and Sat 10-10 are make-up workdays; 中秋
        # 09-25 and 国庆 10-01…10-07 rest); published on time
        "on_time": _add(app, "城市绿化条例（草案）", "2026-08-16", "2026-09-15"),
        # 19 days (short); closes on the make-up Sunday 09-20 → due Fri 10-16; published late
        "late": _add(app, "停车收费标准（征求意见稿）", "2026-09-01", "2026-09-20", "财政科"),
        # 29 days (short); closes 09-30 → due 10-27; nothing published: overdue by November
        "overdue": _add(app, "排水管理办法（征求意见稿）", "2026-09-01", "2026-09-30"),
        # closes 10-20 → due Tue 11-10
        "due_today": _add(app, "物业管理条例（征求意见稿）", "2026-09-20", "2026-10-20"),
        # closes 10-21 → due Wed 11-11: the next working day after 11-10
        "due_next": _add(app, "养犬管理规定（征求意见稿）", "2026-09-21", "2026-10-21"),
        # a short window still taking comments on 11-10
        "short_open": _add(app, "燃气安全规定（征求意见稿）", "2026-10-30", "2026-11-20", None),
        # opened in November (not in September's report)
        "november": _add(app, "殡葬管理办法（征求意见稿）", "2026-11-01", "2026-12-15"),
    }
    at(app, "2026-10-20T10:00")
    _feedback(app, ids["on_time"], "2026-10-12T17:00")
    _feedback(app, ids["late"], "2026-10-19T09:00")
    return ids


def test_daily_summary_lists_feedback_due_and_short_windows(make_app) -> None:
    from alerts.summary import build_summary

    app = make_app(now="2026-08-20T10:00")
    seed(app)
    summary = build_summary(app, date(2026, 11, 10), parse_iso("2026-11-10T08:30"))
    got = [(c["situation"], c["title"]) for c in summary.consultations]
    assert got == [
        ("feedback_overdue", "排水管理办法（征求意见稿）"),
        ("feedback_due_today", "物业管理条例（征求意见稿）"),
        ("feedback_due_next", "养犬管理规定（征求意见稿）"),
        ("short", "燃气安全规定（征求意见稿）"),
    ]
    text = summary.text()
    assert "九、意见征集（4 项）" in text and "采纳情况超期" in text and "征集期过短" in text
    assert "### 意见征集（4 项）" in summary.markdown()
    assert "<h3>意见征集（4 项）</h3>" in summary.html()
    doc = summary.as_dict()["consultations"]
    assert doc[0] == {
        "id": 3,
        "title": "排水管理办法（征求意见稿）",
        "department": "综合科",
        "situation": "feedback_overdue",
        "feedback_due": "2026-10-27",
    }
    # a past day's summary describes that day: on 10-16 #2 was due and not yet published
    # (it was on 10-19); #1 had been published on 10-12
    past = build_summary(app, date(2026, 10, 16), parse_iso("2026-10-16T08:30"))
    assert [(c["id"], c["situation"]) for c in past.consultations] == [
        (2, "feedback_due_today"),
        (6, "short"),
    ]


def test_report_counts_held_short_and_on_time(make_app) -> None:
    app = make_app(now="2026-08-20T10:00")
    seed(app)
    at(app, "2026-11-12T10:00")
    doc = json.loads(cli(app, "report", "--period", "2026-09", "--json"))["consultation"]
    total = doc["total"]
    # opened in September: #2…#5 (#1 opened in August); as of the month's end nothing was due
    assert (total["held"], total["short"], total["pending"]) == (4, 2, 4)
    assert total["on_time"] == total["late"] == total["overdue"] == 0
    assert total["punctuality"] is None
    quarter = json.loads(cli(app, "report", "--period", "2026-Q3", "--json"))["consultation"]
    assert quarter["total"]["held"] == 5 and quarter["total"]["pending"] == 5
    year = json.loads(cli(app, "report", "--period", "2026", "--json"))["consultation"]["total"]
    assert (year["held"], year["short"], year["on_time"], year["late"]) == (7, 3, 1, 1)
    assert year["overdue"] == 3 and year["pending"] == 2 and year["punctuality"] == 0.2
    by = {
        r["name"]: r["held"]
        for r in json.loads(cli(app, "report", "--period", "2026", "--json"))["consultation"][
            "by_department"
        ]
    }
    assert by == {"综合科": 5, "财政科": 1, "未分配部门": 1}
    page = cli(app, "report", "--period", "2026", "--out", "-")
    assert "九、意见征集" in page and "本期开始征集意见 7 项，其中征集期过短 3 项" in page
    rows = list(
        csv.DictReader(
            io.StringIO(cli(app, "report", "--period", "2026", "--format", "csv", "--out", "-"))
        )
    )
    mine = [r for r in rows if r["类型"] == "意见征集"]
    assert len(mine) == 7 and {r["状态"] for r in mine} >= {"按时", "逾期", "超期未办"}
    assert any(r["办理结果"] == "征集 19 天（过短）" for r in mine)


def test_status_counts_consultations(make_app) -> None:
    app = make_app(now="2026-08-20T10:00")
    seed(app)
    at(app, "2026-11-12T10:00")
    cli(app, "sweep", "--now", "2026-11-12T10:00")
    doc = json.loads(cli(app, "status", "--json"))["consultations"]
    assert doc["done_on_time"] == 1 and doc["done_late"] == 1 and doc["overdue"] == 3
    assert doc["collecting"] == 2
    assert "意见征集：" in cli(app, "status")


def test_sweep_and_report_on_postgresql(make_pg_app) -> None:
    """The set-based steps and the report's GROUP BY on a real PostgreSQL server."""
    from sqlalchemy import select

    from monitor.consultation.figures import consultation_figures
    from monitor.db.models import Alert
    from monitor.report.period import parse_period
    from monitor.sweep import sweep

    app = make_pg_app(now="2026-08-20T10:00")
    ids = seed(app)
    sweep(at(app, "2026-11-10T09:00"))
    sweep(at(app, "2026-11-10T09:05"))
    with app.session() as session:
        got = sorted(
            (a.subject, a.kind, a.stage)
            for a in session.scalars(select(Alert).where(Alert.subject.like("consultation:%")))
        )
        table = consultation_figures(session, parse_period("2026"), app.now())
    assert (f"consultation:{ids['short_open']}", "consultation_short", "short") in got
    assert (
        f"consultation:{ids['overdue']}",
        "consultation_feedback_overdue",
        "overdue@20261027",
    ) in got
    assert (
        f"consultation:{ids['due_today']}",
        "consultation_feedback_at_risk",
        "1wd@20261110",
    ) in got
    t = table.total
    assert (t.held, t.short, t.on_time, t.late, t.overdue) == (7, 3, 1, 1, 1)
