"""The one generic spider: a site profile section in, rows out (DESIGN §5, §8).

Incremental and polite. The parent passes the known rows (external_id → list-row fingerprint),
the open messages and the last page of the previous complete pass. A known row whose
fingerprint is unchanged costs no detail request; paging stops once every open message has been
seen again on a page that also held known rows, so requests per cycle grow with the open
messages, not with history.

Whether the pass saw the whole list is decided by `spiders.paging` from evidence of the last
page only; a bad page after the first (404 or an empty list where the list had rows, a captcha,
a redirect to a login page, a page that is not the list) breaks the pass: the rows seen are
still emitted, the reason names the page, and the parent concludes nothing from what was not
seen. When a pass is complete, the detail pages of open messages it did not see are checked:
a page that is gone is the only evidence of a withdrawal (the parent wants it twice).

A block (403/412/521/429, a JavaScript challenge, a captcha) or a failed request halts the
crawl: digging deeper only makes the block last longer.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections.abc import AsyncIterator, Generator, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, StopDownload
from scrapy.http import FormRequest, JsonRequest, Request, Response
from twisted.python.failure import Failure

from spiders import health, paging
from spiders.dates import DateError, parse_date
from spiders.encoding import decode_body, other_decoding
from spiders.extract import (
    ExtractError,
    extract_field,
    extract_fields,
    extract_rows,
    html_selector,
    load_json,
    parse_feed,
)
from spiders.limits import MAX_RESPONSE_BYTES, clip_text
from spiders.profile import (
    REQUIRED_MESSAGE_FIELDS,
    REQUIRED_NEWS_FIELDS,
    Profile,
    SectionSpec,
)

DATE_FIELDS = ("posted_at", "replied_at", "published_at")
NOT_FOUND = (404, 410)
# every error status reaches the callbacks (which tell blocks, ends and faults apart); 3xx do
# not, so Scrapy's RedirectMiddleware follows same-site redirects (REDIRECT_MAX_TIMES)
HANDLED_STATUSES = list(range(400, 600))
LONG_TEXT_FIELDS = ("body", "reply")
MAX_CHECKS = 50  # detail pages of unseen open messages checked per pass


def fingerprint(row: dict[str, Any]) -> str:
    """What a list row says, hashed: a change means the detail is worth fetching again."""
    stable = {k: v for k, v in sorted(row.items()) if k not in ("page",)}
    return hashlib.sha1(
        json.dumps(stable, ensure_ascii=False, sort_keys=True).encode()
    ).hexdigest()[:20]


def _substitute(template: Any, values: dict[str, str]) -> Any:
    if isinstance(template, str):
        for key, value in values.items():
            template = template.replace("{" + key + "}", value)
        return template
    if isinstance(template, dict):
        return {k: _substitute(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [_substitute(v, values) for v in template]
    return template


def _garbled(values: dict[str, Any]) -> list[str]:
    """Fields holding U+FFFD: the page was decoded with the wrong charset."""
    return sorted(k for k, v in values.items() if isinstance(v, str) and "\ufffd" in v)


class ProfileSpider(scrapy.Spider):
    name = "profile"
    custom_settings: dict[str, Any] = {}

    def __init__(
        self,
        profile: Profile,
        section: str,
        job: dict[str, Any],
        items_path: str,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.profile = profile
        self.site = profile.site
        self.section_name = section
        self.spec: SectionSpec = profile.sections[section]
        self.job = job
        self.items_path = items_path
        self.now = datetime.fromisoformat(job["now"])
        self.known: dict[str, str] = dict(job.get("known") or {})
        self.open_ids: set[str] = set(job.get("open") or [])
        # open messages the parent may have to withdraw: {id: {"url", "posted_at"}}
        self.candidates: dict[str, dict[str, Any]] = dict(job.get("candidates") or {})
        self.keywords: list[str] = list(job.get("keywords") or [])
        self.usual_size: int | None = job.get("usual_body_size")
        self.last_rows: int | None = job.get("last_rows")
        self.previous_last_page: int | None = job.get("last_page")
        self.seen: set[str] = set()
        self.page_keys: set[tuple[str, str]] = set()  # (keyword, key) emitted in this pass
        self.first_page_of: dict[tuple[str, str], int] = {}  # (keyword, key) → first page seen on
        self.error: str | None = None
        self.error_url: str | None = None
        self.halted = False
        self.chains: dict[str, paging.Chain] = {}
        self.oldest_seen: datetime | None = None
        self.checks_started = False
        self.checks = 0
        self.pages = 0
        self.rows = 0
        self.details = 0
        self.missing: dict[str, int] = {}
        self.notes: list[str] = []  # for the log and the crawl record
        self.warnings: list[str] = []  # for `status`: data that could not be read right
        self.first_page_rows: int | None = None
        self.first_page_size: int | None = None
        self.required = (
            REQUIRED_MESSAGE_FIELDS if self.spec.kind == "messages" else REQUIRED_NEWS_FIELDS
        )
        reply_fields = ("status_text", "replied_at")
        self.reply_only_in_detail = (
            self.spec.kind == "messages"
            and self.spec.detail is not None
            and not any(f in self.spec.list.fields for f in reply_fields)
            and any(f in self.spec.detail.fields for f in (*reply_fields, "reply"))
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ProfileSpider:
        spider: ProfileSpider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.idle, signal=signals.spider_idle)
        crawler.signals.connect(spider.bytes_received, signal=signals.bytes_received)
        return spider

    def note(self, text: str) -> None:
        if text not in self.notes and len(self.notes) < 20:
            self.notes.append(text)

    # ---- requests ----------------------------------------------------------------------------
    def _values(self, page: int, keyword: str, cursor: str) -> dict[str, str]:
        spec = self.spec.list
        return {
            "page": str(page),
            "offset": str((page - spec.first_page) * spec.page_size),
            "keyword": keyword,
            "cursor": cursor,
            "page_size": str(spec.page_size),
        }

    def list_request(self, page: int, keyword: str = "", cursor: str = "") -> Request:
        spec = self.spec.list
        values = self._values(page, keyword, cursor)
        template = spec.first_url if (page == spec.first_page and spec.first_url) else spec.url
        url = self._absolute(_substitute(template, values))
        meta = {
            "kind": "list",
            "page": page,
            "keyword": keyword,
            "handle_httpstatus_list": HANDLED_STATUSES,
        }
        if spec.method == "POST" and spec.json_body is not None:
            return JsonRequest(
                url,
                data=_substitute(spec.json_body, values),
                meta=meta,
                callback=self.parse_list,
                errback=self.failed,
                dont_filter=True,
            )
        if spec.method == "POST":
            return FormRequest(
                url,
                formdata=_substitute(spec.form or {}, values),
                meta=meta,
                callback=self.parse_list,
                errback=self.failed,
                dont_filter=True,
            )
        return Request(
            url, meta=meta, callback=self.parse_list, errback=self.failed, dont_filter=True
        )

    def _absolute(self, url: str) -> str:
        return urljoin(self.site.base_url.rstrip("/") + "/", url)

    def _detail_url(self, row: dict[str, Any]) -> str | None:
        detail = self.spec.detail
        if detail is None:
            return None
        if detail.url:
            return self._absolute(
                _substitute(detail.url, {k: str(v) for k, v in row.items() if v is not None})
            )
        url = row.get("url")
        return str(url) if url else None

    async def start(self) -> AsyncIterator[Request]:
        for request in self.start_requests():
            yield request

    def start_requests(self) -> Iterator[Request]:
        spec = self.spec.list
        uses_keyword = "{keyword}" in spec.url + spec.first_url + json.dumps(
            spec.form or spec.json_body or {}
        )
        keywords = self.keywords if uses_keyword else [""]
        for keyword in keywords:
            self.chains[keyword] = paging.Chain(keyword)
            yield self.list_request(spec.first_page, keyword)

    def bytes_received(self, data: bytes, request: Request, spider: scrapy.Spider) -> None:
        """Stop reading a response after MAX_RESPONSE_BYTES; the part read is parsed."""
        received = request.meta.get("bytes_received", 0) + len(data)
        request.meta["bytes_received"] = received
        if received > MAX_RESPONSE_BYTES:
            request.meta["truncated"] = True
            raise StopDownload(fail=False)

    # ---- errors ------------------------------------------------------------------------------
    def fail(self, reason: str, url: str | None = None, halt: bool = True) -> None:
        """Record the first failure: a short reason for people, the URL for the record.
        `halt` stops every further request (blocks, failed requests)."""
        if self.error is None:
            self.error = reason
            self.error_url = url
            self.logger.warning("crawl failed: %s (%s)", reason, url)
        if halt:
            self.halted = True

    def failed(self, failure: Failure) -> None:
        from scrapy.exceptions import IgnoreRequest
        from twisted.internet.error import (
            ConnectionRefusedError,
            DNSLookupError,
            TimeoutError,
        )
        from twisted.web._newclient import ResponseNeverReceived

        request = failure.request  # type: ignore[attr-defined]
        if failure.check(TimeoutError) or "TimeoutError" in repr(failure.value):
            reason = f"请求超时（{self.site.timeout:g} 秒）"
        elif failure.check(IgnoreRequest) and "redirect" in str(failure.value).lower():
            reason = "跳转次数过多（循环跳转）"
        elif failure.check(IgnoreRequest):
            reason = (
                "robots.txt 禁止抓取"
                if "robots" in str(failure.value).lower() or self.site.obey_robots
                else f"请求被忽略：{failure.value}"
            )
        elif failure.check(DNSLookupError):
            reason = "域名解析失败"
        elif failure.check(ConnectionRefusedError):
            reason = "连接被拒绝"
        elif failure.check(ResponseNeverReceived):
            reason = "连接中断，未收到响应"
        else:
            reason = f"请求失败：{type(failure.value).__name__}: {failure.value}"
        self.fail(self._where(request.meta) + reason, request.url)

    def _where(self, meta: dict[str, Any]) -> str:
        """ "第 3 页：" for list pages after the first, "详情页：" for details."""
        if meta.get("kind") == "list" and meta.get("page") != self.spec.list.first_page:
            return f"第 {meta['page']} 页："
        if meta.get("kind") in ("detail", "check"):
            return "详情页："
        return ""

    def _status_problem(self, response: Response) -> str | None:
        blocked = health.blocked_status(response.status)
        if blocked:
            return blocked
        if 300 <= response.status < 400:
            target = response.meta.get("offsite_redirect") or (
                response.headers.get("Location") or b""
            ).decode("latin-1")
            return f"被跳转到其他站点（{target}）"
        if response.status >= 400 and response.status not in NOT_FOUND:
            return f"HTTP {response.status}"
        return None

    def _redirect_problem(self, response: Response, text: str) -> str | None:
        """A same-site redirect that landed on a login, challenge or captcha page."""
        chain = response.meta.get("redirect_urls")
        if not chain:
            return None
        return health.redirect_problem(chain[0], response.url, text)

    def _decode(self, response: Response, html: bool = True) -> tuple[str, str]:
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1") or None
        text, used = decode_body(response.body, content_type, self.site.encoding, html=html)
        if response.meta.get("truncated"):
            text = text.rstrip("\ufffd")  # the cut fell inside a character
        return text, used

    # ---- list pages --------------------------------------------------------------------------
    def parse_list(self, response: Response) -> list[Any]:
        # callbacks return lists: Scrapy re-parses the source of generator callbacks on every
        # response to warn about `return` in generators, which costs more than the page
        return list(self._parse_list(response))

    def _parse_list(self, response: Response) -> Iterator[Any]:
        if self.halted:
            return
        page: int = response.meta["page"]
        chain = self.chains[response.meta["keyword"]]
        self.pages += 1
        read = self._read_list(response, chain, page)
        if read is None:
            return
        raw_rows, last_page = read
        keys = yield from self._emit_rows(raw_rows, response, chain.keyword, page)
        if self.halted or chain.broken or keys is None:
            return
        chain.last_page = page
        request = self._next_page(raw_rows, keys, chain, page, last_page)
        if request is not None:
            yield request

    def _break(
        self, chain: paging.Chain, page: int, reason: str, url: str, halt: bool = False
    ) -> None:
        """A bad list page: the chain stops without evidence of its end (the pass is incomplete)."""
        first = page == self.spec.list.first_page and not chain.keyword
        where = "" if first else f"第 {page} 页："
        chain.broken = where + reason
        self.fail(where + reason, url, halt=halt or first)

    def _read_list(
        self, response: Response, chain: paging.Chain, page: int
    ) -> tuple[list[dict[str, Any]], int | None] | None:
        """The rows of a list page and the portal's last page number, or None when the page is
        the end of the list (the chain is marked ended) or a bad page (marked broken)."""
        first = page == self.spec.list.first_page
        problem = self._status_problem(response)
        if problem:
            self._break(
                chain,
                page,
                problem,
                response.url,
                halt=health.blocked_status(response.status) is not None,
            )
            return None
        if response.status in NOT_FOUND:
            self._empty_page(response, chain, page, f"HTTP {response.status}")
            return None
        fmt = self.spec.format
        text, _ = self._decode(response, html=fmt == "html")
        redirect = self._redirect_problem(response, text)
        if redirect:
            self._break(chain, page, redirect, response.url, halt=True)
            return None
        try:
            if fmt == "feed":
                raw_rows, container = parse_feed(text, response.url), True
            else:
                raw_rows, container = extract_rows(
                    text, fmt, self.spec.list.items, self.spec.list.fields, response.url
                )
        except ExtractError as exc:
            blocked = health.challenge(text) or health.captcha(text)
            self._break(
                chain, page, blocked or f"页面格式不符：{exc}", response.url, halt=bool(blocked)
            )
            return None
        if raw_rows and fmt != "json" and health.challenge(text) and len(response.body) < 4096:
            raw_rows = []
        if not raw_rows:
            blocked = health.challenge(text) or health.captcha(text)
            if blocked:
                self._break(chain, page, blocked, response.url, halt=True)
                return None
        if first and not chain.keyword:
            problem = health.first_page_problem(
                response.status,
                text,
                len(response.body),
                len(raw_rows),
                container,
                self.usual_size,
                self.last_rows,
            )
            if problem:
                self._break(chain, page, problem, response.url, halt=True)
                return None
            self._note_first(len(raw_rows), len(response.body))
        if not raw_rows:
            if not container and not first:
                self._break(chain, page, "不是列表页（找不到列表）", response.url)
                return None
            self._empty_page(response, chain, page, "列表为空")
            return None
        return raw_rows, self._portal_last_page(text, fmt, response.url)

    def _empty_page(self, response: Response, chain: paging.Chain, page: int, what: str) -> None:
        """A 404 or an empty list after a page: the end only past the previous complete pass's
        last page; within it, the list had rows there and this is a bad page."""
        first = page == self.spec.list.first_page
        if first and not chain.keyword and response.status in NOT_FOUND:
            before = f"，此前有 {self.last_rows} 条" if self.last_rows else ""
            self._break(
                chain, page, f"列表首页不存在 (HTTP {response.status}{before})", response.url
            )
        elif first or paging.past_end(page, self.previous_last_page):
            chain.ended = paging.PAST_END
        else:
            self._break(
                chain, page, f"{what}（上次完整抓取共 {self.previous_last_page} 页）", response.url
            )

    def _portal_last_page(self, text: str, fmt: str, url: str) -> int | None:
        """The last page number the portal gives, where the profile names it."""
        spec = self.spec.list
        if spec.last_page is None and spec.total is None or fmt == "feed":
            return None
        try:
            node = load_json(text) if fmt == "json" else html_selector(text)
            if spec.last_page is not None:
                value = extract_field(node, "last_page", spec.last_page, url)
                return int(float(value)) if value else None
            value = extract_field(node, "total", spec.total, url)  # type: ignore[arg-type]
            if not value:
                return None
            return spec.first_page + max(math.ceil(int(float(value)) / spec.page_size), 1) - 1
        except (ExtractError, ValueError):
            return None

    def _emit_rows(
        self, raw_rows: list[dict[str, Any]], response: Response, keyword: str, page: int
    ) -> Generator[Any, None, list[str] | None]:
        """Emit a page's rows (or their detail requests); returns the page's keys, or None when
        a row was unusable (the good rows are still emitted; the chain is broken)."""
        keys: list[str] = []
        chain = self.chains[keyword]
        usable = True
        for raw in raw_rows:
            row = self._row(raw, response, keyword, page)
            if row is None:
                usable = False
                continue
            key = row.get("external_id") if self.spec.kind == "messages" else row.get("url")
            if key is None:
                continue
            keys.append(str(key))
            if (keyword, str(key)) in self.page_keys:
                continue  # already emitted from an earlier page of this pass
            self.page_keys.add((keyword, str(key)))
            yield from self._follow(row)
        if not usable:
            first = page == self.spec.list.first_page and not keyword
            chain.broken = chain.broken or ("" if first else f"第 {page} 页：") + str(self.error)
            return None
        return keys

    def _next_page(
        self,
        raw_rows: list[dict[str, Any]],
        keys: list[str],
        chain: paging.Chain,
        page: int,
        last_page: int | None,
    ) -> Request | None:
        """The next list request, or None with the chain marked ended or stopped."""
        spec = self.spec.list
        if self._repeats(keys, chain, page):
            chain.ended = paging.REPEAT  # the portal ignores the page number: that was the last
            return None
        if self.spec.format == "feed":
            chain.ended = paging.FEED
            return None
        if last_page is not None and page >= last_page:
            chain.ended = paging.LAST_PAGE
            return None
        if len(raw_rows) < spec.page_size:
            chain.ended = paging.SHORT
            return None
        if page - spec.first_page + 1 >= spec.max_pages:
            chain.stopped = paging.MAX_PAGES
            return None
        known_on_page = any(k in self.known for k in keys)
        if self.known and known_on_page and self.open_ids <= self.seen:
            chain.stopped = paging.CAUGHT_UP
            return None
        cursor = ""
        if spec.cursor:
            cursor = str(raw_rows[-1].get(spec.cursor) or "")
            if not cursor:
                chain.ended = paging.CURSOR
                return None
        return self.list_request(page + 1, chain.keyword, cursor)

    def _repeats(self, keys: list[str], chain: paging.Chain, page: int) -> bool:
        """Every key of this page was already on an earlier page of the chain."""
        earlier = self.first_page_of
        repeated = bool(keys) and all(earlier.get((chain.keyword, k), page) < page for k in keys)
        for k in keys:
            earlier.setdefault((chain.keyword, k), page)
        return repeated

    def _note_first(self, rows: int, size: int) -> None:
        if self.first_page_rows is None:
            self.first_page_rows, self.first_page_size = rows, size

    def _row(
        self, raw: dict[str, Any], response: Response, keyword: str, page: int
    ) -> dict[str, Any] | None:
        row: dict[str, Any] = dict(raw)
        if (
            self.spec.kind == "messages"
            and not row.get("external_id")
            and not row.get("url")
            and row.get("title")
        ):
            # a 不公开 row: no link, no detail; tracked from the list alone under a stable id
            basis = f"{row.get('title')}|{row.get('posted_at')}|{row.get('author') or ''}"
            row["external_id"] = "nolink-" + hashlib.sha1(basis.encode()).hexdigest()[:16]
            row["public"] = False
        list_fingerprint = fingerprint(raw)
        self.rows += 1
        if self.spec.kind == "messages" and row.get("external_id"):
            self.seen.add(str(row["external_id"]))
        if not self._parse_dates(row, response.url):
            return None
        missing = [f for f in self.required if not row.get(f)]
        if missing:
            for name in missing:
                self.missing[name] = self.missing.get(name, 0) + 1
            self.fail(f"缺少必填字段 {', '.join(missing)}", response.url, halt=False)
            return None
        moment = row.get("posted_at") or row.get("published_at")
        if moment:
            when = datetime.fromisoformat(moment)
            self.oldest_seen = when if self.oldest_seen is None else min(self.oldest_seen, when)
        row.update(
            {
                "fingerprint": list_fingerprint,
                "page": page,
                "keyword": keyword or None,
                "list_url": response.url,
            }
        )
        return row

    def _parse_dates(self, row: dict[str, Any], url: str | None = None) -> bool:
        for name in DATE_FIELDS:
            if name in row and row[name] is not None:
                try:
                    moment = parse_date(row[name], self.now, self.spec.date_format)
                except DateError as exc:
                    self.missing[name] = self.missing.get(name, 0) + 1
                    self.fail(f"日期无法识别（{name}）：{exc}", url, halt=False)
                    return False
                row[name] = moment.isoformat() if moment else None
        return True

    def _follow(self, row: dict[str, Any]) -> Iterator[Any]:
        """Emit the row, or fetch its detail first when it is new or changed."""
        key = row.get("external_id") if self.spec.kind == "messages" else row.get("url")
        if self.spec.kind == "news":
            unchanged = key is not None and str(key) in self.known  # news items do not change
        else:
            unchanged = key is not None and self.known.get(str(key)) == row["fingerprint"]
        # an open message whose list row cannot show a reply (no status or reply time in the
        # list fields) is looked at on its detail page every cycle; otherwise its reply would
        # never be seen
        watch_detail = self.reply_only_in_detail and key is not None and str(key) in self.open_ids
        url = None
        if (not unchanged or watch_detail) and row.get("public", True):
            url = self._detail_url(row)
        if url is None:
            yield {**row, "changed": not unchanged, "detail": False}
            return
        meta = {"kind": "detail", "row": row, "handle_httpstatus_list": HANDLED_STATUSES}
        method = self.spec.detail.method if self.spec.detail else "GET"
        yield Request(
            url,
            method=method,
            meta=meta,
            callback=self.parse_detail,
            errback=self.failed,
            dont_filter=True,
        )

    # ---- detail pages ------------------------------------------------------------------------
    def parse_detail(self, response: Response) -> list[Any]:
        return list(self._parse_detail(response))

    def _parse_detail(self, response: Response) -> Iterator[Any]:
        row: dict[str, Any] = dict(response.meta["row"])
        self.details += 1
        if self.halted:
            return
        problem = self._status_problem(response)
        if problem:
            self.fail("详情页：" + problem, response.url)
            return
        if response.status in NOT_FOUND:
            # gone or not public: the list row still counts
            yield {**row, "changed": True, "detail": False, "detail_status": response.status}
            return
        values = self._detail_values(response)
        if values is None:
            return
        for name, value in values.items():
            if value is not None and name != "external_id":
                row[name] = value
        if not self._parse_dates(row, response.url):
            return
        yield {**row, "changed": True, "detail": True}

    def _detail_values(self, response: Response) -> dict[str, Any] | None:
        """The detail page's fields (long texts clipped; a wrong charset undone where the other
        decoding reads cleanly), or None when the page is not a detail page (a failure)."""
        assert self.spec.detail is not None
        fmt = self.spec.detail.format or ("json" if self.spec.format == "json" else "html")
        text, used = self._decode(response, html=fmt == "html")
        redirect = self._redirect_problem(response, text)
        if redirect:
            self.fail("详情页：" + redirect, response.url)
            return None
        try:
            values = self._extract_detail(text, fmt, response.url)
        except ExtractError as exc:
            self.fail(
                "详情页：" + (health.challenge(text) or f"详情页格式不符：{exc}"), response.url
            )
            return None
        if fmt == "html" and not any(values.values()):
            blocked = health.challenge(text) or health.captcha(text)
            if blocked:
                self.fail("详情页：" + blocked, response.url)
                return None
        values = self._undo_misdecoding(response, values, fmt, used)
        for name in LONG_TEXT_FIELDS:
            clipped, cut = clip_text(values.get(name))
            if cut:
                values[name] = clipped
                self.note(f"详情页正文过长，已截断保存：{response.url}")
        if response.meta.get("truncated"):
            self.note(
                f"详情页超过 {MAX_RESPONSE_BYTES // (1024 * 1024)} MB，只读取了前面部分：{response.url}"
            )
        return values

    def _extract_detail(self, text: str, fmt: str, url: str) -> dict[str, Any]:
        assert self.spec.detail is not None
        node = load_json(text) if fmt == "json" else html_selector(text)
        return extract_fields(node, self.spec.detail.fields, url)

    def _undo_misdecoding(
        self, response: Response, values: dict[str, Any], fmt: str, used: str
    ) -> dict[str, Any]:
        """U+FFFD in a field means the page was decoded with the wrong charset (a GBK page served
        as UTF-8): read it with the other decoding; if that is no better, drop the garbled
        values (so routing falls back to the default department) and say so."""
        garbled = _garbled(values)
        if not garbled:
            return values
        alternative = other_decoding(response.body, used)
        if alternative is not None:
            try:
                retried = self._extract_detail(alternative, fmt, response.url)
            except ExtractError:
                retried = None
            if retried is not None and not _garbled(retried):
                self.logger.info("re-decoded %s (was %s)", response.url, used)
                return retried
        warning = f"页面编码无法识别，字段 {', '.join(garbled)} 含乱码，已忽略（{response.url}）"
        if warning not in self.warnings and len(self.warnings) < 5:
            self.warnings.append(warning)
        return {k: (None if k in garbled else v) for k, v in values.items()}

    # ---- withdrawal evidence -----------------------------------------------------------------
    def idle(self, spider: scrapy.Spider) -> None:
        """Paging is over: on a complete pass, check the detail pages of the open messages it
        should have seen and did not (once per pass, at most MAX_CHECKS)."""
        if self.checks_started or self.halted or self.spec.kind != "messages":
            return
        self.checks_started = True
        done = self.pass_outcome()
        requests: list[Request] = []
        # beyond MAX_CHECKS, a different share of the candidates is checked each pass
        order = sorted(self.candidates)
        random.Random(self.job["now"]).shuffle(order)
        for external_id in order:
            info = self.candidates[external_id]
            if external_id in self.seen or len(requests) >= MAX_CHECKS:
                continue
            posted = datetime.fromisoformat(info["posted_at"]) if info.get("posted_at") else None
            if not paging.covers(posted, done.complete, done.full, done.complete_since):
                continue
            url = self._detail_url({"external_id": external_id, "url": info.get("url")})
            if url is None or "{" in url or external_id.startswith("nolink-"):
                continue  # a template needing list fields we no longer have: no check, no guess
            requests.append(
                Request(
                    url,
                    meta={
                        "kind": "check",
                        "external_id": external_id,
                        "handle_httpstatus_list": HANDLED_STATUSES,
                    },
                    callback=self.parse_check,
                    errback=self.check_failed,
                    dont_filter=True,
                )
            )
        if not requests:
            return
        for request in requests:
            self.crawler.engine.crawl(request)
        raise DontCloseSpider

    def parse_check(self, response: Response) -> list[Any]:
        """Is an unseen open message's own page gone (404/410 or the not-found page)?"""
        self.checks += 1
        external_id = response.meta["external_id"]
        if self.halted:
            return []
        if response.status in NOT_FOUND:
            return [{"check": external_id, "gone": True, "status": response.status}]
        if self._status_problem(response):
            return []  # no evidence either way
        fmt = (self.spec.detail.format if self.spec.detail else None) or (
            "json" if self.spec.format == "json" else "html"
        )
        text, _ = self._decode(response, html=fmt == "html")
        if self._redirect_problem(response, text):
            return []
        try:
            values = self._extract_detail(text, fmt, response.url)
        except ExtractError:
            values = {}
        if any(values.values()):
            return [{"check": external_id, "gone": False, "status": response.status}]
        if health.not_found_page(text):
            return [{"check": external_id, "gone": True, "status": response.status}]
        return []

    def check_failed(self, failure: Failure) -> None:
        """A check that could not be made is no evidence; it is not the crawl's failure."""
        self.logger.info("withdrawal check failed: %s", failure.value)

    # ---- the end -----------------------------------------------------------------------------
    def pass_outcome(self) -> paging.PassOutcome:
        return paging.outcome(
            list(self.chains.values()),
            self.oldest_seen,
            self.halted or self.error is not None,
            self.previous_last_page,
        )

    def summary(self) -> dict[str, Any]:
        done = self.pass_outcome()
        return {
            "ok": self.error is None,
            "error": self.error,
            "error_url": self.error_url,
            "complete": done.complete,
            "full_pass": done.full,
            "complete_since": done.complete_since.isoformat() if done.complete_since else None,
            "last_page": done.last_page,
            "incomplete": done.broken,
            "pages": self.pages,
            "rows": self.rows,
            "details": self.details,
            "checks": self.checks,
            "first_page_rows": self.first_page_rows,
            "first_page_size": self.first_page_size,
            "missing": self.missing,
            "seen": len(self.seen),
            "notes": self.notes,
            "warnings": self.warnings,
        }
