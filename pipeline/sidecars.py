"""The ``sidecars`` stage: per language, UTF-8 SRT and WebVTT files for video platforms.

Names follow ``<stem>.<bcp47>[.forced|.sdh].<ext>`` (``film.ru.srt``, ``film.en.sdh.vtt``),
which YouTube and Vimeo read the language from; ``naming="facebook"`` gives the locale
form Facebook asks for (``film.ru_RU.srt``, ``film.pl_PL.srt``, ``film.en_US.srt``: the
language's most likely territory from CLDR, or the one the track already names).

Each file is written by its format's writer (``subtitles.load.dump_track``), so WebVTT
keeps italics, bold and underline and SRT keeps what SubRip players show; ``plain_srt``
writes SRT without any markup (YouTube shows SRT tags literally in some players). Every
file is read back through the same loader users' files go through and compared with the
input cue by cue (times to the millisecond, text, and the markup the format keeps) before
the stage reports success; a mismatch raises ``OutputVerificationError`` (exit 4).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from babel.core import get_global

from media.verify import ShownCue, compare_cues, plain_text
from pipeline.mux import LoadedTrack, SubtitleSpec, load_tracks, showable
from subtitles.atomic import refuse_overwrite_of_inputs, write_text
from subtitles.errors import ContentError, OutputVerificationError, UsageError
from subtitles.language import FILENAME_QUALIFIERS, Language
from subtitles.load import dump_track, load_track

log = logging.getLogger(__name__)

Naming = Literal["bcp47", "facebook"]
SidecarFormat = Literal["srt", "vtt"]
FORMATS: tuple[SidecarFormat, ...] = ("srt", "vtt")
_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*")


@dataclass(frozen=True, slots=True)
class SidecarOptions:
    """Everything ``sidecars`` needs; shared by ``subpipe sidecars`` and job specs.

    ``stem``: the file-name stem of every output (default: each upload's own stem,
    ``film`` for ``film.ru.srt``). ``film``: only to give MicroDVD uploads a frame rate.
    """

    subtitles: tuple[SubtitleSpec, ...]
    out_dir: Path
    naming: Naming = "bcp47"
    formats: tuple[SidecarFormat, ...] = FORMATS
    plain_srt: bool = False
    stem: str | None = None
    fps: Fraction | None = None
    film: Path | None = None
    dry_run: bool = False


@dataclass(frozen=True, slots=True)
class SidecarFile:
    path: Path
    format: SidecarFormat
    language: Language
    forced: bool
    sdh: bool
    cues: int
    source: Path
    verified: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "format": self.format,
            "language": self.language.bcp47,
            "forced": self.forced,
            "sdh": self.sdh,
            "cues": self.cues,
            "source": str(self.source),
            "verified": self.verified,
        }


@dataclass(frozen=True, slots=True)
class SidecarReport:
    out_dir: Path
    files: tuple[SidecarFile, ...]
    dry_run: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "out_dir": str(self.out_dir),
            "dry_run": self.dry_run,
            "files": [f.to_json() for f in self.files],
        }


def upload_stem(path: Path) -> str:
    """``film`` for ``film.ru.srt``, ``film.ru.forced.srt`` and ``my.film.pl-PL.srt``'s ``my.film``.

    The language tag and qualifiers before the extension are taken off (from the right,
    at most three words); a name without them keeps its whole stem.
    """
    parts = path.name.split(".")[:-1] if "." in path.name else [path.name]
    dropped = 0
    while len(parts) > 1 and dropped < 3:
        word = parts[-1]
        if word.lower() in FILENAME_QUALIFIERS or (_TAG.fullmatch(word) and _is_language(word)):
            parts.pop()
            dropped += 1
            continue
        break
    return ".".join(parts)


def _is_language(word: str) -> bool:
    try:
        Language.parse(word)
    except Exception:  # LanguageError, or babel refusing an odd tag
        return False
    return True


def facebook_locale(language: Language) -> str:
    """``ru_RU``, ``pl_PL``, ``en_US``: language and territory (CLDR's likely one if none)."""
    parts = language.tag.split("-")
    territory = next((p for p in parts[1:] if len(p) == 2 and p.isalpha()), None)
    if territory is None:
        full = str(get_global("likely_subtags").get(language.code, ""))
        territory = next((p for p in full.split("_")[1:] if len(p) == 2 and p.isalpha()), None)
    return f"{language.code}_{territory.upper()}" if territory else language.code


def sidecar_name(stem: str, item: LoadedTrack, fmt: SidecarFormat, naming: Naming) -> str:
    lang = facebook_locale(item.language) if naming == "facebook" else item.language.bcp47
    kinds = [k for k, on in (("forced", item.forced), ("sdh", item.sdh)) if on]
    return ".".join([stem, lang, *kinds, fmt])


_IBU = re.compile(r"\\([ibu])([01])")
_BLOCK = re.compile(r"\{[^}]*\}")


def kept_markup(text: str) -> str:
    """Text with only the markup SRT and WebVTT both hold: italic, bold, underline toggles."""

    def block(match: re.Match[str]) -> str:
        return "".join(f"<{'' if on == '1' else '/'}{tag}>" for tag, on in _IBU.findall(match.group(0)))

    text = _BLOCK.sub(block, text).replace("\\N", "\n").replace("\\n", "\n").replace("\\h", " ")
    return "\n".join(line.strip() for line in text.strip().splitlines())


def _prepared(item: LoadedTrack, fmt: SidecarFormat, plain: bool) -> Any:
    track = showable(item.track)
    if plain:
        for cue in track.events:
            cue.plaintext = cue.plaintext  # drops every override tag, keeps line breaks
    track.events.sort(key=lambda c: (c.start, c.end))
    return track


def _expected(track: Any) -> list[ShownCue]:
    return [(c.start, c.end, c.text) for c in track.cues]


def _verify(path: Path, fmt: SidecarFormat, item: LoadedTrack, expected: list[ShownCue], plain: bool) -> None:
    """Read the written file back as a user's upload and compare it cue by cue."""
    back = load_track(path, language=item.language, format_=fmt)
    got = [(c.start, c.end, c.text) for c in back.cues]
    problems = compare_cues(expected, got, tolerance_ms=0, normalise=plain_text, what=path.name)
    if not problems and not plain:
        # Markup the writer could not carry over (an ASS tag typed into an SRT, say) is a
        # warning: the viewer reads the same words, only the styling differs.
        for lost in compare_cues(expected, got, tolerance_ms=0, normalise=kept_markup, what=path.name):
            log.warning("%s (italic/bold/underline differs from the upload)", lost)
    if plain and not problems and re.search(r"</?[a-zA-Z][^>]*>|\{\\", path.read_text(encoding="utf-8")):
        problems.append(f"{path.name}: markup left in a plain SRT")
    if back.encoding is not None and back.encoding.encoding.replace("-", "").lower() not in ("utf8", "ascii"):
        problems.append(f"{path.name}: read back as {back.encoding.encoding}, not UTF-8")
    if problems:
        path.unlink(missing_ok=True)
        raise OutputVerificationError("sidecar failed verification: " + "; ".join(problems), path=path)


def sidecars(options: SidecarOptions) -> SidecarReport:
    """Write and verify the sidecar files; report them. Nothing is written with ``dry_run``.

    Raises ``UsageError`` for an unknown format or naming, or when two uploads would get
    the same output name; ``InputError`` for unreadable uploads and unknown languages,
    before anything is written.
    """
    formats = tuple(dict.fromkeys(options.formats))
    for fmt in formats:
        if fmt not in FORMATS:
            raise UsageError(f"sidecar format {fmt!r}: choose from {', '.join(FORMATS)}")
    if not formats:
        raise UsageError("no sidecar format chosen")
    if options.naming not in ("bcp47", "facebook"):
        raise UsageError(f"naming {options.naming!r}: choose bcp47 or facebook")
    tracks = load_tracks(options.subtitles, film=options.film, fps=options.fps)
    out_dir = Path(options.out_dir)
    planned: list[tuple[Path, SidecarFormat, LoadedTrack]] = []
    seen: dict[Path, Path] = {}
    for item in tracks:
        stem = options.stem or upload_stem(item.spec.path)
        for fmt in formats:
            path = out_dir / sidecar_name(stem, item, fmt, options.naming)
            if path in seen:
                raise UsageError(f"{seen[path]} and {item.spec.path} would both be written as {path.name}")
            seen[path] = item.spec.path
            refuse_overwrite_of_inputs(path, [s.path for s in options.subtitles])
            planned.append((path, fmt, item))
    files = []
    for path, fmt, item in planned:
        plain = options.plain_srt and fmt == "srt"
        track = _prepared(item, fmt, plain)
        if not track.cues:
            raise ContentError(
                "has no cue that can be shown (all empty or before the film)", path=item.spec.path
            )
        expected = _expected(track)
        if not options.dry_run:
            write_text(path, dump_track(track, fmt))
            _verify(path, fmt, item, expected, plain)
            log.info("wrote %s (%d cues)", path, len(expected))
        files.append(
            SidecarFile(path, fmt, item.language, item.forced, item.sdh, len(expected), item.spec.path,
                        verified=not options.dry_run)
        )  # fmt: skip
    return SidecarReport(out_dir, tuple(files), dry_run=options.dry_run)


__all__: Sequence[str] = ("SidecarOptions", "SidecarReport", "facebook_locale", "sidecars", "upload_stem")
