"""Applying a read notice (`monitor.calendar_notice`) to holidays.toml: plan, diff, write.

`plan_import` computes the whole year after the import and its difference from the file,
touching nothing; `write_import` writes it, keeping the file's comments and other years
(tomlkit), atomically, and only if the file did not change since the plan (a dashboard preview
may be applied minutes later). The CLI's `calendar import-notice` and the dashboard's
/calendar page both call these.

Where the days go:
- the notice's year: `[years.YYYY]`, the whole year (a base notice replaces the table; an
  amending notice changes the table already there: added holidays rest even where they were
  make-up workdays);
- a date written with another year (2018年12月30日 in the 2019 notice) belongs to that year:
  its `[years.Z]` table when the file declares Z; otherwise a single-day override at the top of
  the file, and only when the calendar (package + file) does not already say the same.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from monitor.calendar import _PACKAGE_YEARS, WorkCalendar, YearSchedule, load_calendar
from monitor.calendar_notice import Notice, NoticeError, day_zh, parse_notice
from monitor.errors import ConfigError

HOLIDAY = "holiday"
WORKDAY = "workday"
KIND_ZH = {HOLIDAY: "放假", WORKDAY: "调休上班"}


@dataclass(frozen=True, order=True)
class Change:
    day: date
    kind: str  # HOLIDAY or WORKDAY

    def to_json(self) -> dict[str, str]:
        return {"date": self.day.isoformat(), "kind": self.kind}


@dataclass
class _Days:
    holidays: dict[date, str | None] = field(default_factory=dict)
    workdays: set[date] = field(default_factory=set)

    def copy(self) -> _Days:
        return _Days(dict(self.holidays), set(self.workdays))

    def rest(self, day: date, name: str | None) -> None:
        self.workdays.discard(day)
        self.holidays[day] = name

    def work(self, day: date) -> None:
        self.holidays.pop(day, None)
        self.workdays.add(day)


@dataclass
class ImportPlan:
    """The result of reading a notice against a holidays.toml, before anything is written."""

    notice: Notice
    path: Path
    year: int
    holidays: dict[date, str | None]  # the notice's whole year after the import
    workdays: list[date]
    added: list[Change]
    removed: list[Change]
    # other years: declared tables changed, and single-day overrides added at the top
    other_tables: dict[int, _Days] = field(default_factory=dict)
    overrides: _Days | None = None
    # days of the year where the installed chinese_calendar (if it knows the year) disagrees
    package_differs: list[date] = field(default_factory=list)
    package_knows: bool = False
    digest: str = ""

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)

    def to_json(self, written: bool) -> dict[str, Any]:
        """`import-notice --json`'s document, as docs/time-rules.md gives it (more keys are fine)."""
        return {
            "year": self.year,
            "holidays": [d.isoformat() for d in sorted(self.holidays)],
            "workdays": [d.isoformat() for d in sorted(self.workdays)],
            "added": [c.to_json() for c in self.added],
            "removed": [c.to_json() for c in self.removed],
            "written": written,
            "title": self.notice.title,
            "amends": self.notice.amends,
            "festivals": [
                {
                    "name": f.name,
                    "holidays": [d.isoformat() for d in f.holidays],
                    "workdays": [d.isoformat() for d in f.workdays],
                }
                for f in self.notice.festivals
            ],
            "extensions": [
                {"festival": e.festival, "until": e.until.isoformat()}
                for e in self.notice.extensions
            ],
            "ignored": list(self.notice.ignored),
            "checked": list(self.notice.checked),
            "set_aside": list(self.notice.set_aside),
            "path": str(self.path),
        }


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""


def _schedule_days(schedule: YearSchedule) -> _Days:
    return _Days(dict(schedule.holidays), set(schedule.workdays))


def _diff(before: _Days, after: _Days) -> tuple[list[Change], list[Change]]:
    added = [Change(d, HOLIDAY) for d in after.holidays if d not in before.holidays]
    added += [Change(d, WORKDAY) for d in after.workdays - before.workdays]
    removed = [Change(d, HOLIDAY) for d in before.holidays if d not in after.holidays]
    removed += [Change(d, WORKDAY) for d in before.workdays - after.workdays]
    return sorted(added), sorted(removed)


