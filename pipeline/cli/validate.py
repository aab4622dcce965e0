"""PLACEHOLDER: replaced by the owner of the 'validate' command."""

import click

from subtitles.errors import UsageError


@click.command("validate")
def command() -> None:
    """Not built yet."""
    raise UsageError("'validate' is not built yet")
