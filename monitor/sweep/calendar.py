"""The working-day calendar in the sweep (the rule of what is missing lives in
monitor.calendar_coverage):

- calendar_missing: at most once a day (subject `calendar:YEAR`, stage = the local date, made
  by the first sweep from the start of office hours) while an active deadline is provisional
  (it counts through a year the calendar does not know), or from December 1 on when next year
  is not known yet. The daemon's daily calendar check runs the same step.
- calendar_known: once per content of a year declared in holidays.toml from this year on
  (subject `calendar:YEAR`, stage `known-<digest of its days>`): after `calendar import-notice`
  (or a hand edit) the office is told once that the year is now known — and once more only if
  an amending notice changes it. Reminders about that year still waiting are cancelled."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from alerts.outbox import (
    AlertKind,
    AlertStatus,
    CalendarKnownPayload,
    CalendarPayload,
    NewAlert,
    Subject,
    acked,
    enqueue,
    queued,
)
from monitor.calendar_coverage import missing_year, provisional_messages
from monitor.db.models import Alert
from monitor.timeutil import local_date, parse_clock, to_local

if TYPE_CHECKING:
    from monitor.app import App


def missing_alerts(session: Session, app: App, now: datetime) -> int:
    today = local_date(now)
    # one reminder a day, made by the first sweep from the start of office hours: it arrives
    # with the morning's work instead of waiting in the outbox overnight
    start = parse_clock(app.config.settings.office_hours.start)
    if to_local(now).time() < time(*start):
        return 0
    found = missing_year(session, app.calendar, today)
    if found is None:
        return 0
    year, provisional = found
    subject = Subject.calendar(year)
    if session.scalar(select(acked(subject))):
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
    days = sorted(d.isoformat() for d in holidays) + ["/"] + sorted(d.isoformat() for d in workdays)
    return "known-" + hashlib.sha1(",".join(days).encode()).hexdigest()[:10]


def known_alerts(session: Session, app: App, now: datetime) -> int:
    today = local_date(now)
    added = 0
    provisional = None
    for year, schedule in sorted(app.calendar.years.items()):
        if year < today.year:
            continue  # past years: nobody waits for them
        subject = Subject.calendar(year)
        stage = known_stage(schedule.holidays, schedule.workdays)
        if queued(session, subject, stage):
            continue
        if provisional is None:
            provisional = provisional_messages(session)
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
