"""`calendar import-notice`: the State Council's notices 2019–2026 as pasted from real pages,
imported into a holidays.toml, must agree with the installed chinese_calendar on every day."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest

from monitor.calendar import WorkCalendar, load_calendar
from monitor.calendar_import import import_notice, plan_import, write_import
from monitor.calendar_notice import Notice, NoticeError, normalise, parse_notice
from tests.conftest import FIXTURES

NOTICES = FIXTURES / "notices"
ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "config" / "holidays.toml"

# Each year: the notice, then the later notices that amended it (applied on top, in order).
# 2019: the 劳动节 was lengthened to 5月1日至4日 by a notice of 2019-03-22 (4月28日 and 5月5日
# became make-up workdays); 2020: the 春节 was extended to 2月2日 (2月1日, a make-up Saturday,
# became a rest day). The package has both amendments, so only notice + amendment agree with it.
YEARS = {
    2019: ["2019.txt", "2019-labour-day-adjustment.txt"],
    2020: ["2020.txt", "2020-extension.txt"],
    2021: ["2021.txt"],
    2022: ["2022.txt"],
    2023: ["2023.txt"],
    2024: ["2024.txt"],
    2025: ["2025.txt"],
    2026: ["2026.txt"],
}
VARIANTS = {  # the same notices as other sites print them
    "2021-traditional.txt": 2021,  # Hong Kong page, traditional characters, full-width digits
    "2024-traditional.txt": 2024,  # Taiwan page, traditional characters
    "2022-halfwidth.txt": 2022,  # half-width punctuation: (星期六), 一,元旦: …
    # a traditional page glossing characters with pinyin: 勞動(dòng)節, 日(rì)(rì)（星期(qī)日）
    "2020-traditional-pinyin.txt": 2020,
    # a news reprint: headline, （來源：央視新聞）, a lead restating 元旦's and 春節's dates, the
    # numbered lines without the preamble, a comment restating 国庆节, editor lines
    "2020-news-reprint.txt": 2020,
}
# the 2020 extension as a glossed traditional page prints it
EXTENSION_VARIANTS = ["2020-extension.txt", "2020-extension-traditional-pinyin.txt"]


def holidays_file(tmp_path: Path, text: str | None = None) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "holidays.toml"
    if text is None:
        shutil.copy(TEMPLATE, path)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def imported(path: Path, year: int) -> WorkCalendar:
    """The calendar holidays.toml now gives for `year`, without the package behind it."""
    calendar = load_calendar(path)
    assert year in calendar.years
    calendar.use_package = False
    return calendar


def differing_days(calendar: WorkCalendar, year: int) -> list[date]:
    # What matters is whether a day works: chinese_calendar also names some weekend days of a
    # span as holidays and some not, and its names are English, so names are not compared.
    day, out = date(year, 1, 1), []
    while day.year == year:
        if calendar.is_workday(day) != chinese_calendar.is_workday(day):
            out.append(day)
        day += timedelta(days=1)
    return out


@pytest.mark.parametrize("year", sorted(YEARS))
def test_each_year_agrees_with_chinese_calendar_on_every_day(tmp_path: Path, year: int) -> None:
    path = holidays_file(tmp_path)
    for name in YEARS[year]:
        plan, written = import_notice((NOTICES / name).read_text(encoding="utf-8"), path)
        assert written and plan.year == year
    calendar = imported(path, year)
    assert differing_days(calendar, year) == []
    days = (date(year + 1, 1, 1) - date(year, 1, 1)).days
    assert days in (365, 366)


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_traditional_and_half_width_reprints_read_the_same(tmp_path: Path, name: str) -> None:
    year = VARIANTS[name]
    variant = parse_notice((NOTICES / name).read_text(encoding="utf-8"))
    original = parse_notice((NOTICES / f"{year}.txt").read_text(encoding="utf-8"))
    assert variant.year == year
    assert variant.holidays == original.holidays and variant.workdays == original.workdays
    path = holidays_file(tmp_path)
    import_notice((NOTICES / name).read_text(encoding="utf-8"), path)
    for amendment in YEARS[year][1:]:  # 2020: the extension, on top of the reprint
        import_notice((NOTICES / amendment).read_text(encoding="utf-8"), path)
    assert differing_days(imported(path, year), year) == []


@pytest.mark.parametrize("base", ["2020-traditional-pinyin.txt", "2020-news-reprint.txt"])
@pytest.mark.parametrize("extension", EXTENSION_VARIANTS)
def test_the_extension_applies_over_a_reprint_of_2020(
    tmp_path: Path, base: str, extension: str
) -> None:
    path = holidays_file(tmp_path)
    import_notice((NOTICES / base).read_text(encoding="utf-8"), path)
    assert differing_days(imported(path, 2020), 2020) == [date(2020, 1, 31), date(2020, 2, 1)]
    plan, written = import_notice((NOTICES / extension).read_text(encoding="utf-8"), path)
    assert written and plan.notice.amends
    assert differing_days(imported(path, 2020), 2020) == []


def test_a_reprints_prose_is_checked_not_counted() -> None:
    notice = parse_notice((NOTICES / "2020-news-reprint.txt").read_text(encoding="utf-8"))
    assert [f.name for f in notice.festivals] == [
        "元旦",
        "春节",
        "清明节",
        "劳动节",
        "端午节",
        "国庆节、中秋节",
    ]
    assert len(notice.checked) == 2
    assert notice.checked[0].endswith(
        "2020年元旦1月1日放假，共1天，不調休；春節1月24日至30日放假調休，共7天。"
    )
    assert notice.checked[1].startswith("據了解，2020年國慶節恰逢中秋節")
    path_free = summary_lines_of(notice)
    assert any(
        line.startswith("  已核对，与编号的安排一致（不另计入）：國務院辦公廳21日")
        for line in path_free
    )


def summary_lines_of(notice: Notice) -> list[str]:
    from monitor.calendar_import import ImportPlan, summary_lines

    plan = ImportPlan(notice, Path("holidays.toml"), notice.year, {}, [], [], [])
    return summary_lines(plan, written=False)


def test_without_the_amendment_the_year_differs_exactly_where_it_amended(tmp_path: Path) -> None:
    path = holidays_file(tmp_path)
    import_notice((NOTICES / "2020.txt").read_text(encoding="utf-8"), path)
    assert differing_days(imported(path, 2020), 2020) == [date(2020, 1, 31), date(2020, 2, 1)]


def test_the_extension_rests_the_make_up_workday_and_shows_it(tmp_path: Path) -> None:
    path = holidays_file(tmp_path)
    import_notice((NOTICES / "2020.txt").read_text(encoding="utf-8"), path)
    plan, _ = import_notice((NOTICES / "2020-extension.txt").read_text(encoding="utf-8"), path)
    doc = plan.to_json(True)
    assert doc["added"] == [
        {"date": "2020-01-31", "kind": "holiday"},
        {"date": "2020-02-01", "kind": "holiday"},
        {"date": "2020-02-02", "kind": "holiday"},
    ]
    assert doc["removed"] == [{"date": "2020-02-01", "kind": "workday"}]
    assert "2020-02-03" not in doc["holidays"] + doc["workdays"]  # 2月3日起正常上班: not a day
    assert load_calendar(path).holiday_name(date(2020, 2, 1)) == "春节"


def test_an_amendment_needs_its_year_imported_first(tmp_path: Path) -> None:
    path = holidays_file(tmp_path)
    before = path.read_bytes()
    with pytest.raises(
        NoticeError, match=r"请先导入《国务院办公厅关于2020年部分节假日安排的通知》"
    ):
        import_notice((NOTICES / "2020-extension.txt").read_text(encoding="utf-8"), path)
    assert path.read_bytes() == before


def test_encouraged_new_years_eve_is_not_a_holiday(tmp_path: Path) -> None:
    notice = parse_notice((NOTICES / "2024.txt").read_text(encoding="utf-8"))
    assert date(2024, 2, 9) not in notice.holidays
    assert any("除夕" in s for s in notice.ignored)
    path = holidays_file(tmp_path)
    import_notice((NOTICES / "2024.txt").read_text(encoding="utf-8"), path)
    assert imported(path, 2024).is_workday(date(2024, 2, 9))


def test_dates_of_another_year_belong_to_that_year(tmp_path: Path) -> None:
    notice = parse_notice((NOTICES / "2019.txt").read_text(encoding="utf-8"))
    assert notice.holidays[date(2018, 12, 31)] == "元旦" and date(2018, 12, 29) in notice.workdays
    # the file declares 2018: the days go into [years.2018]
    path = holidays_file(tmp_path, '[years.2018]\nholidays = ["2018-10-01"]\n')
    plan, _ = import_notice((NOTICES / "2019.txt").read_text(encoding="utf-8"), path)
    assert all(d.startswith("2019-") for d in plan.to_json(True)["holidays"])
    calendar = load_calendar(path)
    assert {date(2018, 12, 30), date(2018, 12, 31)} <= set(calendar.years[2018].holidays)
    assert calendar.years[2018].workdays == {date(2018, 12, 29)}
    assert {"date": "2018-12-29", "kind": "workday"} in plan.to_json(True)["added"]
    # the file does not declare 2018 and the package agrees: nothing to write for 2018
    other = holidays_file(tmp_path / "b")
    import_notice((NOTICES / "2019.txt").read_text(encoding="utf-8"), other)
    assert set(load_calendar(other).years) == {2019} and not load_calendar(other).extra_holidays
    # nobody knows 2018: single-day overrides at the top of the file
    third = holidays_file(tmp_path / "c")
    plan = plan_import(notice, third, WorkCalendar(use_package=False))
    write_import(plan)
    calendar = load_calendar(third)
    assert set(calendar.years) == {2019}
    assert date(2018, 12, 31) in calendar.extra_holidays
    assert calendar.extra_workdays == {date(2018, 12, 29)}


def test_comments_and_other_years_are_kept(tmp_path: Path) -> None:
    text = TEMPLATE.read_text(encoding="utf-8") + (
        '\n# 本地通知：2030年单位另行安排\n[years.2030]\nholidays = ["2030-01-01"]  # 元旦\n'
    )
    path = holidays_file(tmp_path, text)
    import_notice((NOTICES / "2026.txt").read_text(encoding="utf-8"), path)
    new = path.read_text(encoding="utf-8")
    assert new.startswith(TEMPLATE.read_text(encoding="utf-8").rstrip("\n"))
    assert "# 本地通知：2030年单位另行安排" in new and '"2030-01-01"]  # 元旦' in new
    assert "# 国务院办公厅关于2026年部分节假日安排的通知" in new
    calendar = load_calendar(path)
    assert set(calendar.years) == {2026, 2030}
    assert calendar.holiday_name(date(2026, 2, 17)) == "春节"
    # importing the same notice again changes nothing
    plan, _ = import_notice((NOTICES / "2026.txt").read_text(encoding="utf-8"), path)
    assert not plan.changed and path.read_text(encoding="utf-8") == new


def test_a_base_notice_replaces_what_the_year_had(tmp_path: Path) -> None:
    path = holidays_file(
        tmp_path, '[years.2026]\nholidays = ["2026-03-02"]\nworkdays = ["2026-03-07"]\n'
    )
    plan, _ = import_notice((NOTICES / "2026.txt").read_text(encoding="utf-8"), path)
    assert {"date": "2026-03-02", "kind": "holiday"} in plan.to_json(True)["removed"]
    assert {"date": "2026-03-07", "kind": "workday"} in plan.to_json(True)["removed"]


def test_non_days_are_not_written() -> None:
    # a news lead (12月6日电) and the whole notice in one paragraph, as a news app prints it;
    # the signing date and 起正常上班 are not schedule days either
    text = (
        "国务院办公厅关于2019年部分节假日安排的通知\n"
        "新华社北京12月6日电 经国务院批准，现将2019年元旦、春节放假调休日期的具体安排通知如下。"
        "一、元旦：2018年12月30日至2019年1月1日放假调休，共3天。2018年12月29日（星期六）上班。"
        "二、春节：2月4日至10日放假调休，共7天。2月2日（星期六）、2月3日（星期日）上班，"
        "2月11日（星期一）起正常上班。\n国务院办公厅\n2018年12月6日\n"
    )
    notice = parse_notice(text)
    days = set(notice.holidays) | set(notice.workdays)
    assert date(2018, 12, 6) not in days and date(2019, 2, 11) not in days
    assert date(2019, 12, 6) not in days
    assert [f.name for f in notice.festivals] == ["元旦", "春节"]
    assert len(notice.holidays) == 10 and len(notice.workdays) == 3


def test_related_links_of_other_years_do_not_confuse_the_year() -> None:
    # 2019.txt ends with a link to the 2018 notice and a 2018 headline with 放假
    notice = parse_notice((NOTICES / "2019.txt").read_text(encoding="utf-8"))
    assert notice.year == 2019 and date(2019, 10, 1) in notice.holidays
    assert date(2018, 10, 1) not in notice.holidays


@pytest.mark.parametrize(
    ("name", "reason", "quoted"),
    [
        ("impossible-month.txt", "0月1日 不是有效日期", "一、元旦：0月1日至3日放假调休，共3天。"),
        ("impossible-day.txt", "2月30日 不是有效日期", "2月14日（周六）、2月30日上班。"),
        (
            "count-mismatch.txt",
            "写的是共 8 天，但 2026-10-01 至 2026-10-07 是 7 天",
            "七、国庆节：10月1日（周四）至7日（周三）放假调休，共8天。",
        ),
        ("unknown-festival.txt", "无法识别的节日“端五节”", "五、端五节："),
        ("weekday-mismatch.txt", "2026-05-10 是星期日，通知写的是星期六", "5月10日（周六）上班。"),
        ("no-title.txt", "无法确定年份：请用 --year 指定", None),
        (
            # the lead of a news reprint says 元旦 rests three days, the numbered line one
            "prose-contradicts.txt",
            "与编号的放假安排矛盾：这里写元旦放假 2020-01-01（周三） 至 2020-01-03（周五）（3 天），"
            "编号的一条写的是 2020-01-01（周三）（1 天）",
            "2020年元旦1月1日至3日放假，共3天。",
        ),
    ],
)
def test_broken_copies_are_refused_with_the_line(
    tmp_path: Path, name: str, reason: str, quoted: str | None
) -> None:
    folder = tmp_path / "cfg"
    folder.mkdir()
    (folder / "monitor.toml").write_text(
        '[monitor]\ndatabase = "sqlite:///monitor.db"\n', encoding="utf-8"
    )
    path = holidays_file(folder)
    before = path.read_bytes()
    result = run_cli(folder, "calendar", "import-notice", str(NOTICES / "broken" / name))
    assert result.returncode == 2
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert reason in result.stderr and "未写入任何内容" in result.stderr
    if quoted:
        assert quoted in result.stderr
    assert path.read_bytes() == before


def test_no_title_imports_with_year(tmp_path: Path) -> None:
    path = holidays_file(tmp_path)
    import_notice(
        (NOTICES / "broken" / "no-title.txt").read_text(encoding="utf-8"), path, year=2026
    )
    assert differing_days(imported(path, 2026), 2026) == []
    with pytest.raises(NoticeError, match="与 --year 2027 不符"):
        parse_notice((NOTICES / "2026.txt").read_text(encoding="utf-8"), year=2027)


def run_cli(folder: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    """The real command in a child process (stdin as bytes; stdout/stderr decoded)."""
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(folder / "monitor.toml"), *args],
        check=False,
        cwd=ROOT,
        input=stdin or b"",
        capture_output=True,
        timeout=60,
    )
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8")
    )


def test_cli_json_dry_run_and_stdin_in_gbk(tmp_path: Path) -> None:
    folder = tmp_path / "cfg"
    folder.mkdir()
    (folder / "monitor.toml").write_text(
        '[monitor]\ndatabase = "sqlite:///monitor.db"\n', encoding="utf-8"
    )
    path = holidays_file(folder)
    before = path.read_bytes()
    text = (NOTICES / "2025.txt").read_text(encoding="utf-8")
    # a notice saved by a Windows editor: GBK, read from stdin
    result = run_cli(
        folder,
        "calendar",
        "import-notice",
        "-",
        "--dry-run",
        "--json",
        stdin=text.encode("gb18030"),
    )
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert set(doc) >= {"year", "holidays", "workdays", "added", "removed", "written"}
    assert doc["year"] == 2025 and doc["written"] is False and doc["removed"] == []
    assert doc["workdays"] == ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"]
    assert len(doc["holidays"]) == 28 and "2025-01-28" in doc["holidays"]
    assert {"date": "2025-01-26", "kind": "workday"} in doc["added"]
    assert path.read_bytes() == before
    # the Chinese report, then written
    result = run_cli(folder, "calendar", "import-notice", str(NOTICES / "2025.txt"))
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "春节：放假 2025-01-28（周二） 至 2025-02-04（周二）（8 天）" in out
    assert "调休上班 2025-01-26（周日）、2025-02-08（周六）" in out
    assert "已写入" in out and "逐日一致" in out
    assert 2025 in load_calendar(path).years


def test_older_forms_bu_xiu_and_a_label_on_its_own_line() -> None:
    # forms of older notices (a 补休 day, 放假公休) and a reprint that breaks the line after the
    # label; the days are made up for the test, not a real year's schedule
    text = (
        "国务院办公厅关于2012年部分节假日安排的通知\n现将2012年元旦、国庆节放假调休日期的具体安排通知如下。\n"
        "一、元旦：\n2012年1月1日至3日放假调休，共3天。2011年12月31日（星期六）上班。\n"
        "七、中秋节、国庆节：\n9月30日至10月7日放假调休，共8天。9月29日（星期六）上班。\n"
        "二、端午节：6月22日至24日放假公休，共3天。6月25日（星期一）补休。\n"
        "国务院办公厅\n二〇一一年十二月六日\n"
    )
    notice = parse_notice(text)
    assert [f.name for f in notice.festivals] == ["元旦", "中秋节、国庆节", "端午节"]
    assert (
        date(2012, 6, 25) in notice.holidays
        and notice.holidays[date(2012, 10, 7)] == "中秋节、国庆节"
    )
    assert notice.workdays == {date(2011, 12, 31): "元旦", date(2012, 9, 29): "中秋节、国庆节"}


def test_a_sentence_wrapped_across_lines_is_read_whole() -> None:
    # copied from a PDF or a narrow page: lines break inside sentences and even inside a date
    text = (
        "国务院办公厅关于2019年部分节假日安排的通知\n现将2019年春节放假调休日期的具体安排通知如下。\n"
        "二、春节：2月\n4日至10日放假调休，共7\n天。2月2日（星期六）、\n2月3日（星期日）上班。\n"
        "国务院办公厅\n2018年12月6日\n"
    )
    notice = parse_notice(text)
    assert sorted(notice.holidays) == [date(2019, 2, d) for d in range(4, 11)]
    assert sorted(notice.workdays) == [date(2019, 2, 2), date(2019, 2, 3)]


def test_a_day_without_its_month_is_refused() -> None:
    text = (
        "国务院办公厅关于2019年部分节假日安排的通知\n现将2019年春节放假调休日期的具体安排通知如下。\n"
        "二、春节：4日至10日放假调休，共7天。\n国务院办公厅\n"
    )
    with pytest.raises(NoticeError, match="日期不完整") as caught:
        parse_notice(text)
    assert caught.value.line == "二、春节：4日至10日放假调休，共7天。" and caught.value.number == 3


def test_a_preview_is_not_applied_over_a_file_changed_since(tmp_path: Path) -> None:
    # the dashboard previews, someone edits holidays.toml, then the preview is applied
    path = holidays_file(tmp_path)
    notice = parse_notice((NOTICES / "2026.txt").read_text(encoding="utf-8"))
    preview = plan_import(notice, path)
    path.write_text(path.read_text(encoding="utf-8") + "\n# 有人改过\n", encoding="utf-8")
    changed = path.read_bytes()
    with pytest.raises(NoticeError, match="在预览之后被修改过"):
        write_import(preview)
    with pytest.raises(NoticeError, match="在预览之后被修改过"):
        write_import(plan_import(notice, path), expected_digest=preview.digest)
    assert path.read_bytes() == changed
    write_import(plan_import(notice, path), via="值班看板 /calendar，用户 张三")
    assert 2026 in load_calendar(path).years
    assert (
        "# 国务院办公厅关于2026年部分节假日安排的通知（值班看板 /calendar，用户 张三 导入）"
        in path.read_text(encoding="utf-8")
    )


def test_spans_written_with_a_tilde_or_dash() -> None:
    text = (
        "国务院办公厅关于2026年部分节假日安排的通知\n现将2026年春节、国庆节放假调休日期的具体安排通知如下：\n"
        "二、春节：2月15日～23日放假调休，共9天。2月14日（周六）、2月28日（周六）上班。\n"
        "七、国庆节：10月1日（周四）-7日（周三）放假调休，共7天。\n国务院办公厅\n"
    )
    notice = parse_notice(text)
    assert len([d for d, n in notice.holidays.items() if n == "春节"]) == 9
    assert len([d for d, n in notice.holidays.items() if n == "国庆节"]) == 7


# Copies nobody has pasted yet: every year's notice put through what other pages do to it.
GLOSSES = ["(dòng)", "（wù）", "(jié)", "(rì)(rì)", "(qī)", "(shěng)", "(ri)", "(xiàn)", "(ㄖˋ)"]
HEADER = (
    "首页 > 新闻中心 > 要闻\n发布时间：{signed}　浏览次数：1234\n【字体：大 中 小】 打印本页 关闭窗口\n"
    "分享到：微信 微博 QQ空间\n（来源：央视新闻）\n"
)
FOOTER = (
    "\n附件：{year}年节假日安排表.xls\n（编辑：王晓 审核：李明）\n责任编辑：张悦\n分享到：微信 微博\n"
    "上一篇：国务院办公厅关于{last}年部分节假日安排的通知\n扫一扫在手机打开当前页\n"
)


def glossed(text: str) -> str:
    """Traditional characters with a pinyin (or zhuyin) gloss after every third character."""
    import zhconv

    out, count = [], 0
    for char in zhconv.convert(text, "zh-hant"):
        out.append(char)
        if "\u4e00" <= char <= "\u9fff":
            count += 1
            if count % 3 == 0:
                out.append(GLOSSES[count % len(GLOSSES)])
    return "".join(out)


def lead(notice: Notice, shift: int = 0) -> str:
    """A reporter's paragraph restating every festival's days (the first festival's last day
    moved by `shift`)."""
    said = []
    for i, fest in enumerate(notice.festivals):
        first, last = fest.holidays[0], fest.holidays[-1] + timedelta(days=shift if i == 0 else 0)
        name = fest.name.replace("、", "和")
        if first == last:
            said.append(f"{name}{first.year}年{first.month}月{first.day}日放假")
        elif (fest.holidays[-1] - first).days + 1 == len(fest.holidays):
            days = (last - first).days + 1
            said.append(
                f"{name}{first.year}年{first.month}月{first.day}日至{last.year}年{last.month}月"
                f"{last.day}日放假，共{days}天"
            )
        if fest.workdays:
            said[-1] += (
                "，"
                + "、".join(
                    f"{'' if d.year == notice.year else f'{d.year}年'}{d.month}月{d.day}日"
                    for d in fest.workdays
                )
                + "上班"
            )
    return f"国务院办公厅{notice.year - 1}年发布通知：" + "；".join(said) + "。"


def reprinted(year: int, *, gloss: bool, preamble: bool, shift: int = 0) -> str:
    text = (NOTICES / f"{year}.txt").read_text(encoding="utf-8")
    notice = parse_notice(text)
    if not preamble:  # the reprint keeps only the numbered lines: its lead is in the body
        text = "\n".join(line for line in text.splitlines() if "通知如下" not in line)
    signed = f"{year - 1}-11-21 16:25"
    page = (
        HEADER.format(signed=signed)
        + lead(notice, shift)
        + "\n"
        + text
        + FOOTER.format(year=year, last=year - 1)
    )
    return glossed(page) if gloss else page


@pytest.mark.parametrize("year", sorted(YEARS))
@pytest.mark.parametrize(("gloss", "preamble"), [(True, True), (False, False), (True, False)])
def test_every_year_survives_the_clutter_of_other_pages(
    tmp_path: Path, year: int, gloss: bool, preamble: bool
) -> None:
    original = parse_notice((NOTICES / f"{year}.txt").read_text(encoding="utf-8"))
    copy = reprinted(year, gloss=gloss, preamble=preamble)
    notice = parse_notice(copy)
    assert notice.year == year
    assert notice.holidays == original.holidays and notice.workdays == original.workdays
    if not preamble:
        assert len(notice.checked) == 1  # the lead was read and agrees
    path = holidays_file(tmp_path)
    import_notice(copy, path)
    for amendment in YEARS[year][1:]:
        import_notice((NOTICES / amendment).read_text(encoding="utf-8"), path)
    assert differing_days(imported(path, year), year) == []


@pytest.mark.parametrize("year", sorted(YEARS))
def test_a_lead_that_contradicts_the_numbered_lines_is_refused(year: int) -> None:
    copy = reprinted(year, gloss=year % 2 == 0, preamble=False, shift=1)
    with pytest.raises(NoticeError) as caught:
        parse_notice(copy)
    # refused on the lead, which disagrees with the numbered lines (or, where the moved day is
    # one of its own make-up workdays, with itself)
    assert caught.value.line is not None and "发布通知" in normalise(caught.value.line)
    assert "与编号的放假安排矛盾" in str(caught.value) or "既是放假又是上班" in str(caught.value)


def test_a_copy_that_lost_items_is_refused() -> None:
    # a news app that kept the preamble and 元旦 and ran the rest together without festivals
    text = (
        "国务院办公厅关于2021年部分节假日安排的通知\n"
        "经国务院批准，现将2021年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的"
        "具体安排通知如下\n一、元旦：2021年1月1日至3日放假，共3天。\n国务院办公厅\n2020年11月25日\n"
    )
    with pytest.raises(
        NoticeError, match="通知开头列出了春节、清明节、劳动节、端午节、中秋节、国庆节"
    ):
        parse_notice(text)


def test_importing_the_same_notice_again_writes_nothing_and_says_so(tmp_path: Path) -> None:
    """A second import of a notice already in holidays.toml used to print 没有变化 and then
    已写入 (and `"written": true`); like the dashboard, it now writes nothing and says so."""
    folder = tmp_path / "cfg"
    folder.mkdir()
    (folder / "monitor.toml").write_text(
        '[monitor]\ndatabase = "sqlite:///monitor.db"\n', encoding="utf-8"
    )
    path = holidays_file(folder)
    notice = str(NOTICES / "2025.txt")
    first = run_cli(folder, "calendar", "import-notice", notice)
    assert first.returncode == 0, first.stderr
    assert "已写入" in first.stdout
    written = path.read_bytes()
    again = run_cli(folder, "calendar", "import-notice", notice)
    assert again.returncode == 0, again.stderr
    assert "没有变化" in again.stdout and "已写入" not in again.stdout
    assert "无需写入：holidays.toml 中已是这样。" in again.stdout
    assert path.read_bytes() == written
    doc = json.loads(run_cli(folder, "calendar", "import-notice", notice, "--json").stdout)
    assert doc["written"] is False and doc["added"] == [] and doc["removed"] == []
    dry = run_cli(folder, "calendar", "import-notice", notice, "--dry-run")
    assert "试运行：未写入任何文件。" in dry.stdout
