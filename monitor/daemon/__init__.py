"""The daemon (`opinion-monitor run`): one APScheduler 3 BlockingScheduler driving the jobs.

Jobs (all triggers carry the office's time zone):
- one crawl per enabled source, every `every` with a little jitter (the crawl itself runs in
  the daemon's long-lived crawl worker processes, see monitor.crawl.run_crawl and
  monitor.crawl_workers, with a time-out below the interval);
- a deadline sweep every `[daemon] sweep_every`, followed by a dispatch;
- a dispatch every `[daemon] dispatch_every` while alerts are due (a cheap check otherwise);
- the daily summary at `[summary] at` on working days (monitor.triggers.WorkdayTrigger);
- a daily calendar-coverage check and a heartbeat (Meta "daemon.heartbeat") every 30 s.

Everything the daemon promises lives in the database (the outbox, the stages fired), so a
restart after `kill -9` sends nothing twice and loses nothing; the jobs below are idempotent
and the start-up runs a sweep, a dispatch and a missed summary at once.

The same job definitions (`build_jobs`) are driven on a simulated clock by `monitor.demo.run`."""

from monitor.daemon.jobs import (
    CALENDAR_CHECK_AT,
    CRAWL_WORKERS,
    HEARTBEAT_EVERY,
    HEARTBEAT_KEY,
    DaemonJobs,
    JobSpec,
    build_jobs,
    crawl_trigger,
    summary_trigger,
)
from monitor.daemon.lock import DaemonAlreadyRunning, DaemonLock
from monitor.daemon.service import assemble_scheduler, check_profiles, run_daemon, setup_logging

__all__ = [
    "CALENDAR_CHECK_AT",
    "CRAWL_WORKERS",
    "HEARTBEAT_EVERY",
    "HEARTBEAT_KEY",
    "DaemonAlreadyRunning",
    "DaemonJobs",
    "DaemonLock",
    "JobSpec",
    "assemble_scheduler",
    "build_jobs",
    "check_profiles",
    "crawl_trigger",
    "run_daemon",
    "setup_logging",
    "summary_trigger",
]
