"""Click's own words in Chinese: usage errors, help headings, --help/--version help.

Click looks its messages up through `gettext` (`from gettext import gettext as _` in each of
its modules); the office reads Chinese, so `install()` points those lookups at this catalog.
A message not listed here stays as click wrote it (with its values filled in as usual)."""

from __future__ import annotations

from typing import Any

CATALOG = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "位置参数",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本号并退出。",
    "%(prog)s, version %(version)s": "%(prog)s，版本 %(version)s",
    "Aborted!": "已中止。",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "用 '{command} {option}' 查看帮助。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing command.": "缺少命令。",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing {param_type}": "缺少{param_type}",
    "argument": "参数",
    "option": "选项",
    "parameter": "参数",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "No such option: {name}": "没有选项：{name}",
    "Option {name!r} does not take a value.": "选项 {name!r} 不接受值。",
    "Option {name!r} requires an argument.": "选项 {name!r} 需要一个值。",
    "Option {name!r} requires {nargs} arguments.": "选项 {name!r} 需要 {nargs} 个值。",
    "Argument {name!r} takes {nargs} values.": "参数 {name!r} 需要 {nargs} 个值。",
    "Got unexpected extra argument ({args})": "多余的参数（{args}）",
    "Got unexpected extra arguments ({args})": "多余的参数（{args}）",
    "Did you mean {possibility}?": "是否想用 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（是否想用其中之一：{possibilities}？）",
    "Choose from:\n\t{choices}": "可选：{choices}",
    "{value!r} is not {choice}.": "{value!r} 不是 {choice}。",
    "{value!r} is not one of {choices}.": "{value!r} 不是 {choices} 之一。",
    "{value!r} does not match the format {format}.": "{value!r} 不符合格式 {format}。",
    "{value!r} does not match the formats {formats}.": "{value!r} 不符合格式 {formats} 之一。",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的{number_type}。",
    "integer": "整数",
    "float": "数字",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "{value!r} is not a valid boolean. Recognized values: {states}": "{value!r} 不是有效的布尔值，可用：{states}",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是文件夹。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 不可读。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 不可写。",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}：{message}",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "File": "文件",
    "Directory": "文件夹",
    "Path": "路径",
    "default: {default}": "默认：{default}",
    "required": "必填",
    "env var: {var}": "环境变量：{var}",
    "unknown error": "未知错误",
}


# click fills {number_type} with the type's English name (`self.name`, not looked up), so
# "'abc' is not a valid integer range" needs the name translated when the message is formatted
_NUMBER_TYPES = {"integer": "整数", "integer range": "整数", "float": "数字", "float range": "数字"}


class _NumberMessage(str):
    def format(self, *args: Any, **kwargs: Any) -> str:
        kind = kwargs.get("number_type")
        if isinstance(kind, str):
            kwargs["number_type"] = _NUMBER_TYPES.get(kind, kind)
        return super().format(*args, **kwargs)


def gettext(message: str) -> str:
    found = CATALOG.get(message, message)
    return _NumberMessage(found) if "{number_type}" in found else found


def ngettext(singular: str, plural: str, n: int) -> str:
    return gettext(singular if n == 1 else plural)


def install() -> None:
    """Point click's message lookups at the catalog (idempotent)."""
    import importlib

    for name in (
        "core",
        "exceptions",
        "parser",
        "types",
        "decorators",
        "formatting",
        "termui",
        "utils",
    ):
        module: Any = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = gettext
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext
