"""Reply quality in the product (docs/reply-quality.md) on a real SQLite file: the sweep judges each
reply once (whatever path stored it), a pasted reply found later makes the earlier one a
template too, `reply_perfunctory` goes to the office's route once per message in office hours,
`items --json` carries `reply_quality`, an editor's 误报/属实 is recorded with the user (a 误报
leaves the figures, and the dispatcher skips its waiting alert), the daily summary lists the
flags, the report gives replies, flagged and rate per department."""

from __future__ import annotations

import json
from datetime import date

from click.testing import CliRunner
from sqlalchemy import select

from alerts.dispatch import dispatch
from monitor.cli import main
from monitor.db.models import Alert, Message, ReplyVerdict
from monitor.sweep import sweep
from monitor.timeutil import parse_iso
from tests.conftest import add_message, at, channels_toml
from tests.web_helpers import client_as, post, web_for

PASTED = "您好！您反映的问题我们已经收到，已安排工作人员进行核查，核查后会及时处理，感谢您对我们工作的支持！"
GOOD = "您好！经核查，幸福路东段路灯线路老化，市路灯管理处已于11月20日更换电缆60米，6盏路灯已恢复照明。"


def _reply(app, message_id: int, body: str, reply: str, replied: str = "2026-11-25T15:00") -> None:
    with app.session() as db:
        m = db.get(Message, message_id)
        m.body, m.reply = body, reply
        m.replied_at, m.state = parse_iso(replied), "replied"


def _seed(app) -> dict[str, int]:
    ids = {
        "roof": add_message(app, "2001", "2026-11-20T09:00", "综合科", "楼顶违建"),
        "smoke": add_message(app, "2002", "2026-11-20T10:00", "综合科", "饭店油烟"),
        "lamp": add_message(app, "2003", "2026-11-20T11:00", "审计一科", "幸福路路灯不亮"),
        "wait": add_message(app, "2004", "2026-11-20T12:00", "审计一科", "下水道堵塞"),
    }
    _reply(app, ids["roof"], "小区12号楼顶层住户在楼顶加盖房屋。", PASTED)
    _reply(app, ids["lamp"], "幸福路东段从十一月初开始有五六盏路灯不亮。", GOOD)
    _reply(app, ids["wait"], "小区下水道堵了一个星期，污水都冒出来了。", "我们会尽快处理。")
    return ids


def _verdicts(app) -> dict[int, ReplyVerdict]:
    with app.session() as db:
        rows = list(db.scalars(select(ReplyVerdict)))
        for r in rows:
            db.expunge(r)
    return {r.message_id: r for r in rows}


def _alerts(app) -> list[Alert]:
    with app.session() as db:
        rows = list(db.scalars(select(Alert).where(Alert.kind == "reply_perfunctory")))
        for r in rows:
            db.expunge(r)
    return rows


def test_sweep_judges_alerts_once_and_spreads_templates(make_app) -> None:
    app = make_app(now="2026-11-26T10:00")
    ids = _seed(app)
    result = sweep(app)
    assert result.counts["reply_quality.judge"] == 3
    verdicts = _verdicts(app)
    assert not verdicts[ids["lamp"]].perfunctory
    assert verdicts[ids["wait"]].reasons == ["too_short"]
    assert not verdicts[ids["roof"]].perfunctory  # alone, a reply is no template yet
    alerts = _alerts(app)
    assert [a.subject for a in alerts] == [f"message:{ids['wait']}"]
    assert alerts[0].department is None  # the office's route ([routing] default)
    assert alerts[0].data["labels"] == ["过于简短"]

    # the same reply pasted to a different question, later: both are templates now
    _reply(app, ids["smoke"], "小区楼下饭店油烟直排，窗户都不敢开。", PASTED, "2026-11-26T09:30")
    at(app, "2026-11-26T10:05")
    assert sweep(app).counts["reply_quality.judge"] == 1
    verdicts = _verdicts(app)
    assert verdicts[ids["smoke"]].reasons == ["template"]
    assert verdicts[ids["smoke"]].evidence["template"]["same_reply_as"] == [ids["roof"]]
    assert "template" in verdicts[ids["roof"]].reasons
    assert verdicts[ids["roof"]].evidence["template"]["same_reply_as"] == [ids["smoke"]]
    subjects = sorted(a.subject for a in _alerts(app))
    assert subjects == sorted(f"message:{ids[k]}" for k in ("wait", "roof", "smoke"))
    smoke_alert = next(a for a in _alerts(app) if a.subject == f"message:{ids['smoke']}")
    assert any(f"#{ids['roof']}「楼顶违建」" in line for line in smoke_alert.data["evidence"])

    # once per message: more sweeps add nothing, nothing is judged twice
    at(app, "2026-11-26T10:10")
    again = sweep(app)
    assert again.counts["reply_quality.judge"] == 0 and again.counts["alerts.reply_quality"] == 0


