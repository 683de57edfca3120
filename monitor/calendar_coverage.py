"""How far the working-day calendar covers what is being tracked: which year must be added to
holidays.toml, and how many deadlines are provisional meanwhile (they count through a year the
calendar does not know, so they are computed as if that year had only weekends off).

One rule for the dashboard's board and calendar page, the daemon's daily check and the sweep's
calendar_missing reminder."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.calendar import WorkCalendar
from monitor.consultation.deadlines import OPEN_VALUES as CONSULTATION_OPEN
from monitor.db.models import Consultation, DisclosureRequest, Message
from monitor.deadlines import ACTIVE_STATE_VALUES
from monitor.disclosure.deadlines import OPEN_VALUES


def provisional_messages(session: Session) -> int:
    """Messages still tracked whose deadline is provisional."""
    query = select(func.count()).select_from(Message)
    query = query.where(Message.state.in_(ACTIVE_STATE_VALUES), Message.provisional.is_(True))
    return session.scalar(query) or 0


def provisional_requests(session: Session) -> int:
    """依申请公开 requests not yet answered whose due date counts through an unknown year."""
    query = select(func.count()).select_from(DisclosureRequest)
    query = query.where(
        DisclosureRequest.state.in_(OPEN_VALUES), DisclosureRequest.provisional.is_(True)
    )
    return session.scalar(query) or 0


def provisional_consultations(session: Session) -> int:
    """意见征集 still owing their 采纳情况 whose due date counts through an unknown year."""
    query = select(func.count()).select_from(Consultation)
    query = query.where(
        Consultation.state.in_(CONSULTATION_OPEN), Consultation.provisional.is_(True)
    )
    return session.scalar(query) or 0


def missing_year(session: Session, calendar: WorkCalendar, today: date) -> tuple[int, int] | None:
    """(year to add, provisional deadlines) when the office must be told, else None: a
    provisional deadline needs the first unknown year; from December 1 on, next year must be
    known; this year always."""
    provisional = (
        provisional_messages(session)
        + provisional_requests(session)
        + provisional_consultations(session)
    )
    if provisional:
        return calendar.next_unknown(today.year), provisional
    if today >= date(today.year, 12, 1) and not calendar.knows_year(today.year + 1):
        return today.year + 1, 0
    if not calendar.knows_year(today.year):
        return today.year, 0
    return None
