"""PLACEHOLDER: replaced by the owner of the 'align' command."""

import click

from subtitles.errors import UsageError


@click.command("align")
def command() -> None:
    """Not built yet."""
    raise UsageError("'align' is not built yet")
