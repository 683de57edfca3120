"""The one generic spider: a site profile section in, rows out (DESIGN §5, §8).

Incremental and polite. The parent passes the known rows (external_id → list-row fingerprint)
and the open external_ids. A known row whose fingerprint is unchanged costs no detail request;
paging stops once every open message has been seen again on a page that also held known rows,
so requests per cycle grow with the open messages, not with history. A page past the last one
(404, or an empty list) ends paging: the pass was *full* and only then may the parent call a
missing message withdrawn. The first error (block, challenge, time-out, missing required
fields…) is recorded in the stats and stops further paging; the parent decides what it means.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any, AsyncIterator, Iterator

import scrapy
from scrapy.http import FormRequest, JsonRequest, Request, Response
from twisted.python.failure import Failure

from spiders import health
from spiders.dates import DateError, parse_date
from spiders.encoding import decode_body
from spiders.extract import ExtractError, extract_fields, extract_rows, load_json, html_selector, parse_feed
from spiders.profile import REQUIRED_MESSAGE_FIELDS, REQUIRED_NEWS_FIELDS, Profile, SectionSpec

DATE_FIELDS = ("posted_at", "replied_at", "published_at")
NOT_FOUND = (404, 410)


def fingerprint(row: dict[str, Any]) -> str:
    """What a list row says, hashed: a change means the detail is worth fetching again."""
    stable = {k: v for k, v in sorted(row.items()) if k not in ("page",)}
    return hashlib.sha1(json.dumps(stable, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:20]


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


class ProfileSpider(scrapy.Spider):
    name = "profile"
    custom_settings: dict[str, Any] = {}

    def __init__(self, profile: Profile, section: str, job: dict[str, Any], items_path: str,
                 *args: Any, **kwargs: Any) -> None:
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
        self.keywords: list[str] = list(job.get("keywords") or [])
        self.usual_size: int | None = job.get("usual_body_size")
        self.last_rows: int | None = job.get("last_rows")
        self.seen: set[str] = set()
        self.page_keys: set[tuple[str, str]] = set()  # (keyword, key) emitted in this pass
        self.error: str | None = None
        self.error_url: str | None = None
        self.chains = 0          # paging chains (one per keyword)
        self.chains_ended = 0    # chains that reached a page past the last one
        self.pages = 0
        self.rows = 0
        self.details = 0
        self.missing: dict[str, int] = {}
        self.first_page_rows: int | None = None
        self.first_page_size: int | None = None
        self.required = REQUIRED_MESSAGE_FIELDS if self.spec.kind == "messages" else REQUIRED_NEWS_FIELDS
        reply_fields = ("status_text", "replied_at")
        self.reply_only_in_detail = (
            self.spec.kind == "messages" and self.spec.detail is not None
            and not any(f in self.spec.list.fields for f in reply_fields)
            and any(f in self.spec.detail.fields for f in (*reply_fields, "reply")))

    # ---- requests ----------------------------------------------------------------------------
    def _values(self, page: int, keyword: str, cursor: str) -> dict[str, str]:
        spec = self.spec.list
        return {"page": str(page), "offset": str((page - spec.first_page) * spec.page_size),
                "keyword": keyword, "cursor": cursor, "page_size": str(spec.page_size)}

    def list_request(self, page: int, keyword: str = "", cursor: str = "") -> Request:
        spec = self.spec.list
        values = self._values(page, keyword, cursor)
        template = spec.first_url if (page == spec.first_page and spec.first_url) else spec.url
        url = self._absolute(_substitute(template, values))
        meta = {"kind": "list", "page": page, "keyword": keyword, "handle_httpstatus_all": True}
        if spec.method == "POST" and spec.json_body is not None:
            return JsonRequest(url, data=_substitute(spec.json_body, values), meta=meta,
                               callback=self.parse_list, errback=self.failed, dont_filter=True)
        if spec.method == "POST":
            return FormRequest(url, formdata=_substitute(spec.form or {}, values), meta=meta,
                               callback=self.parse_list, errback=self.failed, dont_filter=True)
        return Request(url, meta=meta, callback=self.parse_list, errback=self.failed, dont_filter=True)

    def _absolute(self, url: str) -> str:
        from urllib.parse import urljoin

        return urljoin(self.site.base_url.rstrip("/") + "/", url)

    async def start(self) -> AsyncIterator[Request]:
        for request in self.start_requests():
            yield request

    def start_requests(self) -> Iterator[Request]:
        spec = self.spec.list
        uses_keyword = "{keyword}" in spec.url + spec.first_url + json.dumps(spec.form or spec.json_body or {})
        keywords = self.keywords if uses_keyword else [""]
        for keyword in keywords:
            self.chains += 1
            yield self.list_request(spec.first_page, keyword)

    # ---- errors ------------------------------------------------------------------------------
    def fail(self, reason: str, url: str | None = None) -> None:
        """Record the first failure: a short reason for people, the URL for the record."""
        if self.error is None:
            self.error = reason
            self.error_url = url
            self.logger.warning("crawl failed: %s (%s)", reason, url)

    def failed(self, failure: Failure) -> None:
        from scrapy.exceptions import IgnoreRequest
        from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TimeoutError
        from twisted.web._newclient import ResponseNeverReceived

        request = failure.request  # type: ignore[attr-defined]
        if failure.check(TimeoutError) or "TimeoutError" in repr(failure.value):
            reason = f"请求超时（{self.site.timeout:g} 秒）"
        elif failure.check(IgnoreRequest):
            reason = "robots.txt 禁止抓取" if "robots" in str(failure.value).lower() or \
                self.site.obey_robots else f"请求被忽略：{failure.value}"
        elif failure.check(DNSLookupError):
            reason = "域名解析失败"
        elif failure.check(ConnectionRefusedError):
            reason = "连接被拒绝"
        elif failure.check(ResponseNeverReceived):
            reason = "连接中断，未收到响应"
        else:
            reason = f"请求失败：{failure.type.__name__}: {failure.value}"
        self.fail(reason, request.url)

    def _status_problem(self, response: Response) -> str | None:
        blocked = health.blocked_status(response.status)
        if blocked:
            return blocked
        if response.status >= 400 and response.status not in NOT_FOUND:
            return f"HTTP {response.status}"
        return None

    def _text(self, response: Response, html: bool = True) -> str:
        text, _ = decode_body(response.body, response.headers.get("Content-Type", b"").decode("latin-1")
                              or None, self.site.encoding, html=html)
        return text

    # ---- list pages --------------------------------------------------------------------------
    def parse_list(self, response: Response) -> list[Any]:
        # callbacks return lists: Scrapy re-parses the source of generator callbacks on every
        # response to warn about `return` in generators, which costs more than the page
        return list(self._parse_list(response))

    def _parse_list(self, response: Response) -> Iterator[Any]:
        if self.error:
            return
        page: int = response.meta["page"]
        keyword: str = response.meta["keyword"]
        first = page == self.spec.list.first_page
        self.pages += 1
        problem = self._status_problem(response)
        if problem:
            self.fail(problem, response.url)
            return
        if response.status in NOT_FOUND:
            if first and not keyword:
                before = f"，此前有 {self.last_rows} 条" if self.last_rows else ""
                self.fail(f"列表首页不存在 (HTTP {response.status}{before})", response.url)
            else:
                self.chains_ended += 1  # a page past the last one
            return
        fmt = self.spec.format
        text = self._text(response, html=fmt == "html")
        try:
            if fmt == "feed":
                raw_rows, container = parse_feed(text, response.url), True
            else:
                raw_rows, container = extract_rows(text, fmt, self.spec.list.items,
                                                   self.spec.list.fields, response.url)
        except ExtractError as exc:
            reason = health.challenge(text) or f"页面格式不符：{exc}"
            self.fail(reason, response.url)
            return
        if raw_rows and fmt != "json" and health.challenge(text) and len(response.body) < 4096:
            raw_rows = []
        if first and not keyword:
            problem = health.first_page_problem(response.status, text, len(response.body),
                                                len(raw_rows), container, self.usual_size,
                                                self.last_rows)
            if problem:
                self.fail(problem, response.url)
                return
            self._note_first(len(raw_rows), len(response.body))
        elif not raw_rows and health.challenge(text):
            self.fail(health.challenge(text), response.url)
            return
        if not raw_rows:
            self.chains_ended += 1
            return
        known_on_page = False
        keys: list[str] = []
        seen_before = set(self.page_keys)
        for raw in raw_rows:
            row = self._row(raw, response, keyword, page)
            if row is None:
                continue
            key = row.get("external_id") if self.spec.kind == "messages" else row.get("url")
            if key in self.known:
                known_on_page = True
            if key is not None:
                keys.append(str(key))
                if (keyword, str(key)) in seen_before:
                    continue  # already emitted from an earlier page of this pass
                self.page_keys.add((keyword, str(key)))
            yield from self._follow(row)
        if self.error:
            return
        if keys and all((keyword, k) in seen_before for k in keys):
            # the portal ignores the page number and repeats itself: that was the last page
            self.chains_ended += 1
            return
        # the next page, unless we have caught up or hit the limit
        index = page - self.spec.list.first_page + 1
        if index >= self.spec.list.max_pages:
            return
        if fmt == "feed":
            self.chains_ended += 1
            return
        if self.known and known_on_page and self.open_ids <= self.seen:
            return
        cursor = ""
        if self.spec.list.cursor:
            cursor = str(raw_rows[-1].get(self.spec.list.cursor) or "")
            if not cursor:
                self.chains_ended += 1
                return
        yield self.list_request(page + 1, keyword, cursor)

    def _note_first(self, rows: int, size: int) -> None:
        if self.first_page_rows is None:
            self.first_page_rows, self.first_page_size = rows, size

    def _row(self, raw: dict[str, Any], response: Response, keyword: str, page: int) -> dict[str, Any] | None:
        row: dict[str, Any] = dict(raw)
        if self.spec.kind == "messages" and not row.get("external_id") and not row.get("url") \
                and row.get("title"):
            # a 不公开 row: no link, no detail; tracked from the list alone under a stable id
            basis = f"{row.get('title')}|{row.get('posted_at')}|{row.get('author') or ''}"
            row["external_id"] = "nolink-" + hashlib.sha1(basis.encode()).hexdigest()[:16]
            row["public"] = False
        list_fingerprint = fingerprint(raw)
        self.rows += 1
        if self.spec.kind == "messages" and row.get("external_id"):
            self.seen.add(str(row["external_id"]))
        if not self._parse_dates(row):
            return None
        missing = [f for f in self.required if not row.get(f)]
        if missing:
            for name in missing:
                self.missing[name] = self.missing.get(name, 0) + 1
            self.fail(f"缺少必填字段 {', '.join(missing)}", response.url)
            return None
        row.update({"fingerprint": list_fingerprint, "page": page, "keyword": keyword or None,
                    "list_url": response.url})
        return row

    def _parse_dates(self, row: dict[str, Any]) -> bool:
        for name in DATE_FIELDS:
            if name in row and row[name] is not None:
                try:
                    moment = parse_date(row[name], self.now, self.spec.date_format)
                except DateError as exc:
                    self.missing[name] = self.missing.get(name, 0) + 1
                    self.fail(f"日期无法识别（{name}）：{exc}")
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
        detail = self.spec.detail
        url = None
        # an open message whose list row cannot show a reply (no status or reply time in the
        # list fields) is looked at on its detail page every cycle; otherwise its reply would
        # never be seen
        watch_detail = (self.reply_only_in_detail and key is not None and str(key) in self.open_ids)
        if detail is not None and (not unchanged or watch_detail) and row.get("public", True):
            if detail.url:
                url = self._absolute(_substitute(detail.url, {k: str(v) for k, v in row.items()
                                                              if v is not None}))
            else:
                url = row.get("url")
        if url is None:
            yield {**row, "changed": not unchanged, "detail": False}
            return
        meta = {"kind": "detail", "row": row, "handle_httpstatus_all": True}
        method = detail.method if detail else "GET"
        yield Request(url, method=method, meta=meta, callback=self.parse_detail,
                      errback=self.failed, dont_filter=True)

    # ---- detail pages ------------------------------------------------------------------------
    def parse_detail(self, response: Response) -> list[Any]:
        return list(self._parse_detail(response))

    def _parse_detail(self, response: Response) -> Iterator[Any]:
        row: dict[str, Any] = dict(response.meta["row"])
        self.details += 1
        if self.error:
            return
        problem = self._status_problem(response)
        if problem:
            self.fail(problem, response.url)
            return
        if response.status in NOT_FOUND:
            # gone or not public: the list row still counts
            yield {**row, "changed": True, "detail": False, "detail_status": response.status}
            return
        assert self.spec.detail is not None
        fmt = self.spec.detail.format or ("json" if self.spec.format == "json" else "html")
        text = self._text(response, html=fmt == "html")
        try:
            node = load_json(text) if fmt == "json" else html_selector(text)
            values = extract_fields(node, self.spec.detail.fields, response.url)
        except ExtractError as exc:
            self.fail(health.challenge(text) or f"详情页格式不符：{exc}", response.url)
            return
        if fmt == "html" and not any(values.values()) and health.challenge(text):
            self.fail(health.challenge(text), response.url)
            return
        for name, value in values.items():
            if value is not None and name != "external_id":
                row[name] = value
        if not self._parse_dates(row):
            return
        yield {**row, "changed": True, "detail": True}

    # ---- the end -----------------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        return {
            "ok": self.error is None,
            "error": self.error,
            "error_url": self.error_url,
            "pages": self.pages,
            "rows": self.rows,
            "details": self.details,
            "full_pass": self.error is None and self.chains > 0 and self.chains_ended >= self.chains,
            "first_page_rows": self.first_page_rows,
            "first_page_size": self.first_page_size,
            "missing": self.missing,
            "seen": len(self.seen),
        }
