"""A legal deadline cannot be reset or hidden (issue 23): every register operation that could
move a request's clock after the fact, or date something impossibly, is refused in one Chinese
line and changes nothing — one case per attack, through the CLI on a real SQLite file. The
legitimate late record (a 补正 asked in time, recorded with its receipt) still works, and the
annual figures follow it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import write_config
from tests.test_disclosure_register import add, run, snapshot


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = write_config(tmp_path / "cfg")
    run(path, "init")
    return path


# request 1: received Mon 2026-09-28 10:00 → 补正 window to 10-13, due 10-30 (overdue 10-31)
OVERDUE_NOW = "2026-11-05T10:00"


def _disclosure_report(config: Path, now: str) -> dict:
    return json.loads(run(config, "report", "--period", "2026", "--json", "--now", now))[
        "disclosure"
    ]["timeliness"]


ATTACKS = [
    (  # the issue: a "补正 receipt" on an overdue request never sent back for 补正
        "receipt without a 补正 asked",
        [],
        ["correct", "1", "--received", "2026-11-04T10:00", "--now", OVERDUE_NOW],
        "没有登记告知补正",
    ),
    (
        "receipt with a 补正 'asked' after the 7-working-day window",
        [],
        ["correct", "1", "--asked", "2026-10-20T10:00", "--received", "2026-11-04T10:00",
         "--now", OVERDUE_NOW],
        "7 个工作日",
    ),
    (
        "pause dated back before the limit, recorded after it",
        [],
        ["pause", "1", "--at", "2026-10-20T10:00", "--now", OVERDUE_NOW],
        "超期后不能再补登暂停计时",
    ),
    (
        "pause dated after the limit",
        [],
        ["pause", "1", "--at", "2026-11-02T10:00", "--now", OVERDUE_NOW],
        "超期后不能再暂停计时",
    ),
    ("extension after the limit", [], ["extend", "1", "--now", OVERDUE_NOW], "延期须在期限届满前决定"),
    (
        "closed before it was received",
        [],
        ["done", "1", "--outcome", "予以公开", "--at", "2026-09-27T10:00", "--now", OVERDUE_NOW],
        "早于收到申请时间",
    ),
    (
        "closed before the 补正 it waits for was asked",
        [["correct", "1", "--asked", "2026-10-09T10:00", "--now", "2026-10-09T11:00"]],
        ["done", "1", "--outcome", "予以公开", "--at", "2026-10-08T10:00", "--now", OVERDUE_NOW],
        "早于告知补正时间",
    ),
    (
        "closed in the future",
        [],
        ["done", "1", "--outcome", "予以公开", "--at", "2026-11-20T10:00", "--now", OVERDUE_NOW],
        "晚于当前时间",
    ),
    (
        "补正 asked in the future",
        [],
        ["correct", "1", "--asked", "2026-10-12T10:00", "--now", "2026-10-01T10:00"],
        "晚于当前时间",
    ),
    (
        "补正 received in the future",
        [["correct", "1", "--asked", "2026-09-30T10:00", "--now", "2026-09-30T11:00"]],
        ["correct", "1", "--received", "2026-10-20T10:00", "--now", "2026-10-10T10:00"],
        "晚于当前时间",
    ),
    (
        "pause in the future",
        [],
        ["pause", "1", "--at", "2026-10-20T10:00", "--now", "2026-10-10T10:00"],
        "晚于当前时间",
    ),
    (
        "resume in the future",
        [["pause", "1", "--at", "2026-10-09T10:00", "--now", "2026-10-09T11:00"]],
        ["resume", "1", "--at", "2026-10-20T10:00", "--now", "2026-10-10T10:00"],
        "晚于当前时间",
    ),
    (
        "a case filed in the future",
        [],
        ["review", "1", "--kind", "复议", "--result", "未审结", "--at", "2026-12-01T10:00",
         "--now", OVERDUE_NOW],
        "晚于当前时间",
    ),
    (
        "a case filed before the request",
        [],
        ["review", "1", "--kind", "复议", "--result", "未审结", "--at", "2026-09-01T10:00",
         "--now", OVERDUE_NOW],
        "早于收到申请时间",
    ),
    (
        "逾期不补正 before the period given to the applicant ends",
        [["correct", "1", "--asked", "2026-09-30T10:00", "--until", "2026-10-20",
          "--now", "2026-09-30T11:00"]],
        ["correct", "1", "--lapsed", "--at", "2026-10-15T10:00", "--now", "2026-10-15T11:00"],
        "尚未届满",
    ),
    (
        "逾期不补正 of a request never sent back",
        [],
        ["done", "1", "--outcome", "其他处理", "--reason",
         "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "--now", OVERDUE_NOW],
        "没有登记告知补正",
    ),
    (
        "a 补正 period ending before it was asked",
        [],
        ["correct", "1", "--asked", "2026-09-30T10:00", "--until", "2026-09-29",
         "--now", "2026-09-30T11:00"],
        "早于告知补正时间",
    ),
    (
        "a reason of another outcome",
        [],
        ["done", "1", "--outcome", "不予公开", "--reason", "重复申请", "--now", OVERDUE_NOW],
        "不属于「不予公开」",
    ),
    (
        "a reason for an outcome without reasons",
        [],
        ["done", "1", "--outcome", "予以公开", "--reason", "其他", "--now", OVERDUE_NOW],
        "不分具体理由",
    ),
    (
        "a direct lawsuit after a 复议",
        [["review", "1", "--kind", "复议", "--result", "维持", "--at", "2026-11-02T10:00",
          "--now", OVERDUE_NOW]],
        ["review", "1", "--kind", "诉讼", "--result", "未审结", "--now", OVERDUE_NOW],
        "复议后诉讼",
    ),
    (
        "a lawsuit after 复议 filed before the 复议",
        [["review", "1", "--kind", "复议", "--result", "维持", "--at", "2026-11-02T10:00",
          "--now", OVERDUE_NOW]],
        ["review", "1", "--kind", "复议后诉讼", "--result", "未审结", "--at", "2026-11-01T10:00",
         "--now", OVERDUE_NOW],
        "早于行政复议立案时间",
    ),
]  # fmt: skip


@pytest.mark.parametrize("name, steps, bad, message", ATTACKS, ids=[a[0] for a in ATTACKS])
def test_each_attack_is_refused_in_one_line_and_changes_nothing(
    config: Path, name: str, steps: list[list[str]], bad: list[str], message: str
) -> None:
    add(config)
    for step in steps:
        run(config, "disclosure", *step)
    before = snapshot(config)
    err = run(config, "disclosure", *bad, code=1)
    assert message in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert snapshot(config) == before


def test_the_overdue_request_stays_overdue_in_the_annual_figures(config: Path) -> None:
    add(config)
    assert _disclosure_report(config, OVERDUE_NOW)["overdue"] == 1
    run(config, "disclosure", "correct", "1", "--received", "2026-11-04T10:00", "--now",
        OVERDUE_NOW, code=1)  # fmt: skip
    doc = json.loads(snapshot(config))[0]
    assert doc["due_date"] == "2026-10-30" and doc["corrected_at"] is None
    assert _disclosure_report(config, OVERDUE_NOW)["overdue"] == 1


def test_a_correction_asked_in_time_and_recorded_late_restarts_the_clock(config: Path) -> None:
    """The legitimate case: 补正 was asked on day 2 but only recorded with the corrected
    request's arrival. Given together the request is running again on a new due date, the
    annual figures no longer count it overdue, and its page shows the record as late."""
    add(config)
    assert _disclosure_report(config, OVERDUE_NOW)["overdue"] == 1
    doc = json.loads(
        run(config, "disclosure", "correct", "1", "--asked", "2026-09-30T10:00", "--received",
            "2026-11-04T10:00", "--now", OVERDUE_NOW, "--json")
    )  # fmt: skip
    assert doc["state"] == "open" and doc["due_date"] == "2026-12-02"
    assert _disclosure_report(config, OVERDUE_NOW)["overdue"] == 0
    # a 补正 recorded before, the receipt later: the same
    add(config, "2026-11-02T10:00", "2026-11-02T11:00")
    run(config, "disclosure", "correct", "2", "--asked", "2026-11-03T10:00", "--now",
        "2026-11-03T11:00")  # fmt: skip
    doc = json.loads(
        run(config, "disclosure", "correct", "2", "--received", "2026-12-10T10:00", "--now",
            "2026-12-10T11:00", "--json")
    )  # fmt: skip
    assert doc["state"] == "open" and doc["clock_from"].startswith("2026-12-10")


def test_an_applicant_who_does_not_correct_in_time_is_closed_from_the_correction_flow(
    config: Path,
) -> None:
    add(config)
    text = run(config, "disclosure", "correct", "1", "--asked", "2026-09-30T10:00", "--now",
               "2026-09-30T11:00")  # fmt: skip
    # 15 working days after 09-30 (10-01…07 rest, Sat 10-10 works): 10-27
    assert "补正期限：2026-10-27" in text
    listed = run(config, "disclosure", "list", "--now", "2026-10-29T10:00")
    assert "补正已逾期（2026-10-27）" in listed and "correct ID --lapsed" in listed
    assert json.loads(run(config, "disclosure", "list", "--json", "--now", "2026-10-29T10:00"))[0][
        "correction_lapsed"
    ]
    doc = json.loads(
        run(config, "disclosure", "correct", "1", "--lapsed", "--now", "2026-10-29T10:00", "--json")
    )
    assert doc["outcome"] == "其他处理"
    assert doc["reason"] == "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"
    assert doc["state"] == "replied"  # the clock stood still while 补正 was awaited


def test_a_reason_left_out_is_reported_and_can_be_added_later(config: Path) -> None:
    from click.testing import CliRunner

    from monitor.cli import main

    add(config)
    result = CliRunner().invoke(
        main,
        ["--config", str(config), "disclosure", "done", "1", "--outcome", "不予处理", "--now",
         "2026-10-12T10:00"],
    )  # fmt: skip
    assert result.exit_code == 0 and "未登记具体理由" in result.stderr
    doc = json.loads(snapshot(config))[0]
    assert doc["reason"] is None and doc["reason_missing"] is True
    assert "缺理由" in run(config, "disclosure", "list", "--state", "all", "--now", OVERDUE_NOW)
    doc = json.loads(
        run(config, "disclosure", "amend", "1", "--reason", "重复申请", "--applicant-type",
            "法律服务机构", "--now", OVERDUE_NOW, "--json")
    )  # fmt: skip
    assert (doc["reason"], doc["applicant_type"], doc["reason_missing"]) == (
        "重复申请",
        "法律服务机构",
        False,
    )
    err = run(config, "disclosure", "amend", "1", "--reason", "属于国家秘密", code=1)
    assert "不属于「不予处理」" in err
