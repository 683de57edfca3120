"""A small sample government portal on 127.0.0.1, for tests, benchmarks and the offline demo.

It serves the shapes the real Lu'an portal uses, from an in-memory, thread-safe, mutable list:

* the older CMS (百姓畅言 ``bxcy`` at ``/nocache/supervision/?product_id=3&page=N`` and 部门信箱
  ``bmxx`` at ``/nocache/supervision/?product_id=4&page=N``): ``table.is-xjnr`` rows
  (序号, 类别, 标题 link, 来信人, 来信时间, 督办部门, 处理状态), 20 rows a page, newest first,
  an empty table past the last page; detail pages ``/nocache/supervision/detail/<id>.html`` with
  ``div.is-mailinfo`` (来信人/来信时间/督办部门 in one text node), ``div.is-mailwen`` (body),
  ``div.is-mialhf`` (回复单位/回复时间) and ``div.is-hfcontent`` (reply). A message added with
  ``public=False`` is listed without a link and its detail page answers 404 (不公开).
  With ``encoding="gbk"`` the HTML is GBK-encoded and the charset is declared only in ``<meta>``.
* the mobile JSON API (section ``json``): ``/index.php?c=ListJson&branchid=7&page=N`` →
  a JSON *string* whose content is ``{"ret": 1, "data": {"total": N, "list": [{id, columnId, title,
  name, DEPTNAME, time (epoch seconds as a string), process_status ("0" open / "1" replied)}]}}``;
  ``/index.php?c=DetailJson&id=ID`` → ``{"ret": 1, "data": {id, title, post_time, post_text,
  source, reply_time, reply_text, reply_unit}}``.
* a 意见征集 column (section ``yjzj``, docs/consultations.md) at ``/interact/yjzj/?page=N``:
  ``table.zj-table`` rows (标题 link, 征集单位, 开始时间, 结束时间, 意见反馈: a 查看反馈 link once
  the 采纳情况 is published, else 暂无反馈), 20 a page, newest opening first; detail pages
  ``/interact/yjzj/detail/<id>.html`` (``div.zj-content``; ``div.zj-feedback`` with the link and
  发布时间 once published) and the feedback page ``/interact/yjzj/feedback/<id>.html``.
* an RSS 2.0 news feed ``/news/rss.xml`` (``?q=WORD`` filters by title/body), each item's page
  at its own ``url_path``.
* ``/robots.txt`` allowing everything.

API::

    portal = SamplePortal(encoding="utf-8")       # or "gbk"
    base_url = portal.start()                      # "http://127.0.0.1:PORT"
    portal.add_message(external_id, title, posted_at, section="bxcy", department="综合科",
                       body="…", author="张三", public=True, category="咨询")
    portal.reply(external_id, replied_at, department="综合科", text="…")
    portal.remove(external_id)
    portal.add_news(url_path, title, published_at, body, outlet)
    portal.add_consultation(external_id, title, opens, closes, department="办公室", body="…")
    portal.publish_feedback(external_id, published_at)  # the 采纳情况 link appears
    portal.set_mode("ok" | "403" | "412" | "521" | "500" | "challenge" | "tiny" | "empty"
                    | "hang" | "nodate")
    portal.break_page(section, page, "404" | "empty" | "captcha" | "login" | "offsite" | None)
    portal.override(path, status, body, content_type, location=None)  # None status clears
    portal.request_count                            # total requests served
    portal.paths                                    # every request path served, in order
    portal.stop()
    luan_profile_text(base_url) -> str              # a site profile TOML: bxcy, bmxx, json, yjzj, news

Naive datetimes are Asia/Shanghai. Modes apply to every section and page except robots.txt:
``challenge`` answers a tiny JavaScript challenge page (``$_ts``, 请开启JavaScript), ``tiny`` a
tiny page without the list, ``empty`` the list page with no rows, ``hang`` holds the request
(up to 30 s, released by ``set_mode``/``stop``), ``nodate`` lists rows with the date cell empty.
``break_page`` makes one list page misbehave as real portals do under load: ``404``, ``empty``
(the list table without rows), ``captcha`` (a small 200 page 访问过于频繁，请输入验证码), ``login``
(a 302 to ``/login.jsp``, a login form) or ``offsite`` (a 302 to another host).
``header_charset`` declares a charset in the HTTP header whatever the body's encoding is (a GBK
page served as UTF-8).
"""

