"""What commands print: JSON on stdout for ``--json``, human text otherwise."""

from __future__ import annotations

import itertools
import json
import sys
from collections.abc import Iterable
from typing import Any

import click


def emit_json(data: Any) -> None:
    """Print one JSON document on stdout (UTF-8, not ASCII-escaped, stable key order)."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False))


def note(message: str) -> None:
    """A line for the human on stderr (progress, where outputs went)."""
    click.echo(message, err=True)


def emit_lines(lines: Iterable[str], *, batch: int = 2000) -> None:
    """Print lines on stdout a few thousand at a time: a report of 400,000 lines through
    ``click.echo`` one by one spends seconds asking whether stdout is a terminal."""
    out = sys.stdout
    it = iter(lines)
    while chunk := list(itertools.islice(it, batch)):
        out.write("\n".join(chunk) + "\n")
    out.flush()


def emit_chunks(chunks: Iterable[str], *, batch: int = 2000) -> None:
    """Print a document made in pieces (``json_chunks``) as it is made, a few thousand
    pieces per write (one write per piece costs more than making it), not joined whole."""
    out = sys.stdout
    it = iter(chunks)
    while chunk := list(itertools.islice(it, batch)):
        out.write("".join(chunk))
    out.flush()
