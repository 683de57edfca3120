"""The outbox dispatcher: pending alert rows → grouped messages on the routed channels.

Per alert, its *targets*: every channel of its route (the crisis route, its department's route
or the default route), of the leadership copy of overdue replies, or of the summary channels
(DESIGN §7: a route delivers to every channel it lists). A channel may name a `fallback`: while
it is broken (invalid key, refused login, a bad secret) or keeps failing after its retries,
its alerts go to the fallback instead, once. Alerts due together for one channel become one
message, in sections per department. Non-crisis alerts wait outside office hours (working days
from the calendar, make-up weekend days included); crisis alerts never wait.

Exactly once per piece: a message is rendered and split once and kept (outgoing_messages) with
its pieces; after each piece the channel accepted, the count of pieces sent is committed, so a
retry or a restart (even after kill -9) sends only the pieces not yet accepted. A target is
recorded (alert_deliveries) when its message's last piece was accepted; an alert is `sent`
when all its targets are. The one case that stays at-least-once: a piece the channel accepted
whose answer never arrived is sent again.

The phases of `dispatch`: claim the due alerts (a lease, owned by this process), prepare them
(hold outside office hours, skip lapsed ones, work out targets), deliver per channel, settle
each alert's status. `dispatch(..., timing=, channels=, after_piece=)` takes injected time,
channels (their transport) and a hook called after each recorded piece (benchmarks/faults.py
kills the process there)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as dtime
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, object_session, selectinload

from alerts.channels import Notifier, Timing, build_channels
from alerts.channels.base import ChannelBroken, ChannelError
from alerts.disclosure import disclosure_item
from alerts.health import ChannelHealth
from alerts.outbox import (
    DELIVERED,
    AlertKind,
    AlertStatus,
    Lapse,
    NoPayload,
    RouteClass,
    Subject,
    SubjectKind,
    Urgency,
    ids_of,
    never_held_codes,
)
from alerts.render import Item, Outgoing, compose, data_item, message_item, milestone_item
from monitor.db.models import (
    Alert,
    AlertDelivery,
    DisclosureRequest,
    Message,
    Milestone,
    OutgoingMessage,
)
from monitor.deadlines import ACTIVE_STATE_VALUES
from monitor.disclosure.deadlines import ACTIVE_VALUES as DISCLOSURE_RUNNING
from monitor.timeutil import SHANGHAI, parse_clock, to_local, to_utc

if TYPE_CHECKING:
    from monitor.app import App
    from monitor.config import Settings

log = logging.getLogger("alerts.dispatch")

MAX_ATTEMPTS = 20
BROKEN_RETRY_SECONDS = 600.0  # a broken channel is tried again after ten minutes
LEASE = timedelta(minutes=10)  # a claimed alert is someone's for this long
BATCH = 5000  # alerts per dispatch; the rest go on the next one


@dataclass
class DispatchResult:
    at: datetime
    sent: int = 0  # alerts fully delivered
    failed: int = 0  # alerts not (fully) delivered this time; retried later
    held: int = 0  # non-crisis alerts waiting for office hours (all of them, after this dispatch)
    skipped: int = 0  # obsolete before delivery (the message was replied meanwhile)
    messages_sent: int = 0  # messages posted (after splitting)
    held_until: datetime | None = None  # when the first held alert goes out
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        from monitor.timeutil import iso

        return {
            "at": iso(self.at),
            "sent": self.sent,
            "failed": self.failed,
            "held": self.held,
            "skipped": self.skipped,
            "messages_sent": self.messages_sent,
            "held_until": iso(self.held_until),
            "errors": self.errors,
        }


# ---------------------------------------------------------------------------------------
# office hours


def _hours(settings: Settings) -> tuple[dtime, dtime]:
    start, end = parse_clock(settings.office_hours.start), parse_clock(settings.office_hours.end)
    return dtime(*start), dtime(*end)


def in_office_hours(app: App, now: datetime) -> bool:
    start, end = _hours(app.config.settings)
    local = to_local(now, SHANGHAI)
    return (
        app.calendar.is_workday(local.date(), provisional=True)
        and start <= local.time().replace(tzinfo=None) < end
    )


def next_opening(app: App, now: datetime) -> datetime:
    """When office hours next begin (now, if they are on)."""
    if in_office_hours(app, now):
        return now
    start, _ = _hours(app.config.settings)
    local = to_local(now, SHANGHAI)
    day = local.date()
    if not (app.calendar.is_workday(day, provisional=True) and local.time() < start):
        day += timedelta(days=1)
        while not app.calendar.is_workday(day, provisional=True):
            day += timedelta(days=1)
    return to_utc(datetime.combine(day, start))


def hold_limit(app: App, created_at: datetime) -> datetime:
    """The latest a non-crisis alert waits for office hours: 24:00 of the first working day
    after the day it was made. Whatever the settings or the calendar say, an alert is never
    held longer than that."""
    day = to_local(created_at, SHANGHAI).date() + timedelta(days=1)
    first, _provisional = app.calendar.next_workday(day, provisional=True)
    return to_utc(datetime.combine(first + timedelta(days=1), dtime(0, 0)))


# ---------------------------------------------------------------------------------------
# routing


def is_urgent(alert: Alert) -> bool:
    kind = AlertKind.of(alert.kind)
    return bool(alert.crisis) or (kind is not None and kind.urgent)


def _waits_for_office(alert: Alert) -> bool:
    kind = AlertKind.of(alert.kind)
    return not is_urgent(alert) and (kind is None or kind.urgency is Urgency.NORMAL)


def _one_per_channel(alert: Alert) -> bool:
    kind = AlertKind.of(alert.kind)
    return kind is not None and kind.route is RouteClass.SUMMARY


def targets(alert: Alert, settings: Settings) -> list[tuple[str, list[str]]]:
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
    fallback = getattr(settings.channels.get(channel), "fallback", None)
    return [channel, fallback] if fallback and fallback != channel else [channel]


def channels_for(app: App, timing: Timing | None = None) -> dict[str, Notifier]:
    """The app's channels, kept across dispatches so each robot's 20-a-minute window holds
    (the daemon dispatches every few seconds)."""
    cached = getattr(app, "_alert_channels", None)
    if cached is None or (timing is not None and getattr(app, "_alert_timing", None) is not timing):
        cached = build_channels(app.config, timing)
        app._alert_channels = cached  # type: ignore[attr-defined]
        app._alert_timing = timing  # type: ignore[attr-defined]
    return cached


# ---------------------------------------------------------------------------------------
# claims: who is delivering an alert right now

_ROLE = ["cli"]  # "daemon" once the daemon took its lock (see release_dead_claims)


def owner() -> str:
    import os
    import socket

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


def _claim(
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
        ids += _claim_partners(session, now, set(ids), claimant or owner())
    session.commit()
    if not ids:
        return []
    return list(
        session.scalars(select(Alert).where(Alert.id.in_(ids)).order_by(Alert.created_at, Alert.id))
    )


def _claim_partners(session: Session, now: datetime, claimed: set[int], claimant: str) -> list[int]:
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


# ---------------------------------------------------------------------------------------
# preparing the claimed alerts


@dataclass
class _Work:
    alert: Alert
    item: Item | None
    targets: list[tuple[str, list[str]]]
    done: dict[str, str]  # target → channel that delivered it
    position: dict[str, int] = field(default_factory=dict)  # target → index in its channels
    covered: dict[str, str] = field(
        default_factory=dict
    )  # target → the target whose channel is its fallback
    error: str | None = None

    def route(self, target: str) -> list[str]:
        return dict(self.targets)[target]

    def delivered(self, target: str) -> bool:
        return target in self.done or self.covered.get(target, "") in self.done


def _context(
    session: Session, alerts: list[Alert]
) -> tuple[dict[int, Message], dict[int, Milestone]]:
    subjects = [a.subject for a in alerts]
    message_ids, milestone_ids = (
        ids_of(subjects, SubjectKind.MESSAGE),
        ids_of(subjects, SubjectKind.MILESTONE),
    )
    messages = (
        {m.id: m for m in session.scalars(select(Message).where(Message.id.in_(message_ids)))}
        if message_ids
        else {}
    )
    milestones = (
        {
            m.id: m
            for m in session.scalars(
                select(Milestone)
                .where(Milestone.id.in_(milestone_ids))
                .options(selectinload(Milestone.event))
            )
        }
        if milestone_ids
        else {}
    )
    return messages, milestones


Subjected = Message | Milestone | DisclosureRequest | None  # the row an alert is about


def _lapsed(alert: Alert, subject_obj: Subjected, sent_warnings: set[str]) -> str | None:
    """Why the alert no longer needs sending (it waited, and meanwhile things moved on)."""
    kind = AlertKind.of(alert.kind)
    lapse = kind.lapse if kind is not None else Lapse.NEVER
    if lapse is Lapse.SUBJECT_SETTLED:
        if isinstance(subject_obj, Message) and subject_obj.state not in ACTIVE_STATE_VALUES:
            return f"message already {subject_obj.state} before delivery"
        if isinstance(subject_obj, Milestone) and subject_obj.done_at is not None:
            return "milestone already done before delivery"
        if (
            isinstance(subject_obj, DisclosureRequest)
            and subject_obj.state not in DISCLOSURE_RUNNING
        ):
            return f"disclosure request already {subject_obj.state} before delivery"
    if lapse is Lapse.NO_WARNING_SENT and alert.subject not in sent_warnings:
        return "no warning about this message was delivered"
    return None


def _warning_codes() -> list[str]:
    """Kinds that warn about a deadline (a later "resolved" note refers to them)."""
    return sorted(k.value for k in AlertKind if k.lapse is Lapse.SUBJECT_SETTLED)


def _item(
    alert: Alert,
    messages: dict[int, Message],
    milestones: dict[int, Milestone],
    now: datetime,
    public_url: str | None = None,
) -> tuple[Item, Subjected]:
    """The alert ready to render, and its subject's row. Kinds without a payload are
    described by that row (the message, the milestone); the others by their payload."""
    kind = AlertKind.of(alert.kind)
    subject = Subject.parse(alert.subject)
    row_kind = kind is not None and kind.payload_type is NoPayload
    if row_kind and subject is not None and subject.id is not None:
        if subject.kind is SubjectKind.MESSAGE and subject.id in messages:
            message = messages[subject.id]
            return message_item(alert, message, now, public_url), message
        if subject.kind is SubjectKind.MILESTONE and subject.id in milestones:
            milestone = milestones[subject.id]
            return milestone_item(alert, milestone, now), milestone
        if subject.kind is SubjectKind.DISCLOSURE:
            # few alerts a day: looked up one by one rather than widening _context
            request = object_session(alert).get(DisclosureRequest, subject.id)  # type: ignore[union-attr]
            if request is not None:
                return disclosure_item(alert, request, now), request
    return data_item(alert, now), None


def _prepare(
    app: App,
    session: Session,
    alerts: list[Alert],
    moment: datetime,
    office: bool,
    result: DispatchResult,
) -> list[_Work]:
    """Hold non-urgent alerts outside office hours, skip lapsed ones, and give the rest their
    targets and what was already delivered."""
    settings = app.config.settings
    messages, milestones = _context(session, alerts)
    resolved_subjects = [
        a.subject
        for a in alerts
        if getattr(AlertKind.of(a.kind), "lapse", None) is Lapse.NO_WARNING_SENT
    ]
    sent_warnings = (
        set(
            session.scalars(
                select(Alert.subject).where(
                    Alert.subject.in_(resolved_subjects),
                    Alert.kind.in_(_warning_codes()),
                    Alert.status.in_(DELIVERED),
                )
            )
        )
        if resolved_subjects
        else set()
    )
    done: dict[int, dict[str, str]] = {}
    for alert_id, target, channel in session.execute(
        select(AlertDelivery.alert_id, AlertDelivery.target, AlertDelivery.channel).where(
            AlertDelivery.alert_id.in_([a.id for a in alerts])
        )
    ).all():
        done.setdefault(alert_id, {})[target] = channel

    work: list[_Work] = []
    opening = None if office else next_opening(app, moment)
    for alert in alerts:
        if opening is not None and _waits_for_office(alert):
            limit = hold_limit(app, alert.created_at)
            if moment < limit:
                # not looked at again until the office opens (the daemon polls every few
                # seconds), or until the hold limit if that comes first
                alert.next_attempt_at, alert.claimed_by = min(opening, limit), None
                continue
        item, subject_obj = (
            (None, None)
            if _one_per_channel(alert)
            else _item(alert, messages, milestones, moment, settings.web.public_url)
        )
        why = _lapsed(alert, subject_obj, sent_warnings)
        if why:
            alert.status, alert.last_error, alert.next_attempt_at = (
                AlertStatus.SKIPPED.value,
                why,
                None,
            )
            alert.claimed_by = None
            result.skipped += 1
            continue
        w = _Work(alert, item, targets(alert, settings), dict(done.get(alert.id, {})))
        w.position = {name: 0 for name, _ in w.targets}
        work.append(w)
    session.commit()
    return work


# ---------------------------------------------------------------------------------------
# the dispatch

AfterPiece = Callable[[str, int, int], None]  # (channel, piece index, pieces in the message)


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
    who holds the claims (default: this process, see owner())."""
    moment = now or app.now()
    result = DispatchResult(at=moment)
    notifiers = channels if channels is not None else channels_for(app, timing)
    for notifier in notifiers.values():
        if (
            notifier.broken
            and not notifier.permanent
            and notifier.timing.monotonic() - notifier.broken_at > BROKEN_RETRY_SECONDS
        ):
            notifier.broken = None
    office = in_office_hours(app, moment)

    # objects stay readable after each commit: no reload per alert
    with app.sessions(expire_on_commit=False) as session:
        health = ChannelHealth(session)
        for name, notifier in notifiers.items():
            if notifier.permanent and notifier.broken:
                health.broken(name, notifier.broken, moment)
        alerts = _claim(session, moment, only, claimant)
        if alerts:
            work = _prepare(app, session, alerts, moment, office, result)
            _Delivery(app, session, work, notifiers, moment, result, health, after_piece).run()
            _settle(session, work, moment, result)
        _count_held(app, session, moment, office, result)
    return result


