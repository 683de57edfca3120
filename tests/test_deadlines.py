"""Deadlines as pure functions: reply limits on the working-day calendar, crisis clocks,
warning stages and state transitions (docs/time-rules.md)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from monitor.calendar import UnknownYear, WorkCalendar
from monitor.deadlines import (
    MessageState,
    MilestoneState,
    clock_stages,
    crisis_deadlines,
    extended_deadline,
    first_warning,
    message_state,
    milestone_state,
    reply_stages,
    state_at,
    working_day_deadline,
)
from monitor.timeutil import UTC, parse_duration, parse_iso

CAL = WorkCalendar()
D = date.fromisoformat


def due(received: str, n: int = 5, mode: str = "as-is") -> date:
    return working_day_deadline(parse_iso(received), n, CAL, mode).due_date  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "received, mode, expected",
    [
        # the examples of docs/time-rules.md
        ("2024-09-27T10:00", "as-is", "2024-10-10"),  # Sun 09-29 is a make-up workday
        ("2025-12-20T10:00", "as-is", "2025-12-26"),  # Saturday receipt, as-is
        ("2025-12-20T10:00", "next-workday", "2025-12-29"),  # deemed received Mon 12-22
        # receipt on a holiday
        ("2024-10-03T09:00", "as-is", "2024-10-12"),  # 10-08..11 + Sat 10-12 make-up
        ("2024-10-03T09:00", "next-workday", "2024-10-14"),  # deemed received Tue 10-08
        ("2026-02-17T12:00", "as-is", "2026-02-28"),  # Spring Festival; Sat 02-28 works
        ("2026-02-17T12:00", "next-workday", "2026-03-02"),
        # receipt on a make-up workday: it is a working day, both modes agree
        # (09-21..24, then Mid-Autumn Fri 09-25 and the weekend, then Mon 09-28)
        ("2026-09-20T15:00", "as-is", "2026-09-28"),
        ("2026-09-20T15:00", "next-workday", "2026-09-28"),
        ("2026-10-10T15:00", "as-is", "2026-10-16"),
        # across National Day 2026 (10-01..07 off)
        ("2026-09-29T10:00", "as-is", "2026-10-12"),  # 09-30, 10-08, 09, 10(Sat), 12
        # an ordinary week
        ("2026-11-23T09:00", "as-is", "2026-11-30"),
        # late at night is still that Shanghai day
        ("2026-11-23T23:59", "as-is", "2026-11-30"),
    ],
)
def test_reply_due_dates(received: str, mode: str, expected: str) -> None:
    assert due(received, mode=mode) == D(expected)


def test_receipt_day_is_the_shanghai_date_of_a_utc_instant() -> None:
    # Thu 2026-11-26T17:00Z is already Fri 11-27 01:00 in Shanghai: day 1 is Mon, not Fri.
    utc_receipt = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)
    assert working_day_deadline(utc_receipt, 1, CAL).due_date == D("2026-11-30")
    # 2025-12-31T16:30Z is New Year's Day 00:30 there; 01-02/03 off, Sun 01-04 a make-up day
    assert working_day_deadline(datetime(2025, 12, 31, 16, 30, tzinfo=UTC), 1, CAL).due_date == D(
        "2026-01-04"
    )


def test_deadline_is_2400_of_the_due_date_in_shanghai() -> None:
    result = working_day_deadline(parse_iso("2026-11-23T09:00"), 5, CAL)
    assert result.deadline == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # 24:00 +08:00
    assert not result.provisional


def test_unknown_year_makes_a_provisional_deadline() -> None:
    result = working_day_deadline(parse_iso("2026-12-28T10:00"), 5, CAL)
    assert result.provisional and result.due_date == D("2027-01-04")
    with pytest.raises(UnknownYear) as err:
        working_day_deadline(parse_iso("2026-12-28T10:00"), 5, CAL, allow_provisional=False)
    assert err.value.year == 2027


def test_year_boundary_inside_known_years() -> None:
    assert due("2025-12-29T10:00") == D("2026-01-06")  # 12-30, 12-31, 01-04 (Sun make-up), 05, 06


def test_disclosure_twenty_days_and_one_extension() -> None:
    first = working_day_deadline(parse_iso("2026-09-01T10:00"), 20, CAL)
    assert first.due_date == D("2026-09-29")  # Sun 09-20 counted, Mid-Autumn 09-25 not
    extended = extended_deadline(first.due_date, 20, CAL)
    assert extended.due_date == D("2026-11-02")  # National Day week skipped, Sat 10-10 counted
    with pytest.raises(ValueError):
        extended_deadline(first.due_date, 21, CAL)


def test_reply_stages_count_back_working_days() -> None:
    stages = reply_stages(D("2024-10-10"), [parse_duration("2wd"), parse_duration("1wd")], CAL)
    assert [s.name for s in stages] == ["2wd", "1wd", "overdue"]
    # 1wd: 00:00 of the due date; 2wd: 00:00 of the working day before it
    assert stages[1].at == parse_iso("2024-10-10T00:00")
    assert stages[0].at == parse_iso("2024-10-09T00:00")
    assert stages[2].at == parse_iso("2024-10-11T00:00")
    # across the holiday: 2wd before Tue 2024-10-08 is Sun 09-29 (make-up), not 10-07
    back = reply_stages(D("2024-10-08"), [parse_duration("2wd")], CAL)
    assert back[0].at == parse_iso("2024-09-30T00:00")


def test_wall_clock_thresholds_on_a_reply_deadline() -> None:
    stages = reply_stages(D("2026-11-30"), [parse_duration("4h")], CAL)
    assert stages[0].at == parse_iso("2026-11-30T20:00")


def test_crisis_clocks_are_wall_clock_hours() -> None:
    started = parse_iso("2026-10-01T21:30")  # a holiday evening: working days do not matter
    deadlines = crisis_deadlines(started, 5, 24)
    assert deadlines["publish"] == parse_iso("2026-10-02T02:30")
    assert deadlines["press_conference"] == parse_iso("2026-10-02T21:30")
    stages = clock_stages(deadlines["publish"], [parse_duration(x) for x in ("2h", "1h", "30m")])
    assert [(s.name, s.at) for s in stages] == [
        ("2h", parse_iso("2026-10-02T00:30")),
        ("1h", parse_iso("2026-10-02T01:30")),
        ("30m", parse_iso("2026-10-02T02:00")),
        ("overdue", parse_iso("2026-10-02T02:30")),
    ]


class TestStates:
    deadline = parse_iso("2026-11-30T24:00".replace("T24:00", "T00:00")) + timedelta(days=1)
    warning = parse_iso("2026-11-27T00:00")

    def state(self, now: str, replied: str | None = None, withdrawn: bool = False) -> MessageState:
        return message_state(
            self.deadline,
            self.warning,
            parse_iso(now),
            parse_iso(replied) if replied else None,
            withdrawn,
        )

    def test_open_then_at_risk_then_overdue(self) -> None:
        assert self.state("2026-11-26T10:00") is MessageState.OPEN
        assert self.state("2026-11-27T00:00") is MessageState.AT_RISK
        assert self.state("2026-11-30T23:59") is MessageState.AT_RISK
        assert self.state("2026-12-01T00:00") is MessageState.OVERDUE

    def test_replied_on_time_or_late_by_the_reply_time(self) -> None:
        assert self.state("2026-12-05T10:00", replied="2026-11-30T23:59") is MessageState.REPLIED
        assert (
            self.state("2026-12-05T10:00", replied="2026-12-01T08:00") is MessageState.REPLIED_LATE
        )

    def test_withdrawn_wins(self) -> None:
        assert self.state("2026-12-05T10:00", withdrawn=True) is MessageState.WITHDRAWN


def test_milestone_state_at_a_moment() -> None:
    deadline = parse_iso("2026-11-26T15:00")
    warn = first_warning([parse_duration("30m"), parse_duration("2h")])
    assert warn == timedelta(hours=2)
    assert (
        milestone_state(deadline, None, parse_iso("2026-11-26T12:59"), warn) is MilestoneState.OPEN
    )
    assert (
        milestone_state(deadline, None, parse_iso("2026-11-26T13:00"), warn)
        is MilestoneState.AT_RISK
    )
    assert milestone_state(deadline, None, deadline, warn) is MilestoneState.OVERDUE
    assert milestone_state(deadline, deadline, deadline + timedelta(days=1)) is MilestoneState.DONE
    assert (
        milestone_state(deadline, deadline + timedelta(seconds=1), deadline)
        is MilestoneState.DONE_LATE
    )
    assert first_warning([]) is None


def test_state_at_re_evaluates_only_active_messages() -> None:
    class Row:
        def __init__(self, state: str) -> None:
            self.state = state
            self.deadline = parse_iso("2026-11-27T00:00")
            self.first_warning_at: datetime | None = parse_iso("2026-11-26T00:00")

    later = parse_iso("2026-11-27T08:00")
    assert state_at(Row("open"), later) == "overdue"
    assert state_at(Row("at_risk"), parse_iso("2026-11-25T08:00")) == "open"
    assert state_at(Row("replied"), later) == "replied"
    assert state_at(Row("withdrawn"), later) == "withdrawn"
