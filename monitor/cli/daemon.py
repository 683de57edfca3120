"""Commands of this area (filled in by its issue)."""

import click


def register(main: click.Group) -> None:
    pass
