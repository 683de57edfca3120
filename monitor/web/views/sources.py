"""/sources: each source's health (reason, last success, last error and its text) and each
alert channel's, with a 发送测试消息 button (the same core step as `alerts test CHANNEL`)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

from alerts.actions import send_test
from monitor.db.models import CrawlRun
from monitor.errors import ConfigError, MonitorError
from monitor.status import source_health
from monitor.web.filters import channel_name
from monitor.web.viewmodels import channel_health
from monitor.web.views.common import error, ok, om

bp = Blueprint("sources", __name__)


@bp.route("/sources")
def index() -> Any:
    from sqlalchemy import select

    app = om()
    with app.session() as db:
        sources = source_health(db, app.config)
        runs = {}
        for s in sources:
            runs[s["name"]] = db.scalars(
                select(CrawlRun)
                .where(CrawlRun.source == s["name"])
                .order_by(CrawlRun.id.desc())
                .limit(1)
            ).first()
        channels = channel_health(db, app)
    return render_template("sources.html", sources=sources, runs=runs, channels=channels)


@bp.route("/sources/test", methods=["POST"])
def test_channel() -> Any:
    name = request.form.get("channel", "")
    try:
        send_test(om(), name)
    except MonitorError as exc:  # the reason names the channel; its health now says it too
        # a configuration problem starts with monitor.toml's path: the office needs the why
        text = str(exc).split(": ", 1)[-1] if isinstance(exc, ConfigError) else str(exc)
        error(f"测试失败：{text}")
    else:
        ok(f"测试消息已通过“{channel_name(name)}”发送，请在企业微信群或邮箱中查看")
    return redirect(url_for("sources.index"), code=303)
