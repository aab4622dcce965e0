"""The ``burn`` stage: a film and its subtitle uploads in, verified burned-in MP4s out.

One output per language x height x aspect, all from one ffmpeg process (one decode). The
order of work puts every check that can fail *before* the first frame is encoded: inputs
read (any encoding, normalised to UTF-8), languages known, font resolved to a real file,
every cue's characters present in that font, sizes at or below the source, names free.
Then one run encodes everything, every output is verified (streams, duration, pictures at
cue midpoints and in gaps) and only then renamed into place; a proof sheet PNG follows.

``BurnOptions`` is a frozen dataclass with defaults: the CLI builds it from its flags, a job
spec can build the same object, and ``burn(options)`` returns a ``BurnResult``.
"""

from __future__ import annotations

import contextlib
import logging
import re
import shlex
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from media.burn import (
    BurnRun,
    CropOffset,
    Geometry,
    LibassReport,
    PlannedOutput,
    SamplePoint,
    burn_args,
    burn_renditions,
    even,
    plan_geometry,
)
from media.ffmpeg import find_ffmpeg
from media.probe import MediaInfo, check_input_file, probe
from media.progress import Progress
from media.proof import Tile, write_proof_sheet
from media.render import Encoding, picture_length_ms
from media.render_fonts import ResolvedFont, font_names, postscript_name, resolve_font, stage_fonts
from media.render_style import (
    Style,
    cue_region,
    drawable_cues,
    font_metrics,
    lines_needed,
    load_style,
    normalise_aspect_key,
    plain_script,
    play_res,
    upload_script,
)
from pipeline.ingest import FilmRate, ingest
from pipeline.mux import SubtitleSpec, refuse_cues_after_the_film, refuse_non_file
from subtitles.atomic import refuse_overwrite_of_inputs, temp_dir
from subtitles.errors import ContentError, InputError, LanguageError, ToolError, UsageError
from subtitles.formats.markup import cue_ass
from subtitles.language import Language, language_from_filename
from subtitles.model import Track
from subtitles.qc.glyphs import font_codepoints, missing_characters
from subtitles.timing import format_ms

log = logging.getLogger(__name__)

#: x264 presets, fastest first (``--preset``).
PRESETS = (
    "ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow", "placebo",
)  # fmt: skip

#: Cues and gaps looked at per output: enough to catch a missing font, a wrong time base or
#: a wrong band, few enough that checking costs seconds, not another encode.
SAMPLE_CUES = 4
SAMPLE_GAPS = 3

#: A cue that needs this many lines in an output is named in a warning.
LONG_CUE_LINES = 3


@dataclass(frozen=True, slots=True)
class BurnOptions:
    """Everything ``burn`` needs. ``heights`` empty: the source's height; ``aspects`` empty:
    the source's shape only (add ``"source"`` beside crops to keep it). ``style`` ``None``:
    the ``default`` preset for text uploads, their own styles for ASS/SSA uploads (a style
    given explicitly is forced on those too)."""

    film: Path
    subtitles: tuple[SubtitleSpec, ...]
    out_dir: Path
    heights: tuple[int, ...] = ()
    aspects: tuple[str, ...] = ()
    style: str | None = None
    font: Path | None = None
    crf: int = 20
    preset: str = "medium"
    crop_x: str | None = None
    fps: Fraction | None = None
    verify: bool = True
    proof: bool = True
    dry_run: bool = False


@dataclass(frozen=True, slots=True)
class BurnedOutput:
    """One written (or, in a dry run, planned) rendition."""

    path: Path
    language: Language
    source: Path
    width: int
    height: int
    aspect: str | None
    crop: tuple[int, int, int, int] | None
    style: str  # preset/file name, or "upload" for an ASS upload's own styles
    long_cues: tuple[int, ...] = ()
    frames_checked: int = 0
    frames: tuple[dict[str, Any], ...] = ()
    duration_ms: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "language": self.language.bcp47,
            "source": str(self.source),
            "width": self.width,
            "height": self.height,
            "aspect": self.aspect or "source",
            "crop": list(self.crop) if self.crop else None,
            "style": self.style,
            "cues_needing_3_lines": list(self.long_cues),
            "duration_ms": self.duration_ms,
            "frames_checked": self.frames_checked,
            "frames": list(self.frames),
        }


