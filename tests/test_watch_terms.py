"""The watchlist store: CLI edits with history, import/export round trips, bad import lines
(all or nothing), seeding on init, and hot reload (an edit applies to the next scan in the
same process)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.errors import MonitorError
from monitor.watchlist.matcher import get_matcher
from monitor.watchlist.terms import (
    add_term,
    format_file,
    list_terms,
    parse_file,
    parse_text,
    remove_term,
)
from tests.conftest import write_config


def run(config: Path, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, ["--config", str(config), *args])
    assert result.exit_code == code, (result.output, result.stderr)
    return result.stdout if code == 0 else result.stderr


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = write_config(tmp_path / "cfg")
    (path.parent / "watchlist.txt").write_text(
        "# seed\n审计 | info | 本单位 | !评审计划\n欠薪 | warning | 民生\n", encoding="utf-8"
    )
    run(path, "init")
    return path


def listed(config: Path) -> list[dict]:
    return json.loads(run(config, "watchlist", "list", "--json"))


def test_init_seeds_the_watchlist_once(config: Path) -> None:
    assert listed(config) == [
        {
            "term": "审计",
            "level": "info",
            "category": "本单位",
            "exclude": ["评审计划"],
            "enabled": True,
        },
        {"term": "欠薪", "level": "warning", "category": "民生", "exclude": [], "enabled": True},
    ]
    table = run(config, "watchlist", "list")
    assert "关注词" in table and "提示" in table and "评审计划" in table and "共 2 个" in table
    run(config, "watchlist", "remove", "欠薪")
    run(config, "init")  # the table is not empty: no re-seed, the removal stands
    assert [t["term"] for t in listed(config)] == ["审计"]


def test_add_update_remove_with_history(config: Path, monkeypatch) -> None:
    monkeypatch.setenv("USER", "zhangsan")
    run(
        config,
        "watchlist",
        "add",
        "腐败",
        "--level",
        "critical",
        "--category",
        "廉政",
        "--exclude",
        "反腐败",
    )
    run(config, "watchlist", "add", "審計", "--level", "warning")  # update, normalised
    run(config, "watchlist", "remove", "欠薪")
    terms = {t["term"]: t for t in listed(config)}
    assert terms["腐败"] == {
        "term": "腐败",
        "level": "critical",
        "category": "廉政",
        "exclude": ["反腐败"],
        "enabled": True,
    }
    # an update keeps what was not given
    assert terms["审计"]["category"] == "本单位" and terms["审计"]["exclude"] == ["评审计划"]
    assert terms["审计"]["level"] == "warning"
    assert "欠薪" not in terms
    history = json.loads(run(config, "watchlist", "history", "--json"))
    assert [(h["action"], h["term"], h["actor"]) for h in history[:3]] == [
        ("remove", "欠薪", "zhangsan"),
        ("update", "审计", "zhangsan"),
        ("add", "腐败", "zhangsan"),
    ]
    assert history[1]["before"]["level"] == "info" and history[1]["after"]["level"] == "warning"
    assert history[0]["after"] is None
    table = run(config, "watchlist", "history")
    assert "删除" in table and "zhangsan" in table


def test_exclude_accepts_several_phrases_after_one_flag(config: Path) -> None:
    run(config, "watchlist", "add", "举报", "--exclude", "举报电话", "举报箱")
    terms = {t["term"]: t for t in listed(config)}
    assert terms["举报"]["exclude"] == ["举报电话", "举报箱"]
    err = run(config, "watchlist", "add", "举报", "多余", code=1)
    assert "只能给一个关注词" in err


def test_check_shows_hits_and_honours_exclusions(config: Path) -> None:
    hits = json.loads(
        run(config, "watchlist", "check", "市審計局公布评审计划，工地拖欠薪资", "--json")
    )
    assert [(h["term"], h["level"], h["count"]) for h in hits] == [
        ("欠薪", "warning", 1),
        ("审计", "info", 1),
    ]
    assert "未命中" in run(config, "watchlist", "check", "年度评审计划")
    assert "置信度" in run(config, "watchlist", "check", "审计")


def test_remove_unknown_term_is_not_found(config: Path) -> None:
    err = run(config, "watchlist", "remove", "不存在", code=4)
    assert "不存在" in err and "Traceback" not in err


def test_export_import_round_trip(config: Path, tmp_path: Path) -> None:
    run(
        config,
        "watchlist",
        "add",
        "举报",
        "--level",
        "critical",
        "--exclude",
        "举报电话",
        "--exclude",
        "举报箱",
    )
    run(config, "watchlist", "add", "PM2.5")
    before = listed(config)
    exported = tmp_path / "out.txt"
    run(config, "watchlist", "export", str(exported))
    other = write_config(tmp_path / "other")
    (other.parent / "watchlist.txt").write_text("# nothing to seed\n", encoding="utf-8")
    run(other, "init")
    assert listed(other) == []
    run(other, "watchlist", "import", str(exported))
    assert listed(other) == before
    # importing again changes nothing and writes no history
    history = json.loads(run(other, "watchlist", "history", "--json"))
    run(other, "watchlist", "import", str(exported))
    assert json.loads(run(other, "watchlist", "history", "--json")) == history


def test_bad_import_line_names_file_and_line_and_imports_nothing(
    config: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("# comment\n新词 | warning\n坏词 | urgent | 分类\n", encoding="utf-8")
    err = run(config, "watchlist", "import", str(bad), code=1)
    assert f"{bad}:3" in err and "urgent" in err
    assert "新词" not in [t["term"] for t in listed(config)]


@pytest.mark.parametrize(
    "line, message",
    [
        ("a | warning | c | !x | extra", "字段太多"),
        ("审计 | warning | c | 评审计划", "都要以“!”开头"),
        ("审计 | warning | c | !计划", "不包含关注词"),
        ("审计 | !评审计划", "第四个字段"),
        (" | warning", "关注词为空"),
        ("审计 | warning | c | !评审计划 !", "空的排除短语"),
        ("审计 | warning | c | !審計", "就是关注词本身"),
    ],
)
def test_bad_lines(line: str, message: str) -> None:
    with pytest.raises(MonitorError, match=message) as info:
        parse_text(f"# header\n{line}\n", "w.txt")
    assert "w.txt:2" in str(info.value)


def test_duplicate_term_in_file_is_an_error() -> None:
    with pytest.raises(MonitorError, match="w.txt:3.*在第 1 行已出现过"):
        parse_text("审计\n欠薪\n審計 | critical\n", "w.txt")


def test_file_format_full_width_separators_and_defaults() -> None:
    [a, b] = parse_text("审计｜critical｜本单位｜！评审计划 ！审计署官网\n欠薪\n", "w.txt")
    assert (a.term, a.level, a.category, a.exclude) == (
        "审计",
        "critical",
        "本单位",
        ["评审计划", "审计署官网"],
    )
    assert (b.term, b.level, b.category, b.exclude) == ("欠薪", "warning", None, [])
    assert parse_text(format_file([a, b]), "again") == [a, b]


def test_shipped_watchlist_parses() -> None:
    specs = parse_file(Path(__file__).parent.parent / "config" / "watchlist.txt")
    assert len(specs) >= 10 and {"审计", "欠薪"} <= {s.term for s in specs}


def test_missing_and_undecodable_files(tmp_path: Path) -> None:
    with pytest.raises(MonitorError, match="关注词文件不存在"):
        parse_file(tmp_path / "none.txt")
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes("审计".encode("gbk"))
    with pytest.raises(MonitorError, match="不是 UTF-8"):
        parse_file(gbk)


def test_import_replace_removes_terms_not_in_file(config: Path, tmp_path: Path) -> None:
    only = tmp_path / "only.txt"
    only.write_text("腐败 | critical\n", encoding="utf-8")
    run(config, "watchlist", "import", "--replace", str(only))
    assert [t["term"] for t in listed(config)] == ["腐败"]


def test_hot_reload_without_a_new_process(make_app) -> None:
    app = make_app()
    now = app.now()
    with app.session() as session:
        add_term(session, "审计", now, "test")
    with app.session() as session:
        first = get_matcher(session)
        assert [h.term for h in first.match("拖欠薪资")] == []
        assert get_matcher(session) is first  # unchanged watchlist: cached
    with app.session() as session:
        add_term(session, "欠薪", now, "test")
    with app.session() as session:
        second = get_matcher(session)
        assert second is not first
        assert [h.term for h in second.match("拖欠薪资")] == ["欠薪"]
    with app.session() as session:
        remove_term(session, "欠薪", now, "test")
    with app.session() as session:
        assert get_matcher(session).match("拖欠薪资") == []
        assert [s.term for s in list_terms(session)] == ["审计"]


def test_import_merges_by_default_and_reports_each_change(
    config: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("USER", "lisi")
    run(config, "watchlist", "add", "审计", "--exclude", "评审计划", "审计署官网")
    stored = {t["term"]: t for t in listed(config)}["审计"]
    assert stored == {
        "term": "审计",
        "level": "info",
        "category": "本单位",
        "exclude": ["评审计划", "审计署官网"],
        "enabled": True,
    }
    history = json.loads(run(config, "watchlist", "history", "--json"))
    just_term = tmp_path / "just.txt"
    just_term.write_text("审计\n腐败 | critical | 廉政\n", encoding="utf-8")
    out = run(config, "watchlist", "import", str(just_term))
    # the reported defect: a bare `审计` line reset level, category and exclusions
    assert {t["term"]: t for t in listed(config)}["审计"] == stored
    assert "新增 1 个，更新 0 个，未变 1 个" in out and "新增：腐败" in out
    assert len(json.loads(run(config, "watchlist", "history", "--json"))) == len(history) + 1
    # a line overrides exactly the fields it gives, and the summary names them
    partial = tmp_path / "partial.txt"
    partial.write_text(
        "审计 | critical\n欠薪 | | | !欠薪保障金\n腐败 | critical | 廉政\n", encoding="utf-8"
    )
    out = run(config, "watchlist", "import", str(partial))
    terms = {t["term"]: t for t in listed(config)}
    assert terms["审计"] == dict(stored, level="critical")
    assert terms["欠薪"] == {
        "term": "欠薪",
        "level": "warning",
        "category": "民生",
        "exclude": ["欠薪保障金"],
        "enabled": True,
    }
    assert "新增 0 个，更新 2 个，未变 1 个" in out
    assert (
        "更新 审计：级别 提示 → 严重" in out and "分类" not in out.split("审计：")[1].split("\n")[0]
    )
    assert "更新 欠薪：排除 无 → 欠薪保障金" in out
    entries = json.loads(run(config, "watchlist", "history", "--json"))
    assert [(e["action"], e["term"], e["actor"]) for e in entries[:2]] == [
        ("import", "欠薪", "lisi"),
        ("import", "审计", "lisi"),
    ]
    assert entries[1]["before"]["level"] == "info" and entries[1]["after"]["level"] == "critical"


def test_import_replace_makes_each_line_the_full_definition(config: Path, tmp_path: Path) -> None:
    just_term = tmp_path / "just.txt"
    just_term.write_text("审计\n", encoding="utf-8")
    out = run(config, "watchlist", "import", "--replace", str(just_term))
    assert listed(config) == [
        {"term": "审计", "level": "warning", "category": None, "exclude": [], "enabled": True}
    ]
    assert "（替换）" in out and "更新 1 个" in out and "删除 1 个" in out
    assert "更新 审计：级别 提示 → 警示；分类 本单位 → 无；排除 评审计划 → 无" in out
    assert "删除：欠薪" in out
    again = run(config, "watchlist", "import", "--replace", str(just_term))
    assert "新增 0 个，更新 0 个，未变 1 个，删除 0 个" in again and "更新 审计" not in again


def test_chinese_level_names_comments_quotes_and_odd_lines(tmp_path: Path) -> None:
    notes: list[str] = []
    specs = parse_text(
        "审计  # 本局的名字\n欠薪 | 严重 | 民生\n"
        "腐败 | 提示 # 只看不提醒\n"
        '"#审计#" | 警示\nC#开发 | info\n'
        "拖欠 工资 | warning\n# 整行注释\n",
        "w.txt",
        notes,
    )
    assert [(s.term, s.level, s.category) for s in specs] == [
        ("审计", "warning", None),
        ("欠薪", "critical", "民生"),
        ("腐败", "info", None),
        ("#审计#", "warning", None),
        ("c#开发", "info", None),
        ("拖欠 工资", "warning", None),
    ]
    [note] = notes
    assert "w.txt:6" in note and "拖欠 工资" in note
    assert parse_text(format_file(specs), "again") == specs  # a quoted term survives export
    with pytest.raises(MonitorError, match="w.txt:1.*引号没有闭合"):
        parse_text('"审计 | info\n', "w.txt")
    with pytest.raises(MonitorError, match="级别 '紧急' 无效.*提示"):
        parse_text("审计 | 紧急\n", "w.txt")


def test_add_accepts_chinese_levels_and_has_no_now(config: Path) -> None:
    out = run(config, "watchlist", "add", "审计", "--level", "严重")
    assert "级别：严重" in out
    assert "级别：提示" in run(config, "watchlist", "add", "审计", "--level", "info")
    err = run(config, "watchlist", "add", "审计", "--now", "2026-11-26T10:00", code=2)
    assert "--now" in err
    help_text = run(config, "watchlist", "add", "--help")
    assert "TERM" in help_text and "WORDS" not in help_text and "--now" not in help_text
    assert "--now" not in run(config, "watchlist", "import", "--help")
    file = config.parent / "levels.txt"
    file.write_text("欠薪 | 警示  # 注释\n拖欠 工资\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(config), "watchlist", "import", str(file)])
    assert result.exit_code == 0, result.output
    assert "注意：" in result.stderr and "拖欠 工资" in result.stderr
    terms = {t["term"]: t["level"] for t in json.loads(run(config, "watchlist", "list", "--json"))}
    assert terms["欠薪"] == "warning" and "欠薪 | 警示  # 注释" not in terms
