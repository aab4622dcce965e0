"""One ffmpeg process for many renditions of a film, built with ffmpeg-python.

The film is decoded once; ``split`` gives one branch per output; each branch is cropped
(for a social aspect), scaled to its height, *then* burned with the ``ass`` filter, so
libass draws at the output's own resolution; each branch has its own H.264 encoder and
the audio is copied (AAC sources) or encoded once per output. ffmpeg-python (0.2.0, the
client's choice, unmaintained since 2019) is used only here and only in its keyword form
(``.filter("ass", filename=...)``), which escapes option values correctly; its positional
form does not (render-notes). Nothing here pre-escapes a value.

Traps pinned here:

* The ``ass`` filter opens its script with libass's own ``fopen``, not libavformat, so the
  script path must be a plain absolute path: a ``file:`` prefix would be part of the name.
  Inputs and outputs do go through libavformat and get ``file:`` (``media.escape.file_arg``).
* No ``-copyts``: ffmpeg re-bases a film whose container starts at a non-zero time to 0,
  which is the time base of the subtitle file; with ``-copyts`` the cues would be drawn
  at the wrong time or never (render-notes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from media.escape import file_arg

AudioMode = Literal["copy", "aac", "none"]


@dataclass(frozen=True, slots=True)
class Crop:
    """A window of the source frame, in source pixels."""

    width: int
    height: int
    x: int
    y: int


@dataclass(frozen=True, slots=True)
class Branch:
    """One output of the graph: crop, scale to ``width`` x ``height``, burn ``script``."""

    output: Path
    width: int
    height: int
    crop: Crop | None = None
    script: Path | None = None  # None: no subtitles (the benchmark's encoder floor)
    fontsdir: Path | None = None
    scale: bool = True


@dataclass(frozen=True, slots=True)
class Encoding:
    """Encoder settings shared by every branch."""

    crf: int = 20
    preset: str = "medium"
    audio: AudioMode = "copy"
    audio_bitrate: str = "160k"
    threads: int | None = None


def rendition_args(
    film: Path, branches: Sequence[Branch], encoding: Encoding, *, progress: bool = True
) -> list[str]:
    """The ffmpeg arguments (without the binary) for all ``branches`` from one decode."""
    import ffmpeg

    if not branches:
        raise ValueError("no outputs")
    source = ffmpeg.input(file_arg(film))
    video = source["V:0"]
    streams = [video] if len(branches) == 1 else list(_split(video, len(branches)))
    outputs = []
    for branch, stream in zip(branches, streams, strict=True):
        if branch.crop is not None:
            c = branch.crop
            stream = stream.filter("crop", w=c.width, h=c.height, x=c.x, y=c.y)
        if branch.scale:
            stream = stream.filter("scale", w=branch.width, h=branch.height)
        stream = stream.filter("setsar", r=1)
        if branch.script is not None:
            options: dict[str, Any] = {"filename": str(branch.script.absolute())}
            if branch.fontsdir is not None:
                options["fontsdir"] = str(branch.fontsdir.absolute())
            stream = stream.filter("ass", **options)
        out_opts: dict[str, Any] = {
            "vcodec": "libx264",
            "pix_fmt": "yuv420p",
            "crf": encoding.crf,
            "preset": encoding.preset,
            "movflags": "+faststart",
            "f": "mp4",
        }
        if encoding.threads is not None:
            out_opts["threads"] = encoding.threads
        inputs = [stream]
        if encoding.audio != "none":
            inputs.append(source["a:0"])
            out_opts["acodec"] = "copy" if encoding.audio == "copy" else "aac"
            if encoding.audio == "aac":
                out_opts["audio_bitrate"] = encoding.audio_bitrate
        outputs.append(ffmpeg.output(*inputs, file_arg(branch.output), **out_opts))
    graph = ffmpeg.merge_outputs(*outputs).overwrite_output()
    if progress:
        graph = graph.global_args("-progress", "pipe:1", "-nostats")
    args: list[str] = graph.compile(cmd="ffmpeg")
    return args[1:]


def _split(stream: Any, count: int) -> list[Any]:
    node = stream.split()
    return [node[n] for n in range(count)]
