"""Claims: who is delivering an alert right now. A dispatch takes the due alerts with a lease
in one UPDATE, so a second dispatcher (the CLI beside the daemon) skips them. The claims of
one that died mid-way (`kill -9`, a crash) are released as soon as anyone can tell it is
gone, not when the lease ends: by every dispatch before it claims (the claimant `role:
pid@host` is a daemon whose lock nobody holds any more, or a CLI whose pid on this host is
gone: monitor/db/liveness.py), and by the next daemon as it starts (release_dead_claims)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from alerts.outbox import AlertStatus
from monitor.db.liveness import daemon_lock_held, named_process_alive, process_name
from monitor.db.models import Alert, OutgoingMessage

if TYPE_CHECKING:
    from monitor.app import App

log = logging.getLogger("alerts.dispatch")

# a claimed alert is someone's for this long, unless its claimant is seen to be gone: only
# a claimant on another host that is not the daemon (a CLI there) waits it out
LEASE = timedelta(minutes=10)
BATCH = 5000  # alerts per dispatch; the rest go on the next one

_ROLE = ["cli"]  # "daemon" once the daemon took its lock (see release_dead_claims)


def owner() -> str:
    return f"{_ROLE[0]}:{process_name()}"[:100]


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


def claimant_alive(session: Session, claimant: str) -> bool:
    """Whether the process that claimed alerts as `claimant` may still be delivering them. A
    daemon's claims live as long as a daemon holds the lock (the next daemon releases the
    previous one's claims when it starts); a CLI's as long as its pid on this host does. A
    claimant nothing can be told about (a CLI on another host) keeps its lease."""
    if claimant.startswith("daemon:"):
        held = daemon_lock_held(session)
        if held is not None:
            return held
    return named_process_alive(claimant) is not False


def release_claims_of_the_dead(session: Session, now: datetime, me: str) -> int:
    """Leased alerts whose claimant is gone are due again now (before this dispatch claims):
    a daemon killed with -9 does not hold a manual `dispatch` up for the lease."""
    claimants = session.scalars(
        select(Alert.claimed_by)
        .where(
            Alert.status == AlertStatus.PENDING.value,
            Alert.claimed_by.is_not(None),
            Alert.claimed_by != me,
            Alert.next_attempt_at > now,
        )
        .distinct()
    ).all()
    dead = [c for c in claimants if c is not None and not claimant_alive(session, c)]
    if not dead:
        return 0
    released = len(
        session.scalars(
            update(Alert)
            .where(Alert.status == AlertStatus.PENDING.value, Alert.claimed_by.in_(dead))
            .values(next_attempt_at=None, claimed_by=None)
            .returning(Alert.id)
        ).all()
    )
    log.info("released %d alerts claimed by %s, no longer running", released, ", ".join(dead))
    return released


def claim(
    session: Session, now: datetime, only: list[int] | None = None, claimant: str | None = None
) -> list[Alert]:
    """Take the due alerts with a lease (next_attempt_at = now + LEASE) in one UPDATE, so a
    second dispatcher (the CLI beside the daemon) skips them; the claims of one that died
    mid-way are released first (release_claims_of_the_dead), else they wait for the lease's
    end or the next daemon's start. Every claimed alert leaves with its own next state: sent,
    held until the office opens, backed off, or skipped."""
    claimant = claimant or owner()
    release_claims_of_the_dead(session, now, claimant)
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
            .values(next_attempt_at=now + LEASE, claimed_by=claimant)
            .returning(Alert.id)
        )
    )
    if ids and only is None:
        ids += _partners(session, now, set(ids), claimant)
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
