"""The common base of every channel (Apprise-like): it owns throttling, size limits and
retries, so a channel only says how to send one piece and how to read the answer.

Time is injected (`Timing`): tests, the benchmark and the offline demo use `SimulatedTiming`,
whose sleep advances a counter instead of waiting."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import ConfigDict

from alerts.render import Outgoing
from monitor.config import ChannelSettings
from monitor.errors import ConfigError

log = logging.getLogger("alerts.channels")


def network_reason(exc: BaseException) -> str:
    """Why a connection failed, in a few Chinese words (the reason `alerts test`, the log
    and the outbox show): the socket error inside urllib's URLError, a timeout, a refused
    or reset connection, a name that does not resolve, a TLS failure."""
    import errno
    import smtplib
    import socket
    import ssl

    reason: Any = getattr(exc, "reason", exc)  # urllib wraps the socket error
    if not isinstance(reason, BaseException):
        return f"网络错误：{reason}"
    if isinstance(reason, TimeoutError | socket.timeout):
        return "连接超时"
    if isinstance(reason, ConnectionRefusedError):
        return "连接被拒绝（地址或端口不对，或服务未启动）"
    if isinstance(reason, ConnectionResetError | BrokenPipeError):
        return "连接被对方断开"
    if isinstance(reason, smtplib.SMTPServerDisconnected):
        return "连接被服务器关闭"
    if isinstance(reason, socket.gaierror):
        return "域名解析失败（检查主机名或 DNS）"
    if isinstance(reason, ssl.SSLError):
        return f"TLS 握手失败（{reason.reason or reason}）"
    known = {
        errno.EHOSTUNREACH: "主机不可达",
        errno.ENETUNREACH: "网络不可达",
        errno.ECONNABORTED: "连接被中止",
    }
    if isinstance(reason, OSError) and reason.errno in known:
        return known[reason.errno]
    return f"网络错误：{type(reason).__name__}: {reason}"


class Timing(ABC):
    """Monotonic seconds and sleep; the only source of time for throttling and backoff."""

    @abstractmethod
    def monotonic(self) -> float:
        """Seconds on a clock that never goes back."""

    def wall(self) -> float:
        """Seconds on a clock other processes share (the epoch): what a send's time is kept
        in for the next process's rate limiter (alerts/dispatch/window.py)."""
        import time

        return time.time()

    @abstractmethod
    def sleep(self, seconds: float) -> None:
        """Wait (really, or by advancing a simulated clock)."""


class SystemTiming(Timing):
    def monotonic(self) -> float:
        import time

        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        import time

        if seconds > 0:
            time.sleep(seconds)


@dataclass
class SimulatedTiming(Timing):
    """A clock that moves only when someone sleeps: nothing really waits."""

    now: float = 0.0
    slept: float = 0.0
    on_sleep: Callable[[float], None] | None = None

    def monotonic(self) -> float:
        return self.now

    def wall(self) -> float:
        return self.now  # a simulation's own epoch: real sends look ancient to it, or future

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.now += seconds
            self.slept += seconds
            if self.on_sleep:
                self.on_sleep(seconds)


class ChannelError(Exception):
    """A delivery problem; `errcode` is WeCom's code when there is one."""

    def __init__(self, message: str, errcode: int | None = None) -> None:
        super().__init__(message)
        self.errcode = errcode


class Transient(ChannelError):
    """Try again after a backoff (HTTP 5xx, connection refused, timeouts, SMTP 4xx)."""


class RateLimited(Transient):
    """The far end says too many messages (WeCom 45009): wait for the window, then retry."""


class ChannelBroken(ChannelError):
    """Retrying cannot help (invalid webhook key, refused credentials or recipients): the
    route falls back to its next channel."""


class MessageRejected(ChannelError):
    """The far end refused this one message, not the channel (WeCom 40058 content too long,
    40008 message type, 40035 parameter…): the channel stays usable and healthy, the other
    messages go on, and this message's alerts are retried by a later dispatch."""


class DeliveryFailed(ChannelError):
    """Retries exhausted on transient errors; the alert is retried by a later dispatch."""


