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

ERRMSG = {
    0: "ok",
    45009: "api freq out of limit",
    93000: "invalid webhook url",
    40058: "markdown.content exceed max length 4096",
    40008: "invalid message type",
}


class FakeWecom:
    """The WeCom group robot's webhook: `POST /cgi-bin/webhook/send?key=KEY`.

    fake = FakeWecom(clock=timing.monotonic).start(); fake.url(key="demo") → webhook URL.
    fake.script([45009, 0]) answers the next requests with those errcodes (an int ≥ 500 below
    1000 is an HTTP status instead, e.g. 500); fake.fail_with(93000) answers every request so.
    Received messages (parsed JSON bodies, accepted ones only) are in fake.messages; every
    request, answered or not, is in fake.requests as (key, body, errcode)."""

    LIMIT_PER_MINUTE = 20

    def __init__(self, clock: Callable[[], float] | None = None, host: str = "127.0.0.1") -> None:
        import time

        self.clock = clock or time.monotonic
        self.host = host
        self.messages: list[dict[str, Any]] = []
        self.requests: list[tuple[str, dict[str, Any] | None, int]] = []
        self._script: deque[int] = deque()
        self._always: int | None = None
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

    def reset(self) -> None:
        with self._lock:
            self.messages.clear()
            self.requests.clear()
            self._script.clear()
            self._always = None
            self._windows.clear()

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
            if code is None:
                code = self._judge(path, key, body)
            self.requests.append((key, body, code))
            if 500 <= code < 1000:
                return code, {"error": "server error"}
            if code == 0 and body is not None:
                self._windows.setdefault(key, deque()).append(self.clock())
                self.messages.append({**body, "_key": key})
            return 200, {"errcode": code, "errmsg": ERRMSG.get(code, "error")}

    def _judge(self, path: str, key: str, body: Any) -> int:
        if path != "/cgi-bin/webhook/send" or not key or key.startswith("invalid"):
            return 93000
        if not isinstance(body, dict) or body.get("msgtype") not in ("text", "markdown"):
            return 40008
        content = str(body.get(body["msgtype"], {}).get("content", ""))
        limit = 4096 if body["msgtype"] == "markdown" else 2048
        if not content or len(content.encode("utf-8")) > limit:
            return 40058
        window = self._windows.setdefault(key, deque())
        now = self.clock()
        while window and now - window[0] >= 60:
            window.popleft()
        if len(window) >= self.LIMIT_PER_MINUTE:
            return 45009
        return 0


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
