"""Delivery channels, built from `[channels.NAME]` in monitor.toml."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, cast

from alerts.channels.base import (
    BrokenChannel,
    ChannelBroken,
    ChannelError,
    DeliveryFailed,
    MessageRejected,
    Notifier,
    SimulatedTiming,
    SystemTiming,
    Timing,
)
from alerts.channels.registry import (
    channel_label,
    channel_labels,
    channel_types,
    kind_label,
    read_section,
)
from monitor.errors import ConfigError

if TYPE_CHECKING:
    from monitor.config import ChannelSettings, Config

__all__ = [
    "ChannelBroken",
    "ChannelError",
    "DeliveryFailed",
    "MessageRejected",
    "Notifier",
    "SimulatedTiming",
    "SystemTiming",
    "Timing",
    "build_channel",
    "build_channels",
    "channel_label",
    "channel_labels",
    "channel_problems",
    "check_channel_secret",
    "check_channel_secrets",
    "kind_label",
    "usable_channels",
]


def build_channel(name: str, config: Config, timing: Timing | None = None) -> Notifier:
    """The channel `name` of the config. A channel that cannot work as configured (keys its
    type refuses, a missing or malformed secret, a bad SMTP URL) comes back marked broken,
    never raises: its alerts go to its fallback and the rest of the monitor goes on."""
    section = _settings(name, config)
    timing = timing or SystemTiming()
    label = channel_labels(config)[name]
    # the type reads its own keys here (the CLI checked them at start-up already)
    settings, problems = read_section(name, section.model_dump())
    if settings is None:
        broken = BrokenChannel(
            name, section.kind, f"channels.{name} 配置错误：{'；'.join(problems)}", timing
        )
        broken.label = label
        return broken
    try:
        # every channel type is built as (name, its settings, timing, source=the file)
        notifier: Notifier = cast(Any, channel_types()[settings.kind])(
            name, settings, timing, source=str(config.path)
        )
    except ConfigError as exc:
        broken = BrokenChannel(name, settings.kind, _chinese(exc, name), timing)
        broken.label = label
        return broken
    notifier.label = label
    problem = notifier.check()
    if problem:
        notifier.mark_broken(problem, permanent=True)
    return notifier


def _chinese(exc: Exception, name: str) -> str:
    text = str(exc).split(": ", 1)[-1]  # drop the file name; the key is in the text
    return f"channels.{name} 配置错误：{text}"


def _settings(name: str, config: Config) -> ChannelSettings:
    settings = config.settings.channels.get(name)
    if settings is None:
        known = "、".join(config.settings.channels) or "无"
        raise ConfigError(f"{config.path}: 没有名为 {name!r} 的渠道（已配置：{known}）")
    return settings


def build_channels(config: Config, timing: Timing | None = None) -> dict[str, Notifier]:
    timing = timing or SystemTiming()
    return {name: build_channel(name, config, timing) for name in config.settings.channels}


def channel_problems(config: Config) -> dict[str, str]:
    """name → why it is broken, for every configured channel that cannot work as configured."""
    channels = build_channels(config)
    return {name: n.broken for name, n in channels.items() if n.broken}


def usable_channels(config: Config) -> list[str]:
    """At daemon start: log one line per broken channel (its key and reason, never the secret)
    and return the usable ones; a ConfigError only when channels exist and none is usable."""
    log = logging.getLogger("alerts.channels")
    problems = channel_problems(config)
    for name, reason in problems.items():
        fallback = config.settings.channels[name].fallback
        where = f"its alerts go to {fallback!r}" if fallback else "it has no fallback"
        labels = channel_labels(config)
        where_zh = (
            f"其提醒改由“{labels[fallback]}”发送" if fallback else "且没有备用渠道（fallback）"
        )
        log.error(
            "channel %r is broken: %s; %s",
            name,
            reason,
            where,
            extra={
                "zh": f"提醒渠道“{labels[name]}”（channels.{name}）不可用：{reason}；{where_zh}"
            },
        )
    usable = [name for name in config.settings.channels if name not in problems]
    if config.settings.channels and not usable:
        raise ConfigError(f"{config.path}: 没有可用的提醒渠道：" + "；".join(problems.values()))
    return usable


def check_channel_secret(name: str, config: Config) -> None:
    """`alerts test NAME` on a channel that cannot work: one Chinese line (exit 2)."""
    notifier = build_channel(name, config)
    if notifier.broken:
        raise ConfigError(f"{config.path}: {notifier.describe()}不可用：{notifier.broken}")


def check_channel_secrets(config: Config) -> None:
    """Daemon start-up: refuse only when no channel at all is usable (see usable_channels)."""
    usable_channels(config)
