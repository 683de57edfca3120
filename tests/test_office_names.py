"""Names a clerk knows (issue 22): a source is shown by its site profile's section title
(百姓畅言, with the site's name where two sites share a title), a channel by its `label` or
its type's Chinese name (企业微信群, 邮箱), wherever a person reads them — the CLI's tables, the
dashboard, the alerts, the summary, the report — while `--json` keeps the keys."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.demo.sinks import FakeWecom, SmtpSink
from tests.conftest import add_message, at
from tests.web_helpers import client_as, web_for

ROOT = Path(__file__).resolve().parent.parent

OTHER_SITE = """\
[site]
name = "金安区人民政府"
base_url = "http://ja.example"

[sections.bxcy]
title = "百姓畅言"
kind = "messages"
[sections.bxcy.list]
url = "/list?page={page}"
items = "//tr"
[sections.bxcy.list.fields]
external_id = { xpath = "./td[1]/text()" }
title = { xpath = "./td[2]/text()" }
posted_at = { xpath = "./td[3]/text()" }
"""


def sources_toml(*rows: tuple[str, str, str]) -> str:
    return "".join(
        f'[[sources]]\nname = "{name}"\nprofile = "{profile}"\nsection = "{section}"\n\n'
        for name, profile, section in rows
    )


@pytest.fixture
def sites(tmp_path: Path) -> Path:
    folder = tmp_path / "cfg" / "sites"
    folder.mkdir(parents=True)
    shutil.copyfile(ROOT / "config" / "sites" / "luan.toml", folder / "luan.toml")
    (folder / "jinan.toml").write_text(OTHER_SITE, encoding="utf-8")
    return folder


def cli(app, *args: str):
    return CliRunner().invoke(main, ["--config", str(app.config.path), *args])


# --- the two definitions ---------------------------------------------------------------


def test_a_source_is_its_section_title_and_the_site_tells_two_apart(make_app, sites) -> None:
    from monitor.names import source_title, source_titles, titled_key

    app = make_app(
        sources_toml(
            ("luan-bxcy", "sites/luan.toml", "bxcy"),
            ("luan-bmxx", "sites/luan.toml", "bmxx"),
            ("jinan-bxcy", "sites/jinan.toml", "bxcy"),
            ("missing-section", "sites/jinan.toml", "nosuch"),
        )
    )
    titles = source_titles(app.config)
    assert titles == {
        "luan-bxcy": "六安市人民政府 百姓畅言",
        "luan-bmxx": "部门信箱",
        "jinan-bxcy": "金安区人民政府 百姓畅言",
        "missing-section": "missing-section",  # no title to show: the key, not a blank
    }
    assert source_title(app.config, "portal") == "portal"  # a source no longer configured
    assert titled_key(titles, "luan-bmxx") == "部门信箱（luan-bmxx）"
    assert titled_key(titles, "missing-section") == "missing-section"

    # one site, one section twice (two rules): the key tells them apart
    app = make_app(sources_toml(("a", "sites/luan.toml", "bmxx"), ("b", "sites/luan.toml", "bmxx")))
    assert source_titles(app.config) == {"a": "部门信箱（a）", "b": "部门信箱（b）"}


def test_a_profile_edited_is_read_again(make_app, sites) -> None:
    import os

    from monitor.names import source_titles

    app = make_app(sources_toml(("jinan-bxcy", "sites/jinan.toml", "bxcy")))
    assert source_titles(app.config) == {"jinan-bxcy": "百姓畅言"}
    path = sites / "jinan.toml"
    path.write_text(OTHER_SITE.replace('title = "百姓畅言"', 'title = "区长信箱"'), "utf-8")
    os.utime(path, ns=(1, 1))  # a different stamp even within the clock's resolution
    assert source_titles(app.config) == {"jinan-bxcy": "区长信箱"}


def test_a_channel_is_its_label_or_its_kind_in_chinese(make_app, wecom: FakeWecom) -> None:
    from alerts.channels import channel_label, channel_labels

    app = make_app(f"""
        [channels.office]
        kind = "wecom"
        webhook = "{wecom.url("office")}"
        [channels.lead]
        kind = "wecom"
        label = "局领导群"
        webhook = "{wecom.url("lead")}"
        [channels.mail]
        kind = "email"
        smtp = "smtp://monitor@127.0.0.1:25"
        to = ["office@example.gov.cn"]
        """)
    labels = channel_labels(app.config)
    assert labels == {"office": "企业微信群", "lead": "局领导群", "mail": "邮箱"}
    assert channel_label(labels, "office,mail") == "企业微信群、邮箱"  # as the outbox keeps it
    assert channel_label(labels, "gone") == "gone" and channel_label(labels, None) == ""

    # two robots without a label: told apart by their keys
    app = make_app(f"""
        [channels.office]
        kind = "wecom"
        webhook = "{wecom.url("office")}"
        [channels.zhk]
        kind = "wecom"
        webhook = "{wecom.url("zhk")}"
        """)
    assert channel_labels(app.config) == {
        "office": "企业微信群（office）",
        "zhk": "企业微信群（zhk）",
    }


def test_an_empty_label_is_refused_with_the_key(make_app) -> None:
    from monitor.errors import ConfigError

    with pytest.raises(ConfigError, match="channels.office.label"):
        make_app('[channels.office]\nkind = "wecom"\nwebhook = "http://x"\nlabel = ""\n')


# --- where people read them ----------------------------------------------------------


@pytest.fixture
def office(make_app, sites, wecom: FakeWecom, smtp: SmtpSink):
    """Two sources of the Lu'an profile and a robot with an e-mail fallback; one message."""
    app = make_app(
        sources_toml(
            ("luan-bxcy", "sites/luan.toml", "bxcy"), ("luan-bmxx", "sites/luan.toml", "bmxx")
        )
        + textwrap.dedent(f"""
        [channels.office]
        kind = "wecom"
        webhook = "{wecom.url("office")}"
        fallback = "office-mail"
        [channels.office-mail]
        kind = "email"
        label = "办公室邮箱"
        smtp = "{smtp.url()}"
        to = ["office@example.gov.cn"]
        [routing]
        default = ["office"]
        """),
        now="2026-11-26T10:00",
    )
    mid = add_message(app, "m1", "2026-11-16T09:00", title="小区供暖不足")
    with app.session() as session:
        from monitor.db.models import Message

        session.get(Message, mid).source = "luan-bmxx"
    return app, mid


