"""Delivery channels, built from `[channels.NAME]` in monitor.toml."""

from __future__ import annotations

from typing import TYPE_CHECKING

from alerts.channels.base import (ChannelBroken, ChannelError, DeliveryFailed, Notifier, SystemTiming,
                                  SimulatedTiming, Timing)

if TYPE_CHECKING:
    from monitor.config import Config

__all__ = ["ChannelBroken", "ChannelError", "DeliveryFailed", "Notifier", "SimulatedTiming",
           "SystemTiming", "Timing", "build_channel", "build_channels"]


def build_channel(name: str, config: "Config", timing: Timing | None = None) -> Notifier:
    """The channel `name` of the config (secrets are resolved when it first sends)."""
    from alerts.channels.email import EmailNotifier
    from alerts.channels.wecom import WecomNotifier
    from monitor.errors import ConfigError

    settings = config.settings.channels.get(name)
    if settings is None:
        known = ", ".join(config.settings.channels) or "none configured"
        raise ConfigError(f"{config.path}: no channel named {name!r} (known: {known})")
    timing = timing or SystemTiming()
    if settings.kind == "wecom":
        return WecomNotifier(name, settings, timing, source=str(config.path))
    return EmailNotifier(name, settings, timing, source=str(config.path))


def build_channels(config: "Config", timing: Timing | None = None) -> dict[str, Notifier]:
    timing = timing or SystemTiming()
    return {name: build_channel(name, config, timing) for name in config.settings.channels}
