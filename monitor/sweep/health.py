"""Sources in the sweep: one `source_unhealthy` alert per outage of a source. The stage names
the outage by the last success before it (`unhealthy@<last success, UTC>` or
`unhealthy@never`): a continuing outage keeps its key and does not alert again; a new outage
follows a new success, so it gets a new key and alerts again. An acknowledgement silences
this outage only."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.outbox import AlertKind, NewAlert, SourcePayload, Subject, enqueue, queued
from monitor.db.models import Source
from monitor.timeutil import format_local

if TYPE_CHECKING:
    from monitor.app import App


def outage_stage(last_success: datetime | None) -> str:
    return "unhealthy@" + (last_success.strftime("%Y%m%dT%H%M%SZ") if last_success else "never")


def source_alerts(session: Session, app: App, now: datetime) -> int:
    rows = []
    for source in session.scalars(select(Source).where(Source.healthy.is_(False))):
        stage = outage_stage(source.last_success)
        subject = Subject.source(source.name)
        # acknowledged or not, this outage was told: the next one has a new stage
        if queued(session, subject, stage):
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
