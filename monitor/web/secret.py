"""The key that signs session cookies: a random file beside monitor.toml, mode 0600,
created by `init` (and by `web` on first start, so an older deployment needs no extra step)."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from monitor.config import Config
from monitor.errors import ConfigError
from monitor.hints import command

SECRET_FILE = "web-secret"


def secret_path(config: Config) -> Path:
    return config.folder / SECRET_FILE


def ensure_secret(config: Config) -> bool:
    """Create the secret file if missing (never overwrite). True when created."""
    path = secret_path(config)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    return True


def read_secret(config: Config) -> bytes:
    path = secret_path(config)
    try:
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            # others could forge sessions: tighten it rather than serve with it
            path.chmod(0o600)
        value = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise ConfigError(
            f"{path}：看板的会话密钥文件不存在（请运行 `{command('init')}`）"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}：无法读取会话密钥：{exc}") from None
    if len(value) < 32:
        raise ConfigError(f"{path}：会话密钥太短；删除该文件后运行 `{command('init')}`")
    return value.encode("ascii")
