"""Delivery channels, built from `[channels.NAME]` in monitor.toml."""

from __future__ import annotations

from typing import TYPE_CHECKING

from alerts.channels.base import (ChannelBroken, ChannelError, DeliveryFailed, Notifier, SystemTiming,
                                  SimulatedTiming, Timing)

if TYPE_CHECKING:
    from monitor.config import Config

__all__ = ["ChannelBroken", "ChannelError", "DeliveryFailed", "Notifier", "SimulatedTiming",
           "SystemTiming", "Timing", "build_channel", "build_channels", "check_channel_secret",
           "check_channel_secrets"]


def build_channel(name: str, config: "Config", timing: Timing | None = None) -> Notifier:
    """The channel `name` of the config (secrets are resolved when it first sends)."""
    from alerts.channels.email import EmailNotifier
    from alerts.channels.wecom import WecomNotifier
    from monitor.errors import ConfigError

    settings = config.settings.channels.get(name)
    if settings is None:
        known = "、".join(config.settings.channels) or "无"
        raise ConfigError(f"{config.path}: 没有名为 {name!r} 的渠道（已配置：{known}）")
    timing = timing or SystemTiming()
    if settings.kind == "wecom":
        return WecomNotifier(name, settings, timing, source=str(config.path))
    return EmailNotifier(name, settings, timing, source=str(config.path))


def build_channels(config: "Config", timing: Timing | None = None) -> dict[str, Notifier]:
    timing = timing or SystemTiming()
    return {name: build_channel(name, config, timing) for name in config.settings.channels}


def _secret_keys(settings: object) -> list[str]:
    """The fields of a channel that may be `env:NAME` secrets."""
    return ["webhook"] if getattr(settings, "kind", None) == "wecom" else ["password"]


def check_channel_secret(name: str, config: "Config") -> None:
    """Resolve the secrets of channel `name`; a missing `env:` variable is a ConfigError
    naming the file, `channels.NAME.<key>` and the variable (exit 2, not a failed send)."""
    from monitor.config import resolve_secret
    from monitor.errors import ConfigError

    settings = config.settings.channels.get(name)
    if settings is None:
        known = "、".join(config.settings.channels) or "无"
        raise ConfigError(f"{config.path}: 没有名为 {name!r} 的渠道（已配置：{known}）")
    for key in _secret_keys(settings):
        resolve_secret(getattr(settings, key, None), f"channels.{name}.{key}", str(config.path))


def check_channel_secrets(config: "Config") -> None:
    """Resolve every configured channel's secrets (daemon start-up): raises ConfigError on the
    first missing `env:` variable instead of letting alerts fail one by one later."""
    for name in config.settings.channels:
        check_channel_secret(name, config)
