"""Grabbing a few decoded frames of a film as numpy arrays, in one ffmpeg process.

Used to prove burned outputs (compare with the unsubtitled picture) and to build proof
sheets; usable by any stage that needs "the picture at time T". Each requested time is its
own input with an input-side ``-ss`` (a keyframe seek, then exact decoding to T), so a
handful of frames of a two-hour film cost a handful of short decodes, not a full pass.
``-ss`` counts from the container's start, so a film that starts at 10 s is read at the
same picture times as its re-based renditions. The frames are concatenated and read raw
from stdout (grey or RGB), through the one subprocess layer.

The graph is written by hand (no paths inside it; every piece escaped by ``media.escape``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from media.escape import file_arg, filter_spec
from media.runner import ffmpeg
from subtitles.errors import OutputVerificationError

PixelFormat = Literal["gray", "rgb24"]

#: A few frames decode in well under a second; a minute stops only a hang.
GRAB_TIMEOUT_S = 120.0


@dataclass(frozen=True, slots=True)
class FilterStep:
    """One filter of the chain applied to each grabbed frame (``crop``, ``scale``...)."""

    name: str
    options: tuple[tuple[str, str | int | float], ...] = ()

    def spec(self) -> str:
        return filter_spec(self.name, dict(self.options))


def grab_frames(
    path: Path,
    times_ms: Sequence[int],
    size: tuple[int, int],
    *,
    steps: Sequence[FilterStep] = (),
    pix_fmt: PixelFormat = "gray",
    run_length: int = 1,
    lead_ms: int = 0,
    origin_ms: int | None = None,
) -> npt.NDArray[np.uint8]:
    """Frames of ``path`` at ``times_ms`` (from the film's start) after ``steps``.

    ``size`` is the frame size after the steps. ``run_length`` consecutive frames are taken
    from ``time - lead_ms`` on (to find the one matching another file's frame). Returns an
    array ``(len(times_ms), run_length, height, width[, 3])``.

    ``origin_ms``: count ``times_ms`` from this time on the file's own clock instead of
    from its container start (``-seek_timestamp``). Pass the first video frame's time to
    read "the picture shown T after the first frame", the subtitle convention: the
    container start is the first *audio* sample when the audio starts first, and moves
    with the AAC priming between ffmpeg releases.
    """
    if not times_ms:
        width, height = size
        shape: tuple[int, ...] = (0, run_length, height, width) + ((3,) if pix_fmt == "rgb24" else ())
        return np.zeros(shape, dtype=np.uint8)
    args: list[str] = []
    for t in times_ms:
        if origin_ms is None:
            args += ["-ss", f"{max(0, t - lead_ms) / 1000:.3f}", "-i", file_arg(path)]
        else:
            at = origin_ms + max(0, t - lead_ms)
            args += ["-seek_timestamp", "1", "-ss", f"{at / 1000:.3f}", "-i", file_arg(path)]
    chain = [
        f"trim=end_frame={run_length}",
        "setpts=PTS-STARTPTS",
        *(s.spec() for s in steps),
        filter_spec("format", {"pix_fmts": pix_fmt}),
    ]
    parts = [f"[{n}:V:0]{','.join(chain)}[f{n}]" for n in range(len(times_ms))]
    labels = "".join(f"[f{n}]" for n in range(len(times_ms)))
    if len(times_ms) > 1:
        parts.append(f"{labels}concat=n={len(times_ms)}:v=1:a=0[out]")
    else:
        parts.append("[f0]null[out]")
    # Every frame out, even two with the same time (one-frame segments): no frame-rate logic.
    args += ["-filter_complex", ";".join(parts), "-map", "[out]", "-fps_mode", "passthrough"]
    args += ["-f", "rawvideo", "pipe:1"]
    done = ffmpeg(args, timeout=GRAB_TIMEOUT_S, what="reading frames", path=path)
    width, height = size
    channels = 3 if pix_fmt == "rgb24" else 1
    frame_bytes = width * height * channels
    want = frame_bytes * run_length * len(times_ms)
    if len(done.stdout) != want:
        raise OutputVerificationError(
            f"expected {len(times_ms) * run_length} frames of {width}x{height}, "
            f"got {len(done.stdout) / frame_bytes:.1f} (a time past the end?)",
            path=path,
        )
    data = np.frombuffer(done.stdout, dtype=np.uint8)
    shape = (len(times_ms), run_length, height, width) + ((3,) if channels == 3 else ())
    return data.reshape(shape)
