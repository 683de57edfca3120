"""The generic, profile-driven spider (DESIGN §5) and its pure helpers.

The crawl runs in a child process (`python -m spiders.run --job JOB.json`); only the parent
(monitor.crawl) writes the database."""
