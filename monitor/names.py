"""The name a person reads for a source: monitor.toml names sources with keys (`demo-bxcy`,
`portal`) that only the person who wrote the file knows; the office knows the portal's own
column, 百姓畅言. So a source is shown by its site profile's section `title`, with the site's
`name` before it where two sites share a title (两个网站的 百姓畅言), and by its key only
when the profile gives no title or cannot be read.

Keys stay where programs read them (`--json`, options, the database, URLs); every page, table,
alert, summary and report a person reads calls `source_titles` / `source_title`. Channels'
names are their type's business (alerts.channels.registry.channel_label). No imports beyond
the core: a profile is read as plain TOML, only for `[site] name` and `[sections.X] title`."""

from __future__ import annotations

import tomllib
from collections import Counter
from pathlib import Path
from typing import Any, Protocol


class Config(Protocol):
    """What names need of monitor.config.Config (named structurally: config's own errors
    name sources by these names, so config imports this module, not the other way round)."""

    settings: Any

    def resolve(self, relative: str) -> Path: ...


# (path, mtime, size) → (site name, {section: title}); a profile edited is read again
_PROFILES: dict[tuple[str, int, int], tuple[str, dict[str, str]]] = {}


def _profile_names(path: Path) -> tuple[str, dict[str, str]]:
    """The site's name and each section's title, or ("", {}) when the file cannot be read
    (the profile check in `status` says why; a name is no place for that)."""
    try:
        stat = path.stat()
    except OSError:
        return "", {}
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _PROFILES:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            data = {}
        site = data.get("site")
        sections = data.get("sections")
        site_name = site.get("name") if isinstance(site, dict) else None
        titles = {
            str(name): str(body["title"]).strip()
            for name, body in (sections.items() if isinstance(sections, dict) else ())
            if isinstance(body, dict) and isinstance(body.get("title"), str)
        }
        _PROFILES[key] = (
            site_name.strip() if isinstance(site_name, str) else "",
            {k: v for k, v in titles.items() if v},
        )
    return _PROFILES[key]


def source_titles(config: Config) -> dict[str, str]:
    """Every configured source's display name, by key (in the config's order). Unique: a
    title two sources share gets its site's name in front; if that still does not tell them
    apart (one site, one title twice) the key follows in brackets."""
    found: dict[str, tuple[str, str]] = {}
    for source in config.settings.sources:
        site, titles = _profile_names(config.resolve(source.profile))
        found[source.name] = (site, titles.get(source.section, ""))
    sites_of: dict[str, set[str]] = {}
    for site, title in found.values():
        if title:
            sites_of.setdefault(title, set()).add(site)
    out: dict[str, str] = {}
    for name, (site, title) in found.items():
        if not title:
            out[name] = name
        elif len(sites_of[title]) > 1 and site:  # two sites' 百姓畅言: the site says which
            out[name] = f"{site} {title}"
        else:
            out[name] = title
    shown = Counter(out.values())
    return {name: (f"{text}（{name}）" if shown[text] > 1 else text) for name, text in out.items()}


def source_title(config: Config, name: str | None) -> str:
    """One source's display name; a source no longer configured (its messages stay) is shown
    by its key, and a missing one as empty."""
    if not name:
        return ""
    return source_titles(config).get(name, name)


def titled_key(titles: dict[str, str], name: str) -> str:
    """`百姓畅言（luan-bxcy）`: the display name and the key, where someone may next type the
    key (a --source option) or look for it in monitor.toml; just the key when it is both."""
    title = titles.get(name, name)
    return name if title == name else f"{title}（{name}）"
