"""Moving a ``Track`` by a ``TimingTransform`` without ever losing a cue.

The output has exactly the input's events, in the same order, text and styles untouched;
only ``start`` and ``end`` change. A cue that the transform pushes before 0 or past the
film's end is kept, moved inside (its duration kept where the film allows), and counted,
so the report can name it: other tools silently drop such cues.
"""

from __future__ import annotations

from dataclasses import dataclass

from subtitles.align.transform import TimingTransform
from subtitles.model import Track


@dataclass(frozen=True, slots=True)
class AppliedTiming:
    """What applying a transform did: the new track and the counts a report needs."""

    track: Track
    cues: int
    moved: int
    clamped: int
    clamped_lines: tuple[int | None, ...]


def apply_transform(
    track: Track, transform: TimingTransform, *, duration_ms: int | None = None
) -> AppliedTiming:
    """A copy of ``track`` with every dialogue cue moved by ``transform``.

    ``duration_ms``: the film's length; cues ending after it are pulled inside. Comments
    are moved with the same map so an ASS file's commented alternatives stay with their
    lines.
    """
    out = track.copy_track()
    moved = clamped = cues = 0
    clamped_lines: list[int | None] = []
    for event in out.events:
        start, end = transform.map_cue(event.start, event.end)
        was_clamped = False
        length = end - start
        if start < 0:
            start, end, was_clamped = 0, length, True
        if duration_ms is not None and duration_ms > 0 and end > duration_ms:
            end = duration_ms
            start = max(0, min(start, end - length))
            was_clamped = True
        if not event.is_comment:
            cues += 1
            moved += int(start != event.start or end != event.end)
            if was_clamped:
                clamped += 1
                clamped_lines.append(getattr(event, "source_line", None))
        event.start, event.end = start, end
    return AppliedTiming(out, cues, moved, clamped, tuple(clamped_lines))
