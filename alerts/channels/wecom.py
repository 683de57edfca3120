"""The WeCom (企业微信) group robot: POST JSON to the webhook URL and read `errcode` — HTTP 200
can still be an error. 45009: the robot's 20-messages-a-minute limit (wait, retry). Codes about
the robot itself (93000 invalid webhook key or robot removed, 93004 robot disabled, 93008 not
in the group) break the channel (fall back). Codes about one message (40058 content too long,
40008 message type, 40033 characters, 40035 parameter, 45002 size…) do not: that message is
sent again shortened (markdown cut with a note) or as plain text; if it is still refused, only
its alerts fail (retried later) and the robot stays in use. Markdown is split at 4,096 UTF-8
bytes and text at 2,048, on line boundaries."""

from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.request
from typing import Any, Literal

from pydantic import Field

from alerts.channels.base import (
    ChannelBroken,
    ChannelConfig,
    MessageRejected,
    Notifier,
    RateLimited,
    Timing,
    Transient,
    network_reason,
    secret_problem,
    split_lines,
)
from alerts.render import Outgoing
from monitor.config import resolve_secret

log = logging.getLogger("alerts.channels")

MARKDOWN_BYTES = 4096
TEXT_BYTES = 2048
RATE_LIMITED = 45009
# The meanings are WeCom's global error codes (企业微信全局错误码).
# About the robot: no message can get through until someone fixes the webhook.
ROBOT = {
    93000: "Webhook 地址无效（key 错误或机器人已被移出群聊）",
    93004: "机器人已被停用",
    93008: "机器人已不在群里",
}
# About one message (its type, characters, parameters or size): the robot is fine.
PER_MESSAGE = {
    40008: "消息类型不合法",
    40033: "消息含有不合法的字符",
    40035: "参数不合法",
    40058: "参数不合法（内容过长或格式错误）",
    40063: "参数为空",
    44004: "文本内容为空",
    45002: "消息内容大小超过限制",
}
TOO_LONG = {40058, 45002}
ERRCODE_ZH = {RATE_LIMITED: "机器人发送频率超限（每分钟 20 条）", **ROBOT, **PER_MESSAGE}
CUT_NOTE = "……（消息过长，企业微信未收下全文，以下已截去；全文请在值班看板或邮件中查看）"
# control characters other than line breaks and tabs, and non-characters: WeCom may refuse them
_UNSENDABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


class WecomChannel(ChannelConfig):
    """`[channels.NAME] kind = "wecom"`."""

    kind: Literal["wecom"]
    webhook: str
    format: Literal["markdown", "text"] = "markdown"
    mentioned_mobile_list: list[str] = []
    per_minute: int = Field(20, ge=1, le=20)
    timeout: float = Field(10, gt=0)