def test_the_terminal_shows_names_and_json_keeps_keys(office) -> None:
    app, _ = office
    assert cli(app, "init").exit_code == 0
    assert cli(app, "sweep", "--now", "2026-11-26T10:00").exit_code == 0
    assert cli(app, "dispatch", "--now", "2026-11-26T10:00").exit_code == 0

    items = cli(app, "items", "--state", "all")
    assert items.exit_code == 0, items.output
    assert "部门信箱" in items.output and "luan-bmxx" not in items.output
    [doc] = json.loads(cli(app, "items", "--state", "all", "--json").output)
    assert doc["source"] == "luan-bmxx" and doc["source_title"] == "部门信箱"

    status = cli(app, "status").output
    assert "百姓畅言" in status and "luan-bxcy" in status  # 名称 and 代号 (what --source takes)
    assert "企业微信群" in status and "办公室邮箱" in status
    assert "wecom" not in status and "email" not in status
    doc = json.loads(cli(app, "status", "--json").output)
    assert [(s["name"], s["source_title"]) for s in doc["sources"]] == [
        ("luan-bxcy", "百姓畅言"),
        ("luan-bmxx", "部门信箱"),
    ]
    assert [(c["name"], c["kind"], c["label"]) for c in doc["channels"]] == [
        ("office", "wecom", "企业微信群"),
        ("office-mail", "email", "办公室邮箱"),
    ]

    listed = cli(app, "alerts", "list").output
    assert "企业微信群" in listed and " office " not in listed
    assert json.loads(cli(app, "alerts", "list", "--json").output)[0]["channel"] == "office"

    wrong = cli(app, "items", "--source", "百姓畅言")
    assert wrong.exit_code == 2 and "luan-bxcy（百姓畅言）" in wrong.output  # what to type


