"""Where a list ends, and what a pass may conclude (docs/site-profiles.md) — pure rules, no Scrapy.

A *chain* is one walk through a list's pages (one per keyword for news searches). It ends on
evidence of the last page: a proper list page with fewer rows than `page_size`, the last page
number the portal gives (where the profile names it), a 404 or an empty list *past the last page
of the previous complete pass*, a portal that repeats the same page, the end of a feed or of a
cursor. It may also stop early on purpose (`max_pages`, the incremental stop): the pass then
covers only the rows newer than the oldest row it saw. Or a bad page breaks it (a 404 or empty
page where the list had rows, a captcha, a redirect to a login page, anything not a list page):
the pass is incomplete and nothing may be concluded from what it did not see.

Backfill (docs/site-profiles.md): a source's first pass, and any pass that ends incomplete, leaves the
source *backfilling*. A backfilling pass reads on past the incremental stop, and each pass may
go `max_pages` deeper than the last one got, until one complete pass has reached the end of the
list or a message older than `backfill_days` (the *horizon*). Until then the source is not
healthy: a message that was on the portal and never read is the worst failure there is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# why a chain ended with evidence of the last page
SHORT, LAST_PAGE, PAST_END, REPEAT, FEED, CURSOR = (
    "short",
    "last_page",
    "past_end",
    "repeat",
    "feed",
    "cursor",
)
# why a chain stopped without that evidence
MAX_PAGES, CAUGHT_UP, HORIZON = "max_pages", "caught_up", "horizon"


@dataclass
class Chain:
    keyword: str = ""
    ended: str | None = None  # evidence of the last page
    stopped: str | None = None  # stopped early on purpose
    broken: str | None = None  # a bad page: the reason, naming the page
    last_page: int | None = None  # the highest page number that held rows
    pages: int = 0  # list pages of this chain read as proper list pages
    oldest: datetime | None = None  # the oldest message time its pages showed


def past_end(page: int, previous_last: int | None) -> bool:
    """May a 404 or an empty page at `page` be read as "past the last page"? Only past the last
    page of the previous complete pass; the first crawl has no previous pass."""
    return previous_last is None or page > previous_last


@dataclass(frozen=True)
class PassOutcome:
    complete: bool  # every chain ended or stopped on purpose, no bad page
    full: bool  # every chain ended on evidence of the last page
    complete_since: datetime | None  # a stopped pass covers rows newer than this only
    last_page: int | None  # the list's last page as this pass knows it
    broken: str | None  # the first bad page's reason


def outcome(
    chains: list[Chain], oldest_seen: datetime | None, failed: bool, previous_last: int | None
) -> PassOutcome:
    broken = next((c.broken for c in chains if c.broken), None)
    complete = (
        bool(chains) and not failed and broken is None and all(c.ended or c.stopped for c in chains)
    )
    full = complete and all(c.ended for c in chains)
    pages = [c.last_page for c in chains if c.last_page is not None]
    seen_last = max(pages) if pages else None
    if full:
        last = seen_last
    else:  # the list has at least the pages seen; only a full pass may find it shorter
        last = max([p for p in (previous_last, seen_last) if p is not None], default=None)
    return PassOutcome(complete, full, None if full or not complete else oldest_seen, last, broken)


def covers(
    posted_at: datetime | None, complete: bool, full: bool, complete_since: datetime | None
) -> bool:
    """Did a pass look at the part of the list where a message posted at `posted_at` is?"""
    if not complete:
        return False
    if full:
        return True
    return posted_at is not None and complete_since is not None and posted_at > complete_since


def has_detail_page(
    external_id: str, url: str | None, section_has_detail: bool, detail_url_template: str | None
) -> bool:
    """Is a message followed on its own detail page (else it is tracked from the list alone)?"""
    if not section_has_detail or external_id.startswith("nolink-"):
        return False
    return bool(url or detail_url_template)


@dataclass(frozen=True)
class Backfill:
    """A source's backfill in progress: since when, how deep its passes got (pages), and the
    oldest message time they reached."""

    since: datetime
    pages_read: int
    reached: datetime | None


def backfill_done(chains: list[Chain], complete: bool) -> bool:
    """Did this pass read the whole list, or back to the horizon, without a bad page?"""
    return complete and bool(chains) and all(c.ended or c.stopped == HORIZON for c in chains)


def backfill_after(
    previous: Backfill | None,
    first_pass: bool,
    complete: bool,
    done: bool,
    pages: int,
    oldest: datetime | None,
    now: datetime,
) -> Backfill | None:
    """The source's backfill after a pass: None once a pass is `done`; begun by the first pass
    or an incomplete one; otherwise carried on, deepest pages and oldest time kept."""
    if done:
        return None
    if previous is None and not first_pass and complete:
        return None  # an ordinary incremental pass of a source that has read its history
    if previous is None:
        return Backfill(since=now, pages_read=pages, reached=oldest)
    reached = min([t for t in (previous.reached, oldest) if t is not None], default=None)
    return Backfill(previous.since, max(previous.pages_read, pages), reached)
