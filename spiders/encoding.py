"""Decoding page bodies: the HTTP header, a BOM, a `<meta>` charset, or a sniff.

Chinese government sites often serve GBK/GB2312 pages that declare the charset only in
`<meta>` or not at all. The GB family is decoded as GB18030 (its superset): a page labelled
GB2312 routinely contains characters only GBK/GB18030 define (人名 such as 喆, 镕)."""

from __future__ import annotations

import codecs

from w3lib.encoding import html_body_declared_encoding, html_to_unicode, http_content_type_encoding

_GB_FAMILY = {"gb2312", "gbk", "gb18030", "gb_2312-80", "x-gbk", "cp936", "euc-cn", "hz-gb-2312"}


def normalise(name: str) -> str:
    """The codec to decode with: the GB family widens to gb18030."""
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        return "utf-8"
    return "gb18030" if name.lower() in _GB_FAMILY or canonical in _GB_FAMILY else canonical


def _sniff(body: bytes) -> str:
    """No declaration anywhere: valid UTF-8 is UTF-8, anything else is taken as GB18030."""
    try:
        body.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        try:
            body.decode("gb18030")
            return "gb18030"
        except UnicodeDecodeError:
            return "utf-8"


def decode_body(
    body: bytes, content_type: str | None = None, encoding: str = "auto", html: bool = True
) -> tuple[str, str]:
    """(text, encoding used). `encoding` is a codec name or "auto" (header, BOM, meta, sniff)."""
    if encoding != "auto":
        codec = normalise(encoding)
        return body.decode(codec, errors="replace"), codec
    declared = http_content_type_encoding(content_type) if content_type else None
    if declared is None and html:
        declared = html_body_declared_encoding(body)
    if declared is None:
        if body.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            used, text = html_to_unicode(None, body)
            return text, used
        codec = _sniff(body)
        return body.decode(codec, errors="replace"), codec
    codec = normalise(declared)
    return body.decode(codec, errors="replace"), codec


def other_decoding(body: bytes, used: str) -> str | None:
    """The body read with the other common decoding (UTF-8 ↔ GB18030), strictly, or None when
    it does not decode that way either. For pages whose declared charset is wrong."""
    other = "gb18030" if normalise(used) == "utf-8" else "utf-8"
    try:
        return body.decode(other)
    except UnicodeDecodeError:
        return None
