"""Burned-in renditions: geometry, one ffmpeg run for all of them, and proof that each is right.

``plan_geometry`` turns (height, aspect, crop offset) into an output size and a crop of the
source; ``burn_renditions`` runs the one-decode graph of ``media.render`` with progress,
reads libass's stderr, and verifies every output *before* any of them is renamed into
place (all or nothing: a failed run or a failed check leaves no file under a final name,
and Ctrl-C kills ffmpeg and removes every temporary file).

What "verified" means, per output:

* probe: one H.264 video stream of the planned size, AAC audio when the film has audio,
  and a video duration within one frame of the film's;
* pictures: at sampled cue midpoints the subtitle band (bottom, top for ``{\\an8}``, the
  whole frame for positioned text) differs from the unsubtitled picture (the film, cropped
  and scaled the same way), and at sampled gaps between cues the whole frame does not.
  The burned frame is matched to the right source frame by the part of the picture where no
  text can be (the two files' frame times may differ by a fraction of a frame);
* libass's stderr: ``fontselect: failed`` (no text drawn at all, exit 0) and
  ``Invalid UTF-8`` fail the run; ``Glyph ... not found`` (a fallback font was used) is a
  warning naming the characters; the font libass actually selected is reported.
"""

from __future__ import annotations

import contextlib
import logging
import re
import resource
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from media.frames import FilterStep, grab_frames
from media.probe import MediaInfo, probe
from media.progress import Progress, ProgressParser
from media.render import Branch, Crop, Encoding, picture_length_ms, rendition_args
from media.render_style import Region, Window
from media.runner import ffmpeg_streaming
from subtitles.atomic import atomic_path
from subtitles.errors import OutputVerificationError, ToolError, UsageError

log = logging.getLogger(__name__)

#: A grey level difference above this is "a different pixel" (x264 at CRF <= 28 stays well
#: below it on natural and synthetic pictures; burned text with its outline is far above).
PIXEL_DIFF = 40
#: Changed pixels in the band that prove text is there, as a share of one text line's
#: area (font size squared x 4 characters) - a single short word passes, noise does not.
CUE_MIN_SHARE_OF_WORD = 0.25
#: Changed pixels tolerated in a gap, as a share of the frame (encoder noise on sharp edges).
GAP_MAX_SHARE = 0.002


# -- geometry --------------------------------------------------------------------------------


def even(value: float) -> int:
    """Nearest even integer >= 2 (H.264 in yuv420p needs even sizes)."""
    return max(2, 2 * round(value / 2))


@dataclass(frozen=True, slots=True)
class CropOffset:
    """Where a crop sits across the frame: source pixels from the left, or a share of the
    slack (0 left, 0.5 centre, 1 right)."""

    pixels: int | None = None
    share: float | None = None

    @classmethod
    def parse(cls, text: str) -> CropOffset:
        value = text.strip()
        try:
            if value.endswith("%"):
                share = float(value[:-1]) / 100
                if not 0 <= share <= 1:
                    raise ValueError
                return cls(share=share)
            pixels = int(value)
            if pixels < 0:
                raise ValueError
            return cls(pixels=pixels)
        except ValueError:
            raise UsageError(
                f"--crop-x {text!r}: give source pixels (e.g. 320) or a share (e.g. 30%)"
            ) from None

    def label(self) -> str:
        return f"{self.pixels}px" if self.pixels is not None else f"{(self.share or 0) * 100:g}%"


@dataclass(frozen=True, slots=True)
class Geometry:
    """One output's picture: ``width`` x ``height``, from ``crop`` of the source (or all)."""

    width: int
    height: int
    aspect: str | None  # "9:16"; None: the source's own shape
    crop: Crop | None
    window: Window
    source_size: tuple[int, int]

    @property
    def region(self) -> tuple[int, int]:
        """Size of the source part shown (the crop, or the whole frame)."""
        return (self.crop.width, self.crop.height) if self.crop is not None else self.source_size

    @property
    def label(self) -> str:
        """``720p`` or ``720p.9x16`` (part of the output name)."""
        return f"{self.height}p" if self.aspect is None else f"{self.height}p.{self.aspect.replace(':', 'x')}"

    def steps(self) -> list[FilterStep]:
        """The same picture without subtitles, for frame comparison (crop, scale, setsar)."""
        steps = []
        if self.crop is not None:
            c = self.crop
            steps.append(FilterStep("crop", (("w", c.width), ("h", c.height), ("x", c.x), ("y", c.y))))
        if (self.width, self.height) != self.region:
            steps.append(FilterStep("scale", (("w", self.width), ("h", self.height))))
        steps.append(FilterStep("setsar", (("r", 1),)))
        return steps


