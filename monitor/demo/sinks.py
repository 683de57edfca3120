"""Stand-ins for the far ends, for tests and the offline demo: a fake WeCom group robot on
127.0.0.1 that answers like the real one (errcodes, the 20-per-minute limit, the size
limits), and a real SMTP server (aiosmtpd) that keeps what it receives."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import ssl
import threading
from collections import deque
from collections.abc import Callable
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

# errmsg as the real robot words them (it appends ", hint: […], from ip: …, more info at …")
ERRMSG = {
    0: "ok",
    45009: "api freq out of limit",
    93000: "invalid webhook url",
    93004: "webhook robot disabled",
    93008: "webhook robot not in group",
    40058: "invalid Request Parameter",
    40008: "invalid message type",
    40033: "invalid charset. please check your request",
    40035: "invalid parameter",
    44004: "empty content",
}


def errmsg(code: int, detail: str = "") -> str:
    if code == 0:
        return "ok"
    text = f"{detail}. {ERRMSG.get(code, 'error')}" if detail else ERRMSG.get(code, "error")
    return (
        f"{text}, hint: [fake-{code}], from ip: 127.0.0.1, "
        f"more info at https://open.work.weixin.qq.com/devtool/query?e={code}"
    )


class FakeWecom:
    """The WeCom group robot's webhook: `POST /cgi-bin/webhook/send?key=KEY`.

    fake = FakeWecom(clock=timing.monotonic).start(); fake.url(key="demo") → webhook URL.
    fake.script([45009, 0]) answers the next requests with those errcodes (an int ≥ 500 below
    1000 is an HTTP status instead, e.g. 500); fake.fail_with(93000) answers every request so.
    Per message, as the real robot judges it: content over `limits` bytes (markdown 4,096,
    text 2,048) → 40058, a msgtype not in `msgtypes` → 40008 (a robot that takes only text:
    msgtypes = ("text",)), empty content → 44004; fake.refuse(code, when) answers `code` to
    every message whose body `when(body)` accepts. Received messages (parsed JSON bodies,
    accepted ones only) are in fake.messages; every request, answered or not, is in
    fake.requests as (key, body, errcode)."""

    LIMIT_PER_MINUTE = 20

    def __init__(self, clock: Callable[[], float] | None = None, host: str = "127.0.0.1") -> None:
        import time

        self.clock = clock or time.monotonic
        self.host = host
        self.messages: list[dict[str, Any]] = []
        self.requests: list[tuple[str, dict[str, Any] | None, int]] = []
        self._script: deque[int] = deque()
        self._always: int | None = None
        self.limits = {"markdown": 4096, "text": 2048}
        self.msgtypes: tuple[str, ...] = ("text", "markdown")
        self._refusals: list[tuple[int, Callable[[dict[str, Any]], bool]]] = []
        self._windows: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- scripting ------------------------------------------------------------------------
    def script(self, codes: list[int]) -> FakeWecom:
        with self._lock:
            self._script.extend(codes)
        return self

    def fail_with(self, code: int | None) -> FakeWecom:
        """Answer every request with `code` (None: back to normal)."""
        with self._lock:
            self._always = code
        return self

    def refuse(self, code: int, when: Callable[[dict[str, Any]], bool]) -> FakeWecom:
        """Answer `code` to every message whose parsed body `when` accepts."""
        with self._lock:
            self._refusals.append((code, when))
        return self

    def reset(self) -> None:
        with self._lock:
            self.messages.clear()
            self.requests.clear()
            self._script.clear()
            self._always = None
            self._windows.clear()
            self._refusals.clear()
            self.limits = {"markdown": 4096, "text": 2048}
            self.msgtypes = ("text", "markdown")

    def contents(self, key: str | None = None) -> list[str]:
        """The text of every accepted message (markdown or text content)."""
        out = []
        for msg in self.messages:
            if key is not None and msg.get("_key") != key:
                continue
            body = msg.get(msg.get("msgtype", ""), {})
            out.append(body.get("content", ""))
        return out

    # -- lifecycle ------------------------------------------------------------------------
    @property
    def port(self) -> int:
        assert self._server is not None, "FakeWecom is not started"
        return self._server.server_address[1]

    def url(self, key: str = "demo") -> str:
        return f"http://{self.host}:{self.port}/cgi-bin/webhook/send?key={key}"

    def start(self) -> FakeWecom:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                key = parse_qs(urlsplit(self.path).query).get("key", [""])[0]
                status, answer = fake._answer(urlsplit(self.path).path, key, raw)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer((self.host, 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True, name="fake-wecom"
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeWecom:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the robot ------------------------------------------------------------------------
    def _answer(self, path: str, key: str, raw: bytes) -> tuple[int, dict[str, Any]]:
        with self._lock:
            try:
                body = json.loads(raw.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                body = None
            code = self._script.popleft() if self._script else self._always
            detail = ""
            if code is None:
                code, detail = self._judge(path, key, body)
            self.requests.append((key, body, code))
            if 500 <= code < 1000:
                return code, {"error": "server error"}
            if code == 0 and body is not None:
                self._windows.setdefault(key, deque()).append(self.clock())
                self.messages.append({**body, "_key": key})
            return 200, {"errcode": code, "errmsg": errmsg(code, detail)}

    def _judge(self, path: str, key: str, body: Any) -> tuple[int, str]:
        if path != "/cgi-bin/webhook/send" or not key or key.startswith("invalid"):
            return 93000, ""
        if not isinstance(body, dict) or body.get("msgtype") not in self.msgtypes:
            return 40008, ""
        kind = body["msgtype"]
        content = str(body.get(kind, {}).get("content", ""))
        if not content:
            return 44004, ""
        limit = self.limits.get(kind, 2048)
        if len(content.encode("utf-8", "surrogatepass")) > limit:
            return 40058, f"{kind}.content exceed max length {limit}"
        for code, when in self._refusals:
            if when(body):
                return code, ""
        window = self._windows.setdefault(key, deque())
        now = self.clock()
        while window and now - window[0] >= 60:
            window.popleft()
        if len(window) >= self.LIMIT_PER_MINUTE:
            return 45009, ""
        return 0, ""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class SmtpSink:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message it receives,
    parsed (`.messages`: email.message.EmailMessage) with its envelope (`.envelopes`)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int | None = None,
        *,
        starttls: ssl.SSLContext | None = None,
        implicit_tls: ssl.SSLContext | None = None,
        users: dict[str, str] | None = None,
    ) -> None:
        """`starttls`: offer STARTTLS with this server context (and require it);
        `implicit_tls`: TLS from the first byte (smtps); `users`: require AUTH with these
        user → password pairs."""
        self.host = host
        self.port = port or free_port(host)
        self.starttls = starttls
        self.implicit_tls = implicit_tls
        self.users = users
        self.logins: list[str] = []
        self._script: deque[str] = deque()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.raw: list[bytes] = []  # as received on the wire
        self._controller: Any = None

    def script(self, replies: list[str]) -> SmtpSink:
        """Answer the next DATA commands with these replies (e.g. "451 4.3.0 try later")
        instead of accepting the message."""
        self._script.extend(replies)
        return self

    def start(self) -> SmtpSink:
        from aiosmtpd.controller import Controller

        sink = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
                if sink._script:
                    return sink._script.popleft()
                raw = envelope.original_content or envelope.content
                sink.raw.append(raw)
                message = email.message_from_bytes(raw, policy=email.policy.default)
                sink.messages.append(message)
                sink.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
                return "250 Message accepted for delivery"

        kwargs: dict[str, Any] = {}
        if self.starttls is not None:
            kwargs.update(tls_context=self.starttls, require_starttls=True)
        if self.implicit_tls is not None:
            kwargs.update(ssl_context=self.implicit_tls)
        if self.users is not None:
            from aiosmtpd.smtp import AuthResult, LoginPassword

            def authenticator(
                server: Any, session: Any, envelope: Any, mechanism: str, data: Any
            ) -> Any:
                users = sink.users or {}
                ok = (
                    isinstance(data, LoginPassword)
                    and users.get(data.login.decode()) == data.password.decode()
                )
                if ok:
                    sink.logins.append(data.login.decode())
                return AuthResult(success=ok, handled=False)

            kwargs.update(
                authenticator=authenticator,
                auth_required=True,
                auth_require_tls=self.starttls is not None or self.implicit_tls is not None,
            )
        self._controller = Controller(Handler(), hostname=self.host, port=self.port, **kwargs)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def url(self, user: str = "office", host: str | None = None) -> str:
        scheme = "smtps" if self.implicit_tls is not None else "smtp"
        return f"{scheme}://{user}@{host or self.host}:{self.port}"

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
