"""Answers that are JavaScript (docs/site-profiles.md, `format = "js"`): the JSON values inside script text.

Portals built on 大汉 jact answer a list request with script text such as
``var totalRecord = 63; var dataStore = ["<tr>…</tr>", …];``; others answer JSONP
(``jQuery1124({"data": …})``) or a bare value. `read_script` turns such text into one JSON
document: the assignments by variable name (``{"totalRecord": 63, "dataStore": [...]}``; a
dotted name such as ``window.pageData`` is reachable as ``window.pageData`` and ``pageData``),
else the JSONP call's argument, else the bare value. Values are read as JSON — strictly first
(raw control characters inside strings allowed, as browsers' `eval` does), then as JavaScript
object literals (single quotes, unquoted keys, trailing commas) through chompjs. Escapes are
decoded exactly once, by the JSON reader, so no backslash the portal did not show survives.
Pure functions; nothing here imports Scrapy.
"""

from __future__ import annotations

import json
import re
from typing import Any

# `var name =`, `let name =`, `window.name =`, `name =` (not `==`, `=>`); the value follows
_ASSIGNMENT = re.compile(
    r"(?:\b(?:var|let|const)\s+)?(?<![\w$.])([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\s*=(?![=>])\s*"
)
# a JSONP call: `callback(`, `jQuery1124_1700(`, `/**/cb(`, `window.cb && cb(`
_CALL = re.compile(r"^\s*(?:/\*.*?\*/\s*)?(?:[\w$.]+\s*&&\s*)?[A-Za-z_$][\w$.]*\s*\(\s*", re.S)
_SINGLE_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'", re.S)
_KEYWORDS = {"true": True, "false": False, "null": None, "undefined": None}
_DECODER = json.JSONDecoder(strict=False)


class ScriptError(ValueError):
    """No JSON value could be read from the script text."""


def _again(value: Any) -> Any:
    """A string value that is itself JSON-encoded (``"[{\\"id\\":1}]"``) is read once more."""
    if isinstance(value, str) and value.strip()[:1] in ("{", "["):
        try:
            return json.loads(value, strict=False)
        except ValueError:
            return value
    return value


def _single_quoted(body: str) -> str:
    """The text of a JavaScript single-quoted string (its escapes decoded once)."""
    as_json = body.replace('\\"', '"').replace("\\'", "'").replace('"', '\\"')
    try:
        return str(json.loads(f'"{as_json}"', strict=False))
    except ValueError:
        return body


def read_value(text: str, start: int) -> tuple[Any, int]:
    """The value beginning at `start` and the index just after it; ScriptError if none."""
    while start < len(text) and text[start].isspace():
        start += 1
    if start >= len(text):
        raise ScriptError("脚本在值开始前结束")
    try:
        return _DECODER.raw_decode(text, start)
    except ValueError:
        pass
    head = text[start]
    if head == "'":
        match = _SINGLE_QUOTED.match(text, start)
        if match:
            return _single_quoted(match.group(1)), match.end()
    for word, value in _KEYWORDS.items():
        if (
            text.startswith(word, start)
            and not text[start + len(word) : start + len(word) + 1].isalnum()
        ):
            return value, start + len(word)
    if head in "[{":
        import chompjs  # JavaScript object literals: unquoted keys, single quotes, trailing commas

        end = _closing(text, start)
        try:
            return chompjs.parse_js_object(text[start:end]), end
        except ValueError as exc:
            raise ScriptError(f"第 {start} 个字符处的值无法读取：{exc}") from None
    raise ScriptError(f"第 {start} 个字符处不是 JSON 值")


def _closing(text: str, start: int) -> int:
    """The index after the bracket that closes the one at `start` (strings skipped)."""
    depth, quote, n = 0, "", start
    while n < len(text):
        char = text[n]
        if quote:
            if char == "\\":
                n += 1
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth == 0:
                return n + 1
        n += 1
    return len(text)


def _put(root: dict[str, Any], name: str, value: Any) -> None:
    parts = name.split(".")
    if parts[0] == "window" and len(parts) > 1:
        parts = parts[1:]
    node = root
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[parts[-1]] = value
    root.setdefault(parts[-1], value)  # `pageData` for `window.app.pageData` too


def assignments(text: str) -> dict[str, Any]:
    """Every `name = value` of the script whose value is JSON, by name (the last one wins)."""
    found: dict[str, Any] = {}
    position = 0
    while True:
        match = _ASSIGNMENT.search(text, position)
        if match is None:
            return found
        try:
            value, end = read_value(text, match.end())
        except ScriptError:
            position = match.end()
            continue
        _put(found, match.group(1), _again(value))
        position = end


def read_script(text: str) -> Any:
    """The JSON document a script answer carries (see the module docstring)."""
    body = text.strip().lstrip("\ufeff")
    if body.startswith("<") and "<script" in body.lower():  # wrapped in <script> tags
        body = "\n".join(re.findall(r"<script[^>]*>(.*?)</script>", body, re.S | re.I)) or body
    if body[:1] in ("{", "[", '"'):
        try:
            return _again(json.loads(body, strict=False))
        except ValueError:
            pass
    call = _CALL.match(body)
    if call is not None and body[call.end() : call.end() + 1] in ("{", "[", '"', "'"):
        try:
            value, _ = read_value(body, call.end())
            return _again(value)
        except ScriptError:
            pass
    found = assignments(body)
    if found:
        return found
    try:
        value, _ = read_value(body, 0)
    except ScriptError:
        raise ScriptError("脚本中找不到 JSON 值（没有赋值语句、JSONP 调用或数据）") from None
    return _again(value)
