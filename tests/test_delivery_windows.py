"""Issue 23 item 10: the windows that widened under load in `benchmarks/faults.py --only kill9`.

1. The robot's rate window. Each restarted daemon (and each CLI `dispatch`) began with an
   empty rate limiter; after a busy minute the robot answered 45009 and the channel waited
   the whole minute (recoveries of 63 s). The sends are now kept (alerts/dispatch/window.py)
   and a new process waits only for what is left of the window, without a 45009.
2. The answer → record window. The last piece's commit also wrote every delivery of the
   message, so it was the slowest; now the count is committed alone, first. A process that
   dies between the two commits leaves a message whose pieces were all accepted: the next
   dispatch records its deliveries and sends nothing again."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

import alerts.dispatch.delivery as delivery
from alerts.channels import SimulatedTiming, build_channels
from alerts.dispatch import dispatch
from alerts.dispatch.claims import release_dead_claims
from alerts.dispatch.window import record_window, seed_windows
from monitor.db.models import AlertDelivery, Meta, OutgoingMessage
from monitor.demo.sinks import ERRMSG, FakeWecom
from monitor.sweep import sweep
from tests.conftest import add_message, at, channels_toml, outbox_rows
from tests.test_alerts_delivery import Killed, _sixty_overdue


def test_a_new_process_waits_out_the_robots_window_instead_of_earning_45009(
    make_app, wecom: FakeWecom, timing: SimulatedTiming
) -> None:
    app = make_app(channels_toml(wecom), now="2026-11-16T10:00")
    # the process before: twenty pieces to the robot within 30 s, each kept as the dispatcher
    # keeps it, then it dies
    before = build_channels(app.config, timing)["office"]
    with app.session() as session:
        for n in range(20):
            before.send_piece({"msgtype": "text", "text": {"content": f"之前的第{n}条"}})
            record_window(session, "office", before, app.now())
            timing.sleep(1.5)
    assert [code for _, _, code in wecom.requests] == [0] * 20
    # the next process (new channels, so an empty limiter) dispatches an alert
    add_message(app, "a1", "2026-11-16T09:00", title="噪音扰民")
    sweep(at(app, "2026-11-24T10:00"))
    slept = timing.slept
    result = dispatch(app, timing=timing, channels=build_channels(app.config, timing))
    assert result.sent == 1
    assert [code for _, _, code in wecom.requests][20:] == [0]  # no 45009 first
    waited = timing.slept - slept
    assert 0 < waited <= 60 - 20 * 1.5 + 1.5  # what was left of the minute, not a minute


def test_without_the_kept_window_the_robot_answers_45009_and_a_minute_is_lost(
    make_app, wecom: FakeWecom, timing: SimulatedTiming
) -> None:
    """The same, with the record lost (as before the fix): what the fix avoids."""
    app = make_app(channels_toml(wecom), now="2026-11-16T10:00")
    before = build_channels(app.config, timing)["office"]
    for n in range(20):
        before.send_piece({"msgtype": "text", "text": {"content": f"之前的第{n}条"}})
        timing.sleep(1.5)
    add_message(app, "a1", "2026-11-16T09:00", title="噪音扰民")
    sweep(at(app, "2026-11-24T10:00"))
    slept = timing.slept
    assert dispatch(app, timing=timing, channels=build_channels(app.config, timing)).sent == 1
    assert [code for _, _, code in wecom.requests][20:] == [45009, 0]
    assert timing.slept - slept >= 59 and "45009" in str(ERRMSG)


def test_seeding_keeps_only_the_current_window_and_ignores_another_clock(
    make_app, wecom: FakeWecom, timing: SimulatedTiming
) -> None:
    app = make_app(channels_toml(wecom), now="2026-11-16T10:00")
    timing.sleep(1000)
    channels = build_channels(app.config, timing)
    office = channels["office"]
    assert office.limiter is not None
    with app.session() as session:
        # a minute and a half ago (gone), 10 s ago (counts), a real clock's epoch (ignored)
        session.add(Meta(key="rate-window.office", value="[910.0, 990.0, 1765000000.0]"))
    with app.session() as session:
        seed_windows(session, channels)
    assert office.limiter.seeded and len(office.limiter.sent) == 1
    assert office.limiter.history() == [pytest.approx(990.0)]


def test_killed_between_the_count_and_the_deliveries_nothing_is_sent_again(
    make_app, wecom: FakeWecom, timing: SimulatedTiming, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(channels_toml(wecom), now="2026-11-16T10:00")
    _sixty_overdue(app)
    counted: list[int] = []
    finish = delivery.Delivery._finish

    def die_before_the_deliveries(self, row, bucket) -> None:  # noqa: ANN001
        with app.session() as other:  # what another process sees now
            counted.append(other.get(OutgoingMessage, row.id).pieces_sent)
        raise Killed

    monkeypatch.setattr(delivery.Delivery, "_finish", die_before_the_deliveries)
    with pytest.raises(Killed):
        dispatch(app, timing=timing, claimant="daemon:1@old")
    # the last piece's count (3 of 3) was committed on its own, before its deliveries
    assert counted == [3]
    with app.session() as session:
        assert session.scalar(select(func.count()).select_from(AlertDelivery)) == 0
    monkeypatch.setattr(delivery.Delivery, "_finish", finish)
    assert len(wecom.contents("office")) == 3
    assert release_dead_claims(app, me="daemon:2@new") == 60
    result = dispatch(app, timing=timing, claimant="daemon:2@new")
    assert (result.sent, result.messages_sent) == (60, 0)  # recorded, not sent again
    assert len(wecom.contents("office")) == 3
    assert {r["status"] for r in outbox_rows(app)} == {"sent"}


def test_the_window_is_kept_before_each_request_leaves(
    make_app, wecom: FakeWecom, timing: SimulatedTiming
) -> None:
    """A piece in flight at a kill may be taken by the robot: the next process must count
    it, so the window is kept before the request, not after the answer."""
    app = make_app(channels_toml(wecom), now="2026-11-16T10:00")
    _sixty_overdue(app)
    kept: list[int] = []

    def look(channel: str, index: int, total: int) -> None:
        with app.session() as other:
            row = other.get(Meta, "rate-window.office")
            kept.append(len(json.loads(row.value)) if row else 0)

    wecom.script([0, 0, 500, 500, 500, 500, 500])  # the third piece never gets through
    dispatch(app, timing=timing, after_piece=look)
    assert kept == [1, 2]
    with app.session() as session:
        # the five tries of the third piece are in the window too: the robot may have taken one
        assert len(json.loads(session.get(Meta, "rate-window.office").value)) == 2 + 5


def test_a_45009_despite_the_kept_window_waits_for_a_slot_not_a_minute(
    make_app, wecom: FakeWecom, timing: SimulatedTiming
) -> None:
    """The process before died with its last piece in flight: the robot took it, nothing
    recorded it. The next process knows 19 of the robot's 20 sends; the robot answers 45009
    and the channel waits until the oldest known send leaves the window (30 s here)."""
    app = make_app(channels_toml(wecom), now="2026-11-16T10:00")
    before = build_channels(app.config, timing)["office"]
    with app.session() as session:
        for n in range(20):
            before.send_piece({"msgtype": "text", "text": {"content": f"之前的第{n}条"}})
            if n < 19:  # the twentieth was in flight at the kill: never recorded
                record_window(session, "office", before, app.now())
            timing.sleep(1.5)
    add_message(app, "a1", "2026-11-16T09:00", title="噪音扰民")
    sweep(at(app, "2026-11-24T10:00"))
    slept = timing.slept
    assert dispatch(app, timing=timing, channels=build_channels(app.config, timing)).sent == 1
    assert [code for _, _, code in wecom.requests][20:] == [45009, 0]
    assert timing.slept - slept == pytest.approx(60 - 20 * 1.5)
