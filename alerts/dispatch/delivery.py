"""Piece delivery: the prepared alerts' targets grouped per channel into messages (one per
summary; in sections per department otherwise), each rendered and split once and kept
(outgoing_messages) with its pieces. After each piece the channel accepted, the count of
pieces sent is committed, so a retry or a restart (even after kill -9) sends only the pieces
not yet accepted; a message begun earlier goes on from its next piece. A target is recorded
(alert_deliveries) when its message's last piece was accepted, in the commit after the count.
The one case that stays at-least-once: a piece the channel accepted whose answer never
arrived, or arrived in a process that died before it committed the count, is sent again."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.channels import Notifier
from alerts.channels.base import ChannelBroken, ChannelError, MessageRejected
from alerts.dispatch.fallback import Channels
from alerts.dispatch.result import DispatchResult
from alerts.dispatch.routing import is_urgent, one_per_channel
from alerts.dispatch.window import record_window
from alerts.dispatch.work import Entry, Work
from alerts.health import ChannelHealth
from alerts.outbox import AlertStatus
from alerts.render import Item, Outgoing, compose
from alerts.summary import summary_for_alert
from monitor.db.models import Alert, AlertDelivery, OutgoingMessage

if TYPE_CHECKING:
    from monitor.app import App

log = logging.getLogger("alerts.dispatch")

AfterPiece = Callable[[str, int, int], None]  # (channel, piece index, pieces in the message)
BucketKey = tuple[str, bool, int]  # channel, urgent, summary alert id (else 0)


@dataclass
class _Bucket:
    key: BucketKey
    entries: list[Entry]
    row: OutgoingMessage | None = None  # a message begun earlier: resume its pieces

    @property
    def channel(self) -> str:
        return self.key[0]


class Delivery:
    """The delivery of one dispatch: buckets of entries per channel, each sent as one message
    whose pieces are recorded one by one; a failing channel's entries move to its fallback."""

    def __init__(
        self,
        app: App,
        session: Session,
        work: list[Work],
        notifiers: dict[str, Notifier],
        moment: datetime,
        result: DispatchResult,
        health: ChannelHealth,
        after_piece: AfterPiece | None,
    ) -> None:
        self.app, self.session, self.work = app, session, work
        self.channels = Channels(notifiers)
        self.moment, self.result, self.health = moment, result, health
        self.after_piece = after_piece
        self.buckets: list[_Bucket] = []

    def run(self) -> None:
        in_flight = self._resumable()
        for w in self.work:
            for target, _route in w.targets:
                if not w.delivered(target) and (w.alert.id, target) not in in_flight:
                    channel = self.channels.next_channel(w, target)
                    if channel is not None:
                        self._add(w, target, channel)
        # messages begun earlier first, then urgent ones: a crisis never waits behind a digest
        self.buckets.sort(key=lambda b: (b.row is None, not b.key[1], b.key[0]))
        while self.buckets:
            self._send(self.buckets.pop(0))

    # -- grouping -----------------------------------------------------------------------
    def _resumable(self) -> set[tuple[int, str]]:
        """Messages begun by an earlier dispatch and not finished, whose alerts are all
        claimed now: they go on from the first piece not yet accepted."""
        by_id = {w.alert.id: w for w in self.work}
        if not by_id:
            return set()
        taken: set[tuple[int, str]] = set()
        rows = self.session.scalars(
            select(OutgoingMessage)
            .where(OutgoingMessage.finished_at.is_(None))
            .order_by(OutgoingMessage.id)
        )
        waiting: list[OutgoingMessage] = []
        for row in rows:
            entries = [(int(a), str(t)) for a, t in row.entries]
            if not entries or not all(a in by_id for a, _ in entries):
                waiting.append(row)
                continue
            live = [(by_id[a], t) for a, t in entries if not by_id[a].delivered(t)]
            if not live:
                row.finished_at, row.outcome = self.moment, "abandoned"
                continue
            for w, t in live:
                route = w.route(t)
                w.position[t] = route.index(row.channel) if row.channel in route else 0
                taken.add((w.alert.id, t))
            first = live[0][0].alert
            self.buckets.append(_Bucket((row.channel, is_urgent(first), row.id), live, row))
        self._close_orphans(waiting)
        self.session.commit()
        return taken

    def _close_orphans(self, rows: list[OutgoingMessage]) -> None:
        """A begun message none of whose alerts is pending any more (acknowledged, failed for
        good) will never be resumed: close it, so the list of open messages stays short."""
        ids = {int(a) for row in rows for a, _ in row.entries}
        if not ids:
            return
        pending = set(
            self.session.scalars(
                select(Alert.id).where(
                    Alert.id.in_(sorted(ids)), Alert.status == AlertStatus.PENDING.value
                )
            )
        )
        for row in rows:
            if not any(int(a) in pending for a, _ in row.entries):
                row.finished_at, row.outcome = self.moment, "abandoned"

    def _add(self, w: Work, target: str, channel: str) -> None:
        # summaries are one message each; other alerts group per channel and urgency
        key = (channel, is_urgent(w.alert), w.alert.id if one_per_channel(w.alert) else 0)
        for bucket in self.buckets:
            if bucket.key == key and bucket.row is None:
                bucket.entries.append((w, target))
                return
        self.buckets.append(_Bucket(key, [(w, target)]))

    def _fall_back(self, entries: list[Entry], why: str) -> bool:
        """Move each entry to its fallback; True when any moved."""
        moved = False
        for w, target in entries:
            w.error = why
            w.position[target] += 1
            channel = self.channels.next_channel(w, target)
            if channel is not None:
                self._add(w, target, channel)
                moved = True
        return moved

    # -- sending ------------------------------------------------------------------------
    def _send(self, bucket: _Bucket) -> None:
        name = bucket.channel
        why = self.channels.why_not(name)
        if why is not None:
            self._failed(bucket, why)
            return
        notifier = self.channels.notifiers[name]
        try:
            row = bucket.row or self._begin(bucket, notifier)
            if row is None:
                return
            self._pieces(row, bucket, notifier)
        except MessageRejected as exc:  # this message only: the channel stays usable, healthy
            why = f"{notifier.describe()}：{exc}"
            log.warning("message refused: %s", why)
            self.result.errors.append(why)
            self._failed(bucket, why)  # its fallback, if any; else retried later
        except ChannelError as exc:
            why = f"{notifier.describe()}：{exc}"
            log.warning("delivery failed: %s", why)
            self.result.errors.append(why)
            if isinstance(exc, ChannelBroken):
                self.health.broken(name, notifier.broken or str(exc), self.moment)
            else:
                self.health.failing(name, str(exc), self.moment)
            self.channels.refuse(name, why)
            self._failed(bucket, why)
        except Exception as exc:  # a bug or surprise in one channel must not stop the others
            log.exception("channel %r failed unexpectedly", name)
            why = f"{notifier.describe()}：意外错误 {type(exc).__name__}: {exc}"
            self.result.errors.append(why)
            self.health.failing(name, f"{type(exc).__name__}: {exc}", self.moment)
            self.channels.refuse(name, why)
            self._failed(bucket, why)

    def _failed(self, bucket: _Bucket, why: str) -> None:
        if self._fall_back(bucket.entries, why) and bucket.row is not None:
            # its alerts went to a fallback: this message is not resumed later
            bucket.row.finished_at, bucket.row.outcome = self.moment, "abandoned"
            self.session.commit()

    def _begin(self, bucket: _Bucket, notifier: Notifier) -> OutgoingMessage | None:
        """Render and split the message once, and keep it with its pieces."""
        try:
            outgoing = _outgoing(self.app, bucket.entries, self.moment)
        except Exception as exc:  # a rendering bug must not stop the other deliveries
            ids = [w.alert.id for w, _ in bucket.entries]
            log.exception("cannot render alerts %s", ids)
            for w, _ in bucket.entries:
                w.error = f"无法生成提醒内容：{type(exc).__name__}: {exc}"
            self.result.errors.append(f"无法生成提醒 {ids} 的内容：{exc}")
            return None
        pieces = notifier.pieces(outgoing)
        row = OutgoingMessage(
            channel=bucket.channel,
            entries=[[w.alert.id, t] for w, t in bucket.entries],
            pieces=[notifier.encode_piece(p) for p in pieces],
            pieces_sent=0,
            created_at=self.moment,
        )
        self.session.add(row)
        self.session.commit()
        return row

    def _pieces(self, row: OutgoingMessage, bucket: _Bucket, notifier: Notifier) -> None:
        total = len(row.pieces)

        def keep_window() -> None:
            # before the request leaves: a process that dies with this piece in flight (the
            # robot may take it) has it counted in the window the next process starts from
            record_window(self.session, row.channel, notifier, self.moment)
            self.session.commit()

        notifier.before_send = keep_window
        try:
            self._send_pieces(row, bucket, notifier, total)
        finally:
            notifier.before_send = None
        if row.finished_at is None:
            # no pieces at all, or every piece was counted by a process that died before it
            # recorded the deliveries: they are delivered, nothing is sent again
            self._finish(row, bucket)
            self.session.commit()
        self.health.ok(bucket.channel, self.moment)

    def _send_pieces(
        self, row: OutgoingMessage, bucket: _Bucket, notifier: Notifier, total: int
    ) -> None:
        for index in range(row.pieces_sent, total):
            notifier.send_piece(notifier.decode_piece(row.pieces[index]))
            answered = time.monotonic()
            # The one at-least-once window is the channel's answer → this commit (a death in
            # it sends the piece again), so it carries the count alone: the last piece's
            # deliveries follow in the next commit.
            row.pieces_sent = index + 1
            self.session.commit()
            recorded = time.monotonic()
            if row.pieces_sent == total:
                self._finish(row, bucket)
                self.session.commit()
            log.info(
                "message %d piece %d/%d accepted by %s; recorded %.0f ms after the answer",
                row.id,
                index + 1,
                total,
                row.channel,
                (recorded - answered) * 1000,
            )
            self.result.messages_sent += 1
            if self.after_piece is not None:
                self.after_piece(row.channel, index, total)

    def _finish(self, row: OutgoingMessage, bucket: _Bucket) -> None:
        row.finished_at, row.outcome = self.moment, "sent"
        for w, target in bucket.entries:
            w.done[target] = bucket.channel
            self.session.add(
                AlertDelivery(
                    alert_id=w.alert.id, target=target, channel=bucket.channel, sent_at=self.moment
                )
            )


def _outgoing(app: App, entries: list[Entry], now: datetime) -> Outgoing:
    first = entries[0][0].alert
    if one_per_channel(first):
        return summary_for_alert(app, first, now)
    seen: dict[int, Item] = {}
    for w, _ in entries:
        if w.item is not None:
            seen.setdefault(w.alert.id, w.item)
    return compose(list(seen.values()))
