"""A site profile's expression languages: syntax checks for its selectors, so a typo is a
config error when the profile loads (exit 2, naming file, key and value) rather than a failed
crawl hours later, and the dotted JSON path's reader beside its grammar (extraction and request
signing both read with it).

Each check returns the problem text or None. lxml and parsel's CSS translator are imported
only when an expression is checked; nothing here imports scrapy.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# One step of a dotted JSON path: a key (may be empty) followed by any number of `[N]`.
JSON_STEP = re.compile(r"^([^\[\]]*)((?:\[\d+\])*)$")


def is_xpath(expression: str) -> bool:
    """A list's `items` in an html section is XPath when it starts like one, else CSS."""
    return expression.startswith(("/", ".", "("))


def xpath_problem(expression: str) -> str | None:
    from lxml import etree

    try:
        etree.XPath(expression)
    except etree.XPathError as exc:
        return f"XPath {expression!r} 无法编译：{exc}"
    return None


def css_problem(expression: str) -> str | None:
    # parsel's translator, as the spider uses it (it knows ::text and ::attr(name))
    from cssselect import SelectorError
    from parsel.csstranslator import css2xpath

    if not expression.strip():
        return "CSS 选择器为空"
    try:
        css2xpath(expression)
    except (SelectorError, ValueError) as exc:
        return f"CSS 选择器 {expression!r} 无效：{exc}"
    return None


def json_path_problem(path: str) -> str | None:
    """`a.b[0].c`; "" or "." is the document itself."""
    if path in ("", "."):
        return None
    for step in path.split("."):
        if not step:
            return f"JSON 路径 {path!r} 有空的一步（写法如 a.b[0].c）"
        if JSON_STEP.match(step) is None:
            return f"JSON 路径 {path!r}：{step!r} 不是 键 或 键[N]（写法如 a.b[0].c）"
    return None


def json_path(document: Any, path: str) -> Any:
    """`a.b[0].c` into nested dicts/lists; None where the path does not lead anywhere.
    A step that meets a list without an index maps over the list."""
    current = document
    if not path or path == ".":
        return current
    for step in path.split("."):
        match = JSON_STEP.match(step)
        if match is None:
            return None
        key, indexes = match.group(1), re.findall(r"\[(\d+)\]", match.group(2))
        if key:
            if isinstance(current, Mapping):
                current = current.get(key)
            elif isinstance(current, list):
                current = [item.get(key) for item in current if isinstance(item, Mapping)]
            else:
                return None
        for index in indexes:
            if isinstance(current, list) and int(index) < len(current):
                current = current[int(index)]
            else:
                return None
        if current is None:
            return None
    return current
