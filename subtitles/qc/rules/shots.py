"""Shot changes (``--film``): in- and out-times near a cut, cues flashing across one.

The film's cuts come in the context (``Context.cut_frames``: frame numbers on the film's
exact rate), measured once per film by ``media.shots``; without them these rules say
nothing. Where each time should go is decided in ``subtitles.qc.shotfix``, which ``fix
--film`` applies, so a finding and its fix never disagree.
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction

from subtitles.qc.finding import Severity
from subtitles.qc.registry import rule
from subtitles.qc.shotfix import (
    Move,
    ShotLimits,
    blocked_moves,
    crossings,
    cut_array,
    frame_numbers,
    plan_in,
    plan_out,
    planned,
)
from subtitles.qc.view import Emit, TrackView
from subtitles.timing import format_ms, frames_to_ms


def _cut_ref(cut: int, fps: Fraction) -> tuple[tuple[int, int], ...]:
    return ((cut, frames_to_ms(cut, fps)),)


def _attach(out: Emit, cuts: tuple[tuple[int, int], ...]) -> None:
    """Put the cuts a finding refers to on the finding just emitted (``--json``: ``film``)."""
    out.findings[-1] = dataclasses.replace(out.findings[-1], cuts=cuts)


def _frames(view: TrackView, order: list[int]) -> tuple[list[int], list[int]]:
    """First frame shown and first frame no longer shown, per cue in ``order``."""
    starts, ends = view.starts.tolist(), view.ends.tolist()
    return (
        frame_numbers([starts[i] for i in order], view.fps),
        frame_numbers([ends[i] for i in order], view.fps),
    )


def _moves(view: TrackView, rule_id: str) -> list[tuple[int, Move]] | None:
    cuts = cut_array(view.context)
    if cuts is None:
        return None
    lim = ShotLimits.of(view.profile, view.fps)
    found: list[tuple[int, Move]] = []
    order = view.playable_order.tolist()
    starts, ends = _frames(view, order)
    for i, s_f, e_f in zip(order, starts, ends, strict=True):
        for m in (plan_in(s_f, cuts, lim), plan_out(s_f, e_f, cuts, lim)):
            if m is not None and m.rule == rule_id:
                found.append((i, m))
    return found


def _report(view: TrackView, out: Emit, rule_id: str) -> None:
    found = _moves(view, rule_id)
    if not found:
        return
    blocked = blocked_moves(view, view.profile, view.context)
    for i, m in found:
        why = blocked.get(i)
        tail = f" (not fixed automatically: {why})" if why else ""
        out.cue(i, m.describe(view.fps) + tail, fixable=why is None)
        _attach(out, _cut_ref(m.cut, view.fps))


@rule(
    "shot.snap",
    Severity.WARNING,
    "An in- or out-time within 7 frames of a shot change: in-times go onto the cut, out-times 2 frames "
    "before it (with --film).",
    fixable=True,
)
def snap(view: TrackView, out: Emit) -> None:
    _report(view, out, "shot.snap")


@rule(
    "shot.near",
    Severity.WARNING,
    "An in- or out-time 8-11 frames before a shot change: it goes to 12 frames before the cut (with --film).",
    fixable=True,
)
def near(view: TrackView, out: Emit) -> None:
    _report(view, out, "shot.near")


@rule(
    "shot.crossing",
    Severity.WARNING,
    "A cue on screen across a shot change with fewer than 12 frames on one side, which snapping "
    "does not resolve (with --film).",
)
def crossing(view: TrackView, out: Emit) -> None:
    cuts = cut_array(view.context)
    if cuts is None:
        return
    lim = ShotLimits.of(view.profile, view.fps)
    fps = view.fps
    order = view.playable_order.tolist()
    starts, ends = _frames(view, order)
    for i, s_f, e_f in zip(order, starts, ends, strict=True):
        if not crossings(s_f, e_f, cuts, lim):
            continue
        new_s, new_e = planned(s_f, e_f, cuts, lim)
        left = crossings(new_s, new_e, cuts, lim)
        if not left:
            continue  # shot.snap / shot.near move it clear of the cut
        cut, before, after = left[0]
        at = format_ms(frames_to_ms(cut, fps))
        if after < before:
            advice = (
                f"end it {lim.gap} frames before the cut ({format_ms(frames_to_ms(cut - lim.gap, fps))}) "
                f"or keep it {lim.away} frames past it"
            )
        else:
            advice = f"start it on the cut or at least {lim.away} frames before it"
        out.cue(
            i,
            f"on screen across the cut at {at} (frame {cut}) with only {min(before, after)} frame"
            f"{'s' if min(before, after) != 1 else ''} {'after' if after < before else 'before'} it: "
            f"{advice}",
        )
        _attach(out, tuple((x, frames_to_ms(x, fps)) for x, _b, _a in left))
