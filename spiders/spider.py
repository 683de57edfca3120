"""The one generic spider: a site profile section in, rows out (docs/site-profiles.md, docs/deployment.md).

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

A block (403/412/521/429, a JavaScript challenge, a captcha) or a failed list request halts
the crawl: digging deeper only makes the block last longer.

Rows need only an id (or a link) in the list (docs/site-profiles.md): a field the list lacks and the
detail page declares waits for that page. A new row whose detail page cannot be read (an error,
a 404, a page that is not a detail page) is emitted anyway: trackable from the list alone, or
*pending* (ingest keeps it and this spider retries its detail page next pass, even when the
list pass does not reach it again) — never dropped, never tracked with a guessed time.

A backfilling source (the parent says so: its first pass, or a pass that ended incomplete)
reads past the incremental stop, each pass up to `max_pages` deeper than the last one got,
until the end of the list or `backfill_days` back (spiders/paging.py).

Requests (list and detail) are built by spiders/request_parts.py and signed by the section's
signer (spiders/signers.py); rows leave as spiders/rows.py declares them.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections.abc import AsyncIterator, Generator, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, StopDownload
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from spiders import health, paging
from spiders.dates import DateError, parse_date
from spiders.encoding import decode_body, other_decoding
from spiders.extract import (
    ExtractError,
    Node,
    extract_field,
    extract_fields,
    load_document,
    parse_feed,
    read_rows,
    server_message,
)
from spiders.limits import MAX_RESPONSE_BYTES, clip_text
from spiders.profile import Profile, SectionSpec
from spiders.request_parts import build, encode, missing_placeholders, page_values
from spiders.rows import (
    CheckRow,
    ConsultationRow,
    MessageRow,
    NewsRow,
    parse_row,
)
from spiders.signers import SignError, sign

DATE_FIELDS = ("posted_at", "replied_at", "published_at", "opens_at", "closes_at", "feedback_at")
NOT_FOUND = (404, 410)
# every error status reaches the callbacks (which tell blocks, ends and faults apart); 3xx do
# not, so Scrapy's RedirectMiddleware follows same-site redirects (REDIRECT_MAX_TIMES)
HANDLED_STATUSES = list(range(400, 600))
LONG_TEXT_FIELDS = ("body", "reply")
MAX_CHECKS = 50  # detail pages of unseen open messages checked per pass
MAX_RETRIES = 200  # pending rows whose detail page is retried per pass
DETAIL_PRIORITY = 10  # details before the next list page: their dates may end a backfill


def fingerprint(row: dict[str, Any]) -> str:
    """What a list row says, hashed: a change means the detail is worth fetching again."""
    stable = {k: v for k, v in sorted(row.items()) if k not in ("page",)}
    return hashlib.sha1(
        json.dumps(stable, ensure_ascii=False, sort_keys=True).encode()
    ).hexdigest()[:20]


def _id_from_url(url: str) -> str:
    """A row listed with a link but no id is known by its link's path and query (stable across
    http→https and host moves); hashed when too long for the column."""
    parts = urlsplit(url)
    key = parts.path + (f"?{parts.query}" if parts.query else "")
    return key if len(key) <= 200 else "url-" + hashlib.sha1(key.encode()).hexdigest()[:32]


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
        # rows the parent keeps pending (their detail page was not read yet): {id: row dict}
        self.pending: dict[str, dict[str, Any]] = dict(job.get("pending") or {})
        backfill = job.get("backfill") if self.spec.kind == "messages" else None
        self.backfilling = backfill is not None
        self.backfill_depth = int((backfill or {}).get("pages_read") or 0)
        self.horizon = self.now - timedelta(days=self.spec.the_backfill_days)
        self.oldest_detail: datetime | None = None  # the oldest date a detail page gave
        self.unmapped: set[tuple[str, str]] = set()  # (field, value) missing from a map
        self.retried: set[str] = set()  # pending ids whose detail was requested this pass
        self.pending_out = 0  # rows emitted as pending
        self.seen: set[str] = set()
        self.page_keys: set[tuple[str, str]] = set()  # (keyword, key) emitted in this pass
        self.first_page_of: dict[tuple[str, str], int] = {}  # (keyword, key) → first page seen on
        self.error: str | None = None
        self.error_url: str | None = None
        self.list_failed = False  # a failure that leaves the list pass incomplete
        self.halted = False
        self.chains: dict[str, paging.Chain] = {}
        self.oldest_seen: datetime | None = None
        self.checks_started = False
        self.retries_started = False
        self.checks = 0
        self.pages = 0
        self.rows = 0
        self.details = 0
        self.missing: dict[str, int] = {}
        self.notes: list[str] = []  # for the log and the crawl record
        self.warnings: list[str] = []  # for `status`: data that could not be read right
        self.first_page_rows: int | None = None
        self.first_page_size: int | None = None
        self.required = self.spec.required_fields()
        detail_fields = set(self.spec.detail.fields) if self.spec.detail is not None else set()
        # required fields the list may lack: its detail page gives them (else the row is pending)
        self.deferred = {f for f in self.required if f in detail_fields}
        # what an open row is waiting for: a message its reply, a consultation its 采纳情况
        if self.spec.kind == "consultations":
            answer: tuple[str, ...] = ("feedback_url", "feedback_at")
            answer_in_detail = answer
        else:
            answer = ("status_text", "replied_at")
            answer_in_detail = (*answer, "reply")
        self.reply_only_in_detail = (
            self.spec.kind != "news"
            and self.spec.detail is not None
            and not any(f in self.spec.list.fields for f in answer)
            and any(f in self.spec.detail.fields for f in answer_in_detail)
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
    def _values(self, page: int, keyword: str, cursor: str) -> dict[str, Any]:
        spec = self.spec.list
        values: dict[str, Any] = page_values(page, spec.first_page, spec.page_size)
        return values | {"keyword": keyword, "cursor": cursor}

    def _request(
        self,
        url: str,
        body: Any,
        values: Mapping[str, Any],
        meta: dict[str, Any],
        callback: Any,
        errback: Any,
        priority: int = 0,
    ) -> Request:
        """One request as the profile describes it (`body`: the list or detail spec), signed by
        the section's signer; SignError when it cannot be signed."""
        parts = build(
            self._absolute(url),
            body.method,
            body.form,
            body.json_body,
            body.headers,
            values,
        )
        if self.spec.signer:
            parts = sign(self.spec.signer, self.spec.signer_options, parts)
        target, payload, headers = encode(parts)
        meta = {**meta, "handle_httpstatus_list": HANDLED_STATUSES}
        return Request(
            target,
            method=parts.method,
            body=payload,
            headers=headers or None,
            meta=meta,
            callback=callback,
            errback=errback,
            dont_filter=True,
            priority=priority,
        )

    def list_request(self, page: int, keyword: str = "", cursor: str = "") -> Request | None:
        spec = self.spec.list
        values = self._values(page, keyword, cursor)
        template = spec.first_url if (page == spec.first_page and spec.first_url) else spec.url
        meta = {"kind": "list", "page": page, "keyword": keyword}
        try:
            return self._request(template, spec, values, meta, self.parse_list, self.failed)
        except SignError as exc:
            chain = self.chains[keyword]
            self._break(chain, page, f"请求无法签名：{exc}", self._absolute(template), halt=True)
            return None

    def _absolute(self, url: str) -> str:
        return urljoin(self.site.base_url.rstrip("/") + "/", url)

    def _detail_template(self, row: Mapping[str, Any]) -> str | None:
        detail = self.spec.detail
        if detail is None:
            return None
        if detail.url:
            return detail.url
        url = row.get("url")
        return str(url) if url else None

    def _detail_request(
        self, row: dict[str, Any], meta: dict[str, Any], callback: Any, errback: Any
    ) -> Request | str | None:
        """The detail request of `row`; None when it has no detail page; a reason (str) when it
        cannot be made (a placeholder the row lacks, a request that cannot be signed)."""
        template = self._detail_template(row)
        if template is None or self.spec.detail is None:
            return None
        values = {k: str(v) for k, v in row.items() if v is not None and not isinstance(v, dict)}
        lacking = missing_placeholders(
            template + json.dumps(self.spec.detail.form or self.spec.detail.json_body or {}),
            values,
        )
        if lacking:
            return f"详情页地址缺少字段 {'、'.join(sorted(set(lacking)))}"
        try:
            return self._request(
                template,
                self.spec.detail,
                values,
                meta,
                callback,
                errback,
                priority=DETAIL_PRIORITY,
            )
        except SignError as exc:
            return f"详情页请求无法签名：{exc}"

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
            request = self.list_request(spec.first_page, keyword)
            if request is not None:
                yield request

    def bytes_received(self, data: bytes, request: Request, spider: scrapy.Spider) -> None:
        """Stop reading a response after MAX_RESPONSE_BYTES; the part read is parsed."""
        received = request.meta.get("bytes_received", 0) + len(data)
        request.meta["bytes_received"] = received
        if received > MAX_RESPONSE_BYTES:
            request.meta["truncated"] = True
            raise StopDownload(fail=False)

    # ---- errors ------------------------------------------------------------------------------
    def fail(
        self, reason: str, url: str | None = None, halt: bool = True, of_list: bool = True
    ) -> None:
        """Record the first failure: a short reason for people, the URL for the record.
        `halt` stops every further request (blocks, failed requests). A detail page's failure
        (`of_list` False) is reported but says nothing about how much of the list was read."""
        if self.error is None:
            self.error = reason
            self.error_url = url
            self.logger.warning("crawl failed: %s (%s)", reason, url)
        if of_list:
            self.list_failed = True
        if halt:
            self.halted = True

    def failed(self, failure: Failure) -> None:
        self.fail(self._where(failure.request.meta) + self._why(failure), failure.request.url)  # type: ignore[attr-defined]

    def _why(self, failure: Failure) -> str:
        """A failed request, in a few Chinese words."""
        from scrapy.exceptions import IgnoreRequest
        from twisted.internet.error import (
            ConnectionRefusedError,
            DNSLookupError,
            TimeoutError,
        )
        from twisted.web._newclient import ResponseNeverReceived

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
        return reason

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
            return blocked + self._said(response)
        if 300 <= response.status < 400:
            target = response.meta.get("offsite_redirect") or (
                response.headers.get("Location") or b""
            ).decode("latin-1")
            return f"被跳转到其他站点（{target}）"
        if response.status >= 400 and response.status not in NOT_FOUND:
            return f"HTTP {response.status}" + self._said(response)
        return None

    def _said(self, response: Response, document: Node = None) -> str:
        """ "，服务器说“…”" when the answer carries the server's own message (docs/site-profiles.md)."""
        if document is None:
            text, _ = self._decode(response, html=False)
            if text.lstrip()[:1] not in ("{", "[") and self.spec.format != "js":
                return ""
            try:
                document = load_document(text, "json" if text.lstrip()[:1] in "{[" else "js")
            except ExtractError:
                return ""
        said = server_message(document, self.spec.the_error_field)
        return f"，服务器说“{said}”" if said else ""

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
        oldest_before = self.oldest_detail
        keys, oldest = yield from self._emit_rows(raw_rows, response, chain.keyword, page)
        if self.halted or chain.broken or keys is None:
            return
        chain.last_page = page
        chain.pages += 1
        # the page's oldest date: its list dates, or (dates only on detail pages) the details
        # read so far, which are fetched before the next list page
        dates = [t for t in (oldest, oldest_before) if t is not None]
        request = self._next_page(raw_rows, keys, chain, page, last_page, min(dates, default=None))
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
        text, _ = self._decode(response, html=fmt in ("html", "xml"))
        redirect = self._redirect_problem(response, text)
        if redirect:
            self._break(chain, page, redirect, response.url, halt=True)
            return None
        document: Node = None
        try:
            if fmt == "feed":
                raw_rows, container = parse_feed(text, response.url), True
            else:
                raw_rows, container, document = read_rows(
                    text,
                    fmt,
                    self.spec.list.items,
                    self.spec.list.fields,
                    response.url,
                    self.spec.list.item_format,
                    self.unmapped,
                )
        except ExtractError as exc:
            blocked = health.challenge(text) or health.captcha(text)
            if blocked:
                self._break(chain, page, blocked, response.url, halt=True)
            else:
                self._not_a_list(chain, page, response, f"页面格式不符：{exc}")
            return None
        if (
            raw_rows
            and fmt in ("html", "xml")
            and health.challenge(text)
            and len(response.body) < 4096
        ):
            raw_rows = []
        if not raw_rows:
            blocked = health.challenge(text) or health.captcha(text)
            if blocked:
                self._break(chain, page, blocked, response.url, halt=True)
                return None
        if not container and fmt in ("json", "js", "xml"):
            # an answer without the list: an error the server explains, a signature refused
            self._not_a_list(chain, page, response, None, document)
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
        return raw_rows, self._portal_last_page(document, fmt, response.url)

    def _not_a_list(
        self,
        chain: paging.Chain,
        page: int,
        response: Response,
        detail: str | None,
        document: Node = None,
    ) -> None:
        """A page that is not a list: `第 2 页不是列表：HTTP 200，服务器说“签名校验失败”`."""
        said = self._said(response, document) if document is not None else self._said(response)
        reason = f"第 {page} 页不是列表：HTTP {response.status}" + (
            said or (f"，{detail}" if detail else "（找不到 items，请检查站点配置）")
        )
        first = page == self.spec.list.first_page and not chain.keyword
        chain.broken = reason
        self.fail(reason, response.url, halt=first)

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

    def _portal_last_page(self, node: Node, fmt: str, url: str) -> int | None:
        """The last page number the portal gives, where the profile names it."""
        spec = self.spec.list
        if spec.last_page is None and spec.total is None or fmt == "feed" or node is None:
            return None
        try:
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
    ) -> Generator[Any, None, tuple[list[str] | None, datetime | None]]:
        """Emit a page's rows (or their detail requests); returns the page's keys (None when a
        row was unusable: the good rows are still emitted, the chain is broken) and the oldest
        date its rows show."""
        keys: list[str] = []
        chain = self.chains[keyword]
        usable = True
        oldest: datetime | None = None
        for raw in raw_rows:
            row = self._row(raw, response, keyword, page)
            if row is None:
                usable = False
                continue
            key = self._key(row)
            if key is None:
                continue
            moment = row.get("posted_at") or row.get("published_at") or row.get("opens_at")
            if moment:
                when = datetime.fromisoformat(moment)
                oldest = when if oldest is None else min(oldest, when)
            keys.append(str(key))
            if (keyword, str(key)) in self.page_keys:
                continue  # already emitted from an earlier page of this pass
            self.page_keys.add((keyword, str(key)))
            yield from self._follow(row)
        if not usable:
            first = page == self.spec.list.first_page and not keyword
            chain.broken = chain.broken or ("" if first else f"第 {page} 页：") + str(self.error)
            return None, oldest
        return keys, oldest

    def _next_page(
        self,
        raw_rows: list[dict[str, Any]],
        keys: list[str],
        chain: paging.Chain,
        page: int,
        last_page: int | None,
        oldest: datetime | None = None,
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
        if oldest is not None:
            chain.oldest = oldest if chain.oldest is None else min(chain.oldest, oldest)
        stop = None
        if page - spec.first_page + 1 >= spec.max_pages:
            stop = paging.MAX_PAGES
        elif self.known and any(k in self.known for k in keys) and self.open_ids <= self.seen:
            stop = paging.CAUGHT_UP  # every open message seen again, among known rows
        if stop is not None and self.backfilling:
            # a backfill reads on past where an ordinary pass stops: until backfill_days back,
            # or max_pages deeper than its last pass got
            if chain.oldest is not None and chain.oldest < self.horizon:
                stop = paging.HORIZON
            elif page - spec.first_page + 1 < spec.max_pages + self.backfill_depth:
                stop = None
        if stop is not None:
            chain.stopped = stop
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
        """A list row with its crawl facts, or None when it is unusable (a required field the
        detail page cannot give is missing, a date cannot be read)."""
        row: dict[str, Any] = dict(raw)
        if self.spec.kind == "messages" and not row.get("external_id"):
            if row.get("url"):
                row["external_id"] = _id_from_url(str(row["url"]))  # only a link: it is the id
            elif row.get("title"):
                # a 不公开 row: no link, no detail; tracked from the list alone under a stable id
                basis = f"{row.get('title')}|{row.get('posted_at')}|{row.get('author') or ''}"
                row["external_id"] = "nolink-" + hashlib.sha1(basis.encode()).hexdigest()[:16]
                row["public"] = False
        list_fingerprint = fingerprint(raw)
        self.rows += 1
        if self.spec.kind != "news" and row.get("external_id"):
            self.seen.add(str(row["external_id"]))
        if not self._parse_dates(row, response.url):
            return None
        key = "url" if self.spec.kind == "news" else "external_id"
        # a field the detail page declares may wait for it; any other must be in the list
        missing = [
            f
            for f in (key, *self.required)
            if not row.get(f) and (f not in self.deferred or not row.get("public", True))
        ]
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

    def _parse_dates(
        self, row: dict[str, Any], url: str | None = None, of_list: bool = True
    ) -> bool:
        for name in DATE_FIELDS:
            if name in row and row[name] is not None:
                try:
                    moment = parse_date(row[name], self.now, self.spec.date_format)
                except DateError as exc:
                    self.missing[name] = self.missing.get(name, 0) + 1
                    where = "" if of_list else "详情页："
                    self.fail(f"{where}日期无法识别（{name}）：{exc}", url, False, of_list)
                    return False
                row[name] = moment.isoformat() if moment else None
        return True

    def _lacking(self, row: Mapping[str, Any]) -> list[str]:
        """Required fields the row still lacks (they can only come from its detail page)."""
        return [f for f in self.required if not row.get(f)]

    def _emit(self, row: dict[str, Any], **crawl: Any) -> dict[str, Any]:
        """A row as it leaves the child (spiders/rows.py); pending when it is not trackable."""
        if self.spec.kind == "news":
            return NewsRow(
                url=str(row["url"]),
                title=row.get("title"),
                body=row.get("body"),
                # a profile may name a news item's date as a message's (`posted_at`): one word
                # for "when it appeared" across kinds is what people write
                published_at=row.get("published_at") or row.get("posted_at"),
                outlet=row.get("outlet"),
                keyword=row.get("keyword"),
                fingerprint=row.get("fingerprint"),
                page=row.get("page"),
                list_url=row.get("list_url"),
                changed=crawl.get("changed", True),
                detail=crawl.get("detail", False),
            ).to_dict()
        if self.spec.kind == "consultations":
            # a new draft without its window is named in the crawl's notes by ingest, not kept
            # pending: the next pass reads its detail page again
            return ConsultationRow(
                external_id=str(row["external_id"]),
                url=row.get("url"),
                title=row.get("title"),
                department=row.get("department"),
                body=row.get("body"),
                opens_at=row.get("opens_at"),
                closes_at=row.get("closes_at"),
                feedback_url=row.get("feedback_url"),
                feedback_at=row.get("feedback_at"),
                fingerprint=row.get("fingerprint"),
                page=row.get("page"),
                keyword=row.get("keyword"),
                list_url=row.get("list_url"),
                changed=crawl.get("changed", True),
                detail=crawl.get("detail", False),
            ).to_dict()
        # a known, unchanged row is tracked already: what its list row lacks does not matter
        lacking = self._lacking(row) if crawl.get("changed", True) else []
        reason = crawl.pop("reason", None)
        if lacking:
            self.pending_out += 1
            crawl["pending"] = f"缺少 {'、'.join(lacking)}" + (f"：{reason}" if reason else "")
        values = {
            k: v
            for k, v in row.items()
            if k not in ("fingerprint", "page", "keyword", "list_url", "public")
        }
        return MessageRow.from_fields(
            values,
            public=row.get("public", True),
            fingerprint=row.get("fingerprint"),
            page=row.get("page"),
            keyword=row.get("keyword"),
            list_url=row.get("list_url"),
            **crawl,
        ).to_dict()

    def _key(self, row: Mapping[str, Any]) -> Any:
        """A row's identity: a news item's link, anything else's id on the portal."""
        return row.get("url") if self.spec.kind == "news" else row.get("external_id")

    def _follow(self, row: dict[str, Any]) -> Iterator[Any]:
        """Emit the row, or fetch its detail first when it is new or changed (or lacks a field
        only its detail page has)."""
        key = self._key(row)
        if self.spec.kind == "news":
            unchanged = key is not None and str(key) in self.known  # news items do not change
        else:
            unchanged = key is not None and self.known.get(str(key)) == row["fingerprint"]
        # an open message whose list row cannot show a reply (no status or reply time in the
        # list fields) is looked at on its detail page every cycle; otherwise its reply would
        # never be seen
        watch_detail = self.reply_only_in_detail and key is not None and str(key) in self.open_ids
        needs_detail = not unchanged and bool(self._lacking(row))
        request: Request | str | None = None
        if (not unchanged or watch_detail or needs_detail) and row.get("public", True):
            if key is not None:
                self.retried.add(str(key))
            request = self._detail_request(
                row, {"kind": "detail", "row": row}, self.parse_detail, self.detail_failed
            )
        if request is None or isinstance(request, str):
            if isinstance(request, str):
                self.note(request)
            yield self._emit(row, changed=not unchanged, detail=False, reason=request)
            return
        yield request

    # ---- detail pages ------------------------------------------------------------------------
    def parse_detail(self, response: Response) -> list[Any]:
        return list(self._parse_detail(response))

    def _parse_detail(self, response: Response) -> Iterator[Any]:
        row: dict[str, Any] = dict(response.meta["row"])
        self.details += 1
        problem = self._status_problem(response)
        if problem:
            blocked = health.blocked_status(response.status) is not None
            if blocked:
                self.fail("详情页：" + problem, response.url)
            else:
                self.fail("详情页：" + problem, response.url, halt=False, of_list=False)
            yield self._emit(row, changed=True, detail=False, reason=f"详情页{problem}")
            return
        if response.status in NOT_FOUND:
            # gone or not public: the list row still counts
            yield self._emit(
                row,
                changed=True,
                detail=False,
                detail_status=response.status,
                reason=f"详情页 HTTP {response.status}",
            )
            return
        values, why = self._detail_values(response, row)
        if values is None:
            yield self._emit(row, changed=True, detail=False, reason=why)
            return
        for name, value in values.items():
            if value is not None and name != "external_id":
                row[name] = value
        if not self._parse_dates(row, response.url, of_list=False):
            yield self._emit(row, changed=True, detail=False, reason="详情页日期无法识别")
            return
        moment = row.get("posted_at") or row.get("published_at")
        if moment:
            when = datetime.fromisoformat(moment)
            self.oldest_detail = (
                when if self.oldest_detail is None else min(self.oldest_detail, when)
            )
        yield self._emit(row, changed=True, detail=True)

    def detail_failed(self, failure: Failure) -> list[Any]:
        """A detail request that failed (time-out, refused): the row is emitted without it —
        trackable from the list, or pending — and the crawl goes on."""
        request = failure.request  # type: ignore[attr-defined]
        self.details += 1
        reason = "详情页" + self._why(failure)
        self.fail(f"详情页：{self._why(failure)}", request.url, halt=False, of_list=False)
        return [self._emit(dict(request.meta["row"]), changed=True, detail=False, reason=reason)]

    def _detail_values(
        self, response: Response, row: Mapping[str, Any] | None = None
    ) -> tuple[dict[str, Any] | None, str | None]:
        """The detail page's fields (long texts clipped; a wrong charset undone where the other
        decoding reads cleanly), or (None, why) when the page is not a detail page."""
        assert self.spec.detail is not None
        fmt = self.spec.detail_format
        text, used = self._decode(response, html=fmt in ("html", "xml"))
        redirect = self._redirect_problem(response, text)
        if redirect:
            self.fail("详情页：" + redirect, response.url)
            return None, "详情页" + redirect
        try:
            values = self._extract_detail(text, fmt, response.url, row)
        except ExtractError as exc:
            blocked = health.challenge(text)
            if blocked:
                self.fail("详情页：" + blocked, response.url)
                return None, "详情页" + blocked
            why = f"详情页格式不符：{exc}{self._said(response)}"
            self.fail(why, response.url, halt=False, of_list=False)
            return None, why
        if fmt in ("html", "xml") and not any(values.values()):
            blocked = health.challenge(text) or health.captcha(text)
            if blocked:
                self.fail("详情页：" + blocked, response.url)
                return None, "详情页" + blocked
        if fmt in ("json", "js") and not any(values.values()):
            said = self._said(response)
            if said:  # an error answer instead of the detail
                self.fail(
                    f"详情页不是详情：HTTP {response.status}{said}",
                    response.url,
                    halt=False,
                    of_list=False,
                )
                return None, f"详情页不是详情：HTTP {response.status}{said}"
        values = self._undo_misdecoding(response, values, fmt, used, row)
        for name in LONG_TEXT_FIELDS:
            clipped, cut = clip_text(values.get(name))
            if cut:
                values[name] = clipped
                self.note(f"详情页正文过长，已截断保存：{response.url}")
        if response.meta.get("truncated"):
            self.note(
                f"详情页超过 {MAX_RESPONSE_BYTES // (1024 * 1024)} MB，只读取了前面部分：{response.url}"
            )
        return values, None

    def _extract_detail(
        self, text: str, fmt: str, url: str, row: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        assert self.spec.detail is not None
        node = load_document(text, fmt)
        known = {k: v for k, v in (row or {}).items() if isinstance(v, str)}
        values = extract_fields(node, self.spec.detail.fields, url, self.unmapped, known)
        return {k: values.get(k) for k in self.spec.detail.fields}

    def _undo_misdecoding(
        self,
        response: Response,
        values: dict[str, Any],
        fmt: str,
        used: str,
        row: Mapping[str, Any] | None = None,
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
                retried = self._extract_detail(alternative, fmt, response.url, row)
            except ExtractError:
                retried = None
            if retried is not None and not _garbled(retried):
                self.logger.info("re-decoded %s (was %s)", response.url, used)
                return retried
        warning = f"页面编码无法识别，字段 {', '.join(garbled)} 含乱码，已忽略（{response.url}）"
        if warning not in self.warnings and len(self.warnings) < 5:
            self.warnings.append(warning)
        return {k: (None if k in garbled else v) for k, v in values.items()}

    # ---- after paging: pending rows, withdrawal evidence --------------------------------------
    def idle(self, spider: scrapy.Spider) -> None:
        """Paging is over. First the detail pages of pending rows this pass did not reach (they
        are retried every pass, at most MAX_RETRIES); then, on a complete pass, the detail pages
        of the open messages it should have seen and did not (once, at most MAX_CHECKS)."""
        if self.halted or self.spec.kind != "messages":
            return
        requests = self._retries() if not self.retries_started else []
        self.retries_started = True
        if not requests and not self.checks_started:
            self.checks_started = True
            requests = self._checks()
        if not requests:
            return
        for request in requests:
            self.crawler.engine.crawl(request)
        raise DontCloseSpider

    def _retries(self) -> list[Request]:
        requests: list[Request] = []
        for external_id, stored in sorted(self.pending.items()):
            if external_id in self.retried or len(requests) >= MAX_RETRIES:
                continue
            row = self._stored_row(stored)
            request = self._detail_request(
                row, {"kind": "detail", "row": row}, self.parse_detail, self.detail_failed
            )
            if isinstance(request, Request):
                self.retried.add(external_id)
                requests.append(request)
        return requests

    @staticmethod
    def _stored_row(stored: Mapping[str, Any]) -> dict[str, Any]:
        """A pending row as the parent stored it, back in the spider's working form."""
        parsed = parse_row(dict(stored))
        assert isinstance(parsed, MessageRow)
        return parsed.values() | {
            "public": parsed.public,
            "fingerprint": parsed.fingerprint,
            "page": parsed.page,
            "keyword": parsed.keyword,
            "list_url": parsed.list_url,
        }

    def _checks(self) -> list[Request]:
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
            if external_id.startswith("nolink-"):
                continue
            request = self._detail_request(
                {"external_id": external_id, "url": info.get("url")},
                {"kind": "check", "external_id": external_id},
                self.parse_check,
                self.check_failed,
            )
            # a template needing list fields we no longer have: no check, no guess
            if isinstance(request, Request):
                requests.append(request)
        return requests

    def parse_check(self, response: Response) -> list[Any]:
        """Is an unseen open message's own page gone (404/410 or the not-found page)?"""
        self.checks += 1
        external_id = response.meta["external_id"]
        if self.halted:
            return []
        if response.status in NOT_FOUND:
            return [CheckRow(external_id, True, response.status).to_dict()]
        if self._status_problem(response):
            return []  # no evidence either way
        fmt = self.spec.detail_format
        text, _ = self._decode(response, html=fmt in ("html", "xml"))
        if self._redirect_problem(response, text):
            return []
        try:
            values = self._extract_detail(text, fmt, response.url)
        except ExtractError:
            values = {}
        if any(values.values()):
            return [CheckRow(external_id, False, response.status).to_dict()]
        if health.not_found_page(text):
            return [CheckRow(external_id, True, response.status).to_dict()]
        return []

    def check_failed(self, failure: Failure) -> None:
        """A check that could not be made is no evidence; it is not the crawl's failure."""
        self.logger.info("withdrawal check failed: %s", failure.value)

    # ---- the end -----------------------------------------------------------------------------
    def pass_outcome(self) -> paging.PassOutcome:
        return paging.outcome(
            list(self.chains.values()),
            self.oldest_seen,
            self.halted or self.list_failed,
            self.previous_last_page,
        )

    def summary(self) -> dict[str, Any]:
        done = self.pass_outcome()
        for name, value in sorted(self.unmapped)[:20]:  # named once, for whoever keeps the map
            self.logger.info("value %r of field %s is not in its map; kept as it is", value, name)
            self.note(f"字段 {name} 的值 {value!r} 不在 map 中，按原样保存")
        chains = list(self.chains.values())
        oldest = [t for t in (self.oldest_seen, self.oldest_detail) if t is not None]
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
            "pending_rows": self.pending_out,
            "backfill": {
                "active": self.backfilling,
                # the whole list, or back to backfill_days, read without a bad page
                "done": paging.backfill_done(chains, done.complete),
                "pages": max((c.pages for c in chains), default=0),
                "oldest": min(oldest).isoformat() if oldest else None,
            },
        }
