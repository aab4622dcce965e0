"""The render stages as job stages: one small adapter each around ``pipeline/sidecars.py``,
``pipeline/burn.py`` and ``pipeline/hls.py``.

Each adapter builds that module's own frozen options object from the job (the languages
that passed validation, their final files, a folder inside the job's output) and wraps its
report into the stage envelope. They run on the languages still in after ``validate``, so a
language stopped by an error finding or a refused alignment is not rendered.

Encoding is expensive, so ``burn`` and ``hls`` are opt-in per job (``[burn] enabled = true``
in the spec, or ``--burn``/``--hls``); ``sidecars`` too, to keep a plain job to the soft
subtitles. ``burn`` and ``hls`` carry the Dask ``encode`` resource (a worker runs one encode
at a time).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.stages import StageDef, StageInput, StageResult, StageStatus, _in_job, enveloped, register
from pipeline.stages_options import opt, options_from, register_section, settings_like


@dataclass(frozen=True, slots=True)
class SidecarsSettings:
    """``[sidecars]``: SRT and WebVTT files per language for video platforms."""

    enabled: bool = field(default=False, metadata=opt("Write sidecar SRT/WebVTT files.", flag="--sidecars"))
    naming: str = field(
        default="bcp47", metadata=opt("bcp47 (film.ru.srt) or facebook (film.ru_RU.srt).", flag="--naming")
    )


def _burn_settings() -> type[Any]:
    from pipeline.burn import BurnOptions

    return settings_like(
        "BurnSettings",
        __name__,
        """``[burn]``: a burned-in H.264 MP4 per language, height and aspect (an encode); the
        fields are ``pipeline.burn.BurnOptions``' own, as ``subpipe burn`` takes them.""",
        BurnOptions,
        {
            "heights": opt(
                "Output heights of the burned films (default: the source's); at or below the source.",
                flag="--burn-height",
                metavar="H",
            ),
            "aspects": opt(
                "Aspects: source, 1:1, 9:16, 4:5 or W:H (a centre crop); default: the source's only.",
                flag="--burn-aspect",
                metavar="A",
            ),
            "crop_x": opt(
                "Crop position for the aspects: pixels from the left, or a share (0.3).", flag="--crop-x"
            ),
            "style": opt(
                "A style preset for the burned text (default: 'default'; an ASS upload keeps its own).",
                flag="--style",
            ),
            "font": opt(
                "Font file to burn with (default: fontconfig's match for the style).", flag="--burn-font"
            ),
            "crf": opt("x264 CRF of the burned films.", flag="--burn-crf"),
            "preset": opt("x264 preset of the burned films.", flag="--burn-preset"),
        },
        enabled=opt("Burn each language into a copy of the film.", flag="--burn"),
    )


def _hls_settings() -> type[Any]:
    from pipeline.hls import HlsOptions

    return settings_like(
        "HlsSettings",
        __name__,
        """``[hls]``: an HLS ladder with a WebVTT track per language (an encode); the fields
        are ``pipeline.hls.HlsOptions``' own, as ``subpipe hls`` takes them.""",
        HlsOptions,
        {
            "heights": opt(
                "Ladder heights (default: 1080/720/480/360 cut at the source's).",
                flag="--hls-height",
                metavar="H",
            ),
            "segment_s": opt("HLS segment length, seconds.", flag="--segment"),
            "crf": opt("x264 CRF of the HLS renditions.", flag="--hls-crf"),
            "preset": opt("x264 preset of the HLS renditions.", flag="--hls-preset"),
        },
        enabled=opt("Package an HLS stream.", flag="--hls"),
    )


BurnSettings = _burn_settings()
HlsSettings = _hls_settings()


def _specs(si: StageInput) -> tuple[Any, ...]:
    from pipeline.mux import SubtitleSpec

    return tuple(SubtitleSpec(si.current[t], si.languages[t]) for t in si.current)


