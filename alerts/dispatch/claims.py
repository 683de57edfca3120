"""Claims: who is delivering an alert right now. A dispatch takes the due alerts with a lease
in one UPDATE, so a second dispatcher (the CLI beside the daemon) skips them, and one that
dies mid-way leaves them to be retried when the lease ends (or when the next daemon starts:
release_dead_claims)."""

from __future__ import annotations

import logging
import os
import socket
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from alerts.outbox import AlertStatus
from monitor.db.models import Alert, OutgoingMessage

if TYPE_CHECKING:
    from monitor.app import App

log = logging.getLogger("alerts.dispatch")

LEASE = timedelta(minutes=10)  # a claimed alert is someone's for this long
BATCH = 5000  # alerts per dispatch; the rest go on the next one

_ROLE = ["cli"]  # "daemon" once the daemon took its lock (see release_dead_claims)


def owner() -> str:
    return f"{_ROLE[0]}:{os.getpid()}@{socket.gethostname()}"[:100]


def release_dead_claims(app: App, me: str | None = None) -> int:
    """Called by a daemon that just took the lock: any alert still claimed by a daemon belongs
    to one that is gone (killed), so it is due again now instead of after the lease. Without
    `me`, this process becomes the daemon (its later dispatches claim as `daemon:…`)."""
    if me is None:
        _ROLE[0] = "daemon"
    mine = me or owner()
    with app.session() as session:
        released = len(
            session.scalars(
                update(Alert)
                .where(
                    Alert.status == AlertStatus.PENDING.value,
                    Alert.claimed_by.like("daemon:%"),
                    Alert.claimed_by != mine,
                )
                .values(next_attempt_at=None, claimed_by=None)
                .returning(Alert.id)
            ).all()
        )
    if released:
        log.info("released %d alerts claimed by a previous daemon", released)
    return int(released)


def claim(
    session: Session, now: datetime, only: list[int] | None = None, claimant: str | None = None
) -> list[Alert]:
    """Take the due alerts with a lease (next_attempt_at = now + LEASE) in one UPDATE, so a
    second dispatcher (the CLI beside the daemon) skips them, and a dispatcher that dies
    mid-way leaves them to be retried when the lease ends (or when the next daemon starts).
    Every claimed alert leaves with its own next state: sent, held until the office opens,
    backed off, or skipped."""
    due = (
        select(Alert.id)
        .where(
            Alert.status == AlertStatus.PENDING.value,
            or_(Alert.next_attempt_at.is_(None), Alert.next_attempt_at <= now),
        )
        .order_by(Alert.created_at, Alert.id)
        .limit(BATCH)
    )
    if only is not None:
        due = due.where(Alert.id.in_(only))
    ids = list(
        session.scalars(
            update(Alert)
            .where(Alert.id.in_(due))
            .values(next_attempt_at=now + LEASE, claimed_by=claimant or owner())
            .returning(Alert.id)
        )
    )
    if ids and only is None:
        ids += _partners(session, now, set(ids), claimant or owner())
    session.commit()
    if not ids:
        return []
    return list(
        session.scalars(select(Alert).where(Alert.id.in_(ids)).order_by(Alert.created_at, Alert.id))
    )


def _partners(session: Session, now: datetime, claimed: set[int], claimant: str) -> list[int]:
    """Alerts that share a message begun earlier with a claimed one are claimed with it (if no
    one holds them), so that message can go on from its next piece instead of starting over."""
    partners: set[int] = set()
    for entries in session.scalars(
        select(OutgoingMessage.entries).where(OutgoingMessage.finished_at.is_(None))
    ):
        ids = {int(a) for a, _ in entries}
        if ids & claimed:
            partners |= ids - claimed
    if not partners:
        return []
    return list(
        session.scalars(
            update(Alert)
            .where(
                Alert.id.in_(sorted(partners)),
                Alert.status == AlertStatus.PENDING.value,
                Alert.claimed_by.is_(None),
            )
            .values(next_attempt_at=now + LEASE, claimed_by=claimant)
            .returning(Alert.id)
        )
    )