def test_the_flag_reaches_the_office_robot_with_its_reasons(make_app, wecom, timing) -> None:
    app = make_app(channels_toml(wecom), now="2026-11-26T10:00")  # a Thursday, office hours
    ids = _seed(app)
    sweep(app)
    dispatch(app, timing=timing)
    [content] = wecom.contents("office")  # with the other alerts due, in one message
    assert "【疑似敷衍回复】" in content and "下水道堵塞" in content
    assert "部门：审计一科" in content and "原因：过于简短" in content
    assert "只有表态" in content and "标记“误报”或“属实”" in content
    assert [(a.subject, a.status) for a in _alerts(app)] == [(f"message:{ids['wait']}", "sent")]


def test_items_json_carries_reply_quality(make_app) -> None:
    app = make_app(now="2026-11-26T10:00")
    ids = _seed(app)
    sweep(app)
    result = CliRunner().invoke(
        main, ["--config", str(app.config.path), "items", "--state", "all", "--json"]
    )
    assert result.exit_code == 0, result.output
    docs = {d["external_id"]: d for d in json.loads(result.stdout)}
    assert docs["2002"]["reply_quality"] is None  # no reply yet
    assert docs["2003"]["reply_quality"]["perfunctory"] is False
    wait = docs["2004"]["reply_quality"]
    assert wait["perfunctory"] is True and wait["reasons"] == ["too_short"]
    assert 0.5 <= wait["score"] <= 1 and wait["mark"] is None
    assert ids  # (ids used by the seed)


def test_editor_marks_false_positive_recorded_out_of_figures_and_alert_not_sent(
    make_app, wecom, timing
) -> None:
    from monitor.db import engine  # noqa: F401  (the app's engine is used below)
    from monitor.report.figures import build_report
    from monitor.report.period import parse_period

    app = make_app(channels_toml(wecom), now="2026-11-26T10:00")
    ids = _seed(app)
    sweep(app)
    web = web_for(app)
    viewer = client_as(web, "viewer")
    page = viewer.get(f"/messages/{ids['wait']}").get_data(as_text=True)
    assert "疑似敷衍" in page and "过于简短" in page and "只有表态" in page
    assert 'value="false_positive"' not in page  # viewers read only
    assert (
        post(viewer, f"/messages/{ids['wait']}/reply-quality", {"mark": "confirmed"}).status_code
        == 403
    )

    editor = client_as(web, "editor")
    with app.session() as db:
        before = build_report(db, app.config, app.calendar, parse_period("2026-11"), app.now())
    assert [(q.name, q.replies, q.flagged) for q in before.reply_quality] == [
        ("审计一科", 2, 1),
        ("综合科", 1, 0),
        ("合计", 3, 1),
    ]
    response = post(
        editor,
        f"/messages/{ids['wait']}/reply-quality",
        {"mark": "false_positive"},
        f"/messages/{ids['wait']}",
    )
    assert response.status_code == 303
    row = _verdicts(app)[ids["wait"]]
    assert (row.mark, row.marked_by) == ("false_positive", "web:editor")
    assert [a.status for a in _alerts(app)] == ["pending"]  # made, not dispatched yet
    result = dispatch(app, timing=timing)
    assert result.skipped == 1 and not any("疑似敷衍" in c for c in wecom.contents())
    [alert] = _alerts(app)
    assert alert.status == "skipped" and "false positive" in (alert.last_error or "")
    page = editor.get(f"/messages/{ids['wait']}").get_data(as_text=True)
    assert "编辑核实：<strong>误报</strong>（web:editor" in page
    with app.session() as db:
        after = build_report(db, app.config, app.calendar, parse_period("2026-11"), app.now())
    assert after.reply_quality[-1].flagged == 0 and after.reply_quality[-1].replies == 3
    bad = post(
        editor,
        f"/messages/{ids['lamp']}/reply-quality",
        {"mark": "whatever"},
        f"/messages/{ids['lamp']}",
    )
    assert bad.status_code == 303 and _verdicts(app)[ids["lamp"]].mark is None
    huge = post(editor, "/messages/99999999999999999999/reply-quality", {"mark": "confirmed"})
    assert huge.status_code == 404  # an id no row can have: the same rule as every page


def test_daily_summary_lists_the_previous_days_flags(make_app) -> None:
    from alerts.summary import build_summary

    app = make_app(now="2026-11-26T10:00")
    _seed(app)
    sweep(app)  # judged on the 26th
    today = build_summary(app, date(2026, 11, 26), parse_iso("2026-11-26T18:00"))
    assert today.reply_flags == []  # today's flags wait for tomorrow's summary
    tomorrow = build_summary(app, date(2026, 11, 27), parse_iso("2026-11-27T08:30"))
    assert [f["title"] for f in tomorrow.reply_flags] == ["下水道堵塞"]
    assert "八、疑似敷衍回复（1 条）" in tomorrow.text()
    assert "下水道堵塞（过于简短）" in tomorrow.text()
    assert tomorrow.as_dict()["reply_flags"][0]["reasons"] == ["too_short"]
    assert "疑似敷衍回复" in tomorrow.html() and "疑似敷衍回复" in tomorrow.markdown()
