"""The crawl child: `python -m spiders.run --job JOB.json`.

Reads the job (written by monitor.crawl), crawls one section of one site profile and writes,
next to the job file (or in the job's `out` folder): `items.jsonl` (one row per line),
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
from typing import Any


def run_job(job_path: Path) -> dict[str, Any]:
    from scrapy.crawler import CrawlerProcess

    from spiders.profile import load_profile, parse_profile
    from spiders.settings import crawl_settings
    from spiders.spider import ProfileSpider

    job = json.loads(job_path.read_text(encoding="utf-8"))
    out = Path(job.get("out") or job_path.parent)
    out.mkdir(parents=True, exist_ok=True)
    profile = (
        parse_profile(job["profile_text"], job["profile"])
        if job.get("profile_text")
        else load_profile(job["profile"])
    )
    section = job["section"]
    profile.section(section, job["profile"])
    settings = crawl_settings(
        profile.site,
        log_file=str(out / "crawl.log"),
        delay=job.get("delay"),
        backoff=job.get("backoff"),
    )
    limit = job.get("timeout")
    if limit:
        # close cleanly (keeping what was found) a little before the parent's hard kill
        settings["CLOSESPIDER_TIMEOUT"] = max(limit * 0.8, limit - 10)
    started = time.monotonic()
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(ProfileSpider)
    process.crawl(
        crawler, profile=profile, section=section, job=job, items_path=str(out / "items.jsonl")
    )
    process.start()
    spider: ProfileSpider = crawler.spider  # type: ignore[assignment]
    scrapy_stats = {
        k: (v.isoformat() if hasattr(v, "isoformat") else v)
        for k, v in (crawler.stats.get_stats() or {}).items()
    }
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
            "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "finish_reason": scrapy_stats.get("finish_reason"),
            "scrapy": scrapy_stats,
        }
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
