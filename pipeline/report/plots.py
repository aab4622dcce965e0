"""The report's pictures as SVG from matplotlib: small, crisp at any zoom, deterministic.

Determinism: the SVG backend's ids are salted with a fixed ``svg.hashsalt`` (one per
figure, so several figures inlined in one page never share an id), the file carries no
date (``metadata={"Date": None}``), and text stays text (``svg.fonttype = "none"``: the
browser's fonts, no glyph outlines that differ between FreeType builds). Every artist that
carries data has a ``gid`` (``speech``, ``before``, ``after``, ``split``, ``cps``,
``cps-limit`` ...) so tests can read the drawn numbers back from the figure.

matplotlib is imported here only, and this module only when a report is drawn: the CLI
starts without it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pipeline.report.model import CpsSeries, alignment_bands

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Colours a person can tell apart (and that survive colour blindness): Okabe-Ito.
SPEECH = "#009E73"
BEFORE = "#E69F00"
AFTER = "#0072B2"
WORST = "#D55E00"
OVER = "#D55E00"
UNDER = "#56B4E9"
GREY = "#666666"

ROWS = (("speech", "film speech", SPEECH), ("before", "cues before", BEFORE), ("after", "cues after", AFTER))


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    return fig


def to_svg(fig: Figure, salt: str) -> str:
    """The figure as an SVG element for inlining (no XML prolog, no fixed size: CSS scales it)."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": f"subpipe-{salt}", "svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    # width/height in pt would pin the size; the viewBox keeps the aspect, CSS sets the width
    svg = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1 class="plot"', svg, count=1)
    return svg


def _bands(ax: Any, rows: Mapping[str, Sequence[tuple[int, int]]], lo_ms: float, hi_ms: float) -> None:
    for y, (key, _label, colour) in enumerate(reversed(ROWS)):
        spans = [(a / 1000, (b - a) / 1000) for a, b in rows[key] if b > lo_ms and a < hi_ms]
        coll = ax.broken_barh(spans, (y + 0.15, 0.7), facecolors=colour, edgecolors="none")
        coll.set_gid(key)
    ax.set_yticks([0.5, 1.5, 2.5], [label for _k, label, _c in reversed(ROWS)])
    ax.set_ylim(0, 3)
    ax.set_xlim(lo_ms / 1000, hi_ms / 1000)
    ax.set_xlabel("film time (s)")
    ax.tick_params(axis="y", length=0)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)


def _splits(ax: Any, data: Mapping[str, Any]) -> None:
    for n, split in enumerate(data.get("splits") or ()):
        at = float(split["at_ms"]) / 1000
        line = ax.axvline(at, color=GREY, linestyle="--", linewidth=1)
        line.set_gid(f"split-{n}")
        ax.annotate("split", (at, 3), xytext=(2, -2), textcoords="offset points", fontsize=8, va="top")


def alignment_figure(data: Mapping[str, Any], worst: Mapping[str, Any] | None) -> Figure:
    """The whole film: speech, cues before, cues after; splits dashed; the worst cue boxed."""
    rows = alignment_bands(data)
    ends = [b for band in rows.values() for _a, b in band]
    hi = max([int(data.get("duration_ms") or 0), *ends, 1000])
    fig = _figure(9, 2.0)
    ax = fig.add_subplot()
    _bands(ax, rows, 0, hi)
    _splits(ax, data)
    if worst is not None:
        a, b = worst["start_ms"] / 1000, worst["end_ms"] / 1000
        box = ax.axvspan(a, b, ymin=0, ymax=1 / 3, fill=False, edgecolor=WORST, linewidth=1.5)
        box.set_gid("worst")
    return fig


def zoom_figure(data: Mapping[str, Any], worst: Mapping[str, Any]) -> Figure:
    """A few seconds around the worst-placed cue, with the speech onsets as ticks."""
    rows = alignment_bands(data)
    lo, hi = worst["window"]
    fig = _figure(9, 1.8)
    ax = fig.add_subplot()
    _bands(ax, rows, lo, hi)
    _splits(ax, data)
    onsets = [float(x) / 1000 for x in data.get("onsets_ms", ()) if lo <= float(x) <= hi]
    if onsets:
        ticks = ax.vlines(onsets, 2.05, 2.95, colors="black", linewidth=0.8)
        ticks.set_gid("onsets")
    i = worst["index"]
    spans = [(worst["start_ms"] / 1000, (worst["end_ms"] - worst["start_ms"]) / 1000)]
    mark = ax.broken_barh(spans, (0.1, 0.8), facecolors="none", edgecolors=WORST, linewidth=2)
    mark.set_gid("worst")
    if worst.get("before"):
        a, b = worst["before"]
        ax.broken_barh(
            [(a / 1000, (b - a) / 1000)], (1.1, 0.8), facecolors="none", edgecolors=WORST, linewidth=2
        )
    ax.annotate(
        f"cue {i + 1}",
        (worst["start_ms"] / 1000, 0.95),
        xytext=(0, 2),
        textcoords="offset points",
        fontsize=8,
        color=WORST,
    )
    return fig


def cps_figure(series: CpsSeries) -> Figure:
    """Reading speed of every cue across the film (a bar as long as the cue), the limit dashed."""
    fig = _figure(9, 2.2)
    ax = fig.add_subplot()
    xs = [a / 1000 for _n, a, _b, _c in series.points]
    widths = [max((b - a) / 1000, 0.05) for _n, a, b, _c in series.points]
    heights = [c for _n, _a, _b, c in series.points]
    colours = [OVER if c > series.limit + 1e-9 else UNDER for c in heights]
    bars = ax.bar(xs, heights, width=widths, align="edge", color=colours, edgecolor="none")
    for patch, (n, _a, _b, _c) in zip(bars.patches, series.points, strict=True):
        patch.set_gid(f"cps-{n}")
    limit = ax.axhline(series.limit, color=GREY, linestyle="--", linewidth=1)
    limit.set_gid("cps-limit")
    ax.annotate(
        f"limit {series.limit:g} cps",
        (1, series.limit),
        xycoords=("axes fraction", "data"),
        xytext=(-2, 2),
        textcoords="offset points",
        ha="right",
        fontsize=8,
    )
    top = max([series.limit, *heights]) * 1.15
    ax.set_ylim(0, top)
    end = max([(b / 1000) for _n, _a, b, _c in series.points] or [1.0])
    ax.set_xlim(0, end * 1.01)
    ax.set_xlabel("film time (s)")
    ax.set_ylabel("characters / s")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig


def alignment_svgs(
    data: Mapping[str, Any], worst: Mapping[str, Any] | None, salt: str
) -> tuple[str, str | None]:
    main = to_svg(alignment_figure(data, worst), f"{salt}-align")
    zoom = to_svg(zoom_figure(data, worst), f"{salt}-zoom") if worst is not None else None
    return main, zoom


def cps_svg(series: CpsSeries, salt: str) -> str:
    return to_svg(cps_figure(series), f"{salt}-cps")
