"""Channel types by `kind`. Every module in this package that defines a `Notifier` subclass
with a `kind` is a channel type: adding one is adding one file (its class and its settings
model side by side, as Apprise keeps each service)."""

from __future__ import annotations

import importlib
import pkgutil

from alerts.channels.base import CHANNEL_TYPES, Notifier

_NOT_CHANNELS = {"base", "registry"}


def channel_types() -> dict[str, type[Notifier]]:
    """kind → channel class (the modules of alerts/channels/ are imported on first use)."""
    import alerts.channels as package

    for module in pkgutil.iter_modules(package.__path__):
        if module.name not in _NOT_CHANNELS and not module.name.startswith("_"):
            importlib.import_module(f"{package.__name__}.{module.name}")
    return dict(CHANNEL_TYPES)