def plan_geometry(
    source_size: tuple[int, int], height: int, aspect: str | None, offset: CropOffset | None = None
) -> Geometry:
    """Output size and crop for ``height`` (at most the source's, or the crop's) and ``aspect``."""
    src_w, src_h = source_size
    crop: Crop | None = None
    region_w, region_h = src_w, src_h
    window = Window()
    if aspect is not None:
        num, den = (int(p) for p in aspect.split(":"))
        ratio = Fraction(num, den)
        if ratio < Fraction(src_w, src_h):
            region_w, region_h = min(src_w, even(float(src_h * ratio))), src_h
        else:
            region_w, region_h = src_w, min(src_h, even(float(src_w / ratio)))
        slack_x, slack_y = src_w - region_w, src_h - region_h
        x = slack_x // 2
        if offset is not None and slack_x > 0:
            if offset.pixels is not None:
                if offset.pixels > slack_x:
                    raise UsageError(
                        f"--crop-x {offset.pixels} puts the {aspect} crop ({region_w} px wide) past the "
                        f"right edge: at most {slack_x}"
                    )
                x = offset.pixels
            else:
                x = round(slack_x * (offset.share or 0.0))
        y = slack_y // 2
        # Even offsets: on yuv420p the crop filter rounds an odd x down to the chroma grid,
        # on grey or RGB it does not, so an odd x would crop differently in the frame check.
        x, y = x - x % 2, y - y % 2
        crop = Crop(region_w, region_h, x, y)
        window = Window(x / src_w, y / src_h, region_w / src_w, region_h / src_h)
    if height > region_h:
        raise UsageError(f"height {height} is above the source's {region_h}: only heights at or below it")
    out_h = even(height)
    out_w = even(region_w * out_h / region_h)
    return Geometry(out_w, out_h, aspect, crop, window, (src_w, src_h))


# -- checking pictures -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SamplePoint:
    """A time to look at: a cue midpoint (text expected in ``region``) or a gap (no text)."""

    time_ms: int
    kind: Literal["cue", "gap"]
    region: Region = "any"
    cue: int | None = None  # 1-based cue number, for messages
    text_px: float = 0.0  # font size in output pixels, for the cue threshold


@dataclass(frozen=True, slots=True)
class FrameCheck:
    time_ms: int
    kind: Literal["cue", "gap"]
    region: Region
    changed_px: int
    limit_px: int
    passed: bool
    cue: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "time_ms": self.time_ms,
            "kind": self.kind,
            "region": self.region,
            "changed_px": self.changed_px,
            "limit_px": self.limit_px,
            "passed": self.passed,
            "cue": self.cue,
        }


def _rows(region: Region, height: int) -> slice:
    return {
        "bottom": slice(int(height * 0.55), height),
        "top": slice(0, int(height * 0.45) + 1),
        "middle": slice(int(height * 0.25), int(height * 0.75) + 1),
        "any": slice(0, height),
    }[region]


def _elsewhere(region: Region, height: int) -> slice:
    """Rows where the cue cannot be: used to match the burned frame to the source frame."""
    return {
        "bottom": slice(0, int(height * 0.45)),
        "top": slice(int(height * 0.55), height),
        "middle": slice(0, height),
        "any": slice(0, height),
    }[region]


def compare_frames(
    burned: npt.NDArray[np.uint8], candidates: npt.NDArray[np.uint8], point: SamplePoint
) -> FrameCheck:
    """Judge one burned grey frame against the unsubtitled candidates around its time."""
    height, width = burned.shape
    match_rows = _elsewhere(point.region, height)
    b = burned.astype(np.int16)
    errors = [float(np.abs(b[match_rows] - c.astype(np.int16)[match_rows]).mean()) for c in candidates]
    ref = candidates[int(np.argmin(errors))].astype(np.int16)
    rows = _rows(point.region, height) if point.kind == "cue" else slice(0, height)
    changed = int((np.abs(b[rows] - ref[rows]) > PIXEL_DIFF).sum())
    if point.kind == "cue":
        limit = max(8, round(CUE_MIN_SHARE_OF_WORD * 4 * point.text_px**2)) if point.text_px else 8
        passed = changed >= limit
    else:
        limit = max(4, round(GAP_MAX_SHARE * width * height))
        passed = changed <= limit
    return FrameCheck(point.time_ms, point.kind, point.region, changed, limit, passed, point.cue)


