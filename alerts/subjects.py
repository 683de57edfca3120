"""The rows a batch of alerts is about, loaded once for the batch: messages, crisis milestones
(with their events), 依申请公开 requests and 意见征集, by the ids in the alerts' subjects. The
dispatcher renders from them and `alerts list` / the dashboard label with them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from alerts.consultation import settled as consultation_settled
from alerts.outbox import SubjectKind, ids_of
from monitor.db.models import Consultation, DisclosureRequest, Message, Milestone
from monitor.deadlines import ACTIVE_STATE_VALUES
from monitor.disclosure.deadlines import ACTIVE_VALUES as DISCLOSURE_RUNNING


@dataclass
class SubjectRows:
    """id → row, per kind of subject."""

    messages: dict[int, Message] = field(default_factory=dict)
    milestones: dict[int, Milestone] = field(default_factory=dict)
    requests: dict[int, DisclosureRequest] = field(default_factory=dict)
    consultations: dict[int, Consultation] = field(default_factory=dict)


def load_subjects(session: Session, subjects: Iterable[str]) -> SubjectRows:
    """The rows behind stored subject texts (other kinds and missing rows are left out)."""
    texts = list(subjects)
    rows = SubjectRows()
    if ids := ids_of(texts, SubjectKind.MESSAGE):
        messages = session.scalars(select(Message).where(Message.id.in_(ids)))
        rows.messages = {m.id: m for m in messages}
    if ids := ids_of(texts, SubjectKind.MILESTONE):
        milestones = session.scalars(
            select(Milestone).where(Milestone.id.in_(ids)).options(selectinload(Milestone.event))
        )
        rows.milestones = {m.id: m for m in milestones}
    if ids := ids_of(texts, SubjectKind.DISCLOSURE):
        requests = session.scalars(select(DisclosureRequest).where(DisclosureRequest.id.in_(ids)))
        rows.requests = {r.id: r for r in requests}
    if ids := ids_of(texts, SubjectKind.CONSULTATION):
        consultations = session.scalars(select(Consultation).where(Consultation.id.in_(ids)))
        rows.consultations = {c.id: c for c in consultations}
    return rows


def settled(row: object) -> str | None:
    """Why the row an alert is about needs nothing more (the message was answered or
    withdrawn, the milestone done, the request closed, the draft's 采纳情况 published), or None
    while it still runs. The dispatcher lapses waiting warnings by it; the dashboard offers
    确认 by it."""
    if isinstance(row, Message) and row.state not in ACTIVE_STATE_VALUES:
        return f"message already {row.state}"
    if isinstance(row, Milestone) and row.done_at is not None:
        return "milestone already done"
    if isinstance(row, DisclosureRequest) and row.state not in DISCLOSURE_RUNNING:
        return f"disclosure request already {row.state}"
    if isinstance(row, Consultation) and (why := consultation_settled(row)):
        return why.removesuffix(" before delivery")  # its own words are the dispatcher's
    return None
