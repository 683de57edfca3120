"""The 政府信息公开工作年度报告's statistical part in the national format (国办公开办函〔2021〕
30号, docs/disclosure-and-reports.md): table 二 (entered by the office), table 三 (requests by outcome and numbered
reason against six kinds of applicant) and table 四 (行政复议 / 行政诉讼 by result), with the
format's cross-checks computed and every breach named.

Counting rules (口径), as docs/disclosure-and-reports.md states them (Asia/Shanghai years):
- 一、本年新收: requests first received in the year (the original receipt, not a 补正);
- 二、上年结转: requests received before the year and not closed when it began;
- 三、本年度办理结果: requests closed in the year (by the reply's time), whatever year they
  came in, by outcome and numbered reason; （七）总计 counts every one of them;
- 四、结转下年度继续办理: requests received by the year's end and not closed at it;
- table 四: cases filed in the year (`disclosure review --at`), with their current result.
So 一 + 二 = （七） + 四 holds for every column by construction, unless a request's dates
contradict each other (closed before received), which is named.

Producing the report of a year that is over stores its 结转下年度 row (counts and request ids)
as a snapshot; next year's report checks its 上年结转 against it and names the requests that
differ (entered after the report was produced, closed in last year after it, …). Requests closed
without a numbered reason (before the register asked for one) are counted in （七） but in no
numbered row: the cells that may be short are marked, never silently miscounted."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from monitor.db.models import (
    DisclosureHistory,
    DisclosureRequest,
    DisclosureReview,
    GovAnnualReport,
)
from monitor.disclosure.categories import (
    APPLICANT_TYPES,
    GROUP_NUMBERS,
    PLAIN_OUTCOMES,
    REASONS,
    RESULT_COLUMNS,
    REVIEW_CASES,
    row_label,
)
from monitor.disclosure.deadlines import OUTCOMES
from monitor.report.gov_table2 import load_table2, record
from monitor.timeutil import format_local, iso, local_date, start_of_day

TOTAL = "总计"
COLUMNS = (*APPLICANT_TYPES, TOTAL)
ROW_NEW = "一、本年新收政府信息公开申请数量"
ROW_CARRIED_IN = "二、上年结转政府信息公开申请数量"
RESULTS_HEADING = "三、本年度办理结果"
ROW_DONE = "（七）总计"
ROW_CARRIED_OUT = "四、结转下年度继续办理"
TABLE3_TITLE = "三、收到和处理政府信息公开申请情况"
TABLE3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
TABLE4_TITLE = "四、政府信息公开行政复议、行政诉讼情况"
CASES = tuple(REVIEW_CASES.values())
CASE_RESULTS = (*RESULT_COLUMNS.values(), TOTAL)


def result_rows() -> list[tuple[str, str | None, str]]:
    """Table 三's result rows in the format's order: (outcome, reason, label)."""
    rows: list[tuple[str, str | None, str]] = []
    for outcome in OUTCOMES:
        if outcome in PLAIN_OUTCOMES:
            rows.append((outcome, None, row_label(outcome)))
        else:
            rows += [(outcome, r, row_label(outcome, r)) for r in REASONS[outcome]]
    return rows


ROWS = (
    ROW_NEW,
    ROW_CARRIED_IN,
    *[label for _, _, label in result_rows()],
    ROW_DONE,
    ROW_CARRIED_OUT,
)


@dataclass
class Check:
    name: str
    ok: bool
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


@dataclass
class Mark:
    """A cell that rests on requests whose numbered reason is unknown (it may be short)."""

    row: str
    column: str
    requests: list[int]

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "requests": self.requests}


@dataclass
class GovAnnual:
    year: int
    as_of: datetime  # the year's end, or now while it runs
    generated_at: datetime
    final: bool  # the year is over: this is the report to publish
    table2: dict[str, dict[str, int | str]] | None
    table3: dict[str, dict[str, int]]
    table4: dict[str, dict[str, int]]
    checks: list[Check] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    carried_out_ids: list[int] = field(default_factory=list)
    carried_out_types: dict[int, str] = field(default_factory=dict)  # id → applicant type

    def mark(self, row: str, column: str) -> Mark | None:
        return next((m for m in self.marks if m.row == row and m.column == column), None)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def as_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "as_of": iso(self.as_of),
            "generated_at": iso(self.generated_at),
            "final": self.final,
            "table2": self.table2,
            "table3": self.table3,
            "table4": self.table4,
            "checks": [c.as_dict() for c in self.checks],
            "marks": [m.as_dict() for m in self.marks],
        }


def _blank_table3() -> dict[str, dict[str, int]]:
    return {row: {c: 0 for c in COLUMNS} for row in ROWS}


def _ids(ids: list[int], limit: int = 12) -> str:
    shown = "、".join(f"#{i}" for i in ids[:limit])
    return shown + (f" 等 {len(ids)} 件" if len(ids) > limit else "")


# ---------------------------------------------------------------------------------------


def build_gov_annual(session: Session, year: int, now: datetime) -> GovAnnual:
    """The year's tables and checks (a handful of grouped queries; carried requests, the only
    rows fetched one by one, are few)."""
    start, end = start_of_day(date(year, 1, 1)), start_of_day(date(year + 1, 1, 1))
    d = DisclosureRequest
    table3 = _blank_table3()
    unknown_types: set[int] = set()

    def column(applicant_type: str | None, rid: int | None = None) -> str:
        if applicant_type in APPLICANT_TYPES:
            return applicant_type
        if rid is not None:
            unknown_types.add(rid)
        return APPLICANT_TYPES[-1]  # 其他

    def add(row: str, applicant_type: str | None, n: int, rid: int | None = None) -> None:
        col = column(applicant_type, rid)
        table3[row][col] += n
        table3[row][TOTAL] += n

    def not_closed_at(moment: datetime) -> Any:
        return or_(d.done_at.is_(None), d.done_at >= moment)

    for applicant_type, n in session.execute(
        select(d.applicant_type, func.count())
        .where(d.first_received_at >= start, d.first_received_at < end)
        .group_by(d.applicant_type)
    ):
        add(ROW_NEW, applicant_type, n)
    carried_in = session.execute(
        select(d.id, d.applicant_type).where(d.first_received_at < start, not_closed_at(start))
    ).all()
    for rid, applicant_type in carried_in:
        add(ROW_CARRIED_IN, applicant_type, 1, rid)

    labels: dict[tuple[str | None, str | None], str] = {
        (o, r): label for o, r, label in result_rows()
    }
    unknown: dict[str, list[tuple[int, str]]] = defaultdict(list)  # outcome → (id, column)
    closed = and_(d.done_at >= start, d.done_at < end)
    for applicant_type, outcome, reason, n in session.execute(
        select(d.applicant_type, d.outcome, d.reason, func.count())
        .where(closed)
        .group_by(d.applicant_type, d.outcome, d.reason)
    ):
        add(ROW_DONE, applicant_type, n)
        if outcome in PLAIN_OUTCOMES:
            add(labels[(outcome, None)], applicant_type, n)
        elif (outcome, reason) in labels:
            add(labels[(outcome, reason)], applicant_type, n)
        # else: no (or no known) reason — found one by one below, counted in （七） only
    # only the requests without a known (outcome, reason) pair come back (few): the SQL
    # picks them, so a year of many requests is not walked row by row
    no_reason = or_(
        d.outcome.is_(None),
        d.outcome.not_in(OUTCOMES),
        *[
            and_(d.outcome == outcome, or_(d.reason.is_(None), d.reason.not_in(reasons)))
            for outcome, reasons in REASONS.items()
        ],
    )
    for rid, applicant_type, outcome, reason in session.execute(
        select(d.id, d.applicant_type, d.outcome, d.reason).where(closed, no_reason).order_by(d.id)
    ):
        if (outcome, reason) not in labels:
            group = outcome if outcome in REASONS else "其他处理"
            unknown[group].append((rid, column(applicant_type, rid)))

    carried_out = session.execute(
        select(d.id, d.applicant_type)
        .where(d.first_received_at < end, not_closed_at(end))
        .order_by(d.id)
    ).all()
    for rid, applicant_type in carried_out:
        add(ROW_CARRIED_OUT, applicant_type, 1, rid)

    table4 = {case: {r: 0 for r in CASE_RESULTS} for case in CASES}
    for kind, result, n in session.execute(
        select(DisclosureReview.kind, DisclosureReview.result, func.count())
        .where(DisclosureReview.filed_at >= start, DisclosureReview.filed_at < end)
        .group_by(DisclosureReview.kind, DisclosureReview.result)
    ):
        case = REVIEW_CASES.get(kind)
        if case is None:
            continue
        table4[case][RESULT_COLUMNS.get(result, "其他结果")] += n
        table4[case][TOTAL] += n

    report = GovAnnual(
        year=year,
        as_of=min(now, end),
        generated_at=now,
        final=now >= end,
        table2=load_table2(session, year),
        table3=table3,
        table4=table4,
        carried_out_ids=[rid for rid, _ in carried_out],
        carried_out_types={rid: t for rid, t in carried_out},
    )
    report.marks = _marks(unknown)
    report.checks = [
        _balance(report),
        _results_complete(report, unknown),
        _carry_over(session, report, {rid: t for rid, t in carried_in}, start),
        _dates(session, start, end),
        _table2_entered(report),
    ]
    if unknown_types:
        report.checks.append(
            Check(
                "申请人类型有效",
                False,
                f"{_ids(sorted(unknown_types))} 的申请人类型不在表三的六类之中，已计入「其他」；"
                "请用 disclosure amend ID --applicant-type … 更正",
            )
        )
    return report


def _marks(unknown: dict[str, list[tuple[int, str]]]) -> list[Mark]:
    """Every numbered row of an outcome with unknown reasons, in the columns concerned (and
    总计): those cells may be short by the requests listed."""
    marks: dict[tuple[str, str], list[int]] = {}
    for outcome, found in unknown.items():
        for rid, col in found:
            for reason in REASONS[outcome]:
                for c in (col, TOTAL):
                    marks.setdefault((row_label(outcome, reason), c), []).append(rid)
    order = {row: i for i, row in enumerate(ROWS)}
    return [
        Mark(row, col, sorted(ids))
        for (row, col), ids in sorted(
            marks.items(), key=lambda kv: (order[kv[0][0]], COLUMNS.index(kv[0][1]))
        )
    ]


def _balance(report: GovAnnual) -> Check:
    t = report.table3
    bad = [
        f"{c}：{t[ROW_NEW][c]}＋{t[ROW_CARRIED_IN][c]}≠{t[ROW_DONE][c]}＋{t[ROW_CARRIED_OUT][c]}"
        for c in COLUMNS
        if t[ROW_NEW][c] + t[ROW_CARRIED_IN][c] != t[ROW_DONE][c] + t[ROW_CARRIED_OUT][c]
    ]
    return Check(
        "一＋二＝三（七）＋四",
        not bad,
        "各列均相等" if not bad else "；".join(bad) + "（见「办结时间不早于收到时间」）",
    )


def _results_complete(report: GovAnnual, unknown: dict[str, list[tuple[int, str]]]) -> Check:
    t = report.table3
    numbered = [label for _, _, label in result_rows()]
    short = {c: t[ROW_DONE][c] - sum(t[row][c] for row in numbered) for c in COLUMNS}
    if not unknown and not any(short.values()):
        return Check("（七）总计＝（一）至（六）各项之和", True, "各列均相等")
    parts = [
        f"「{GROUP_NUMBERS.get(o, '')}{o}」{len(found)} 件（{_ids([rid for rid, _ in found])}）"
        for o, found in unknown.items()
    ]
    return Check(
        "（七）总计＝（一）至（六）各项之和",
        False,
        "办结时未登记具体理由的申请计入（七）总计，但不在任何分项中："
        + "，".join(parts)
        + "；表中相关单元格已标注 ※，请用 disclosure amend ID --reason … 补登",
    )


def _carry_over(
    session: Session, report: GovAnnual, carried_in: dict[int, str], start: datetime
) -> Check:
    """上年结转 against the 结转下年度 of the last report produced for the year before."""
    name = "二、上年结转＝上年度报告的四、结转下年度"
    previous = session.get(GovAnnualReport, report.year - 1)
    if previous is None or previous.carried_out is None or previous.produced_at is None:
        return Check(
            name,
            True,
            f"本系统没有生成过 {report.year - 1} 年度报告，无法核对；上年结转按登记簿计算"
            f"（{report.table3[ROW_CARRIED_IN][TOTAL]} 件）",
        )
    snapshot = previous.carried_out
    then: dict[str, int] = snapshot.get("counts", {})
    was = set(snapshot.get("ids", []))
    produced = format_local(previous.produced_at)
    problems = [
        f"{c} {report.table3[ROW_CARRIED_IN][c]}≠{then.get(c, 0)}"
        for c in COLUMNS
        if report.table3[ROW_CARRIED_IN][c] != then.get(c, 0)
    ]
    extra, gone = sorted(set(carried_in) - was), sorted(was - set(carried_in))
    types_then: dict[str, str] = snapshot.get("types", {})
    rows = (
        {
            r.id: r
            for r in session.scalars(
                select(DisclosureRequest).where(DisclosureRequest.id.in_(extra + gone))
            )
        }
        if extra or gone
        else {}
    )
    named = []
    for rid in extra:
        new = rows[rid]
        received = local_date(new.first_received_at).isoformat()
        if new.created_at > previous.produced_at:
            named.append(
                f"#{rid}（{received} 收到）在 {report.year - 1} 年度报告生成（{produced}）之后才登记，"
                "上年度报告既未计其办结也未计其结转"
            )
        else:
            named.append(
                f"#{rid}（{received} 收到）未列入 {report.year - 1} 年度报告的结转下年度"
                "（其办结记录在报告生成后被更改）"
            )
    for rid in gone:
        r = rows.get(rid)
        if r is None:
            named.append(f"#{rid} 在 {report.year - 1} 年度报告中结转下年度，现已不在登记簿中")
        elif r.done_at is not None and r.done_at < start:
            late = _recorded_after(session, rid, previous.produced_at)
            named.append(
                f"#{rid} 在 {report.year - 1} 年度报告中结转下年度，现记为 "
                f"{format_local(r.done_at)} 办结" + ("（办结于报告生成后补登）" if late else "")
            )
        else:
            named.append(
                f"#{rid} 在 {report.year - 1} 年度报告中结转下年度，现收到时间为 "
                f"{format_local(r.first_received_at)}"
            )
    for rid in sorted(set(carried_in) & was):
        before = types_then.get(str(rid))
        if before is not None and before != carried_in[rid]:
            named.append(f"#{rid} 的申请人类型在报告生成后由「{before}」改为「{carried_in[rid]}」")
    if not problems and not named:
        return Check(name, True, f"与 {produced} 生成的 {report.year - 1} 年度报告一致")
    return Check(
        name,
        False,
        f"与 {produced} 生成的 {report.year - 1} 年度报告不一致"
        + (f"（{'，'.join(problems)}）" if problems else "")
        + "："
        + "；".join(named or ["各类申请人的件数不同"]),
    )


def _recorded_after(session: Session, request_id: int, moment: datetime) -> bool:
    return bool(
        session.scalar(
            select(func.count())
            .select_from(DisclosureHistory)
            .where(
                DisclosureHistory.request_id == request_id,
                DisclosureHistory.action == "done",
                DisclosureHistory.recorded_at > moment,
            )
        )
    )


def _dates(session: Session, start: datetime, end: datetime) -> Check:
    """A request closed before it was received breaks 一＋二＝（七）＋四 (it is counted in one
    year's results and another year's new requests)."""
    d = DisclosureRequest
    # two index ranges (done_at, first_received_at) rather than one OR over the whole table
    ids = sorted(
        {
            rid
            for in_year in (
                and_(d.done_at >= start, d.done_at < end),
                and_(d.first_received_at >= start, d.first_received_at < end),
            )
            for rid in session.scalars(select(d.id).where(in_year, d.done_at < d.first_received_at))
        }
    )
    return Check(
        "办结时间不早于收到时间",
        not ids,
        "无" if not ids else f"{_ids(ids)} 的办结时间早于收到时间，请核对登记",
    )


def _table2_entered(report: GovAnnual) -> Check:
    return Check(
        "表二（主动公开）已填报",
        report.table2 is not None,
        "已填报"
        if report.table2 is not None
        else f"请在值班看板「统计报表」页填写 {report.year} 年度表二",
    )


# ---------------------------------------------------------------------------------------
# the snapshot


def store_snapshot(session: Session, report: GovAnnual, actor: str, now: datetime) -> bool:
    """Keep the 结转下年度 row of a year that is over (the report to publish): next year's
    上年结转 is checked against it. A report of a year still running is a preview and stores
    nothing. Returns whether it stored."""
    if not report.final:
        return False
    row = record(session, report.year)
    row.carried_out = {
        "counts": dict(report.table3[ROW_CARRIED_OUT]),
        "ids": list(report.carried_out_ids),
        "types": {str(rid): t for rid, t in report.carried_out_types.items()},
    }
    row.produced_at, row.produced_by = now, actor
    return True


def span_label(year: int) -> str:
    last = date(year + 1, 1, 1) - timedelta(days=1)
    return f"{year}-01-01 至 {last.isoformat()}"
