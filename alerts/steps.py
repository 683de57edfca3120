"""Sweep steps of the alerts area (appended to monitor.sweep.STEPS):

- source_unhealthy: one alert per outage of a source. The stage names the outage by the last
  success before it (`unhealthy@<last success, UTC>` or `unhealthy@never`): a continuing
  outage keeps its key and does not alert again; a new outage follows a new success, so it
  gets a new key and alerts again.
- calendar_missing: at most once a day (subject `calendar:YEAR`, stage = the local date, made
  by the first sweep from the start of office hours) while
  an active message's deadline is provisional (it counts through a year the calendar does not
  know), or from December 1 on when next year is not known yet."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.db.models import Alert, Message, Source
from monitor.timeutil import format_local, local_date, parse_clock, to_local

if TYPE_CHECKING:
    from monitor.app import App

ACTIVE = ("open", "at_risk", "overdue")


def _insert(session: Session, rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    from sqlalchemy.dialects import postgresql, sqlite

    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    count = 0
    for row in rows:
        stmt = module.insert(Alert).values(**row).on_conflict_do_nothing().returning(Alert.id)
        count += session.execute(stmt).first() is not None  # psycopg's rowcount here is -1
    return count


def _acked(session: Session, subject: str) -> bool:
    return session.scalar(select(func.count()).select_from(Alert)
                          .where(Alert.subject == subject, Alert.status == "acked")) > 0


def outage_stage(last_success: datetime | None) -> str:
    return "unhealthy@" + (last_success.strftime("%Y%m%dT%H%M%SZ") if last_success else "never")


def source_unhealthy_alerts(session: Session, app: "App", now: datetime) -> int:
    rows = []
    for source in session.scalars(select(Source).where(Source.healthy.is_(False))):
        stage = outage_stage(source.last_success)
        subject = f"source:{source.name}"
        # an ack silences this outage only: the next one has a new stage
        if session.scalar(select(func.count()).select_from(Alert).where(
                Alert.subject == subject, Alert.stage == stage)):
            continue
        rows.append({"kind": "source_unhealthy", "subject": subject, "stage": stage,
                     "crisis": False, "department": None, "status": "pending", "attempts": 0,
                     "created_at": now,
                     "data": {"reason": source.reason or "", "since": format_local(source.last_success) or None,
                              "last_error": format_local(source.last_error) or None,
                              "error": (source.last_error_text or "")[:500]}})
    return _insert(session, rows)


def missing_year(app: "App", session: Session, today: date) -> tuple[int, int] | None:
    """(year to add, provisional active messages) when the office must be told, else None."""
    calendar = app.calendar
    provisional = session.scalar(select(func.count()).select_from(Message).where(
        Message.state.in_(ACTIVE), Message.provisional.is_(True))) or 0
    if provisional:
        return calendar.next_unknown(today.year), provisional
    if today >= date(today.year, 12, 1) and not calendar.knows_year(today.year + 1):
        return today.year + 1, 0
    if not calendar.knows_year(today.year):
        return today.year, 0
    return None


def calendar_missing_alerts(session: Session, app: "App", now: datetime) -> int:
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
    subject = f"calendar:{year}"
    if _acked(session, subject):
        return 0
    return _insert(session, [{
        "kind": "calendar_missing", "subject": subject, "stage": today.isoformat(), "crisis": False,
        "department": None, "status": "pending", "attempts": 0, "created_at": now,
        "data": {"year": year, "provisional": provisional}}])


