"""`reply check FILE [--json]`: judge replies (docs/reply-quality.md), all lines as one corpus."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from monitor.cli.common import emit_json, fail, json_option, pass_state, table

FIELDS = ("id", "question", "reply", "question_title", "department")


def register(main: click.Group) -> None:
    main.add_command(reply)


@click.group()
def reply() -> None:
    """群众留言回复质量（是否敷衍）。"""


@reply.command("check")
@click.argument("file", metavar="FILE")
@json_option
@pass_state
def check_command(state: Any, file: str, as_json: bool) -> None:
    """检查 FILE 中的回复是否敷衍（FILE 为 JSON Lines，每行 {"id", "question", "reply"}，
    可选 "question_title"、"department"；用 - 读标准输入）。各行作为一个整体判断，
    因此能发现同一回复套用到不同问题的情况。"""
    from monitor.replyquality.checker import judge_all, phrases_of
    from monitor.replyquality.corpus import Corpus

    entries = read_entries(file)
    phrases = phrases_of(state.config(required=False).settings.reply_quality)
    corpus = Corpus(phrases)
    progress = sys.stderr.isatty() and len(entries) >= 200
    for done, item in enumerate(entries, start=1):
        corpus.add_entries([item])
        if progress and (done % 100 == 0 or done == len(entries)):
            click.echo(f"\r已读取 {done}/{len(entries)} 条回复", err=True, nl=done == len(entries))
    verdicts = judge_all(corpus, [e.id for e in entries])
    if as_json:
        emit_json([v.as_dict() for v in verdicts])
        return
    _print(verdicts)


def read_entries(file: str) -> list[Any]:
    """The file's JSON lines as entries; a bad line stops everything (exit 2, naming it)."""
    from pathlib import Path

    from monitor.replyquality.reading import Entry

    name = "标准输入" if file == "-" else file
    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        fail(f"{name}：文件不存在", 2)
    except IsADirectoryError:
        fail(f"{name}：是文件夹，应为 JSON Lines 文件", 2)
    except UnicodeDecodeError:
        fail(f"{name}：不是 UTF-8 文本", 2)
    except OSError as exc:
        fail(f"{name}：无法读取（{exc.strerror}）", 2)
    entries: list[Entry] = []
    seen: dict[Any, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        problem = _problem(line)
        if problem is None:
            row = json.loads(line)
            key = json.dumps(row["id"], ensure_ascii=False)
            if key in seen:
                problem = f"编号 {key} 与第 {seen[key]} 行重复"
            else:
                seen[key] = number
        if problem is not None:
            fail(f"{name} 第 {number} 行：{problem}", 2)
        entries.append(
            Entry(
                row["id"],
                row["question"],
                row["reply"],
                row.get("question_title"),
                row.get("department"),
            )
        )
    return entries


def _problem(line: str) -> str | None:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        return f"不是有效的 JSON（第 {exc.colno} 列：{_JSON_ZH.get(exc.msg, exc.msg)}）"
    if not isinstance(row, dict):
        return '应为 JSON 对象 {"id", "question", "reply"}'
    for name in ("id", "question", "reply"):
        if name not in row:
            return f"缺少 {name!r}"
    if not isinstance(row["id"], (str, int)) or isinstance(row["id"], bool) or row["id"] == "":
        return f"'id' 应为非空字符串或整数，而不是 {row['id']!r}"
    for name in ("question", "reply"):
        if not isinstance(row[name], str):
            return f"{name!r} 应为字符串，而不是 {row[name]!r}"
    for name in ("question_title", "department"):
        if row.get(name) is not None and not isinstance(row[name], str):
            return f"{name!r} 应为字符串或 null，而不是 {row[name]!r}"
    return None


_JSON_ZH = {
    "Expecting value": "缺少值",
    "Expecting property name enclosed in double quotes": "键名应加英文双引号",
    "Unterminated string starting at": "字符串没有结束引号",
    "Extra data": "一行只能有一个 JSON 对象",
    "Expecting ',' delimiter": "缺少逗号",
    "Expecting ':' delimiter": "缺少冒号",
    "Invalid control character at": "字符串中有控制字符",
}


def _print(verdicts: list[Any]) -> None:
    from monitor.replyquality.verdict import describe_evidence

    if not verdicts:
        click.echo("（文件中没有回复）")
        return
    rows = [
        [
            str(v.id),
            "疑似敷衍" if v.perfunctory else "正常",
            "、".join(r.label for r in v.reasons) or "—",
            f"{v.score:.2f}",
            "；".join(describe_evidence(v)) or "",
        ]
        for v in verdicts
    ]
    click.echo(table(["编号", "结论", "原因", "分数", "依据"], rows, max_width=60))
    flagged = sum(1 for v in verdicts if v.perfunctory)
    click.echo(f"共 {len(verdicts)} 条回复，疑似敷衍 {flagged} 条。")
