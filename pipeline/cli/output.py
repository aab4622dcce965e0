"""What commands print: JSON on stdout for ``--json``, human text otherwise."""

from __future__ import annotations

import json
from typing import Any

import click


def emit_json(data: Any) -> None:
    """Print one JSON document on stdout (UTF-8, not ASCII-escaped, stable key order)."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False))


def note(message: str) -> None:
    """A line for the human on stderr (progress, where outputs went)."""
    click.echo(message, err=True)