def test_alerts_summary_and_report_use_the_names(office, wecom: FakeWecom) -> None:
    from sqlalchemy import select

    from alerts.dispatch import dispatch
    from alerts.summary import build_summary
    from monitor.db.models import Source
    from monitor.report.figures import build_report
    from monitor.report.html import render_body
    from monitor.report.period import parse_period
    from monitor.report.rawcsv import write_csv
    from monitor.sweep import sweep

    app, _ = office
    sweep(app)
    dispatch(app)
    [sent] = wecom.contents("office")
    assert "来源：部门信箱" in sent and "luan-bmxx" not in sent

    # a source that failed: its alert, the summary and the outbox table say 百姓畅言
    with app.session() as session:
        session.add(
            Source(
                name="luan-bxcy",
                healthy=False,
                reason="HTTP 521 挑战页",
                consecutive_failures=3,
                last_error=app.now(),
            )
        )
    at(app, "2026-11-26T11:00")
    sweep(app)
    dispatch(app)
    assert any("数据源 百姓畅言 异常" in text for text in wecom.contents("office"))
    assert not any("luan-bxcy" in text for text in wecom.contents("office"))
    summary = build_summary(app, app.now().date())
    assert "百姓畅言：HTTP 521 挑战页" in summary.text()
    assert summary.as_dict()["unhealthy"][0]["name"] == "luan-bxcy"
    assert "部门信箱" in summary.csv()
    listed = cli(app, "alerts", "list").output
    assert "数据源 百姓畅言" in listed

    period = parse_period("2026-11")
    with app.session() as session:
        report = build_report(session, app.config, app.calendar, period, app.now())
        assert [(r.name, r.title) for r in report.by_source] == [("luan-bmxx", "部门信箱")]
        assert report.as_dict()["by_source"][0]["name"] == "luan-bmxx"
        assert report.as_dict()["by_source"][0]["source_title"] == "部门信箱"
        assert "部门信箱" in render_body(report)
        import io

        out = io.StringIO()
        from monitor.names import source_titles

        write_csv(session, period, app.now(), out, sources=source_titles(app.config))
        assert "部门信箱" in out.getvalue() and "luan-bmxx" not in out.getvalue()
        assert session.scalar(select(Source.name)) == "luan-bxcy"


def test_the_dashboard_shows_names(office) -> None:
    from monitor.sweep import sweep

    app, mid = office
    sweep(app)
    from alerts.dispatch import dispatch

    dispatch(app)
    client = client_as(web_for(app), "viewer")
    board = client.get("/").get_data(as_text=True)
    assert '<option value="luan-bmxx" >部门信箱</option>' in board
    assert "留言 · 部门信箱 · 来信" in board
    filtered = client.get("/?source=luan-bmxx").get_data(as_text=True)
    assert 'value="luan-bmxx" selected>部门信箱' in filtered and "小区供暖不足" in filtered
    page = client.get(f"/messages/{mid}").get_data(as_text=True)
    assert "部门信箱（编号 m1）" in page and "首次抓取到（来源：部门信箱）" in page
    assert "已发送到：企业微信群" in page
    alerts = client.get("/alerts").get_data(as_text=True)
    assert "<td>企业微信群</td>" in alerts
    sources = client.get("/sources").get_data(as_text=True)
    assert "百姓畅言" in sources and "代号 luan-bxcy" in sources
    assert "办公室邮箱" in sources and "代号 office-mail" in sources and ">邮箱<" in sources


def test_the_watchlist_import_hint_names_levels_in_chinese(make_app) -> None:
    page = client_as(web_for(make_app()), "editor").get("/watchlist").get_data(as_text=True)
    assert "级别写 提示、警示 或 严重" in page
