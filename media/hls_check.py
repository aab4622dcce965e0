"""Proof that an HLS folder plays as intended, read back the way a player reads it.

Every playlist is parsed with the ``m3u8`` library (not with the code that wrote it, so a
writer bug cannot hide itself), and checked against what was asked for:

* the master names every rendition: one audio group, one subtitle group with one entry
  per track (``LANGUAGE`` BCP-47, native ``NAME``, ``DEFAULT``/``AUTOSELECT``/``FORCED``
  as RFC 8216 wants them), every variant with its resolution, the audio and subtitle
  groups and ``CLOSED-CAPTIONS=NONE``;
* every media playlist is a finished VOD list whose every segment exists and is not empty;
* the video rungs have the same segment boundaries, each segment starts with a keyframe
  at the same PTS in every rung, and together they last the source's length to within
  one frame;
* every WebVTT segment carries the measured ``X-TIMESTAMP-MAP``, and the cues of all
  segments of a track, repeats removed, are the input's cues, cue by cue.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from media.hls import TS_HZ, probe_segment_start
from media.verify import ShownCue, compare_cues, plain_text
from subtitles.formats.vtt import WebVTT

_MAP_LINE = re.compile(r"^X-TIMESTAMP-MAP=(?P<value>.*)$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class ExpectedSubtitles:
    """One subtitle rendition as the master must list it, and the cues it must hold."""

    language: str  # BCP-47
    name: str
    default: bool
    autoselect: bool
    forced: bool
    cues: tuple[ShownCue, ...]


@dataclass(frozen=True, slots=True)
class ExpectedHls:
    """What an HLS folder must contain."""

    sizes: tuple[tuple[int, int], ...]  # (width, height) per video rung, in master order
    audio: bool
    subtitles: tuple[ExpectedSubtitles, ...]
    duration_ms: int  # the source's video length
    frame_ms: Fraction  # one frame of the source
    mpegts: int  # X-TIMESTAMP-MAP's MPEGTS value
    segment_s: int


def _load(path: Path) -> Any:
    import m3u8

    return m3u8.loads(path.read_text(encoding="utf-8"), uri=str(path))


def _segments(folder: Path, uri: str, problems: list[str]) -> list[tuple[Path, float]]:
    """The (file, duration) of each segment of a media playlist; problems for what is missing."""
    path = folder / uri
    if not path.is_file():
        problems.append(f"{uri}: playlist missing")
        return []
    playlist = _load(path)
    if not playlist.is_endlist or (playlist.playlist_type or "").lower() != "vod":
        problems.append(f"{uri}: not a finished VOD playlist")
    out = []
    for segment in playlist.segments:
        file = folder / segment.uri
        if not file.is_file() or file.stat().st_size == 0:
            problems.append(f"{uri}: segment {segment.uri} missing or empty")
        out.append((file, float(segment.duration)))
    if not out:
        problems.append(f"{uri}: no segments")
    target = playlist.target_duration or 0
    if any(round(d) > target for _, d in out):
        problems.append(f"{uri}: a segment is longer than EXT-X-TARGETDURATION {target}")
    return out


def _timestamp_map(text: str) -> str | None:
    match = _MAP_LINE.search(text.split("\n\n", 1)[0])
    return match["value"].strip() if match else None


def check_subtitle_track(
    folder: Path,
    uri: str,
    want: ExpectedSubtitles,
    windows: Sequence[float],
    mpegts: int,
    problems: list[str],
) -> None:
    """Segments aligned with the video's, each with the timestamp map; cues as the input's."""
    segments = _segments(folder, uri, problems)
    durations = [d for _, d in segments]
    if len(durations) != len(windows) or any(
        abs(a - b) > 0.001 for a, b in zip(durations, windows, strict=False)
    ):
        problems.append(f"{uri}: segment durations differ from the video's")
    seen: dict[ShownCue, None] = {}
    expected_map = f"MPEGTS:{mpegts},LOCAL:00:00:00.000"
    for file, _ in segments:
        if not file.is_file():
            continue
        text = file.read_text(encoding="utf-8")
        found = _timestamp_map(text)
        if found != expected_map:
            problems.append(f"{file.name}: X-TIMESTAMP-MAP {found!r}, expected {expected_map!r}")
        outcome = WebVTT.parse(text)
        errors = [p for p in outcome.problems if p.severity == "error"]
        if errors:
            problems.append(f"{file.name}: {errors[0]}")
        for cue in outcome.cues:
            seen.setdefault((cue.start, cue.end, cue.text), None)
    got = sorted(seen, key=lambda c: (c[0], c[1]))
    problems += compare_cues(want.cues, got, normalise=plain_text, what=uri)


def _attr(value: Any) -> str:
    return str(value) if value is not None else ""


def check_master(folder: Path, master: str, want: ExpectedHls) -> list[str]:
    """Parse the master and every playlist it names; every difference from ``want``."""
    problems: list[str] = []
    path = folder / master
    if not path.is_file():
        return [f"{master}: missing"]
    text = path.read_text(encoding="utf-8")
    playlist = _load(path)
    if not playlist.is_variant:
        return [f"{master}: not a master playlist"]
    if text.count("CLOSED-CAPTIONS=NONE") != len(playlist.playlists):
        problems.append(f"{master}: every EXT-X-STREAM-INF needs CLOSED-CAPTIONS=NONE")
    media = list(playlist.media)
    audios = [m for m in media if m.type == "AUDIO"]
    subs = [m for m in media if m.type == "SUBTITLES"]
    if len(audios) != (1 if want.audio else 0):
        problems.append(f"{master}: {len(audios)} audio renditions, expected {1 if want.audio else 0}")
    if len({m.group_id for m in subs}) > 1:
        problems.append(f"{master}: subtitles in more than one group")
    if len(subs) != len(want.subtitles):
        problems.append(f"{master}: {len(subs)} subtitle renditions, expected {len(want.subtitles)}")
    for m in media:
        if m.forced is not None and m.type != "SUBTITLES":
            problems.append(f"{master}: FORCED on a {m.type} rendition")
        if _attr(m.default) == "YES" and _attr(m.autoselect) != "YES":
            problems.append(f"{master}: {m.name}: DEFAULT=YES without AUTOSELECT=YES")
    variants = list(playlist.playlists)
    sizes = tuple(tuple(v.stream_info.resolution or (0, 0)) for v in variants)
    if sizes != want.sizes:
        problems.append(f"{master}: variants {list(sizes)}, expected {list(want.sizes)}")
    for v in variants:
        info = v.stream_info
        if want.audio and info.audio != (audios[0].group_id if audios else None):
            problems.append(f"{v.uri}: AUDIO group missing")
        if want.subtitles and info.subtitles != (subs[0].group_id if subs else None):
            problems.append(f"{v.uri}: SUBTITLES group missing")
        if not info.bandwidth:
            problems.append(f"{v.uri}: no BANDWIDTH")
    rungs = [_segments(folder, v.uri, problems) for v in variants]
    windows = [d for _, d in rungs[0]] if rungs else []
    _check_video(rungs, want, problems)
    if audios:
        audio = _segments(folder, audios[0].uri, problems)
        total = sum(d for _, d in audio) * 1000
        if abs(total - want.duration_ms) > want.segment_s * 1000:
            problems.append(f"{audios[0].uri}: lasts {total:.0f} ms, the film {want.duration_ms} ms")
    for m, expected in zip(subs, want.subtitles, strict=False):
        label = f"subtitle rendition {m.name!r}"
        got = (m.language, m.name, _attr(m.default), _attr(m.autoselect), _attr(m.forced))
        yes = {True: "YES", False: "NO"}
        wanted = (expected.language, expected.name, yes[expected.default], yes[expected.autoselect],
                  yes[expected.forced])  # fmt: skip
        if got != wanted:
            problems.append(
                f"{label}: (LANGUAGE, NAME, DEFAULT, AUTOSELECT, FORCED) {got}, expected {wanted}"
            )
        check_subtitle_track(folder, m.uri, expected, windows, want.mpegts, problems)
    return problems


def _check_video(rungs: list[list[tuple[Path, float]]], want: ExpectedHls, problems: list[str]) -> None:
    """Same boundaries in every rung, a keyframe at each at the same PTS, the source's length."""
    if not rungs or not rungs[0]:
        return
    frame_s = float(want.frame_ms) / 1000
    reference = rungs[0]
    for n, rung in enumerate(rungs[1:], 1):
        if len(rung) != len(reference) or any(
            abs(a - b) > frame_s / 2 for (_, a), (_, b) in zip(rung, reference, strict=False)
        ):
            problems.append(f"video rung {n}: segment boundaries differ from rung 0")
    total_ms = sum(d for _, d in reference) * 1000
    if abs(total_ms - want.duration_ms) > float(want.frame_ms) + 1:
        problems.append(
            f"video lasts {total_ms:.0f} ms, the source {want.duration_ms} ms (more than one frame)"
        )
    starts: list[int] = []
    at = Fraction(0)
    for index, (file, duration) in enumerate(reference):
        pts_by_rung = []
        for rung in rungs:
            if index >= len(rung) or not rung[index][0].is_file():
                continue
            seg = probe_segment_start(rung[index][0])
            if not seg.keyframe:
                problems.append(f"{rung[index][0].name}: does not start with a keyframe")
            pts_by_rung.append(seg.start_pts)
        if pts_by_rung and max(pts_by_rung) - min(pts_by_rung) > TS_HZ * float(want.frame_ms) / 2000:
            problems.append(f"segment {index}: starts at different PTS across rungs {pts_by_rung}")
        if pts_by_rung:
            starts.append(pts_by_rung[0])
            expected = starts[0] + round(at * TS_HZ)
            if abs(pts_by_rung[0] - expected) > TS_HZ * float(want.frame_ms) / 1000:
                problems.append(f"{file.name}: starts at PTS {pts_by_rung[0]}, its playlist says {expected}")
        at += Fraction(duration)
