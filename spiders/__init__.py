"""The generic, profile-driven spider (docs/site-profiles.md) and its pure helpers.

Crawls run in long-lived worker processes (`python -m spiders.worker`, many sources at once on
one reactor); only the process that started them (monitor.crawl) writes the database."""
