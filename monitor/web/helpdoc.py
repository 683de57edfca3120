"""The clerks' manual as the dashboard's 帮助 page (/help).

docs/操作手册.md and the screenshots it shows are canonical; a copy ships inside the package
(monitor/web/manual/: manual.md and screenshots/NAME.png, package-data) so an installed
dashboard serves it without the source tree. tests/test_help.py checks the copy equals docs/
(`python -m tests.sync_help` makes it so).

Rendered with markdown-it-py (CommonMark plus tables) with raw HTML off: a `<tag>` in the text
is shown as text, never run. Images written `screenshots/NAME.png` (the relative path that
works on docs/) are pointed at the dashboard's own route, so every asset is local and the
page keeps the CSP `default-src 'self'`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from markdown_it import MarkdownIt

MANUAL_DIR = Path(__file__).resolve().parent / "manual"
MANUAL_FILE = MANUAL_DIR / "manual.md"
SCREENSHOTS = MANUAL_DIR / "screenshots"
IMAGE_PREFIX = "screenshots/"
# the only file names /help/screenshots/ serves: no dots but the extension, no slashes
SHOT_NAME = re.compile(r"[a-z0-9][a-z0-9-]*\.png")
IMAGE_ROUTE = "/help/screenshots/"


@dataclass(frozen=True)
class Manual:
    html: str  # the body, safe to insert (raw HTML in the source was escaped)
    chapters: tuple[tuple[str, str], ...]  # (anchor, title) of each ## chapter, for the contents
    images: tuple[str, ...]  # the screenshots it shows, by file name


def local_image(src: str) -> str | None:
    """`screenshots/board.png` → `board.png`; anything else (another folder, a URL) → None."""
    if not src.startswith(IMAGE_PREFIX):
        return None
    name = src[len(IMAGE_PREFIX) :]
    return name if SHOT_NAME.fullmatch(name) else None


def render(text: str) -> Manual:
    """The manual's markdown as HTML, its chapters numbered `ch1`… for the contents."""
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = md.parse(text)
    chapters: list[tuple[str, str]] = []
    images: list[str] = []
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h2":
            anchor = f"ch{len(chapters) + 1}"
            token.attrSet("id", anchor)
            chapters.append((anchor, tokens[i + 1].content))
        for child in token.children or ():
            if child.type == "image":
                name = local_image(str(child.attrGet("src") or ""))
                if name is not None:
                    child.attrSet("src", IMAGE_ROUTE + name)
                    images.append(name)
                else:  # every asset local: an image from elsewhere is shown as its words
                    child.type, child.tag, child.attrs = "text", "", {}
                    child.content = f"[图片：{child.content}]"
                    child.children = None
    html = md.renderer.render(tokens, md.options, {})
    return Manual(html=html, chapters=tuple(chapters), images=tuple(images))


@lru_cache(maxsize=2)
def _load(stamp: tuple[int, int]) -> Manual:
    return render(MANUAL_FILE.read_text(encoding="utf-8"))


def load() -> Manual:
    """The shipped manual, rendered once per version of the file."""
    stat = MANUAL_FILE.stat()
    return _load((stat.st_mtime_ns, stat.st_size))