@dataclass(frozen=True, slots=True)
class BurnResult:
    film: Path
    outputs: tuple[BurnedOutput, ...]
    command: tuple[str, ...]
    fonts: tuple[ResolvedFont, ...]
    ffmpeg: str
    dry_run: bool
    verified: bool
    proof_sheet: Path | None = None
    proof_time_ms: int | None = None
    warnings: tuple[str, ...] = ()
    libass: LibassReport = field(default_factory=LibassReport)
    elapsed_s: float = 0.0
    encode_wall_s: float = 0.0
    encode_cpu_s: float = 0.0

    @property
    def command_line(self) -> str:
        return shlex.join(self.command)

    def to_json(self) -> dict[str, Any]:
        return {
            "film": str(self.film),
            "dry_run": self.dry_run,
            "verified": self.verified,
            "ffmpeg": self.ffmpeg,
            "command": list(self.command),
            "fonts": [f.to_json() for f in self.fonts],
            "outputs": [o.to_json() for o in self.outputs],
            "proof_sheet": str(self.proof_sheet) if self.proof_sheet else None,
            "proof_time_ms": self.proof_time_ms,
            "libass": self.libass.to_json(),
            "warnings": list(self.warnings),
            "elapsed_s": round(self.elapsed_s, 2),
            "encode_wall_s": round(self.encode_wall_s, 2),
            "encode_cpu_s": round(self.encode_cpu_s, 2),
        }


# -- inputs ----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Upload:
    spec: SubtitleSpec
    track: Track
    language: Language
    own_styles: bool  # an ASS/SSA upload drawn with its own styles
    fonts: dict[str, ResolvedFont] = field(default_factory=dict)  # ASS style/font name -> file


def _load_uploads(options: BurnOptions, film_rate: FilmRate) -> list[_Upload]:
    uploads = []
    for spec in options.subtitles:
        refuse_non_file(spec.path)
        language = spec.language or language_from_filename(spec.path)
        track = ingest(spec.path, language=language, fps=options.fps, film=film_rate)
        language = language or track.language
        if language is None:
            raise LanguageError(
                "cannot tell the language of this file: name it like film.ru.srt or write FILE:LANG",
                path=spec.path,
            )
        if not drawable_cues(track):
            raise ContentError("has no cue to burn in (all empty or before the film)", path=spec.path)
        is_ass = (track.source_format or "") in ("ass", "ssa")
        uploads.append(_Upload(spec, track, language, own_styles=is_ass and options.style is None))
    seen: dict[str, Path] = {}
    for upload in uploads:
        tag = upload.language.bcp47
        if tag in seen:
            raise UsageError(
                f"two subtitle files for {upload.language.english_name} "
                f"({seen[tag]} and {upload.spec.path}): "
                "their burned outputs would have the same name; burn them separately",
                path=upload.spec.path,
            )
        seen[tag] = upload.spec.path
    return uploads


_FN_TAG = re.compile(r"\\fn([^\\}]+)")


def _resolve_fonts(uploads: list[_Upload], style: Style, font_file: Path | None) -> ResolvedFont:
    """The style's font, and for uploads with their own styles every font they name."""
    main = resolve_font(style.font, font_file)
    for upload in uploads:
        if not upload.own_styles:
            continue
        names = {s.fontname for s in upload.track.styles.values()}
        for cue in upload.track.cues:
            names.update(m.strip() for m in _FN_TAG.findall(cue.text))
        for name in sorted(names):
            if font_file is not None:
                upload.fonts[name] = main  # --font replaces every font of the upload
            else:
                upload.fonts[name] = resolve_font(name)
        if font_file is not None:
            for s in upload.track.styles.values():
                s.fontname = main.family
    return main


