"""Adding subtitle tracks to a film without re-encoding it (MKV or MP4).

The film's video and audio are stream-copied; each subtitle file becomes one track with
its ISO 639-2/B language code and its native-language name as title. Traps this module
exists to avoid (measured on ffmpeg 5.1 and 9.0, pinned by tests):

* MP4 silently drops a two-letter language (``ru`` becomes ``und``): always pass ``rus``.
* Without explicit dispositions ffmpeg marks the first subtitle track default in MKV, and
  MP4 always comes back with its first text track default: so the default track (the
  first unless the caller chose) is set on purpose and every other one explicitly ``0``;
  forced and hearing-impaired flags are written in both containers and verified.
* MP4 keeps no per-track ``title``; players show the ``handler_name``, so that carries the
  title there.
* MP4 takes text only as ``mov_text`` (tx3g), which cannot overlap: ffmpeg cuts a cue
  short when the next one starts. Overlaps are reported before muxing.
* ffmpeg exits 0 on some broken outputs, so the result is probed and its subtitle packets
  counted (``media.verify``) before it is renamed into place.
* ffmpeg re-bases each input to its own container start, which releases compute
  differently (5.1 counts AAC priming in Matroska, later ones do not), so a cue could land
  21-64 ms off the picture on one build and not another. Subtitle time 0 is the film's
  first video frame: the film is read with ``-copyts`` and shifted by exactly its first
  frame's time, the subtitle inputs are not shifted.

The command is a plain argument list run through ``media.runner`` (no ffmpeg-python: per-
stream ``-metadata:s:s:N`` / ``-disposition:s:N`` options in a fixed order are clearer as
a list than as ffmpeg-python keyword arguments with colons in their names).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from media.escape import file_arg
from media.probe import MediaInfo, probe
from media.progress import Progress, ProgressParser
from media.runner import ffmpeg_streaming
from media.verify import (
    Expectation,
    ExpectedSubtitle,
    ShownCue,
    verify_cues,
    verify_output,
    video_start_ms,
)
from subtitles.atomic import atomic_path, refuse_overwrite_of_inputs
from subtitles.errors import InputError, UsageError
from subtitles.language import Language

log = logging.getLogger(__name__)

Container = Literal["matroska", "mp4"]

_CONTAINER_FOR_SUFFIX: dict[str, Container] = {
    ".mkv": "matroska",
    ".mp4": "mp4",
    ".m4v": "mp4",
}

#: Slack on the output duration: stream copy rounds to the container's time base, and
#: audio priming / edit lists move the end by a few tens of ms.
DURATION_TOLERANCE_MS = 250


@dataclass(frozen=True, slots=True)
class SubtitleStream:
    """One prepared subtitle file to add: UTF-8 ``.srt`` or ``.ass`` (ASS only into MKV).

    ``cues`` and ``end_ms`` are what the file holds, for verification; ``source`` is the
    user's original file, for messages.
    """

    path: Path
    language: Language
    title: str | None = None
    forced: bool = False
    #: For the deaf and hard of hearing (``hearing_impaired`` disposition).
    sdh: bool = False
    #: The default track (at most one per output; ``pipeline.mux.choose_default`` picks it);
    #: ``None`` on every stream: the first one is.
    default: bool | None = None
    cues: int | None = None
    end_ms: int | None = None
    source: Path | None = None

    @property
    def shown_title(self) -> str:
        return self.title if self.title is not None else self.language.native_name

    @property
    def is_ass(self) -> bool:
        return self.path.suffix.lower() in (".ass", ".ssa")


@dataclass(frozen=True, slots=True)
class MuxResult:
    output: Path
    container: Container
    info: MediaInfo
    command: tuple[str, ...]


def container_for(path: str | Path) -> Container:
    """The container an output name asks for, by suffix; ``UsageError`` for any other."""
    suffix = Path(path).suffix.lower()
    try:
        return _CONTAINER_FOR_SUFFIX[suffix]
    except KeyError:
        raise UsageError(
            f"cannot mux subtitles into {suffix or 'a file without suffix'!r}: name the output .mkv or .mp4",
            path=path,
        ) from None


def _codec_for(stream: SubtitleStream, container: Container) -> tuple[str, str]:
    """(encoder for ``-c:s:N``, codec name the probe will report)."""
    if container == "mp4":
        return "mov_text", "mov_text"
    return ("ass", "ass") if stream.is_ass else ("srt", "subrip")


def _is_default(subs: Sequence[SubtitleStream], n: int) -> bool:
    """Whether track ``n`` is the default: as chosen, or the first when nobody chose."""
    if all(s.default is None for s in subs):
        return n == 0
    return bool(subs[n].default)


def mux_command(
    film: Path,
    subs: Sequence[SubtitleStream],
    output: Path,
    container: Container,
    *,
    video_start_ms: int | None = None,
) -> list[str]:
    """The ffmpeg arguments (after ``ffmpeg -hide_banner -nostdin``) for one mux.

    ``video_start_ms`` (the film's first frame on its own clock) puts that frame at the
    subtitles' time 0 whatever the ffmpeg release; ``None`` leaves ffmpeg's own re-basing.
    """
    args: list[str] = []
    if video_start_ms is not None:
        args += ["-copyts", "-itsoffset", f"{-video_start_ms / 1000:.3f}"]
    args += ["-i", file_arg(film)]
    for sub in subs:
        # Subtitle files are plain UTF-8 by construction; saying so stops ffmpeg guessing.
        args += ["-sub_charenc", "UTF-8", "-i", file_arg(sub.path)]
    # 'V' (capital) is real video, without cover-art pictures; '?' allows a film with no audio.
    args += ["-map", "0:V?", "-map", "0:a?"]
    for n in range(len(subs)):
        args += ["-map", f"{n + 1}:s:0"]
    args += ["-c:v", "copy", "-c:a", "copy"]
    for n, sub in enumerate(subs):
        encoder, _ = _codec_for(sub, container)
        lang = sub.language.iso639_2b
        args += [f"-c:s:{n}", encoder, f"-metadata:s:s:{n}", f"language={lang}"]
        args += [f"-metadata:s:s:{n}", f"title={sub.shown_title}"]
        if container == "mp4":
            args += [f"-metadata:s:s:{n}", f"handler_name={sub.shown_title}"]
        flags = ["default"] if _is_default(subs, n) else []
        if sub.forced:
            flags.append("forced")
        if sub.sdh:
            flags.append("hearing_impaired")
        args += [f"-disposition:s:{n}", "+".join(flags) if flags else "0"]
    if container == "mp4":
        args += ["-movflags", "+faststart"]
    args += ["-f", container, "-progress", "pipe:1", "-nostats", "-y", file_arg(output)]
    return args


def expectation_for(
    film_info: MediaInfo, subs: Sequence[SubtitleStream], container: Container
) -> Expectation:
    """What the muxed file must contain, derived from the film and the inputs."""
    expected = tuple(
        ExpectedSubtitle(
            language=sub.language.iso639_2b,
            title=sub.shown_title,
            default=_is_default(subs, n),
            forced=sub.forced,
            hearing_impaired=sub.sdh,
            codec=_codec_for(sub, container)[1],
            cues=sub.cues,
        )
        for n, sub in enumerate(subs)
    )
    low = high = None
    if film_info.duration_ms is not None:
        # Only video and audio are copied: a subtitle or data track of the film that runs
        # longer (a VobSub track past the last frame) does not set the output's length.
        copied = [s.duration_ms for s in (*film_info.video, *film_info.audio) if s.duration_ms]
        basis = min(film_info.duration_ms, max(copied)) if copied else film_info.duration_ms
        # The probe gives the playable length whatever the container; the copy starts near 0.
        low = max(0, basis - DURATION_TOLERANCE_MS)
        ends = [s.end_ms for s in subs if s.end_ms is not None]
        high = max([film_info.duration_ms, *ends]) + DURATION_TOLERANCE_MS
    return Expectation(
        subtitles=expected,
        video_codecs=tuple(s.codec for s in film_info.video),
        audio_codecs=tuple(s.codec for s in film_info.audio),
        min_duration_ms=low,
        max_duration_ms=high,
        title_tag="handler_name" if container == "mp4" else "title",
    )


def expected_cues(sub: SubtitleStream, container: Container) -> list[ShownCue]:
    """The cues a track must read back as: the prepared file's own, in time order.

    MP4 text samples cannot overlap, so there a cue ends where the next one starts.
    """
    import pysubs2

    fmt = "ass" if sub.is_ass else "srt"
    events = pysubs2.SSAFile.from_string(sub.path.read_text(encoding="utf-8"), format_=fmt).events
    cues = sorted(((e.start, e.end, e.text) for e in events if not e.is_comment), key=lambda c: (c[0], c[1]))
    if container == "mp4":
        cues = [
            (start, min(end, cues[n + 1][0]) if n + 1 < len(cues) else end, text)
            for n, (start, end, text) in enumerate(cues)
        ]
    return cues


def _timeout_for(film: Path) -> float:
    """Stream copy is disk-bound: two minutes plus 10 s per 100 MB is generous everywhere."""
    return 120.0 + film.stat().st_size / 10_000_000


def mux(
    film: str | Path,
    subs: Sequence[SubtitleStream],
    output: str | Path,
    *,
    film_info: MediaInfo | None = None,
    protect: Sequence[Path] = (),
    on_progress: Callable[[Progress, int | None], None] | None = None,
) -> MuxResult:
    """Mux ``subs`` into a stream copy of ``film``; verify; then move into ``output``.

    The first track is the default one. ``protect`` names further files the output must
    not overwrite (the user's original subtitle files). ``on_progress`` gets each ffmpeg
    progress block and the film duration in ms. Raises ``UsageError`` (bad output name,
    no subtitles), ``InputError`` (output is an input, unreadable film),
    ``ToolError`` (ffmpeg failed) or ``OutputVerificationError`` (the result is wrong); in
    every failure no output and no temporary file is left.
    """
    film, output = Path(film), Path(output)
    if not subs:
        raise UsageError("nothing to mux: give at least one subtitle file")
    container = container_for(output)
    refuse_overwrite_of_inputs(output, [film, *(s.path for s in subs), *protect])
    info = film_info if film_info is not None else probe(film)
    if not info.video:
        raise InputError("has no video stream to add subtitles to", path=film)
    for sub in subs:
        if not sub.path.is_file():
            raise InputError("subtitle file not found", path=sub.path)
    parser = ProgressParser()

    def on_line(line: bytes) -> None:
        block = parser.feed(line)
        if block is not None and on_progress is not None:
            on_progress(block, info.duration_ms)

    with atomic_path(output) as tmp:
        args = mux_command(film, subs, tmp, container, video_start_ms=info.video_start_ms)
        done = ffmpeg_streaming(args, timeout=_timeout_for(film), what="muxing", on_line=on_line, path=output)
        result = verify_output(tmp, expectation_for(info, subs, container), shown_as=output)
        # Subtitle time 0 in the output is its first video frame (see the module notes).
        origin = video_start_ms(tmp)
        expected = [expected_cues(sub, container) for sub in subs]
        verify_cues(tmp, [(got.index, cues) for got, cues in zip(result.subtitles, expected, strict=True)],
                    shown_as=output, origin_ms=origin)  # fmt: skip
    log.info("muxed %d subtitle track(s) into %s", len(subs), output)
    return MuxResult(
        output=output,
        container=container,
        info=dataclasses.replace(result, path=output),
        command=tuple(done.args),
    )
