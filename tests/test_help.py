"""The clerks' manual (docs/操作手册.md) and the dashboard's /help page: the copy shipped in
the package equals docs/, the manual names every alert kind and the time limits the code
uses, its screenshots are local and small, raw HTML in it is escaped, and /help and its
images are served to any logged-in role (and to nobody else) with a safe name check."""

from __future__ import annotations

import fnmatch
import re
import tomllib

import pytest

from alerts.labels import stage_label
from alerts.outbox import AlertKind
from monitor.config import (
    ConsultationRule,
    CrisisRule,
    DisclosureRule,
    OfficeHours,
    ReplyRule,
    SummaryConfig,
)
from monitor.web import helpdoc
from tests.sync_help import DOCS_MANUAL, ROOT, wanted
from tests.web_helpers import client_as, web_for

TEXT = DOCS_MANUAL.read_text(encoding="utf-8")
CHAPTERS = [
    "登录与账号",
    "每天早上",
    "处理一条留言",
    "收到提醒怎么办",
    "突发舆情",
    "关注词",
    "依申请公开登记",
    "意见征集",
    "12345工单导入",
    "报表",
    "明年节假日",
    "数据源异常时",
    "常见问题",
]


def test_the_shipped_copy_equals_docs() -> None:
    pairs = wanted()
    stale = [
        str(shipped.relative_to(ROOT))
        for shipped, original in pairs.items()
        if not original.exists()
        or not shipped.exists()
        or shipped.read_bytes() != original.read_bytes()
    ]
    extra = [str(p.relative_to(ROOT)) for p in helpdoc.SCREENSHOTS.iterdir() if p not in pairs]
    assert not stale and not extra, (
        f"monitor/web/manual/ differs from docs/ (stale {stale}, extra {extra}): "
        "run `python -m tests.sync_help`"
    )


def test_package_data_ships_the_manual() -> None:
    """pyproject's package-data globs cover every shipped file (a non-editable install)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    globs = config["tool"]["setuptools"]["package-data"]["monitor"]
    package = ROOT / "monitor"
    for shipped in wanted():
        relative = shipped.relative_to(package).as_posix()
        assert any(fnmatch.fnmatch(relative, g) for g in globs), relative
    deps = " ".join(config["project"]["dependencies"])
    assert "markdown-it-py" in deps


def test_chapters_and_every_alert_kind() -> None:
    manual = helpdoc.render(TEXT)
    assert [title for _, title in manual.chapters] == CHAPTERS
    # the 收到提醒怎么办 table: one row per AlertKind, by the label people read
    section = TEXT.split("## 收到提醒怎么办", 1)[1].split("\n## ", 1)[0]
    rows = {line.split("|")[1].strip() for line in section.splitlines() if line.startswith("| ")}
    assert {kind.label for kind in AlertKind} <= rows, {k.label for k in AlertKind} - rows


def test_time_limits_are_the_code_defaults() -> None:
    reply, disclosure = ReplyRule(), DisclosureRule()
    consultation, crisis = ConsultationRule(), CrisisRule()
    assert f"默认 **{reply.working_days} 个工作日**" in TEXT
    assert f"**{disclosure.working_days} 个工作日**内答复" in TEXT
    assert f"最长 **{disclosure.extension_days} 个工作日**" in TEXT
    assert f"**不少于 {consultation.min_days} 天**" in TEXT
    assert f"**{consultation.feedback_working_days} 个工作日**内公布" in TEXT
    assert f"**{crisis.publish_hours:g} 小时**内发布权威信息" in TEXT
    assert f"**{crisis.press_conference_hours:g} 小时**内召开新闻发布会" in TEXT
    # the 临期 rows quote the stages as the alerts word them (2wd: 还剩2个工作日, 1wd: 今天到期)
    assert reply.warn_before == ["2wd", "1wd"]
    labels = [stage_label("reply_at_risk", stage) for stage in reply.warn_before]
    assert f"还剩 2 个工作日时（“{labels[0]}”），和到期当天（“{labels[1]}”" in TEXT
    assert crisis.warn_before == ["2h", "1h", "30m"] and "2 小时、1 小时、30 分钟" in TEXT
    assert f"早上 {SummaryConfig().at.lstrip('0')}" in TEXT
    hours = OfficeHours()
    assert f"{hours.start.lstrip('0')}–{hours.end.lstrip('0')}" in TEXT


def test_screenshots_are_local_pngs_under_200_kb() -> None:
    sources = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", TEXT)
    assert sources, "the manual shows no screenshot"
    for src in sources:
        name = helpdoc.local_image(src)
        assert name is not None, f"{src}: not a local screenshots/NAME.png"
        data = (ROOT / "docs" / "screenshots" / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", name
        assert len(data) <= 200 * 1024, f"{name}: {len(data)} bytes"
    assert "board-phone.png" in TEXT  # the phone-width board


def test_raw_html_is_escaped_and_images_point_to_the_route() -> None:
    manual = helpdoc.render(
        "## 一\n\n<script>alert(1)</script>\n\n![x](screenshots/board.png) "
        "![y](http://example.com/a.png) [z](javascript:alert(1))"
    )
    assert "<script>" not in manual.html and "&lt;script&gt;" in manual.html
    assert 'src="/help/screenshots/board.png"' in manual.html
    assert manual.images == ("board.png",)
    assert 'href="javascript' not in manual.html and "example.com" not in manual.html
    assert "[图片：y]" in manual.html
    assert manual.chapters == (("ch1", "一"),)


@pytest.mark.parametrize("role", ["viewer", "editor", "admin"])
def test_help_for_every_role(make_app, role) -> None:
    client = client_as(web_for(make_app()), role)
    page = client.get("/help")
    html = page.get_data(as_text=True)
    assert (
        page.status_code == 200 and page.headers["Content-Security-Policy"] == "default-src 'self'"
    )
    for title in CHAPTERS:
        assert f">{title}</h2>" in html
    assert 'href="/help" class="here">帮助</a>' in html
    assert 'src="/help/screenshots/board.png"' in html
    image = client.get("/help/screenshots/board.png")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.data == (ROOT / "docs" / "screenshots" / "board.png").read_bytes()
    board = client.get("/").get_data(as_text=True)
    assert '<a href="/help" >帮助</a>' in board


@pytest.mark.parametrize(
    "name", ["..%2Fmanual.md", "../manual.md", "BOARD.png", "board.png.bak", "none.png", ".png"]
)
def test_screenshot_names_are_checked(make_app, name) -> None:
    client = client_as(web_for(make_app()), "viewer")
    assert client.get(f"/help/screenshots/{name}").status_code == 404


def test_help_needs_a_login(make_app) -> None:
    client = web_for(make_app()).test_client()
    for path in ("/help", "/help/screenshots/board.png"):
        response = client.get(path)
        assert response.status_code == 303 and "/login" in response.headers["Location"]