def _extend(days: _Days, festival: str, until: date, line: str) -> None:
    """延长…假期至 until: the days from the festival's last holiday up to `until` rest."""
    gap: list[date] = []
    day = until
    while day not in days.holidays:
        gap.append(day)
        day -= timedelta(days=1)
        if len(gap) > 14:
            raise NoticeError(f"{until.isoformat()} 之前两周内没有{festival}假期，无法延长", line)
    name = days.holidays[day]
    if name and festival not in name:
        raise NoticeError(f"{until.isoformat()} 之前的假期是{name}，不是{festival}，无法延长", line)
    for d in gap:
        days.rest(d, festival)


def plan_import(notice: Notice, path: Path, calendar: WorkCalendar | None = None) -> ImportPlan:
    """What importing `notice` into the holidays.toml at `path` would change. Pure planning:
    raises NoticeError (Chinese) when it cannot be applied, ConfigError when the file is bad."""
    text = _read(path)
    current = load_calendar(path) if text else WorkCalendar()
    base_calendar = calendar if calendar is not None else current
    year = notice.year
    if year in current.years:
        before = _schedule_days(current.years[year])
    else:
        before = _Days()
    if notice.amends:
        if year not in current.years:
            raise NoticeError(
                f"{path} 里还没有 [years.{year}]：这是修订通知，要叠加在 {year} 年的安排上，"
                f"请先导入《国务院办公厅关于{year}年部分节假日安排的通知》"
            )
        after = before.copy()
    else:
        after = _Days()

    others: dict[int, _Days] = {}
    overrides = _Days(dict(current.extra_holidays), set(current.extra_workdays))
    overrides_before = overrides.copy()

    def target(day: date) -> _Days | None:
        if day.year == year:
            return after
        if day.year in current.years:
            if day.year not in others:
                others[day.year] = _schedule_days(current.years[day.year])
            return others[day.year]
        return None

    for fest in notice.festivals:
        for day in fest.holidays:
            table = target(day)
            if table is not None:
                table.rest(day, fest.name)
            elif not _rests(base_calendar, day):
                overrides.rest(day, fest.name)
        for day in fest.workdays:
            table = target(day)
            if table is not None:
                table.work(day)
            elif _rests(base_calendar, day) is not False:
                overrides.work(day)
    for ext in notice.extensions:
        _extend(after, ext.festival, ext.until, ext.line)

    added, removed = _diff(before, after)
    for z, table in sorted(others.items()):
        a, r = _diff(_schedule_days(current.years[z]), table)
        added += a
        removed += r
    a, r = _diff(overrides_before, overrides)
    added, removed = sorted(added + a), sorted(removed + r)

    differs: list[date] = []
    knows = year in _package_years()
    if knows:
        import chinese_calendar

        mine = WorkCalendar(
            years={year: YearSchedule(after.holidays, frozenset(after.workdays))}, use_package=False
        )
        day = date(year, 1, 1)
        while day.year == year:
            if mine.is_workday(day) != chinese_calendar.is_workday(day):
                differs.append(day)
            day += timedelta(days=1)
    return ImportPlan(
        notice=notice,
        path=path,
        year=year,
        holidays=dict(sorted(after.holidays.items())),
        workdays=sorted(after.workdays),
        added=added,
        removed=removed,
        other_tables={
            z: t
            for z, t in others.items()
            if _diff(_schedule_days(current.years[z]), t) != ([], [])
        },
        overrides=overrides if _diff(overrides_before, overrides) != ([], []) else None,
        package_differs=differs,
        package_knows=knows,
        digest=_digest(text),
    )


def _package_years() -> frozenset[int]:
    return _PACKAGE_YEARS


def _rests(calendar: WorkCalendar, day: date) -> bool | None:
    """Whether the calendar has `day` as a rest day; None when it does not know the year."""
    if (
        not calendar.knows_year(day.year)
        and day not in calendar.extra_holidays
        and day not in calendar.extra_workdays
    ):
        return None
    return not calendar.is_workday(day)


