"""Is this response the portal, or something standing in front of it? (pure)

Blocks (403/412/521), JavaScript challenge pages (瑞数 `$_ts`, 加速乐 `__jsl_clearance`,
"请开启JavaScript"), captcha pages (访问过于频繁，请输入验证码), a redirect to a login page or to
another site, bodies far smaller than the section's usual first page, and a first page with no
rows where the section had rows: each is a reason to call the source unhealthy, never "no new
messages". Reasons are short Chinese phrases shown by `status` and alerts. A detail page may also
be the portal's own not-found page (信息不存在), which is evidence that a message was withdrawn."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

BLOCK_STATUSES = {
    403: "访问被拒绝 (HTTP 403)",
    412: "被反爬拦截 (HTTP 412)",
    521: "被反爬拦截 (HTTP 521)",
    429: "请求过多被限流 (HTTP 429)",
}
CHALLENGE_MARKERS = (
    "$_ts",
    "请开启JavaScript",
    "请启用JavaScript",
    "开启JavaScript",
    "__jsl_clearance",
    "acw_sc__v2",
    "challenge-platform",
    "enable JavaScript",
    "Enable JavaScript",
)
# a captcha or rate-limit page: only looked for on pages without rows (a list page may carry a
# message form with its own 验证码 field)
CAPTCHA_MARKERS = (
    "访问过于频繁",
    "请输入验证码",
    "输入验证码",
    "滑动验证",
    "人机验证",
    "安全验证",
    "captcha",
)
LOGIN_PATH = re.compile(r"(login|logon|signin|sign-in|passport|/sso|/cas/|/auth)", re.I)
NOT_FOUND_MARKERS = (
    "信息不存在",
    "页面不存在",
    "内容不存在",
    "留言不存在",
    "信件不存在",
    "已被删除",
    "已删除",
    "您访问的页面不存在",
    "找不到该页面",
    "404 Not Found",
)
TINY_RATIO = 0.25  # a first page under a quarter of the usual size is not the list page
TINY_FLOOR = 200  # bytes; below this any first page is suspect once a usual size is known


def blocked_status(status: int) -> str | None:
    return BLOCK_STATUSES.get(status)


def challenge(text: str) -> str | None:
    """A JavaScript challenge page instead of content."""
    head = text[:20000]
    for marker in CHALLENGE_MARKERS:
        if marker in head:
            return f"JavaScript 验证页（反爬，含 {marker}）"
    return None


def captcha(text: str) -> str | None:
    """A captcha / rate-limit page instead of the list."""
    head = text[:20000]
    for marker in CAPTCHA_MARKERS:
        if marker in head:
            return f"验证码页（反爬或限流，含“{marker}”）"
    return None


def login_page(url: str, text: str) -> bool:
    """A login form, by its address or a password field."""
    path = urlsplit(url)
    if LOGIN_PATH.search(path.path) or LOGIN_PATH.search(path.query.split("=", 1)[0]):
        return True
    return bool(re.search(r"""type\s*=\s*["']?password""", text[:50000], re.I))


def redirect_problem(start_url: str, final_url: str, text: str) -> str | None:
    """Why a redirected request did not reach a page of the portal, or None."""
    if login_page(final_url, text):
        return f"被跳转到登录页（{final_url}）"
    reason = challenge(text) or captcha(text)
    if reason:
        return f"被跳转到{reason}"
    return None


def offsite(start_url: str, target_url: str) -> bool:
    """A redirect to another host (following it would leave the portal)."""
    return (urlsplit(start_url).hostname or "").lower() != (
        urlsplit(target_url).hostname or ""
    ).lower()


def not_found_page(text: str) -> bool:
    """The portal's own "not found" page (some answer 200 with it)."""
    head = text[:20000]
    return any(marker in head for marker in NOT_FOUND_MARKERS)


def too_small(size: int, usual: int | None) -> str | None:
    if usual and (size < usual * TINY_RATIO or size < TINY_FLOOR):
        return f"页面异常短小（{size} 字节，通常约 {usual} 字节）"
    return None


def first_page_problem(
    status: int,
    text: str,
    size: int,
    rows: int,
    container: bool,
    usual_size: int | None,
    last_rows: int | None,
) -> str | None:
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
