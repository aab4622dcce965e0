"""Timing to shot changes, as a professional timer does it: where an in- or out-time should
go given the film's cuts, shared by the ``shot.*`` checks and by ``fix --film``.

The rules (Netflix timing guidelines, as Subtitle Edit's Netflix check applies them; numbers
from the profile's ``[film]`` table, in frames at 24 fps scaled to the film's rate):

* an in-time within ``shot_snap_frames`` (7) of a cut, before or after it, goes onto the
  cut; one 8-11 frames before a cut goes to ``shot_away_frames`` (12) before it;
* an out-time within 7 frames of a cut goes to ``min_gap_frames`` (2) before the cut (the
  two-frame gap, so the eye sees the subtitle leave before the picture changes); one
  8-11 frames before a cut goes to 12 frames before it;
* a cue that stays on screen across a cut keeps at least 12 frames on each side; a crossing
  the two rules above do not resolve is reported for a person to retime.

Frames are counted from the film's first frame on its exact rate: a cue starting at ``ms``
is first seen on frame ``ms_to_frames(ms)``, and a cue ending at ``ms`` is last seen on the
frame before ``ms_to_frames(ms)``. A snap is applied by ``fix --film`` only when the cue keeps
the two-frame gap to its neighbours, its minimum duration and its reading speed (unless it
already broke them and the move makes it no worse); otherwise it is left and reported.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

from subtitles.qc.context import Context
from subtitles.qc.profile import Profile
from subtitles.qc.text import visible
from subtitles.timing import format_ms, frames_to_ms, ms_to_frames

#: The rate the profile's frame counts are written for (Netflix: 12 frames is half a second).
NOMINAL_FPS = 24


@dataclass(frozen=True, slots=True)
class ShotLimits:
    """The profile's shot-change numbers in frames of this film's rate."""

    snap: int
    away: int
    gap: int

    @classmethod
    def of(cls, profile: Profile, fps: Fraction) -> ShotLimits:
        def scaled(frames: int) -> int:
            return max(1, round(Fraction(frames) * fps / NOMINAL_FPS))  # 12.5 frames at 25 fps: 12

        snap, away = scaled(profile.shot_snap_frames), scaled(profile.shot_away_frames)
        return cls(snap=snap, away=max(away, snap + 1), gap=profile.min_gap_frames)


@dataclass(frozen=True, slots=True)
class Move:
    """Where a cue's in- or out-time should go: ``rule`` ``shot.snap`` or ``shot.near``;
    ``frames`` is the time's signed distance from ``cut`` (negative: before it)."""

    edge: Literal["in", "out"]
    rule: str
    cut: int
    frames: int
    target: int

    def describe(self, fps: Fraction) -> str:
        where = f"the cut at {format_ms(frames_to_ms(self.cut, fps))} (frame {self.cut})"
        side = "before" if self.frames < 0 else "after"
        dist = f"{abs(self.frames)} frame{'s' if abs(self.frames) != 1 else ''} {side}"
        at = format_ms(frames_to_ms(self.target, fps))
        if self.frames == 0:
            dist = "exactly on"
        offset = self.cut - self.target
        if self.edge == "in":
            goal = "start on the cut" if offset == 0 else f"start {offset} frames before it ({at})"
            return f"in-time {dist} {where}: {goal}"
        goal = f"end {offset} frames before it ({at})"
        return f"out-time {dist} {where}: {goal}"


