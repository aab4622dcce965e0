"""The film's shot changes (cuts), frame-exact, found once per film.

Subtitle QC asks where the picture cuts: a subtitle that starts three frames before a cut
or flashes across one is the first thing a broadcaster's QC rejects. Cuts are found by
PySceneDetect's content detector (``scenedetect``, the library this field uses, with
OpenCV's headless build for its colour conversion), fed by our own PyAV decode so the
decode settings are ours: threaded decoding and frames scaled down by libswscale to
``ANALYSIS_WIDTH`` pixels as they are converted, which is what keeps a 1080p feature under
real time on two cores. (Skipping H.264's deblocking filter saves a quarter of the decode
but made noisy night shots look like cuts on the benchmark: it stays on.) ffmpeg's
``scdet`` filter is the other candidate; it is kept behind ``detector="scdet"`` for the
benchmark (``bench/shots.py``), which measured it missing cuts in dark scenes and firing on flashes.

A cut is the number of the first frame of the new shot, counted from the film's first
frame (subtitle time 0), and its time is that frame's start on the film's exact
``Fraction`` rate (``subtitles.timing.frames_to_ms``). A variable-frame-rate film has no
such grid and is refused (``FrameRateRequired``, exit 2) with the reason.
"""

from __future__ import annotations

import collections
import logging
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from media.escape import file_arg
from subtitles.errors import FrameRateRequired, InputError, ToolError
from subtitles.timing import format_fps, format_ms, frames_to_ms

if TYPE_CHECKING:
    from media.probe import MediaInfo

log = logging.getLogger(__name__)

Detector = Literal["content", "adaptive", "scdet"]
DETECTORS: tuple[Detector, ...] = ("content", "adaptive", "scdet")
#: Chosen on ``bench/shots.py``'s films (hard cuts, dissolves, flashes, dark scenes).
DEFAULT_DETECTOR: Detector = "content"
#: Width frames are analysed at (height keeps the aspect): the detectors compare colour
#: and brightness over the whole picture, which a 256-pixel frame shows as well as 1080p.
ANALYSIS_WIDTH = 256
#: PySceneDetect's content threshold (its default, tuned on real films by its authors).
CONTENT_THRESHOLD = 27.0
#: Shortest shot reported, in frames: a cut closer than this to the previous one is merged
#: with it (two white frames of a flash are not two shot changes). A quarter of a second at
#: 24 fps; shorter shots are rare outside montages and no subtitle can be timed to them.
MIN_SHOT_FRAMES = 6
#: Longest flash, in frames: the picture from before it must be back within this many.
FLASH_FRAMES = 4
#: ffmpeg ``scdet`` threshold (its default).
SCDET_THRESHOLD = 10.0
#: Bumped when detection changes, so cached cuts from an older detector are not reused.
VERSION = 2


@dataclass(frozen=True)
class FilmCuts:
    """Where the film cuts: ``frames`` (first frame of each new shot, ascending, never 0)."""

    fps: Fraction
    frames: tuple[int, ...]
    frame_count: int
    detector: str
    seconds: float = field(default=0.0, compare=False)

    @property
    def times_ms(self) -> tuple[int, ...]:
        """Each cut's time: the start of its first frame, in whole ms on the exact rate."""
        return tuple(frames_to_ms(f, self.fps) for f in self.frames)

    @property
    def duration_ms(self) -> int:
        return frames_to_ms(self.frame_count, self.fps)

    def to_json(self) -> dict[str, Any]:
        return {
            "frame_rate": f"{self.fps.numerator}/{self.fps.denominator}",
            "frames": self.frame_count,
            "detector": self.detector,
            "cuts": [
                {"frame": f, "time_ms": t, "timecode": format_ms(t)}
                for f, t in zip(self.frames, self.times_ms, strict=True)
            ],
        }


