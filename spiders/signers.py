"""Signed requests (docs/site-profiles.md): `signer = "NAME"` and `signer_options = {…}` on a section.

A signer is a callable registered under the entry-point group ``opinion_monitor.signers``. It
receives each request of the section, list and detail alike, as `RequestParts` (method, URL,
query params, form or JSON body, headers) and the section's `signer_options`, and returns the
request with the fields it adds (a timestamp, a signature). It may also have a
``check_options(options) -> str | None`` attribute: the problem with the options, in Chinese,
reported when the profile loads. An office adds its own in a small package of its own::

    # pyproject.toml of the office's package
    [project.entry-points."opinion_monitor.signers"]
    hefei12345 = "hefei_signer:sign"

The product ships one general signer, ``md5`` (see `Md5Signer`).
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any, Protocol

from spiders.expressions import json_path
from spiders.request_parts import RequestParts, compact

GROUP = "opinion_monitor.signers"


class SignError(ValueError):
    """The request cannot be signed as the options say (a part it does not have)."""


class Signer(Protocol):
    def __call__(self, request: RequestParts, options: Mapping[str, Any]) -> RequestParts: ...


@cache
def _entry_points() -> dict[str, Any]:
    from importlib.metadata import entry_points

    return {point.name: point for point in entry_points(group=GROUP)}


def signer_names() -> list[str]:
    return sorted(_entry_points())


@cache
def find_signer(name: str) -> Signer:
    """The signer registered as `name`; SignError naming the installed ones if there is none."""
    point = _entry_points().get(name)
    if point is None:
        installed = "、".join(signer_names()) or "无"
        raise SignError(f"未知的签名方式 {name!r}（已安装：{installed}）")
    try:
        signer = point.load()
    except Exception as exc:  # noqa: BLE001 - an office's broken package, reported by name
        raise SignError(f"签名方式 {name!r}（{point.value}）无法加载：{exc}") from None
    if not callable(signer):
        raise SignError(f"签名方式 {name!r}（{point.value}）不是可调用对象")
    return signer


def signer_problem(name: str, options: Mapping[str, Any]) -> str | None:
    """Why `name` with `options` cannot sign (unknown, unloadable, bad options), or None."""
    try:
        signer = find_signer(name)
    except SignError as exc:
        return str(exc)
    check: Callable[[Mapping[str, Any]], str | None] | None = getattr(signer, "check_options", None)
    problem = check(options) if check is not None else None
    return f"signer_options: {problem}" if problem else None


def sign(name: str, options: Mapping[str, Any], request: RequestParts) -> RequestParts:
    """`request` signed by the signer `name` (SignError when it cannot be)."""
    signer = find_signer(name)
    try:
        signed = signer(request, options)
    except SignError:
        raise
    except Exception as exc:  # noqa: BLE001 - an office's signer failing is this request's failure
        raise SignError(f"签名方式 {name!r} 出错：{type(exc).__name__}: {exc}") from None
    if not isinstance(signed, RequestParts):
        raise SignError(f"签名方式 {name!r} 没有返回请求（返回了 {type(signed).__name__}）")
    return signed


# ---- md5 -------------------------------------------------------------------------------------
_PART = re.compile(r"^(path|(query|form|json)\.(.+))$")
_FIELD = re.compile(r"^(query|form|json|header)\.(.+)$")


def _read(request: RequestParts, part: str) -> str:
    match = _PART.match(part)
    if match is None:
        raise SignError(f"签名部分 {part!r} 无法识别")
    if match.group(1) == "path":
        return request.path
    where, name = match.group(2), match.group(3)
    if where == "query":
        value: Any = request.params.get(name)
    elif where == "form":
        value = (request.form or {}).get(name)
    else:
        value = json_path(request.json, name) if isinstance(request.json, dict) else None
    if value is None:
        raise SignError(f"签名部分 {part!r} 在请求中不存在")
    return value if isinstance(value, str) else compact(value)


def _write(request: RequestParts, target: str, value: Any) -> None:
    match = _FIELD.match(target)
    if match is None:
        raise SignError(f"签名字段 {target!r} 无法识别")
    where, name = match.groups()
    if where == "query":
        request.params[name] = str(value)
    elif where == "header":
        request.headers[name] = str(value)
    elif where == "form":
        if request.form is None:
            raise SignError(f"签名字段 {target!r}：请求没有 form 请求体")
        request.form[name] = str(value)
    else:
        if not isinstance(request.json, dict):
            raise SignError(f"签名字段 {target!r}：请求没有 JSON 请求体")
        request.json[name] = value


def _secret(value: str) -> str:
    if value.startswith("env:"):
        found = os.environ.get(value[4:])
        if not found:
            raise SignError(f"签名盐值 {value!r}：环境变量 {value[4:]} 未设置")
        return found
    return value


class Md5Signer:
    """``signer_options = { parts = ["path", "json.param"], salt = "…", field = "json.signature" }``

    The named parts' values — ``path`` (the URL's path), ``query.NAME``, ``form.NAME``,
    ``json.NAME`` (a JSON value serialised compactly, as sent; a string as it is) — joined with
    nothing between them, then the salt (``"env:NAME"`` reads it from the environment), hashed
    with MD5 as lowercase hex into `field` (``json.NAME``, ``query.NAME``, ``form.NAME`` or
    ``header.NAME``). Optional ``timestamp = "query.ts"`` first writes the current time there
    (epoch milliseconds; ``timestamp_unit = "s"`` for seconds), so it can be one of the parts."""

    OPTIONS = ("parts", "salt", "field", "timestamp", "timestamp_unit")

    def check_options(self, options: Mapping[str, Any]) -> str | None:
        unknown = sorted(set(options) - set(self.OPTIONS))
        if unknown:
            return f"未知的选项 {'、'.join(unknown)}（可用：{'、'.join(self.OPTIONS)}）"
        parts = options.get("parts")
        if not isinstance(parts, list) or not parts or not all(isinstance(p, str) for p in parts):
            return 'parts 应为非空的字符串列表，如 ["path", "json.param"]'
        bad = [p for p in parts if not _PART.match(p)]
        if bad:
            return f"parts 中 {bad[0]!r} 无法识别（可用：path、query.名称、form.名称、json.名称）"
        for key in ("field", "timestamp"):
            value = options.get(key)
            if key == "field" and value is None:
                return '缺少 field（签名写到哪里，如 "json.signature"、"query.sign"）'
            if value is not None and (not isinstance(value, str) or not _FIELD.match(value)):
                return f"{key} = {value!r} 无法识别（可用：json.名称、query.名称、form.名称、header.名称）"
        if not isinstance(options.get("salt", ""), str):
            return "salt 应为字符串"
        if options.get("timestamp_unit", "ms") not in ("ms", "s"):
            return 'timestamp_unit 应为 "ms" 或 "s"'
        return None

    def __call__(self, request: RequestParts, options: Mapping[str, Any]) -> RequestParts:
        if options.get("timestamp"):
            now = time.time()
            stamp = int(now) if options.get("timestamp_unit") == "s" else int(now * 1000)
            _write(request, str(options["timestamp"]), stamp)
        text = "".join(_read(request, str(p)) for p in options.get("parts") or [])
        text += _secret(str(options.get("salt") or ""))
        _write(request, str(options["field"]), hashlib.md5(text.encode("utf-8")).hexdigest())
        return request


md5 = Md5Signer()
