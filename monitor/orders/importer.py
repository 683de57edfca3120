"""`import-orders`: a 12345 work-order export onto the same clock as a crawled message.

Each work order becomes (or updates) a `Message` of the source: its 派单时间 is the receipt,
its deadline counts by the source's rule (`rule = "hotline"` → `[rules.hotline]`) through
`tracking.schedule_message`, like any crawled message; a 办结时间 marks it replied at that time.
Importing the same file again changes nothing (a row's fingerprint is kept); a changed row
updates its message (a new 派单时间 moves the deadline, a 办结时间 that appears or changes is
the reply, one that disappears reopens it). A work order missing from a later file is not
withdrawn: an export is a selection (a month, a department), not the whole list. `dry_run`
does all of it in a transaction that is rolled back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.app import App
from monitor.config import SourceConfig
from monitor.db.models import Message, Source
from monitor.deadlines import message_state
from monitor.errors import ConfigError
from monitor.orders.rows import OrdersFile, RowError, WorkOrder, read_orders
from monitor.orders.sources import orders_section
from monitor.tracking import mark_replied, schedule_message
from spiders.limits import clip_text
from spiders.orders_profile import OrdersSection
from spiders.profile import load_profile

log = logging.getLogger("monitor.orders")

Progress = Callable[[str], None]


@dataclass
class ImportResult:
    source: str
    file: str
    rule: str
    working_days: int
    dry_run: bool
    rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    replied: int = 0  # replies recorded by this import (new or changed 办结时间)
    skipped: int = 0  # rows that are not work orders (a 合计 line, a note)
    continued: int = 0  # rows that continued a work order above (same 工单编号)
    header_row: int = 0
    errors: list[RowError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "file": self.file,
            "rule": self.rule,
            "working_days": self.working_days,
            "header_row": self.header_row,
            "rows": self.rows,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "replied": self.replied,
            "skipped": self.skipped,
            "continued": self.continued,
            "errors": [e.as_dict() for e in self.errors],
            "dry_run": self.dry_run,
        }


def source_section(app: App, name: str) -> tuple[SourceConfig, OrdersSection]:
    """The source `name` and its work-order section, or a ConfigError saying what is wrong."""
    source = app.config.source(name)  # unknown → ConfigError naming the configured ones
    section = orders_section(app.config, source)
    if section is None:
        path = app.config.resolve(source.profile)
        load_profile(path)  # a broken profile: its own error, naming the file and key
        raise ConfigError(
            f"{path}: 数据源 {name!r} 的栏目 {source.section!r} 不是工单栏目"
            '（应有 kind = "orders" 和 columns），不能导入工单'
        )
    return source, section


def import_orders(
    app: App,
    source_name: str,
    path: Path,
    now: datetime | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Read `path` and write its work orders as messages of `source_name`."""
    now = now or app.now()
    source, section = source_section(app, source_name)
    rule = app.config.reply_rule(source.name)
    app.calendar  # a broken holidays.toml is a configuration error now, not a failed import

    def reading(done: int, total: int | None) -> None:
        if progress is not None:
            of = f" / {total}" if total else ""
            progress(f"正在读取 {path.name}：{done}{of} 行")

    parsed = read_orders(path, section, now, reading)
    result = ImportResult(
        source=source.name,
        file=str(path),
        rule=source.rule,
        working_days=rule.working_days,
        dry_run=dry_run,
        rows=parsed.rows,
        skipped=parsed.skipped,
        continued=parsed.continued,
        header_row=parsed.header_row,
        errors=list(parsed.errors),
    )
    with app.session() as session:
        _write(session, app, source, section, parsed, now, result, progress)
        if dry_run:
            session.rollback()
        else:
            _record(session, source, result, now)
            session.commit()
    log.info(
        "import-orders %s from %s: %d rows, %d new, %d updated, %d unchanged, %d replied, "
        "%d skipped, %d bad%s",
        source.name,
        path,
        result.rows,
        result.new,
        result.updated,
        result.unchanged,
        result.replied,
        result.skipped,
        len(result.errors),
        " (dry run)" if dry_run else "",
    )
    return result


