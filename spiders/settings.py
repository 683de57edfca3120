"""Scrapy settings for one crawl: polite by default (robots.txt, per-site delay, AutoThrottle,
retries with backoff), identified by our User-Agent, quiet, no telnet console."""

from __future__ import annotations

from typing import Any

from spiders.limits import MAX_RESPONSE_BYTES
from spiders.profile import SiteSpec

# ASCII only: HTTP header values are latin-1 on the wire, and strict servers reject others
USER_AGENT = "opinion-monitor/0.1 (government public-opinion response monitor)"
# 5xx and time-outs are retried; 403/412/521 are blocks (retrying only digs deeper) and
# 404 is a page past the last one
RETRY_HTTP_CODES = [500, 502, 503, 504, 408, 429, 522, 524]
BACKOFF_BASE = 1.0  # seconds; doubled on every retry of the same request
REDIRECT_MAX_TIMES = 5  # a portal's http→https→/index→… chain is short; a loop is not


def crawl_settings(
    site: SiteSpec,
    log_file: str | None = None,
    delay: float | None = None,
    backoff: float | None = None,
) -> dict[str, Any]:
    delay = site.delay if delay is None else delay
    return {
        "BOT_NAME": "opinion-monitor",
        "USER_AGENT": USER_AGENT,
        "ROBOTSTXT_OBEY": site.obey_robots,
        "ROBOTSTXT_USER_AGENT": "opinion-monitor",
        "DOWNLOAD_DELAY": delay,
        "RANDOMIZE_DOWNLOAD_DELAY": delay > 0,
        "AUTOTHROTTLE_ENABLED": delay > 0,  # delay 0 means "as fast as it answers"
        "AUTOTHROTTLE_START_DELAY": max(delay, 0.0),
        "AUTOTHROTTLE_MAX_DELAY": max(30.0, delay * 10),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(site.concurrency) if delay == 0 else 1.0,
        "CONCURRENT_REQUESTS": max(site.concurrency, 1) * 2,
        "CONCURRENT_REQUESTS_PER_DOMAIN": site.concurrency if delay == 0 else 1,
        "DOWNLOAD_TIMEOUT": site.timeout,
        "RETRY_ENABLED": site.retries > 0,
        "RETRY_TIMES": site.retries,
        "RETRY_HTTP_CODES": RETRY_HTTP_CODES,
        "BACKOFF_BASE": BACKOFF_BASE if backoff is None else backoff,
        "DEFAULT_REQUEST_HEADERS": {
            "Accept": "text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.8",
            "Accept-Language": "zh-CN,zh;q=0.9",
            **site.headers,
        },
        "COOKIES_ENABLED": True,
        # Scrapy starts CONCURRENT_ITEMS asyncio tasks per response; a handful of rows per
        # page needs few (the default 100 costs more CPU than the parsing itself)
        "CONCURRENT_ITEMS": 4,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "INFO",
        "LOG_FILE": log_file,
        "LOG_FILE_APPEND": False,
        "HTTPCACHE_ENABLED": False,
        "REDIRECT_ENABLED": True,
        "REDIRECT_MAX_TIMES": REDIRECT_MAX_TIMES,
        "METAREFRESH_ENABLED": False,  # a meta refresh is a page to judge, not to follow
        # the spider stops reading any response at MAX_RESPONSE_BYTES and parses what it read
        # (spiders.limits); Scrapy's own limit would instead cancel a page whose declared length
        # is larger, losing the whole row
        "DOWNLOAD_MAXSIZE": 0,
        "DOWNLOAD_WARNSIZE": MAX_RESPONSE_BYTES,
        "DOWNLOADER_MIDDLEWARES": {
            "spiders.pipelines.BackoffMiddleware": 560,
            "spiders.pipelines.SameSiteRedirectMiddleware": 610,
        },
        "ITEM_PIPELINES": {"spiders.pipelines.JsonLinesPipeline": 300},
        # no listening ports in the child (telnet, remote control); no periodic log lines
        "EXTENSIONS": {
            "scrapy.extensions.telnet.TelnetConsole": None,
            "scrapy.extensions.remote_control.RemoteControl": None,
            "scrapy.extensions.logstats.LogStats": None,
            "scrapy.extensions.memdebug.MemoryDebugger": None,
        },
        "SPIDER_MIDDLEWARES": {
            "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
            "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
        },
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
    }
