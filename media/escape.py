"""Escaping text (above all file paths) for ffmpeg: command-line file arguments and filter graphs.

**File arguments** (``-i``, the output, ffprobe's input, PyAV's ``av.open``) go through
``file_arg``: libavformat reads any ``name:`` or ``name,`` prefix as a protocol
(``concat:a.mp4`` opens *a.mp4*, ``subfile,,start,...:x`` a slice, ``pipe:1`` stdout,
``a:b.mp4`` fails with "Protocol not found") and ffmpeg reads ``-x.mp4`` as an option. An
absolute path behind the explicit ``file:`` protocol is none of these, for every ffmpeg
from 5.1 up: the file protocol strips ``file:`` and opens the rest verbatim (no
percent-decoding, so ``%``, ``?`` and ``#`` are plain characters too).

**Filter graphs**:

A path inside ``-vf subtitles=...`` is parsed twice (ffmpeg-filters(1), "Notes on
filtergraph escaping"):

1. the filter-graph parser splits the graph on ``[ ] , ;`` and consumes one level of
   ``\\`` and ``'`` quoting (``av_get_token(buf, "[],;")``);
2. the filter then splits its argument string into ``key=value`` pairs on ``:`` and
   consumes a second level of ``\\`` and ``'`` (``av_get_token(buf, ":")``).

So a path is first escaped as an option value (``:`` ``\\`` ``'``), then the result is
escaped again for the graph (``[ ] , ; \\ '``). Both levels also strip unescaped leading
and trailing whitespace, so edge spaces are escaped too. A raw ``subtitles=PATH`` breaks
on the first ``:`` (the rest is read as the next option), which is why nothing in subpipe
builds a filter string by concatenation.

Use these for graphs written by hand. Do **not** pre-escape a value handed to
ffmpeg-python's keyword form ``.filter("subtitles", filename=path)``, which escapes at
option level itself (and its positional form escapes wrongly; see render-notes).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

#: The protocol prefix that makes libavformat open a name as a plain local file.
FILE_PROTOCOL = "file:"


def file_arg(path: str | Path) -> str:
    """The one way a file name reaches ffmpeg, ffprobe or PyAV: ``file:`` + its absolute path.

    ``Path.absolute`` (not ``resolve``): symlinks stay as the user named them and a loop is
    reported by the tool that opens the file, not here.
    """
    return FILE_PROTOCOL + str(Path(path).absolute())


_OPTION_SPECIAL = frozenset("\\':")
_GRAPH_SPECIAL = frozenset("\\'[],;")


def _escape(text: str, special: frozenset[str]) -> str:
    out = [("\\" + ch) if ch in special else ch for ch in text]
    # av_get_token trims unescaped whitespace at both ends; protect it.
    if out and out[0].isspace():
        out[0] = "\\" + out[0]
    if len(out) > 1 and out[-1].isspace():
        out[-1] = "\\" + out[-1]
    return "".join(out)


def escape_option_value(text: str) -> str:
    """Level 1: a value inside a filter's ``key=value:key=value`` argument string."""
    return _escape(text, _OPTION_SPECIAL)


def escape_graph(text: str) -> str:
    """Level 2: a filter's whole argument string inside a filter graph (``-vf``, ``-filter_complex``)."""
    return _escape(text, _GRAPH_SPECIAL)


def filter_path(path: str | Path) -> str:
    """An absolute path escaped at both levels, ready for ``subtitles=filename=<here>``.

    The path is made absolute because a relative name with a colon (``a:b.ass``) would be
    read as a protocol prefix by libavformat ("Protocol not found").
    """
    return escape_graph(escape_option_value(str(Path(path).absolute())))


def filter_args(options: Mapping[str, str | int | float | Path]) -> str:
    """``{"filename": p, "fontsdir": d}`` → ``filename=...:fontsdir=...`` escaped for a graph.

    Every value is escaped at option level, then the joined string at graph level, so the
    result can follow ``subtitles=`` directly inside ``-vf``. Paths are made absolute.
    """
    parts = []
    for key, value in options.items():
        text = str(Path(value).absolute()) if isinstance(value, Path) else str(value)
        parts.append(f"{key}={escape_option_value(text)}")
    return escape_graph(":".join(parts))


def filter_spec(name: str, options: Mapping[str, str | int | float | Path]) -> str:
    """One filter of a graph: ``subtitles=filename=...:fontsdir=...`` (no options: just the name)."""
    return f"{name}={filter_args(options)}" if options else name
