"""What the checks know beyond the subtitle file: frame rate, the film, the burn-in font.

Frame-based rules (two-frame gaps, the film's last frame) need a rate. It comes from the
film when ``--film`` is given, else ``--fps``, else the rate a frame-based source was
converted with, else the profile's assumed rate, and a finding says which assumption.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Literal

from subtitles.errors import UsageError
from subtitles.model import Track
from subtitles.qc.glyphs import find_font, font_codepoints
from subtitles.timing import parse_fps

FpsSource = Literal["film", "fps", "track", "assumed"]


@dataclass(frozen=True)
class Context:
    """Facts shared by every track of one validation run."""

    fps: Fraction | None = None
    fps_from_film: bool = False
    film_path: str | None = None
    film_duration_ms: int | None = None
    film_start_ms: int | None = None
    font_path: Path | None = None
    check_glyphs: bool = True
    #: The film's shot changes: the first frame of each new shot, counted from the film's first
    #: frame on ``fps`` (the film's exact rate). ``None``: not measured (no ``--film``).
    cut_frames: tuple[int, ...] | None = None
    #: Where the film has speech: ``(start_ms, end_ms)`` pairs, sorted. ``None``: not measured.
    speech_spans: tuple[tuple[int, int], ...] | None = None
    #: How many tracks are checked together (cross-language rules take over per-track ones).
    tracks: int = 1

    @classmethod
    def build(
        cls,
        *,
        fps: Fraction | str | None = None,
        film_path: str | Path | None = None,
        film_fps: Fraction | None = None,
        film_duration_ms: int | None = None,
        film_start_ms: int | None = None,
        font: str | Path | None = None,
        cut_frames: tuple[int, ...] | None = None,
        speech_spans: tuple[tuple[int, int], ...] | None = None,
    ) -> Context:
        """Resolve the rate (film first) and the font (``font`` or the default burn-in font).

        A requested font that is missing or unreadable is a usage error, raised here before
        any file is checked; a missing *default* font becomes a finding instead.
        """
        rate: Fraction | None = None
        from_film = False
        if film_fps is not None:
            rate, from_film = film_fps, True
        elif fps is not None:
            rate = parse_fps(fps)
        font_path: Path | None
        if font is not None:
            font_path = Path(font)
            if not font_path.is_file():
                raise UsageError("font file not found", path=font_path)
            font_codepoints(font_path)
        else:
            font_path = find_font()
        return cls(
            fps=rate,
            fps_from_film=from_film,
            film_path=str(film_path) if film_path is not None else None,
            film_duration_ms=film_duration_ms,
            film_start_ms=film_start_ms,
            font_path=font_path,
            cut_frames=tuple(cut_frames) if cut_frames is not None else None,
            speech_spans=tuple(speech_spans) if speech_spans is not None else None,
        )

    def frame_rate_for(self, track: Track, assumed: str) -> tuple[Fraction, FpsSource]:
        if self.fps is not None:
            return self.fps, "film" if self.fps_from_film else "fps"
        if track.frame_rate is not None:
            return track.frame_rate, "track"
        try:
            return parse_fps(assumed), "assumed"
        except UsageError:
            return Fraction(25), "assumed"