from __future__ import annotations

import html
import json
import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from monitor.timeutil import SHANGHAI

PAGE_SIZE = 20
PRODUCT_IDS = {"3": "bxcy", "4": "bmxx"}
SECTION_TITLES = {"bxcy": "百姓畅言", "bmxx": "部门信箱", "json": "民生直通车"}
MODES = ("ok", "403", "412", "521", "500", "challenge", "tiny", "empty", "hang", "nodate")
PAGE_FAULTS = ("404", "empty", "captcha", "login", "offsite")
CAPTCHA_PAGE = (
    '<html><head><meta charset="utf-8"><title>安全验证</title></head><body>'
    '<p>访问过于频繁，请输入验证码</p><form action="/verify"><img src="/captcha.jpg">'
    '<input name="code"><button>提交</button></form></body></html>'
)
LOGIN_PAGE = (
    '<html><head><meta charset="utf-8"><title>用户登录</title></head><body>'
    '<form action="/login.jsp" method="post">用户名<input name="u">密码'
    '<input type="password" name="p"><button>登录</button></form></body></html>'
)


def _local(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=SHANGHAI)
    return moment.astimezone(SHANGHAI)


def _stamp(moment: datetime) -> str:
    return _local(moment).strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class PortalMessage:
    external_id: str
    title: str
    posted_at: datetime
    section: str = "bxcy"
    department: str = "综合科"
    body: str = ""
    author: str = "张三"
    public: bool = True
    category: str = "咨询"
    replied_at: datetime | None = None
    reply_department: str | None = None
    reply_text: str | None = None

    @property
    def status(self) -> str:
        return "已回复" if self.replied_at else "未回复"


@dataclass
class PortalNews:
    url_path: str
    title: str
    published_at: datetime
    body: str
    outlet: str


@dataclass
class PortalConsultation:
    """A draft open for comment; `opens`/`closes` are dates (or times) as the portal shows them."""

    external_id: str
    title: str
    opens: date | datetime
    closes: date | datetime
    department: str = "办公室"
    body: str = ""
    feedback_at: datetime | None = None


def _day(value: date | datetime) -> str:
    if isinstance(value, datetime):
        return _stamp(value)
    return value.isoformat()


@dataclass
class _State:
    lock: threading.Lock = field(default_factory=threading.Lock)
    messages: dict[str, PortalMessage] = field(default_factory=dict)
    order: dict[str, list[str]] = field(default_factory=dict)  # section -> ids newest first
    news: list[PortalNews] = field(default_factory=list)
    consultations: dict[str, PortalConsultation] = field(default_factory=dict)
    mode: str = "ok"
    paths: list[str] = field(default_factory=list)
    page_faults: dict[tuple[str, int], str] = field(default_factory=dict)
    overrides: dict[str, tuple[int, bytes, str, str | None]] = field(default_factory=dict)
    release: threading.Event = field(default_factory=threading.Event)