@dataclass
class RateLimiter:
    """At most `per_window` sends in any `window` seconds: a token comes back `window` seconds
    after it was spent. (A refill-rate bucket would allow a 21st send inside WeCom's sliding
    minute and earn a 45009.)"""

    per_window: int
    timing: Timing
    window: float = 60.0
    sent: deque[float] = field(default_factory=deque)
    seeded: bool = False  # sends made by earlier processes were added (seed)

    def wait_time(self) -> float:
        now = self.timing.monotonic()
        while self.sent and now - self.sent[0] >= self.window:
            self.sent.popleft()
        if len(self.sent) < self.per_window:
            return 0.0
        return self.window - (now - self.sent[0])

    def acquire(self) -> float:
        """Block (via timing.sleep) until a send is allowed; returns the seconds waited."""
        waited = 0.0
        while (delay := self.wait_time()) > 0:
            self.timing.sleep(delay)
            waited += delay
        self.sent.append(self.timing.monotonic())
        return waited

    def full(self) -> None:
        """The far end refused the send just attempted: its window is full. The sends this
        limiter knows of stay where they are; the rest of the far end's `per_window` were
        made by senders it does not know of (the process before it, whose last piece was
        in flight at a kill; another program) and count as made just now. A slot frees when
        the oldest known send leaves the window, so that is the wait: a whole window only
        when no send is known (it used to be a whole window always)."""
        now = self.timing.monotonic()
        if self.sent:
            self.sent.pop()  # the refused attempt's token: it was not a send
        self.wait_time()  # drops what left the window
        unknown = max(self.per_window - len(self.sent), 0)
        self.sent.extend([now] * unknown)

    def history(self) -> list[float]:
        """The sends of the current window, in `timing.wall()` seconds."""
        offset = self.timing.wall() - self.timing.monotonic()
        self.wait_time()  # drops what left the window
        return [t + offset for t in self.sent]

    def seed(self, sends: list[float]) -> None:
        """Count sends made elsewhere (`timing.wall()` seconds, e.g. by the process this one
        replaced) that are still in the window; ones in the future are another clock's."""
        wall, mono = self.timing.wall(), self.timing.monotonic()
        recent = [mono - (wall - t) for t in sends if 0 <= wall - t < self.window]
        self.sent = deque(sorted([*self.sent, *recent])[-self.per_window :])
        self.seeded = True


