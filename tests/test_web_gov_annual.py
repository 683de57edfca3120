"""The dashboard's side of the annual report and the register (issues 20, 22, 23): the
disclosure page's selects and labelled date boxes, the same operations as the CLI, /reports
opening on the current month, the national-format view with table 二's form and the
publication date, and the 31 March milestone on the board with its reminders on the office
route (through the real outbox and dispatcher to the fake WeCom robot)."""

from __future__ import annotations

import json
from html.parser import HTMLParser

from alerts.dispatch import dispatch
from monitor.demo.sinks import FakeWecom
from monitor.disclosure.register import Context, add_request
from monitor.report.deadline import milestone
from monitor.report.gov_table2 import mark_published
from monitor.sweep import sweep
from monitor.timeutil import parse_iso
from tests.conftest import at, channels_toml, outbox_rows
from tests.test_web_pages import cli
from tests.web_helpers import client_as, post, web_for


class _Inputs(HTMLParser):
    """Every <input>/<select> with the label it sits in (None when outside any label)."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.label: list[str] = []
        self.fields: list[tuple[dict[str, str | None], str | None]] = []
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "label":
            self.depth += 1
            self._text = []
        elif tag in ("input", "select"):
            self.fields.append(
                (dict(attrs) | {"tag": tag}, "".join(self._text).strip() if self.depth else None)
            )

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self._text.append(data)


def _fields(page: str) -> list[tuple[dict[str, str | None], str | None]]:
    parser = _Inputs()
    parser.feed(page)
    return parser.fields


def _add(client, **extra: str) -> int:
    response = post(
        client,
        "/disclosures",
        {"title": "申请公开某审计项目材料", "received": "2026-09-28T10:00", **extra},
        page="/disclosures",
    )
    assert response.status_code == 303
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_every_date_box_of_the_disclosure_pages_is_labelled_and_lists_are_selects(make_app):
    app = make_app(now="2026-10-05T10:00")
    client = client_as(web_for(app), "editor")
    rid = _add(client)
    post(client, f"/disclosures/{rid}/correct", {"asked": "2026-09-30T10:00"}, page="/disclosures")
    for path in ("/disclosures", f"/disclosures/{rid}"):
        fields = _fields(client.get(path).get_data(as_text=True))
        dates = [(f, label) for f, label in fields if f.get("type") in ("date", "datetime-local")]
        assert dates, path
        for field, label in dates:
            assert label, (path, field)  # inside a <label> with words in it
    fields = _fields(client.get(f"/disclosures/{rid}").get_data(as_text=True))
    selects = {f["name"] for f, _ in fields if f["tag"] == "select"}
    assert {"outcome", "reason", "applicant_type", "kind", "result"} <= selects
    labels = {f.get("name"): label for f, label in fields}
    assert labels["until"] == "补正期限" and labels["asked"] == "告知补正时间"
    page = client.get(f"/disclosures/{rid}").get_data(as_text=True)
    assert '<optgroup label="不予公开">' in page and "3.危及“三安全一稳定”" in page
    assert "lapse-form" in page  # 补正 asked and nothing back: the 逾期未补正 button is offered


def test_the_pages_run_the_registers_operations(make_app):
    app = make_app(now="2026-11-05T10:00")
    client = client_as(web_for(app), "editor")
    rid = _add(client, applicant_type="商业企业")
    # an overdue request: a 补正 receipt without a 补正 asked is refused, nothing changes
    post(client, f"/disclosures/{rid}/correct", {"at": "2026-11-04T10:00"}, page="/disclosures")
    page = client.get(f"/disclosures/{rid}").get_data(as_text=True)
    assert "未保存" in page and "没有登记告知补正" in page
    doc = json.loads(cli(app, "disclosure", "list", "--state", "all", "--json"))[0]
    assert doc["state"] == "overdue" and doc["applicant_type"] == "商业企业"
    post(
        client,
        f"/disclosures/{rid}/done",
        {"outcome": "不予公开", "reason": "重复申请", "at": "2026-11-04T10:00"},
        page="/disclosures",
    )
    assert "不属于「不予公开」" in client.get(f"/disclosures/{rid}").get_data(as_text=True)
    post(
        client,
        f"/disclosures/{rid}/done",
        {"outcome": "不予公开", "reason": "属于国家秘密", "at": "2026-11-04T10:00"},
        page="/disclosures",
    )
    post(
        client,
        f"/disclosures/{rid}/review",
        {"kind": "复议", "result": "未审结", "at": "2026-11-05T09:00"},
        page="/disclosures",
    )
    post(
        client,
        f"/disclosures/{rid}/amend",
        {"applicant_type": "法律服务机构", "reason": "保护第三方合法权益"},
        page="/disclosures",
    )
    doc = json.loads(cli(app, "disclosure", "list", "--state", "all", "--json"))[0]
    assert (doc["outcome"], doc["reason"], doc["applicant_type"]) == (
        "不予公开",
        "保护第三方合法权益",
        "法律服务机构",
    )
    assert doc["reviews"] == [
        {
            "kind": "复议",
            "kind_label": "行政复议",
            "result": "未审结",
            "filed_at": "2026-11-05T09:00:00+08:00",
        }
    ]
    page = client.get(f"/disclosures/{rid}").get_data(as_text=True)
    assert "行政复议" in page and "web:editor" in page


def test_reports_open_on_the_current_month(make_app):
    app = make_app(now="2026-11-26T10:00")
    page = client_as(web_for(app), "viewer").get("/reports").get_data(as_text=True)
    assert "2026年11月政务舆情回应与依申请公开情况报告" in page
    assert 'value="2026-11"' in page


def test_the_national_format_view_table_two_and_publication(make_app):
    app = make_app(now="2027-02-20T10:00")
    web = web_for(app)
    editor = client_as(web, "editor")
    page = editor.get("/reports", query_string={"period": "2026"}).get_data(as_text=True)
    assert "view=gov-annual" in page
    page = editor.get("/reports", query_string={"period": "2026", "view": "gov-annual"}).get_data(
        as_text=True
    )
    assert "三、收到和处理政府信息公开申请情况" in page and "（七）总计" in page
    assert 'id="table2-form"' in page and "表二（主动公开）已填报" in page
    bad = post(
        editor,
        "/reports/table2",
        {"year": "2026", "规章|本年制发件数": "三"},
        page="/reports?period=2026&view=gov-annual",
    )
    assert bad.status_code == 303
    page = editor.get(bad.headers["Location"]).get_data(as_text=True)
    assert "未保存" in page and "表二「规章 / 本年制发件数」" in page
    post(
        editor,
        "/reports/table2",
        {
            "year": "2026",
            "行政处罚|本年处理决定数量": "12",
            "行政事业性收费|本年收费金额（单位：万元）": "3.5",
        },
        page="/reports?period=2026&view=gov-annual",
    )
    doc = json.loads(cli(app, "report", "--period", "2026", "--format", "gov-annual", "--json"))
    assert doc["table2"]["行政处罚"]["本年处理决定数量"] == 12
    assert doc["table2"]["行政事业性收费"]["本年收费金额（单位：万元）"] == "3.5"
    viewer = client_as(web, "viewer")
    assert post(viewer, "/reports/table2", {"year": "2026"}, page="/reports").status_code == 403
    assert 'id="table2-form"' not in viewer.get(
        "/reports", query_string={"period": "2026", "view": "gov-annual"}
    ).get_data(as_text=True)
    # downloads: the national format as XLSX and HTML; producing it keeps the 结转 snapshot
    xlsx = viewer.get(
        "/reports/download", query_string={"period": "2026", "format": "gov-annual", "file": "xlsx"}
    )
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    from monitor.db.models import GovAnnualReport

    with app.session() as session:
        assert session.get(GovAnnualReport, 2026).produced_by == "web:viewer"
    # the board shows the 31 March milestone until the publication is recorded
    board = editor.get("/").get_data(as_text=True)
    assert "2026 年政府信息公开工作年度报告" in board and "截止 2027-03-31 24:00" in board
    post(
        editor,
        "/reports/published",
        {"year": "2026", "published_on": "2027-02-19"},
        page="/reports?period=2026&view=gov-annual",
    )
    assert "2026 年政府信息公开工作年度报告" not in editor.get("/").get_data(as_text=True)
    future = post(
        editor,
        "/reports/published",
        {"year": "2026", "published_on": "2027-03-01"},
        page="/reports?period=2026&view=gov-annual",
    )
    assert "晚于今天" in editor.get(future.headers["Location"]).get_data(as_text=True)


def _reminders(app) -> list[tuple[str, str, str]]:
    return [
        (r["kind"], r["subject"], r["stage"])
        for r in outbox_rows(app)
        if r["kind"] == "annual_report_due"
    ]


def _swept(app, when: str) -> int:
    """The whole sweep (every step, as the daemon runs it each minute) at `when`; how many
    annual-report reminders it added."""
    return sweep(at(app, when)).counts["alerts.annual_report"]


def test_the_31_march_milestone_reminds_the_office_route_15_and_5_working_days_before(
    make_app, wecom: FakeWecom, timing
):
    app = make_app(channels_toml(wecom), now="2026-03-10T10:00")
    with app.session() as session:
        m = milestone(session, app.calendar, app.now())
        assert (m.year, m.due_date.isoformat(), m.state) == (2025, "2026-03-31", "open")
        assert [(s, d.isoformat()) for s, d in m.reminders] == [
            ("15wd", "2026-03-11"),
            ("5wd", "2026-03-25"),
        ]
    # the daemon's sweep, minute by minute around each reminder day: it is the sweep's step
    # list that sends them, not a function nobody calls
    for when, expected in (
        ("2026-03-10T10:00", 0),
        ("2026-03-10T23:59", 0),
        ("2026-03-11T00:00", 1),  # 15 working days before 31 March (a Tuesday)
        ("2026-03-11T00:01", 0),  # once per stage, whatever the number of sweeps
        ("2026-03-12T08:00", 0),
        ("2026-03-24T23:59", 0),
        ("2026-03-25T00:00", 1),  # 5 working days before
        ("2026-03-25T08:00", 0),
    ):
        assert _swept(app, when) == expected, when
    assert _reminders(app) == [
        ("annual_report_due", "annual-report:2025", "15wd"),
        ("annual_report_due", "annual-report:2025", "5wd"),
    ]
    dispatch(at(app, "2026-03-25T09:00"), timing=timing)
    contents = wecom.contents("office")  # [routing] default: the office
    assert contents and "【政府信息公开工作年度报告临期】" in contents[-1]
    assert "2025 年政府信息公开工作年度报告 03-31 截止" in contents[-1]
    assert "还剩 5 个工作日" in contents[-1]
    with app.session() as session:
        m = milestone(session, app.calendar, app.now())
        assert m.state == "at_risk" and m.left == "还剩 5 个工作日"
        assert (
            milestone(session, app.calendar, at(app, "2026-04-01T09:00").now()).state == "overdue"
        )
    assert _swept(app, "2026-04-01T09:00") == 0  # overdue: the board says so
    cli_text = cli(app, "alerts", "list")
    assert "年度报告临期" in cli_text and "2025 年度政府信息公开工作年度报告" in cli_text


def test_a_first_sweep_after_both_reminder_days_sends_only_the_newer(make_app):
    app = make_app(now="2026-03-26T10:00")  # the daemon was down from before the 15wd day
    assert _swept(app, "2026-03-26T10:00") == 1
    assert _swept(app, "2026-03-27T10:00") == 0
    assert _reminders(app) == [("annual_report_due", "annual-report:2025", "5wd")]


def test_a_published_report_is_not_reminded(make_app):
    app = make_app(now="2026-03-20T10:00")
    with app.session() as session:
        mark_published(session, 2025, parse_iso("2026-03-18T00:00").date(), "web:editor", app.now())
    with app.session() as session:
        assert milestone(session, app.calendar, app.now()).state == "done"
    assert _swept(app, "2026-03-25T00:00") == 0  # published: done, no more reminders
    assert _reminders(app) == []


def test_an_acknowledged_reminder_silences_the_next(make_app):
    acked = make_app(now="2026-03-11T00:00")
    assert _swept(acked, "2026-03-11T00:00") == 1
    (first,) = [r["id"] for r in outbox_rows(acked) if r["kind"] == "annual_report_due"]
    cli(acked, "alerts", "ack", str(first))
    assert _swept(acked, "2026-03-25T00:00") == 0  # someone took it: the 5wd one stays quiet
    assert _reminders(acked) == [("annual_report_due", "annual-report:2025", "15wd")]


def test_an_overdue_report_stays_on_the_board_only_for_a_year_the_register_knew(make_app):
    app = make_app(now="2026-11-26T10:00")  # installed late in 2026: 2025 is not its business
    client = client_as(web_for(app), "viewer")
    assert 'id="annual-report"' not in client.get("/").get_data(as_text=True)
    with app.session() as session:
        add_request(
            session,
            Context(app.config, app.calendar, app.now()),
            "申请公开2025年材料",
            parse_iso("2025-06-02T10:00"),
        )
    board = client.get("/").get_data(as_text=True)
    assert 'id="annual-report"' in board and "2025 年政府信息公开工作年度报告" in board
    assert "已超期" in board