def _settle(session: Session, work: list[_Work], moment: datetime, result: DispatchResult) -> None:
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
        alert.last_error = w.error or (
            "no channel is routed for this alert (set [routing] default in monitor.toml)"
            if not w.targets
            else f"not delivered to: {', '.join(missing)}"
        )
        alert.next_attempt_at = moment + timedelta(minutes=min(2 ** (alert.attempts - 1), 60))
        if alert.attempts >= MAX_ATTEMPTS:
            alert.status = AlertStatus.FAILED.value
        if w.done:
            alert.channel = ",".join(sorted(set(w.done.values())))
        result.failed += 1
    session.commit()


def _count_held(
    app: App, session: Session, moment: datetime, office: bool, result: DispatchResult
) -> None:
    """The alerts waiting for office hours now — those held by an earlier dispatch too, so a
    later dispatch outside hours does not report 0 while they still wait. Outside office hours
    every pending non-urgent alert waits (at least) until the next opening."""
    from sqlalchemy import func

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


# ---------------------------------------------------------------------------------------
# delivery: per channel, per piece

Entry = tuple[_Work, str]  # an alert and one of its targets
BucketKey = tuple[str, bool, int]  # channel, urgent, summary alert id (else 0)


@dataclass
class _Bucket:
    key: BucketKey
    entries: list[Entry]
    row: OutgoingMessage | None = None  # a message begun earlier: resume its pieces

    @property
    def channel(self) -> str:
        return self.key[0]


