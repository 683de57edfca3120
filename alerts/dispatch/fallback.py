"""Fallback: which channel takes a target now. A target's channels are its own and that
channel's `fallback`; it moves to the fallback, once, while its own channel is broken
(invalid key, refused login, a bad secret) or failed in this dispatch after its retries. A
broken channel is tried again after BROKEN_RETRY_SECONDS, unless its configuration broke it."""

from __future__ import annotations

from alerts.channels import Notifier
from alerts.dispatch.work import Work

BROKEN_RETRY_SECONDS = 600.0  # a broken channel is tried again after ten minutes
NO_FALLBACK = "；该渠道没有备用渠道（fallback），提醒等待重试"


def revive(notifiers: dict[str, Notifier]) -> None:
    """Channels broken long enough ago (not by their configuration) may be tried again."""
    for notifier in notifiers.values():
        if (
            notifier.broken
            and not notifier.permanent
            and notifier.timing.monotonic() - notifier.broken_at > BROKEN_RETRY_SECONDS
        ):
            notifier.broken = None


class Channels:
    """The channels of one dispatch, and those that failed in it (unusable for the rest of
    it, with the reason)."""

    def __init__(self, notifiers: dict[str, Notifier]) -> None:
        self.notifiers = notifiers
        self.unusable: dict[str, str] = {}  # channel → why, for the rest of this dispatch

    def refuse(self, name: str, why: str) -> None:
        self.unusable[name] = why

    def why_not(self, name: str) -> str | None:
        """Why the channel cannot take a message now; None when it can."""
        notifier = self.notifiers.get(name)
        if name in self.unusable or notifier is None or notifier.broken:
            return self.unusable.get(name) or _broken(name, notifier)
        return None

    def next_channel(self, w: Work, target: str) -> str | None:
        """The channel that should take this target now: its own, else its fallback (once);
        None when none can, or when the fallback is another of the alert's own targets (that
        delivery covers this one)."""
        route = w.route(target)
        while w.position[target] < len(route):
            name = route[w.position[target]]
            if w.position[target] > 0:
                other = next((t for t, r in w.targets if t != target and r[0] == name), None)
                if other is not None:
                    w.covered[target] = other
                    return None
            notifier = self.notifiers.get(name)
            if notifier is not None and name not in self.unusable and not notifier.broken:
                return name
            w.error = self.unusable.get(name) or _broken(name, notifier)
            w.position[target] += 1
        if w.error and len(route) == 1 and NO_FALLBACK not in w.error:
            # said where it is read (dispatch, alerts list, the dashboard): nothing else
            # will carry this alert until the channel is fixed
            w.error += NO_FALLBACK
        return None


def _broken(name: str, notifier: Notifier | None) -> str:
    """Why a channel takes nothing now, for people: which channel (its display name and its
    key in monitor.toml) and the reason it was marked broken (never the secret)."""
    if notifier is None:
        return f"没有名为 {name!r} 的渠道"
    return f"{notifier.describe()}不可用：{notifier.broken}"
