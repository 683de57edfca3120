"""The office dashboard (docs/dashboard.md): server-rendered Chinese pages on Flask.

Every page reads without JavaScript; the small script in static/ only ticks the crisis
clocks. Every edit calls the same core function as the CLI, with the user's name as actor."""

from monitor.web.factory import create_app

__all__ = ["create_app"]
