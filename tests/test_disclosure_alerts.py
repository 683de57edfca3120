"""依申请公开 alerts through the real outbox and dispatcher to the fake WeCom robot: routed by
department, the applicant's name and contacts masked, a request answered meanwhile not alerted."""

from __future__ import annotations

from alerts.dispatch import dispatch
from alerts.labels import stage_label
from monitor.demo.sinks import FakeWecom
from monitor.disclosure.register import Context, add_request, done_request
from monitor.sweep import sweep
from tests.conftest import at, channels_toml


def _add(app, department: str = "综合科") -> int:
    with app.session() as session:
        ctx = Context(app.config, app.calendar, app.now())
        request = add_request(
            session,
            ctx,
            "申请公开某项目审计报告（联系电话13912345678）",
            app.now(),
            applicant="张三",
            contact="zhangsan@example.com",
            channel="信函",
            department=department,
        )
        return request.id


def test_overdue_request_is_routed_by_department_and_masked(
    make_app, wecom: FakeWecom, timing
) -> None:  # noqa: F811
    routing = '[routing]\ndefault = ["office"]\n[routing.departments]\n"综合科" = ["zhk"]\n'
    app = make_app(channels_toml(wecom, routing=routing), now="2026-11-02T10:00")
    _add(app)
    sweep(at(app, "2026-12-01T10:00"))  # due 11-30: overdue
    dispatch(app, timing=timing)
    [content] = wecom.contents("zhk")  # one alert: the 补正 limit (11-11) passed unalerted
    assert "【依申请公开超期】" in content and "答复期限：2026-11-30 24:00" in content
    # masked, then markdown-escaped (* → ＊, @ → ＠)
    assert "申请人：张＊＊" in content and "张三" not in content
    assert "13912345678" not in content and "139＊＊＊＊5678" in content
    assert "zhangsan" not in content and "z＊＊＊＠example.com" in content
    assert not any("依申请公开" in c for c in wecom.contents("office"))


def test_correction_limit_alert_and_a_request_done_meanwhile_is_skipped(
    make_app, wecom: FakeWecom, timing
) -> None:  # noqa: F811
    app = make_app(channels_toml(wecom), now="2026-11-02T10:00")
    rid = _add(app, department="财政科")
    sweep(at(app, "2026-11-11T09:00"))
    assert dispatch(app, timing=timing).sent == 1
    assert "【补正告知今日截止】" in wecom.contents("office")[0]
    sweep(at(app, "2026-11-27T07:00"))  # 2wd stage enqueued before office hours
    with app.session() as session:
        done_request(session, Context(app.config, app.calendar, app.now()), rid, "予以公开")
    result = dispatch(at(app, "2026-11-27T09:00"), timing=timing)
    assert result.skipped == 1 and result.sent == 0


def test_stage_labels() -> None:
    assert stage_label("disclosure_at_risk", "2wd@20261130") == "还剩2个工作日"
    assert stage_label("disclosure_at_risk", "1wd@20261130") == "今天到期"
    assert stage_label("disclosure_overdue", "overdue@20261130") == "已超期"
    assert stage_label("disclosure_correction", "correction") == "补正告知今日截止"


def test_daily_summary_lists_overdue_and_due_requests(make_app) -> None:
    from datetime import date

    from alerts.summary import build_summary

    app = make_app(now="2026-11-02T10:00")
    _add(app)  # due 11-30
    _add(app, department="财政科")
    with app.session() as session:
        ctx = Context(app.config, app.calendar, at(app, "2026-11-03T10:00").now())
        request = add_request(
            session, ctx, "申请公开2025年度预算执行审计报告", app.now(), department="财政科"
        )
        assert request.due_date == date(2026, 12, 1)
    at(app, "2026-12-01T08:30")
    sweep(app)
    summary = build_summary(app, date(2026, 12, 1))
    assert [r.title for r in summary.overdue].count(
        "【依申请公开】申请公开某项目审计报告（联系电话13912345678）"
    ) == 2
    assert [r.title for r in summary.due_today] == [
        "【依申请公开】申请公开2025年度预算执行审计报告"
    ]
    assert "13912345678" not in summary.text() and "依申请公开" in summary.text()


def test_alerts_list_names_the_request(make_app) -> None:
    from sqlalchemy import select

    from alerts.labels import subject_labels
    from monitor.db.models import Alert

    app = make_app(now="2026-11-02T10:00")
    _add(app)
    sweep(at(app, "2026-11-11T09:00"))
    with app.session() as session:
        alerts = list(session.scalars(select(Alert).where(Alert.subject == "disclosure:1")))
        # cut to the table's 40 columns, before the masked phone rather than inside it
        assert list(subject_labels(session, alerts).values()) == [
            "依申请公开·申请公开某项目审计报告（联系…"
        ]