class _Delivery:
    """The delivery of one dispatch: buckets of entries per channel, each sent as one message
    whose pieces are recorded one by one; a failing channel's entries move to its fallback."""

    def __init__(
        self,
        app: App,
        session: Session,
        work: list[_Work],
        notifiers: dict[str, Notifier],
        moment: datetime,
        result: DispatchResult,
        health: ChannelHealth,
        after_piece: AfterPiece | None,
    ) -> None:
        self.app, self.session, self.work, self.notifiers = app, session, work, notifiers
        self.moment, self.result, self.health, self.after_piece = (
            moment,
            result,
            health,
            after_piece,
        )
        self.unusable: dict[str, str] = {}  # channel → why, for the rest of this dispatch
        self.buckets: list[_Bucket] = []

    def run(self) -> None:
        in_flight = self._resumable()
        for w in self.work:
            for target, _route in w.targets:
                if not w.delivered(target) and (w.alert.id, target) not in in_flight:
                    channel = self._next_channel(w, target)
                    if channel is not None:
                        self._add(w, target, channel)
        # messages begun earlier first, then urgent ones: a crisis never waits behind a digest
        self.buckets.sort(key=lambda b: (b.row is None, not b.key[1], b.key[0]))
        while self.buckets:
            self._send(self.buckets.pop(0))

    # -- grouping -----------------------------------------------------------------------
    def _resumable(self) -> set[tuple[int, str]]:
        """Messages begun by an earlier dispatch and not finished, whose alerts are all
        claimed now: they go on from the first piece not yet accepted."""
        by_id = {w.alert.id: w for w in self.work}
        if not by_id:
            return set()
        taken: set[tuple[int, str]] = set()
        rows = self.session.scalars(
            select(OutgoingMessage)
            .where(OutgoingMessage.finished_at.is_(None))
            .order_by(OutgoingMessage.id)
        )
        waiting: list[OutgoingMessage] = []
        for row in rows:
            entries = [(int(a), str(t)) for a, t in row.entries]
            if not entries or not all(a in by_id for a, _ in entries):
                waiting.append(row)
                continue
            live = [(by_id[a], t) for a, t in entries if not by_id[a].delivered(t)]
            if not live:
                row.finished_at, row.outcome = self.moment, "abandoned"
                continue
            for w, t in live:
                route = w.route(t)
                w.position[t] = route.index(row.channel) if row.channel in route else 0
                taken.add((w.alert.id, t))
            first = live[0][0].alert
            self.buckets.append(_Bucket((row.channel, is_urgent(first), row.id), live, row))
        self._close_orphans(waiting)
        self.session.commit()
        return taken

    def _close_orphans(self, rows: list[OutgoingMessage]) -> None:
        """A begun message none of whose alerts is pending any more (acknowledged, failed for
        good) will never be resumed: close it, so the list of open messages stays short."""
        ids = {int(a) for row in rows for a, _ in row.entries}
        if not ids:
            return
        pending = set(
            self.session.scalars(
                select(Alert.id).where(
                    Alert.id.in_(sorted(ids)), Alert.status == AlertStatus.PENDING.value
                )
            )
        )
        for row in rows:
            if not any(int(a) in pending for a, _ in row.entries):
                row.finished_at, row.outcome = self.moment, "abandoned"

    def _add(self, w: _Work, target: str, channel: str) -> None:
        # summaries are one message each; other alerts group per channel and urgency
        key = (channel, is_urgent(w.alert), w.alert.id if _one_per_channel(w.alert) else 0)
        for bucket in self.buckets:
            if bucket.key == key and bucket.row is None:
                bucket.entries.append((w, target))
                return
        self.buckets.append(_Bucket(key, [(w, target)]))

    def _next_channel(self, w: _Work, target: str) -> str | None:
        """The channel that should take this target now: its own, else its fallback (once)."""
        route = w.route(target)
        while w.position[target] < len(route):
            name = route[w.position[target]]
            if w.position[target] > 0:
                # the fallback is one of this alert's own targets: that delivery covers this one
                other = next((t for t, r in w.targets if t != target and r[0] == name), None)
                if other is not None:
                    w.covered[target] = other
                    return None
            notifier = self.notifiers.get(name)
            if notifier is not None and name not in self.unusable and not notifier.broken:
                return name
            w.error = self.unusable.get(name) or (
                f"channel {name!r} broken: {notifier.broken}"
                if notifier
                else f"没有名为 {name!r} 的渠道"
            )
            w.position[target] += 1
        return None

    def _fall_back(self, entries: list[Entry], why: str) -> bool:
        """Move each entry to its fallback; True when any moved."""
        moved = False
        for w, target in entries:
            w.error = why
            w.position[target] += 1
            channel = self._next_channel(w, target)
            if channel is not None:
                self._add(w, target, channel)
                moved = True
        return moved

    # -- sending ------------------------------------------------------------------------
    def _send(self, bucket: _Bucket) -> None:
        name = bucket.channel
        notifier = self.notifiers.get(name)
        if name in self.unusable or notifier is None or notifier.broken:
            why = self.unusable.get(name) or (
                f"{notifier.describe()}: {notifier.broken}"
                if notifier
                else f"没有名为 {name!r} 的渠道"
            )
            self._failed(bucket, why)
            return
        try:
            row = bucket.row or self._begin(bucket, notifier)
            if row is None:
                return
            self._pieces(row, bucket, notifier)
        except ChannelError as exc:
            why = f"{notifier.describe()}: {exc}"
            log.warning("delivery failed: %s", why)
            self.result.errors.append(why)
            if isinstance(exc, ChannelBroken):
                self.health.broken(name, notifier.broken or str(exc), self.moment)
            else:
                self.health.failing(name, str(exc), self.moment)
            self.unusable[name] = why
            self._failed(bucket, why)
        except Exception as exc:  # a bug or surprise in one channel must not stop the others
            log.exception("channel %r failed unexpectedly", name)
            why = f"{notifier.describe()}: {type(exc).__name__}: {exc}"
            self.result.errors.append(why)
            self.health.failing(name, f"{type(exc).__name__}: {exc}", self.moment)
            self.unusable[name] = why
            self._failed(bucket, why)

    def _failed(self, bucket: _Bucket, why: str) -> None:
        if self._fall_back(bucket.entries, why) and bucket.row is not None:
            # its alerts went to a fallback: this message is not resumed later
            bucket.row.finished_at, bucket.row.outcome = self.moment, "abandoned"
            self.session.commit()

    def _begin(self, bucket: _Bucket, notifier: Notifier) -> OutgoingMessage | None:
        """Render and split the message once, and keep it with its pieces."""
        try:
            outgoing = _outgoing(self.app, bucket.entries, self.moment)
        except Exception as exc:  # a rendering bug must not stop the other deliveries
            ids = [w.alert.id for w, _ in bucket.entries]
            log.exception("cannot render alerts %s", ids)
            for w, _ in bucket.entries:
                w.error = f"cannot render: {type(exc).__name__}: {exc}"
            self.result.errors.append(f"cannot render alerts {ids}: {exc}")
            return None
        pieces = notifier.pieces(outgoing)
        row = OutgoingMessage(
            channel=bucket.channel,
            entries=[[w.alert.id, t] for w, t in bucket.entries],
            pieces=[notifier.encode_piece(p) for p in pieces],
            pieces_sent=0,
            created_at=self.moment,
        )
        self.session.add(row)
        self.session.commit()
        return row

    def _pieces(self, row: OutgoingMessage, bucket: _Bucket, notifier: Notifier) -> None:
        total = len(row.pieces)
        for index in range(row.pieces_sent, total):
            notifier.send_piece(notifier.decode_piece(row.pieces[index]))
            row.pieces_sent = index + 1
            if row.pieces_sent == total:
                self._finish(row, bucket)
            self.session.commit()  # recorded right away: a crash now cannot resend this piece
            self.result.messages_sent += 1
            if self.after_piece is not None:
                self.after_piece(row.channel, index, total)
        if total == 0:
            self._finish(row, bucket)
            self.session.commit()
        self.health.ok(bucket.channel, self.moment)

    def _finish(self, row: OutgoingMessage, bucket: _Bucket) -> None:
        row.finished_at, row.outcome = self.moment, "sent"
        for w, target in bucket.entries:
            w.done[target] = bucket.channel
            self.session.add(
                AlertDelivery(
                    alert_id=w.alert.id, target=target, channel=bucket.channel, sent_at=self.moment
                )
            )


def _outgoing(app: App, entries: list[Entry], now: datetime) -> Outgoing:
    first = entries[0][0].alert
    if _one_per_channel(first):
        from alerts.summary import summary_for_alert

        return summary_for_alert(app, first, now)
    seen: dict[int, Item] = {}
    for w, _ in entries:
        if w.item is not None:
            seen.setdefault(w.alert.id, w.item)
    return compose(list(seen.values()))
