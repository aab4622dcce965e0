"""PLACEHOLDER: replaced by the owner of the 'fix' command."""

import click

from subtitles.errors import UsageError


@click.command("fix")
def command() -> None:
    """Not built yet."""
    raise UsageError("'fix' is not built yet")
