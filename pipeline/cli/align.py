"""``subpipe align``: move subtitle files onto the film's speech (or a reference track)."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.align import AlignRun, FileResult, Status, align_files
from pipeline.cli.output import emit_json, note
from subtitles.align import DEFAULT_THRESHOLD
from subtitles.errors import AlignmentRefused
from subtitles.language import Language
from subtitles.timing import format_ms, parse_fps, seconds_to_ms


def _signed_s(ms: float) -> str:
    return f"{ms / 1000:+.3f} s"


_PLACED = {
    "own": "the file's own lead-ins kept",
    "onsets": "cue starts on the speech onsets",
    "fixed": "fixed by --lead-in",
    "reference": "cue starts on the reference's",
    "unchanged": "the file's own timing, unchanged",
}


def lead_in_line(result: FileResult) -> str | None:
    """How the cue starts sit before the speech: the convention used and the median lead."""
    lead = result.alignment.lead_in
    if lead is None:
        return None
    setting = "auto" if lead.setting_ms is None else f"{lead.setting_ms:g} ms"
    median = (
        f", median {lead.median_ms:.0f} ms before the detected speech onsets"
        if lead.median_ms is not None and lead.placed != "reference"
        else ""
    )
    return f"  lead-in {setting}: {_PLACED.get(lead.placed, lead.placed)}{median}"


def describe(result: FileResult) -> list[str]:
    """The human report of one file: offset, scale, splits, confidence, cues, agreement."""
    a = result.alignment
    tr = a.transform
    first = tr.segments[0]
    dest = f" -> {result.output}" if result.output is not None else " (not written)"
    lines = [f"{result.input}{dest}: {result.status}"]
    if result.status is Status.REFUSED and a.reason:
        lines.append(f"  refused: {a.reason}")
    scale = f"scale {first.scale:.6f}"
    if tr.fps_change:
        a_fps, b_fps = tr.fps_change
        scale += f" (timed for {float(a_fps):.3f} fps, film {float(b_fps):.3f} fps)"
    lines.append(f"  offset {_signed_s(first.offset_ms)}, {scale}")
    for at, off in tr.splits:
        lines.append(f"  split at {format_ms(at)} (input time): offset {_signed_s(off)} from there")
    lead = lead_in_line(result)
    if lead is not None:
        lines.append(lead)
    lines.append(f"  confidence {a.confidence:.2f} (threshold {a.threshold:.2f})")
    ap = result.applied
    clamped = f", {ap.clamped} clamped into the film" if ap.clamped else ""
    lines.append(f"  {ap.cues} cues, {ap.moved} moved{clamped}")
    lines.append(
        f"  agreement with speech {a.agreement_before:.0%} before -> {a.agreement_after:.0%} after "
        "(share of subtitle time on detected speech)"
    )
    return lines


@click.command("align")
@click.argument("subs", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--film", type=click.Path(path_type=Path, dir_okay=False), help="The film whose speech to align to."
)
@click.option(
    "-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="Output file (one SUB only)."
)
@click.option("--out-dir", type=click.Path(path_type=Path, file_okay=False), help="Write DIR/<input name>.")
@click.option(
    "--reference",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A well-timed subtitle file of the same film to align to instead of the speech.",
)
@click.option(
    "--max-offset", type=float, default=120.0, show_default=True, help="Largest offset searched, in seconds."
)
@click.option("--no-splits", is_flag=True, help="One offset and scale for the whole file (no cut detection).")
@click.option(
    "--min-confidence",
    type=click.FloatRange(0.0, 1.0),
    default=DEFAULT_THRESHOLD,
    show_default=True,
    help="Refuse (exit 3) below this confidence.",
)
@click.option(
    "--lead-in",
    "lead_in",
    default="auto",
    show_default=True,
    metavar="MS|auto",
    help="Where moved cues start relative to the speech: auto keeps a professionally timed file's own "
    "lead-ins (timed on frames, 0-4 frames cue by cue) and puts other files' starts on the speech "
    "onsets; MS puts "
    "starts that many ms before the onsets. Files already in sync are left alone.",
)
@click.option("--force", is_flag=True, help="Write refused files anyway (the exit code stays 3).")
@click.option(
    "--lang", "lang", help="Language of the film's speech: picks the audio stream when there are several."
)
@click.option("--fps", help="Frame rate for frame-based subtitle files (MicroDVD) without a film.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON on stdout.")
def command(
    subs: tuple[Path, ...],
    film: Path | None,
    output: Path | None,
    out_dir: Path | None,
    reference: Path | None,
    max_offset: float,
    no_splits: bool,
    min_confidence: float,
    lead_in: str,
    force: bool,
    lang: str | None,
    fps: str | None,
    as_json: bool,
) -> None:
    """Align subtitle files to the film's speech; refuse rather than guess.

    Finds the offset, a frame-rate change (23.976/24/25/29.97 in every pairing, or any
    other scale by a free fit) and splits (material cut or inserted), refines timing below
    10 ms on speech onsets, and keeps every cue: cues pushed outside the film are clamped
    and reported, never dropped. Several files of one film share one audio decode.
    A moved file keeps its own lead-ins when they spread like a professional subtitler's
    (--lead-in auto); the report says how starts were placed and their median lead-in.

    Outputs: -o OUT (one file), --out-dir DIR (DIR/<input name>), else
    ./<stem>.aligned.<ext> in the current folder. MicroDVD/MPL2 are written as SRT.

    Exit codes: 0 aligned or already in sync, 3 a file was refused (confidence below
    --min-confidence; nothing written for it unless --force), 2 unreadable input,
    4 ffmpeg failed.

    \b
    Examples:
      subpipe align film.ru.srt film.pl.srt --film film.mp4 --out-dir synced/
      subpipe align film.pl.srt --reference film.en.srt -o film.pl.synced.srt
      subpipe align film.ru.sub --film film.mkv --no-splits --json
    """
    run = align_files(
        list(subs),
        film=film,
        reference=reference,
        output=output,
        out_dir=out_dir,
        max_offset_ms=seconds_to_ms(max_offset),
        splits=not no_splits,
        min_confidence=min_confidence,
        force=force,
        language=Language.parse(lang) if lang else None,
        fps=parse_fps(fps) if fps else None,
        lead_in_ms=_lead_in_ms(lead_in),
    )
    report(run, as_json)
    refused = run.refused
    if refused:
        first = refused[0]
        more = f" (and {len(refused) - 1} more file(s))" if len(refused) > 1 else ""
        raise AlignmentRefused(
            f"alignment refused{more}: {first.alignment.reason} "
            f"(confidence {first.alignment.confidence:.2f} < {first.alignment.threshold:.2f})"
            + ("; written anyway (--force)" if first.output is not None else "; nothing written"),
            path=first.input,
            confidence=first.alignment.confidence,
            reason=first.alignment.reason or "",
        )


def _lead_in_ms(text: str) -> float | None:
    """``auto`` is None; otherwise whole or decimal milliseconds."""
    if text.strip().lower() == "auto":
        return None
    try:
        return float(text)
    except ValueError:
        raise click.BadParameter(
            f"expected a number of ms or auto, not {text!r}", param_hint="--lead-in"
        ) from None


def report(run: AlignRun, as_json: bool) -> None:
    if as_json:
        emit_json(run.to_json())
        return
    if run.audio is not None:
        a = run.audio
        note(
            f"{run.film}: {a.stream}: {a.speech_ms / 1000:.1f} s of speech in {a.duration_ms / 1000:.1f} s "
            f"(decoded in {a.decode_ms / 1000:.1f} s)"
        )
    elif run.reference is not None:
        note(f"aligning to reference {run.reference}")
    for result in run.files:
        click.echo("\n".join(describe(result)))
