"""One ffmpeg process for many renditions of a film, built with ffmpeg-python.

This is the only module that imports ffmpeg-python (the client's choice, 0.2.0,
unmaintained since 2019), so it can be replaced in one place. ``graph_args`` compiles any
set of outputs of one film; ``rendition_args`` (burned MP4s) and ``media.hls`` (the HLS
ladder) describe their outputs with :class:`Output` and call it.

The graph shares every piece of work it can, because on a 2-core machine every repeated
filter is paid once per output:

* the film is decoded once (one input);
* each distinct :class:`Picture` (crop + scale + ``setsar``) is computed once, from a
  ``split`` of the decoded video when there are several pictures;
* each picture is ``split`` again into one branch per output that uses it, and only
  there comes the per-output work: the ``ass`` filter (libass draws the language's text
  at the output's own resolution, after scaling) and the output's encoder.

So 3 languages x {720p, 480p} cost one decode, one scale (720p needs none) and six
``ass`` + encoder branches, not six crops and scales. ffmpeg-python is used only in its
keyword form (``.filter("ass", filename=...)``), which escapes option values correctly;
its positional form does not (render-notes). Nothing here pre-escapes a value.

Traps pinned here:

* The ``ass`` filter opens its script with libass's own ``fopen``, not libavformat, so the
  script path must be a plain absolute path: a ``file:`` prefix would be part of the name.
  Inputs and outputs do go through libavformat and get ``file:`` (``media.escape.file_arg``).
* Subtitle time 0 is the film's first video frame (as in ``media.mux``). Without
  ``-copyts`` ffmpeg re-bases the film to its *container* start, which is the first audio
  sample when the audio starts first (and moves by the AAC priming between releases), so
  a cue would be drawn early by that lead. With ``origin_ms`` the film is read with
  ``-copyts -itsoffset -<first frame>``: the first frame is at exactly 0 in the filter
  graph, whatever the container start, on every ffmpeg build.
* Threads: six x264 encoders in one process on 2 cores must not each start
  ``1.5 x cores`` frame threads plus lookahead threads (x264's default); ffmpeg 5.1 calls
  the encoders one after another from its main thread, so each still needs at least two
  frame threads for the encoders to overlap. :func:`encoder_threads` picks the count.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from media.escape import file_arg
from media.probe import MediaInfo

AudioMode = Literal["copy", "aac", "none"]


@dataclass(frozen=True, slots=True)
class Crop:
    """A window of the source frame, in source pixels."""

    width: int
    height: int
    x: int
    y: int


@dataclass(frozen=True, slots=True)
class Picture:
    """The unsubtitled picture of an output: ``crop`` of the source, scaled to
    ``width`` x ``height`` (``scale`` False: already that size), square pixels."""

    width: int
    height: int
    crop: Crop | None = None
    scale: bool = True


@dataclass(frozen=True, slots=True)
class Output:
    """One output of the graph.

    ``target`` is the output argument as ffmpeg gets it (a ``file:`` path or an HLS
    playlist); ``picture`` ``None`` for an audio-only output; ``script`` an ASS file burned
    onto the picture; ``audio`` a stream specifier of the input (``"a:0"``, ``"1"``) or
    ``None``; ``options`` the output's own ffmpeg options (keyword form: ``{"c:v":
    "libx264", "crf": 20}``).
    """

    target: str
    picture: Picture | None = None
    script: Path | None = None
    fontsdir: Path | None = None
    audio: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


def graph_args(
    film: Path,
    outputs: Sequence[Output],
    *,
    video: str = "V:0",
    origin_ms: int | None = None,
    input_options: Mapping[str, Any] | None = None,
    progress: bool = True,
    filter_threads: int | None = None,
) -> list[str]:
    """The ffmpeg arguments (without the binary) writing every output from one decode.

    ``origin_ms``: the film's first video frame on its own clock; when given, that frame is
    time 0 for the filters and outputs (``-copyts -itsoffset``), the subtitle convention.
    """
    import ffmpeg

    if not outputs:
        raise ValueError("no outputs")
    in_opts: dict[str, Any] = dict(input_options or {})
    if origin_ms is not None:
        in_opts["itsoffset"] = f"{-origin_ms / 1000:.3f}"
    source = ffmpeg.input(file_arg(film), **in_opts)

    pictures: list[Picture] = []
    for out in outputs:
        if out.picture is not None and out.picture not in pictures:
            pictures.append(out.picture)
    decoded = _fan_out(source[video], len(pictures)) if pictures else []
    shared: dict[Picture, list[Any]] = {}
    for picture, stream in zip(pictures, decoded, strict=True):
        users = sum(1 for o in outputs if o.picture == picture)
        shared[picture] = _fan_out(_picture(stream, picture), users)

    compiled = []
    for out in outputs:
        inputs = []
        if out.picture is not None:
            stream = shared[out.picture].pop(0)
            if out.script is not None:
                options: dict[str, Any] = {"filename": str(out.script.absolute())}
                if out.fontsdir is not None:
                    options["fontsdir"] = str(out.fontsdir.absolute())
                stream = stream.filter("ass", **options)
            inputs.append(stream)
        if out.audio is not None:
            inputs.append(source[out.audio])
        if not inputs:
            raise ValueError(f"output {out.target!r} has neither video nor audio")
        compiled.append(ffmpeg.output(*inputs, out.target, **dict(out.options)))
    graph = ffmpeg.merge_outputs(*compiled).overwrite_output()
    extra: list[str] = []
    if origin_ms is not None:
        extra.append("-copyts")
    if filter_threads is not None:
        extra += ["-filter_complex_threads", str(filter_threads)]
    if progress:
        extra += ["-progress", "pipe:1", "-nostats"]
    if extra:
        graph = graph.global_args(*extra)
    args: list[str] = graph.compile(cmd="ffmpeg")
    return args[1:]


def _picture(stream: Any, picture: Picture) -> Any:
    if picture.crop is not None:
        c = picture.crop
        stream = stream.filter("crop", w=c.width, h=c.height, x=c.x, y=c.y)
    if picture.scale:
        stream = stream.filter("scale", w=picture.width, h=picture.height)
    return stream.filter("setsar", r=1)


def _fan_out(stream: Any, count: int) -> list[Any]:
    """``count`` uses of one stream: itself, or the outputs of one ``split``."""
    if count <= 1:
        return [stream]
    node = stream.split()
    return [node[n] for n in range(count)]


def picture_length_ms(info: MediaInfo) -> int | None:
    """How long the film's picture lasts: its video stream's duration, else the container's.

    Matroska's ``DURATION`` tag is where the stream *ends* on the file's clock, not how long
    it lasts, so there the first frame's time is taken off (measured: a 4 s film whose
    video starts at 0.543 s reads 4.543 s). Every rendition's length is checked against this.
    """
    video = info.film_video
    if video is None:
        return info.duration_ms
    length = video.duration_ms or info.duration_ms
    if length is not None and "matroska" in info.format_name and video.duration_ms:
        length -= max(0, info.video_start_ms or 0)
    return length


# -- burned-in MP4 renditions ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Branch:
    """One burned MP4: crop, scale to ``width`` x ``height``, burn ``script``."""

    output: Path
    width: int
    height: int
    crop: Crop | None = None
    script: Path | None = None  # None: no subtitles (the benchmark's encoder floor)
    fontsdir: Path | None = None
    scale: bool = True

    @property
    def picture(self) -> Picture:
        return Picture(self.width, self.height, self.crop, self.scale)


@dataclass(frozen=True, slots=True)
class Encoding:
    """Encoder settings shared by every branch. ``threads`` ``None``: :func:`encoder_threads`."""

    crf: int = 20
    preset: str = "medium"
    audio: AudioMode = "copy"
    audio_bitrate: str = "160k"
    threads: int | None = None


def cpu_count() -> int:
    """Cores this process may run on (the affinity mask, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - non-Linux
        return max(1, os.cpu_count() or 1)


def encoder_threads(encoders: int, cores: int | None = None) -> int:
    """x264 frame threads per encoder when ``encoders`` share ``cores``.

    One encoder keeps x264's own choice (0: 1.5 x cores). Several get their share of the
    cores, but never fewer than 2: ffmpeg 5.1 runs every encoder call on its main thread,
    and an x264 with one thread encodes inside that call, so the encoders would take
    turns on one core; with two frame threads each call hands the frame over and returns.
    """
    cores = cores or cpu_count()
    if encoders <= 1:
        return 0
    return max(2, -(-cores // encoders))


def rendition_args(
    film: Path,
    branches: Sequence[Branch],
    encoding: Encoding,
    *,
    progress: bool = True,
    origin_ms: int | None = None,
) -> list[str]:
    """The ffmpeg arguments (without the binary) for all ``branches`` from one decode."""
    if not branches:
        raise ValueError("no outputs")
    threads = encoding.threads if encoding.threads is not None else encoder_threads(len(branches))
    outputs = []
    for branch in branches:
        opts: dict[str, Any] = {
            "vcodec": "libx264",
            "pix_fmt": "yuv420p",
            "crf": encoding.crf,
            "preset": encoding.preset,
            "threads": threads,
            "movflags": "+faststart",
            "f": "mp4",
        }
        audio = None
        if encoding.audio != "none":
            audio = "a:0"
            opts["acodec"] = "copy" if encoding.audio == "copy" else "aac"
            if encoding.audio == "aac":
                opts["audio_bitrate"] = encoding.audio_bitrate
        outputs.append(
            Output(
                target=file_arg(branch.output),
                picture=branch.picture,
                script=branch.script,
                fontsdir=branch.fontsdir if branch.script is not None else None,
                audio=audio,
                options=opts,
            )
        )
    return graph_args(film, outputs, origin_ms=origin_ms, progress=progress)
