"""Checking a written file against what was asked for, before it is given to anyone.

ffmpeg exits 0 in cases that matter here: a two-letter language dropped by the MP4 muxer,
the first MP4 text track forced to default, a subtitle stream with no packets. So every
output is probed (and its subtitle packets counted) *before* it is renamed into place;
any mismatch raises ``OutputVerificationError`` (exit 4) naming every difference.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Literal

from media.escape import file_arg
from media.probe import MediaInfo, StreamInfo, probe
from subtitles.errors import OutputVerificationError
from subtitles.timing import format_ms

log = logging.getLogger(__name__)

#: An MP4 text sample holds a 2-byte length before the text; an empty sample (a gap
#: between cues, which tx3g must fill) is just those 2 bytes.
_MOV_TEXT_EMPTY = 2


@dataclass(frozen=True, slots=True)
class ExpectedSubtitle:
    """One subtitle stream the output must contain, in order."""

    language: str  # as it must be tagged: ISO 639-2/B, e.g. "rus"
    title: str | None
    default: bool
    forced: bool = False
    hearing_impaired: bool = False
    codec: str | None = None  # "subrip", "ass", "mov_text"; None: not checked
    cues: int | None = None  # number of non-empty subtitle packets; None: not counted


@dataclass(frozen=True, slots=True)
class Expectation:
    """What an output must hold. ``title_tag`` is where the title lives in this container."""

    subtitles: tuple[ExpectedSubtitle, ...]
    video_codecs: tuple[str, ...] = ()
    audio_codecs: tuple[str, ...] = ()
    min_duration_ms: int | None = None
    max_duration_ms: int | None = None
    title_tag: Literal["title", "handler_name"] = "title"


def _title_of(stream: StreamInfo, tag: Literal["title", "handler_name"]) -> str | None:
    return stream.title if tag == "title" else stream.handler_name


def compare(info: MediaInfo, expected: Expectation, packets: dict[int, int] | None = None) -> list[str]:
    """Every difference between a probed file and the expectation, as readable lines."""
    problems: list[str] = []
    videos = tuple(s.codec for s in info.video)
    audios = tuple(s.codec for s in info.audio)
    if videos != expected.video_codecs:
        problems.append(f"video streams {list(videos)}, expected {list(expected.video_codecs)}")
    if audios != expected.audio_codecs:
        problems.append(f"audio streams {list(audios)}, expected {list(expected.audio_codecs)}")
    subs = info.subtitles
    if len(subs) != len(expected.subtitles):
        problems.append(f"{len(subs)} subtitle streams, expected {len(expected.subtitles)}")
    for n, (got, want) in enumerate(zip(subs, expected.subtitles, strict=False)):
        where = f"subtitle stream {n} (#{got.index})"
        if got.language != want.language:
            problems.append(f"{where}: language {got.language!r}, expected {want.language!r}")
        title = _title_of(got, expected.title_tag)
        if want.title is not None and title != want.title:
            problems.append(f"{where}: title {title!r}, expected {want.title!r}")
        if got.default != want.default:
            problems.append(f"{where}: default={got.default}, expected default={want.default}")
        if got.forced != want.forced:
            problems.append(f"{where}: forced={got.forced}, expected forced={want.forced}")
        if got.hearing_impaired != want.hearing_impaired:
            problems.append(
                f"{where}: hearing_impaired={got.hearing_impaired}, expected {want.hearing_impaired}"
            )
        if want.codec is not None and got.codec != want.codec:
            problems.append(f"{where}: codec {got.codec}, expected {want.codec}")
        if want.cues is not None and packets is not None:
            count = packets.get(got.index, 0)
            if count != want.cues:
                problems.append(f"{where}: {count} cues, expected {want.cues}")
    duration = info.duration_ms
    if expected.min_duration_ms is not None or expected.max_duration_ms is not None:
        if duration is None:
            problems.append("duration unknown")
        else:
            low, high = expected.min_duration_ms, expected.max_duration_ms
            if (low is not None and duration < low) or (high is not None and duration > high):
                span = f"{_fmt(low)}..{_fmt(high)}"
                problems.append(f"duration {format_ms(duration)}, expected within {span}")
    return problems


def _fmt(ms: int | None) -> str:
    return format_ms(ms) if ms is not None else "-"


def count_subtitle_packets(path: str | Path, stream_indexes: Sequence[int]) -> dict[int, int]:
    """Non-empty packets per subtitle stream: what a player will actually show.

    Demuxes without decoding (only the subtitle streams are read out), so this costs one
    pass over the file at disk speed. Empty mov_text samples (gap fillers) are not cues.
    """
    import av

    counts = dict.fromkeys(stream_indexes, 0)
    if not stream_indexes:
        return counts
    with av.open(file_arg(path)) as container:
        wanted = [s for s in container.streams if s.index in counts]
        for packet in container.demux(wanted):
            if packet.stream.index not in counts or packet.size == 0:
                continue
            if packet.stream.codec_context.name == "mov_text" and packet.size <= _MOV_TEXT_EMPTY:
                continue
            counts[packet.stream.index] += 1
    return counts


def verify_output(
    path: str | Path, expected: Expectation, *, shown_as: str | Path | None = None
) -> MediaInfo:
    """Probe ``path`` and check it; raise ``OutputVerificationError`` listing every mismatch.

    ``shown_as`` is the name the error should carry (the final output name, when ``path``
    is still the temporary file).
    """
    name = Path(shown_as) if shown_as is not None else Path(path)
    info = probe(path)
    packets = None
    if any(s.cues is not None for s in expected.subtitles):
        packets = count_subtitle_packets(path, [s.index for s in info.subtitles])
    problems = compare(info, expected, packets)
    if problems:
        for problem in problems:
            log.debug("verification of %s: %s", name, problem)
        raise OutputVerificationError(
            "output failed verification: " + "; ".join(problems), path=name, stderr_tail=""
        )
    return info


# -- cue-by-cue read-back (soft tracks, sidecars, HLS WebVTT) --------------------------------

#: A cue as shown: start and end in ms, and its text.
ShownCue = tuple[int, int, str]

#: Differences listed before the rest are only counted, so one bad file gives one readable line.
MAX_CUE_PROBLEMS = 5


def _packet_text(codec: str, data: bytes) -> str:
    """The text of one subtitle packet as the container stores it, by codec."""
    if codec == "mov_text":
        size = int.from_bytes(data[:2], "big") if len(data) >= 2 else 0
        return data[2 : 2 + size].decode("utf-8", "replace")
    text = data.decode("utf-8", "replace")
    if codec in ("ass", "ssa"):
        # Matroska keeps ASS events as "ReadOrder,Layer,Style,Name,MarginL,MarginR,MarginV,Effect,Text".
        return text.split(",", 8)[8] if text.count(",") >= 8 else text
    return text


def video_start_ms(path: str | Path) -> int:
    """The first video frame's presentation time in ms (0 without video)."""
    import av

    with av.open(file_arg(path)) as container:
        for stream in container.streams.video:
            if stream.start_time is not None and stream.time_base is not None:
                return round(stream.start_time * stream.time_base * 1000)
    return 0


