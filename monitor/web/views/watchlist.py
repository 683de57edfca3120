"""/watchlist: the terms (add, edit, enable/disable, remove), their history, import/export of
the watchlist file, and a 试一试 box that shows which terms a pasted text hits and why.

Every edit calls the same monitor.watchlist.terms function as `watchlist …` on the CLI, so
the history records it (actor `web:NAME`) and a running daemon picks it up on its next item."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, redirect, render_template, request, url_for

from monitor.errors import MonitorError
from monitor.watchlist.matcher import get_matcher
from monitor.watchlist.normalize import normalize
from monitor.watchlist.terms import (
    add_term,
    format_file,
    history,
    import_terms,
    list_terms,
    parse_text,
    remove_term,
    set_enabled,
)
from monitor.web.views.common import actor, error, now, ok, om

bp = Blueprint("watchlist", __name__)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


@bp.route("/watchlist")
def index() -> Any:
    text = request.args.get("text", "")
    with om().session() as db:
        terms = list_terms(db)
        context = {
            "terms": terms,
            "history": history(db, 100),
            "text": text,
            "trial": _try(db, text) if text.strip() else None,
            "edit": request.args.get("edit", ""),
        }
    return render_template("watchlist.html", **context)


def _try(db: Any, text: str) -> dict[str, Any]:
    """Hits with level, count and confidence, and the occurrences an exclusion removed."""

    matcher = get_matcher(db)
    hits = matcher.match(text)
    view = normalize(text)
    excluded = []
    for spec in matcher.specs:
        start = view.find(spec.term)
        while start >= 0:
            if matcher.excluded(view, spec.term, start):
                excluded.append(
                    {
                        "term": spec.term,
                        "phrase": _covering(view, spec, start),
                        "context": view[max(0, start - 8) : start + len(spec.term) + 8],
                    }
                )
            start = view.find(spec.term, start + 1)
    return {"hits": hits, "excluded": excluded}


def _covering(view: str, spec: Any, start: int) -> str:
    """The exclusion phrase around the occurrence at `start` (to say why it did not count)."""
    for phrase in spec.exclude:
        offset = phrase.find(spec.term)
        while offset >= 0:
            if (
                start - offset >= 0
                and view[start - offset : start - offset + len(phrase)] == phrase
            ):
                return str(phrase)
            offset = phrase.find(spec.term, offset + 1)
    return ""


@bp.route("/watchlist", methods=["POST"])
def save() -> Any:
    """Add a term, or update it (the edit form sends every field: an empty 排除 clears)."""

    term = request.form.get("term", "")
    try:
        with om().session() as db:
            outcome, spec = add_term(
                db,
                term,
                now(),
                actor(),
                level=request.form.get("level") or None,
                category=request.form.get("category", ""),
                exclude=_lines(request.form.get("exclude", "")),
            )
    except MonitorError as exc:
        error(f"未保存：{exc}")
        return redirect(url_for("watchlist.index"), code=303)
    verb = {"add": "已添加", "update": "已修改", "same": "未变化"}[outcome]
    ok(f"{verb}关注词「{spec.term}」")
    return redirect(url_for("watchlist.index"), code=303)


@bp.route("/watchlist/enable", methods=["POST"])
def enable() -> Any:
    term, on = request.form.get("term", ""), request.form.get("enabled") == "1"
    with om().session() as db:
        set_enabled(db, term, on, now(), actor())
    ok(f"已{'启用' if on else '停用'}关注词「{term}」")
    return redirect(url_for("watchlist.index"), code=303)


@bp.route("/watchlist/remove", methods=["POST"])
def remove() -> Any:
    with om().session() as db:
        spec = remove_term(db, request.form.get("term", ""), now(), actor())
    ok(f"已删除关注词「{spec.term}」（变更记录中保留）")
    return redirect(url_for("watchlist.index"), code=303)


@bp.route("/watchlist/import", methods=["POST"])
def import_() -> Any:
    """The file format of config/watchlist.txt, uploaded or pasted; a bad line imports nothing."""

    upload = request.files.get("file")
    name, text = "粘贴的内容", request.form.get("text", "")
    if upload is not None and upload.filename:
        name = upload.filename
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            error(f"未导入：{name} 不是 UTF-8 文本")
            return redirect(url_for("watchlist.index"), code=303)
    replace = request.form.get("replace") == "1"
    try:
        specs = parse_text(text, name)
        with om().session() as db:
            report = import_terms(db, specs, now(), actor(), replace=replace)
    except MonitorError as exc:
        error(f"未导入（没有任何改动）：{exc}")
        return redirect(url_for("watchlist.index"), code=303)
    counts = report.counts
    ok(
        f"已导入 {name}（{'替换' if replace else '合并'}）：新增 {counts['add']} 个，更新 "
        f"{counts['update']} 个，未变 {counts['same']} 个"
        + (f"，删除 {counts['remove']} 个" if replace else "")
    )
    return redirect(url_for("watchlist.index"), code=303)


@bp.route("/watchlist/export")
def export() -> Response:
    with om().session() as db:
        body = format_file(list_terms(db))
    return Response(
        body,
        mimetype="text/plain",
        headers={"Content-Disposition": "attachment; filename=watchlist.txt"},
    )
