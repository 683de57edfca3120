"""E-mail over SMTP (smtplib): `smtps://user@host:465` is SSL from the start; `smtp://…`
upgrades with STARTTLS when the server offers it (or as `starttls` says). HTML and plain-text
parts, UTF-8 subjects, attachments (the daily summary's overdue list as CSV). Timeouts on."""

from __future__ import annotations

import email.policy
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from pydantic import ConfigDict, Field

from alerts.channels.base import (
    ChannelBroken,
    ChannelConfig,
    Notifier,
    Timing,
    Transient,
    network_reason,
    secret_problem,
)
from alerts.render import Outgoing
from monitor.config import resolve_secret
from monitor.errors import ConfigError
from monitor.redact import hide_passwords

MAX_BYTES = 10 * 1024 * 1024  # most relays refuse larger mail; an alert never gets close


class EmailChannel(ChannelConfig):
    """`[channels.NAME] kind = "email"`: only `smtp` and `to` are required."""

    kind: Literal["email"]
    smtp: str
    to: list[str] = Field(min_length=1)
    password: str | None = None
    from_: str | None = Field(None, alias="from")
    starttls: bool | None = None  # None: STARTTLS on smtp:// when the server offers it
    timeout: float = Field(20, gt=0)
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class EmailNotifier(Notifier):
    kind = "email"
    kind_label = "邮箱"
    settings_model = EmailChannel
    secret_keys = ("password",)

    def __init__(
        self, name: str, settings: EmailChannel, timing: Timing, source: str = "config"
    ) -> None:
        super().__init__(name, timing, per_minute=None)
        self.settings = settings
        self.source = source
        parts = urlsplit(settings.smtp)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            shown = hide_passwords(settings.smtp)  # a password written into the URL stays hidden
            raise ConfigError(
                f"{source}: channels.{name}.smtp = {shown!r} 不是 SMTP 地址：应为 "
                "smtps://用户名@主机:465 或 smtp://用户名@主机:587"
            )
        self.ssl = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.ssl else 587)
        self.user = unquote(parts.username) if parts.username else None
        self.sender = (
            settings.from_
            or (f"{self.user}@{self.host}" if self.user and "@" not in self.user else self.user)
            or f"opinion-monitor@{self.host}"
        )

    def check(self) -> str | None:
        return secret_problem(self.settings.password, f"channels.{self.name}.password")

    def encode_piece(self, piece: object) -> Any:
        import base64

        assert isinstance(piece, EmailMessage)
        return base64.b64encode(piece.as_bytes(policy=email.policy.SMTP)).decode("ascii")

    def decode_piece(self, data: Any) -> object:
        import base64

        return email.message_from_bytes(base64.b64decode(str(data)), policy=email.policy.default)

    def build(self, message: Outgoing) -> EmailMessage:
        mail = EmailMessage()
        mail["Subject"] = message.title  # EmailMessage encodes non-ASCII as RFC 2047 UTF-8
        mail["From"] = self.sender
        mail["To"] = ", ".join(self.settings.to)
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = make_msgid(domain="opinion-monitor")
        if message.urgent:
            mail["X-Priority"] = "1"
        mail.set_content(message.text, charset="utf-8")
        mail.add_alternative(
            f"<html><body>{message.html}</body></html>", subtype="html", charset="utf-8"
        )
        for att in message.attachments:
            maintype, subtype = att.mime.split("/", 1)
            mail.add_attachment(
                att.content, maintype=maintype, subtype=subtype, filename=att.filename
            )
        return mail

    def pieces(self, message: Outgoing) -> list[object]:
        mail = self.build(message)
        if len(mail.as_bytes()) > MAX_BYTES:
            raise ChannelBroken(f"邮件有 {len(mail.as_bytes())} 字节，超过上限 {MAX_BYTES} 字节")
        return [mail]

    def _connect(self) -> smtplib.SMTP:
        timeout = self.settings.timeout
        if self.ssl:
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=timeout, context=ssl.create_default_context()
            )
        smtp = smtplib.SMTP(self.host, self.port, timeout=timeout)
        smtp.ehlo()
        wanted = self.settings.starttls
        if wanted or (wanted is None and smtp.has_extn("starttls")):
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        return smtp

    def _send_piece(self, piece: object) -> None:
        assert isinstance(piece, EmailMessage)
        password = resolve_secret(
            self.settings.password, f"channels.{self.name}.password", self.source
        )
        try:
            smtp = self._connect()
            try:
                if self.user and password:
                    smtp.login(self.user, password)
                # RFC 2047 encoded headers (not SMTPUTF8): every relay reads them
                smtp.sendmail(
                    self.sender, list(self.settings.to), piece.as_bytes(policy=email.policy.SMTP)
                )
            finally:
                try:
                    smtp.quit()
                except (smtplib.SMTPException, OSError):
                    pass
        except smtplib.SMTPAuthenticationError as exc:
            raise ChannelBroken(
                f"SMTP 登录被拒绝：{exc.smtp_code} {_text(exc.smtp_error)}（检查用户名和密码）"
            ) from None
        except smtplib.SMTPRecipientsRefused as exc:
            raise ChannelBroken(f"收件人被拒绝：{'、'.join(exc.recipients)}") from None
        except smtplib.SMTPNotSupportedError as exc:
            raise ChannelBroken(f"SMTP 服务器不支持所需功能：{exc}") from None
        except smtplib.SMTPResponseException as exc:
            message = f"SMTP 服务器答复 {exc.smtp_code} {_text(exc.smtp_error)}"
            if 500 <= exc.smtp_code < 600:
                raise ChannelBroken(message) from None
            raise Transient(message) from None
        except ssl.SSLError as exc:
            raise ChannelBroken(
                f"与 SMTP {self.host}:{self.port} 的 TLS 连接失败：{network_reason(exc)}"
            ) from None
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise Transient(
                f"无法连接 SMTP {self.host}:{self.port}：{network_reason(exc)}"
            ) from None


def _text(raw: object) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
