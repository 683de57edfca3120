"""Sweep steps of the alerts area (appended to monitor.sweep.STEPS):

- source_unhealthy: one alert per outage of a source. The stage names the outage by the last
  success before it (`unhealthy@<last success, UTC>` or `unhealthy@never`): a continuing
  outage keeps its key and does not alert again; a new outage follows a new success, so it
  gets a new key and alerts again.
- calendar_missing: at most once a day (subject `calendar:YEAR`, stage = the local date, made
  by the first sweep from the start of office hours) while
  an active message's deadline is provisional (it counts through a year the calendar does not
  know), or from December 1 on when next year is not known yet.
- calendar_known: once per content of a year declared in holidays.toml from this year on
  (subject `calendar:YEAR`, stage `known-<digest of its days>`): after `calendar import-notice`
  (or a hand edit) the office is told once that the year is now known — and once more only if
  an amending notice changes it. Reminders about that year still waiting are cancelled."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from alerts.outbox import (
    AlertKind,
    AlertStatus,
    CalendarKnownPayload,
    CalendarPayload,
    NewAlert,
    SourcePayload,
    Subject,
    enqueue,
)
from monitor.db.models import Alert, Message, Source
from monitor.deadlines import ACTIVE_STATE_VALUES
from monitor.timeutil import format_local, local_date, parse_clock, to_local

if TYPE_CHECKING:
    from monitor.app import App


def _acked(session: Session, subject: Subject) -> bool:
    return (
        session.scalar(
            select(func.count())
            .select_from(Alert)
            .where(Alert.subject == str(subject), Alert.status == AlertStatus.ACKED.value)
        )
        or 0
    ) > 0


def outage_stage(last_success: datetime | None) -> str:
    return "unhealthy@" + (last_success.strftime("%Y%m%dT%H%M%SZ") if last_success else "never")


def source_unhealthy_alerts(session: Session, app: App, now: datetime) -> int:
    rows = []
    for source in session.scalars(select(Source).where(Source.healthy.is_(False))):
        stage = outage_stage(source.last_success)
        subject = Subject.source(source.name)
        # an ack silences this outage only: the next one has a new stage
        if session.scalar(
            select(func.count())
            .select_from(Alert)
            .where(Alert.subject == str(subject), Alert.stage == stage)
        ):
            continue
        rows.append(
            NewAlert(
                AlertKind.SOURCE_UNHEALTHY,
                subject,
                stage,
                now,
                payload=SourcePayload(
                    reason=source.reason or "",
                    since=format_local(source.last_success) or None,
                    last_error=format_local(source.last_error) or None,
                    error=(source.last_error_text or "")[:500],
                    kind=source.kind or "messages",
                ),
            )
        )
    return enqueue(session, rows)


def provisional_requests(session: Session) -> int:
    """依申请公开 requests not yet answered whose due date counts through an unknown year."""
    from monitor.db.models import DisclosureRequest
    from monitor.disclosure.deadlines import OPEN_VALUES

    return (
        session.scalar(
            select(func.count())
            .select_from(DisclosureRequest)
            .where(
                DisclosureRequest.state.in_(OPEN_VALUES), DisclosureRequest.provisional.is_(True)
            )
        )
        or 0
    )


def missing_year(app: App, session: Session, today: date) -> tuple[int, int] | None:
    """(year to add, provisional active messages) when the office must be told, else None."""
    calendar = app.calendar
    provisional = (
        session.scalar(
            select(func.count())
            .select_from(Message)
            .where(Message.state.in_(ACTIVE_STATE_VALUES), Message.provisional.is_(True))
        )
        or 0
    )
    provisional += provisional_requests(session)
    if provisional:
        return calendar.next_unknown(today.year), provisional
    if today >= date(today.year, 12, 1) and not calendar.knows_year(today.year + 1):
        return today.year + 1, 0
    if not calendar.knows_year(today.year):
        return today.year, 0
    return None


def calendar_missing_alerts(session: Session, app: App, now: datetime) -> int:
    today = local_date(now)
    # one reminder a day, made by the first sweep from the start of office hours: it arrives
    # with the morning's work instead of waiting in the outbox overnight
    start = parse_clock(app.config.settings.office_hours.start)
    if to_local(now).time() < time(*start):
        return 0
    found = missing_year(app, session, today)
    if found is None:
        return 0
    year, provisional = found
    subject = Subject.calendar(year)
    if _acked(session, subject):
        return 0
    return enqueue(
        session,
        [
            NewAlert(
                AlertKind.CALENDAR_MISSING,
                subject,
                today.isoformat(),
                now,
                payload=CalendarPayload(year=year, provisional=provisional),
            )
        ],
    )


def known_stage(holidays: Iterable[date], workdays: Iterable[date]) -> str:
    """`known-<digest>`: the same days give the same stage, so the notice is sent once."""
    import hashlib

    days = sorted(d.isoformat() for d in holidays) + ["/"] + sorted(d.isoformat() for d in workdays)
    return "known-" + hashlib.sha1(",".join(days).encode()).hexdigest()[:10]


def calendar_known_alerts(session: Session, app: App, now: datetime) -> int:
    today = local_date(now)
    calendar = app.calendar
    added = 0
    provisional = None
    for year, schedule in sorted(calendar.years.items()):
        if year < today.year:
            continue  # past years: nobody waits for them
        subject = Subject.calendar(year)
        stage = known_stage(schedule.holidays, schedule.workdays)
        if session.scalar(
            select(func.count())
            .select_from(Alert)
            .where(Alert.subject == str(subject), Alert.stage == stage)
        ):
            continue
        if provisional is None:
            provisional = (
                session.scalar(
                    select(func.count())
                    .select_from(Message)
                    .where(Message.state.in_(ACTIVE_STATE_VALUES), Message.provisional.is_(True))
                )
                or 0
            )
        # a reminder about this year still waiting in the outbox is no longer true
        session.execute(
            update(Alert)
            .where(
                Alert.subject == str(subject),
                Alert.kind == AlertKind.CALENDAR_MISSING.value,
                Alert.status == AlertStatus.PENDING.value,
            )
            .values(status=AlertStatus.SKIPPED.value)
        )
        added += enqueue(
            session,
            [
                NewAlert(
                    AlertKind.CALENDAR_KNOWN,
                    subject,
                    stage,
                    now,
                    payload=CalendarKnownPayload(
                        year=year,
                        holidays=len(schedule.holidays),
                        workdays=len(schedule.workdays),
                        provisional=provisional,
                    ),
                )
            ],
        )
    return added
