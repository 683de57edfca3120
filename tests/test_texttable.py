"""`status` and `crawl` show a source's reason in full, wrapped to the terminal, never cut."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from monitor.cli import main
from monitor.db.models import Source
from monitor.texttable import display_width, table

REASON = (
    "DNS lookup failed for www.luan.gov.cn: Temporary failure in name resolution "
    "（域名解析失败，请检查服务器的 DNS 设置）"
)


def test_wrapped_column_keeps_the_whole_reason_within_the_width() -> None:
    text = table(["名称", "状态", "原因"], [["bxcy", "异常", REASON]], wrap=[2], total_width=60)
    assert "…" not in text
    assert all(display_width(line) <= 60 for line in text.splitlines())
    joined = "".join(
        line[line.index("异常") + 4 :] if "异常" in line else line.strip()
        for line in text.splitlines()[2:]
    )
    assert joined.replace(" ", "") == REASON.replace(" ", "")
    wide = table(["名称", "状态", "原因"], [["bxcy", "异常", REASON]], wrap=[2], total_width=200)
    assert len(wide.splitlines()) == 3  # a wide terminal shows it on one line


def test_status_wraps_reasons(make_app) -> None:
    profile = Path(__file__).resolve().parent.parent / "config" / "sites" / "luan.toml"
    app = make_app(f'[[sources]]\nname = "bxcy"\nprofile = "{profile}"\nsection = "bxcy"\n')
    with app.session() as session:
        session.add(Source(name="bxcy", healthy=False, reason=REASON))
    result = CliRunner().invoke(
        main, ["--config", str(app.config.path), "status"], terminal_width=80
    )
    assert result.exit_code == 0, result.output
    assert "…" not in result.output and "Temporary" in result.output and "DNS 设置" in result.output
