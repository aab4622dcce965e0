"""Upload folders for the job, batch and watch tests (and ``bench/batch.py``).

``speech_film`` makes a short film whose Russian narration comes from the demo's clips;
``write_uploads`` writes ``<stem>.ru.srt``/``.en.srt``/``.pl.srt`` timed on that speech,
each in its own language (the language rules check the text against the file name), so a
job on the folder passes every stage. Generated once and copied: a job folder costs a copy.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path

from media.synth import Placement, compose, make_speech_film
from subtitles.formats.srt import subrip_text

ASSETS = Path(__file__).resolve().parents[2] / "pipeline" / "demo_assets"
LANGS = ("ru", "en", "pl")
PAUSE_MS = 900
LEAD_MS = 700


def _clips() -> dict[tuple[str, int], dict[str, object]]:
    data = json.loads((ASSETS / "clips.json").read_text(encoding="utf-8"))["clips"]
    return {(c["lang"], int(c["index"])): c for c in data}


def timeline(count: int = 6, *, order: Sequence[int] | None = None) -> list[tuple[int, int, int]]:
    """(clip index, start ms, end ms) of the Russian narration, clips one after another."""
    clips = _clips()
    at = LEAD_MS
    out = []
    for index in order or range(1, count + 1):
        length = int(clips[("ru", index)]["duration_ms"])  # type: ignore[call-overload]
        out.append((index, at, at + length))
        at += length + PAUSE_MS
    return out


def speech_film(
    path: Path, count: int = 6, *, order: Sequence[int] | None = None, size: tuple[int, int] = (160, 90)
) -> Path:
    spans = timeline(count, order=order)
    end = spans[-1][2] + 1000
    audio = compose(
        [Placement(ASSETS / f"ru_{i:02d}.opus", a) for i, a, _ in spans],
        duration_ms=end,
        rate=16000,
        bed="noise",
        snr_db=20.0,
        seed=3,
    )
    return make_speech_film(path, audio=audio, size=size, language="rus")


def srt_for(lang: str, count: int = 6, *, order: Sequence[int] | None = None, shift_ms: int = 0) -> str:
    clips = _clips()
    blocks: list[tuple[int, int, str]] = []
    spans = timeline(count, order=order)
    for n, (index, a, b) in enumerate(spans, start=1):
        text = str(clips[(lang, index)]["text"])
        end = max(b + 300, a + 1000 + 45 * len(text))
        if n < len(spans):
            end = min(end, spans[n][1] - 120)
        blocks.append((a + shift_ms, end + shift_ms, text))
    return subrip_text(blocks)  # the SubRip writer


def write_uploads(
    folder: Path, stem: str = "film", langs: Sequence[str] = LANGS, *, count: int = 6, shift_ms: int = 0
) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for lang in langs:
        path = folder / f"{stem}.{lang}.srt"
        path.write_text(srt_for(lang, count, shift_ms=shift_ms), encoding="utf-8")
        out.append(path)
    return out


def job_folder(
    folder: Path, film: Path, stem: str = "film", langs: Sequence[str] = LANGS, *, count: int = 6
) -> Path:
    """A job folder: a copy of ``film`` as ``<stem>.mp4`` and its uploads."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(film, folder / f"{stem}{film.suffix}")
    write_uploads(folder, stem, langs, count=count)
    return folder