def check_pictures(
    film: Path, output: Path, geometry: Geometry, points: Sequence[SamplePoint], frame_ms: int,
    *, film_origin_ms: int | None = None, output_origin_ms: int | None = None,
) -> list[FrameCheck]:  # fmt: skip
    """Compare ``output`` with the unsubtitled film at every sample point.

    Sample times count from each file's first video frame (``*_origin_ms``, its time on the
    file's own clock), the time base of the subtitles; ``None``: from the container start.
    """
    if not points:
        return []
    times = [p.time_ms for p in points]
    size = (geometry.width, geometry.height)
    refs = grab_frames(
        film, times, size, steps=geometry.steps(), run_length=3, lead_ms=frame_ms, origin_ms=film_origin_ms
    )
    burned = grab_frames(
        output, times, size, steps=[FilterStep("setsar", (("r", 1),))], origin_ms=output_origin_ms
    )
    return [compare_frames(burned[k, 0], refs[k], p) for k, p in enumerate(points)]


# -- libass's stderr ---------------------------------------------------------------------------

_FONTSELECT = re.compile(
    r"fontselect: \((?P<name>.*?), (?P<weight>\d+), (?P<italic>\d+)\) -> (?P<path>.*?), \d+, "
)
_GLYPH = re.compile(r"Glyph 0x(?P<cp>[0-9A-Fa-f]+) not found")


@dataclass(frozen=True, slots=True)
class LibassReport:
    """What libass said while rendering."""

    selected: tuple[tuple[str, str], ...] = ()  # (requested name, file used)
    missing_glyphs: tuple[str, ...] = ()
    fontselect_failed: bool = False
    invalid_utf8: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "fonts_selected": [{"requested": n, "file": p} for n, p in self.selected],
            "glyphs_not_found": list(self.missing_glyphs),
            "fontselect_failed": self.fontselect_failed,
            "invalid_utf8": self.invalid_utf8,
        }


def scan_libass(stderr: str) -> LibassReport:
    selected: dict[tuple[str, str], None] = {}
    for m in _FONTSELECT.finditer(stderr):
        selected[(m["name"], m["path"])] = None
    glyphs = sorted({chr(int(m["cp"], 16)) for m in _GLYPH.finditer(stderr)})
    return LibassReport(
        selected=tuple(selected),
        missing_glyphs=tuple(glyphs),
        fontselect_failed="fontselect: failed" in stderr,
        invalid_utf8="Invalid UTF-8" in stderr,
    )


# -- the run -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlannedOutput:
    """One rendition to write: its final name, picture, script and what to check."""

    output: Path
    geometry: Geometry
    script: Path | None
    points: tuple[SamplePoint, ...] = ()


@dataclass(frozen=True, slots=True)
class OutputCheck:
    output: Path
    info: MediaInfo
    frames: tuple[FrameCheck, ...]


@dataclass(frozen=True, slots=True)
class BurnRun:
    command: tuple[str, ...]
    checks: tuple[OutputCheck, ...]
    libass: LibassReport
    stderr_tail: str = field(default="", repr=False)
    encode_wall_s: float = 0.0
    encode_cpu_s: float = 0.0  # ffmpeg's user + system time (every core)


def burn_args(
    film: Path, planned: Sequence[PlannedOutput], encoding: Encoding, fontsdir: Path | None,
    paths: Sequence[Path] | None = None, *, origin_ms: int | None = None,
) -> list[str]:  # fmt: skip
    """ffmpeg arguments writing each planned output to ``paths`` (default: the final names).

    ``origin_ms``: the film's first video frame on its clock, subtitle time 0 (``media.render``).
    """
    targets = list(paths) if paths is not None else [p.output for p in planned]
    branches = [
        Branch(
            output=target,
            width=p.geometry.width,
            height=p.geometry.height,
            crop=p.geometry.crop,
            script=p.script,
            fontsdir=fontsdir if p.script is not None else None,
            scale=(p.geometry.width, p.geometry.height) != p.geometry.region,
        )
        for p, target in zip(planned, targets, strict=True)
    ]
    return rendition_args(film, branches, encoding, origin_ms=origin_ms)


def timeout_for(duration_ms: int | None, outputs: int) -> float:
    """Generous: ten times real time per output on a slow preset, plus start-up."""
    seconds = (duration_ms or 3_600_000) / 1000
    return 300.0 + seconds * 10 * max(1, outputs)


