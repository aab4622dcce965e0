"""Checking a written file against what was asked for, before it is given to anyone.

ffmpeg exits 0 in cases that matter here: a two-letter language dropped by the MP4 muxer,
the first MP4 text track forced to default, a subtitle stream with no packets. So every
output is probed (and its subtitle packets counted) *before* it is renamed into place;
any mismatch raises ``OutputVerificationError`` (exit 4) naming every difference.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
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
