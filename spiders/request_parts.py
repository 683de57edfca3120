"""What a list or detail request sends, before Scrapy sees it (docs/site-profiles.md) — pure.

A request is built from the profile's templates (`url`, `method`, `form`, `json`, `headers`)
and the values of the moment: the paging arithmetic (`{page}`, `{page_size}`, `{offset}` =
(page − first_page) × page_size, `{offset1}` = offset + 1, `{offset_end}` = offset + page_size),
`{keyword}`, `{cursor}`, and for a detail request `{external_id}` and every list field. A
signer (spiders/signers.py) may then read and add to its parts; `encode` gives the final URL,
body and headers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

PAGING = ("page", "page_size", "offset", "offset1", "offset_end")
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def page_values(page: int, first_page: int, page_size: int) -> dict[str, int]:
    """The paging placeholders of one page (大汉: startrecord={offset1}&endrecord={offset_end})."""
    offset = (page - first_page) * page_size
    return {
        "page": page,
        "page_size": page_size,
        "offset": offset,
        "offset1": offset + 1,
        "offset_end": offset + page_size,
    }


def fill(template: str, values: Mapping[str, Any]) -> str:
    """Placeholders replaced by their values; an unknown `{name}` stays as written."""

    def one(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        return match.group(0) if value is None else str(value)

    return PLACEHOLDER.sub(one, template)


def fill_json(template: Any, values: Mapping[str, Any]) -> Any:
    """A JSON body template filled in. A string that is exactly one paging placeholder
    (``"{page}"``) becomes the number itself, as the portal's own page sends it."""
    if isinstance(template, str):
        whole = PLACEHOLDER.fullmatch(template)
        if whole and whole.group(1) in PAGING and isinstance(values.get(whole.group(1)), int):
            return values[whole.group(1)]
        return fill(template, values)
    if isinstance(template, dict):
        return {k: fill_json(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [fill_json(v, values) for v in template]
    return template


def missing_placeholders(text: str, values: Mapping[str, Any]) -> list[str]:
    """Placeholders of `text` with no value (a detail template naming a field the row lacks)."""
    return [name for name in PLACEHOLDER.findall(text) if values.get(name) in (None, "")]


def compact(value: Any) -> str:
    """A JSON value as sent in a body: compact, non-ASCII kept, keys in the profile's order."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@dataclass
class RequestParts:
    """One request as a signer sees it. `params` is the URL's query, parsed; `form` and `json`
    are the body (at most one); `url` is absolute and keeps its query."""

    method: str
    url: str
    params: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] | None = None
    json: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return urlsplit(self.url).path or "/"


def build(
    url: str,
    method: str,
    form: Mapping[str, str] | None,
    json_body: Any,
    headers: Mapping[str, str],
    values: Mapping[str, Any],
) -> RequestParts:
    """The request the templates describe, placeholders filled (url already absolute)."""
    filled = fill(url, values)
    params = dict(parse_qsl(urlsplit(filled).query, keep_blank_values=True))
    body_form = {k: fill(v, values) for k, v in form.items()} if form is not None else None
    body_json = fill_json(json_body, values) if json_body is not None else None
    if method == "GET" and body_form:  # a GET "form" is its query string (as browsers send it)
        params.update(body_form)
        filled = _with_query(filled, params)
        body_form = None
    return RequestParts(
        method=method,
        url=filled,
        params=params,
        form=body_form,
        json=body_json,
        headers={k: fill(v, values) for k, v in headers.items()},
    )


def _with_query(url: str, params: Mapping[str, str]) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query=urlencode(list(params.items()))))


def encode(parts: RequestParts) -> tuple[str, bytes | None, dict[str, str]]:
    """(URL, body, headers) to send. The URL is rewritten only when a signer changed the
    query, so an unsigned URL goes out exactly as the profile wrote it."""
    url = parts.url
    if dict(parse_qsl(urlsplit(url).query, keep_blank_values=True)) != parts.params:
        url = _with_query(url, parts.params)
    headers = dict(parts.headers)
    body: bytes | None = None
    if parts.json is not None:
        body = compact(parts.json).encode("utf-8")
        headers.setdefault("Content-Type", "application/json;charset=UTF-8")
    elif parts.form is not None:
        body = urlencode(list(parts.form.items())).encode("ascii")
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
    return url, body, headers