def read_stream_cues(path: str | Path, stream_index: int, *, origin_ms: int = 0) -> list[ShownCue]:
    """Every non-empty cue of one subtitle stream, demuxed (no decode), in file order.

    Times are the packets' presentation times minus ``origin_ms``, the time at which the
    output shows film time 0. That is not simply the container's start: stream-copied AAC
    priming makes a muxer shift every stream by a few tens of ms, the picture and the
    subtitles alike (see ``media.mux``, which measures it from the first video frame).
    """
    import av

    out: list[ShownCue] = []
    with av.open(file_arg(path)) as container:
        stream = container.streams[stream_index]
        codec = stream.codec_context.name
        for packet in container.demux(stream):
            if packet.pts is None or packet.size == 0 or packet.time_base is None:
                continue
            data = bytes(packet)
            if codec == "mov_text" and packet.size <= _MOV_TEXT_EMPTY:
                continue
            start = packet.pts * packet.time_base - Fraction(origin_ms, 1000)
            end = start + (packet.duration or 0) * packet.time_base
            out.append((round(start * 1000), round(end * 1000), _packet_text(codec, data)))
    return out


def compare_cues(
    expected: Sequence[ShownCue],
    got: Sequence[ShownCue],
    *,
    tolerance_ms: int = 1,
    normalise: Callable[[str], str] = lambda text: text,
    what: str = "cues",
) -> list[str]:
    """Differences between two cue lists, cue by cue: count, start, end and text.

    ``normalise`` is applied to both texts first (e.g. to drop markup a format cannot
    hold). The first :data:`MAX_CUE_PROBLEMS` differences are listed, the rest counted.
    """
    problems: list[str] = []
    if len(expected) != len(got):
        problems.append(f"{what}: {len(got)} cues, expected {len(expected)}")
    for n, (want, have) in enumerate(zip(expected, got, strict=False), 1):
        if abs(want[0] - have[0]) > tolerance_ms or abs(want[1] - have[1]) > tolerance_ms:
            problems.append(
                f"{what}: cue {n} at {format_ms(have[0])}-{format_ms(have[1])}, "
                f"expected {format_ms(want[0])}-{format_ms(want[1])}"
            )
        if normalise(want[2]) != normalise(have[2]):
            problems.append(f"{what}: cue {n} reads {normalise(have[2])!r}, expected {normalise(want[2])!r}")
    if len(problems) > MAX_CUE_PROBLEMS:
        problems = [*problems[:MAX_CUE_PROBLEMS], f"{what}: and {len(problems) - MAX_CUE_PROBLEMS} more"]
    return problems


_OVERRIDE = re.compile(r"\{[^}]*\}")
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def plain_text(text: str) -> str:
    """What a viewer reads, whatever the markup: ASS overrides and HTML-like tags dropped,
    ``\\N`` and ``\\n`` as line breaks, ``\\h`` as a space, each line stripped."""
    text = _OVERRIDE.sub("", text).replace("\\N", "\n").replace("\\n", "\n").replace("\\h", " ")
    text = html.unescape(_HTML_TAG.sub("", text))
    return "\n".join(line.strip() for line in text.strip().splitlines())


def verify_cues(
    path: str | Path,
    streams: Sequence[tuple[int, Sequence[ShownCue]]],
    *,
    shown_as: str | Path | None = None,
    tolerance_ms: int = 1,
    origin_ms: int = 0,
) -> None:
    """Read each ``(stream index, expected cues)`` back from ``path`` and compare cue by cue
    (times, and text as a viewer reads it); ``OutputVerificationError`` on any difference."""
    problems: list[str] = []
    for index, expected in streams:
        got = read_stream_cues(path, index, origin_ms=origin_ms)
        problems += compare_cues(
            expected, got, tolerance_ms=tolerance_ms, normalise=plain_text, what=f"stream #{index}"
        )
    if problems:
        name = Path(shown_as) if shown_as is not None else Path(path)
        raise OutputVerificationError(
            "output failed verification: " + "; ".join(problems), path=name, stderr_tail=""
        )
