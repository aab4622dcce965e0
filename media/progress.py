"""Reading ffmpeg's ``-progress pipe:1 -nostats`` output.

ffmpeg writes blocks of ``key=value`` lines, each ending in ``progress=continue`` (or
``progress=end`` for the last one). Traps, measured: ``out_time_ms`` is in microseconds
despite its name (same value as ``out_time_us``); early blocks carry ``N/A`` or negative
times (``out_time=-577014:32:22.77``) before the first packet is muxed; ``speed`` reads
``N/A`` or ``1.23x``. A parser that trusted any of those would report nonsense or crash,
so unknown or negative values become ``None`` and the parser never raises.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction

from subtitles.timing import seconds_to_ms


@dataclass(frozen=True, slots=True)
class Progress:
    """One progress block. ``out_time_ms`` is real milliseconds, ``None`` until known."""

    out_time_ms: int | None
    frame: int | None
    speed: float | None
    total_size: int | None
    done: bool
    fields: dict[str, str]

    def fraction(self, duration_ms: int | None) -> float | None:
        """Share of ``duration_ms`` done, clamped to [0, 1]; ``None`` when unknown."""
        if self.done:
            return 1.0
        if self.out_time_ms is None or not duration_ms or duration_ms <= 0:
            return None
        return min(1.0, max(0.0, self.out_time_ms / duration_ms))


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        number = int(value.strip())
    except ValueError:
        return None
    return number if number >= 0 else None


def _speed(value: str | None) -> float | None:
    if value is None:
        return None
    text = value.strip().rstrip("x")
    try:
        speed = float(text)
    except ValueError:
        return None
    return speed if speed >= 0 else None


def _out_time_ms(fields: dict[str, str]) -> int | None:
    # Prefer the integer microsecond fields; both are µs whatever the name says.
    for key in ("out_time_us", "out_time_ms"):
        micros = _int(fields.get(key))
        if micros is not None:
            return seconds_to_ms(Fraction(micros, 1_000_000))
    return None


class ProgressParser:
    """Feed lines (``str`` or ``bytes``); get a ``Progress`` each time a block closes."""

    def __init__(self) -> None:
        self._fields: dict[str, str] = {}

    def feed(self, line: str | bytes) -> Progress | None:
        text = line.decode("utf-8", "backslashreplace") if isinstance(line, bytes) else line
        text = text.strip()
        if not text or "=" not in text:
            return None
        key, value = text.split("=", 1)
        key, value = key.strip(), value.strip()
        if key != "progress":
            self._fields[key] = value
            return None
        fields, self._fields = self._fields, {}
        return Progress(
            out_time_ms=_out_time_ms(fields),
            frame=_int(fields.get("frame")),
            speed=_speed(fields.get("speed")),
            total_size=_int(fields.get("total_size")),
            done=value == "end",
            fields=fields,
        )


def parse_progress(lines: Iterable[str | bytes]) -> Iterator[Progress]:
    """All complete blocks of a progress stream, in order."""
    parser = ProgressParser()
    for line in lines:
        block = parser.feed(line)
        if block is not None:
            yield block
