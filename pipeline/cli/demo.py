"""PLACEHOLDER: replaced by the owner of the 'demo' command."""

import click

from subtitles.errors import UsageError


@click.command("demo")
def command() -> None:
    """Not built yet."""
    raise UsageError("'demo' is not built yet")
