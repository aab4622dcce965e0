"""PLACEHOLDER: replaced by the owner of the 'probe' command."""

import click

from subtitles.errors import UsageError


@click.command("probe")
def command() -> None:
    """Not built yet."""
    raise UsageError("'probe' is not built yet")
