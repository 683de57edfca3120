"""The documentation stands on its own: every relative link and anchor in README.md,
ARCHITECTURE.md and docs/*.md resolves, and every docs page the code points at exists.

Anchors are GitHub's heading slugs (lowercase; punctuation dropped, Chinese kept; spaces to
hyphens; a repeated heading gets -1, -2 …), since that is where people read these pages.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([ROOT / "README.md", ROOT / "ARCHITECTURE.md", *(ROOT / "docs").glob("*.md")])

_FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
_CODE_SPAN = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"(?<!\!)\[[^\]\n]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_IMAGE = re.compile(r"!\[[^\]\n]*\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)


def _prose(text: str) -> str:
    """The page without code blocks and code spans (a link shown as code is not a link)."""
    return _CODE_SPAN.sub("", _FENCE.sub("", text))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading's text."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading: its text
    text = text.replace("`", "").strip().lower()
    text = "".join(ch for ch in text if ch.isalnum() or ch in " -_")
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    for heading in _HEADING.findall(_FENCE.sub("", page.read_text("utf-8"))):
        base = slug(heading)
        n = seen.get(base, 0)
        seen[base] = n + 1
        found.add(base if n == 0 else f"{base}-{n}")
    return found


def _targets(page: Path) -> list[str]:
    prose = _prose(page.read_text("utf-8"))
    return _LINK.findall(prose) + _IMAGE.findall(prose)


def test_slug_follows_github() -> None:
    assert slug("Next year's holidays") == "next-years-holidays"
    assert (
        slug("The annual report (政府信息公开工作年度报告)")
        == "the-annual-report-政府信息公开工作年度报告"
    )
    assert slug("`reply check` — 回复质量") == "reply-check--回复质量"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(page: Path) -> None:
    broken = []
    for target in _targets(page):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, mailto: … (none reached)
            continue
        path_part, _, anchor = target.partition("#")
        dest = (page.parent / path_part).resolve() if path_part else page
        if not dest.exists():
            broken.append(f"{target}: no file {dest.relative_to(ROOT)}")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(f"{target}: no heading #{anchor} in {dest.relative_to(ROOT)}")
    assert not broken, f"{page.relative_to(ROOT)}: " + "; ".join(broken)


def test_docs_named_in_code_exist() -> None:
    """Comments and docstrings point at docs/*.md for a rule; the page must be there."""
    named: dict[str, str] = {}
    for folder in ("monitor", "alerts", "spiders", "config", "tests", "benchmarks"):
        for file in (ROOT / folder).rglob("*"):
            if file.suffix not in {".py", ".toml", ".txt", ".html"} or not file.is_file():
                continue
            for name in re.findall(r"docs/([\w.-]+\.md)", file.read_text("utf-8", "replace")):
                named.setdefault(name, str(file.relative_to(ROOT)))
    missing = {n: where for n, where in named.items() if not (ROOT / "docs" / n).exists()}
    assert not missing, f"docs pages named in code but absent: {missing}"
