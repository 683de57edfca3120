"""Field extraction from list rows, detail pages, JSON documents and feeds (pure functions).

A field (docs/site-profiles.md) takes its raw values from one of xpath / css / json / const, then:
`join` (all values joined, else the first non-empty one), `label` (the value after
``标签：`` up to the next label or the end), `regex` (the first group), `map` (the portal's code
in words), `default`. Fields whose name ends in ``url`` are made absolute against the page they
were found on. Elements give their text (text nodes joined, one line each); attributes and
XPath strings are used as is. Strings read from JSON or JavaScript were unescaped once by the
JSON reader; their HTML entities (``&quot;``, ``&#8220;``) are decoded here.

Documents (docs/site-profiles.md): ``html`` and ``xml`` pages are parsel selectors, ``json`` and ``js``
answers JSON values (spiders/scripts.py reads the script). Items that are HTML fragments
(``item_format = "html"``; an ``xml`` record holding only text that is markup, such as
``<record><![CDATA[<li>…</li>]]></record>``) become a selector on the fragment's element.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping, MutableSet
from typing import Any
from urllib.parse import urljoin

from parsel import Selector

from spiders.expressions import is_xpath, json_path
from spiders.profile import FieldSpec
from spiders.scripts import ScriptError, read_script

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
            if isinstance(v, str):
                out.append(html.unescape(v) if "&" in v else v)
            else:
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


# Fields people read as one line (a body or a reply keeps its paragraphs, other fields as they are).
ONE_LINE_FIELDS = frozenset(
    {
        "external_id",
        "title",
        "department",
        "status_text",
        "category",
        "author",
        "reply_department",
        "outlet",
    }
)
_CJK = "\u2018-\u201f\u2026\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef"
_BREAK_IN_CJK = re.compile(rf"(?<=[{_CJK}])\s*\n\s*(?=[{_CJK}])")
_BREAK = re.compile(r"\s*\n\s*")


def one_line(value: str) -> str:
    """An element's text nodes come one a line (`_text_of`); a one-line field such as a title whose
    link holds `<span>反映</span><span>路灯不亮</span>` reads as the page shows it: the break between
    two Chinese characters goes, any other becomes one space."""
    if "\n" not in value:
        return value
    return _BREAK.sub(" ", _BREAK_IN_CJK.sub("", value))


Unmapped = MutableSet[tuple[str, str]]  # (field, value) met that the field's map lacks


def refine(
    values: Iterable[str], spec: FieldSpec, name: str = "", unmapped: Unmapped | None = None
) -> str | None:
    """Apply join / label / regex / map / default to raw values."""
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
            if name in ONE_LINE_FIELDS:
                value = one_line(value)
        if value:
            return apply_map(value, spec, name, unmapped)
    return spec.default


def apply_map(value: str, spec: FieldSpec, name: str = "", unmapped: Unmapped | None = None) -> str:
    """The map's word for `value`; a value the map lacks is kept (and noted once)."""
    if not spec.map:
        return value
    if value in spec.map:
        return spec.map[value]
    if unmapped is not None:
        unmapped.add((name, value))
    return value


def extract_field(
    node: Node, name: str, spec: FieldSpec, page_url: str, unmapped: Unmapped | None = None
) -> str | None:
    value = refine(_raw_values(node, spec), spec, name, unmapped)
    if value is not None and name.endswith("url"):
        if value.lower().startswith(("javascript:", "#", "mailto:")):
            return spec.default  # a 不公开 row's dead link is no link
        value = urljoin(page_url, value)
    return value


_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def extract_fields(
    node: Node,
    fields: Mapping[str, FieldSpec],
    page_url: str,
    unmapped: Unmapped | None = None,
    known: Mapping[str, Any] | None = None,
) -> dict[str, str | None]:
    """All fields of one row or page. A `const` may name other fields of the same row (or of
    `known`: a detail page's const may name list fields), e.g. ``url = { const =
    "/threads/content?tid={external_id}" }``; it is empty when one of them is."""
    values: dict[str, Any] = dict(known or {})
    values |= {
        name: extract_field(node, name, spec, page_url, unmapped)
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
                node, name, spec.model_copy(update={"const": text}), page_url, unmapped
            )
        else:
            values[name] = spec.default
    return {name: values[name] for name in fields}


def html_selector(text: str) -> Selector:
    return Selector(text=text, type="html")


def load_document(text: str, fmt: str) -> Node:
    """A page as the profile reads it: a selector (html, xml) or a JSON value (json, js)."""
    if fmt == "json":
        return load_json(text)
    if fmt == "js":
        try:
            return read_script(text)
        except ScriptError as exc:
            raise ExtractError(f"不是脚本数据：{exc}") from None
    if fmt == "xml":
        if not text.lstrip().startswith("<"):
            raise ExtractError("不是 XML")
        return Selector(text=text, type="xml")
    return html_selector(text)


