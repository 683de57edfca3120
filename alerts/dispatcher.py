"""The outbox dispatcher: pending alert rows → grouped messages on the routed channels.

Per alert, its *targets*: the route (the crisis route, its department's route or the default
route), the leadership copy of overdue replies, or each summary channel. A route is an ordered
list of channels: the first usable one delivers, the next takes over when one is broken
(invalid key, refused login) or keeps failing. Alerts due together for one channel become
one message, in sections per department. Non-crisis alerts wait outside office hours (working
days from the calendar, make-up weekend days included); crisis alerts never wait. Every
delivered target is recorded (alert_deliveries) right after its message went out, so a retry
never repeats a delivered target; an alert is `sent` when all its targets are."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, time as dtime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, object_session, selectinload

from alerts.channels import Notifier, Timing, build_channels
from alerts.channels.base import ChannelError
from alerts.outbox import (DELIVERED, AlertKind, AlertStatus, Lapse, NoPayload, RouteClass, Subject,
                           SubjectKind, Urgency, ids_of, never_held_codes)
from alerts.disclosure import disclosure_item
from alerts.render import Item, Outgoing, compose, data_item, message_item, milestone_item
from monitor.db.models import Alert, AlertDelivery, DisclosureRequest, Message, Milestone
from monitor.disclosure.deadlines import ACTIVE_VALUES as DISCLOSURE_RUNNING
from monitor.deadlines import ACTIVE_STATE_VALUES
from monitor.timeutil import SHANGHAI, parse_clock, to_local, to_utc

if TYPE_CHECKING:
    from monitor.app import App
    from monitor.config import Settings

log = logging.getLogger("alerts.dispatch")

MAX_ATTEMPTS = 20
BROKEN_RETRY_SECONDS = 600.0  # a broken channel is tried again after ten minutes
LEASE = timedelta(minutes=10)  # a claimed alert is someone's for this long
BATCH = 5000                   # alerts per dispatch; the rest go on the next one


@dataclass
class DispatchResult:
    at: datetime
    sent: int = 0            # alerts fully delivered
    failed: int = 0          # alerts not (fully) delivered this time; retried later
    held: int = 0            # non-crisis alerts waiting for office hours (all of them, after this dispatch)
    skipped: int = 0         # obsolete before delivery (the message was replied meanwhile)
    messages_sent: int = 0   # messages posted (after splitting)
    held_until: datetime | None = None  # when the first held alert goes out
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        from monitor.timeutil import iso

        return {"at": iso(self.at), "sent": self.sent, "failed": self.failed, "held": self.held,
                "skipped": self.skipped, "messages_sent": self.messages_sent,
                "held_until": iso(self.held_until), "errors": self.errors}


# ---------------------------------------------------------------------------------------
# office hours

def _hours(settings: "Settings") -> tuple[dtime, dtime]:
    start, end = parse_clock(settings.office_hours.start), parse_clock(settings.office_hours.end)
    return dtime(*start), dtime(*end)


def in_office_hours(app: "App", now: datetime) -> bool:
    start, end = _hours(app.config.settings)
    local = to_local(now, SHANGHAI)
    return (app.calendar.is_workday(local.date(), provisional=True)
            and start <= local.time().replace(tzinfo=None) < end)


def next_opening(app: "App", now: datetime) -> datetime:
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


def hold_limit(app: "App", created_at: datetime) -> datetime:
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


def targets(alert: Alert, settings: "Settings") -> list[tuple[str, list[str]]]:
    """(target name, ordered channels) for the alert."""
    routing = settings.routing
    kind = AlertKind.of(alert.kind)
    if kind is not None and kind.route is RouteClass.SUMMARY:
        channels = settings.summary.channels if settings.summary.channels is not None else routing.default
        return [(f"summary:{c}", [c]) for c in channels]
    if is_urgent(alert):
        route = routing.crisis or routing.default
    else:
        route = routing.departments.get(alert.department or "") or routing.default
    out = [("route", list(route))] if route else []
    if kind is not None and kind.leadership and routing.leadership:
        out.append(("leadership", list(routing.leadership)))
    return out


def channels_for(app: "App", timing: Timing | None = None) -> dict[str, Notifier]:
    """The app's channels, kept across dispatches so each robot's 20-a-minute window holds
    (the daemon dispatches every few seconds)."""
    cached = getattr(app, "_alert_channels", None)
    if cached is None or (timing is not None and getattr(app, "_alert_timing", None) is not timing):
        cached = build_channels(app.config, timing)
        app._alert_channels = cached  # type: ignore[attr-defined]
        app._alert_timing = timing  # type: ignore[attr-defined]
    return cached


# ---------------------------------------------------------------------------------------
# the dispatch

@dataclass
class _Work:
    alert: Alert
    item: Item | None
    targets: list[tuple[str, list[str]]]
    done: dict[str, str]                  # target → channel that delivered it
    position: dict[str, int] = field(default_factory=dict)  # target → index in its route
    error: str | None = None


def _claim(session: Session, now: datetime, only: list[int] | None = None) -> list[Alert]:
    """Take the due alerts with a lease (next_attempt_at = now + LEASE) in one UPDATE, so a
    second dispatcher (the CLI beside the daemon) skips them, and a dispatcher that dies
    mid-way leaves them to be retried when the lease ends. Every claimed alert leaves with
    its own next state: sent, held until the office opens, backed off, or skipped."""
    due = (select(Alert.id).where(Alert.status == AlertStatus.PENDING.value,
                                  or_(Alert.next_attempt_at.is_(None), Alert.next_attempt_at <= now))
           .order_by(Alert.created_at, Alert.id).limit(BATCH))
    if only is not None:
        due = due.where(Alert.id.in_(only))
    ids = list(session.scalars(
        update(Alert).where(Alert.id.in_(due)).values(next_attempt_at=now + LEASE).returning(Alert.id)))
    session.commit()
    if not ids:
        return []
    return list(session.scalars(select(Alert).where(Alert.id.in_(ids)).order_by(Alert.created_at, Alert.id)))


def _context(session: Session, alerts: list[Alert]) -> tuple[dict[int, Message], dict[int, Milestone]]:
    subjects = [a.subject for a in alerts]
    message_ids, milestone_ids = ids_of(subjects, SubjectKind.MESSAGE), ids_of(subjects, SubjectKind.MILESTONE)
    messages = {m.id: m for m in session.scalars(select(Message).where(Message.id.in_(message_ids)))} \
        if message_ids else {}
    milestones = {m.id: m for m in session.scalars(
        select(Milestone).where(Milestone.id.in_(milestone_ids)).options(selectinload(Milestone.event)))} \
        if milestone_ids else {}
    return messages, milestones


def _lapsed(alert: Alert, subject_obj: Message | Milestone | DisclosureRequest | None, sent_warnings: set[str]) -> str | None:
    """Why the alert no longer needs sending (it waited, and meanwhile things moved on)."""
    kind = AlertKind.of(alert.kind)
    lapse = kind.lapse if kind is not None else Lapse.NEVER
    if lapse is Lapse.SUBJECT_SETTLED:
        if isinstance(subject_obj, Message) and subject_obj.state not in ACTIVE_STATE_VALUES:
            return f"message already {subject_obj.state} before delivery"
        if isinstance(subject_obj, Milestone) and subject_obj.done_at is not None:
            return "milestone already done before delivery"
        if isinstance(subject_obj, DisclosureRequest) and subject_obj.state not in DISCLOSURE_RUNNING:
            return f"disclosure request already {subject_obj.state} before delivery"
    if lapse is Lapse.NO_WARNING_SENT and alert.subject not in sent_warnings:
        return "no warning about this message was delivered"
    return None


def _warning_codes() -> list[str]:
    """Kinds that warn about a deadline (a later "resolved" note refers to them)."""
    return sorted(k.value for k in AlertKind if k.lapse is Lapse.SUBJECT_SETTLED)


def _item(alert: Alert, messages: dict[int, Message], milestones: dict[int, Milestone],
          now: datetime) -> tuple[Item, Message | Milestone | DisclosureRequest | None]:
    """The alert ready to render, and its subject's row. Kinds without a payload are
    described by that row (the message, the milestone); the others by their payload."""
    kind = AlertKind.of(alert.kind)
    subject = Subject.parse(alert.subject)
    row_kind = kind is not None and kind.payload_type is NoPayload
    if row_kind and subject is not None and subject.id is not None:
        if subject.kind is SubjectKind.MESSAGE and subject.id in messages:
            message = messages[subject.id]
            return message_item(alert, message, now), message
        if subject.kind is SubjectKind.MILESTONE and subject.id in milestones:
            milestone = milestones[subject.id]
            return milestone_item(alert, milestone, now), milestone
        if subject.kind is SubjectKind.DISCLOSURE:
            # few alerts a day: looked up one by one rather than widening _context
            request = object_session(alert).get(DisclosureRequest, subject.id)  # type: ignore[union-attr]
            if request is not None:
                return disclosure_item(alert, request, now), request
    return data_item(alert, now), None


def dispatch(app: "App", now: datetime | None = None, *, timing: Timing | None = None,
             channels: dict[str, Notifier] | None = None, only: list[int] | None = None) -> DispatchResult:
    """Deliver the pending alerts that are due at `now` (default: the app's clock); with
    `only`, just those alert ids (`summary --send` delivers its one summary)."""
    moment = now or app.now()
    result = DispatchResult(at=moment)
    settings = app.config.settings
    notifiers = channels if channels is not None else channels_for(app, timing)
    for notifier in notifiers.values():
        if notifier.broken and notifier.timing.monotonic() - notifier.broken_at > BROKEN_RETRY_SECONDS:
            notifier.broken = None
    office = in_office_hours(app, moment)

    # objects stay readable after each commit: no reload per alert
    with app.sessions(expire_on_commit=False) as session:
        alerts = _claim(session, moment, only)
        if not alerts:
            _count_held(app, session, moment, office, result)
            return result
        messages, milestones = _context(session, alerts)
        resolved_subjects = [a.subject for a in alerts
                             if getattr(AlertKind.of(a.kind), "lapse", None) is Lapse.NO_WARNING_SENT]
        sent_warnings = set(session.scalars(
            select(Alert.subject).where(Alert.subject.in_(resolved_subjects),
                                        Alert.kind.in_(_warning_codes()),
                                        Alert.status.in_(DELIVERED)))) if resolved_subjects else set()
        done_rows = session.execute(
            select(AlertDelivery.alert_id, AlertDelivery.target, AlertDelivery.channel)
            .where(AlertDelivery.alert_id.in_([a.id for a in alerts]))).all()
        done: dict[int, dict[str, str]] = {}
        for alert_id, target, channel in done_rows:
            done.setdefault(alert_id, {})[target] = channel

        work: list[_Work] = []
        opening = None if office else next_opening(app, moment)
        for alert in alerts:
            if opening is not None and _waits_for_office(alert):
                limit = hold_limit(app, alert.created_at)
                if moment < limit:
                    # not looked at again until the office opens (the daemon polls every few
                    # seconds), or until the hold limit if that comes first
                    alert.next_attempt_at = min(opening, limit)
                    continue
            item, subject_obj = (None, None) if _one_per_channel(alert) else \
                _item(alert, messages, milestones, moment)
            why = _lapsed(alert, subject_obj, sent_warnings)
            if why:
                alert.status, alert.last_error, alert.next_attempt_at = AlertStatus.SKIPPED.value, why, None
                result.skipped += 1
                continue
            w = _Work(alert, item, targets(alert, settings), dict(done.get(alert.id, {})))
            for name, route in w.targets:
                w.position[name] = 0
            work.append(w)
        session.commit()

        unusable: dict[str, str] = {}  # channel → why, for the rest of this dispatch
        buckets = _assign(work, notifiers, unusable)
        while buckets:
            key, entries = buckets.pop(0)
            channel_name = key[0]
            notifier = notifiers.get(channel_name)
            if channel_name in unusable or notifier is None:
                _fall_back(entries, unusable, notifiers, buckets,
                           unusable.get(channel_name) or f"没有名为 {channel_name!r} 的渠道")
                continue
            try:
                outgoing = _outgoing(app, entries, moment)
            except Exception as exc:  # a rendering bug must not stop the other deliveries
                log.exception("cannot render alerts %s", [w.alert.id for w, _ in entries])
                for w, _ in entries:
                    w.error = f"cannot render: {type(exc).__name__}: {exc}"
                result.errors.append(f"cannot render alerts {[w.alert.id for w, _ in entries]}: {exc}")
                continue
            try:
                result.messages_sent += notifier.send(outgoing)
            except ChannelError as exc:
                why = f"{notifier.describe()}: {exc}"
                log.warning("delivery failed: %s", why)
                result.errors.append(why)
                unusable[channel_name] = why
                _fall_back(entries, unusable, notifiers, buckets, why)
                continue
            for w, target in entries:
                w.done[target] = channel_name
                session.add(AlertDelivery(alert_id=w.alert.id, target=target, channel=channel_name,
                                          sent_at=moment))
            session.commit()  # recorded right away: a crash now cannot resend these

        for w in work:
            alert = w.alert
            missing = [t for t, _ in w.targets if t not in w.done]
            if w.targets and not missing:
                alert.status = AlertStatus.SENT.value
                alert.sent_at = moment
                alert.next_attempt_at = None
                alert.channel = ",".join(sorted(set(w.done.values())))
                alert.last_error = None
                result.sent += 1
                continue
            alert.attempts = (alert.attempts or 0) + 1
            alert.last_error = w.error or ("no channel is routed for this alert (set [routing] "
                                           "default in monitor.toml)" if not w.targets else
                                           f"not delivered to: {', '.join(missing)}")
            alert.next_attempt_at = moment + timedelta(minutes=min(2 ** (alert.attempts - 1), 60))
            if alert.attempts >= MAX_ATTEMPTS:
                alert.status = AlertStatus.FAILED.value
            if w.done:
                alert.channel = ",".join(sorted(set(w.done.values())))
            result.failed += 1
        session.commit()
        _count_held(app, session, moment, office, result)
    return result


def _count_held(app: "App", session: Session, moment: datetime, office: bool, result: DispatchResult) -> None:
    """The alerts waiting for office hours now — those held by an earlier dispatch too, so a
    later dispatch outside hours does not report 0 while they still wait. Outside office hours
    every pending non-urgent alert waits (at least) until the next opening."""
    from sqlalchemy import func

    if office:
        return
    opening = next_opening(app, moment)
    waiting = (Alert.status == AlertStatus.PENDING.value, or_(Alert.crisis.is_(False), Alert.crisis.is_(None)),
               Alert.kind.not_in(never_held_codes()))
    count, first = session.execute(select(func.count(), func.min(Alert.next_attempt_at)).where(*waiting)).one()
    result.held = int(count or 0)
    if result.held:
        # a held alert that also backs off after a failure goes at the later of the two
        first = to_utc(first) if first is not None else None
        result.held_until = max(opening, first) if first is not None else opening


Bucket = tuple[tuple[str, bool, int], list[tuple[_Work, str]]]


def _assign(work: list[_Work], notifiers: dict[str, Notifier], unusable: dict[str, str]) -> list[Bucket]:
    buckets: dict[tuple[str, bool, int], list[tuple[_Work, str]]] = {}
    for w in work:
        for target, route in w.targets:
            if target in w.done:
                continue
            channel = _next_channel(w, target, route, notifiers, unusable)
            if channel is None:
                continue
            _add(buckets, w, target, channel)
    # urgent messages first: a crisis alert never waits behind a long digest
    return sorted(buckets.items(), key=lambda kv: (not kv[0][1], kv[0][0]))


def _add(buckets: dict[tuple[str, bool, int], list[tuple[_Work, str]]], w: _Work, target: str,
         channel: str) -> None:
    # summaries are one message each; other alerts group per channel and urgency
    key = (channel, is_urgent(w.alert), w.alert.id if _one_per_channel(w.alert) else 0)
    buckets.setdefault(key, []).append((w, target))


def _next_channel(w: _Work, target: str, route: list[str], notifiers: dict[str, Notifier],
                  unusable: dict[str, str]) -> str | None:
    while w.position[target] < len(route):
        name = route[w.position[target]]
        notifier = notifiers.get(name)
        if notifier is not None and name not in unusable and not notifier.broken:
            return name
        w.error = unusable.get(name) or (f"channel {name!r} broken: {notifier.broken}" if notifier
                                         else f"没有名为 {name!r} 的渠道")
        w.position[target] += 1
    return None


def _fall_back(entries: list[tuple[_Work, str]], unusable: dict[str, str],
               notifiers: dict[str, Notifier], buckets: list[Bucket], why: str) -> None:
    """Move each entry to the next channel of its route (grouped again per channel)."""
    regroup: dict[tuple[str, bool, int], list[tuple[_Work, str]]] = {}
    for w, target in entries:
        w.error = why
        route = dict(w.targets)[target]
        w.position[target] += 1
        channel = _next_channel(w, target, route, notifiers, unusable)
        if channel is not None:
            _add(regroup, w, target, channel)
    for key, more in regroup.items():
        for i, (existing_key, existing) in enumerate(buckets):
            if existing_key == key:
                existing.extend(more)
                break
        else:
            buckets.append((key, more))


def _outgoing(app: "App", entries: list[tuple[_Work, str]], now: datetime) -> Outgoing:
    first = entries[0][0].alert
    if _one_per_channel(first):
        from alerts.summary import summary_for_alert

        return summary_for_alert(app, first, now)
    seen: dict[int, Item] = {}
    for w, _ in entries:
        if w.item is not None:
            seen.setdefault(w.alert.id, w.item)
    return compose(list(seen.values()))