class SamplePortal:
    """The sample portal (see the module docstring for the API)."""

    def __init__(
        self,
        encoding: str = "utf-8",
        robots: str = "User-agent: *\nAllow: /\n",
        header_charset: str | None = None,
    ) -> None:
        self.encoding = encoding
        self.header_charset = header_charset
        self.robots = robots
        self._state = _State()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle -------------------------------------------------------------------------
    def start(self) -> str:
        portal = self

        class Handler(_Handler):
            pass

        Handler.portal = portal
        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="sample-portal", daemon=True
        )
        self._thread.start()
        return self.base_url

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("样例门户尚未启动")
        host, port = self._server.server_address[:2]
        assert isinstance(host, str)  # an AF_INET server
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self._state.release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> SamplePortal:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- content ---------------------------------------------------------------------------
    def add_message(
        self,
        external_id: str,
        title: str,
        posted_at: datetime,
        section: str = "bxcy",
        department: str = "综合科",
        body: str = "",
        author: str = "张三",
        public: bool = True,
        category: str = "咨询",
    ) -> None:
        if section not in SECTION_TITLES:
            raise ValueError(f"section {section!r}: expected one of {', '.join(SECTION_TITLES)}")
        message = PortalMessage(
            str(external_id),
            title,
            _local(posted_at),
            section,
            department,
            body or f"{title}。请有关部门尽快答复。",
            author,
            public,
            category,
        )
        with self._state.lock:
            if message.external_id in self._state.messages:
                self._drop(message.external_id)
            self._state.messages[message.external_id] = message
            ids = self._state.order.setdefault(section, [])
            ids.append(message.external_id)
            ids.sort(key=lambda i: (self._state.messages[i].posted_at, i), reverse=True)

    def add_messages(self, messages: list[dict[str, Any]]) -> None:
        """Many at once (sorted once): each dict holds add_message's keyword arguments."""
        with self._state.lock:
            touched = set()
            for kw in messages:
                m = PortalMessage(
                    str(kw["external_id"]),
                    kw["title"],
                    _local(kw["posted_at"]),
                    kw.get("section", "bxcy"),
                    kw.get("department", "综合科"),
                    kw.get("body") or f"{kw['title']}。",
                    kw.get("author", "张三"),
                    kw.get("public", True),
                    kw.get("category", "咨询"),
                )
                if m.external_id in self._state.messages:
                    self._drop(m.external_id)
                self._state.messages[m.external_id] = m
                self._state.order.setdefault(m.section, []).append(m.external_id)
                touched.add(m.section)
            for section in touched:
                self._state.order[section].sort(
                    key=lambda i: (self._state.messages[i].posted_at, i), reverse=True
                )

    def reply(
        self,
        external_id: str,
        replied_at: datetime,
        department: str = "综合科",
        text: str = "感谢您的来信，已转有关部门办理。",
    ) -> None:
        with self._state.lock:
            message = self._state.messages[str(external_id)]
            message.replied_at = _local(replied_at)
            message.reply_department = department
            message.reply_text = text

    def remove(self, external_id: str) -> None:
        with self._state.lock:
            self._drop(str(external_id))

    def _drop(self, external_id: str) -> None:
        message = self._state.messages.pop(external_id, None)
        if message is not None:
            self._state.order[message.section].remove(external_id)

    def add_news(
        self, url_path: str, title: str, published_at: datetime, body: str, outlet: str
    ) -> None:
        if not url_path.startswith("/"):
            url_path = "/" + url_path
        with self._state.lock:
            self._state.news.append(PortalNews(url_path, title, _local(published_at), body, outlet))
            self._state.news.sort(key=lambda n: n.published_at, reverse=True)

    def add_consultation(
        self,
        external_id: str,
        title: str,
        opens: date | datetime,
        closes: date | datetime,
        department: str = "办公室",
        body: str = "",
    ) -> None:
        """A draft in the 意见征集 column (replacing one with the same id)."""
        with self._state.lock:
            self._state.consultations[str(external_id)] = PortalConsultation(
                str(external_id), title, opens, closes, department, body or f"{title}全文。"
            )

    def publish_feedback(self, external_id: str, published_at: datetime) -> None:
        """The 采纳情况 is published: the list row and the detail page get the feedback link."""
        with self._state.lock:
            self._state.consultations[str(external_id)].feedback_at = _local(published_at)

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"mode {mode!r}: expected one of {', '.join(MODES)}")
        with self._state.lock:
            self._state.mode = mode
            # release any held request, then arm the event again for a new "hang"
            self._state.release.set()
            self._state.release = threading.Event()

    def break_page(self, section: str, page: int, fault: str | None) -> None:
        """One list page of `section` misbehaves (see PAGE_FAULTS); None restores it."""
        if fault is not None and fault not in PAGE_FAULTS:
            raise ValueError(f"fault {fault!r}: expected one of {', '.join(PAGE_FAULTS)}")
        with self._state.lock:
            if fault is None:
                self._state.page_faults.pop((section, page), None)
            else:
                self._state.page_faults[(section, page)] = fault

    def override(
        self,
        path: str,
        status: int | None = 200,
        body: bytes = b"",
        content_type: str = "text/html; charset=utf-8",
        location: str | None = None,
    ) -> None:
        """`path` (with its query) answers this instead (a redirect when `location` is given);
        status None restores it."""
        with self._state.lock:
            if status is None:
                self._state.overrides.pop(path, None)
            else:
                self._state.overrides[path] = (status, body, content_type, location)

    @property
    def request_count(self) -> int:
        with self._state.lock:
            return len(self._state.paths)

    @property
    def paths(self) -> list[str]:
        with self._state.lock:
            return list(self._state.paths)

    def page_of(self, external_id: str) -> int:
        """The 1-based list page a message is on now (for tests and the benchmark)."""
        with self._state.lock:
            message = self._state.messages[str(external_id)]
            return self._state.order[message.section].index(message.external_id) // PAGE_SIZE + 1

    # ---- rendering (called by the handler under no lock; snapshots under the lock) ---------
    def _page(self, section: str, page: int) -> list[PortalMessage]:
        with self._state.lock:
            ids = self._state.order.get(section, [])[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
            return [self._state.messages[i] for i in ids]

    def _message(self, external_id: str) -> PortalMessage | None:
        with self._state.lock:
            return self._state.messages.get(external_id)

    def _consultation_page(self, page: int) -> list[PortalConsultation]:
        with self._state.lock:
            rows = sorted(
                self._state.consultations.values(),
                key=lambda c: (_day(c.opens), c.external_id),
                reverse=True,
            )
        return rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]

    def _consultation(self, external_id: str) -> PortalConsultation | None:
        with self._state.lock:
            return self._state.consultations.get(external_id)


