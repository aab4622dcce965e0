"""The timing transform: piecewise-linear in source time, integer milliseconds out.

Each ``Segment`` covers a half-open range of the *input file's* times and maps them by
``new = round(old * scale + offset_ms)``. A cue belongs to the segment that holds its start
and is moved as a whole by that segment, so a cue straddling a split keeps its duration
(scaled) instead of being torn apart.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True, slots=True)
class Segment:
    """``[start_ms, end_ms)`` of source time mapped by ``new = old * scale + offset_ms``."""

    start_ms: int
    end_ms: int
    scale: float
    offset_ms: float

    def map(self, ms: float) -> int:
        return round(ms * self.scale + self.offset_ms)


@dataclass(frozen=True, slots=True)
class TimingTransform:
    """Contiguous segments in source-time order; the first and last extend to ±infinity."""

    segments: tuple[Segment, ...]
    fps_change: tuple[Fraction, Fraction] | None = None

    def __post_init__(self) -> None:
        if not self.segments:
            raise ValueError("a timing transform needs at least one segment")
        for left, right in zip(self.segments, self.segments[1:], strict=False):
            if left.end_ms != right.start_ms:
                raise ValueError("timing transform segments must be contiguous")

    @classmethod
    def identity(cls, start_ms: int = 0, end_ms: int = 0) -> TimingTransform:
        return cls((Segment(start_ms, max(end_ms, start_ms), 1.0, 0.0),))

    @classmethod
    def linear(cls, scale: float, offset_ms: float, start_ms: int = 0, end_ms: int = 0) -> TimingTransform:
        return cls((Segment(start_ms, max(end_ms, start_ms), scale, offset_ms),))

    def segment_for(self, ms: float) -> Segment:
        """The segment whose range holds ``ms`` (clamped to the first/last segment)."""
        starts = [s.start_ms for s in self.segments]
        i = bisect.bisect_right(starts, ms) - 1
        return self.segments[min(max(i, 0), len(self.segments) - 1)]

    def map(self, ms: float) -> int:
        return self.segment_for(ms).map(ms)

    def map_cue(self, start_ms: int, end_ms: int) -> tuple[int, int]:
        """New (start, end) of a cue: both ends by the segment holding its start."""
        seg = self.segment_for(start_ms)
        new_start = seg.map(start_ms)
        return new_start, max(new_start, seg.map(end_ms))

    @property
    def is_identity(self) -> bool:
        return all(s.scale == 1.0 and round(s.offset_ms) == 0 for s in self.segments)

    @property
    def splits(self) -> list[tuple[int, int]]:
        """``(at_ms, offset_ms)`` for every segment after the first: where it starts in
        source time and the offset it applies there (``new - old`` at that point)."""
        return [(s.start_ms, s.map(s.start_ms) - s.start_ms) for s in self.segments[1:]]