def fragment(markup: str) -> Selector:
    """An HTML fragment (a list item as a string): a selector on its one top element (so
    ``./td[2]`` and ``//td[2]`` both work), or on its body when it has several."""
    body = html_selector(markup).xpath("/html/body")
    top = body.xpath("./*")
    if len(top) == 1 and not "".join(body.xpath("./text()").getall()).strip():
        return top[0]
    return body[0] if body else html_selector(markup)


def item_node(item: Node, item_format: str | None) -> Node:
    """What the fields of one item read: the fragment for HTML items, else the item itself."""
    if isinstance(item, Selector):
        if item_format == "html" or (
            not item.xpath("./*") and "<" in (item.xpath("string(.)").get() or "")
        ):
            return fragment(item.xpath("string(.)").get() or "")
        return item
    if item_format == "html":
        return fragment(item if isinstance(item, str) else json.dumps(item, ensure_ascii=False))
    return item


def list_page(
    text: str, fmt: str, items: str, item_format: str | None = None
) -> tuple[list[Node], bool, Node]:
    """The item nodes of a list page, whether the list container was found at all (an error or
    block page has no container; a page past the last one has an empty one), and the page's
    document (for the pager fields and the server's message)."""
    document = load_document(text, fmt)
    if fmt in ("json", "js"):
        rows = json_path(document, items)
        if rows is None:
            return [], False, document
        if isinstance(rows, Mapping):  # {id: row, …}
            rows = list(rows.values())
        if not isinstance(rows, list):
            raise ExtractError(f"items {items!r} 指向的是 {type(rows).__name__}，不是列表")
        return [item_node(r, item_format) for r in rows], True, document
    selector: Selector = document
    try:
        nodes = list(selector.xpath(items)) if is_xpath(items) else list(selector.css(items))
    except ValueError as exc:
        raise ExtractError(f"items {items!r}：{exc}") from None
    if fmt == "xml":
        nodes = [item_node(n, item_format) for n in nodes]
    if nodes:
        return nodes, True, document
    # Was the container there? Strip the last step of the row path and look for it.
    container = re.sub(r"/+[^/\[\]]+(\[[^\]]*\])*$", "", items) if items.startswith("/") else ""
    if not container:
        return [], True, document  # a CSS or one-step path: there is no container to look for
    return [], bool(selector.xpath(container)), document


def list_nodes(
    text: str, fmt: str, items: str, item_format: str | None = None
) -> tuple[list[Node], bool]:
    nodes, container, _ = list_page(text, fmt, items, item_format)
    return nodes, container


def extract_rows(
    text: str,
    fmt: str,
    items: str,
    fields: Mapping[str, FieldSpec],
    page_url: str,
    item_format: str | None = None,
    unmapped: Unmapped | None = None,
) -> tuple[list[dict[str, str | None]], bool]:
    rows, container, _ = read_rows(text, fmt, items, fields, page_url, item_format, unmapped)
    return rows, container


def read_rows(
    text: str,
    fmt: str,
    items: str,
    fields: Mapping[str, FieldSpec],
    page_url: str,
    item_format: str | None = None,
    unmapped: Unmapped | None = None,
) -> tuple[list[dict[str, str | None]], bool, Node]:
    """The rows of a list page, whether its container was there, and the page's document."""
    nodes, container, document = list_page(text, fmt, items, item_format)
    rows = [extract_fields(node, fields, page_url, unmapped) for node in nodes]
    return rows, container, document


# where a JSON answer usually carries the server's own message (docs/site-profiles.md), in this order
MESSAGE_KEYS = ("message", "msg", "errmsg", "error", "resultDesc", "desc")
MESSAGE_LIMIT = 200


def server_message(document: Node, error_field: str | None = None) -> str | None:
    """The server's own words in a JSON (or JS) answer that is not a list: the profile's
    `error_field` (a dotted path), else the first of MESSAGE_KEYS at the top, else one level
    down (``{"error": {"message": …}}``, ``{"data": {"msg": …}}``); at most 200 characters."""
    if isinstance(document, Selector) or document is None:
        return None
    if error_field:
        return _said(json_path(document, error_field))
    if not isinstance(document, Mapping):
        return None
    for layer in (document, *[v for v in document.values() if isinstance(v, Mapping)]):
        for key in MESSAGE_KEYS:
            said = _said(layer.get(key))
            if said:
                return said
    return None


def _said(value: Any) -> str | None:
    if isinstance(value, Mapping):
        return next((s for s in (_said(value.get(k)) for k in MESSAGE_KEYS) if s), None)
    if value is None or isinstance(value, (bool, list)):
        return None
    text = html.unescape(str(value)).strip()
    if not text:
        return None
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1] + "…"


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