# real portal pages carry kilobytes of navigation around the list; so does ours, so that an
# empty list page is still a normal-sized page while a block page is tiny
_NAV = (
    '<ul class="nav">'
    + "".join(
        f'<li><a href="/col/{n}/">{name}</a></li>'
        for n, name in enumerate(
            [
                "首页",
                "走进六安",
                "政务公开",
                "政务服务",
                "政民互动",
                "市长信箱",
                "百姓畅言",
                "部门信箱",
                "征集调查",
                "在线访谈",
                "新闻发布会",
                "政策解读",
                "通知公告",
                "人事信息",
                "财政信息",
                "规划计划",
                "统计信息",
                "重点领域",
                "建议提案",
                "政府文件",
            ]
            * 4
        )
    )
    + "</ul>"
)


def _html_page(title: str, body: str, encoding: str) -> bytes:
    charset = "gb2312" if encoding.lower() in ("gbk", "gb2312", "gb18030") else encoding
    text = (
        f'<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; '
        f'charset={charset}"><title>{html.escape(title)}</title></head><body>'
        f'<div class="header">六安市人民政府 政民互动</div>{_NAV}{body}'
        f'<div class="footer">主办：六安市人民政府办公室 版权所有 皖ICP备05003416号</div>'
        f"</body></html>"
    )
    return text.encode("gb18030" if charset == "gb2312" else encoding, errors="xmlcharrefreplace")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        # a crawler that gave up (time-out, killed child) closes mid-response: not an error
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    portal: SamplePortal
    protocol_version = "HTTP/1.1"
    # headers and body leave in one write, without Nagle: otherwise keep-alive responses wait
    # for the client's delayed ACK (~40 ms each)
    disable_nagle_algorithm = True
    wbufsize = 1 << 16

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.do_GET()

    def do_GET(self) -> None:
        portal = self.portal
        state = portal._state
        with state.lock:
            state.paths.append(self.path)
            mode = state.mode
            release = state.release
            override = state.overrides.get(self.path)
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path == "/robots.txt":
            return self._send(200, portal.robots.encode(), "text/plain")
        if override is not None:
            status, body, content_type, location = override
            return self._send(status, body, content_type, location)
        if parts.path == "/login.jsp":
            return self._send(200, LOGIN_PAGE.encode(), "text/html; charset=utf-8")
        if mode == "hang":
            release.wait(30)
            return self._send(503, b"held", "text/plain")
        if mode in ("403", "412", "521", "500"):
            return self._send(int(mode), b"<html><body>Forbidden</body></html>", "text/html")
        if mode == "challenge":
            challenge = (
                '<html><head><meta charset="utf-8"><script>var $_ts=window["$_ts"];'
                "if(!$_ts)$_ts={};$_ts.nsd=84412;</script></head><body>"
                "<noscript>请开启JavaScript并刷新该页</noscript></body></html>"
            )
            return self._send(200, challenge.encode(), "text/html; charset=utf-8")
        if mode == "tiny":
            return self._send(200, b"<html><body>ok</body></html>", "text/html")
        try:
            if parts.path == "/nocache/supervision/" and query.get("product_id") in PRODUCT_IDS:
                section = PRODUCT_IDS[query["product_id"]]
                page = int(query.get("page") or 1)
                if self._page_fault(section, page):
                    return None
                return self._list_html(section, page, mode)
            if parts.path.startswith("/nocache/supervision/detail/"):
                external_id = parts.path.rsplit("/", 1)[1].removesuffix(".html")
                return self._detail_html(external_id)
            if parts.path == "/interact/yjzj/":
                page = int(query.get("page") or 1)
                if self._page_fault("yjzj", page):
                    return None
                return self._consultation_list(page, mode)
            if parts.path.startswith("/interact/yjzj/"):
                kind, _, name = parts.path.removeprefix("/interact/yjzj/").partition("/")
                if kind in ("detail", "feedback"):
                    return self._consultation_html(kind, name.removesuffix(".html"))
            if parts.path == "/index.php" and query.get("c") == "ListJson":
                page = int(query.get("page") or 1)
                if self._page_fault("json", page):
                    return None
                return self._list_json(page, mode)
            if parts.path == "/index.php" and query.get("c") == "DetailJson":
                return self._detail_json(query.get("id", ""))
            if parts.path == "/news/rss.xml":
                return self._rss(query.get("q", ""))
            with state.lock:
                news = next((n for n in state.news if n.url_path == parts.path), None)
            if news is not None:
                article = (
                    f'<div class="article"><h1>{html.escape(news.title)}</h1>'
                    f'<p class="meta">{html.escape(news.outlet)} {_stamp(news.published_at)}</p>'
                    f'<div class="content">{html.escape(news.body)}</div></div>'
                )
                return self._send(
                    200, _html_page(news.title, article, "utf-8"), "text/html; charset=utf-8"
                )
        except ValueError:
            return self._send(400, b"bad request", "text/plain")
        return self._send(404, b"<html><body>404 Not Found</body></html>", "text/html")

    # ---- pages -----------------------------------------------------------------------------
    def _send(self, code: int, body: bytes, content_type: str, location: str | None = None) -> None:
        self.send_response(code)
        if location is not None:
            self.send_header("Location", location)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _html_type(self) -> str:
        if self.portal.header_charset:
            return f"text/html; charset={self.portal.header_charset}"
        # GBK pages declare their charset only in <meta>, like the real CMS behind some proxies
        return (
            "text/html" if self.portal.encoding.lower() != "utf-8" else "text/html; charset=utf-8"
        )

    def _page_fault(self, section: str, page: int) -> bool:
        """Answer a broken list page if the test asked for one; True when it did."""
        with self.portal._state.lock:
            fault = self.portal._state.page_faults.get((section, page))
        if fault is None:
            return False
        if fault == "404":
            self._send(404, b"<html><body>404 Not Found</body></html>", "text/html")
        elif fault == "captcha":
            self._send(200, CAPTCHA_PAGE.encode(), "text/html; charset=utf-8")
        elif fault in ("login", "offsite"):
            target = (
                ("/login.jsp?from=" + self.path.replace("&", "%26"))
                if fault == "login"
                else "http://portal.invalid/blocked"
            )
            self._send(302, b"", "text/html", target)
        elif section == "json":
            self._list_json(page, "empty")
        elif section == "yjzj":
            self._consultation_list(page, "empty")
        else:
            self._list_html(section, page, "empty")
        return True

    def _list_html(self, section: str, page: int, mode: str) -> None:
        # the real CMS: 类别, 标题, 来信时间, 处理状态, 浏览 in odd cells, separators between
        rows = [] if mode == "empty" else self.portal._page(section, page)
        cells = []
        for m in rows:
            title = html.escape(m.title)
            link = (
                (
                    f'<a href="/nocache/supervision/detail/{m.external_id}.html" target="_blank" '
                    f'title="{title}">{title}</a>'
                )
                if m.public
                else f'<a href="javascript:void(0);"><span class="red">[不公开]</span>{title}</a>'
            )
            posted = "" if mode == "nodate" else _stamp(m.posted_at)
            cells.append(
                f'<tr><td>{html.escape(m.category)}</td><td class="sep"></td>'
                f'<td class="bt">{link}</td><td class="sep"></td><td>{posted}</td>'
                f'<td class="sep"></td><td><span>{m.status}</span></td><td class="sep"></td>'
                f"<td>{len(m.external_id) * 7 % 97}</td></tr>"
            )
        body = (
            '<div class="is-list"><table class="is-xjnr" width="100%">'
            "<tr><th>类别</th><th></th><th>标题</th><th></th><th>来信时间</th><th></th>"
            "<th>处理状态</th><th></th><th>浏览</th></tr>" + "".join(cells) + "</table>"
            f'<div class="pagination">第{page}页</div></div>'
        )
        self._send(
            200, _html_page(SECTION_TITLES[section], body, self.portal.encoding), self._html_type()
        )

    def _detail_html(self, external_id: str) -> None:
        m = self.portal._message(external_id)
        if m is None or not m.public or m.section not in ("bxcy", "bmxx"):
            return self._send(404, b"<html><body>404 Not Found</body></html>", "text/html")
        reply = ""
        if m.replied_at is not None:
            reply = (
                f'<div class="is-mialhf"><h1><span>回复时间：{_stamp(m.replied_at)}</span>'
                f"<span>回复单位：{html.escape(m.reply_department or '')}</span></h1></div>"
                f'<div class="is-hfcontent"><p>{html.escape(m.reply_text or "")}</p></div>'
            )
        body = (
            f'<div class="is-mail"><div class="is-newstitle">{html.escape(m.title)}</div>'
            f'<div class="is-mailinfo">来信人：{html.escape(m.author)} <span>|</span> '
            f"来信时间：{_stamp(m.posted_at)} <span>|</span> <span>浏览：3</span> "
            f"<span>| 督办部门：{html.escape(m.department)} 问题类别："
            f'<span class="red">{html.escape(m.category)}</span></span></div>'
            f'<div class="is-mailwen"><p>{html.escape(m.body)}</p></div>{reply}</div>'
        )
        self._send(200, _html_page(m.title, body, self.portal.encoding), self._html_type())

    def _consultation_list(self, page: int, mode: str) -> None:
        rows = [] if mode == "empty" else self.portal._consultation_page(page)
        cells = []
        for c in rows:
            title = html.escape(c.title)
            feedback = (
                f'<a href="/interact/yjzj/feedback/{c.external_id}.html">查看反馈</a>'
                if c.feedback_at is not None
                else "暂无反馈"
            )
            cells.append(
                f'<tr><td class="bt"><a href="/interact/yjzj/detail/{c.external_id}.html" '
                f'title="{title}">{title}</a></td><td>{html.escape(c.department)}</td>'
                f"<td>{_day(c.opens)}</td><td>{_day(c.closes)}</td><td>{feedback}</td></tr>"
            )
        body = (
            '<div class="zj-list"><table class="zj-table" width="100%"><tr><th>标题</th>'
            "<th>征集单位</th><th>开始时间</th><th>结束时间</th><th>意见反馈</th></tr>"
            + "".join(cells)
            + f'</table><div class="pagination">第{page}页</div></div>'
        )
        self._send(200, _html_page("意见征集", body, self.portal.encoding), self._html_type())

    def _consultation_html(self, kind: str, external_id: str) -> None:
        c = self.portal._consultation(external_id)
        published = c.feedback_at if c is not None else None
        if c is None or (kind == "feedback" and published is None):
            return self._send(404, b"<html><body>404 Not Found</body></html>", "text/html")
        title = html.escape(c.title)
        feedback = ""
        if published is not None:
            link = f"/interact/yjzj/feedback/{c.external_id}.html"
            feedback = (
                f'<div class="zj-feedback"><a href="{link}">意见采纳情况</a> '
                f"<span>发布时间：{_stamp(published)}</span></div>"
            )
        if kind == "feedback":
            body = (
                f'<div class="zj-detail"><h1>关于《{title}》意见采纳情况的说明</h1>{feedback}'
                '<div class="zj-content">共收到意见建议若干条，采纳情况如下。</div></div>'
            )
        else:
            body = (
                f'<div class="zj-detail"><h1>{title}</h1><div class="zj-info">征集单位：'
                f"{html.escape(c.department)} 征集时间：{_day(c.opens)} 至 {_day(c.closes)}</div>"
                f'<div class="zj-content">{html.escape(c.body)}</div>{feedback}</div>'
            )
        self._send(200, _html_page(c.title, body, self.portal.encoding), self._html_type())

    def _list_json(self, page: int, mode: str) -> None:
        rows = [] if mode == "empty" else self.portal._page("json", page)
        items = [
            {
                "id": m.external_id,
                "columnId": "7",
                "title": m.title,
                "name": m.author[:1] + "**",
                "DEPTNAME": m.department,
                "time": "" if mode == "nodate" else str(int(m.posted_at.timestamp())),
                "process_status": "1" if m.replied_at else "0",
            }
            for m in rows
        ]
        with self.portal._state.lock:
            total = len(self.portal._state.order.get("json", []))
        document = json.dumps(
            {
                "ret": 1,
                "msg": "ok",
                "data": {
                    "columnTitle": "民生直通车",
                    "columnId": "7",
                    "list": items,
                    "page": page,
                    "total": total,
                },
            },
            ensure_ascii=False,
        )
        # the mobile API answers a JSON document that is itself a JSON-encoded string
        self._send(
            200,
            json.dumps(document, ensure_ascii=False).encode(),
            "application/json; charset=utf-8",
        )

    def _detail_json(self, external_id: str) -> None:
        m = self.portal._message(external_id)
        if m is None or m.section != "json":
            payload: dict[str, Any] = {"ret": 0, "msg": "not found", "data": None}
            return self._send(404, json.dumps(payload).encode(), "application/json")
        data = {
            "id": m.external_id,
            "title": m.title,
            "post_time": _stamp(m.posted_at),
            "post_text": m.body,
            "source": m.department,
            "name": m.author,
            "reply_time": _stamp(m.replied_at) if m.replied_at else "",
            "reply_text": m.reply_text or "",
            "reply_unit": m.reply_department or "",
        }
        self._send(
            200,
            json.dumps({"ret": 1, "data": data}, ensure_ascii=False).encode(),
            "application/json; charset=utf-8",
        )

    def _rss(self, q: str) -> None:
        base = self.portal.base_url
        with self.portal._state.lock:
            news = [n for n in self.portal._state.news if not q or q in n.title or q in n.body]
        items = "".join(
            f"<item><title>{html.escape(n.title)}</title><link>{base}{html.escape(n.url_path)}</link>"
            f"<description>{html.escape(n.body)}</description>"
            f"<pubDate>{format_datetime(n.published_at)}</pubDate>"
            f'<source url="{base}/">{html.escape(n.outlet)}</source></item>'
            for n in news
        )
        doc = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>本地新闻</title><link>{base}/news/</link><description>sample</description>"
            f"{items}</channel></rss>"
        )
        self._send(200, doc.encode("utf-8"), "application/rss+xml; charset=utf-8")