def _files(out_dir: Path, folder: Path) -> tuple[str, ...]:
    return tuple(sorted(str(p.relative_to(out_dir)) for p in folder.rglob("*") if p.is_file()))


# -- sidecars -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderStageOptions:
    """What a render stage runs on: its name, the job's output folder (artifact paths are
    listed relative to it) and the command's own options (``SidecarOptions``,
    ``BurnOptions``, ``HlsOptions``: the same objects the CLI builds)."""

    stage: str
    job_out: Path
    options: Any


@enveloped(lambda o: o.stage)
def run_sidecars(o: RenderStageOptions) -> StageResult:
    from pipeline.sidecars import sidecars

    report = sidecars(o.options)
    outputs = tuple(str(f.path.relative_to(o.job_out)) for f in report.files)
    return StageResult(
        o.stage, StageStatus.OK, f"{len(outputs)} sidecar files", outputs=outputs, details=report.to_json()
    )


def _build_sidecars(si: StageInput) -> RenderStageOptions:
    from pipeline.sidecars import SidecarOptions

    s: SidecarsSettings = si.setting("sidecars")
    options = SidecarOptions(
        subtitles=_specs(si),
        out_dir=si.out_dir / "sidecars",
        naming=s.naming,  # type: ignore[arg-type]
        stem=si.film.stem,
        film=si.film,
    )
    return RenderStageOptions("sidecars", si.out_dir, options)


# -- burn ---------------------------------------------------------------------------------------


@enveloped(lambda o: o.stage)
def run_burn(o: RenderStageOptions) -> StageResult:
    from pipeline.burn import burn

    result = burn(o.options)
    folder = o.options.out_dir
    return StageResult(
        o.stage,
        StageStatus.OK,
        f"{len(result.outputs)} burned films, verified",
        outputs=_files(o.job_out, folder),
        details={
            "outputs": [str(p.path) for p in result.outputs],
            # for the job's report: the exact ffmpeg command and the proof sheet
            "command": list(result.command),
            "proof_sheet": str(result.proof_sheet) if result.proof_sheet else None,
            "proof_time_ms": result.proof_time_ms,
        },
    )


def _build_burn(si: StageInput) -> RenderStageOptions:
    from pipeline.burn import BurnOptions

    s = si.setting("burn")
    options = BurnOptions(
        film=si.film,
        subtitles=_specs(si),
        out_dir=si.out_dir / "burn",
        font=_in_job(si, s.font),
        **options_from(s, BurnOptions),
    )
    return RenderStageOptions("burn", si.out_dir, options)


# -- hls ----------------------------------------------------------------------------------------


@enveloped(lambda o: o.stage)
def run_hls(o: RenderStageOptions) -> StageResult:
    from pipeline.hls import hls

    report = hls(o.options)
    return StageResult(
        o.stage,
        StageStatus.OK,
        f"{report.master.name}: {len(report.renditions)} renditions, {len(report.subtitles)} subtitle tracks",
        outputs=_files(o.job_out, o.options.out_dir),
        details=report.to_json(),
    )


def _build_hls(si: StageInput) -> RenderStageOptions:
    from pipeline.hls import HlsOptions

    s = si.setting("hls")
    options = HlsOptions(
        film=si.film, subtitles=_specs(si), out_dir=si.out_dir / "hls", **options_from(s, HlsOptions)
    )
    return RenderStageOptions("hls", si.out_dir, options)


def register_all() -> list[str]:
    """Register the three render stages (after ``mux``, on the languages validate let through)."""
    register_section("sidecars", SidecarsSettings)
    register_section("burn", BurnSettings)
    register_section("hls", HlsSettings)
    register(StageDef("sidecars", False, ("validate",), _build_sidecars, run_sidecars, section="sidecars"))
    register(StageDef("burn", False, ("validate",), _build_burn, run_burn, section="burn", encode=True))
    register(StageDef("hls", False, ("validate",), _build_hls, run_hls, section="hls", encode=True))
    return ["sidecars", "burn", "hls"]
