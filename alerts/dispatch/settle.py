"""Settling: each alert's status after a dispatch (sent when every target is delivered, else
backed off, failed for good after MAX_ATTEMPTS), and how many alerts wait for office hours."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from alerts.dispatch.hours import next_opening
from alerts.dispatch.result import DispatchResult
from alerts.dispatch.work import Work
from alerts.outbox import AlertStatus, never_held_codes
from monitor.db.models import Alert
from monitor.timeutil import to_utc

if TYPE_CHECKING:
    from monitor.app import App

MAX_ATTEMPTS = 20


def settle(session: Session, work: list[Work], moment: datetime, result: DispatchResult) -> None:
    """Each alert's status after the delivery: sent when every target is, else backed off."""
    for w in work:
        alert = w.alert
        alert.claimed_by = None
        missing = [t for t, _ in w.targets if not w.delivered(t)]
        if w.targets and not missing:
            alert.status = AlertStatus.SENT.value
            alert.sent_at = moment
            alert.next_attempt_at = None
            alert.channel = ",".join(sorted(set(w.done.values())))
            alert.last_error = None
            result.sent += 1
            continue
        alert.attempts = (alert.attempts or 0) + 1
        # last_error is read by people (alerts list, the dashboard, summary --send)
        alert.last_error = w.error or (
            "没有渠道接收这条提醒（在 monitor.toml 的 [routing] default 中指定）"
            if not w.targets
            else f"未送达：{'、'.join(missing)}"
        )
        # which channel and why, on the spot (a channel broken before this dispatch began
        # was never tried, so no delivery error named it); a delivery error this reason
        # only adds to (no fallback) is replaced, not said twice
        said = [i for i, e in enumerate(result.errors) if alert.last_error.startswith(e)]
        if said:
            result.errors[said[0]] = alert.last_error
        else:
            result.errors.append(alert.last_error)
        alert.next_attempt_at = moment + timedelta(minutes=min(2 ** (alert.attempts - 1), 60))
        if alert.attempts >= MAX_ATTEMPTS:
            alert.status = AlertStatus.FAILED.value
        if w.done:
            alert.channel = ",".join(sorted(set(w.done.values())))
        result.failed += 1
    session.commit()


def count_held(
    app: App, session: Session, moment: datetime, office: bool, result: DispatchResult
) -> None:
    """The alerts waiting for office hours now — those held by an earlier dispatch too, so a
    later dispatch outside hours does not report 0 while they still wait. Outside office hours
    every pending non-urgent alert waits (at least) until the next opening."""
    if office:
        return
    opening = next_opening(app, moment)
    waiting = (
        Alert.status == AlertStatus.PENDING.value,
        or_(Alert.crisis.is_(False), Alert.crisis.is_(None)),
        Alert.kind.not_in(never_held_codes()),
    )
    count, first = session.execute(
        select(func.count(), func.min(Alert.next_attempt_at)).where(*waiting)
    ).one()
    result.held = int(count or 0)
    if result.held:
        # a held alert that also backs off after a failure goes at the later of the two
        first = to_utc(first) if first is not None else None
        result.held_until = max(opening, first) if first is not None else opening
