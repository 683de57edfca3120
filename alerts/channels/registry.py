"""Channel types by `kind`. Every module in this package that defines a `Notifier` subclass
with a `kind` is a channel type: adding one is adding one file (its class and its settings
model side by side, as Apprise keeps each service). Each type checks its own
`[channels.NAME]` keys: when the channel is built, and for `load_config` (`config_problems`),
so the core's config reads those sections without knowing any channel type."""

from __future__ import annotations

import importlib
import pkgutil
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from alerts.channels.base import CHANNEL_TYPES, ChannelConfig, Notifier
from monitor.config import describe_error

if TYPE_CHECKING:
    from monitor.config import Config

_NOT_CHANNELS = {"base", "registry"}


def channel_types() -> dict[str, type[Notifier]]:
    """kind → channel class (the modules of alerts/channels/ are imported on first use)."""
    for module in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if module.name not in _NOT_CHANNELS and not module.name.startswith("_"):
            importlib.import_module(f"{__package__}.{module.name}")
    return dict(CHANNEL_TYPES)


def read_section(name: str, body: Mapping[str, Any]) -> tuple[ChannelConfig | None, list[str]]:
    """`[channels.NAME]` read by its kind's own model: (the settings, no problems), or (None,
    what is wrong in monitor.toml's words). A missing or unusable `kind` is the core's to
    report (ChannelSettings): (None, [])."""
    kind = body.get("kind")
    if not isinstance(kind, str):
        return None, []
    types = channel_types()
    if kind not in types:
        return None, [
            f"键 'channels.{name}.kind' = {kind!r}：应为以下之一：{'、'.join(sorted(types))}"
        ]
    model = types[kind].settings_model
    try:
        return model.model_validate(dict(body)), []
    except ValidationError as exc:
        return None, [describe_error(e, ("channels", name), model) for e in exc.errors()]


def config_problems(raw: Mapping[str, Any]) -> list[str]:
    """Every `[channels.NAME]` of a monitor.toml document checked by its type: the check the
    CLI passes to `monitor.config.load_config`, so a bad channel section is reported (with the
    file's other problems) before any command runs."""
    channels = raw.get("channels")
    if not isinstance(channels, dict):
        return []
    return [
        problem
        for name, body in channels.items()
        if isinstance(body, dict)
        for problem in read_section(name, body)[1]
    ]


def kind_label(kind: str) -> str:
    """A channel type as people call it (企业微信群, 邮箱); an unknown type as written."""
    found = channel_types().get(kind)
    return found.kind_label if found is not None else kind


def channel_labels(config: Config) -> dict[str, str]:
    """Every configured channel's display name, by key: its `label`, else its type's Chinese
    name (企业微信群, 邮箱). The one place the office's names for channels come from (pages,
    tables, alerts' delivery notes, errors); keys stay in JSON. Two channels that would read
    alike get their key in brackets (a `label` each is the better fix)."""
    types = channel_types()
    out = {}
    for name, section in config.settings.channels.items():
        kind = types.get(section.kind)
        out[name] = section.label or (kind.kind_label if kind is not None else section.kind)
    shown = Counter(out.values())
    return {name: (f"{text}（{name}）" if shown[text] > 1 else text) for name, text in out.items()}


def channel_label(labels: Mapping[str, str], name: str | None) -> str:
    """A channel as people read it, given `channel_labels(config)`: a name no longer
    configured (an old delivery) as it is, and a delivery to several (`office,office-mail`, as
    the outbox keeps it) as 企业微信群、邮箱."""
    if not name:
        return ""
    return "、".join(labels.get(part, part) for part in name.split(",") if part)