# ---------------------------------------------------------------------------------------
# writing


def _holiday_array(days: dict[date, str | None]) -> Any:
    import tomlkit

    array = tomlkit.array()
    array.multiline(True)
    for day, name in sorted(days.items()):
        if name:
            entry = tomlkit.inline_table()
            entry.update({"date": day.isoformat(), "name": name})
            array.append(entry)
        else:
            array.append(day.isoformat())
    return array


def _workday_array(days: set[date] | list[date]) -> Any:
    import tomlkit

    array = tomlkit.array()
    for day in sorted(days):
        array.append(day.isoformat())
    return array


def _year_table(days: _Days, comment: str | None) -> Any:
    import tomlkit

    table = tomlkit.table()
    if comment:
        table.add(tomlkit.comment(comment))
    table.add("holidays", _holiday_array(days.holidays))
    table.add("workdays", _workday_array(days.workdays))
    return table


def render(plan: ImportPlan, text: str, via: str | None = None) -> str:
    """The new holidays.toml text: `text` with the plan's tables replaced, comments kept."""
    import tomlkit

    doc = tomlkit.parse(text)
    if "years" not in doc:
        doc.add("years", tomlkit.table(is_super_table=True))
    years = doc["years"]
    how = "修订" if plan.notice.amends else "导入"
    # who wrote the table stays in the file: `via` names the dashboard user, say
    comment = f"{plan.notice.title}（{via or 'opinion-monitor calendar import-notice'} {how}）"
    if plan.notice.amends and str(plan.year) in years:
        # keep the comment of the base import; the amendment adds its own line
        old = years[str(plan.year)]
        old["holidays"] = _holiday_array(plan.holidays)
        old["workdays"] = _workday_array(plan.workdays)
        old.add(tomlkit.comment(comment))
    else:
        years[str(plan.year)] = _year_table(_Days(plan.holidays, set(plan.workdays)), comment)
    for z, table in plan.other_tables.items():
        old = years[str(z)]
        old["holidays"] = _holiday_array(table.holidays)
        old["workdays"] = _workday_array(table.workdays)
    if plan.overrides is not None:
        doc["holidays"] = _holiday_array(plan.overrides.holidays)
        doc["workdays"] = _workday_array(plan.overrides.workdays)
    return tomlkit.dumps(doc)


def write_import(
    plan: ImportPlan, expected_digest: str | None = None, via: str | None = None
) -> None:
    """Write the plan to its holidays.toml atomically. Refuses (NoticeError) when the file
    changed since the plan — or since `expected_digest` (`plan.digest` of a preview shown
    earlier, e.g. carried in the dashboard's form); the result is checked by loading it before
    it replaces the file. `via` is written in the table's comment (e.g. "值班看板 /calendar，
    用户 张三"; default: the command)."""
    path = plan.path
    text = _read(path)
    if _digest(text) != (expected_digest or plan.digest):
        raise NoticeError(f"{path} 在预览之后被修改过：请重新导入预览后再写入")
    new = render(plan, text, via)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".holidays.", suffix=".toml", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(new)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o644)
        check = load_calendar(tmp)  # never replace a good file with one the monitor rejects
        if plan.year not in check.years:
            raise ConfigError(f"{path}: [years.{plan.year}] missing after writing")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def import_notice(
    text: str,
    path: Path,
    year: int | None = None,
    dry_run: bool = False,
    calendar: WorkCalendar | None = None,
    via: str | None = None,
) -> tuple[ImportPlan, bool]:
    """Read, plan and (unless dry_run, or the file already says exactly this) write. Returns
    (plan, written)."""

    plan = plan_import(parse_notice(text, year), path, calendar)
    if dry_run or not plan.changed:
        # nothing to write: the dashboard offers no 写入 then either, and the CLI must not
        # say 已写入 under its own 没有变化 line
        return plan, False
    write_import(plan, via=via)
    return plan, True


# ---------------------------------------------------------------------------------------
# showing (Chinese, for the terminal; the dashboard renders the same plan as HTML)