def film_rate(info: MediaInfo) -> Fraction:
    """The film's exact frame rate, or ``FrameRateRequired`` naming why there is none."""
    if info.film_video is None:
        raise InputError("no video stream: shot changes need the film's picture", path=info.path)
    if info.frame_rate is None:
        raise FrameRateRequired("the film's video has no frame rate to number its cuts by", path=info.path)
    if info.variable_frame_rate:
        raise FrameRateRequired(
            f"variable frame rate (average {format_fps(info.frame_rate)} fps): its cuts cannot be put on "
            "one frame grid, so shot-change checks are not possible; re-encode it at a constant rate "
            "(ffmpeg -vf fps=RATE) or validate without --film",
            path=info.path,
        )
    return info.frame_rate


def analysis_size(width: int | None, height: int | None, target: int = ANALYSIS_WIDTH) -> tuple[int, int]:
    """The scaled-down size frames are analysed at (even, aspect kept, never upscaled)."""
    if not width or not height:
        return target, target * 9 // 16 // 2 * 2
    w = min(target, width)
    h = max(2, round(height * w / width / 2) * 2)
    return w, h


def detect_cuts(
    film: Path,
    info: MediaInfo | None = None,
    *,
    detector: Detector = DEFAULT_DETECTOR,
    width: int = ANALYSIS_WIDTH,
    threads: int = 0,
    timeout_s: float | None = None,
) -> FilmCuts:
    """Find the cuts of ``film`` (probed first when ``info`` is not given).

    ``threads`` is the decoder's thread count (0: one per core). ``timeout_s`` bounds the
    run (default: 10 minutes plus the film's length), after which ``ToolError``.
    """
    from media.probe import probe

    film = Path(film)
    info = info or probe(film)
    fps = film_rate(info)
    video = info.film_video
    assert video is not None
    size = analysis_size(video.width, video.height, width)
    duration_s = (info.duration_ms or 0) / 1000
    limit = timeout_s if timeout_s is not None else 600.0 + duration_s
    started = time.monotonic()
    if detector == "scdet":
        frames, count = _scdet(film, info, fps, size, threads, limit)
    else:
        frames, count = _pyscenedetect(film, video.index, fps, size, detector, threads, started + limit)
    took = time.monotonic() - started
    log.info("%s: %d cuts in %d frames (%s, %.1f s)", film, len(frames), count, detector, took)
    return FilmCuts(fps, tuple(frames), count, detector, took)


def _numbered(container: Any, stream: Any, fps: Fraction) -> Iterator[tuple[int, Any]]:
    """Decoded frames with their number on the film's grid, from their presentation time
    (a frame the decoder drops or a gap in the stream does not shift later numbers)."""
    tb = stream.time_base
    first: Fraction | None = None
    n = -1
    for frame in container.decode(stream):
        if frame.pts is not None and tb:
            at = Fraction(frame.pts) * tb
            if first is None:
                first = at
            number = round((at - first) * fps)
            n = number if number > n else n + 1
        else:
            n += 1
        yield n, frame


def _distance(a: Any, b: Any) -> float:
    """PySceneDetect's content score between two frames: the mean absolute difference of
    hue, saturation and value, averaged (0 same picture; its cut threshold is 27)."""
    import cv2
    import numpy as np

    ha = cv2.cvtColor(a, cv2.COLOR_BGR2HSV).astype(np.int16)
    hb = cv2.cvtColor(b, cv2.COLOR_BGR2HSV).astype(np.int16)
    return float(np.abs(ha - hb).mean())


class _FlashAwareCuts:
    """Candidate cuts (frames whose content score crosses the threshold) minus flashes.

    A flash (lightning, a camera flash, a two-frame insert) crosses the threshold going in
    and again coming out, but the picture after it is the picture before it: a candidate
    after which one of the ``FLASH_FRAMES`` frames before it comes back within
    ``FLASH_FRAMES`` frames is dropped, with the candidates inside (comparing with several
    frames before it catches a flash whose first frame fades in under the threshold). What
    is left is merged to one cut per ``MIN_SHOT_FRAMES``.
    """

    def __init__(self) -> None:
        self.candidates: list[int] = []
        self.flashes: set[int] = set()
        self._open: list[tuple[int, list[Any]]] = []  # (candidate, the frames before it)
        self._recent: collections.deque[Any] = collections.deque(maxlen=FLASH_FRAMES)

    def feed(self, n: int, image: Any, is_cut: bool) -> None:
        still_open = []
        for c, before in self._open:
            if n > c + FLASH_FRAMES:
                continue
            if not is_cut and any(_distance(b, image) < CONTENT_THRESHOLD for b in before):
                self.flashes.update(x for x in self.candidates if c <= x <= n)
                continue
            still_open.append((c, before))
        self._open = still_open
        if is_cut and self._recent:
            self.candidates.append(n)
            self._open.append((n, list(self._recent)))
        self._recent.append(image)

    def cuts(self) -> list[int]:
        out: list[int] = []
        for c in self.candidates:
            if c in self.flashes:
                continue
            if out and c - out[-1] < MIN_SHOT_FRAMES:
                continue
            out.append(c)
        return out


