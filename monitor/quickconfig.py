"""Where monitor.toml is, and the little the calendar commands need from it, read without
validating the whole file.

`calendar due` and `calendar is-workday` must answer in a fraction of a second (docs/figures.md:
Figures). Validating all of monitor.toml costs pydantic's import (~0.2 s) and is not needed
to count working days: these commands read `[rules.reply] receipt_on_rest_day` (checked
here, with the same file-and-key message) and the holidays.toml beside the file. Every
other command validates everything (monitor.config.load_config)."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.calendar import load_calendar
from monitor.errors import ConfigError
from monitor.hints import command
from monitor.tomlzh import toml_problem

if TYPE_CHECKING:
    from monitor.calendar import WorkCalendar

DEFAULT_CONFIG = Path("config/monitor.toml")
CONFIG_ENV = "OPINION_MONITOR_CONFIG"
RECEIPT_MODES = ("as-is", "next-workday")


def config_path(option: str | None) -> Path:
    """--config, else $OPINION_MONITOR_CONFIG, else config/monitor.toml."""
    return Path(option or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG)


@dataclass
class CalendarSettings:
    path: Path
    receipt_on_rest_day: str = "as-is"

    @property
    def holidays_path(self) -> Path:
        return self.path.parent / "holidays.toml"

    @property
    def calendar(self) -> WorkCalendar:
        return load_calendar(self.holidays_path)


def calendar_settings(option: str | None) -> CalendarSettings:
    """The calendar commands' settings; without --config and without a deployment, the
    package calendar and the default rules (they work on any machine)."""
    path = config_path(option)
    if option is None and not path.exists():
        return CalendarSettings(path.resolve())
    if path.is_dir():
        raise ConfigError(f"{path}: 是文件夹；--config 应指向 monitor.toml 文件本身")
    try:
        raw: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: 配置文件不存在（请运行 {command('init')}，"
            f"或用 --config / ${CONFIG_ENV} 指定）"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: 不是有效的 TOML：{toml_problem(exc)}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: 不是 UTF-8 文本") from None
    reply = raw.get("rules", {}).get("reply", {}) if isinstance(raw.get("rules"), dict) else {}
    mode = reply.get("receipt_on_rest_day", "as-is") if isinstance(reply, dict) else "as-is"
    if mode not in RECEIPT_MODES:
        raise ConfigError(
            f"{path}: 键 'rules.reply.receipt_on_rest_day' = {mode!r}："
            f"应为以下之一：{', '.join(repr(m) for m in RECEIPT_MODES)}"
        )
    return CalendarSettings(path.resolve(), mode)