def frame_numbers(times_ms: Sequence[int], fps: Fraction) -> list[int]:
    """``ms_to_frames`` of every time, in integer arithmetic (the same floor of
    ``(ms + 1/2) * fps / 1000``): a film's worth of cues without a ``Fraction`` each."""
    num, den = fps.numerator, fps.denominator
    return [((2 * ms + 1) * num) // (2000 * den) for ms in times_ms]


def cut_array(context: Context) -> list[int] | None:
    return sorted(context.cut_frames) if context.cut_frames else None


def _near(cuts: Sequence[int], frame: int, before: int, after: int) -> list[int]:
    """Cuts ``c`` with ``frame - after <= c <= frame + before`` (the time is up to ``before``
    frames before them or ``after`` frames after them), nearest first."""
    lo = bisect.bisect_left(cuts, frame - after)
    hi = bisect.bisect_right(cuts, frame + before)
    return sorted(cuts[lo:hi], key=lambda c: (abs(frame - c), c))


def plan_in(start: int, cuts: Sequence[int], lim: ShotLimits) -> Move | None:
    """Where the in-time on frame ``start`` should go, if anywhere."""
    for c in _near(cuts, start, lim.away - 1, lim.snap):
        d = start - c
        if d == 0:
            return None
        if abs(d) <= lim.snap:
            return Move("in", "shot.snap", c, d, c)
    for c in _near(cuts, start, lim.away - 1, 0):
        d = start - c
        if -lim.away < d < -lim.snap:
            return Move("in", "shot.near", c, d, c - lim.away)
    return None


def plan_out(start: int, end: int, cuts: Sequence[int], lim: ShotLimits) -> Move | None:
    """Where the out-time ``end`` (the first frame no longer shown) should go, if anywhere."""
    for c in _near(cuts, end, lim.away - 1, lim.snap):
        d = end - c
        if d == -lim.gap:
            return None  # already two frames before the cut
        if abs(d) <= lim.snap and c - lim.gap > start:
            return Move("out", "shot.snap", c, d, c - lim.gap)
    for c in _near(cuts, end, lim.away - 1, 0):
        d = end - c
        if -lim.away < d < -lim.snap and c - lim.away > start:
            return Move("out", "shot.near", c, d, c - lim.away)
    return None


def crossings(start: int, end: int, cuts: Sequence[int], lim: ShotLimits) -> list[tuple[int, int, int]]:
    """(cut, frames shown before it, frames shown after it) for each cut the cue is on
    screen across with fewer than ``lim.away`` frames on one side."""
    lo = bisect.bisect_right(cuts, start)
    hi = bisect.bisect_left(cuts, end)
    out = []
    for c in cuts[lo:hi]:
        before, after = c - start, end - c
        if min(before, after) < lim.away:
            out.append((c, before, after))
    return out


def planned(start: int, end: int, cuts: Sequence[int], lim: ShotLimits) -> tuple[int, int]:
    """The cue's first and end frame after both moves (whether or not a fix may apply them)."""
    m_in = plan_in(start, cuts, lim)
    m_out = plan_out(start, end, cuts, lim)
    new_start = m_in.target if m_in is not None else start
    new_end = m_out.target if m_out is not None else end
    return new_start, max(new_end, new_start + 1)


# -- applying the moves (fix --film) ------------------------------------------------------


def bridge_limit(ctx: Context, profile: Profile, fps: Fraction, end: int, wanted: int, res: Any) -> int:
    """How far closing a gap may extend an out-time ``end`` towards ``wanted``: not across
    a cut in between (Netflix: chaining stops at the shot change), but to its out position
    (``min_gap_frames`` before it); ``end`` itself when that is no extension."""
    cuts = cut_array(ctx)
    if not cuts:
        return wanted
    e_f, w_f = ms_to_frames(end, fps), ms_to_frames(wanted, fps)
    lo = bisect.bisect_right(cuts, e_f)
    if lo < len(cuts) and cuts[lo] <= w_f:
        return max(end, int(res.down(frames_to_ms(cuts[lo] - profile.min_gap_frames, fps))))
    return wanted


def fix_shots(
    view: Any,
    cues: list[Any],
    raw: list[str],
    markup: str,
    profile: Profile,
    ctx: Context,
    record: Callable[[str, int, str, str], None],
    res: Any,
) -> list[tuple[int, str, str]]:
    """Move in- and out-times to the film's cuts where that is safe; each move recorded
    through ``record`` (rule, cue index, before, after). Returns the moves not applied, as
    (cue index, rule, reason), for the caller to report; validating the result reports them
    again as ``shot.*`` findings."""
    cuts = cut_array(ctx)
    if not cuts or not (profile.is_enabled("shot.snap") or profile.is_enabled("shot.near")):
        return []
    fps: Fraction = view.fps
    lim = ShotLimits.of(profile, fps)
    gap_frames = profile.min_gap_frames
    chars = [len(visible(r, markup)) - visible(r, markup).count("\n") for r in raw]  # type: ignore[arg-type]
    order = sorted(
        (i for i in range(len(cues)) if cues[i].end > cues[i].start and cues[i].start >= 0),
        key=lambda n: (cues[n].start, n),
    )
    blocked: list[tuple[int, str, str]] = []

    def at(frame: int) -> int:
        return int(res.up(frames_to_ms(frame, fps)))

    def cps(i: int, start: int, end: int) -> float:
        return chars[i] * 1000 / (end - start) if end > start else math.inf

    starts = frame_numbers([cues[i].start for i in order], fps)
    ends = frame_numbers([cues[i].end for i in order], fps)
    for k, i in enumerate(order):
        cue = cues[i]
        s_f, e_f = starts[k], ends[k]
        moves = [m for m in (plan_in(s_f, cuts, lim), plan_out(s_f, e_f, cuts, lim)) if m is not None]
        moves = [m for m in moves if profile.is_enabled(m.rule)]
        if not moves:
            continue
        start, end = cue.start, cue.end
        for m in moves:
            if m.edge == "in":
                start = at(m.target)
            else:
                end = at(m.target)
        prev_end = cues[order[k - 1]].end if k > 0 else None
        next_start = cues[order[k + 1]].start if k + 1 < len(order) else None
        reason = None
        old_dur, new_dur = cue.end - cue.start, end - start
        if end <= start:
            reason = "the cue would vanish"
        elif new_dur < profile.min_duration_ms and new_dur < old_dur:
            reason = f"it would be on screen {new_dur} ms, under the minimum {profile.min_duration_ms} ms"
        elif cps(i, start, end) > profile.max_cps and cps(i, start, end) > cps(i, cue.start, cue.end):
            reason = (
                f"it would read at {cps(i, start, end):.1f} characters per second (limit {profile.max_cps:g})"
            )
        elif (
            prev_end is not None
            and start < cue.start
            and ms_to_frames(start, fps) - ms_to_frames(prev_end, fps) < gap_frames
        ):
            reason = f"it would come within {gap_frames} frames of the previous cue"
        elif (
            next_start is not None
            and end > cue.end
            and ms_to_frames(next_start, fps) - ms_to_frames(end, fps) < gap_frames
        ):
            reason = f"it would come within {gap_frames} frames of the next cue"
        if reason is not None:
            blocked.extend((i, m.rule, reason) for m in moves)
            continue
        before = f"{format_ms(cue.start)} --> {format_ms(cue.end)}"
        cue.start, cue.end = start, end
        record(moves[0].rule, i, before, f"{format_ms(cue.start)} --> {format_ms(cue.end)}")
    return blocked


def blocked_moves(view: Any, profile: Profile, ctx: Context) -> dict[int, str]:
    """Why ``fix --film`` would leave a cue's shot moves alone, by cue index (for the
    checks' messages): the fixer run on a copy of the times."""
    if not cut_array(ctx):
        return {}
    cues = [_Copy(c.start, c.end) for c in view.cues]
    reasons = fix_shots(view, cues, list(view.texts.raw), view.texts.markup, profile, ctx, _ignore, _Exact())
    return {i: reason for i, _rule, reason in reasons}


class _Exact:
    """Times stored to the millisecond (what the check assumes of the output)."""

    @staticmethod
    def up(ms: int) -> int:
        return ms


@dataclass(slots=True)
class _Copy:
    start: int
    end: int


def _ignore(rule: str, i: int, before: str, after: str) -> None:
    return None
