"""A site profile's selectors are checked when it loads (a config error, exit 2), and `crawl`
of an unknown source names the known ones. No network: every command stops before a child starts."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.errors import ConfigError
from spiders.profile import cached_profile, load_profile, parse_profile
from tests.conftest import write_config

HTML = """[site]
name = "x"
base_url = "http://x"
[sections.bxcy.list]
url = "/"
items = "{items}"
[sections.bxcy.list.fields]
external_id = {{ xpath = "./td[3]/a/@href", regex = "detail/([0-9a-f]+)" }}
title = {title}
posted_at = {{ css = "td.date::text" }}
url = {{ css = "a::attr(href)" }}
status = {{ xpath = "normalize-space(./td[7])" }}
[sections.bxcy.detail]
fields.body = {body}
"""

JSON = """[site]
name = "x"
base_url = "http://x"
[sections.api]
format = "json"
[sections.api.list]
url = "/"
items = "{items}"
[sections.api.list.fields]
external_id = {{ json = "id" }}
title = {title}
posted_at = {{ json = "times[0].value" }}
"""

GOOD_TITLE = '{ xpath = "normalize-space(./td[3]/a)" }'
GOOD_BODY = '{ css = "div.is-mailwen" }'


def html(
    items: str = "//table[@class='is-xjnr']//tr[td]", title: str = GOOD_TITLE, body: str = GOOD_BODY
) -> str:
    return HTML.format(items=items, title=title, body=body)


def test_valid_selectors_load() -> None:
    assert parse_profile(html()).sections["bxcy"].list.items.startswith("//table")
    assert parse_profile(html(items="table.is-xjnr tr")).sections["bxcy"]  # CSS items
    assert parse_profile(html(title="{ xpath = \"re:test(., 'x')\" }"))  # parsel's EXSLT prefix
    assert parse_profile(JSON.format(items="data.list", title='{ json = "." }'))
    assert parse_profile(JSON.format(items="data[0].rows[2]", title='{ json = "a.b[0].c" }'))


@pytest.mark.parametrize(
    "text, key, value",
    [
        (html(items="//table[@@@"), "sections.bxcy.list.items", "//table[@@@"),
        (html(items="table[class="), "sections.bxcy.list.items", "table[class="),
        (
            html(title='{ xpath = "./td[3]/a[" }'),
            "sections.bxcy.list.fields.title.xpath",
            "./td[3]/a[",
        ),
        (html(title='{ css = "td >> a" }'), "sections.bxcy.list.fields.title.css", "td >> a"),
        (
            html(title='{ css = "p:nth-child(x)" }'),
            "sections.bxcy.list.fields.title.css",
            "p:nth-child(x)",
        ),
        (
            html(body='{ xpath = "//div[@class=" }'),
            "sections.bxcy.detail.fields.body.xpath",
            "//div[@class=",
        ),
        (html(body='{ css = "" }'), "sections.bxcy.detail.fields.body.css", "为空"),
        (html(title='{ xpath = "a", regex = "(" }'), "sections.bxcy.list.fields.title.regex", "("),
        (
            JSON.format(items="data..list", title='{ json = "t" }'),
            "sections.api.list.items",
            "data..list",
        ),
        (
            JSON.format(items="data.list", title='{ json = "a[x].b" }'),
            "sections.api.list.fields.title.json",
            "a[x].b",
        ),
        (
            JSON.format(items="data.list", title='{ json = "a[0" }'),
            "sections.api.list.fields.title.json",
            "a[0",
        ),
    ],
)
def test_bad_selector_is_a_config_error_naming_file_key_and_value(
    tmp_path: Path, text: str, key: str, value: str
) -> None:
    path = tmp_path / "sites" / "bad.toml"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_profile(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and key in message and value in message, message


def test_a_cached_profile_is_parsed_once_per_version_of_its_file(tmp_path: Path) -> None:
    """A crawl reads each profile through the cache: the same object while the file is
    unchanged, the edit as soon as it is saved, and a broken file's own error each time."""
    path = tmp_path / "p.toml"
    path.write_text(html(), encoding="utf-8")
    first = cached_profile(path)
    assert cached_profile(path) is first
    path.write_text(html(items="table.is-xjnr tr"), encoding="utf-8")  # another size
    assert cached_profile(path).sections["bxcy"].list.items == "table.is-xjnr tr"
    path.write_text(html(items="//table[@@@"), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(ConfigError) as info:
            cached_profile(path)
        assert str(info.value).startswith(f"{path}: ") and "//table[@@@" in str(info.value)
    path.unlink()
    with pytest.raises(ConfigError, match="找不到站点配置文件"):
        cached_profile(path)


def source(name: str, profile: str = "sites/p.toml", section: str = "bxcy") -> str:
    return f'[[sources]]\nname = "{name}"\nprofile = "{profile}"\nsection = "{section}"\n'


def cli(config: Path, *args: str) -> object:
    return CliRunner().invoke(main, ["--config", str(config), *args])


def test_crawl_with_a_bad_selector_exits_2_before_crawling(tmp_path: Path) -> None:
    """It used to start the child and fail the crawl (exit 1, source unhealthy)."""
    (tmp_path / "cfg" / "sites").mkdir(parents=True)
    (tmp_path / "cfg" / "sites" / "p.toml").write_text(html(items="//table[@@@"), encoding="utf-8")
    config = write_config(tmp_path / "cfg", source("luan-bxcy"))
    assert cli(config, "init").exit_code == 0
    result = cli(config, "crawl", "luan-bxcy", "--now", "2026-11-26T10:00")
    assert result.exit_code == 2, result.output
    assert "p.toml" in result.output and "sections.bxcy.list.items" in result.output
    assert "//table[@@@" in result.output and "Traceback" not in result.output


def test_crawl_of_an_unknown_source_names_the_known_ones(tmp_path: Path) -> None:
    (tmp_path / "cfg" / "sites").mkdir(parents=True)
    (tmp_path / "cfg" / "sites" / "p.toml").write_text(html(), encoding="utf-8")
    config = write_config(
        tmp_path / "cfg", source("luan-bxcy") + source("luan-bmxx", section="bmxx")
    )
    result = cli(config, "crawl", "luan-bxcy", "nosuch", "--now", "2026-11-26T10:00")
    assert result.exit_code == 2, result.output
    assert "nosuch" in result.output and "已配置：luan-bxcy、luan-bmxx" in result.output
    assert "Traceback" not in result.output
