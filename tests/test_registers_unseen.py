"""A grader's cases for the 意见征集 and 依申请公开 registers (DESIGN §16, §12, §2), written from the
words alone and run through the real CLI with `--json` on a real SQLite file: windows across
春节 and 国庆 2026 and into 2027 (a year the calendar does not know), rest-day and make-up-day
edges, UTC times near midnight in Beijing, the exact instants where a state changes, the short
alert told once across sweeps, and the disclosure clock's 补正 / 征求意见 / extension rules.

Every expected date is counted by hand in the comments from the 2026 schedule written down
here (国务院办公厅 2025 notice), never from the product's code."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import main
from tests.conftest import write_config

# The State Council's 2026 schedule, written down: rest days that are weekdays, and make-up
# working days that are weekends.
REST_2026 = {
    *(date(2026, 1, d) for d in (1, 2)),
    *(date(2026, 2, d) for d in range(16, 24)),  # 春节 02-15…02-23 (15th is a Sunday)
    date(2026, 4, 6),  # 清明
    *(date(2026, 5, d) for d in range(1, 6)),  # 劳动节
    date(2026, 6, 19),  # 端午
    date(2026, 9, 25),  # 中秋
    *(date(2026, 10, d) for d in range(1, 8)),  # 国庆
}
WORK_2026 = {date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9)}
WORK_2026 |= {date(2026, 9, 20), date(2026, 10, 10)}


def workday(day: date) -> bool:
    """The hand calendar: 2026 as written above; any other year weekends only."""
    if day in WORK_2026:
        return True
    if day in REST_2026:
        return False
    return day.weekday() < 5


def nth_workday_after(day: date, n: int) -> date:
    while n:
        day += timedelta(days=1)
        n -= workday(day)
    return day


def run(config: Path, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, ["--config", str(config), *args])
    assert result.exit_code == code, (args, result.output, result.stderr)
    if code:
        assert "Traceback" not in result.stderr and result.stdout == ""
        return result.stderr
    return result.stdout


def js(config: Path, *args: str) -> object:
    return json.loads(run(config, *args, "--json"))


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = write_config(tmp_path / "cfg")
    run(path, "init")
    return path


def consult(config: Path, opens: str, closes: str, now: str = "2025-12-01T10:00") -> dict:
    doc = js(
        config,
        "consult",
        "add",
        "某某办法（征求意见稿）",
        "--opens",
        opens,
        "--closes",
        closes,
        "--now",
        now,
    )
    assert isinstance(doc, dict)
    return doc


def test_the_hand_calendar_agrees_with_the_worked_examples_of_the_docs() -> None:
    # guards the hand counting itself against DESIGN's and the docs' own examples
    assert nth_workday_after(date(2026, 10, 20), 15) == date(2026, 11, 10)
    assert nth_workday_after(date(2026, 9, 28), 20) == date(2026, 10, 30)
    assert nth_workday_after(date(2026, 2, 13), 15) == date(2026, 3, 12)


# ---------------------------------------------------------------------------------------
# 意见征集: the window and the 采纳情况 due date


@pytest.mark.parametrize(
    ("opens", "closes", "days", "short", "due"),
    [
        # 29 / 30 / 31 days across 春节 (calendar days: holidays do not shorten a window)
        ("2026-01-26", "2026-02-24", 29, True, "2026-03-16"),
        ("2026-01-26", "2026-02-25", 30, False, "2026-03-17"),
        ("2026-01-26", "2026-02-26", 31, False, "2026-03-18"),
        # 29 / 30 / 31 days across 国庆; closing on 10-01…10-03 (rest) counts from 10-08
        ("2026-09-02", "2026-10-01", 29, True, "2026-10-27"),
        ("2026-09-02", "2026-10-02", 30, False, "2026-10-27"),
        ("2026-09-02", "2026-10-03", 31, False, "2026-10-27"),
        # opening on a rest day (Sun 02-15, 春节) changes nothing; 清明 04-06 rests
        ("2026-02-15", "2026-03-17", 30, False, "2026-04-08"),
        # closing on a 调休 make-up Saturday: that day is a working day, not counted
        ("2026-01-15", "2026-02-14", 30, False, "2026-03-13"),
        ("2026-09-10", "2026-10-10", 30, False, "2026-10-30"),
        # closing on an ordinary Saturday: as-is, Mon 10-19 is day 1
        ("2026-09-17", "2026-10-17", 30, False, "2026-11-06"),
    ],
)
def test_window_days_and_feedback_due(
    config: Path, opens: str, closes: str, days: int, short: bool, due: str
) -> None:
    closing = date.fromisoformat(closes)
    first = closing
    if not workday(closing):  # as-is: counting starts with the next working day as day 1
        while not workday(first + timedelta(days=1)):
            first += timedelta(days=1)
    assert nth_workday_after(first, 15) == date.fromisoformat(due)  # the hand count agrees
    doc = consult(config, opens, closes)
    assert (doc["window_days"], doc["short"], doc["feedback_due"]) == (days, short, due)
    assert doc["deadline"] == f"{date.fromisoformat(due) + timedelta(days=1)}T00:00:00+08:00"
    assert doc["provisional"] is False and doc["state"] == "collecting"


def test_next_workday_rule_on_a_make_up_saturday_and_a_rest_saturday(tmp_path: Path) -> None:
    config = write_config(
        tmp_path / "cfg", '[rules.consultation]\nclosing_on_rest_day = "next-workday"\n'
    )
    run(config, "init")
    # Sat 02-14 is a working day: the rule does not move it
    assert consult(config, "2026-01-15", "2026-02-14")["feedback_due"] == "2026-03-13"
    # Sat 10-17 rests: deemed closed Mon 10-19 (not counted), 10-20 is day 1
    assert nth_workday_after(date(2026, 10, 19), 15) == date(2026, 11, 9)
    assert consult(config, "2026-09-17", "2026-10-17")["feedback_due"] == "2026-11-09"


def test_across_the_year_end_into_an_unknown_year_is_provisional(config: Path) -> None:
    # Thu 12-24: 12-25, 12-28…31 are days 1–5; 2027 counted on weekends only: 01-01 (6),
    # 01-04…08 (7–11), 01-11…14 (12–15)
    doc = consult(config, "2026-11-24", "2026-12-24")
    assert (doc["window_days"], doc["feedback_due"], doc["provisional"]) == (30, "2027-01-14", True)
    # 16:00Z on 12-31 is 00:00 on 2027-01-01 in Beijing: closing date 01-01 (as a plain date)
    doc = consult(config, "2026-12-01T16:00:00Z", "2026-12-31T16:00:00Z")
    assert (doc["opens_on"], doc["closes_on"], doc["window_days"]) == (
        "2026-12-02",
        "2027-01-01",
        30,
    )
    assert (doc["feedback_due"], doc["provisional"]) == ("2027-01-22", True)
    # the year is added: 2027-01-01 a holiday, Sat 01-09 a make-up day → firm, recounted
    (config.parent / "holidays.toml").write_text(
        '[years.2027]\nholidays = ["2027-01-01"]\nworkdays = ["2027-01-09"]\n', "utf-8"
    )
    run(config, "sweep", "--now", "2026-12-10T10:00")
    rows = {
        d["id"]: d
        for d in js(config, "consult", "list", "--state", "all", "--now", "2026-12-10T10:00")
    }
    # 12-24: 12-25, 28…31 (1–5), 01-04…08 (6–10), 09 (11), 11…14 (12–15)
    assert (rows[1]["feedback_due"], rows[1]["provisional"]) == ("2027-01-14", False)
    # closing 01-01 (a holiday now): as-is, 01-04 is day 1 … 01-08 (5), 09 (6), 11…15 (7–11),
    # 18…21 (12–15)
    assert (rows[2]["feedback_due"], rows[2]["provisional"]) == ("2027-01-21", False)


def test_utc_times_near_midnight_in_beijing(config: Path) -> None:
    # 16:00Z on 08-31 is 00:00 on 09-01; 15:59:59Z on 10-01 is 23:59:59 on 10-01
    doc = consult(config, "2026-08-31T16:00:00Z", "2026-10-01T15:59:59Z")
    assert (doc["opens_on"], doc["closes_on"], doc["window_days"]) == (
        "2026-09-01",
        "2026-10-01",
        30,
    )
    assert doc["closes_at"] == "2026-10-01T23:59:59+08:00" and doc["feedback_due"] == "2026-10-27"
    # one second earlier the opening date is 08-31: 31 days
    assert consult(config, "2026-08-31T15:59:59Z", "2026-10-01T15:59:59Z")["window_days"] == 31
    listed = {
        now: js(config, "consult", "list", "--state", "all", "--now", now)[0]["state"]
        for now in ("2026-10-01T15:59:58Z", "2026-10-01T15:59:59Z")
    }
    assert listed == {
        "2026-10-01T15:59:58Z": "collecting",
        "2026-10-01T15:59:59Z": "awaiting_feedback",
    }


@pytest.mark.parametrize(
    ("at", "state"),
    [
        ("2026-10-08T23:59", "done_on_time"),
        ("2026-10-08T24:00", "done_on_time"),
        ("2026-10-08T16:00:00Z", "done_on_time"),  # 24:00 in Beijing
        ("2026-10-09T00:00:00+08:00", "done_on_time"),
        ("2026-10-08T16:00:01Z", "done_late"),
        ("2026-10-09T00:01", "done_late"),
    ],
)
def test_feedback_on_the_due_day_at_23_59_and_24_00(config: Path, at: str, state: str) -> None:
    # closes Thu 09-10: 09-11 (1), 14…18 (2–6), Sun 09-20 (7), 21…24 (8–11), 28…30 (12–14),
    # 10-08 (15)
    assert nth_workday_after(date(2026, 9, 10), 15) == date(2026, 10, 8)
    assert consult(config, "2026-08-11", "2026-09-10")["feedback_due"] == "2026-10-08"
    doc = js(config, "consult", "feedback", "1", "--at", at, "--now", "2026-10-20T10:00")
    assert doc["state"] == state
    [row] = js(config, "consult", "list", "--state", "all", "--now", "2026-10-20T10:00")
    assert row["state"] == state


def test_states_and_order_at_the_exact_boundaries(config: Path) -> None:
    consult(config, "2026-08-11", "2026-09-10")  # #1 due Thu 10-08; 2wd = 00:00 Wed 09-30
    consult(config, "2026-09-10", "2026-10-10")  # #2 due 10-30 (make-up Saturday close)
    consult(config, "2026-08-01", "2026-08-20")  # #3 short, published → not open
    consult(config, "2026-09-01", "2026-12-01", now="2026-08-01T10:00")  # #4 far off
    run(config, "consult", "feedback", "3", "--at", "2026-08-25T10:00", "--now", "2026-08-26T10:00")

    def states(now: str, which: str = "open") -> list[tuple[int, str]]:
        return [
            (d["id"], d["state"])
            for d in js(config, "consult", "list", "--state", which, "--now", now)
        ]

    assert states("2026-09-10T23:59:59") == [
        (1, "collecting"),
        (2, "collecting"),
        (4, "collecting"),
    ]
    assert states("2026-09-11T00:00")[0] == (1, "awaiting_feedback")
    assert states("2026-09-29T23:59:59")[0] == (1, "awaiting_feedback")
    assert states("2026-09-30T00:00")[0] == (1, "at_risk")
    assert states("2026-10-08T23:59:59")[0] == (1, "at_risk")
    assert states("2026-10-09T00:00") == [(1, "overdue"), (2, "collecting"), (4, "collecting")]
    # all: soonest 采纳情况 deadline first, the published one in its place
    assert [i for i, _ in states("2026-10-09T00:00", "all")] == [3, 1, 2, 4]
    assert states("2026-10-09T00:00", "done_on_time") == [(3, "done_on_time")]
    # working days left: 2 at the 2wd stage (09-30, 10-08), 1 on the due date
    left = {
        now: js(config, "consult", "list", "--now", now)[0]["working_days_left"]
        for now in ("2026-09-30T08:00", "2026-10-08T08:00")
    }
    assert left == {"2026-09-30T08:00": 2, "2026-10-08T08:00": 1}


def short_alerts(config: Path) -> list[dict]:
    rows = js(config, "alerts", "list")
    assert isinstance(rows, list)
    return [a for a in rows if a["kind"] == "consultation_short"]


def test_short_alert_once_before_the_window_opens_across_sweeps(tmp_path: Path) -> None:
    body = '[channels.office]\nkind = "wecom"\nwebhook = "http://127.0.0.1:9/cgi-bin/webhook/send?key=o"\n'
    body += '[routing]\ndefault = ["office"]\n'
    config = write_config(tmp_path / "cfg", body)
    run(config, "init")
    consult(config, "2026-10-12", "2026-11-01", now="2026-10-09T10:00")  # 20 days, short
    consult(config, "2026-10-12", "2026-11-11", now="2026-10-09T10:00")  # 30 days: no alert
    consult(config, "2026-09-01", "2026-09-20", now="2026-10-09T10:00")  # closed: not alerted
    [first] = short_alerts(config)
    assert first["subject"] == "consultation:1" and first["stage"] == "short"
    for now in ("2026-10-09T10:01", "2026-10-11T10:00", "2026-10-12T09:00", "2026-10-20T09:00"):
        run(config, "sweep", "--now", now)  # each a fresh process: a restart each time
    assert [a["id"] for a in short_alerts(config)] == [first["id"]]


# ---------------------------------------------------------------------------------------
# 依申请公开: the legal clock


def request(config: Path, received: str, now: str = "2026-12-01T10:00") -> dict:
    doc = js(
        config,
        "disclosure",
        "add",
        "申请公开某项目审计报告",
        "--received",
        received,
        "--applicant",
        "张三",
        "--now",
        now,
    )
    assert isinstance(doc, dict)
    return doc


def test_received_on_a_rest_day(tmp_path: Path) -> None:
    as_is = write_config(tmp_path / "a")
    run(as_is, "init")
    # Sat 10-03 (国庆): as-is, 10-08 is day 1; 10-08, 09, Sat 10 (1–3), 12…16 (4–8),
    # 19…23 (9–13), 26…30 (14–18), 11-02 (19), 11-03 (20)
    assert nth_workday_after(date(2026, 10, 7), 20) == date(2026, 11, 3)
    doc = request(as_is, "2026-10-03T10:00")
    assert (doc["due_date"], doc["deadline"]) == ("2026-11-03", "2026-11-04T00:00:00+08:00")
    assert doc["correction_due"] == "2026-10-15"  # 7th working day: 10-08,09,10,12,13,14,15
    nxt = write_config(tmp_path / "n", '[rules.disclosure]\nreceipt_on_rest_day = "next-workday"\n')
    run(nxt, "init")
    # deemed received Thu 10-08 (not counted): 10-09 is day 1
    assert request(nxt, "2026-10-03T10:00")["due_date"] == "2026-11-04"
    # 16:30Z on Fri 10-09 is 00:30 on Sat 10-10, a make-up workday: received that day
    assert request(as_is, "2026-10-09T16:30:00Z")["due_date"] == str(
        nth_workday_after(date(2026, 10, 10), 20)
    )


def test_correction_within_and_after_seven_working_days(config: Path) -> None:
    # received Mon 09-28: 09-29 (1), 09-30 (2), 10-08 (3), 09 (4), 10 (5), 12 (6), 13 (7)
    assert request(config, "2026-09-28T10:00")["correction_due"] == "2026-10-13"
    request(config, "2026-09-28T10:00")
    request(config, "2026-09-28T10:00")
    err = run(
        config,
        "disclosure",
        "correct",
        "1",
        "--asked",
        "2026-10-14T09:00",
        "--now",
        "2026-10-14T10:00",
        code=1,
    )
    assert err.startswith("error: ") and err.count("\n") == 1
    asked = js(
        config,
        "disclosure",
        "correct",
        "1",
        "--asked",
        "2026-10-13T17:00",
        "--now",
        "2026-10-13T18:00",
    )
    assert asked["state"] == "correcting"
    # the corrected request arrives Tue 10-20: 20 working days from 10-21
    done = js(
        config,
        "disclosure",
        "correct",
        "1",
        "--received",
        "2026-10-20T09:00",
        "--now",
        "2026-10-20T10:00",
    )
    assert nth_workday_after(date(2026, 10, 20), 20) == date(2026, 11, 17)
    assert (done["due_date"], done["state"]) == ("2026-11-17", "open")
    # a corrected request dated inside the window needs no --asked: restarts from Mon 10-12
    second = js(
        config,
        "disclosure",
        "correct",
        "2",
        "--received",
        "2026-10-12T09:00",
        "--now",
        "2026-10-12T10:00",
    )
    assert second["due_date"] == str(nth_workday_after(date(2026, 10, 12), 20)) == "2026-11-09"
    # one dated after the window, never asked: refused, nothing changed
    before = js(config, "disclosure", "list", "--state", "all", "--now", "2026-10-20T10:00")
    err = run(
        config,
        "disclosure",
        "correct",
        "3",
        "--received",
        "2026-10-14T09:00",
        "--now",
        "2026-10-14T10:00",
        code=1,
    )
    assert err.count("\n") == 1
    assert js(config, "disclosure", "list", "--state", "all", "--now", "2026-10-20T10:00") == before


def test_pause_and_resume_across_national_day_and_spring_festival(config: Path) -> None:
    # received Mon 09-14: 09-15…18 (1–4), Sun 09-20 (5), 21…24 (6–9), 28…30 (10–12),
    # 10-08…10 (13–15), 12…16 (16–20) → Fri 10-16
    assert request(config, "2026-09-14T10:00")["due_date"] == "2026-10-16"
    run(config, "disclosure", "pause", "1", "--at", "2026-09-29T10:00", "--now", "2026-09-29T11:00")
    paused = js(config, "disclosure", "list", "--state", "paused", "--now", "2026-10-05T10:00")
    assert [d["id"] for d in paused] == [1]
    doc = js(
        config, "disclosure", "resume", "1", "--at", "2026-10-12T09:00", "--now", "2026-10-12T10:00"
    )
    # after 09-29 up to and including 10-12: 09-30, 10-08, 10-09, Sat 10-10, 10-12 → 5 on
    assert doc["pauses"][0]["working_days"] == 5
    assert doc["due_date"] == str(nth_workday_after(date(2026, 10, 16), 5)) == "2026-10-23"
    # received Mon 02-02: 02-03…06 (1–4), 09…13 (5–9), Sat 02-14 (10), 24…27 (11–14),
    # Sat 02-28 (15), 03-02…06 (16–20)
    assert request(config, "2026-02-02T10:00", now="2026-02-02T11:00")["due_date"] == "2026-03-06"
    run(config, "disclosure", "pause", "2", "--at", "2026-02-12T10:00", "--now", "2026-02-12T11:00")
    doc = js(
        config, "disclosure", "resume", "2", "--at", "2026-02-25T09:00", "--now", "2026-02-25T10:00"
    )
    # 02-13, Sat 02-14, 02-24, 02-25 → 4 on: 03-09, 10, 11, 12
    assert (doc["pauses"][0]["working_days"], doc["due_date"]) == (4, "2026-03-12")


def test_extension_counts_from_the_original_due_date(config: Path) -> None:
    request(config, "2026-09-14T10:00")  # due 10-16
    # decided early (09-20): still 20 working days on from 10-16, not from the decision
    doc = js(
        config, "disclosure", "extend", "1", "--reason", "需调取档案", "--now", "2026-09-21T10:00"
    )
    assert doc["due_date"] == str(nth_workday_after(date(2026, 10, 16), 20)) == "2026-11-13"
    err = run(config, "disclosure", "extend", "1", "--now", "2026-09-22T10:00", code=1)
    assert err.count("\n") == 1  # once only
    request(config, "2026-09-14T10:00")  # #2 due 10-16: an extension after the limit is refused
    run(config, "disclosure", "extend", "2", "--now", "2026-10-17T00:00", code=1)
    # at the last instant of the due date it is still in time
    assert (
        js(config, "disclosure", "extend", "2", "--now", "2026-10-16T23:59:59")["due_date"]
        == "2026-11-13"
    )


def test_done_before_received_or_in_the_future_is_refused(config: Path) -> None:
    request(config, "2026-09-14T10:00", now="2026-09-14T11:00")  # due 10-16
    for at, now in [
        ("2026-09-14T09:59", "2026-09-20T10:00"),
        ("2026-09-21T10:00", "2026-09-20T10:00"),
    ]:
        err = run(
            config,
            "disclosure",
            "done",
            "1",
            "--outcome",
            "予以公开",
            "--at",
            at,
            "--now",
            now,
            code=1,
        )
        assert err.startswith("error: ") and err.count("\n") == 1
    assert js(config, "disclosure", "list", "--now", "2026-10-16T23:59:59")[0]["state"] == "at_risk"
    assert js(config, "disclosure", "list", "--now", "2026-10-17T00:00")[0]["state"] == "overdue"
    doc = js(
        config,
        "disclosure",
        "done",
        "1",
        "--outcome",
        "予以公开",
        "--at",
        "2026-10-16T24:00",
        "--now",
        "2026-10-17T10:00",
    )
    assert doc["state"] == "replied"
    request(config, "2026-09-14T10:00", now="2026-09-14T11:00")
    doc = js(
        config,
        "disclosure",
        "done",
        "2",
        "--outcome",
        "予以公开",
        "--at",
        "2026-10-16T16:00:01Z",
        "--now",
        "2026-10-17T10:00",
    )
    assert doc["state"] == "replied_late"


def test_a_disclosure_across_the_year_end_is_provisional(config: Path) -> None:
    # received Thu 12-10: 12-11 (1), 14…18 (2–6), 21…25 (7–11), 28…31 (12–15),
    # 2027 on weekends only: 01-01 (16), 01-04…07 (17–20)
    doc = request(config, "2026-12-10T10:00", now="2026-12-10T11:00")
    assert (doc["due_date"], doc["provisional"]) == ("2027-01-07", True)


# ---------------------------------------------------------------------------------------
# found by these cases (each failed before its fix)


@pytest.mark.parametrize(
    "closes", ["2026-10-20T24:00", "2026-10-20T24:00:00+08:00", "2026-10-20 24:00"]
)
def test_a_closing_written_as_24_00_ends_that_date(config: Path, closes: str) -> None:
    # 24:00 of 10-20 is the same as the plain date 10-20: 30 days, comments until 10-21 00:00,
    # the 采纳情况 due 15 working days after 10-20 (docs: opens 09-20, closes 10-20 → 11-10)
    doc = consult(config, "2026-09-20", closes)
    assert (doc["closes_on"], doc["window_days"]) == ("2026-10-20", 30)
    assert doc["closes_at"] == "2026-10-21T00:00:00+08:00" and doc["feedback_due"] == "2026-11-10"


def test_a_closing_at_24_00_utc_is_not_beijing_midnight(config: Path) -> None:
    # 24:00Z on 10-20 is 08:00 on 10-21 in Beijing: an instant, kept as given
    doc = consult(config, "2026-09-20", "2026-10-20T24:00Z")
    assert (doc["closes_on"], doc["closes_at"]) == ("2026-10-21", "2026-10-21T08:00:00+08:00")


def test_a_feedback_in_the_future_is_refused(config: Path) -> None:
    consult(config, "2026-09-20", "2026-10-20")
    before = run(config, "consult", "list", "--state", "all", "--json", "--now", "2026-11-01")
    err = run(
        config,
        "consult",
        "feedback",
        "1",
        "--at",
        "2026-11-05T10:00",
        "--now",
        "2026-11-01T10:00",
        code=1,
    )
    assert "晚于当前时间" in err and err.count("\n") == 1
    assert (
        run(config, "consult", "list", "--state", "all", "--json", "--now", "2026-11-01") == before
    )
    # a few minutes ahead of our clock is a person's clock, not a typo
    doc = js(
        config, "consult", "feedback", "1", "--at", "2026-11-01T10:05", "--now", "2026-11-01T10:00"
    )
    assert doc["state"] == "done_on_time"