def burn_renditions(
    film: Path,
    info: MediaInfo,
    planned: Sequence[PlannedOutput],
    encoding: Encoding,
    *,
    fontsdir: Path | None,
    on_progress: Callable[[Progress], None] | None = None,
    verify: bool = True,
    check_stderr: Callable[[LibassReport], None] | None = None,
) -> BurnRun:
    """Encode every planned output in one ffmpeg process, verify, then rename all into place.

    Raises ``ToolError`` (ffmpeg failed: the tail of its stderr) or
    ``OutputVerificationError`` (an output is wrong); in both cases, and on Ctrl-C, no
    output and no temporary file is left. ``check_stderr`` may raise on what libass said.
    """
    if not planned:
        raise UsageError("nothing to burn")
    parser = ProgressParser()

    def on_line(line: bytes) -> None:
        block = parser.feed(line)
        if block is not None and on_progress is not None:
            on_progress(block)

    frame_ms = round(1000 / info.frame_rate) if info.frame_rate else 40
    with contextlib.ExitStack() as stack:
        temps = [stack.enter_context(atomic_path(p.output)) for p in planned]
        origin = info.video_start_ms
        args = burn_args(film, planned, encoding, fontsdir, temps, origin_ms=origin)
        wall0, cpu0 = time.monotonic(), _children_cpu()
        done = ffmpeg_streaming(
            args,
            timeout=timeout_for(info.duration_ms, len(planned)),
            what="burning subtitles",
            on_line=on_line,
            path=film,
        )
        encode_wall, encode_cpu = time.monotonic() - wall0, _children_cpu() - cpu0
        report = scan_libass(done.stderr)
        if report.fontselect_failed or report.invalid_utf8:
            what = (
                "libass found no usable font (no text would be drawn)"
                if report.fontselect_failed
                else ("libass read invalid UTF-8 in a subtitle script")
            )
            raise ToolError(what, path=film, command=list(done.args), stderr_tail=_libass_lines(done.stderr))
        if check_stderr is not None:
            check_stderr(report)
        checks = []
        for plan, tmp in zip(planned, temps, strict=True):
            out_info = verify_stream_layout(tmp, plan, info, picture_length_ms(info), frame_ms)
            frames: list[FrameCheck] = []
            if verify and plan.script is not None:
                frames = check_pictures(
                    film, tmp, plan.geometry, plan.points, frame_ms,
                    film_origin_ms=origin, output_origin_ms=out_info.video_start_ms,
                )  # fmt: skip
                failed = [f for f in frames if not f.passed]
                if failed:
                    raise OutputVerificationError(_frame_failures(failed), path=plan.output)
            checks.append(OutputCheck(plan.output, out_info, tuple(frames)))
    return BurnRun(
        tuple(done.args), tuple(checks), report, encode_wall_s=encode_wall, encode_cpu_s=encode_cpu
    )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _libass_lines(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if "fontselect" in ln or "UTF-8" in ln or "Glyph" in ln]
    return "\n".join(lines[-5:])


def _frame_failures(failed: Sequence[FrameCheck]) -> str:
    parts = []
    for f in failed[:5]:
        at = f"{f.time_ms / 1000:.3f} s"
        if f.kind == "cue":
            parts.append(
                f"no text at {at} (cue {f.cue}, {f.region}: {f.changed_px} px changed, need {f.limit_px})"
            )
        else:
            parts.append(f"picture changed in a gap at {at} ({f.changed_px} px, at most {f.limit_px})")
    more = f" and {len(failed) - 5} more" if len(failed) > 5 else ""
    return "burned output failed the picture check: " + "; ".join(parts) + more


def verify_stream_layout(
    path: Path, plan: PlannedOutput, film: MediaInfo, video_ms: int | None, frame_ms: int
) -> MediaInfo:
    """Probe an output: H.264 of the planned size, AAC if the film has audio, full length."""
    out = probe(path)
    problems = []
    videos = out.video
    if len(videos) != 1 or videos[0].codec != "h264":
        problems.append(f"video streams {[v.codec for v in videos]}, expected one h264")
    elif (videos[0].width, videos[0].height) != (plan.geometry.width, plan.geometry.height):
        problems.append(
            f"picture {videos[0].width}x{videos[0].height}, "
            f"expected {plan.geometry.width}x{plan.geometry.height}"
        )
    want_audio = ["aac"] if film.audio else []
    if [a.codec for a in out.audio] != want_audio:
        problems.append(f"audio streams {[a.codec for a in out.audio]}, expected {want_audio}")
    got_ms = videos[0].duration_ms if videos else None
    if video_ms is not None and got_ms is not None and abs(got_ms - video_ms) > frame_ms + 1:
        problems.append(f"video lasts {got_ms} ms, the film's {video_ms} ms (more than one frame apart)")
    if problems:
        raise OutputVerificationError("output failed verification: " + "; ".join(problems), path=plan.output)
    return out
