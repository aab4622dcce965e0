"""PLACEHOLDER: replaced by the owner of the 'inspect' command."""

import click

from subtitles.errors import UsageError


@click.command("inspect")
def command() -> None:
    """Not built yet."""
    raise UsageError("'inspect' is not built yet")
