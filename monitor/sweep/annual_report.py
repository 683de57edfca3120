"""The 政府信息公开工作年度报告's reminders in the sweep (docs/disclosure-and-reports.md): last year's report is due
31 March; the office route is reminded 15 and 5 working days before (subject
`annual-report:YEAR`, stages `15wd`, `5wd`), until the office records the publication or
acknowledges a reminder. When they fall and which one is due is monitor.report.deadline's
rule (the board shows the same milestone); this step only turns it into an alert. One row at
most per sweep, insert-or-ignore like every stage, so the minute's sweeps add it once."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.outbox import AlertKind, AnnualReportPayload, NewAlert, Subject, acked, enqueue
from monitor.report.deadline import due_reminder, in_reminder_window, milestone
from monitor.timeutil import format_local

if TYPE_CHECKING:
    from monitor.app import App


def reminder_alerts(session: Session, app: App, now: datetime) -> int:
    """Enqueue the newest reminder reached for last year's report (0 or 1 alert)."""
    if not in_reminder_window(now, app.calendar):
        return 0  # the rest of the year: no query at all
    m = milestone(session, app.calendar, now)
    stage = due_reminder(m, now)
    if stage is None:
        return 0
    subject = Subject.annual_report(m.year)
    if session.scalar(select(acked(subject))):
        return 0
    payload = AnnualReportPayload(
        year=m.year,
        due_date=m.due_date.isoformat(),
        working_days_left=m.working_days_left,
        produced_at=format_local(m.produced_at) if m.produced_at else None,
    )
    return enqueue(
        session, [NewAlert(AlertKind.ANNUAL_REPORT_DUE, subject, stage, now, payload=payload)]
    )