def check_glyphs(uploads: Sequence[_Upload], font: ResolvedFont) -> None:
    """Every character of every cue must be in the font that will draw it, before encoding.
    ``ContentError`` lists the missing characters with the first cue (and line) of each."""
    for upload in uploads:
        by_font: dict[Path, list[tuple[int, str, int | None]]] = {}
        for number, cue in enumerate(drawable_cues(upload.track), 1):
            if upload.own_styles:
                style = upload.track.styles.get(cue.style)
                names = [m.strip() for m in _FN_TAG.findall(cue.text)] or [style.fontname if style else ""]
                paths = {upload.fonts[n].path for n in names if n in upload.fonts} or {font.path}
            else:
                paths = {font.path}
            for path in paths:
                by_font.setdefault(path, []).append((number, cue.plaintext, cue.source_line))
        for path, cues in by_font.items():
            covered = font_codepoints(path)
            text = "\n".join(t for _, t, _ in cues)
            absent = missing_characters(text, covered)
            if not absent:
                continue
            first = {ch: next((n, ln) for n, t, ln in cues if ch in t) for ch in absent}
            listed = ", ".join(f"{ch!r} U+{ord(ch):04X} (cue {first[ch][0]})" for ch in absent[:30])
            more = f" and {len(absent) - 30} more" if len(absent) > 30 else ""
            family, _ = font_names(path)
            raise ContentError(
                f"{len(absent)} character(s) are not in the font {family} ({path}): {listed}{more}; "
                "nothing was encoded (give --font FILE with a font that has them)",
                path=upload.spec.path,
                line=first[absent[0]][1],
            )


# -- planning --------------------------------------------------------------------------------


def _geometries(options: BurnOptions, info: MediaInfo, warnings: list[str]) -> list[Geometry]:
    video = info.video[0]
    if not video.width or not video.height:
        raise InputError("the film's picture size is unknown", path=options.film)
    source = (video.width, video.height)
    aspects: list[str | None] = []
    for text in options.aspects or ("source",):
        key = None if text.strip().lower() in ("source", "native", "original") else normalise_aspect_key(text)
        if key is not None and Fraction(*map(int, key.split(":"))) == Fraction(video.width, video.height):
            key = None  # a "crop" to the source's own shape is the source
        if key not in aspects:
            aspects.append(key)
    offset = CropOffset.parse(options.crop_x) if options.crop_x is not None else None
    heights = sorted({even(h) for h in options.heights} or {video.height}, reverse=True)
    for h in heights:
        if h <= 0:
            raise UsageError(f"--height {h}: must be positive")
    out: list[Geometry] = []
    for aspect in aspects:
        for h in heights:
            try:
                out.append(plan_geometry(source, h, aspect, offset))
            except UsageError as exc:
                if "above the source" not in exc.message:
                    raise
                warnings.append(f"skipped {h}p{'' if aspect is None else ' ' + aspect}: {exc.message}")
    if not out:
        raise UsageError(f"no output: every --height is above the source's {video.height}")
    return out


def _output_name(options: BurnOptions, language: Language, geometry: Geometry) -> Path:
    return options.out_dir / f"{options.film.stem}.{language.bcp47}.{geometry.label}.mp4"


def _font_px(upload: _Upload, style: Style, geometry: Geometry) -> float:
    if upload.own_styles:
        _, py = play_res(upload.track)
        sizes = [s.fontsize for s in upload.track.styles.values()] or [20.0]
        return min(sizes) * geometry.height / (py * geometry.window.height)
    return style.for_aspect(geometry.aspect).size * geometry.height


