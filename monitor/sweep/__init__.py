"""The sweep: the one place alerts are made. Every minute (and exactly at each stage,
SweepTrigger) it evaluates every deadline at `now`, moves states, and turns what is due into
alerts in the outbox (alerts.outbox.enqueue), all in one transaction.

Set-based: the work is a few UPDATE and INSERT … SELECT statements on indexed columns, so
100,000 open messages cost the same handful of statements as ten. Each step is a function
`(session, app, now) -> int` (rows moved or alerts added) in one module per producer; STEPS
is the one ordered list. A new producer is one module here and one line in STEPS."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.orm import Session

from monitor.replyquality.store import judge_replies
from monitor.sweep import (
    annual_report,
    calendar,
    consultation,
    crisis,
    disclosure,
    health,
    messages,
    reply_quality,
    stages,
    watch,
)
from monitor.watchlist.scan import scan_watch

if TYPE_CHECKING:
    from monitor.app import App


class Step(Protocol):
    """One step: its work at `now` in the sweep's transaction; returns how many rows it
    moved or alerts it added (reported per step name in SweepResult.counts)."""

    def __call__(self, session: Session, app: App, now: datetime, /) -> int: ...


# Order matters: states first, then the alerts that read them; watch hits are scanned before
# they are alerted, replies judged before the flagged ones are; stages are marked fired after
# every deadline step has read them.
STEPS: list[tuple[str, Step]] = [
    ("provisional", messages.recheck_provisional),
    ("states", messages.message_states),
    ("alerts.reply", messages.stage_alerts),
    ("alerts.crisis", crisis.stage_alerts),
    ("disclosure.provisional", disclosure.recheck_provisional),
    ("disclosure.states", disclosure.request_states),
    ("alerts.disclosure", disclosure.stage_alerts),
    ("consultation.provisional", consultation.recheck_provisional),
    ("consultation.states", consultation.consultation_states),
    ("alerts.consultation_short", consultation.consultation_short_alerts),
    ("alerts.consultation", consultation.consultation_feedback_alerts),
    ("alerts.annual_report", annual_report.reminder_alerts),
    ("watch.scan", scan_watch),
    ("alerts.watch", watch.hit_alerts),
    ("stages_fired", stages.fire_due_stages),
    ("alerts.resolved", messages.resolved_alerts),
    ("alerts.sources", health.source_alerts),
    ("alerts.calendar", calendar.missing_alerts),
    ("alerts.calendar_known", calendar.known_alerts),
    ("reply_quality.judge", judge_replies),
    ("alerts.reply_quality", reply_quality.perfunctory_alerts),
]


@dataclass
class SweepResult:
    at: datetime
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def alerts(self) -> int:
        return sum(v for k, v in self.counts.items() if k.startswith("alerts"))


def sweep(app: App, now: datetime | None = None) -> SweepResult:
    """Run every step at `now` (default: the app's clock) in one transaction."""
    moment = now or app.now()
    result = SweepResult(at=moment)
    with app.session() as session:
        for name, step in STEPS:
            result.counts[name] = step(session, app, moment)
    return result
