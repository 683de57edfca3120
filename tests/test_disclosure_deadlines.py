"""依申请公开 clock as pure functions: 20 working days, 补正 within 7 and restarting the clock,
征求意见 pauses, one extension (政府信息公开条例 arts. 30–33)."""

from __future__ import annotations

from datetime import date

import pytest

from monitor.calendar import WorkCalendar
from monitor.disclosure.deadlines import (
    DisclosureState,
    Pause,
    correction_limit,
    disclosure_deadline,
    disclosure_state,
    paused_working_days,
)
from monitor.timeutil import parse_iso

CAL = WorkCalendar()
D = date.fromisoformat


def due(received: str, **kw: object) -> date:
    return disclosure_deadline(parse_iso(received), CAL, **kw).due_date  # type: ignore[arg-type]


def test_receipt_before_national_day_counts_from_the_next_working_day() -> None:
    # Mon 09-28: 09-29, 09-30, (10-01..07 rest), 10-08, 10-09, Sat 10-10 (make-up) … = 20th on 10-30
    assert due("2026-09-28T10:00") == D("2026-10-30")
    # received on the last day before the holiday: 10-08 is day 1
    assert due("2026-09-30T16:00") == D("2026-11-03")


def test_receipt_on_a_holiday_as_is_and_next_workday() -> None:
    # as-is: 10-08 is day 1, exactly like a receipt on 09-30
    assert due("2026-10-03T09:00") == D("2026-11-03")
    # next-workday: deemed received on 10-08, which is then not counted
    assert due("2026-10-03T09:00", receipt_on_rest_day="next-workday") == D("2026-11-04")


def test_extension_across_spring_festival() -> None:
    # Mon 2026-01-12 + 20 → Mon 02-09; + 20 more from there: 02-10..13, Sat 02-14 (make-up),
    # Spring Festival 02-15..23 rests, 02-24..27, Sat 02-28 (make-up), 03-02..06, 03-09..13
    assert due("2026-01-12T09:00") == D("2026-02-09")
    assert due("2026-01-12T09:00", extension_days=20) == D("2026-03-13")
    with pytest.raises(ValueError):
        due("2026-01-12T09:00", extension_days=21)


def test_correction_limit_is_the_seventh_working_day() -> None:
    assert correction_limit(parse_iso("2026-11-02T10:00"), CAL) == D("2026-11-11")
    # across National Day: 10-08, 10-09, Sat 10-10, 10-12, 10-13, 10-14, 10-15
    assert correction_limit(parse_iso("2026-09-30T10:00"), CAL) == D("2026-10-15")


def test_correction_restarts_the_clock_from_the_corrected_request() -> None:
    assert due("2026-11-02T10:00") == D("2026-11-30")
    # the corrected request arrives Mon 11-16: 20 working days from then, not from 11-02
    assert due("2026-11-16T15:00") == D("2026-12-14")


def test_pause_spanning_national_day_adds_only_its_working_days() -> None:
    # paused Tue 09-29, resumed Fri 10-09: after 09-29 up to and including 10-09 the working
    # days are 09-30, 10-08 and 10-09 (the holiday week costs nothing)
    assert paused_working_days(D("2026-09-29"), D("2026-10-09"), CAL) == 3
    pause = Pause(D("2026-09-29"), D("2026-10-09"))
    assert due("2026-09-28T10:00", pauses=[pause]) == D("2026-11-04")
    # resumed the same day: nothing added; a running pause adds nothing yet
    assert paused_working_days(D("2026-10-12"), D("2026-10-12"), CAL) == 0
    assert due("2026-09-28T10:00", pauses=[Pause(D("2026-09-29"))]) == D("2026-10-30")
    with pytest.raises(ValueError):
        paused_working_days(D("2026-10-12"), D("2026-10-09"), CAL)


def test_pause_and_extension_add_up_in_any_order() -> None:
    pause = Pause(D("2026-09-29"), D("2026-10-09"))
    both = due("2026-09-28T10:00", pauses=[pause], extension_days=20)
    # 11-04 + 20 working days
    assert both == D("2026-12-02")


def test_states() -> None:
    deadline = parse_iso("2026-11-30T16:00Z")  # 12-01 00:00 Shanghai
    warn = parse_iso("2026-11-27T00:00")
    at = parse_iso
    assert disclosure_state(deadline, warn, at("2026-11-20T10:00")) == DisclosureState.OPEN
    assert disclosure_state(deadline, warn, at("2026-11-27T10:00")) == DisclosureState.AT_RISK
    assert disclosure_state(deadline, warn, at("2026-12-01T00:00")) == DisclosureState.OVERDUE
    assert (
        disclosure_state(deadline, warn, at("2026-12-05T00:00"), paused=True)
        == DisclosureState.PAUSED
    )
    assert (
        disclosure_state(deadline, warn, at("2026-12-05T00:00"), correcting=True)
        == DisclosureState.CORRECTING
    )
    assert (
        disclosure_state(deadline, warn, at("2026-12-05T00:00"), done_at=at("2026-11-30T23:59"))
        == DisclosureState.REPLIED
    )
    assert (
        disclosure_state(deadline, warn, at("2026-12-05T00:00"), done_at=at("2026-12-01T00:01"))
        == DisclosureState.REPLIED_LATE
    )
