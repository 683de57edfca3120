"""意见征集 in the report (docs/consultations.md): consultations held, windows short, 采纳情况 on time,
per drafting department, in one GROUP BY (never one row at a time).

Counting rules (口径), as docs/consultations.md states them: a consultation belongs to the
period its window opened in (Asia/Shanghai date); *short* is judged against the rule in force
when it was registered; its 采纳情况 is taken as of the period's end, or now while the period
runs: published on time or late (by the publication's own time against 24:00 of the due
date), overdue (due date passed, not published), or not yet due (still collecting, or
closed with time left). Punctuality = on time / (on time + late + overdue)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, case, func, or_, select, true
from sqlalchemy.orm import Session

from monitor.db.models import Consultation

if TYPE_CHECKING:
    from monitor.report.period import Period

NO_DEPARTMENT = "未分配部门"
COUNTS = ("held", "short", "on_time", "late", "overdue", "pending")


@dataclass
class ConsultationRow:
    """One drafting department (or the total)."""

    name: str
    held: int = 0  # windows opened in the period
    short: int = 0  # of which shorter than min_days
    on_time: int = 0  # 采纳情况 published by 24:00 of the due date
    late: int = 0  # published after it
    overdue: int = 0  # due date passed, not published
    pending: int = 0  # not due yet (collecting, or closed with time left)

    @property
    def rate(self) -> float | None:
        due = self.on_time + self.late + self.overdue
        return self.on_time / due if due else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            **{k: getattr(self, k) for k in COUNTS},
            "punctuality": self.rate,
        }


@dataclass
class ConsultationTable:
    total: ConsultationRow = field(default_factory=lambda: ConsultationRow("合计"))
    by_department: list[ConsultationRow] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total.as_dict(),
            "by_department": [r.as_dict() for r in self.by_department],
        }


def consultation_figures(session: Session, period: Period, as_of: datetime) -> ConsultationTable:
    c = Consultation

    def count(condition: Any) -> Any:
        return func.sum(case((condition, 1), else_=0))

    published = and_(c.feedback_at.is_not(None), c.feedback_at <= as_of)
    waiting = or_(c.feedback_at.is_(None), c.feedback_at > as_of)
    key = func.coalesce(c.department, NO_DEPARTMENT)
    query = (
        select(
            key.label("k"),
            func.count().label("held"),
            count(c.short == true()).label("short"),
            count(and_(published, c.feedback_at <= c.deadline)).label("on_time"),
            count(and_(published, c.feedback_at > c.deadline)).label("late"),
            count(and_(waiting, c.deadline <= as_of)).label("overdue"),
            count(and_(waiting, c.deadline > as_of)).label("pending"),
        )
        .where(c.opens_on >= period.start, c.opens_on < period.end)
        .group_by(key)
    )
    table = ConsultationTable()
    for r in session.execute(query):
        row = ConsultationRow(str(r.k), *(int(getattr(r, k) or 0) for k in COUNTS))
        table.by_department.append(row)
        for name in COUNTS:
            setattr(table.total, name, getattr(table.total, name) + getattr(row, name))
    table.by_department.sort(key=lambda r: (-r.held, r.name))
    return table
