"""`import-orders`: 12345 work-order exports as platforms write them (XLSX with a title row,
merged cells and date cells; text times in the platforms' forms; CSV in GBK, UTF-8 with BOM,
UTF-16; an HTML table named .xls) onto the reply clock by the source's rule, idempotent, bad
rows named while the good ones go in. A real SQLite file; the real command."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook
from sqlalchemy import func, select

from monitor.app import App
from monitor.cli import main
from monitor.db.models import Alert, Message, Source
from monitor.demo import orders as sample
from monitor.errors import ConfigError
from monitor.orders.importer import import_orders
from monitor.sweep import sweep
from monitor.timeutil import iso, parse_iso
from tests.conftest import at

START = datetime(2026, 11, 16, 8, 30)  # Monday
NOW = "2026-11-26T10:00"


@pytest.fixture
def orders_app(tmp_path: Path, make_app):
    """An App whose config has the hotline source (rule hotline: 3 working days)."""

    def factory(profile: str = sample.PROFILE, extra: str = "", now: str = NOW) -> App:
        sites = tmp_path / "cfg" / "sites"
        sites.mkdir(parents=True, exist_ok=True)
        (sites / "hotline12345.toml").write_text(profile, encoding="utf-8")
        app = make_app(sample.SOURCE + extra, now=now)
        with app.session():
            pass  # the database exists, as after `init`: the CLI does not create it
        return app

    return factory


def run(app: App, *args: str):
    return CliRunner().invoke(main, ["--config", str(app.config.path), *args])


def messages(app: App) -> dict[str, Message]:
    with app.session() as session:
        rows = session.scalars(select(Message).order_by(Message.external_id)).all()
        session.expunge_all()
    return {m.external_id: m for m in rows}


def snapshot(app: App) -> list[tuple]:
    with app.session() as session:
        return [
            (
                m.external_id,
                m.title,
                m.department,
                iso(m.posted_at),
                iso(m.deadline),
                m.state,
                iso(m.replied_at),
                m.content_hash,
                iso(m.last_seen),
            )
            for m in session.scalars(select(Message).order_by(Message.external_id))
        ]


def test_a_real_looking_xlsx_runs_on_the_hotline_rule(orders_app, tmp_path: Path) -> None:
    app = orders_app()
    orders = sample.sample_orders(60, START)
    export = sample.write_xlsx(tmp_path / "工单.xlsx", orders)
    result = import_orders(app, "hotline12345", export)
    assert result.header_row == 3  # a merged title row and an 导出时间 line above it
    assert (result.new, result.updated, result.unchanged, result.errors) == (60, 0, 0, [])
    assert result.skipped == 1  # the 合计 line; the empty rows after it are not counted
    assert result.continued == 1  # order 49: two 承办单位 under one merged 工单编号
    found = messages(app)
    first = found[orders[0].external_id]
    # 派单时间 Mon 11-16 08:3x, rule hotline = 3 working days: due Thu 11-19, 24:00
    assert first.due_date == date(2026, 11, 19)
    assert iso(first.deadline) == "2026-11-20T00:00:00+08:00"
    assert first.department == "办公室" and first.category == "咨询"  # map applied
    assert first.title == "小区供暖温度不达标（0）" and "幸福小区" in (first.body or "")
    assert first.state == "overdue"  # 11-26 is past its deadline
    replied = found[orders[3].external_id]  # replied 2 days 3 hours after dispatch
    assert replied.replied_at == parse_iso("2026-11-18T11:43") or replied.replied_at is not None
    assert replied.state == "replied" and not replied.replied_at_approx
    assert replied.reply == "已联系市民并答复。"
    two = found[orders[49].external_id]
    assert two.department == "综合科、市审计局财政审计科"  # both lines: mapped and unmapped
    with app.session() as session:
        source = session.scalar(select(Source).where(Source.name == "hotline12345"))
        assert source.kind == "orders" and source.healthy and source.last_success is not None


def test_the_same_rule_as_a_crawled_message_other_sources_count_by_reply(
    orders_app, tmp_path: Path
) -> None:
    app = orders_app(
        extra='\n[rules.reply]\nworking_days = 5\nreceipt_on_rest_day = "next-workday"\n'
    )
    assert app.config.reply_rule("hotline12345").working_days == 3
    # [rules.hotline] gives only working_days: the rest comes from [rules.reply]
    assert app.config.reply_rule("hotline12345").receipt_on_rest_day == "next-workday"
    assert app.config.reply_rule("portal").working_days == 5
    saturday = sample.sample_orders(1, datetime(2026, 11, 21, 10, 0))  # a Saturday
    import_orders(app, "hotline12345", sample.write_xlsx(tmp_path / "sat.xlsx", saturday))
    [message] = messages(app).values()
    # next-workday: deemed received Mon 11-23 (not counted) → Tue, Wed, Thu 11-26
    assert message.due_date == date(2026, 11, 26)


def test_importing_the_same_file_again_changes_nothing(orders_app, tmp_path: Path) -> None:
    app = orders_app()
    orders = sample.sample_orders(40, START)
    export = sample.write_xlsx(tmp_path / "工单.xlsx", orders)
    import_orders(app, "hotline12345", export)
    before = snapshot(app)
    again = import_orders(app, "hotline12345", export, now=parse_iso("2026-11-27T09:00"))
    assert (again.new, again.updated, again.unchanged, again.replied) == (0, 0, 40, 0)
    assert snapshot(app) == before  # not even last_seen moved
    # the same orders written with text times, in CSV, GBK / UTF-8 BOM / UTF-16, or as an HTML
    # table named .xls: the same work orders, so still nothing changes
    for name, write in (
        ("text.xlsx", lambda p: sample.write_xlsx(p, orders, text_times=True)),
        ("gbk.csv", lambda p: sample.write_csv(p, orders, "gbk")),
        ("bom.csv", lambda p: sample.write_csv(p, orders, "utf-8-sig")),
        ("unicode.txt", lambda p: sample.write_csv(p, orders, "utf-16")),
        ("html.xls", lambda p: sample.write_html_xls(p, orders)),
    ):
        result = import_orders(app, "hotline12345", write(tmp_path / name))
        assert (result.new, result.updated, result.unchanged, result.errors) == (0, 0, 40, []), name
    assert snapshot(app) == before


def test_a_changed_row_updates_its_message(orders_app, tmp_path: Path) -> None:
    app = orders_app()
    orders = sample.sample_orders(10, START)
    import_orders(app, "hotline12345", sample.write_xlsx(tmp_path / "a.xlsx", orders))
    assert messages(app)[orders[0].external_id].state == "overdue"
    orders[0].replied_at = datetime(2026, 11, 18, 16, 0)  # 办结 on time
    orders[1].posted_at = datetime(2026, 11, 20, 9, 0)  # dispatched again, later
    orders[2].departments = ["市审计局综合科"]
    result = import_orders(app, "hotline12345", sample.write_xlsx(tmp_path / "b.xlsx", orders))
    assert (result.new, result.updated, result.unchanged, result.replied) == (0, 3, 7, 1)
    found = messages(app)
    assert found[orders[0].external_id].state == "replied"
    assert found[orders[0].external_id].replied_at == parse_iso("2026-11-18T16:00")
    assert found[orders[1].external_id].due_date == date(2026, 11, 25)  # Fri + 3 working days
    assert found[orders[2].external_id].department == "综合科"
    # the order is sent back (重办): its 办结时间 is gone and it runs on its clock again
    orders[0].replied_at = None
    result = import_orders(app, "hotline12345", sample.write_xlsx(tmp_path / "c.xlsx", orders))
    assert result.updated == 1
    reopened = messages(app)[orders[0].external_id]
    assert reopened.replied_at is None and reopened.state == "overdue"


def bad_rows_workbook(path: Path) -> Path:
    book = Workbook()
    ws = book.active
    ws.append(["12345热线工单（测试）"])
    ws.append(["工单编号", "标题", "派单时间", "诉求内容", "承办单位", "办结时间"])
    ws.append(
        ["G001", "路灯不亮", datetime(2026, 11, 16, 9, 0), "路灯坏了", "市审计局办公室", None]
    )
    ws.append(["G002", "噪音", "2026-13-45 09:00", "夜间施工", "市审计局办公室", None])
    ws.append([None, "无编号", "2026-11-16 10:00", "内容", "市审计局办公室", None])
    ws.append(
        ["G004", "先办结后派单", "2026-11-17 10:00", "内容", "市审计局办公室", "2026-11-16 10:00"]
    )
    ws.append(["G005", "将来的工单", "2026-12-30 10:00", "内容", "市审计局办公室", None])
    ws.append(["G006", "序列号日期", 46342.375, "内容", "市审计局综合科", "--"])
    ws.append(["G007", "紧凑数字", "20261116093000", "内容", "市审计局综合科", "暂无"])
    ws.append(
        ["G008", "中文日期", "2026年11月16日 10时05分", "内容", "市审计局综合科", "2026/11/17 8:00"]
    )
    ws.append([None, None, None, None, None, None])
    ws.append(["合计：8 条"])
    book.save(path)
    return path


# the columns of docs/site-profiles.md's example
DOCS_PROFILE = """[site]
name = "12345 热线"
base_url = "http://12345.example.gov.cn"

