"""Routing: where an alert goes. Per alert, its *targets*: every channel of its route (the
crisis route, its department's route or the default route), of the leadership copy, or of
the summary channels (docs/alerts.md: a route delivers to every channel it lists); each target
with its channel and that channel's fallback. What the kind says (AlertKind: urgency, route
class, leadership copy) decides; a stored code this version does not know is routed as an
ordinary department alert."""

from __future__ import annotations

from typing import TYPE_CHECKING

from alerts.outbox import AlertKind, RouteClass, Urgency
from monitor.db.models import Alert

if TYPE_CHECKING:
    from monitor.config import Settings

Target = tuple[str, list[str]]  # ("route:office", [the channel, its fallback])


def is_urgent(alert: Alert) -> bool:
    kind = AlertKind.of(alert.kind)
    return bool(alert.crisis) or (kind is not None and kind.urgent)


def waits_for_office(alert: Alert) -> bool:
    kind = AlertKind.of(alert.kind)
    return not is_urgent(alert) and (kind is None or kind.urgency is Urgency.NORMAL)


def one_per_channel(alert: Alert) -> bool:
    """A summary is a message of its own on each channel, never grouped with alerts."""
    kind = AlertKind.of(alert.kind)
    return kind is not None and kind.route is RouteClass.SUMMARY


def targets(alert: Alert, settings: Settings) -> list[Target]:
    """(target, channels) for the alert: one target per channel its route lists (and per
    leadership or summary channel), each with its channel and that channel's fallback."""
    routing = settings.routing
    kind = AlertKind.of(alert.kind)
    if kind is not None and kind.route is RouteClass.SUMMARY:
        channels = (
            settings.summary.channels if settings.summary.channels is not None else routing.default
        )
        return [(f"summary:{c}", _with_fallback(c, settings)) for c in channels]
    if is_urgent(alert):
        route = routing.crisis or routing.default
    else:
        route = routing.departments.get(alert.department or "") or routing.default
    out = [(f"route:{c}", _with_fallback(c, settings)) for c in dict.fromkeys(route)]
    if kind is not None and kind.leadership:
        out += [
            (f"leadership:{c}", _with_fallback(c, settings))
            for c in dict.fromkeys(routing.leadership)
            if c not in route
        ]
    return out


def _with_fallback(channel: str, settings: Settings) -> list[str]:
    section = settings.channels.get(channel)
    fallback = section.fallback if section is not None else None
    return [channel, fallback] if fallback and fallback != channel else [channel]