def _pyscenedetect(
    film: Path,
    index: int,
    fps: Fraction,
    size: tuple[int, int],
    detector: Detector,
    threads: int,
    deadline: float,
) -> tuple[list[int], int]:
    import av
    from scenedetect.common import FrameTimecode
    from scenedetect.detectors import AdaptiveDetector, ContentDetector

    det: ContentDetector
    if detector == "adaptive":
        det = AdaptiveDetector(min_scene_len=MIN_SHOT_FRAMES)
    else:  # every frame over the threshold; flashes and short shots are filtered here
        det = ContentDetector(threshold=CONTENT_THRESHOLD, min_scene_len=0)
    flash = _FlashAwareCuts()
    width, height = size
    cuts: list[int] = []
    last = -1
    try:
        with av.open(file_arg(film), metadata_errors="replace") as container:
            stream = container.streams[index]
            codec = stream.codec_context
            codec.thread_type = "AUTO"  # frame threads: the decode is most of the work
            codec.thread_count = threads or min(os.cpu_count() or 1, 8)
            for n, frame in _numbered(container, stream, fps):
                image = frame.to_ndarray(width=width, height=height, format="bgr24")
                found = [c.frame_num for c in det.process_frame(FrameTimecode(n, fps), image)]
                if detector == "adaptive":
                    cuts.extend(found)
                else:
                    flash.feed(n, image, bool(found))
                last = n
                if n % 256 == 0 and time.monotonic() > deadline:
                    raise ToolError(f"shot detection took longer than the limit (frame {n})", path=film)
            if last >= 0 and detector == "adaptive":
                cuts.extend(c.frame_num for c in det.post_process(FrameTimecode(last, fps)))
    except av.error.FFmpegError as exc:
        raise ToolError(f"decoding the picture failed: {exc}", path=film) from None
    if detector != "adaptive":
        cuts = flash.cuts()
    return sorted({c for c in cuts if 0 < c <= last}), last + 1


_SCDET_LINE = re.compile(rb"lavfi\.scd\.time:\s*(-?[0-9.]+)")
_FRAME_COUNT = re.compile(rb"frame=\s*(\d+)")


def _scdet(
    film: Path, info: MediaInfo, fps: Fraction, size: tuple[int, int], threads: int, timeout: float
) -> tuple[list[int], int]:
    """ffmpeg's ``scdet``: scaled down, times on the container clock (``-copyts``) made
    relative to the first frame, rounded onto the frame grid."""
    from media.runner import ffmpeg

    video = info.film_video
    assert video is not None
    start_ms = info.video_start_ms or 0
    width, height = size
    args: list[str | Path] = ["-threads", str(threads or os.cpu_count() or 1), "-copyts", "-i", film]
    args += ["-map", f"0:{video.index}", "-an", "-sn", "-dn"]
    args += ["-vf", f"scale={width}:{height}:flags=fast_bilinear,scdet=threshold={SCDET_THRESHOLD:g}"]
    args += ["-f", "null", "-"]
    done = ffmpeg(args, timeout=timeout, what="detecting shot changes", path=film)
    stderr = done.stderr.encode("utf-8", "replace")
    cuts: list[int] = []
    for m in _SCDET_LINE.finditer(stderr):
        ms = Fraction(m.group(1).decode()) * 1000 - start_ms
        cuts.append(round(ms * fps / 1000))
    counts = _FRAME_COUNT.findall(stderr)
    count = int(counts[-1]) if counts else (max(cuts) + 1 if cuts else 0)
    return sorted({c for c in cuts if c > 0}), count
