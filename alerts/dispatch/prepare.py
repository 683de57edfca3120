"""The claimed alerts made ready: held when they wait for office hours, skipped when they
lapsed while waiting (the message was replied meanwhile, a "resolved" note about a warning
nobody received, a reply flag an editor marked 误报), else given their rendered item, their targets and what was delivered
already."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.consultation import consultation_item
from alerts.disclosure import disclosure_item
from alerts.dispatch.hours import hold_limit, next_opening
from alerts.dispatch.result import DispatchResult
from alerts.dispatch.routing import one_per_channel, targets, waits_for_office
from alerts.dispatch.work import Work
from alerts.outbox import (
    DELIVERED,
    AlertKind,
    AlertStatus,
    Lapse,
    NoPayload,
    Subject,
    SubjectKind,
    ids_of,
)
from alerts.render import Item, data_item, message_item, milestone_item
from alerts.subjects import SubjectRows, load_subjects, settled
from monitor.db.models import (
    Alert,
    AlertDelivery,
    Consultation,
    DisclosureRequest,
    Message,
    Milestone,
    ReplyVerdict,
)
from monitor.names import source_titles

if TYPE_CHECKING:
    from monitor.app import App

Subjected = Message | Milestone | DisclosureRequest | Consultation | None  # what it is about


def prepare(
    app: App,
    session: Session,
    alerts: list[Alert],
    moment: datetime,
    office: bool,
    result: DispatchResult,
) -> list[Work]:
    """Hold non-urgent alerts outside office hours, skip lapsed ones, and give the rest their
    targets and what was already delivered."""
    settings = app.config.settings
    rows = load_subjects(session, [a.subject for a in alerts])
    sent_warnings = _sent_warnings(session, alerts)
    withdrawn = _withdrawn_flags(session, alerts)
    done: dict[int, dict[str, str]] = {}
    for alert_id, target, channel in session.execute(
        select(AlertDelivery.alert_id, AlertDelivery.target, AlertDelivery.channel).where(
            AlertDelivery.alert_id.in_([a.id for a in alerts])
        )
    ).all():
        done.setdefault(alert_id, {})[target] = channel

    work: list[Work] = []
    titles = source_titles(app.config)
    opening = None if office else next_opening(app, moment)
    for alert in alerts:
        if opening is not None and waits_for_office(alert):
            limit = hold_limit(app, alert.created_at)
            if moment < limit:
                # not looked at again until the office opens (the daemon polls every few
                # seconds), or until the hold limit if that comes first
                alert.next_attempt_at, alert.claimed_by = min(opening, limit), None
                continue
        item, subject_obj = (
            (None, None)
            if one_per_channel(alert)
            else _item(alert, rows, moment, settings.web.public_url, titles)
        )
        why = _lapsed(alert, subject_obj, sent_warnings, withdrawn)
        if why:
            alert.status, alert.last_error, alert.next_attempt_at = (
                AlertStatus.SKIPPED.value,
                why,
                None,
            )
            alert.claimed_by = None
            result.skipped += 1
            continue
        w = Work(alert, item, targets(alert, settings), dict(done.get(alert.id, {})))
        w.position = {name: 0 for name, _ in w.targets}
        work.append(w)
    session.commit()
    return work


def _item(
    alert: Alert,
    rows: SubjectRows,
    now: datetime,
    public_url: str | None = None,
    titles: dict[str, str] | None = None,
) -> tuple[Item, Subjected]:
    """The alert ready to render, and its subject's row. Kinds without a payload are
    described by that row (the message, the milestone, the request, the consultation); the
    others by their payload."""
    kind = AlertKind.of(alert.kind)
    subject = Subject.parse(alert.subject)
    row_kind = kind is not None and kind.payload_type is NoPayload
    if row_kind and subject is not None and subject.id is not None:
        if subject.kind is SubjectKind.MESSAGE and subject.id in rows.messages:
            message = rows.messages[subject.id]
            title = (titles or {}).get(message.source)  # a source since removed: no line
            return message_item(alert, message, now, public_url, title), message
        if subject.kind is SubjectKind.MILESTONE and subject.id in rows.milestones:
            milestone = rows.milestones[subject.id]
            return milestone_item(alert, milestone, now), milestone
        if subject.kind is SubjectKind.DISCLOSURE and subject.id in rows.requests:
            request = rows.requests[subject.id]
            return disclosure_item(alert, request, now), request
        if subject.kind is SubjectKind.CONSULTATION and subject.id in rows.consultations:
            consultation = rows.consultations[subject.id]
            return consultation_item(alert, consultation, now), consultation
    return data_item(alert, now, titles), None


def _sent_warnings(session: Session, alerts: list[Alert]) -> set[str]:
    """Subjects of the "resolved" notes among `alerts` whose warning someone received."""
    resolved = [
        a.subject
        for a in alerts
        if getattr(AlertKind.of(a.kind), "lapse", None) is Lapse.NO_WARNING_SENT
    ]
    if not resolved:
        return set()
    query = select(Alert.subject).where(
        Alert.subject.in_(resolved), Alert.kind.in_(_warning_codes()), Alert.status.in_(DELIVERED)
    )
    return set(session.scalars(query))


def _withdrawn_flags(session: Session, alerts: list[Alert]) -> set[str]:
    """Subjects of the reply-flag alerts among `alerts` whose flag no longer stands (an editor
    marked it 误报 after the sweep made the alert)."""
    flags = [
        a.subject
        for a in alerts
        if getattr(AlertKind.of(a.kind), "lapse", None) is Lapse.FLAG_WITHDRAWN
    ]
    ids = ids_of(flags, SubjectKind.MESSAGE)
    if not ids:
        return set()
    query = select(ReplyVerdict.message_id).where(
        ReplyVerdict.message_id.in_(ids), ~ReplyVerdict.flag_stands()
    )
    return {str(Subject.message(i)) for i in session.scalars(query)}


def _warning_codes() -> list[str]:
    """Kinds that warn about a deadline (a later "resolved" note refers to them)."""
    return sorted(k.value for k in AlertKind if k.lapse is Lapse.SUBJECT_SETTLED)


def _lapsed(
    alert: Alert, subject_obj: Subjected, sent_warnings: set[str], withdrawn: set[str]
) -> str | None:
    """Why the alert no longer needs sending (it waited, and meanwhile things moved on)."""
    kind = AlertKind.of(alert.kind)
    lapse = kind.lapse if kind is not None else Lapse.NEVER
    if lapse is Lapse.SUBJECT_SETTLED and (why := settled(subject_obj)):
        return f"{why} before delivery"
    if lapse is Lapse.NO_WARNING_SENT and alert.subject not in sent_warnings:
        return "no warning about this message was delivered"
    if lapse is Lapse.FLAG_WITHDRAWN and alert.subject in withdrawn:
        return "the reply flag was marked a false positive before delivery"
    return None
