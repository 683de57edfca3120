"""Field extraction from list rows, detail pages, JSON documents and feeds (pure functions).

A field (DESIGN §5) takes its raw values from one of xpath / css / json / const, then:
`join` (all values joined, else the first non-empty one), `label` (the value after
``标签：`` up to the next label or the end), `regex` (the first group), `default`. Fields whose
name ends in ``url`` are made absolute against the page they were found on. Elements give
their text (text nodes joined, one line each); attributes and XPath strings are used as is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urljoin

from parsel import Selector

from spiders.expressions import JSON_STEP as _INDEX
from spiders.expressions import is_xpath
from spiders.profile import FieldSpec

Node = Any  # a parsel Selector (html/xml) or a JSON value

_NEXT_LABEL = r"(?=\s+[\u4e00-\u9fff]{1,12}\s*[：:]|$)"


class ExtractError(ValueError):
    """The page is not what the profile describes (bad JSON, bad selector)."""


def load_json(text: str) -> Any:
    """Parse JSON; a body that is itself a JSON-encoded string is decoded again."""
    try:
        document = json.loads(text)
        for _ in range(2):
            if isinstance(document, str) and document.strip()[:1] in ("{", "["):
                document = json.loads(document)
    except json.JSONDecodeError as exc:
        raise ExtractError(f"不是 JSON：第 {exc.pos} 个字符处 {exc.msg}") from None
    return document


def json_path(document: Any, path: str) -> Any:
    """`a.b[0].c` into nested dicts/lists; None where the path does not lead anywhere.
    A step that meets a list without an index maps over the list."""
    current = document
    if not path or path == ".":
        return current
    for step in path.split("."):
        match = _INDEX.match(step)
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


def _text_of(selector: Selector) -> str:
    if isinstance(selector.root, str):
        return selector.root
    parts = [t.strip() for t in selector.xpath(".//text()").getall()]
    return "\n".join(p for p in parts if p)


def _raw_values(node: Node, spec: FieldSpec) -> list[str]:
    if spec.const is not None:
        return [spec.const]
    if spec.json_path is not None:
        value = json_path(node, spec.json_path)
        values = value if isinstance(value, list) else [value]
        out = []
        for v in values:
            if v is None:
                continue
            out.append(
                json.dumps(v, ensure_ascii=False)
                if isinstance(v, (dict, list))
                else ("" if isinstance(v, bool) and not v else str(v))
            )
        return out
    if not isinstance(node, Selector):
        raise ExtractError("xpath/css 字段需要 HTML 或 XML 页面，而页面是 JSON")
    try:
        found = node.xpath(spec.xpath) if spec.xpath is not None else node.css(spec.css or "")
    except ValueError as exc:
        raise ExtractError(f"选择器 {spec.xpath or spec.css!r}：{exc}") from None
    return [_text_of(s) for s in found]


def after_label(text: str, label: str) -> str | None:
    """The value after `label：` (or `label:`), up to the next label or the end."""
    match = re.search(re.escape(label) + r"\s*[：:]\s*(.*?)" + _NEXT_LABEL, text, re.S)
    if match is None:
        return None
    return match.group(1).strip() or None


def refine(values: Iterable[str], spec: FieldSpec) -> str | None:
    """Apply join / label / regex / default to raw values."""
    cleaned = [v.strip() for v in values if v is not None and v.strip()]
    if spec.join is not False:
        separator = " " if spec.join is True else str(spec.join)
        candidates = [separator.join(cleaned)] if cleaned else []
    else:
        candidates = cleaned
    for candidate in candidates:
        value: str | None = candidate
        if spec.label is not None:
            value = after_label(candidate, spec.label)
        if value is not None and spec.regex is not None:
            match = re.search(spec.regex, value, re.S)
            value = (
                None if match is None else (match.group(1) if match.groups() else match.group(0))
            )
        if value is not None:
            value = value.strip()
        if value:
            return value
    return spec.default


def extract_field(node: Node, name: str, spec: FieldSpec, page_url: str) -> str | None:
    value = refine(_raw_values(node, spec), spec)
    if value is not None and name.endswith("url"):
        if value.lower().startswith(("javascript:", "#", "mailto:")):
            return spec.default  # a 不公开 row's dead link is no link
        value = urljoin(page_url, value)
    return value


_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def extract_fields(
    node: Node, fields: Mapping[str, FieldSpec], page_url: str
) -> dict[str, str | None]:
    """All fields of one row or page. A `const` may name other fields of the same row,
    e.g. ``url = { const = "/threads/content?tid={external_id}" }``; it is empty when one of
    them is."""
    values = {
        name: extract_field(node, name, spec, page_url)
        for name, spec in fields.items()
        if not (spec.const and _PLACEHOLDER.search(spec.const))
    }
    for name, spec in fields.items():
        if name in values:
            continue
        names = _PLACEHOLDER.findall(spec.const or "")
        if all(values.get(n) for n in names):
            text = _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), spec.const or "")
            values[name] = extract_field(
                node, name, spec.model_copy(update={"const": text}), page_url
            )
        else:
            values[name] = spec.default
    return {name: values[name] for name in fields}


def html_selector(text: str) -> Selector:
    return Selector(text=text, type="html")


def list_nodes(text: str, fmt: str, items: str) -> tuple[list[Node], bool]:
    """The row nodes of a list page and whether the list container was found at all
    (an error or block page has no container; a page past the last one has an empty one)."""
    if fmt == "json":
        document = load_json(text)
        rows = json_path(document, items)
        if rows is None:
            return [], False
        if isinstance(rows, Mapping):  # {id: row, …}
            rows = list(rows.values())
        if not isinstance(rows, list):
            raise ExtractError(f"items {items!r} 指向的是 {type(rows).__name__}，不是列表")
        return rows, True
    selector = html_selector(text)
    try:
        nodes = list(selector.xpath(items)) if is_xpath(items) else list(selector.css(items))
    except ValueError as exc:
        raise ExtractError(f"items {items!r}：{exc}") from None
    if nodes:
        return nodes, True
    # Was the container there? Strip the last step of the row path and look for it.
    container = re.sub(r"/+[^/\[\]]+(\[[^\]]*\])*$", "", items) if items.startswith("/") else ""
    if not container:
        return [], True  # a CSS or one-step path: there is no container to look for
    return [], bool(selector.xpath(container))


def extract_rows(
    text: str, fmt: str, items: str, fields: Mapping[str, FieldSpec], page_url: str
) -> tuple[list[dict[str, str | None]], bool]:
    nodes, container = list_nodes(text, fmt, items)
    return [extract_fields(node, fields, page_url) for node in nodes], container


def parse_feed(text: str, page_url: str) -> list[dict[str, str | None]]:
    """RSS 2.0 / RSS 1.0 / Atom entries → url, title, body, published_at (raw), outlet."""
    selector = Selector(text=text.encode("utf-8").decode("utf-8"), type="xml")
    selector.remove_namespaces()
    feed_title = selector.xpath(
        "normalize-space(/rss/channel/title | /feed/title | //channel/title)"
    ).get()
    rows = []
    for entry in selector.xpath("//item | //entry"):

        def first(*paths: str, entry: Any = entry) -> str | None:  # this entry, not the last
            for path in paths:
                value = entry.xpath(path).get()
                if value and value.strip():
                    return str(value.strip())
            return None

        link = first("link/@href", "link/text()", "guid/text()", "id/text()")
        body = first("encoded/text()", "description/text()", "content/text()", "summary/text()")
        if body and "<" in body:
            body = _text_of(html_selector(body)) or body
        rows.append(
            {
                "url": urljoin(page_url, link) if link else None,
                "title": first("normalize-space(title)"),
                "body": body,
                "published_at": first(
                    "pubDate/text()",
                    "published/text()",
                    "updated/text()",
                    "date/text()",
                    "issued/text()",
                ),
                "outlet": first(
                    "normalize-space(source)",
                    "normalize-space(author/name)",
                    "normalize-space(author)",
                    "normalize-space(creator)",
                )
                or feed_title
                or None,
            }
        )
    return rows
