"""Which configured sources are work-order sources: those whose profile section has
`kind = "orders"`. The crawl and the daemon leave them out (they are imported, never crawled);
`import-orders` takes its section from here. Apart from `spiders/orders_profile.py`, which
validates such a section, because it reads the whole profile (`spiders.profile`), which in
turn hands its work-order sections to that module."""

from __future__ import annotations

from monitor.config import Config, SourceConfig
from monitor.errors import ConfigError
from spiders.orders_profile import OrdersSection
from spiders.profile import cached_profile


def orders_section(config: Config, source: SourceConfig) -> OrdersSection | None:
    """The source's work-order section, or None when its section is a crawled one (or its
    profile cannot be read: the crawl and `status` report that)."""
    try:
        profile = cached_profile(config.resolve(source.profile))
    except ConfigError:
        return None
    return profile.orders.get(source.section)


def crawled(config: Config, sources: list[SourceConfig]) -> list[SourceConfig]:
    """The sources a crawl reads (work-order sources are imported, never crawled)."""
    return [s for s in sources if orders_section(config, s) is None]
