"""``subpipe align`` through the real console entry point, on a generated speech film.

One 2-minute film (espeak clips in ru/en/pl under a noise bed, 160x90 video) is made once
per session; every case writes mistimed copies of its truth subtitles and checks what the
command wrote, printed and exited with.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from media.synth import Placement, compose, make_speech_film
from subtitles.formats.srt import subrip_text
from subtitles.load import load_track
from subtitles.timing import format_srt_time
from tests.pipeline.helpers import subpipe

pytestmark = pytest.mark.media

ASSETS = Path(__file__).resolve().parents[2] / "pipeline" / "demo_assets"
DURATION_MS = 120_000

Cue = tuple[int, int, str]


def _timeline(seed: int) -> list[tuple[Path, int, int, str]]:
    clips = json.loads((ASSETS / "clips.json").read_text(encoding="utf-8"))["clips"]
    rng = np.random.default_rng(seed)
    out: list[tuple[Path, int, int, str]] = []
    t = int(rng.integers(800, 2500))
    while True:
        clip = clips[int(rng.integers(len(clips)))]
        if t + clip["duration_ms"] + 800 > DURATION_MS:
            return out
        out.append((ASSETS / clip["file"], t, t + clip["duration_ms"], clip["text"]))
        t += clip["duration_ms"] + int(rng.choice([350, 700, 1200, 2000, 3500]))


@pytest.fixture(scope="session")
def speech_film(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Cue]]:
    timeline = _timeline(7)
    audio = compose(
        [Placement(p, start) for p, start, _, _ in timeline],
        duration_ms=DURATION_MS, rate=16000, bed="noise", snr_db=15.0, seed=7,
    )  # fmt: skip
    film = make_speech_film(tmp_path_factory.mktemp("align") / "film.mp4", audio=audio, size=(160, 90))
    return film, [(a, b, text) for _, a, b, text in timeline]


def write_srt(path: Path, cues: list[Cue], fn: Callable[[float], float] = lambda t: t) -> Path:
    path.write_text(subrip_text((round(fn(a)), round(fn(b)), text) for a, b, text in cues), encoding="utf-8")
    return path


def report(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


def start_errors(out: Path, truth: list[Cue]) -> np.ndarray:
    cues = load_track(out).cues
    assert [c.text for c in cues] == [t for _, _, t in truth]
    errors: np.ndarray = np.abs(np.array([c.start for c in cues]) - np.array([a for a, _, _ in truth]))
    return errors


@pytest.mark.parametrize("late_ms", [7300, -12_000])
def test_constant_offset(speech_film: tuple[Path, list[Cue]], tmp_path: Path, late_ms: int) -> None:
    film, truth = speech_film
    # Cues that would start before 0 are dropped from the input: a real file has none.
    cues = [c for c in truth if c[0] + late_ms >= 0]
    sub = write_srt(tmp_path / "film.en.srt", cues, lambda t: t + late_ms)
    out = tmp_path / "out.srt"
    proc = subpipe("align", sub, "--film", film, "-o", out, "--json")
    assert proc.returncode == 0, proc.stderr
    entry = report(proc)["files"][0]
    assert entry["status"] == "aligned" and entry["output"] == str(out)
    assert entry["offset_ms"] == pytest.approx(-late_ms, abs=20)
    assert entry["scale"] == 1.0 and entry["splits"] == [] and entry["fps_change"] is None
    assert entry["confidence"] >= entry["threshold"]
    assert entry["agreement_after"] > entry["agreement_before"]
    errors = start_errors(out, cues)
    assert np.median(errors) <= 20 and errors.max() <= 40


def test_frame_rate_drift_with_offset(speech_film: tuple[Path, list[Cue]], tmp_path: Path) -> None:
    film, truth = speech_film
    scale = 25 / (24000 / 1001)  # timed on a 25 fps master, the film runs at 23.976
    sub = write_srt(tmp_path / "film.pl.srt", truth, lambda t: (t - 1500) / scale)
    out = tmp_path / "drift.srt"
    proc = subpipe("align", sub, "--film", film, "-o", out, "--json")
    assert proc.returncode == 0, proc.stderr
    entry = report(proc)["files"][0]
    assert entry["fps_change"] == ["25", "24000/1001"]
    assert entry["scale"] == pytest.approx(scale, abs=1e-9)
    errors = start_errors(out, truth)
    assert np.median(errors) <= 20 and np.mean(errors <= 100) == 1.0


def test_one_split(speech_film: tuple[Path, list[Cue]], tmp_path: Path) -> None:
    film, truth = speech_film
    cut = 58_000  # 15 s the film lost at 58 s are still in the file
    moved = [(a, b, text) if a < cut else (a + 15_000, b + 15_000, text) for a, b, text in truth]
    sub = write_srt(tmp_path / "film.ru.srt", moved)
    out = tmp_path / "split.srt"
    proc = subpipe("align", sub, "--film", film, "-o", out, "--json")
    assert proc.returncode == 0, proc.stderr
    entry = report(proc)["files"][0]
    assert len(entry["splits"]) == 1
    split = entry["splits"][0]
    last_before = max(a for a, _, _ in truth if a < cut)
    first_after = min(a for a, _, _ in truth if a >= cut) + 15_000
    assert last_before < split["at_ms"] <= first_after
    assert split["offset_ms"] == pytest.approx(-15_000, abs=20)
    assert len(entry["segments"]) == 2 and entry["segments"][0]["offset_ms"] == pytest.approx(0, abs=20)
    assert np.mean(start_errors(out, truth) <= 100) == 1.0
    # --no-splits keeps one piece.
    single = subpipe("align", sub, "--film", film, "-o", tmp_path / "single.srt", "--no-splits", "--json")
    assert single.returncode in (0, 3)
    assert report(single)["files"][0]["splits"] == []


def test_already_in_sync_stays_put(speech_film: tuple[Path, list[Cue]], tmp_path: Path) -> None:
    film, truth = speech_film
    sub = write_srt(tmp_path / "film.en.srt", truth)
    out = tmp_path / "same.srt"
    proc = subpipe("align", sub, "--film", film, "-o", out, "--json")
    assert proc.returncode == 0, proc.stderr
    entry = report(proc)["files"][0]
    assert entry["status"] == "unchanged" and entry["cues_moved"] == 0 and entry["offset_ms"] == 0
    assert start_errors(out, truth).max() == 0


def test_another_films_subtitles_are_refused(speech_film: tuple[Path, list[Cue]], tmp_path: Path) -> None:
    film, _ = speech_film
    other = [(a, b, text) for _, a, b, text in _timeline(99)]
    sub = write_srt(tmp_path / "other.pl.srt", other)
    out = tmp_path / "refused.srt"
    proc = subpipe("align", sub, "--film", film, "-o", out)
    assert proc.returncode == 3
    assert not out.exists()
    assert "refused" in proc.stderr and str(sub) in proc.stderr
    assert "another film" in proc.stderr or "no clear peak" in proc.stderr
    forced = subpipe("align", sub, "--film", film, "-o", out, "--force", "--json")
    assert forced.returncode == 3 and out.exists()
    entry = report(forced)["files"][0]
    assert entry["status"] == "refused" and entry["confidence"] < entry["threshold"] and entry["reason"]
    assert len(load_track(out).cues) == len(other)


def test_cues_are_kept_and_clamped_not_dropped(speech_film: tuple[Path, list[Cue]], tmp_path: Path) -> None:
    film, truth = speech_film
    # A title card the film no longer has, 4 s before the first line, in a file 2 s early.
    title = (truth[0][0] - 4000, truth[0][0] - 3000, "ЗАГОЛОВОК: «Права человека»")
    cues = [title, *truth]
    sub = write_srt(tmp_path / "film.ru.srt", cues, lambda t: t + 3000)
    out = tmp_path / "kept.srt"
    proc = subpipe("align", sub, "--film", film, "-o", out, "--json")
    assert proc.returncode == 0, proc.stderr
    entry = report(proc)["files"][0]
    written = load_track(out).cues
    assert len(written) == len(cues) == entry["cues"]
    assert [c.text for c in written] == [c[2] for c in cues]
    assert [c.start for c in written] == sorted(c.start for c in written)
    if truth[0][0] < 4000:
        assert entry["cues_clamped"] == 1 and written[0].start == 0
        assert written[0].end - written[0].start == 1000


def test_reference_mode(speech_film: tuple[Path, list[Cue]], tmp_path: Path) -> None:
    _, truth = speech_film
    # The English reference cuts long lines in two; the Polish file keeps them whole, 30 s late.
    reference: list[Cue] = []
    for a, b, text in truth:
        if b - a > 3000:
            reference += [
                (a, (a + b) // 2 - 40, text[: len(text) // 2]),
                ((a + b) // 2, b, text[len(text) // 2 :]),
            ]
        else:
            reference.append((a, b, text))
    ref = write_srt(tmp_path / "film.en.srt", reference)
    sub = write_srt(tmp_path / "film.pl.srt", truth, lambda t: t + 30_000)
    out = tmp_path / "ref.srt"
    proc = subpipe("align", sub, "--reference", ref, "-o", out, "--json")
    assert proc.returncode == 0, proc.stderr
    data = report(proc)
    assert data["film"] is None and data["reference"] == str(ref) and data["audio"] is None
    assert data["files"][0]["offset_ms"] == -30_000
    assert start_errors(out, truth).max() <= 1


def test_several_files_share_one_decode(speech_film: tuple[Path, list[Cue]], tmp_path: Path) -> None:
    film, truth = speech_film
    inputs = tmp_path / "uploads"
    inputs.mkdir()
    ru = write_srt(inputs / "film.ru.srt", truth, lambda t: t + 2500)
    pl = write_srt(inputs / "film.pl.srt", truth, lambda t: t - 900)
    out_dir = tmp_path / "synced"
    proc = subpipe("align", ru, pl, "--film", film, "--out-dir", out_dir, "--json")
    assert proc.returncode == 0, proc.stderr
    data = report(proc)
    assert data["audio"]["duration_ms"] == pytest.approx(DURATION_MS, abs=100)
    assert 0 < data["audio"]["speech_ms"] < DURATION_MS
    assert [f["output"] for f in data["files"]] == [
        str(out_dir / "film.ru.srt"),
        str(out_dir / "film.pl.srt"),
    ]
    assert [f["offset_ms"] for f in data["files"]] == [
        pytest.approx(-2500, abs=20),
        pytest.approx(900, abs=20),
    ]
    first = format_srt_time(truth[0][0] + 2500)
    assert ru.read_text(encoding="utf-8").startswith("1\n" + first)  # inputs untouched


def test_text_report_and_default_output(speech_film: tuple[Path, list[Cue]], tmp_path: Path) -> None:
    film, truth = speech_film
    sub = write_srt(tmp_path / "film.en.srt", truth, lambda t: t + 4000)
    work = tmp_path / "cwd"
    work.mkdir()
    proc = subpipe("align", sub, "--film", film, cwd=work)
    assert proc.returncode == 0, proc.stderr
    assert (work / "film.en.aligned.srt").is_file()
    assert ": aligned" in proc.stdout
    found = re.search(r"offset ([-+]\d+\.\d{3}) s, scale 1\.000000", proc.stdout)
    assert found is not None and float(found.group(1)) == pytest.approx(-4.0, abs=0.02)
    assert "confidence" in proc.stdout and "agreement with speech" in proc.stdout


def test_usage_errors(speech_film: tuple[Path, list[Cue]], tmp_path: Path) -> None:
    film, truth = speech_film
    a = write_srt(tmp_path / "a.srt", truth)
    b = write_srt(tmp_path / "b.srt", truth)
    two = subpipe("align", a, b, "--film", film, "-o", tmp_path / "x.srt")
    assert two.returncode == 2 and "-o" in two.stderr
    neither = subpipe("align", a, "-o", tmp_path / "x.srt")
    assert neither.returncode == 2 and "--film" in neither.stderr
    missing = subpipe("align", tmp_path / "nope.srt", "--film", film)
    assert missing.returncode == 2 and "nope.srt" in missing.stderr
    over = subpipe("align", a, "--film", film, "-o", a)
    assert over.returncode == 2 and "overwrite" in over.stderr
    help_text = subpipe("align", "--help")
    assert help_text.returncode == 0 and "Examples:" in help_text.stdout and "--reference" in help_text.stdout
