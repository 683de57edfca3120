"""依申请公开 alerts as render items: the request's title, department, clock and the 补正
limit. The applicant's name is shown as 张** and contacts masked (monitor.masking); the title
goes through the same masking and escaping as every citizen text."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from alerts.outbox import AlertKind
from alerts.render import NO_DEPARTMENT, Item, clock
from monitor.masking import mask, mask_name
from monitor.timeutil import format_local

CHANNEL_ZH = {"网上": "网上申请", "信函": "信函申请", "当面": "当面申请"}


def disclosure_item(alert: Any, request: Any, now: datetime) -> Item:
    department = request.department or NO_DEPARTMENT
    fields = [("部门", department)]
    if request.applicant:
        fields.append(("申请人", mask_name(request.applicant)))
    if request.contact:
        fields.append(("联系方式", _mask_contact(request.contact)))
    if request.channel:
        fields.append(("申请方式", CHANNEL_ZH.get(request.channel, request.channel)))
    fields.append(("收到时间", format_local(request.first_received_at)))
    if request.corrected_at is not None:
        fields.append(("补正后收到", format_local(request.corrected_at)))
    if alert.kind == AlertKind.DISCLOSURE_CORRECTION:
        fields += [
            ("补正告知最迟", f"{request.correction_due.isoformat()} 24:00"),
            ("说明", "申请内容不明确的，须在今日内一次性告知申请人补正；逾期不得再要求补正"),
        ]
        short = f"补正告知 {request.correction_due.strftime('%m-%d')} 截止"
    else:
        due = f"{request.due_date.isoformat()} 24:00"
        if request.extension_days:
            due += f"（已延期 {request.extension_days} 个工作日）"
        if request.provisional:
            due += "（暂按周末推算，节假日安排待补充）"
        fields += [("答复期限", due), ("时限", clock(request.deadline, now))]
        short = f"截止 {request.due_date.strftime('%m-%d')}"
    return Item(
        alert.id, alert.kind, False, department, request.title or "（无标题）", fields, None, short
    )


def _mask_contact(contact: str) -> str:
    """Phones and e-mail addresses masked; anything else (an address, a QQ number) is cut to
    its first characters, since it identifies the applicant just as well."""
    masked = mask(contact)
    if masked != contact:
        return masked
    return contact[:2] + "***" if len(contact) > 2 else "***"