[sections.orders]
kind = "orders"
columns = { external_id = "工单编号", title = "标题", posted_at = "派单时间", department = "承办单位", replied_at = "办结时间", body = "诉求内容" }
"""


def test_bad_rows_are_named_and_the_others_go_in(orders_app, tmp_path: Path) -> None:
    app = orders_app(profile=DOCS_PROFILE)
    export = bad_rows_workbook(tmp_path / "bad.xlsx")
    result = run(
        app, "import-orders", str(export), "--source", "hotline12345", "--now", NOW, "--json"
    )
    assert result.exit_code == 1 and "Traceback" not in result.output
    doc = json.loads(result.stdout)
    assert set(doc) >= {"source", "rows", "new", "updated", "unchanged", "errors", "dry_run"}
    assert (doc["source"], doc["new"], doc["dry_run"]) == ("hotline12345", 4, False)
    assert doc["errors"] == [
        {"row": 4, "column": "派单时间", "value": "2026-13-45 09:00", "reason": "不是可识别的时间"},
        {"row": 5, "column": "工单编号", "value": "", "reason": "工单编号为空"},
        {
            "row": 6,
            "column": "办结时间",
            "value": "2026-11-16 10:00",
            "reason": "早于派单时间（2026-11-17 10:00）",
        },
        {
            "row": 7,
            "column": "派单时间",
            "value": "2026-12-30 10:00",
            "reason": "晚于导入时间（2026-11-26 10:00）",
        },
    ]
    assert "4 行有问题，未导入" in result.stderr
    found = messages(app)
    assert sorted(found) == ["G001", "G006", "G007", "G008"]
    assert found["G006"].posted_at == parse_iso("2026-11-16T09:00")  # an Excel serial number
    assert found["G007"].posted_at == parse_iso("2026-11-16T09:30")  # 20261116093000
    assert found["G008"].posted_at == parse_iso("2026-11-16T10:05")
    assert found["G006"].replied_at is None and found["G007"].replied_at is None  # -- / 暂无
    assert found["G008"].replied_at == parse_iso("2026-11-17T08:00")
    # the Chinese report names the same rows
    text = run(app, "import-orders", str(export), "--source", "hotline12345", "--now", NOW)
    assert "第 4 行 “派单时间” = “2026-13-45 09:00”：不是可识别的时间" in text.output
    assert "未变 4 条" in text.output


def test_dry_run_writes_nothing(orders_app, tmp_path: Path) -> None:
    app = orders_app()
    export = sample.write_xlsx(tmp_path / "工单.xlsx", sample.sample_orders(5, START))
    result = run(
        app, "import-orders", str(export), "--source", "hotline12345", "--dry-run", "--json"
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert (doc["new"], doc["dry_run"]) == (5, True)
    with app.session() as session:
        assert session.scalar(select(func.count()).select_from(Message)) == 0
        assert session.scalar(select(func.count()).select_from(Source)) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "工单编号,标题,派单时间\nG1,路灯,2026-11-16\n",
            "缺少列：department（“承办单位”）；replied_at",
        ),
        (
            "编号,时间\nG1,2026-11-16\n",
            "找不到表头：前 30 行没有同时含 “工单编号”、“派单时间” 的一行",
        ),
    ],
)
def test_a_file_that_does_not_fit_the_columns_is_refused_whole(
    orders_app, tmp_path: Path, content: str, message: str
) -> None:
    app = orders_app()
    export = tmp_path / "x.csv"
    export.write_text(content, encoding="gbk")
    result = run(app, "import-orders", str(export), "--source", "hotline12345")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert message in result.stderr and str(export) in result.stderr
    assert messages(app) == {}


def test_an_old_binary_xls_is_refused_with_the_way_out(orders_app, tmp_path: Path) -> None:
    app = orders_app()
    export = tmp_path / "old.xls"
    export.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    result = run(app, "import-orders", str(export), "--source", "hotline12345")
    assert result.exit_code == 2 and "另存为” .xlsx 或 CSV" in result.stderr
    missing = run(app, "import-orders", str(tmp_path / "nope.xlsx"), "--source", "hotline12345")
    assert missing.exit_code == 2 and "文件不存在" in missing.stderr


def test_a_source_that_is_not_a_work_order_section_is_refused(orders_app, tmp_path: Path) -> None:
    app = orders_app()
    export = sample.write_xlsx(tmp_path / "工单.xlsx", sample.sample_orders(2, START))
    result = run(app, "import-orders", str(export), "--source", "nosuch")
    assert result.exit_code == 2 and "没有名为 'nosuch' 的数据源" in result.stderr


def test_imported_orders_are_swept_like_crawled_messages(orders_app, tmp_path: Path) -> None:
    app = orders_app(now="2026-11-16T12:00")
    orders = sample.sample_orders(3, START)
    import_orders(app, "hotline12345", sample.write_xlsx(tmp_path / "工单.xlsx", orders))
    sweep(at(app, "2026-11-19T09:00"))  # the due day: inside 1wd
    with app.session() as session:
        kinds = sorted(a.kind for a in session.scalars(select(Alert)))
    assert kinds == ["reply_at_risk"] * 3
    sweep(at(app, "2026-11-20T09:00"))
    with app.session() as session:
        assert (
            session.scalar(
                select(func.count()).select_from(Alert).where(Alert.kind == "reply_overdue")
            )
            == 3
        )


def test_work_order_sources_are_never_crawled(orders_app, tmp_path: Path) -> None:
    from monitor.crawl import _selected
    from monitor.daemon.jobs import DaemonJobs, build_jobs
    from monitor.daemon.service import check_profiles

    app = orders_app()
    assert _selected(app, None) == []
    specs = build_jobs(DaemonJobs(app), app.config, parse_iso(NOW))
    assert not [s.id for s in specs if s.id.startswith("crawl:")]
    check_profiles(app.config)  # the daemon starts: an orders section is not a broken profile
    result = run(app, "crawl", "hotline12345")
    assert (
        result.exit_code == 2 and "是工单导入" in result.stderr and "import-orders" in result.stderr
    )
    status = json.loads(run(app, "status", "--json").stdout)
    [source] = [s for s in status["sources"] if s["name"] == "hotline12345"]
    assert source["healthy"] is True


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ('kind = "orders"\n', "缺少必填的键 'sections.orders.columns'"),
        (
            'kind = "orders"\ncolumns = { external_id = "工单编号", when = "派单时间" }\n',
            "未知的字段 when",
        ),
        ('kind = "orders"\ncolumns = { external_id = "工单编号" }\n', "缺少 posted_at 的列"),
        (
            'kind = "orders"\ncolumns = { external_id = "工单编号", posted_at = { column = "派单时间", map = { "a" = "b" } } }\n',
            "posted_at 是时间列，不能用 map",
        ),
        (
            'kind = "orders"\nsheet = 3\ncolumns = { external_id = "工单编号", posted_at = "派单时间" }\n',
            "键 'sections.orders.sheet' = 3",
        ),
    ],
)
def test_a_bad_work_order_section_names_the_file_and_key(
    orders_app, tmp_path: Path, section: str, expected: str
) -> None:
    profile = (
        '[site]\nname = "热线"\nbase_url = "http://12345.example"\n[sections.orders]\n' + section
    )
    app = orders_app(profile=profile)
    export = sample.write_xlsx(tmp_path / "工单.xlsx", sample.sample_orders(1, START))
    with pytest.raises(ConfigError) as caught:
        import_orders(app, "hotline12345", export)
    assert "hotline12345.toml" in str(caught.value) and expected in str(caught.value)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            sample.SOURCE.replace('rule = "hotline"', 'rule = "hotlne"'),
            "sources 'hotline12345' 的键 'rule' = 'hotlne'：没有规则表 [rules.hotlne]（可用：reply、hotline）",
        ),
        (
            sample.SOURCE.replace('rule = "hotline"', 'rule = "crisis"'),
            "[rules.crisis] 不是留言的答复规则",
        ),
        (sample.SOURCE + "\n[rules.replly]\nworking_days = 3\n", "是不是 [rules.reply] 的笔误"),
        (
            sample.SOURCE.replace("working_days = 3", "working_days = 0"),
            "键 'rules.hotline.working_days' = 0",
        ),
    ],
)
def test_rule_names_are_checked(tmp_path: Path, body: str, expected: str) -> None:
    from monitor.config import load_config
    from tests.conftest import write_config

    folder = tmp_path / "cfg"
    (folder / "sites").mkdir(parents=True)
    (folder / "sites" / "hotline12345.toml").write_text(sample.PROFILE, encoding="utf-8")
    path = write_config(folder, body)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(path) in str(caught.value) and expected in str(caught.value)


@pytest.mark.parametrize("merged", [True, False])
def test_a_two_row_header_and_a_department_merged_down(
    orders_app, tmp_path: Path, merged: bool
) -> None:
    # 工单编号 over both header rows, 时间 over 派单时间 / 办结时间; one 承办单位 cell merged down
    # over the three orders it handles (or, unmerged, left empty under the header above it)
    book = Workbook()
    ws = book.active
    ws.append(["工单明细（2026年11月）"])
    ws.append(["工单编号", "标题", "时间", None, "诉求内容", "承办单位"])
    ws.append([None, None, "派单时间", "办结时间", None, None])
    ws.append(["H1", "一", datetime(2026, 11, 16, 9, 0), None, "内容一", "市审计局办公室"])
    ws.append(["H2", "二", datetime(2026, 11, 16, 10, 0), None, "内容二", None])
    ws.append(
        ["H3", "三", datetime(2026, 11, 16, 11, 0), datetime(2026, 11, 17, 9, 0), "内容三", None]
    )
    ws.append(["H4", "四", datetime(2026, 11, 16, 12, 0), None, "内容四", "市审计局综合科"])
    if merged:
        ws.merge_cells("A1:F1")
        for col in "ABEF":
            ws.merge_cells(f"{col}2:{col}3")
        ws.merge_cells("C2:D2")
        ws.merge_cells("F4:F6")
    export = tmp_path / "two.xlsx"
    book.save(export)
    app = orders_app(profile=DOCS_PROFILE)
    result = import_orders(app, "hotline12345", export)
    assert result.header_row == 3 and result.errors == [] and result.new == 4
    found = messages(app)
    departments = {k: m.department for k, m in found.items()}
    if merged:
        assert departments == {
            "H1": "市审计局办公室",
            "H2": "市审计局办公室",
            "H3": "市审计局办公室",
            "H4": "市审计局综合科",
        }
    else:  # unmerged and empty: the source's department_default
        assert departments == {
            "H1": "市审计局办公室",
            "H2": "办公室",
            "H3": "办公室",
            "H4": "市审计局综合科",
        }
    assert found["H3"].replied_at == parse_iso("2026-11-17T09:00")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (datetime(2026, 11, 16, 9, 5), "2026-11-16T09:05:00+08:00"),  # an Excel date cell
        (date(2026, 11, 16), "2026-11-16T00:00:00+08:00"),
        (46342.378472222, "2026-11-16T09:05:00+08:00"),  # a serial number left unformatted
        ("46342.378472222", "2026-11-16T09:05:00+08:00"),
        ("20261116", "2026-11-16T00:00:00+08:00"),
        ("202611160905", "2026-11-16T09:05:00+08:00"),
        ("20261116090530", "2026-11-16T09:05:30+08:00"),
        ("2026-11-16 09:05:00.0", "2026-11-16T09:05:00+08:00"),
        ("2026/11/16 9:05", "2026-11-16T09:05:00+08:00"),
        ("2026.11.16", "2026-11-16T00:00:00+08:00"),
        ("2026年11月16日 09时05分", "2026-11-16T09:05:00+08:00"),
        ("1794791100", "2026-11-16T09:05:00+08:00"),  # epoch seconds
        (1794791100000, "2026-11-16T09:05:00+08:00"),  # epoch milliseconds
        ("2026-11-16T01:05:00Z", "2026-11-16T09:05:00+08:00"),
    ],
)
def test_every_common_time_form_of_an_export(cell, expected: str) -> None:
    from monitor.orders.rows import cell_time

    assert iso(cell_time(cell, parse_iso(NOW))) == expected
