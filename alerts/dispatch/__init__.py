"""The outbox dispatcher: pending alert rows → grouped messages on the routed channels.

`dispatch` runs the phases, each a module with one job:
- claims.py: take the due alerts with a lease, owned by this process;
- prepare.py: hold them outside office hours (hours.py), skip the lapsed ones, give the rest
  their rendered item and their targets (routing.py);
- delivery.py: per channel, one message per bucket, recorded piece by piece (exactly once per
  piece), a failing channel's targets moved to its fallback (fallback.py); each channel's
  rate window is kept across processes (window.py);
- settle.py: each alert's status afterwards, and what waits for office hours.

`dispatch(..., timing=, channels=, after_piece=)` takes injected time, channels (their
transport) and a hook called after each recorded piece (benchmarks/faults.py kills the
process there)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from alerts.channels import Notifier, Timing, build_channels
from alerts.dispatch.claims import claim
from alerts.dispatch.delivery import AfterPiece, Delivery
from alerts.dispatch.fallback import revive
from alerts.dispatch.hours import in_office_hours
from alerts.dispatch.prepare import prepare
from alerts.dispatch.result import DispatchResult
from alerts.dispatch.settle import count_held, settle
from alerts.dispatch.window import seed_windows
from alerts.health import ChannelHealth

if TYPE_CHECKING:
    from monitor.app import App

__all__ = ["AfterPiece", "DispatchResult", "channels_for", "dispatch"]


def channels_for(app: App, timing: Timing | None = None) -> dict[str, Notifier]:
    """The app's channels, kept across dispatches so each robot's 20-a-minute window holds
    (the daemon dispatches every few seconds)."""
    cached = getattr(app, "_alert_channels", None)
    if cached is None or (timing is not None and getattr(app, "_alert_timing", None) is not timing):
        cached = build_channels(app.config, timing)
        app._alert_channels = cached  # type: ignore[attr-defined]
        app._alert_timing = timing  # type: ignore[attr-defined]
    return cached


def dispatch(
    app: App,
    now: datetime | None = None,
    *,
    timing: Timing | None = None,
    channels: dict[str, Notifier] | None = None,
    only: list[int] | None = None,
    after_piece: AfterPiece | None = None,
    claimant: str | None = None,
) -> DispatchResult:
    """Deliver the pending alerts that are due at `now` (default: the app's clock); with
    `only`, just those alert ids (`summary --send` delivers its one summary). `claimant` names
    who holds the claims (default: this process, see claims.owner())."""
    moment = now or app.now()
    result = DispatchResult(at=moment)
    notifiers = channels if channels is not None else channels_for(app, timing)
    revive(notifiers)
    office = in_office_hours(app, moment)

    # objects stay readable after each commit: no reload per alert
    with app.sessions(expire_on_commit=False) as session:
        health = ChannelHealth(session)
        for name, notifier in notifiers.items():
            if notifier.permanent and notifier.broken:
                health.broken(name, notifier.broken, moment)
        alerts = claim(session, moment, only, claimant)
        if alerts:
            seed_windows(session, notifiers)  # a new process learns the sends of the last one
            work = prepare(app, session, alerts, moment, office, result)
            Delivery(app, session, work, notifiers, moment, result, health, after_piece).run()
            settle(session, work, moment, result)
        count_held(app, session, moment, office, result)
    return result
