"""The rows a batch of alerts is about, loaded once for the batch: messages, crisis milestones
(with their events), 依申请公开 requests and 意见征集, by the ids in the alerts' subjects. The
dispatcher renders from them and `alerts list` / the dashboard label with them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from alerts.outbox import SubjectKind, ids_of
from monitor.db.models import Consultation, DisclosureRequest, Message, Milestone


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