def split_lines(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` UTF-8 bytes, cut on line boundaries; a single line longer
    than the limit is cut between characters (never inside one)."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for line in text.split("\n"):
        for part in _cut_bytes(line, limit):
            need = len(part.encode("utf-8")) + (1 if current else 0)
            if current and size + need > limit:
                pieces.append("\n".join(current))
                current, size = [], 0
                need = len(part.encode("utf-8"))
            current.append(part)
            size += need
    if current and any(current):
        pieces.append("\n".join(current))
    return [p.strip("\n") for p in pieces if p.strip()]


def _cut_bytes(line: str, limit: int) -> list[str]:
    if len(line.encode("utf-8")) <= limit:
        return [line]
    out: list[str] = []
    buf: list[str] = []
    size = 0
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            out.append("".join(buf))
            buf, size = [], 0
        buf.append(ch)
        size += n
    if buf:
        out.append("".join(buf))
    return out


class ChannelConfig(ChannelSettings):
    """Base of every channel type's settings model: unknown keys are errors. `fallback` (the
    channel that gets this channel's alerts, once, while this one is broken or keeps failing)
    comes from the core's ChannelSettings, which checks that it names another channel."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# kind → channel class; filled as the channel modules are imported (see registry.py)
CHANNEL_TYPES: dict[str, type[Notifier]] = {}


class Notifier(ABC):
    """A named channel. A channel type is one module in alerts/channels/ with a subclass that
    sets `kind`, `settings_model` (its `[channels.NAME]` keys) and `secret_keys` (keys that may
    be `env:NAME`), and implements `pieces()` (the size limits) and `_send_piece()` (one
    request; raise Transient / RateLimited / ChannelBroken / MessageRejected). Defining it
    registers it."""

    kind: ClassVar[str] = "base"
    kind_label: ClassVar[str] = "提醒渠道"  # what people call this type (企业微信群, 邮箱)
    settings_model: ClassVar[type[ChannelConfig]] = ChannelConfig
    secret_keys: ClassVar[tuple[str, ...]] = ()
    max_attempts = 5
    backoff: tuple[float, ...] = (2.0, 5.0, 15.0, 30.0)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.kind != "base":
            CHANNEL_TYPES[cls.kind] = cls

    def __init__(self, name: str, timing: Timing, per_minute: int | None = None) -> None:
        self.name = name
        self.label = name  # its display name; build_channel sets the configured one
        self.timing = timing
        self.limiter = RateLimiter(per_minute, timing) if per_minute else None
        self.broken: str | None = None  # why, once a permanent error was seen
        self.broken_at = 0.0  # timing.monotonic() of that error
        self.permanent = False  # broken by its configuration: no retry can help
        self.requests = 0  # pieces actually posted (for figures)
        # called once a send is allowed and right before its request leaves: the dispatcher
        # keeps the rate window there, so the next process counts even a piece in flight
        self.before_send: Callable[[], None] | None = None

    def describe(self) -> str:
        """For people: the name they know, and the key to look for in monitor.toml (once:
        a label that carries the key to tell two channels apart loses it here)."""
        label = self.label.removesuffix(f"（{self.name}）") or self.name
        return f"提醒渠道“{label}”（channels.{self.name}）"

    def check(self) -> str | None:
        """Why this channel cannot work as configured (a missing or malformed secret), in
        Chinese, naming the key and never the secret; None when it looks usable."""
        return None

    def mark_broken(self, reason: str, permanent: bool = False) -> None:
        self.broken, self.broken_at = reason, self.timing.monotonic()
        self.permanent = self.permanent or permanent

    @abstractmethod
    def pieces(self, message: Outgoing) -> list[object]:
        """`message` split into what one request can carry (the size limits)."""

    @abstractmethod
    def _send_piece(self, piece: object) -> None:
        """Post one piece; raise ChannelBroken or DeliveryFailed from the answer."""

    def encode_piece(self, piece: object) -> Any:
        """A piece as JSON, to be kept until it was accepted (default: it is JSON already)."""
        return piece

    def decode_piece(self, data: Any) -> object:
        return data

    def send(self, message: Outgoing) -> int:
        """Deliver every piece of `message`; returns the number of pieces sent.
        Raises ChannelBroken (fall back) or DeliveryFailed (retry later)."""
        pieces = self.pieces(message)
        for piece in pieces:
            self.send_piece(piece)
        return len(pieces)

    def send_piece(self, piece: object) -> None:
        """Deliver one piece, with the retries, backoff and rate limit."""
        if self.broken:
            # the caller names the channel once; the message says only what is wrong
            raise ChannelBroken(f"已判定不可用：{self.broken}")
        self._deliver(piece)

    def _deliver(self, piece: object) -> None:
        last: ChannelError | None = None
        for attempt in range(self.max_attempts):
            if self.limiter:
                waited = self.limiter.acquire()
                if waited >= 1:
                    log.info(
                        "%s waited %.0f s for its rate window (%d sends a minute)",
                        self.describe(),
                        waited,
                        self.limiter.per_window,
                    )
            try:
                if self.before_send is not None:
                    self.before_send()
                self.requests += 1
                self._send_piece(piece)
                return
            except ConfigError as exc:  # e.g. the env: variable of the webhook is unset
                self.mark_broken(str(exc), permanent=True)
                raise ChannelBroken(str(exc)) from None
            except ChannelBroken as exc:
                self.mark_broken(str(exc))
                log.warning("%s broken: %s", self.describe(), exc)
                raise
            except RateLimited as exc:
                last = exc
                log.info("%s rate limited; waiting for the window", self.describe())
                if self.limiter:
                    self.limiter.full()  # acquire() then waits until a slot frees
                else:
                    self.timing.sleep(60.0)
            except Transient as exc:
                last = exc
                delay = self.backoff[min(attempt, len(self.backoff) - 1)]
                log.info("%s: %s; retry in %.0fs", self.describe(), exc, delay)
                if attempt + 1 < self.max_attempts:
                    self.timing.sleep(delay)
        assert last is not None
        raise DeliveryFailed(str(last), last.errcode)


def secret_problem(value: str | None, key: str) -> str | None:
    """Why an `env:NAME` secret cannot be read (in Chinese, naming the key and the variable,
    never a value); None when it is set or not a reference."""
    import os

    if value is None or not value.startswith("env:"):
        return None
    if not os.environ.get(value[4:]):
        return f"{key} 所需的环境变量 {value[4:]} 未设置"
    return None


class BrokenChannel(Notifier):
    """A configured channel that could not even be built (e.g. a malformed SMTP URL): it
    exists so that its alerts go to its fallback and `status` can name the reason."""

    kind = "base"

    def __init__(self, name: str, kind: str, reason: str, timing: Timing) -> None:
        super().__init__(name, timing)
        self.broken_kind = kind
        self.mark_broken(reason, permanent=True)

    def pieces(self, message: Outgoing) -> list[object]:
        return [message]

    def _send_piece(self, piece: object) -> None:
        raise ChannelBroken(self.broken or "broken")