class WecomNotifier(Notifier):
    kind = "wecom"
    kind_label = "企业微信群"
    settings_model = WecomChannel
    secret_keys = ("webhook",)

    def __init__(
        self, name: str, settings: WecomChannel, timing: Timing, source: str = "config"
    ) -> None:
        super().__init__(name, timing, per_minute=settings.per_minute)
        self.settings = settings
        self.source = source

    @property
    def url(self) -> str:
        url = resolve_secret(self.settings.webhook, f"channels.{self.name}.webhook", self.source)
        assert url is not None
        return url

    def check(self) -> str | None:
        key = f"channels.{self.name}.webhook"
        problem = secret_problem(self.settings.webhook, key)
        if problem:
            return problem
        return webhook_problem(self.url, key)

    def pieces(self, message: Outgoing) -> list[object]:
        """Markdown by default; crisis alerts go as text when mobiles are to be @-mentioned
        (WeCom's markdown cannot mention by mobile)."""
        mobiles = list(self.settings.mentioned_mobile_list)
        if self.settings.format == "text" or (message.urgent and mobiles):
            chunks = split_lines(message.text, TEXT_BYTES)
            payloads: list[object] = []
            for i, chunk in enumerate(chunks):
                body: dict[str, Any] = {"content": chunk}
                if message.urgent and mobiles and i == 0:
                    body["mentioned_mobile_list"] = mobiles
                payloads.append({"msgtype": "text", "text": body})
            return payloads
        return [
            {"msgtype": "markdown", "markdown": {"content": chunk}}
            for chunk in split_lines(message.markdown, MARKDOWN_BYTES)
        ]

    def send_piece(self, piece: object) -> None:
        """Deliver one piece; a piece the robot refuses for itself (too long, wrong type,
        bad characters) is sent again shortened, then as plain text."""
        try:
            super().send_piece(piece)
            return
        except MessageRejected as exc:
            first = exc
        log.warning("%s refused one message: %s; sending it again", self.describe(), first)
        for alternative in alternatives(piece, first.errcode):
            try:
                super().send_piece(alternative)
            except MessageRejected as exc:
                log.warning("%s refused it again: %s", self.describe(), exc)
                continue
            log.info("%s took the message as %s", self.describe(), _shape(alternative))
            return
        raise MessageRejected(f"{first}；缩短、改为纯文本后仍被拒收", first.errcode)

    def _send_piece(self, piece: object) -> None:
        data = json.dumps(piece, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(
            self.url,
            data=data,
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.settings.timeout) as response:
                raw = response.read()
        except ValueError:
            # http.client.InvalidURL and friends: the message would quote the secret URL
            problem = (
                webhook_problem(self.url, f"channels.{self.name}.webhook")
                or f"channels.{self.name}.webhook 不是有效的网址"
            )
            raise ChannelBroken(problem) from None
        except urllib.error.HTTPError as exc:
            if exc.code in (400, 401, 403, 404):
                raise ChannelBroken(f"企业微信机器人地址返回 HTTP {exc.code}") from None
            raise Transient(f"企业微信机器人地址返回 HTTP {exc.code}") from None
        except (TimeoutError, urllib.error.URLError, ConnectionError, OSError) as exc:
            raise Transient(f"无法连接企业微信机器人地址：{network_reason(exc)}") from None
        try:
            answer = json.loads(raw.decode("utf-8"))
            errcode = int(answer.get("errcode", -1))
        except (ValueError, AttributeError, TypeError):
            raise Transient(f"企业微信返回了无法识别的内容：{raw[:200]!r}") from None
        if errcode == 0:
            return
        # the robot appends ", hint: [...], from ip: ..., more info at ...": noise for people;
        # its English errmsg is shown only for a code we cannot say in Chinese
        errmsg = str(answer.get("errmsg", "")).split(", hint:")[0][:200]
        meaning = ERRCODE_ZH.get(errcode)
        text = (
            f"errcode {errcode} {meaning}"
            if meaning
            else f"errcode {errcode}（企业微信说：{errmsg}）"
        )
        if errcode == RATE_LIMITED:
            raise RateLimited(text, errcode)
        if errcode in PER_MESSAGE:
            raise MessageRejected(text, errcode)
        if errcode in ROBOT or 40000 <= errcode < 50000:
            # an unknown 4xxxx code may be about the robot: falling back is the safe side
            raise ChannelBroken(text, errcode)
        raise Transient(text, errcode)


def alternatives(piece: object, errcode: int | None) -> list[dict[str, Any]]:
    """What to send instead of a refused piece, in order: markdown shortened (when it was too
    long), then plain text (shortened to 2,048 bytes, without characters WeCom may refuse).
    An alternative that is the piece itself is not offered again."""
    if not isinstance(piece, dict) or piece.get("msgtype") not in ("markdown", "text"):
        return []
    kind = piece["msgtype"]
    body = dict(piece.get(kind) or {})
    content = str(body.get("content", ""))
    too_long = errcode in TOO_LONG
    out: list[dict[str, Any]] = []
    if kind == "markdown":
        if too_long or _size(content) > MARKDOWN_BYTES:
            out.append(
                {
                    "msgtype": "markdown",
                    "markdown": {**body, "content": shorten(content, MARKDOWN_BYTES)},
                }
            )
        text, body = _sendable(as_text(content)), {}
    else:
        text = _sendable(content)
    # too long although within the documented limit: the server counts otherwise; halve it
    limits = [TEXT_BYTES] + ([min(TEXT_BYTES, _size(text) // 2)] if too_long else [])
    for limit in limits:
        out.append({"msgtype": "text", "text": {**body, "content": shorten(text, limit)}})
    unique: list[dict[str, Any]] = []
    for alternative in out:
        if alternative != piece and alternative not in unique and _content(alternative).strip():
            unique.append(alternative)
    return unique


def shorten(content: str, limit: int) -> str:
    """`content` cut on a line boundary so that it and the note fit in `limit` bytes (as is
    when it fits already)."""
    if _size(content) <= limit:
        return content
    head = split_lines(content, limit - _size(CUT_NOTE) - 1)
    return (head[0] if head else "") + "\n" + CUT_NOTE


def as_text(markdown: str) -> str:
    """The alert markdown the renderer writes, as plain text: no bold, quotes or headings;
    links as 文字：网址 (untrusted text was escaped by the renderer, so only its own markup
    is here)."""
    text = re.sub(r"\[([^\]]*)\]\(([^)\s]*)\)", r"\1：\2", markdown)
    text = re.sub(r"(?m)^(?:#{1,6} |> ?)", "", text)
    text = re.sub(r"</?font[^>]*>", "", text)
    return text.replace("**", "")


def _sendable(text: str) -> str:
    return _UNSENDABLE.sub("", text)


def _size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _content(piece: dict[str, Any]) -> str:
    return str(piece.get(piece.get("msgtype", ""), {}).get("content", ""))


def _shape(piece: dict[str, Any]) -> str:
    return f"{piece.get('msgtype')} ({_size(_content(piece))} bytes)"


def webhook_problem(url: str, key: str) -> str | None:
    """Why `url` cannot be a webhook (Chinese, naming the key, never quoting the URL)."""
    from urllib.parse import urlsplit

    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        return f"{key} 不是有效的网址（含空格或控制字符）"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError:
        return f"{key} 不是有效的网址"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{key} 不是有效的网址（应以 http:// 或 https:// 开头）"
    return None
