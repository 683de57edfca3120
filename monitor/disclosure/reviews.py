"""行政复议 and 行政诉讼 about a request (`disclosure review`, docs/disclosure-and-reports.md): what table 四 of
the annual report counts. One case per kind and request; calling again with the same kind
updates its result (a case 未审结 when filed is later 维持 or 纠正). `filed_at` is when the
case was filed and decides the year it counts in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from monitor.db.models import DisclosureRequest, DisclosureReview
from monitor.disclosure.categories import REVIEW_KIND_ZH, REVIEW_KINDS, REVIEW_RESULTS
from monitor.disclosure.register import Context, _not_before, _not_future, _record, get_request
from monitor.errors import MonitorError
from monitor.timeutil import format_local, iso


def review_request(
    session: Session,
    ctx: Context,
    request_id: int,
    kind: str,
    result: str,
    at: datetime | None = None,
) -> tuple[DisclosureRequest, DisclosureReview, bool]:
    """Record (or update) a case about the request; returns (request, case, created).

    A direct lawsuit (`诉讼`) and a 复议 on one request exclude each other: after a 复议 the
    lawsuit is `复议后诉讼`, and it cannot be filed before that 复议."""
    if kind not in REVIEW_KINDS:
        raise MonitorError(f"--kind {kind!r} 无效，应为 {'、'.join(REVIEW_KINDS)} 之一")
    if result not in REVIEW_RESULTS:
        raise MonitorError(f"--result {result!r} 无效，应为 {'、'.join(REVIEW_RESULTS)} 之一")
    request = get_request(session, request_id)
    cases = {r.kind: r for r in request.reviews}
    existing = cases.get(kind)
    filed = at if at is not None else (existing.filed_at if existing else ctx.now)
    _not_before(filed, request.first_received_at, "立案时间", "收到申请时间")
    _not_future(filed, ctx, "立案时间")
    if kind == "诉讼" and "复议" in cases:
        raise MonitorError(f"申请 #{request.id} 已登记行政复议，之后的起诉请用 --kind 复议后诉讼")
    if kind == "复议" and "诉讼" in cases:
        raise MonitorError(
            f"申请 #{request.id} 已登记未经复议直接起诉的行政诉讼，不能再登记行政复议"
        )
    if kind == "复议后诉讼" and "复议" in cases and filed < cases["复议"].filed_at:
        raise MonitorError(
            f"复议后起诉的立案时间 {format_local(filed)} 早于行政复议立案时间 "
            f"{format_local(cases['复议'].filed_at)}"
        )
    if kind == "复议" and "复议后诉讼" in cases and filed > cases["复议后诉讼"].filed_at:
        raise MonitorError(
            f"行政复议立案时间 {format_local(filed)} 晚于复议后起诉的立案时间 "
            f"{format_local(cases['复议后诉讼'].filed_at)}"
        )
    created = existing is None
    before = (
        None
        if existing is None
        else {"result": existing.result, "filed_at": iso(existing.filed_at)}
    )
    if existing is None:
        existing = DisclosureReview(kind=kind, result=result, filed_at=filed, updated_at=ctx.now)
        request.reviews.append(existing)
    else:
        existing.result, existing.filed_at, existing.updated_at = result, filed, ctx.now
    request.updated_at = ctx.now
    session.flush()
    _record(
        session,
        request,
        "review",
        filed,
        ctx,
        kind=kind,
        kind_label=REVIEW_KIND_ZH[kind],
        result=result,
        before=before,
    )
    return request, existing, created