def runs(days: list[date] | tuple[date, ...]) -> list[str]:
    """Consecutive days as `A 至 B（N 天）`, single days alone."""
    out: list[str] = []
    ordered = sorted(days)
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] - ordered[j] == timedelta(days=1):
            j += 1
        if i == j:
            out.append(day_zh(ordered[i]))
        else:
            out.append(f"{day_zh(ordered[i])} 至 {day_zh(ordered[j])}（{j - i + 1} 天）")
        i = j + 1
    return out


def summary_lines(plan: ImportPlan, written: bool, dry_run: bool = True) -> list[str]:
    """What the import found and changed, in Chinese, one line each (`dry_run`: only a
    preview was asked for, as on the dashboard before 写入)."""
    notice = plan.notice
    lines = [
        f"《{notice.title}》：{plan.year} 年"
        + ("（修订通知，叠加在已导入的安排上）" if notice.amends else "")
    ]
    for fest in notice.festivals:
        text = (
            f"  {fest.name}：放假 " + "、".join(runs(fest.holidays))
            if fest.holidays
            else f"  {fest.name}："
        )
        if fest.workdays:
            text += "；调休上班 " + "、".join(day_zh(d) for d in fest.workdays)
        lines.append(text)
    for ext in notice.extensions:
        lines.append(f"  {ext.festival}：假期延长至 {day_zh(ext.until)}")
    for sentence in notice.ignored:
        lines.append(f"  未计入（仅为鼓励，不是放假）：{sentence}")
    for text in notice.checked:
        lines.append(f"  已核对，与编号的安排一致（不另计入）：{text}")
    for text in notice.set_aside:
        lines.append(f"  未计入（不是编号的安排，也没说清哪天放假）：{text}")
    other = sorted(
        {d.year for f in notice.festivals for d in f.holidays + f.workdays} - {plan.year}
    )
    for z in other:
        days = sorted(d for d in list(notice.holidays) + list(notice.workdays) if d.year == z)
        if z in plan.other_tables:
            where = f"写入 [years.{z}]"
        elif plan.overrides is not None and any(
            d in plan.overrides.holidays or d in plan.overrides.workdays for d in days
        ):
            where = f"{z} 年的日历未知，作为单日调整写入文件开头的 holidays/workdays"
        else:
            where = "日历中已是如此，无需写入"
        lines.append(
            f"  注意：{'、'.join(d.isoformat() for d in days)} 属于 {z} 年，"
            f"不计入 {plan.year} 年（{where}）"
        )
    lines.append(
        f"{plan.year} 年共放假 {len(plan.holidays)} 天（含周末），调休上班 "
        f"{len(plan.workdays)} 天。"
    )
    if plan.changed:
        lines.append(f"与 {plan.path} 相比：")
        for sign, label, changes in (("+", "新增", plan.added), ("-", "删除", plan.removed)):
            for kind in (HOLIDAY, WORKDAY):
                days = [c.day for c in changes if c.kind == kind]
                if days:
                    shown = runs(days) if kind == HOLIDAY else [day_zh(d) for d in sorted(days)]
                    lines.append(
                        f"  {sign} {label}{KIND_ZH[kind]} {len(days)} 天：" + "、".join(shown)
                    )
    else:
        lines.append(f"与 {plan.path} 相同，没有变化。")
    if plan.package_knows:
        if plan.package_differs:
            lines.append(
                f"与已安装的 chinese_calendar 的 {plan.year} 年有 "
                f"{len(plan.package_differs)} 天不同（以通知为准）："
                + "、".join(day_zh(d) for d in plan.package_differs[:10])
                + (
                    ""
                    if notice.amends
                    else "；若该年后来有修订通知（如延长假期），请再导入修订通知"
                )
            )
        else:
            lines.append(f"与已安装的 chinese_calendar 的 {plan.year} 年逐日一致。")
    if written:
        lines.append(
            f"已写入 {plan.path} 的 [years.{plan.year}]；守护进程会自动读取，"
            "临时截止日将在下一次巡检时按新日历确定。"
        )
    elif dry_run:
        lines.append("试运行：未写入任何文件。")
    else:
        lines.append(f"无需写入：{plan.path.name} 中已是这样。")
    return lines
