"""Timing: overlaps, gaps, durations, the film's bounds. Frame-based thresholds use the
context's frame rate; when it was assumed, one info finding says so."""

from __future__ import annotations

import re

import numpy as np

from subtitles.qc.finding import Severity
from subtitles.qc.registry import rule
from subtitles.qc.view import Emit, TrackView, overlaps
from subtitles.timing import format_fps, format_ms

_POSITIONED = re.compile(r"\\(?:an?\d|pos|move)")


@rule("timing.frame_rate", Severity.INFO, "Which frame rate frame-based checks used, when it was assumed.")
def frame_rate(view: TrackView, out: Emit) -> None:
    if view.fps_source == "assumed":
        out.file(
            f"no --film or --fps given: two-frame gaps are checked at an assumed {format_fps(view.fps)} fps"
        )


def _positioned(view: TrackView, i: int) -> bool:
    return bool(_POSITIONED.search(view.texts.raw[i]))


@rule(
    "timing.overlap", Severity.ERROR, "Two cues on screen at once (players stack or drop one).", fixable=True
)
def overlap(view: TrackView, out: Emit) -> None:
    order = view.playable_order
    if len(order) < 2:
        return
    starts, ends = view.starts[order], view.ends[order]
    later, leaders = overlaps(starts, ends)
    ends_list = ends.tolist()
    for k, prev_k in zip(later.tolist(), leaders.tolist(), strict=True):
        i = int(order[k])
        j = int(order[prev_k])
        if _positioned(view, i) != _positioned(view, j) or (
            view.texts.markup == "ass" and view.cues[i].style != view.cues[j].style
        ):
            continue  # placed apart on screen on purpose (two speakers, a sign)
        both = min(ends_list[prev_k], ends_list[k]) - int(starts[k])
        out.cue(
            i,
            f"starts at {format_ms(int(starts[k]))} while cue {j + 1} is still on screen "
            f"(until {format_ms(ends_list[prev_k])}): {both} ms overlap",
        )


@rule(
    "timing.gap",
    Severity.WARNING,
    "Less than the minimum gap (2 frames) between consecutive cues.",
    fixable=True,
)
def gap(view: TrackView, out: Emit) -> None:
    frames = view.profile.min_gap_frames
    minimum = view.frames_ms(frames)
    rate = format_fps(view.fps)
    why = f"at least {frames} frames ({minimum} ms at {rate} fps) let the eye see a new subtitle"
    out.cues((a, f"gap to cue {b + 1} is {g} ms; {why}") for a, b, g in view.gaps_where(0, minimum))


@rule(
    "timing.bridge_gap",
    Severity.INFO,
    "A gap of 3 frames to half a second, which style guides close to 2 frames.",
    fixable=True,
)
def bridge_gap(view: TrackView, out: Emit) -> None:
    low = view.frames_ms(3)
    high = view.profile.bridge_gap_max_ms
    target = view.frames_ms(view.profile.min_gap_frames)
    for a, b, g in view.gaps_where(low, high):
        out.cue(a, f"gap of {g} ms to cue {b + 1} flickers; close it to {target} ms (bridge gaps)")


@rule("timing.min_duration", Severity.WARNING, "A cue shorter than the minimum duration.", fixable=True)
def min_duration(view: TrackView, out: Emit) -> None:
    minimum = view.profile.min_duration_ms
    dur = view.ends - view.starts
    for i in np.flatnonzero((dur > 0) & (dur < minimum)).tolist():
        out.cue(i, f"on screen {int(dur[i])} ms; minimum is {minimum} ms")


@rule("timing.max_duration", Severity.WARNING, "A cue longer than the maximum duration.")
def max_duration(view: TrackView, out: Emit) -> None:
    maximum = view.profile.max_duration_ms
    dur = view.ends - view.starts
    for i in np.flatnonzero(dur > maximum).tolist():
        out.cue(i, f"on screen {int(dur[i]) / 1000:.2f} s; maximum is {maximum / 1000:g} s")


@rule("timing.after_film_end", Severity.ERROR, "A cue past the end of the film (with --film).")
def after_film_end(view: TrackView, out: Emit) -> None:
    length = view.context.film_duration_ms
    if length is None:
        return
    limit = length + view.frames_ms(view.profile.frame_tolerance)
    for i in np.flatnonzero(view.ends > limit).tolist():
        c = view.cues[i]
        if c.start >= length:
            msg = f"starts at {format_ms(c.start)}, after the film ends ({format_ms(length)}): never shown"
        else:
            msg = f"ends at {format_ms(c.end)}, after the film ends ({format_ms(length)})"
        out.cue(i, msg + "; timed for another cut or frame rate?")


@rule("timing.before_film_start", Severity.ERROR, "A cue before the film's first frame (with --film).")
def before_film_start(view: TrackView, out: Emit) -> None:
    if view.context.film_duration_ms is None:
        return
    for i in np.flatnonzero(view.starts < 0).tolist():
        out.cue(i, f"starts at {format_ms(view.cues[i].start)}, before the film starts")