def luan_profile_text(base_url: str, delay: float = 0.0, obey_robots: bool = True) -> str:
    """A site profile (docs/site-profiles.md) for the sample portal at `base_url`: sections bxcy, bmxx
    (HTML CMS), json (mobile API), yjzj (意见征集, kind consultations), news (RSS feed) and
    news_search (RSS with {keyword})."""
    cms = """
[sections.{name}]
title = "{title}"
kind = "messages"
format = "html"

[sections.{name}.list]
url = "/nocache/supervision/?product_id={pid}&page={{page}}"
first_page = 1
page_size = 20
max_pages = 1000
items = "//table[@class='is-xjnr']//tr[td]"

[sections.{name}.list.fields]
external_id = {{ xpath = "./td[3]/a/@href", regex = "detail/([^/.?]+)" }}
title       = {{ xpath = "./td[3]/a//text()[not(parent::span)]", join = "" }}
url         = {{ xpath = "./td[3]/a/@href" }}
category    = {{ xpath = "normalize-space(./td[1])" }}
posted_at   = {{ xpath = "normalize-space(./td[5])" }}
status_text = {{ xpath = "normalize-space(./td[7])" }}

[sections.{name}.detail]
fields.body        = {{ css = "div.is-mailwen" }}
fields.author      = {{ xpath = "//div[@class='is-mailinfo']/text()[1]", label = "来信人" }}
fields.department  = {{ xpath = "//div[@class='is-mailinfo']/span[4]", label = "督办部门" }}
fields.replied_at  = {{ xpath = "//div[@class='is-mialhf']/h1/span[1]", label = "回复时间" }}
fields.reply_department = {{ xpath = "//div[@class='is-mialhf']/h1/span[2]", label = "回复单位" }}
fields.reply       = {{ css = "div.is-hfcontent" }}

[sections.{name}.status]
replied = ["已回复", "已处理", "已解决", "已办结", "已答复"]
pending = ["未回复", "待回复", "受理中", "办理中", "未受理"]
"""
    head = f"""# The sample portal (monitor/demo/sampleportal.py) described as a site profile.
[site]
name = "六安市人民政府（样例）"
base_url = "{base_url}"
encoding = "auto"
delay = {delay}
obey_robots = {"true" if obey_robots else "false"}
timeout = 10
retries = 1
headers = {{ Referer = "{base_url}/" }}
"""
    rest = """
[sections.json]
title = "民生直通车"
kind = "messages"
format = "json"

[sections.json.list]
url = "/index.php?c=ListJson&branchid=7&page={page}"
first_page = 1
page_size = 20
max_pages = 1000
items = "data.list"

[sections.json.list.fields]
external_id = { json = "id" }
title       = { json = "title" }
author      = { json = "name" }
posted_at   = { json = "time" }
status_text = { json = "process_status" }

[sections.json.detail]
url = "/index.php?c=DetailJson&id={external_id}"
format = "json"
fields.body       = { json = "data.post_text" }
fields.department = { json = "data.source" }
fields.replied_at = { json = "data.reply_time" }
fields.reply      = { json = "data.reply_text" }
fields.reply_department = { json = "data.reply_unit" }

[sections.json.status]
replied = ["1"]
pending = ["0"]

[sections.yjzj]
title = "意见征集"
kind = "consultations"
format = "html"

[sections.yjzj.list]
url = "/interact/yjzj/?page={page}"
first_page = 1
page_size = 20
max_pages = 1000
items = "//table[@class='zj-table']//tr[td]"

[sections.yjzj.list.fields]
external_id  = { xpath = "./td[1]/a/@href", regex = "detail/([^/.?]+)" }
title        = { xpath = "normalize-space(./td[1]/a)" }
url          = { xpath = "./td[1]/a/@href" }
department   = { xpath = "normalize-space(./td[2])" }
opens_at     = { xpath = "normalize-space(./td[3])" }
closes_at    = { xpath = "normalize-space(./td[4])" }
feedback_url = { xpath = "./td[5]/a/@href" }

[sections.yjzj.detail]
fields.body        = { css = "div.zj-content" }
fields.feedback_at = { xpath = "//div[@class='zj-feedback']/span", label = "发布时间" }

[sections.news]
title = "本地新闻"
kind = "news"
format = "feed"

[sections.news.list]
url = "/news/rss.xml"

[sections.news_search]
title = "新闻搜索"
kind = "news"
format = "feed"

[sections.news_search.list]
url = "/news/rss.xml?q={keyword}"
"""
    return (
        head
        + cms.format(name="bxcy", title="百姓畅言", pid=3)
        + cms.format(name="bmxx", title="部门信箱", pid=4)
        + rest
    )
