"""`init`, `sweep` and `status`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from monitor.cli.common import emit_json, json_option, now_option, pass_state, table
from monitor.deadlines import STATE_ZH
from monitor.hints import command

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def register(main: click.Group) -> None:
    for cmd in (init, sweep, status):
        main.add_command(cmd)


@click.command()
@pass_state
def init(state) -> None:
    """创建数据库（执行迁移）及缺少的配置文件。"""
    from monitor.db.engine import make_engine, safe_url, upgrade
    from monitor.quickconfig import config_path

    path = config_path(state.config_option)
    created = []
    for name in ("monitor.toml", "holidays.toml", "watchlist.txt"):
        target = path if name == "monitor.toml" else path.parent / name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text((TEMPLATES / name).read_text(encoding="utf-8"), encoding="utf-8")
            created.append(str(target))
    config = state.config()
    engine = make_engine(config.database_url)
    migrated = upgrade(engine)
    from monitor.web.secret import ensure_secret, secret_path

    if ensure_secret(config):  # signs the dashboard's session cookies; mode 0600
        created.append(str(secret_path(config)))
    for item in created:
        click.echo(f"已创建配置文件：{item}")
    click.echo(
        f"数据库：{safe_url(config.database_url)}（{'已迁移到最新结构' if migrated else '结构已是最新'}）"
    )
    from monitor import seeding
    from monitor.app import App

    app = App(config)
    for line in seeding.seed(app):
        click.echo(line)


@click.command()
@now_option
@json_option
@pass_state
def sweep(state, now: datetime | None, as_json: bool) -> None:
    """立即检查期限、关注词命中和回复质量，生成提醒。"""
    from monitor.sweep import sweep as run_sweep
    from monitor.timeutil import format_local, iso

    app = state.app(now)
    result = run_sweep(app)
    if as_json:
        emit_json({"at": iso(result.at), "counts": result.counts, "alerts": result.alerts})
        return
    click.echo(
        f"巡检完成（{format_local(result.at)}）：状态变更 {result.counts.get('states', 0)} 条，"
        f"新增提醒 {result.alerts} 条"
    )


@click.command()
@now_option
@json_option
@pass_state
def status(state, now: datetime | None, as_json: bool) -> None:
    """数据源状态、最近抓取、各状态数量、日历覆盖范围、提醒渠道、守护进程。"""
    from monitor.status import status_document

    app = state.app(now)
    with app.session() as session:
        doc = status_document(session, app.config, app.now())
    if as_json:
        emit_json(doc)
        return
    click.echo("数据源：")
    # 名称 is what the office reads; 代号 is the key that --source and monitor.toml use
    rows = [
        [
            s["source_title"],
            s["name"],
            "正常" if s["healthy"] else "异常",
            s["reason"] or "",
            (s["last_success"] or "")[:16].replace("T", " "),
            (s["last_error"] or "")[:16].replace("T", " "),
        ]
        for s in doc["sources"]
    ]
    click.echo(
        table(["名称", "代号", "状态", "原因", "最近成功", "最近失败"], rows, wrap=[3])
        if rows
        else "  （未配置）"
    )  # the reason in full, wrapped
    click.echo("\n提醒渠道：")
    rows = [[c["label"], c["name"], c["state_text"]] for c in doc["channels"]]
    click.echo(table(["名称", "代号", "状态"], rows, wrap=[2]) if rows else "  （未配置）")
    click.echo("\n留言状态：")
    click.echo(table(["状态", "数量"], [[STATE_ZH.get(k, k), v] for k, v in doc["states"].items()]))
    from monitor.disclosure.deadlines import STATE_ZH as DISCLOSURE_STATE_ZH

    counts = [f"{DISCLOSURE_STATE_ZH.get(k, k)} {v} 件" for k, v in doc["disclosures"].items() if v]
    click.echo("\n依申请公开：" + ("，".join(counts) or "无"))
    from monitor.consultation.deadlines import STATE_ZH as CONSULTATION_STATE_ZH

    counts = [
        f"{CONSULTATION_STATE_ZH.get(k, k)} {v} 项"
        for k, v in doc.get("consultations", {}).items()
        if v
    ]
    click.echo("意见征集：" + ("，".join(counts) or "无"))
    cal = doc["calendar"]
    click.echo(
        f"\n工作日日历：已知至 {cal['known_until']} 年；{cal['next_unknown']} 年未知"
        f"（通知发布后运行 {command('calendar import-notice 通知.txt')}，"
        f"写入 {cal['holidays_file']}）"
    )
    pending = doc["alerts"].get("pending", 0)
    failed = doc["alerts"].get("failed", 0)
    click.echo(f"提醒：待发送 {pending} 条，发送失败 {failed} 条")
    info = doc["daemon_info"]
    if doc["daemon"]:
        click.echo("守护进程：运行中")
    elif info:  # a heartbeat left behind: it did not stop cleanly (killed, crashed, hung)
        beat = (info["heartbeat"] or "")[:16].replace("T", " ")
        click.echo(
            f"守护进程：未运行（未正常停止：进程 {info['pid']}（{info['host']}），最后心跳 {beat}）"
        )
    else:
        click.echo("守护进程：未运行")
