"""What `init` puts into a new database beyond the schema. Areas add their seeders here."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from monitor.watchlist.terms import seed_watchlist

if TYPE_CHECKING:
    from monitor.app import App

Seeder = Callable[["App"], Iterable[str]]
SEEDERS: list[Seeder] = []


def _seed_watchlist(app: App) -> Iterable[str]:
    return seed_watchlist(app)


SEEDERS.append(_seed_watchlist)


def seed(app: App) -> list[str]:
    """Run every seeder; each returns lines to show the user."""
    lines: list[str] = []
    for seeder in SEEDERS:
        lines.extend(seeder(app))
    return lines
