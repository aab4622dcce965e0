"""Time helpers: integer milliseconds inside, frames and seconds only at the edges.

Frame rates are exact ``Fraction`` values (``Fraction(24000, 1001)``), never ``23.976``
floats: a float rate drifts by a frame every few minutes of a feature film. All frame
arithmetic of the project goes through this module, as pysubs2 keeps it in ``time.py``.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

from subtitles.errors import UsageError

#: Rates broadcast and cinema actually use, by their customary float spelling.
NTSC_RATES: dict[int, Fraction] = {
    24: Fraction(24000, 1001),
    30: Fraction(30000, 1001),
    48: Fraction(48000, 1001),
    60: Fraction(60000, 1001),
    120: Fraction(120000, 1001),
}

#: No film runs 1,000 hours: a later time in a subtitle file is a typo (3e15 hours), and
#: refusing it at load keeps every later step in plain integer (and float64, int64) range.
MAX_TIME_MS = 1000 * 3_600_000

_TIMECODE = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,3}))?$")


def parse_fps(value: str | float | int | Fraction) -> Fraction:
    """Read a frame rate as an exact fraction.

    ``"24000/1001"``, ``"23.976"``, ``"23.98"`` and ``23.976`` all give ``24000/1001``:
    a decimal within 0.02 of an NTSC rate *is* that rate, because nobody types the
    repeating decimal. Integers stay integers (``"25"`` gives ``25``).
    """
    if isinstance(value, Fraction):
        rate = value
    else:
        text = str(value).strip()
        try:
            if "/" in text:
                num, den = text.split("/", 1)
                rate = Fraction(int(num), int(den))
            else:
                rate = Fraction(text)
        except (ValueError, ZeroDivisionError):
            raise UsageError(f"not a frame rate: {value!r} (use e.g. 25, 23.976 or 24000/1001)") from None
        if "/" not in text and rate.denominator != 1:
            for nominal, ntsc in NTSC_RATES.items():
                if abs(rate - ntsc) < Fraction(2, 100) and abs(rate - nominal) >= Fraction(2, 100):
                    return ntsc
            rate = rate.limit_denominator(1001)
    if rate <= 0 or rate > 1000:
        raise UsageError(f"frame rate out of range: {value!r}")
    return rate


def fps_ratio(rate: Fraction) -> str:
    """The exact rate as ffmpeg and ffprobe write it: ``24000/1001``, ``25/1``."""
    return f"{rate.numerator}/{rate.denominator}"


def format_fps(rate: Fraction) -> str:
    """``24000/1001`` → ``"24000/1001 (23.976)"``; ``25`` → ``"25"``."""
    if rate.denominator == 1:
        return str(rate.numerator)
    return f"{fps_ratio(rate)} ({float(rate):.3f})"


def frames_to_ms(frames: int, fps: Fraction) -> int:
    """Start time in ms of frame number ``frames`` (0-based), rounded to the nearest ms."""
    return round(Fraction(frames * 1000) / fps)


def ms_to_frames(ms: int, fps: Fraction) -> int:
    """The frame shown at ``ms``: the last frame whose start is not after it.

    A frame's start is rarely a whole millisecond (frame 3 at 23.976 fps starts at
    125.125 ms) and ``frames_to_ms`` rounds it to the nearest one (125), so ``ms`` is
    read as the whole-ms spelling of an instant up to half a millisecond later. Without
    that, ``ms_to_frames(frames_to_ms(n))`` would give ``n - 1`` for every frame whose
    start rounds down, and a cue loaded from MicroDVD would move a frame when written back.
    """
    return math.floor((Fraction(ms) + Fraction(1, 2)) * fps / 1000)


def frame_ms(fps: Fraction) -> Fraction:
    """Duration of one frame in (fractional) milliseconds."""
    return Fraction(1000) / fps


def frames_duration_ms(frames: int, fps: Fraction) -> int:
    """Duration of ``frames`` frames in whole ms, rounded up so a minimum is never undercut."""
    return math.ceil(Fraction(frames * 1000) / fps)


def seconds_to_ms(seconds: float | Fraction) -> int:
    """Seconds (float or exact) to integer milliseconds, rounded half away from zero."""
    value = Fraction(seconds) * 1000
    return math.floor(value + Fraction(1, 2)) if value >= 0 else -math.floor(-value + Fraction(1, 2))


#: Two- and three-digit spellings, looked up: ``format_ms`` runs for every time written,
#: listed or reported (a million times for a 200,000-cue file), and ``:02d`` formatting
#: costs three times a lookup.
_TWO = tuple(f"{n:02d}" for n in range(100))
_THREE = tuple(f"{n:03d}" for n in range(1000))


def format_ms(ms: int) -> str:
    """``3723004`` → ``"01:02:03.004"``; negative times keep their sign."""
    return _clock(ms, ".")


def format_srt_time(ms: int) -> str:
    """SubRip's ``hh:mm:ss,mmm``: ``format_ms`` with the comma SubRip requires."""
    return _clock(ms, ",")


def _clock(ms: int, mark: str) -> str:
    """``hh:mm:ss`` + ``mark`` + ``mmm`` (hours past 99 in full), the sign kept."""
    if ms < 0:
        return "-" + _clock(-ms, mark)
    s, milli = divmod(ms, 1000)
    m, s = divmod(s, 60)
    h, m = divmod(m, 60)
    return f"{_TWO[h] if h < 100 else h}:{_TWO[m]}:{_TWO[s]}{mark}{_THREE[milli]}"


def parse_timecode(text: str) -> int:
    """``"1:02:03.5"``, ``"02:03,500"`` or plain seconds ``"12.5"`` to milliseconds."""
    text = text.strip()
    try:
        return seconds_to_ms(Fraction(text))
    except ValueError:
        pass
    match = _TIMECODE.match(text)
    if not match:
        raise UsageError(f"not a time: {text!r} (use seconds or HH:MM:SS.mmm)")
    hours, minutes, seconds, frac = match.groups()
    millis = int((frac or "0").ljust(3, "0"))
    return ((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + millis