def _write(
    session: Session,
    app: App,
    source: SourceConfig,
    section: OrdersSection,
    parsed: OrdersFile,
    now: datetime,
    result: ImportResult,
    progress: Progress | None,
) -> None:
    replied_words = set(section.status.replied)
    existing = _existing(session, source.name, [o.external_id for o in parsed.orders])
    fresh: list[tuple[Message, WorkOrder]] = []
    total = len(parsed.orders)
    for done, order in enumerate(parsed.orders, start=1):
        if progress is not None and done % 250 == 0:
            progress(f"正在写入：{done} / {total} 条工单")
        fingerprint = order.fingerprint()
        message = existing.get(order.external_id)
        if message is None:
            message = Message(
                source=source.name,
                external_id=order.external_id,
                kind="reply",
                title="",
                posted_at=order.posted_at,
                first_seen=now,
                last_seen=now,
                missed_passes=0,
                # placeholders until schedule_message below, in this transaction
                due_date=order.posted_at.date(),
                deadline=order.posted_at,
                state="open",
            )
            _apply(message, order, source)
            message.content_hash = fingerprint
            fresh.append((message, order))
        elif message.content_hash == fingerprint:
            result.unchanged += 1
        else:
            _update(session, app, message, order, source, replied_words, now, result)
            message.content_hash = fingerprint
            result.updated += 1
    if not fresh:
        return
    # one INSERT for all new rows, then no flush per message (as a first crawl does)
    session.add_all([m for m, _ in fresh])
    session.flush()
    calendar = app.calendar  # read once: the property checks holidays.toml on every use
    with session.no_autoflush:
        for message, order in fresh:
            schedule_message(session, message, app.config, calendar, now, new=True)
            if _reply(message, order, replied_words, now):
                result.replied += 1
            result.new += 1


def _existing(session: Session, source: str, external_ids: list[str]) -> dict[str, Message]:
    found: dict[str, Message] = {}
    for start in range(0, len(external_ids), 500):
        chunk = external_ids[start : start + 500]
        for message in session.scalars(
            select(Message).where(Message.source == source, Message.external_id.in_(chunk))
        ):
            found[message.external_id] = message
    return found


def _apply(message: Message, order: WorkOrder, source: SourceConfig) -> None:
    values = order.values
    body = clip_text(values.get("body"))[0]
    title = values.get("title") or _title_from(body) or f"工单 {order.external_id}"
    message.title = title
    message.body = body
    message.department = values.get("department") or source.department_default
    message.status_text = values.get("status_text")
    message.category = values.get("category")
    message.author = values.get("author")
    message.url = values.get("url")
    if values.get("reply"):
        message.reply = clip_text(values.get("reply"))[0]
    if values.get("reply_department"):
        message.reply_department = values.get("reply_department")


def _title_from(body: str | None) -> str | None:
    """An export without a 标题 column: the first line of the 诉求内容, shortened."""
    if not body:
        return None
    line = body.strip().splitlines()[0].strip()
    return line if len(line) <= 40 else line[:40] + "…"


def _reply(message: Message, order: WorkOrder, replied_words: set[str], now: datetime) -> bool:
    """Mark the message replied from the row; True when a reply was recorded now."""
    if order.replied_at is not None:
        if message.replied_at != order.replied_at or message.replied_at_approx:
            mark_replied(message, order.replied_at, False, now)
            return True
        return False
    status = (order.values.get("status_text") or "").strip()
    if status and status in replied_words and message.replied_at is None:
        mark_replied(message, now, True, now)  # the status alone: replied by the time seen
        return True
    return False


def _update(
    session: Session,
    app: App,
    message: Message,
    order: WorkOrder,
    source: SourceConfig,
    replied_words: set[str],
    now: datetime,
    result: ImportResult,
) -> None:
    """A row that changed since the last import."""
    _apply(message, order, source)
    message.last_seen = now
    if message.posted_at != order.posted_at:
        message.posted_at = order.posted_at
        schedule_message(session, message, app.config, app.calendar, now)
    if _reply(message, order, replied_words, now):
        result.replied += 1
    elif (
        order.replied_at is None
        and message.replied_at is not None
        and not _said_replied(order, replied_words)
    ):
        # the 办结时间 is gone (the order was sent back, 重办): it runs on its clock again
        message.replied_at = None
        message.replied_at_approx = False
        state = message_state(message.deadline, message.first_warning_at, now, None)
        if message.state != state.value:
            message.state = state.value
            message.state_changed_at = now


def _said_replied(order: WorkOrder, replied_words: set[str]) -> bool:
    return (order.values.get("status_text") or "").strip() in replied_words


def _record(session: Session, source: SourceConfig, result: ImportResult, now: datetime) -> None:
    """The source's row for `status`: imported now, with the bad rows as a warning."""
    row = session.scalar(select(Source).where(Source.name == source.name))
    if row is None:
        row = Source(name=source.name, kind="orders", healthy=True, consecutive_failures=0)
        session.add(row)
    row.kind = "orders"
    row.healthy = True
    row.reason = None
    row.last_success = now
    row.last_rows = result.rows
    row.warning = (
        f"上次导入有 {len(result.errors)} 行未导入（{Path(result.file).name}）"
        if result.errors
        else None
    )
