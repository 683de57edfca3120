"""Where a crawl's items go (streamed to the parent by a worker, or JSON lines when one job
is run by hand), the retry backoff, and redirects that would leave the portal.

Crawl processes never touch the database: the parent ingests what they send."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from scrapy import Request, Spider
from scrapy.http import Response

from spiders.health import offsite


class JsonLinesPipeline:
    """One JSON object per line in the spider's `items_path`, flushed on close."""

    def open_spider(self, spider: Spider | None = None) -> None:
        target: Any = spider or self.crawler.spider  # type: ignore[attr-defined]
        path = Path(target.items_path)
        self._file = path.open("w", encoding="utf-8")

    @classmethod
    def from_crawler(cls, crawler: Any) -> JsonLinesPipeline:
        pipeline = cls()
        pipeline.crawler = crawler  # type: ignore[attr-defined]
        return pipeline

    def close_spider(self, spider: Spider | None = None) -> None:
        self._file.close()

    def process_item(self, item: dict[str, Any], spider: Spider | None = None) -> dict[str, Any]:
        self._file.write(json.dumps(item, ensure_ascii=False) + "\n")
        return item


class BackoffMiddleware:
    """Retried requests wait BACKOFF_BASE × 2^(n-1) seconds before going out again
    (Scrapy's RetryMiddleware re-queues at once, which hammers a struggling portal)."""

    def __init__(self, base: float) -> None:
        self.base = base

    @classmethod
    def from_crawler(cls, crawler: Any) -> BackoffMiddleware:
        return cls(crawler.settings.getfloat("BACKOFF_BASE", 1.0))

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        retries = int(request.meta.get("retry_times", 0))
        if retries and self.base > 0:
            await asyncio.sleep(self.base * 2 ** (retries - 1))
        return None


class SameSiteRedirectMiddleware:
    """Redirects are followed (by Scrapy's RedirectMiddleware, bounded by REDIRECT_MAX_TIMES)
    only within the portal's host: a redirect elsewhere reaches the spider as it is, marked,
    so it is reported as what it is instead of being fetched. Sits after RedirectMiddleware
    (a higher order), so it sees the response first."""

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        location = response.headers.get("Location")
        if 300 <= response.status < 400 and location:
            from urllib.parse import urljoin

            target = urljoin(request.url, location.decode("latin-1"))
            if offsite(request.url, target):
                request.meta["dont_redirect"] = True
                request.meta["offsite_redirect"] = target
                handled = list(request.meta.get("handle_httpstatus_list", ()))
                request.meta["handle_httpstatus_list"] = [*handled, response.status]
        return response


class StreamPipeline:
    """Rows handed to the crawler's `row_sink` (set by `spiders.worker`), which streams them to
    the parent in batches while the crawl runs."""

    def __init__(self, sink: Any) -> None:
        self.sink = sink

    @classmethod
    def from_crawler(cls, crawler: Any) -> StreamPipeline:
        return cls(crawler.row_sink)

    def process_item(self, item: dict[str, Any], spider: Spider | None = None) -> dict[str, Any]:
        self.sink(item)
        return item
