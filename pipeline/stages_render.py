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

from pipeline.stages import StageDef, StageInput, StageResult, StageStatus, enveloped, register
from pipeline.stages_options import opt, register_section


@dataclass(frozen=True, slots=True)
class SidecarsSettings:
    """``[sidecars]``: SRT and WebVTT files per language for video platforms."""

    enabled: bool = field(default=False, metadata=opt("Write sidecar SRT/WebVTT files.", flag="--sidecars"))
    naming: str = field(
        default="bcp47", metadata=opt("bcp47 (film.ru.srt) or facebook (film.ru_RU.srt).", flag="--naming")
    )


@dataclass(frozen=True, slots=True)
class BurnSettings:
    """``[burn]``: a burned-in H.264 MP4 per language (an encode)."""

    enabled: bool = field(
        default=False, metadata=opt("Burn each language into a copy of the film.", flag="--burn")
    )
    crf: int = field(default=20, metadata=opt("x264 CRF of the burned films.", flag="--burn-crf"))
    preset: str = field(
        default="medium", metadata=opt("x264 preset of the burned films.", flag="--burn-preset")
    )
    style: str | None = field(
        default=None, metadata=opt("A style preset name for the burned text.", flag="--style")
    )


@dataclass(frozen=True, slots=True)
class HlsSettings:
    """``[hls]``: an HLS ladder with a WebVTT track per language (an encode)."""

    enabled: bool = field(default=False, metadata=opt("Package an HLS stream.", flag="--hls"))
    segment: int = field(default=6, metadata=opt("HLS segment length, seconds.", flag="--segment"))
    crf: int = field(default=23, metadata=opt("x264 CRF of the HLS renditions.", flag="--hls-crf"))


def _specs(si: StageInput) -> tuple[Any, ...]:
    from pipeline.mux import SubtitleSpec

    return tuple(SubtitleSpec(si.current[t], si.languages[t]) for t in si.current)


def _files(out_dir: Path, folder: Path) -> tuple[str, ...]:
    return tuple(sorted(str(p.relative_to(out_dir)) for p in folder.rglob("*") if p.is_file()))


# -- sidecars -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SidecarsStageOptions:
    stage: str
    job_out: Path
    options: Any  # pipeline.sidecars.SidecarOptions


@enveloped(lambda o: o.stage)
def run_sidecars(o: SidecarsStageOptions) -> StageResult:
    from pipeline.sidecars import sidecars

    report = sidecars(o.options)
    outputs = tuple(str(f.path.relative_to(o.job_out)) for f in report.files)
    return StageResult(
        o.stage, StageStatus.OK, f"{len(outputs)} sidecar files", outputs=outputs, details=report.to_json()
    )


def _build_sidecars(si: StageInput) -> SidecarsStageOptions:
    from pipeline.sidecars import SidecarOptions

    s: SidecarsSettings = si.setting("sidecars")
    options = SidecarOptions(
        subtitles=_specs(si),
        out_dir=si.out_dir / "sidecars",
        naming=s.naming,  # type: ignore[arg-type]
        stem=si.film.stem,
        film=si.film,
    )
    return SidecarsStageOptions("sidecars", si.out_dir, options)


# -- burn ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BurnStageOptions:
    stage: str
    job_out: Path
    options: Any  # pipeline.burn.BurnOptions


@enveloped(lambda o: o.stage)
def run_burn(o: BurnStageOptions) -> StageResult:
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


def _build_burn(si: StageInput) -> BurnStageOptions:
    from pipeline.burn import BurnOptions

    s: BurnSettings = si.setting("burn")
    options = BurnOptions(
        film=si.film,
        subtitles=_specs(si),
        out_dir=si.out_dir / "burn",
        style=s.style,
        crf=s.crf,
        preset=s.preset,
    )
    return BurnStageOptions("burn", si.out_dir, options)


# -- hls ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HlsStageOptions:
    stage: str
    job_out: Path
    options: Any  # pipeline.hls.HlsOptions


@enveloped(lambda o: o.stage)
def run_hls(o: HlsStageOptions) -> StageResult:
    from pipeline.hls import hls

    report = hls(o.options)
    return StageResult(
        o.stage,
        StageStatus.OK,
        f"{report.master.name}: {len(report.renditions)} renditions, {len(report.subtitles)} subtitle tracks",
        outputs=_files(o.job_out, o.options.out_dir),
        details=report.to_json(),
    )


def _build_hls(si: StageInput) -> HlsStageOptions:
    from pipeline.hls import HlsOptions

    s: HlsSettings = si.setting("hls")
    options = HlsOptions(
        film=si.film, subtitles=_specs(si), out_dir=si.out_dir / "hls", segment_s=s.segment, crf=s.crf
    )
    return HlsStageOptions("hls", si.out_dir, options)


def register_all() -> list[str]:
    """Register the three render stages (after ``mux``, on the languages validate let through)."""
    register_section("sidecars", SidecarsSettings)
    register_section("burn", BurnSettings)
    register_section("hls", HlsSettings)
    register(StageDef("sidecars", False, ("validate",), _build_sidecars, run_sidecars, section="sidecars"))
    register(StageDef("burn", False, ("validate",), _build_burn, run_burn, section="burn", encode=True))
    register(StageDef("hls", False, ("validate",), _build_hls, run_hls, section="hls", encode=True))
    return ["sidecars", "burn", "hls"]
