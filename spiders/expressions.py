"""Syntax checks for a site profile's selectors, so a typo is a config error when the profile
loads (exit 2, naming file, key and value) rather than a failed crawl hours later.

Each check returns the problem text or None. lxml and parsel's CSS translator are imported
only when an expression is checked; nothing here imports scrapy.
"""

from __future__ import annotations

import re

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
