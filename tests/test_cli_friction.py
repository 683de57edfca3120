"""What a person met at the terminal (issue 22): --config after the command, hints that
repeat the --config in use, the last English (click's choices, TOML syntax errors, the
daemon's start-up warnings, a channel test's reason), `run` before `init`, `demo --web` on
a busy port, and the dashboard's secret one `git add .` away from a commit."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.demo.sinks import free_port
from tests.conftest import write_config

ROOT = Path(__file__).resolve().parent.parent


def cli(*args: str) -> object:
    return CliRunner().invoke(main, list(args))


def process(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPINION_MONITOR")}
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        cwd=cwd,
        env={**env, "PYTHONPATH": str(ROOT)},
        text=True,
        capture_output=True,
        timeout=timeout,
    )


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = write_config(tmp_path / "cfg")
    result = cli("--config", str(path), "init")
    assert result.exit_code == 0, result.output
    return path


# ---------------------------------------------------------------------------------------
# --config after the command, and hints that carry it


def test_config_after_the_command_is_the_same_as_before_it(config: Path) -> None:
    now = ("--now", "2026-11-26T10:00")
    before = cli("--config", str(config), "status", "--json", *now)
    after = cli("status", "--json", *now, "--config", str(config))
    assert before.exit_code == after.exit_code == 0, after.output
    assert before.stdout == after.stdout
    nested = cli("disclosure", "list", "--config", str(config))
    assert nested.exit_code == 0 and "没有符合条件" in nested.stdout
    # the one after the command wins, as the nearer one
    other = cli("--config", "/nowhere/monitor.toml", "items", "--config", str(config))
    assert other.exit_code == 0, other.stderr


def test_hints_name_the_config_in_use(tmp_path: Path, config: Path) -> None:
    missing = tmp_path / "其他 部署" / "monitor.toml"
    result = cli("status", "--config", str(missing))
    assert result.exit_code == 2
    assert f"请运行 opinion-monitor --config '{missing}' init" in result.stderr
    result = cli("--config", str(config), "alerts", "ack", "99")
    assert result.exit_code == 4
    assert f"用 opinion-monitor --config {config} alerts list 查看" in result.stderr
    status = cli("--config", str(config), "status")
    assert f"运行 opinion-monitor --config {config} calendar import-notice" in status.stdout


def test_without_config_the_hint_is_the_plain_command(tmp_path: Path) -> None:
    write_config(tmp_path / "config")  # config/monitor.toml, the default path
    result = process("alerts", "ack", "99", cwd=tmp_path)
    assert "请先运行 opinion-monitor init 创建" in result.stderr, result.stderr


# ---------------------------------------------------------------------------------------
# the last English a person reads


def test_click_choices_are_listed_in_chinese(config: Path) -> None:
    result = cli("--config", str(config), "user", "add", "bob")
    assert result.exit_code == 2
    assert "缺少选项 '--role'。可选：viewer, editor, admin" in result.stderr
    assert "Choose from" not in result.stderr and "'. " not in result.stderr


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('[monitor]\ndatabase = "sqlite:///x.db"\nfoo = bar\n', "第 3 行第 7 列：值无效"),
        ('[monitor]\nname = "a\nb"\n', "第 2 行第 10 列：非法字符 '\\n'"),
        ("[monitor\n", "表头 [...] 缺少结尾的 ']'"),
        ("a = 1\na = 2\n", "不能覆盖已有的值"),
        ("x = [1, 2\n", "数组缺少结尾的 ']'"),
        ("单位 = 1\n", "第 1 行第 1 列：无法识别的语句"),
    ],
)
def test_toml_syntax_errors_are_chinese(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "monitor.toml"
    path.write_text(text, encoding="utf-8")
    result = cli("--config", str(path), "status")
    assert result.exit_code == 2
    assert f"{path}: 不是有效的 TOML：" in result.stderr and words in result.stderr, result.stderr
    assert "(at line" not in result.stderr


def test_holidays_and_site_profile_syntax_errors_are_chinese(tmp_path: Path) -> None:
    from monitor.errors import ConfigError
    from spiders.profile import parse_profile

    path = write_config(tmp_path, holidays="holidays = [2026-01-01\n")
    result = cli("--config", str(path), "calendar", "is-workday", "2026-01-05")
    assert result.exit_code == 2 and "文件末尾：数组缺少结尾的 ']'" in result.stderr
    with pytest.raises(ConfigError, match="第 1 行第 9 列：非法字符"):
        parse_profile('name = "\x01"\n', "site.toml")


def test_daemon_start_up_warnings_are_chinese_on_the_terminal(tmp_path: Path) -> None:
    """No sources, a channel whose secret is unset: said in Chinese on stderr; the log file
    keeps its English lines."""
    path = write_config(
        tmp_path,
        """
        [channels.office]
        kind = "wecom"
        webhook = "env:OM_TEST_UNSET_WEBHOOK"
        [channels.mail]
        kind = "email"
        smtp = "smtp://office@127.0.0.1:1"
        to = ["office@example.gov.cn"]
        [routing]
        default = ["office", "mail"]
        """,
    )
    assert cli("--config", str(path), "init").exit_code == 0
    log = tmp_path / "daemon.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPINION_MONITOR", "OM_"))}
    child = subprocess.Popen(
        [sys.executable, "-m", "monitor", "--config", str(path), "run", "--log-file", str(log)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90  # a hang becomes a failure; nothing is timed
        while "scheduler running" not in (log.read_text("utf-8") if log.exists() else ""):
            assert child.poll() is None and time.monotonic() < deadline, "no start"
            time.sleep(0.2)
    finally:
        child.send_signal(signal.SIGTERM)
        _, err = child.communicate(timeout=60)
    assert "警告：" in err and "没有启用的数据源（[[sources]]）" in err, err
    assert "错误：提醒渠道“企业微信群”（channels.office）不可用" in err
    assert "OM_TEST_UNSET_WEBHOOK 未设置" in err
    assert "no enabled [[sources]]" not in err and "is broken" not in err
    text = log.read_text("utf-8")
    assert "no enabled [[sources]]" in text and "channel 'office' is broken" in text


def test_a_channel_test_says_why_in_chinese(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    path = write_config(
        tmp_path,
        f"""
        [channels.office]
        kind = "wecom"
        webhook = "http://127.0.0.1:{port}/cgi-bin/webhook/send?key=k"
        [channels.mail]
        kind = "email"
        smtp = "smtp://office@127.0.0.1:{port}"
        to = ["office@example.gov.cn"]
        [routing]
        default = ["office", "mail"]
        """,
    )
    assert cli("--config", str(path), "init").exit_code == 0
    for channel, words in (("office", "无法连接企业微信机器人地址"), ("mail", "无法连接 SMTP")):
        result = cli("--config", str(path), "alerts", "test", channel)
        assert result.exit_code == 1
        assert words in result.stderr and "连接被拒绝" in result.stderr, result.stderr
        assert "Connection refused" not in result.stderr and "cannot reach" not in result.stderr


# ---------------------------------------------------------------------------------------
# run before init, demo --web on a busy port, the secret and git


def test_run_without_init_says_so_first_and_leaves_no_lock_file(tmp_path: Path) -> None:
    path = write_config(tmp_path / "cfg", '[monitor]\ndatabase = "sqlite:///data/monitor.db"\n')
    path.write_text('[monitor]\ndatabase = "sqlite:///data/monitor.db"\n', encoding="utf-8")
    result = process("--config", str(path), "run", cwd=tmp_path)
    assert result.returncode == 5
    first = result.stderr.strip().splitlines()[0]
    assert first.startswith("error: 数据库") and "不存在" in first, result.stderr
    assert f"opinion-monitor --config {path} init" in first
    assert sorted(p.name for p in (tmp_path / "cfg").iterdir()) == ["monitor.toml"]


def test_demo_web_checks_the_port_before_the_run(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = process("demo", "--web", "--port", str(port), "--dir", "demo", cwd=tmp_path)
    assert result.returncode == 1
    assert f"无法监听 127.0.0.1:{port}：端口已被占用" in result.stderr
    assert not (tmp_path / "demo").exists()  # the demo did not run


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_init_in_a_clone_leaves_no_secret_for_git_add(tmp_path: Path) -> None:
    """A clone of the project with its own .gitignore: after `init` on config/monitor.toml
    (web-secret, the database), `git status` shows nothing new to add."""
    clone = tmp_path / "clone"
    shutil.copytree(ROOT / "config", clone / "config")
    shutil.copy(ROOT / ".gitignore", clone / ".gitignore")

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=clone, check=True, capture_output=True, text=True
        ).stdout

    git("init", "-q")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "x")
    result = cli("--config", str(clone / "config" / "monitor.toml"), "init")
    assert result.exit_code == 0, result.output
    assert (clone / "config" / "web-secret").exists()
    assert git("status", "--porcelain", "--untracked-files=all") == ""
