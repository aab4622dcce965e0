"""PLACEHOLDER: replaced by the owner of the 'mux' command."""

import click

from subtitles.errors import UsageError


@click.command("mux")
def command() -> None:
    """Not built yet."""
    raise UsageError("'mux' is not built yet")
