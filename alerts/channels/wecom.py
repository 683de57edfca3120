"""The WeCom (企业微信) group robot: POST JSON to the webhook URL and read `errcode` — HTTP 200
can still be an error. 45009: the robot's 20-messages-a-minute limit (wait, retry); 93000
invalid webhook key and 40058-style parameter errors are permanent (fall back). Markdown is
split at 4,096 UTF-8 bytes and text at 2,048, on line boundaries."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any, Literal

from pydantic import Field

from alerts.channels.base import (
    ChannelBroken,
    ChannelConfig,
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

MARKDOWN_BYTES = 4096
TEXT_BYTES = 2048
RATE_LIMITED = 45009
# codes that will not change by retrying: bad key, bad parameters/content, robot removed
PERMANENT = {93000, 40058, 40008, 40035, 93004, 93008}
ERRCODE_ZH = {
    45009: "机器人发送频率超限（每分钟 20 条）",
    93000: "Webhook 地址无效（key 错误或机器人已被移除）",
    40058: "参数不合法（消息过长或格式错误）",
}


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
        errmsg = str(answer.get("errmsg", ""))[:200]
        text = f"errcode {errcode} {ERRCODE_ZH.get(errcode, '')} ({errmsg})".replace("  ", " ")
        if errcode == RATE_LIMITED:
            raise RateLimited(text, errcode)
        if errcode in PERMANENT or 40000 <= errcode < 50000 and errcode != RATE_LIMITED:
            raise ChannelBroken(text, errcode)
        raise Transient(text, errcode)


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
