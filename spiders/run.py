"""One crawl job: its settings and its stats (shared by the long-lived workers of
`spiders.worker`), and `python -m spiders.run --job JOB.json`, which runs one job by hand.

A job names a site profile, a section, the crawl's time and what the parent knows (known rows,
open messages, the previous pass). Run by hand it writes, next to the job file (or in the
job's `out` folder): `items.jsonl` (one row per line),
`stats.json` (ok, error, requests, pages, complete, full_pass, complete_since, last_page,
first page rows/size, peak memory, Scrapy's
own stats) and `crawl.log`. It never touches the database. Exit code 0 even when the portal
failed (the failure is in stats.json); 2 when the job itself is unusable."""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spiders.profile import Profile, load_profile, parse_profile
from spiders.settings import crawl_settings

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


def load_job_profile(job: dict[str, Any]) -> Profile:
    """The job's site profile (its text when the parent sent it, else the file), with the
    section checked: a bad profile is the job's error, raised here."""
    profile = (
        parse_profile(job["profile_text"], job["profile"])
        if job.get("profile_text")
        else load_profile(job["profile"])
    )
    profile.section(job["section"], job["profile"])
    return profile


def job_settings(
    profile: Profile, job: dict[str, Any], log_file: str | None = None
) -> dict[str, Any]:
    """One job's Scrapy settings: the site's politeness, and a clean close (keeping what was
    found) a little before the parent's hard limit."""
    settings = crawl_settings(
        profile.site, log_file=log_file, delay=job.get("delay"), backoff=job.get("backoff")
    )
    limit = job.get("timeout")
    if limit:
        settings["CLOSESPIDER_TIMEOUT"] = max(limit * 0.8, limit - 10)
    return settings


def job_stats(
    crawler: Crawler, settings: dict[str, Any], started: float, peak_rss_kb: int
) -> dict[str, Any]:
    """What the parent needs of a finished job: the spider's summary (ok, error, complete, …)
    and Scrapy's own stats; a close by CLOSESPIDER_TIMEOUT is a failure, never "complete"."""
    from spiders.spider import ProfileSpider

    spider = crawler.spider
    scrapy_stats = {
        k: (v.isoformat() if hasattr(v, "isoformat") else v)
        for k, v in (crawler.stats.get_stats() or {}).items()
    }
    if not isinstance(spider, ProfileSpider):  # it never started (a broken job)
        stats: dict[str, Any] = {"ok": False, "complete": False, "error": "抓取未能开始"}
    else:
        stats = spider.summary()
    if scrapy_stats.get("finish_reason") == "closespider_timeout" and stats["ok"]:
        stats.update(
            ok=False,
            full_pass=False,
            complete=False,
            complete_since=None,
            error=f"抓取超时（{settings['CLOSESPIDER_TIMEOUT']:g} 秒内未完成）",
        )
    stats.update(
        {
            "requests": int(scrapy_stats.get("downloader/request_count", 0)),
            "seconds": round(time.monotonic() - started, 3),
            "peak_rss_kb": peak_rss_kb,
            "finish_reason": scrapy_stats.get("finish_reason"),
            "scrapy": scrapy_stats,
        }
    )
    return stats


def run_job(job_path: Path) -> dict[str, Any]:
    """One job in this process (a reactor of its own): kept for running one source by hand;
    the product runs jobs in long-lived workers (`spiders.worker`)."""
    from scrapy.crawler import CrawlerProcess

    from spiders.spider import ProfileSpider

    job = json.loads(job_path.read_text(encoding="utf-8"))
    out = Path(job.get("out") or job_path.parent)
    out.mkdir(parents=True, exist_ok=True)
    profile = load_job_profile(job)
    settings = job_settings(profile, job, log_file=str(out / "crawl.log"))
    started = time.monotonic()
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(ProfileSpider)
    process.crawl(
        crawler,
        profile=profile,
        section=job["section"],
        job=job,
        items_path=str(out / "items.jsonl"),
    )
    process.start()
    stats = job_stats(
        crawler, settings, started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    )
    if not (out / "items.jsonl").exists():
        (out / "items.jsonl").write_text("", encoding="utf-8")
    (out / "stats.json").write_text(
        json.dumps(stats, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m spiders.run", description=__doc__)
    parser.add_argument(
        "--job", required=True, type=Path, help="the job file written by the parent"
    )
    args = parser.parse_args(argv)
    try:
        run_job(args.job)
    except Exception as exc:  # the parent reads the reason from stats.json
        from monitor.errors import MonitorError

        reason = str(exc) if isinstance(exc, MonitorError) else f"{type(exc).__name__}: {exc}"
        try:
            (args.job.parent / "stats.json").write_text(
                json.dumps(
                    {
                        "ok": False,
                        "complete": False,
                        "error": f"抓取进程出错：{reason}",
                        "requests": 0,
                    },
                    ensure_ascii=False,
                ),
                encoding="utf-8",
            )
        except OSError:
            pass  # no job folder: stderr is all there is
        print(f"error: {reason}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
