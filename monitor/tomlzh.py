"""tomllib's syntax errors in Chinese: `Illegal character '\\n' (at line 4, column 7)` →
`第 4 行第 7 列：非法字符 '\\n'`. Every TOML file the monitor reads (monitor.toml,
holidays.toml, site profiles) reports its syntax errors through `toml_problem`."""

from __future__ import annotations

import re

# tomllib's messages (CPython Lib/tomllib/_parser.py), most specific first
_MESSAGES: list[tuple[str, str]] = [
    (r"Illegal character (.+)", "非法字符 {0}"),
    (r"Found invalid character (.+)", "无效字符 {0}"),
    (r"Expected '=' after a key in a key/value pair", "键后面缺少 '='"),
    (r"Expected ']' at the end of a table declaration", "表头 [...] 缺少结尾的 ']'"),
    (r"Expected ']]' at the end of an array declaration", "表数组 [[...]] 缺少结尾的 ']]'"),
    (
        r"Expected newline or end of document after a statement",
        "一行只能写一个键值对（此处应换行）",
    ),
    (r"Expected (.+)", "此处应为 {0}"),
    (r"Invalid initial character for a key part", "键以无效字符开头（含中文或空格的键须加引号）"),
    (r"Invalid statement", "无法识别的语句（应为 键 = 值 或 [表名]；含中文的键须加引号）"),
    (r"Invalid value", '值无效（字符串须加引号，如 "文本"）'),
    (r"Invalid date or datetime", "日期或时间无效"),
    (r"Invalid hex value", "十六进制值无效"),
    (r"Unclosed array", "数组缺少结尾的 ']'"),
    (r"Unclosed inline table", "内联表缺少结尾的 '}'"),
    (r"Unterminated string", "字符串缺少结尾的引号"),
    (r"Unescaped '\\' in a string", "字符串中有未转义的 '\\'（写作 '\\\\' 或改用单引号）"),
    (r"Escaped character is not a Unicode scalar value", "转义字符不是有效的 Unicode 字符"),
    (r"Cannot overwrite a value", "不能覆盖已有的值"),
    (r"Cannot declare (.+) twice", "{0} 重复定义"),
    (r"Cannot redefine namespace (.+)", "不能重新定义表 {0}"),
    (r"Cannot mutate immutable namespace (.+)", "不能修改已定义的表 {0}"),
    (r"Duplicate inline table key (.+)", "内联表中键 {0} 重复"),
]
_WHERE = re.compile(r"\s*\((?:at line (\d+), column (\d+)|at end of document)\)\s*$")


def toml_problem(exc: Exception) -> str:
    """One Chinese phrase for a tomllib.TOMLDecodeError: where, then what."""
    if isinstance(exc, UnicodeDecodeError):
        return f"第 {exc.start + 1} 个字节起不是 UTF-8 文本（请另存为 UTF-8）"
    text = str(exc)
    where = ""
    found = _WHERE.search(text)
    if found:
        text = text[: found.start()]
        where = (
            f"第 {found.group(1)} 行第 {found.group(2)} 列：" if found.group(1) else "文件末尾："
        )
    for pattern, chinese in _MESSAGES:
        match = re.fullmatch(pattern, text)
        if match:
            return where + chinese.format(*match.groups())
    return where + text  # a message this table does not know yet: as tomllib wrote it
