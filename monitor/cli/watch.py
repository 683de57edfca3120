"""`watchlist …` (terms, import/export, history) and `news` (outside news and its matches).

Heavy imports (SQLAlchemy models, jieba via the matcher) stay inside the functions."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import click

from monitor.cli.common import COUNT, emit_json, json_option, now_option, pass_state, table
from monitor.errors import MonitorError
from monitor.hints import command


class LevelType(click.ParamType):
    """A watch level: the code or its Chinese name (提示/警示/严重), as shown everywhere."""

    name = "级别"

    def convert(self, value: Any, param: Any, ctx: Any) -> str:
        from monitor.watchlist.levels import LEVEL_HELP, parse_level

        code = parse_level(str(value))
        if code is None:
            self.fail(f"{value!r} 不是有效级别，应为 {LEVEL_HELP}", param, ctx)
        return code


LEVEL_CHOICE = LevelType()


def register(main: click.Group) -> None:
    main.add_command(watchlist)
    main.add_command(news)


@click.group()
def watchlist() -> None:
    """管理关注词（存于数据库；每次修改都记入历史）。"""


@watchlist.command("add")
@click.argument("term", metavar="TERM")
@click.argument("more", nargs=-1, metavar="[PHRASE…]")
@click.option(
    "--level",
    type=LEVEL_CHOICE,
    default=None,
    metavar="LEVEL",
    help="级别：info 提示（只列出，不提醒）| warning 警示（默认）| critical 严重。",
)
@click.option("--category", default=None, help="分类，自由填写，如 民生。")
@click.option(
    "--exclude",
    "exclude",
    multiple=True,
    metavar="PHRASE",
    help="包含关注词的更长短语，落在其中的命中不算（可重复；`--exclude A B` 也可以）。",
)
@pass_state
def add(
    state,
    term: str,
    more: tuple[str, ...],
    level: str | None,
    category: str | None,
    exclude: tuple[str, ...],
) -> None:
    """添加关注词 TERM，或更新它（未给出的选项保持原值；--exclude 整体替换排除短语）。"""
    from monitor.watchlist.levels import LEVEL_ZH
    from monitor.watchlist.terms import actor_name, add_term

    extra = list(more)
    if extra and not exclude:
        raise MonitorError(
            f"只能给一个关注词，却给了 {1 + len(extra)} 个：{' '.join((term, *extra))}"
            "（含空格的词请加引号；排除短语写在 --exclude 之后）"
        )
    phrases = list(exclude) + extra if exclude else None
    app = state.app()
    with app.session() as session:
        outcome, spec = add_term(
            session, term, app.now(), actor_name(), level=level, category=category, exclude=phrases
        )
    verb = {"add": "已添加", "update": "已更新", "same": "未变化"}[outcome]
    excl = "、".join(spec.exclude) or "无"
    click.echo(
        f"{verb}关注词：{spec.term}（级别：{LEVEL_ZH[spec.level]}，分类："
        f"{spec.category or '无'}，排除：{excl}）"
    )


@watchlist.command("remove")
@click.argument("term")
@now_option
@pass_state
def remove(state, term: str, now: datetime | None) -> None:
    """删除关注词 TERM（历史中保留）。"""
    from monitor.watchlist.terms import actor_name, remove_term

    app = state.app(now)
    with app.session() as session:
        spec = remove_term(session, term, app.now(), actor_name())
    click.echo(f"已删除关注词：{spec.term}")


@watchlist.command("enable")
@click.argument("term")
@now_option
@pass_state
def enable(state, term: str, now: datetime | None) -> None:
    """重新启用关注词 TERM（与看板的“启用”相同）。"""
    _switch(state, term, True, now)


@watchlist.command("disable")
@click.argument("term")
@now_option
@pass_state
def disable(state, term: str, now: datetime | None) -> None:
    """停用关注词 TERM：保留在列表中但不再匹配（与看板的“停用”相同）。"""
    _switch(state, term, False, now)


def _switch(state, term: str, enabled: bool, now: datetime | None) -> None:
    from monitor.watchlist.terms import actor_name, set_enabled

    app = state.app(now)
    with app.session() as session:
        outcome, spec = set_enabled(session, term, enabled, app.now(), actor_name())
    word = "启用" if enabled else "停用"
    click.echo(f"关注词「{spec.term}」{'已' + word if outcome != 'same' else '本来就是' + word}")


@watchlist.command("list")
@json_option
@pass_state
def list_(state, as_json: bool) -> None:
    """列出关注词。"""
    from monitor.watchlist.levels import LEVEL_ZH
    from monitor.watchlist.terms import list_terms

    app = state.app()
    with app.session() as session:
        specs = list_terms(session)
    if as_json:
        emit_json([s.as_dict() for s in specs])
        return
    if not specs:
        click.echo(f"关注词表为空（用 `{command('watchlist add 词')}` 添加）")
        return
    rows = [
        [
            s.term,
            LEVEL_ZH[s.level],
            s.category or "",
            "、".join(s.exclude),
            "是" if s.enabled else "否",
        ]
        for s in specs
    ]
    click.echo(table(["关注词", "级别", "分类", "排除短语", "启用"], rows))
    click.echo(f"共 {len(specs)} 个")


@watchlist.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--replace",
    is_flag=True,
    help="FILE 即完整的关注词表：每行是该词的完整定义（未写的级别、分类、排除短语取默认值），"
    "FILE 中没有的词被删除。默认为合并：每行只改它写出的字段。",
)
@pass_state
def import_(state, file: Path, replace: bool) -> None:
    """从 FILE 添加/更新关注词（每行 `关注词 | 级别 | 分类 | !排除短语 …`）；有一行出错则整个文件
    都不导入。列出导入新增、更改或删除的每个词。"""
    from monitor.watchlist.terms import actor_name, import_terms, parse_file

    notes: list[str] = []
    specs = parse_file(file, notes)  # the whole file is checked before anything is written
    for note in notes:
        click.echo(f"注意：{note}", err=True)
    app = state.app()
    with app.session() as session:
        report = import_terms(session, specs, app.now(), actor_name(), replace=replace)
    click.echo(import_summary(file, report, replace))


def import_summary(file: Path, report, replace: bool) -> str:
    """新增 / 更新 (each term with the fields that changed, old → new) / 未变 [/ 删除]."""
    from monitor.watchlist.terms import FIELD_ZH, changed_fields

    counts = report.counts
    mode = "替换" if replace else "合并"
    lines = [
        f"已导入 {file}（{mode}）：新增 {counts['add']} 个，更新 {counts['update']} 个，"
        f"未变 {counts['same']} 个" + (f"，删除 {counts['remove']} 个" if replace else "")
    ]
    if report.added:
        lines.append("  新增：" + "、".join(s.term for s in report.added))
    for before, after in report.updated:
        changes = [
            f"{FIELD_ZH[name]} {_field(before, name)} → {_field(after, name)}"
            for name in changed_fields(before, after)
        ]
        lines.append(f"  更新 {after.term}：" + "；".join(changes))
    if report.removed:
        lines.append("  删除：" + "、".join(s.term for s in report.removed))
    return "\n".join(lines)


def _field(spec, name: str) -> str:
    from monitor.watchlist.levels import LEVEL_ZH

    if name == "level":
        return LEVEL_ZH.get(spec.level, spec.level)
    if name == "category":
        return spec.category or "无"
    return "、".join(spec.exclude) or "无"


@watchlist.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_state
def export(state, file: Path) -> None:
    """按导入格式把关注词写入 FILE。"""
    from monitor.watchlist.terms import export_terms

    app = state.app()
    with app.session() as session:
        count = export_terms(session, file)
    click.echo(f"已导出 {count} 个关注词到 {file}")


@watchlist.command("history")
@click.option("--limit", type=COUNT, default=None, help="只显示最新的 N 条修改。")
@json_option
@pass_state
def history(state, limit: int | None, as_json: bool) -> None:
    """谁在何时如何修改了哪个关注词（最新的在前）。"""
    from monitor.watchlist.terms import ACTION_ZH
    from monitor.watchlist.terms import history as load_history

    app = state.app()
    with app.session() as session:
        entries = load_history(session, limit)
    if as_json:
        emit_json(entries)
        return
    if not entries:
        click.echo("暂无变更记录")
        return
    rows = [
        [
            (e["at"] or "")[:19].replace("T", " "),
            e["actor"],
            ACTION_ZH.get(e["action"], e["action"]),
            e["term"],
            _change(e),
        ]
        for e in entries
    ]
    click.echo(table(["时间", "操作人", "操作", "关注词", "变更"], rows, max_width=60))


@watchlist.command("check")
@click.argument("text")
@json_option
@pass_state
def check(state, text: str, as_json: bool) -> None:
    """显示 TEXT 会命中哪些关注词及其置信度（用于试验排除短语）。"""
    from monitor.watchlist.levels import LEVEL_ZH
    from monitor.watchlist.matcher import get_matcher

    app = state.app()
    with app.session() as session:
        hits = get_matcher(session).match(text)
    if as_json:
        emit_json([dict(h.as_dict(), category=h.category, count=h.count) for h in hits])
        return
    if not hits:
        click.echo("未命中任何关注词")
        return
    rows = [
        [h.term, LEVEL_ZH[h.level], h.category or "", h.count, f"{h.confidence:.2f}"] for h in hits
    ]
    click.echo(table(["关注词", "级别", "分类", "次数", "置信度"], rows))


def _describe(spec: dict[str, Any] | None) -> str:
    if not spec:
        return "（无）"
    from monitor.watchlist.levels import LEVEL_ZH

    level = str(spec.get("level"))
    text = LEVEL_ZH.get(level, level)
    if spec.get("category"):
        text += f"/{spec['category']}"
    if spec.get("exclude"):
        text += " 排除:" + "、".join(spec["exclude"])
    return text


def _change(entry: dict) -> str:
    return f"{_describe(entry['before'])} → {_describe(entry['after'])}"


@click.command()
@click.option("--matched", is_flag=True, help="只看命中关注词的新闻。")
@click.option("--source", default=None, help="只看这个数据源。")
@click.option("--limit", type=COUNT, default=None, help="只显示最新的 N 条。")
@now_option
@json_option
@pass_state
def news(
    state, matched: bool, source: str | None, limit: int | None, now: datetime | None, as_json: bool
) -> None:
    """外部新闻（最新的在前）及其关注词命中。"""
    from monitor.watchlist.levels import LEVEL_ZH
    from monitor.watchlist.listing import news_document

    app = state.app(now)
    with app.session() as session:
        items = news_document(session, matched=matched, source=source, limit=limit)
    if as_json:
        emit_json(items)
        return
    if not items:
        click.echo("暂无匹配关注词的新闻" if matched else "暂无新闻")
        return
    rows = []
    for i in items:
        when = (i["published_at"] or i["first_seen"] or "")[:16].replace("T", " ")
        cluster = f"#{i['cluster']}" + (
            f"（{i['cluster_size']}篇）" if i["cluster_size"] > 1 else ""
        )
        terms = "、".join(f"{h['term']}({LEVEL_ZH.get(h['level'], h['level'])})" for h in i["hits"])
        rows.append([when, i["outlet"] or i["source"], i["title"], cluster, terms])
    click.echo(table(["发布时间", "媒体", "标题", "聚类", "命中关注词"], rows))
    click.echo(f"共 {len(items)} 条")
