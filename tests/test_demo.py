"""The offline demo: its folder handling, its config, and a short stretch of its story."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.config import parse_settings
from monitor.demo.run import MARKER, prepare_folder, render_config, run_demo, scenario
from monitor.errors import MonitorError
from monitor.timeutil import SHANGHAI

ROOT = Path(__file__).resolve().parent.parent


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def test_config_demo_toml_is_what_the_demo_writes() -> None:
    import tomllib

    shipped = (ROOT / "config" / "demo.toml").read_text(encoding="utf-8")
    rendered = render_config(
        "http://127.0.0.1:PORT/cgi-bin/webhook/send?key=demo", "smtp://monitor@127.0.0.1:PORT"
    )
    assert shipped.endswith(rendered)
    settings = parse_settings(tomllib.loads(rendered), Path("demo.toml"))
    assert [s.section for s in settings.sources] == ["bxcy", "bmxx", "news"]
    assert settings.daemon.crawl_on_rest_days is False


def test_the_folder_is_fresh_each_time_and_a_foreign_folder_is_never_wiped(tmp_path: Path) -> None:
    folder = tmp_path / "demo-data"
    prepare_folder(folder)
    (folder / "monitor.db").write_text("old", encoding="utf-8")
    prepare_folder(folder)
    assert (folder / MARKER).exists() and not (folder / "monitor.db").exists()
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(MonitorError, match="不是演示创建的"):
        prepare_folder(foreign)
    assert (foreign / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_scenario_is_in_time_order_and_spans_both_holidays() -> None:
    steps = scenario()
    assert [s.at for s in steps] == sorted(s.at for s in steps)
    assert steps[0].at < local("2026-09-24T07:00") < steps[-1].at <= local("2026-10-10T18:00")


def test_a_crisis_day_of_the_demo(tmp_path: Path) -> None:
    """09-29 from 07:00 to 13:30: the backlog arrives, the morning news crawl finds a story
    reprinted by six outlets, the office declares a crisis, its publish clock runs out."""
    out = io.StringIO()
    folder = tmp_path / "demo-data"
    demo = run_demo(folder, out=out, start=local("2026-09-29T07:00"), end=local("2026-09-29T13:30"))
    text = out.getvalue()
    (tmp_path / "out.txt").write_text(text, encoding="utf-8")
    assert "── 2026-09-29 周二 工作日" in text
    assert "[09-29 08:00] 新留言" in text and "答复期限 2026-09-29" in text
    assert re.search(r"疑似突发.*\d 家媒体转载", text)
    assert "突发事件 登记重大事件" in text
    assert "[09-29 13:00] 突发超时" in text and "发布权威信息已超时" in text
    assert "每日汇总" in text and "已发送：企业微信" in text
    assert "opinion-monitor --config" in text and "items --state all" in text
    assert len(demo.wecom.messages) >= 5 and len(demo.smtp.messages) >= 1
    # one wording: 还剩2小时 as in the alerts, never 还剩 2h
    assert not re.search(r"还剩 ?\d+[hm]\b", text) and "还剩 2h" not in text
    # the daemon's log runs on the story's simulated clock; the stand-ins log elsewhere
    log = (folder / "daemon.log").read_text(encoding="utf-8").splitlines()
    assert log and all(line.startswith("2026-09-29T") for line in log if line[:4].isdigit())
    assert not any("mail.log" in line or "aiosmtpd" in line for line in log)
    assert (folder / "standins.log").exists()
    # the database stays behind for exploring with the ordinary commands
    result = CliRunner().invoke(
        main, ["--config", str(folder / "monitor.toml"), "items", "--state", "all", "--json"]
    )
    assert result.exit_code == 0, result.output
    items = json.loads(result.output)
    assert {i["state"] for i in items} >= {"at_risk"}
    assert any(i["due_date"] == "2026-09-28" for i in items)


def test_a_short_comment_window_is_told_before_it_opens(tmp_path: Path) -> None:
    """09-24 afternoon: the office registers a draft with a 20-day window (09-28 to 10-18);
    the next dispatch tells the office, four days before comments open."""
    out = io.StringIO()
    folder = tmp_path / "demo-data"
    demo = run_demo(folder, out=out, start=local("2026-09-24T15:00"), end=local("2026-09-24T15:45"))
    text = out.getvalue()
    assert "[09-24 15:10] 意见征集 登记「六安市政府投资审计实施办法（征求意见稿）」" in text
    assert "征集期 2026-09-28 至 2026-10-18，20 天，少于 30 天" in text
    assert "[09-24 15:30] 征集期过短" in text and "（2026-09-28 开始）" in text
    assert any("【意见征集期过短】" in m for m in demo.wecom.contents())
    result = CliRunner().invoke(
        main,
        [
            "--config",
            str(folder / "monitor.toml"),
            "consult",
            "list",
            "--json",
            "--now",
            "2026-09-24T16:00",
        ],
    )
    assert result.exit_code == 0, result.output
    [doc] = json.loads(result.output)
    assert (doc["short"], doc["state"], doc["feedback_due"]) == (True, "collecting", "2026-11-06")


def test_the_demo_ends_with_an_overdue_and_a_due_message_on_the_board(tmp_path: Path) -> None:
    """The last day (Sat 10-10, a make-up working day): the board the demo leaves shows what
    the product is for, one message overdue and one 临期; and the story says that the portal
    links are to a sample portal that stopped with it."""
    import urllib.error
    import urllib.request

    out = io.StringIO()
    folder = tmp_path / "demo-data"
    run_demo(folder, out=out, start=local("2026-10-10T07:00"))
    text = out.getvalue()
    (tmp_path / "out.txt").write_text(text, encoding="utf-8")
    assert "看板上待办：超期 1 条，临期 1 条，办理中 1 条。" in text
    assert "[10-10 08:30] 超期提醒" in text and "反映某街道老旧小区改造工程质量问题" in text
    assert "新留言　 [部门信箱]" in text  # the source by its section's title, not demo-bmxx
    assert "demo-bxcy" not in text and "demo-bmxx" not in text
    assert "message:" not in text and "perfunctory" not in text  # every alert told in words
    assert "回复敷衍 「建议优化政府投资项目审计流程」的回复：" in text
    assert re.search(r"样例门户 http://127\.0\.0\.1:\d+，它已随演示结束关闭", text)
    items = json.loads(
        CliRunner()
        .invoke(main, ["--config", str(folder / "monitor.toml"), "items", "--json"])
        .output
    )
    states = {i["title"]: i["state"] for i in items}
    assert states["反映某街道老旧小区改造工程质量问题"] == "overdue"
    assert states["反映某农村公路项目验收后不久路面开裂"] == "at_risk"
    link = next(i["url"] for i in items if i["state"] == "overdue")
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(link, timeout=5)  # gone, as the story says


def test_demo_keeps_its_portal_for_the_dashboard(tmp_path: Path) -> None:
    """`demo --web`: the sample portal goes on serving after the story, so the dashboard's
    门户页面 links open, until the dashboard stops."""
    import urllib.error
    import urllib.request

    out = io.StringIO()
    folder = tmp_path / "demo-data"
    demo = run_demo(
        folder,
        out=out,
        start=local("2026-10-10T07:00"),
        end=local("2026-10-10T09:00"),
        keep_portal=True,
    )
    try:
        assert "已随演示结束关闭" not in out.getvalue()
        items = json.loads(
            CliRunner()
            .invoke(main, ["--config", str(folder / "monitor.toml"), "items", "--json"])
            .output
        )
        link = next(i["url"] for i in items if i["url"])
        with urllib.request.urlopen(link, timeout=10) as page:
            assert page.status == 200 and "请予答复" in page.read().decode("utf-8")
    finally:
        demo.stop_portal()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(link, timeout=5)