def sample_points(
    upload: _Upload, geometry: Geometry, font_px: float, duration_ms: int, frame_ms: int
) -> tuple[SamplePoint, ...]:
    """Cue midpoints (spread over the film) and gap midpoints to look at."""
    cues = drawable_cues(upload.track)
    default_alignment = 2
    points: list[SamplePoint] = []
    usable = []
    for number, cue in enumerate(cues, 1):
        if cue.end - cue.start < 3 * frame_ms or cue.start < 0:
            continue
        mid = (cue.start + cue.end) // 2
        if mid >= duration_ms - 2 * frame_ms:
            continue
        if upload.own_styles:
            style = upload.track.styles.get(cue.style)
            default_alignment = int(style.alignment) if style is not None else 2
        overlapping = [c for c in cues if c.start <= mid < c.end]
        regions = {cue_region(cue_ass(c), default_alignment) for c in overlapping}  # as drawn
        region = regions.pop() if len(regions) == 1 else "any"
        if upload.own_styles and "\\p" in cue.text:
            continue  # a drawing, not text
        usable.append(SamplePoint(mid, "cue", region, number, font_px))
    points += _spread(usable, SAMPLE_CUES)
    gaps = []
    shown_until = 0
    for cue in cues:
        start = min(cue.start, duration_ms - 2 * frame_ms)  # a gap up to a cue past the end stops there
        if start - shown_until >= 5 * frame_ms:
            gaps.append((shown_until, start))
        shown_until = max(shown_until, cue.end)
    if duration_ms - shown_until >= 6 * frame_ms:
        gaps.append((shown_until, duration_ms - 2 * frame_ms))
    gap_points = [SamplePoint((a + b) // 2, "gap") for a, b in gaps]
    points += _spread(gap_points, SAMPLE_GAPS)
    return tuple(sorted(points, key=lambda p: p.time_ms))


def _spread(items: list[SamplePoint], count: int) -> list[SamplePoint]:
    if len(items) <= count:
        return items
    step = (len(items) - 1) / (count - 1)
    return [items[round(k * step)] for k in range(count)]


def _long_cues(upload: _Upload, style: Style, geometry: Geometry, font: ResolvedFont) -> tuple[int, ...]:
    if upload.own_styles:
        return ()
    shaped = style.for_aspect(geometry.aspect)
    metrics = font_metrics(font.path)
    width = geometry.width * (1 - 2 * shaped.margin_side)
    px = shaped.size * geometry.height
    return tuple(
        n
        for n, cue in enumerate(drawable_cues(upload.track), 1)
        if lines_needed(cue.text, metrics, px, width) >= LONG_CUE_LINES
    )


def _script_text(
    upload: _Upload, style: Style, geometry: Geometry, font: ResolvedFont
) -> tuple[str, list[int]]:
    if upload.own_styles:
        return upload_script(upload.track, geometry.window)
    simplify = (upload.track.source_format or "") in ("ass", "ssa")
    shaped = style.for_aspect(geometry.aspect)
    return plain_script(
        upload.track, shaped, (geometry.width, geometry.height), font.family, simplify=simplify
    ), []


def _proof_time(uploads: Sequence[_Upload], duration_ms: int) -> int:
    """A time at which every language shows a cue (the longest such moment), else the
    middle of the first language's longest cue."""
    spans: list[tuple[int, int]] | None = None
    for upload in uploads:
        mine = [(max(0, c.start), min(c.end, duration_ms)) for c in drawable_cues(upload.track)]
        if spans is None:
            spans = mine
            continue
        spans = [(max(a, c), min(b, d)) for a, b in spans for c, d in mine if max(a, c) < min(b, d)]
    if spans:
        a, b = max(spans, key=lambda s: s[1] - s[0])
        return (a + b) // 2
    first = max(drawable_cues(uploads[0].track), key=lambda c: c.end - c.start)
    return min((first.start + first.end) // 2, max(0, duration_ms - 100))


# -- the stage -------------------------------------------------------------------------------


def _check_options(options: BurnOptions) -> None:
    if not options.subtitles:
        raise UsageError("give at least one subtitle file to burn in")
    check_input_file(options.film, "film")
    if options.preset not in PRESETS:
        raise UsageError(f"--preset {options.preset!r}: use one of {', '.join(PRESETS)}")
    if not 0 <= options.crf <= 51:
        raise UsageError(f"--crf {options.crf}: x264's CRF is 0 (lossless) .. 51")
    if options.out_dir.exists() and not options.out_dir.is_dir():
        raise UsageError("-o must be a folder", path=options.out_dir)


def burn(
    options: BurnOptions, on_progress: Callable[[Progress, int | None], None] | None = None
) -> BurnResult:
    """Burn every subtitle upload into the film at every height and aspect asked for.

    ``on_progress`` gets each ffmpeg progress block and the picture's length in ms (as
    ``mux`` and ``hls`` do; the CLI shows it with ``pipeline.cli.progress``).

    Raises ``UsageError``/``InputError`` (exit 2) and ``ContentError`` (exit 1, e.g. missing
    glyphs) before any encoding; ``ToolError`` (exit 4) when ffmpeg fails or an output fails
    verification, leaving nothing under a final name.
    """
    started = time.monotonic()
    _check_options(options)
    film = options.film
    info = probe(film)
    if not info.video:
        raise InputError("has no video stream to burn subtitles into", path=film)
    warnings = _Warnings()
    uploads = _load_uploads(options, FilmRate(film))
    style = load_style(options.style or "default")
    font = _resolve_fonts(uploads, style, options.font)
    if font.substituted:
        warnings.append(f"font {font.requested!r} is not installed; using {font.family} ({font.path})")
    check_glyphs(uploads, font)
    geometries = _geometries(options, info, warnings)
    duration_ms = picture_length_ms(info) or 0
    for upload in uploads:  # never drawn, and past what libass's scripts can hold
        refuse_cues_after_the_film(upload.track, duration_ms or None)
    frame_ms = round(1000 / info.frame_rate) if info.frame_rate else 40
    audio: Literal["copy", "aac", "none"] = "none"
    if info.audio:
        audio = "copy" if info.audio[0].codec == "aac" else "aac"
    encoding = Encoding(crf=options.crf, preset=options.preset, audio=audio)
    fonts = _all_fonts(font, uploads)

    planned_meta: list[tuple[_Upload, Geometry, Path, str, tuple[int, ...], tuple[SamplePoint, ...]]] = []
    for upload in uploads:
        for geometry in geometries:
            name = _output_name(options, upload.language, geometry)
            script_name = f"{upload.spec.path.stem}.{geometry.label}.ass"
            long_cues = _long_cues(upload, style, geometry, font)
            if long_cues and geometry.aspect is not None:
                warnings.append(
                    f"{upload.spec.path}: in the {geometry.aspect} frame "
                    f"({geometry.width}x{geometry.height}) "
                    f"{len(long_cues)} cue(s) now need {LONG_CUE_LINES} or more lines: "
                    + ", ".join(f"#{n}" for n in long_cues[:20])
                    + (" ..." if len(long_cues) > 20 else "")
                )
            elif long_cues:
                warnings.append(
                    f"{upload.spec.path}: at {geometry.width}x{geometry.height} {len(long_cues)} cue(s) need "
                    f"{LONG_CUE_LINES} or more lines: " + ", ".join(f"#{n}" for n in long_cues[:20])
                )
            points = sample_points(upload, geometry, _font_px(upload, style, geometry), duration_ms, frame_ms)
            planned_meta.append((upload, geometry, name, script_name, long_cues, points))
    inputs = [film, *(u.spec.path for u in uploads)]
    for _, _, name, _, _, _ in planned_meta:
        refuse_overwrite_of_inputs(name, inputs)
    style_label = style.name

    def outputs_from(checks: dict[Path, Any] | None) -> tuple[BurnedOutput, ...]:
        result = []
        for upload, geometry, name, _, long_cues, _ in planned_meta:
            check = checks.get(name) if checks else None
            crop = geometry.crop
            result.append(
                BurnedOutput(
                    path=name,
                    language=upload.language,
                    source=upload.spec.path,
                    width=geometry.width,
                    height=geometry.height,
                    aspect=geometry.aspect,
                    crop=(crop.width, crop.height, crop.x, crop.y) if crop else None,
                    style="upload" if upload.own_styles else style_label,
                    long_cues=long_cues,
                    frames_checked=len(check.frames) if check else 0,
                    frames=tuple(f.to_json() for f in check.frames) if check else (),
                    duration_ms=check.info.video[0].duration_ms if check and check.info.video else None,
                )
            )
        return tuple(result)

    binary = find_ffmpeg()
    ffmpeg_name = f"ffmpeg {binary.version} ({binary.origin})"
    if options.dry_run:
        work = options.out_dir / ".subpipe-burn-XXXXXXXX"
        planned = [
            PlannedOutput(name, geometry, work / script_name, points)
            for _, geometry, name, script_name, _, points in planned_meta
        ]
        args = burn_args(film, planned, encoding, work / "fonts", origin_ms=info.video_start_ms)
        return BurnResult(
            film, outputs_from(None), (str(binary.path), "-hide_banner", "-nostdin", *args), fonts,
            ffmpeg_name, dry_run=True, verified=False, warnings=tuple(warnings),
            elapsed_s=time.monotonic() - started,
        )  # fmt: skip

    created = not options.out_dir.exists()  # removed again if the run ends with nothing in it
    try:
        options.out_dir.mkdir(parents=True, exist_ok=True)
        work = temp_dir(options.out_dir / "burn")  # named for its run: removed by a later one if killed
    except OSError as exc:
        raise UsageError(
            f"cannot write into the output folder: {exc.strerror or exc}", path=options.out_dir
        ) from None
    try:
        fontsdir = stage_fonts(list(fonts), work / "fonts")
        planned = []
        for upload, geometry, name, script_name, _, points in planned_meta:
            text, outside = _script_text(upload, style, geometry, font)
            if outside:
                warnings.append(
                    f"{upload.spec.path}: in the {geometry.aspect} crop, positioned cue(s) fall outside the "
                    f"picture: " + ", ".join(f"#{n}" for n in outside[:20])
                )
            script = work / script_name
            script.write_text(text, encoding="utf-8")
            planned.append(PlannedOutput(name, geometry, script, points))

        def feed(block: Progress) -> None:
            if on_progress is not None:
                on_progress(block, duration_ms or None)

        def check_fonts(report: LibassReport) -> None:
            _check_fonts_used(report, uploads, font, warnings)

        run: BurnRun = burn_renditions(
            film, info, planned, encoding, fontsdir=fontsdir, on_progress=feed,
            verify=options.verify, check_stderr=check_fonts,
        )  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if created:
            with contextlib.suppress(OSError):
                options.out_dir.rmdir()  # only when empty: a failed or interrupted run
    for glyph in run.libass.missing_glyphs:
        warnings.append(f"libass fell back to another font for {glyph!r} U+{ord(glyph):04X}")
    checks = {c.output: c for c in run.checks}
    outputs = outputs_from(checks)
    proof_path: Path | None = None
    proof_time: int | None = None
    if options.proof:
        proof_time = _proof_time(uploads, duration_ms)
        proof_path = _write_proof(options, outputs, proof_time, font, style_label)
    return BurnResult(
        film, outputs, run.command, fonts, ffmpeg_name, dry_run=False, verified=options.verify,
        proof_sheet=proof_path, proof_time_ms=proof_time, warnings=tuple(warnings), libass=run.libass,
        elapsed_s=time.monotonic() - started, encode_wall_s=run.encode_wall_s, encode_cpu_s=run.encode_cpu_s,
    )  # fmt: skip


class _Warnings(list[str]):
    """Warnings for the report, each also logged when it is found (before a long encode)."""

    def append(self, message: str) -> None:
        log.warning("%s", message)
        super().append(message)


def _all_fonts(main: ResolvedFont, uploads: Sequence[_Upload]) -> tuple[ResolvedFont, ...]:
    seen: dict[Path, ResolvedFont] = {main.path: main}
    for upload in uploads:
        for resolved in upload.fonts.values():
            seen.setdefault(resolved.path, resolved)
    return tuple(seen.values())


def _check_fonts_used(
    report: LibassReport, uploads: Sequence[_Upload], font: ResolvedFont, warnings: list[str]
) -> None:
    """libass must have drawn generated styles with the resolved family (fontconfig's silent
    substitution is the trap); an upload's own fonts only warn."""
    plain_used = any(not u.own_styles for u in uploads)
    known = {
        postscript_name(f.path): f.family for f in (font, *(r for u in uploads for r in u.fonts.values()))
    }
    for requested, used in report.selected:
        # A font loaded from fontsdir is printed by its PostScript name, a system one by path.
        if Path(used).is_file():
            family, _ = font_names(Path(used))
        elif used in known:
            family = known[used]
        else:
            warnings.append(f"libass drew {requested!r} with {used!r}, which subpipe did not resolve")
            continue
        if family.casefold() == font.family.casefold():
            continue
        message = f"libass drew {requested!r} with {family} ({used})"
        if plain_used and requested.casefold() == font.family.casefold():
            raise ToolError(message + f", not the resolved font {font.path}", path=font.path)
        warnings.append(message)


def _write_proof(
    options: BurnOptions, outputs: Sequence[BurnedOutput], time_ms: int, font: ResolvedFont, style: str
) -> Path:
    """One tile per language and aspect: the largest output of each."""
    best: dict[tuple[str, str], BurnedOutput] = {}
    for out in outputs:
        key = (out.language.bcp47, out.aspect or "source")
        if key not in best or out.height > best[key].height:
            best[key] = out
    tiles = [
        Tile(
            path=o.path,
            size=(o.width, o.height),
            row=f"{o.language.bcp47} · {o.language.native_name}",
            column=(o.aspect or "source")
            + ("" if o.crop is None else f" crop {o.crop[0]}x{o.crop[1]}+{o.crop[2]}"),
            caption=f"{o.width}x{o.height} · {o.style} · {format_ms(time_ms)}",
        )
        for o in best.values()
    ]
    sheet = options.out_dir / f"{options.film.stem}.proof.png"
    refuse_overwrite_of_inputs(sheet, [options.film])
    title = f"{options.film.name} - burned subtitles at {time_ms / 1000:.3f} s (font {font.family})"
    return write_proof_sheet(sheet, tiles, time_ms, font=font.path, title=title)


__all__ = ["PRESETS", "BurnOptions", "BurnResult", "BurnedOutput", "burn"]
