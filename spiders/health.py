"""Is this response the portal, or something standing in front of it? (pure)

Blocks (403/412/521), JavaScript challenge pages (瑞数 `$_ts`, 加速乐 `__jsl_clearance`,
"请开启JavaScript"), bodies far smaller than the section's usual first page, and a first page
with no rows where the section had rows: each is a reason to call the source unhealthy, never
"no new messages". Reasons are short Chinese phrases shown by `status` and alerts."""

from __future__ import annotations

BLOCK_STATUSES = {403: "访问被拒绝 (HTTP 403)", 412: "被反爬拦截 (HTTP 412)",
                  521: "被反爬拦截 (HTTP 521)", 429: "请求过多被限流 (HTTP 429)"}
CHALLENGE_MARKERS = ("$_ts", "请开启JavaScript", "请启用JavaScript", "开启JavaScript", "__jsl_clearance",
                     "acw_sc__v2", "challenge-platform", "enable JavaScript", "Enable JavaScript")
TINY_RATIO = 0.25      # a first page under a quarter of the usual size is not the list page
TINY_FLOOR = 200       # bytes; below this any first page is suspect once a usual size is known


def blocked_status(status: int) -> str | None:
    return BLOCK_STATUSES.get(status)


def challenge(text: str) -> str | None:
    """A JavaScript challenge page instead of content."""
    head = text[:20000]
    for marker in CHALLENGE_MARKERS:
        if marker in head:
            return f"JavaScript 验证页（反爬，含 {marker}）"
    return None


def too_small(size: int, usual: int | None) -> str | None:
    if usual and (size < usual * TINY_RATIO or size < TINY_FLOOR):
        return f"页面异常短小（{size} 字节，通常约 {usual} 字节）"
    return None


def first_page_problem(status: int, text: str, size: int, rows: int, container: bool,
                       usual_size: int | None, last_rows: int | None) -> str | None:
    """Why a first list page (status 200) is not trustworthy, or None if it is."""
    if rows:
        return None
    reason = challenge(text) or too_small(size, usual_size)
    if reason:
        return reason
    if last_rows:
        where = "列表为空" if container else "找不到列表"
        return f"{where}（此前有 {last_rows} 条）"
    if not container:
        # never had rows and the list itself is not on the page: the profile is wrong or the
        # portal changed its layout; "no messages" would hide that forever
        return "找不到列表（items 无匹配，请检查站点配置）"
    return None
