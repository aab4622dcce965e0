"""``subpipe align`` keeps a professionally timed file's own lead-ins (issue 7, point 10).

A professional subtitler puts each in-time on the frame the speech starts on or up to three
frames before it (a lead-in of 0-4 frames, cue by cue), holds the out-time 0.2-0.5 s after the
speech, and chains cues closer than 12 frames to a 2-frame gap. Such a file is in sync as it
stands; the same file shifted by a few seconds must come back to *its own* timing, not with
its starts snapped onto the speech (which removed its most common lead-in: 70-130 ms late).

The film is generated: dense speech (pauses of 0.15-0.9 s, as in an interview) from the demo's
espeak clips over a noise bed, 25 fps. Everything runs through the real console entry point.
"""

from __future__ import annotations

import itertools
import json
import math
import random
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from media.synth import Placement, compose, make_speech_film
from subtitles.formats.srt import subrip_text
from subtitles.load import load_track
from tests.pipeline.helpers import subpipe

pytestmark = pytest.mark.media

ASSETS = Path(__file__).resolve().parents[2] / "pipeline" / "demo_assets"
DURATION_MS = 240_000
FRAME_MS = 40  # 25 fps

Cue = tuple[int, int, str]


@pytest.fixture(scope="module")
def dense_film(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Cue]]:
    """A film of back-to-back lines and the speech spans (truth) of each."""
    clips = json.loads((ASSETS / "clips.json").read_text(encoding="utf-8"))["clips"]
    rng = random.Random(5)
    placed: list[tuple[Path, int, int, str]] = []
    t = 1200
    while True:
        clip = rng.choice(clips)
        if t + clip["duration_ms"] + 1000 > DURATION_MS:
            break
        placed.append((ASSETS / clip["file"], t, t + clip["duration_ms"], clip["text"]))
        t += clip["duration_ms"] + rng.randint(150, 900)
    audio = compose(
        [Placement(path, start) for path, start, _, _ in placed],
        duration_ms=DURATION_MS, rate=16000, bed="noise", snr_db=15.0, seed=5,
    )  # fmt: skip
    film = make_speech_film(tmp_path_factory.mktemp("lead_in") / "film.mp4", audio=audio, size=(160, 90))
    return film, [(a, b, text) for _, a, b, text in placed]


def professional(speech: list[Cue], seed: int) -> list[Cue]:
    """The speech timed as a professional would, on the 25 fps frame grid (module notes)."""
    rng = random.Random(seed)
    n_in = [math.floor(a / FRAME_MS) - rng.randint(0, 3) for a, _, _ in speech]
    n_out = [math.ceil((b + rng.randint(200, 500)) / FRAME_MS) for _, b, _ in speech]
    for i in range(len(speech) - 1):
        if n_in[i + 1] - n_out[i] < 12:
            n_out[i] = n_in[i + 1] - 2
    return [
        (a * FRAME_MS, b * FRAME_MS, text) for a, b, (_, _, text) in zip(n_in, n_out, speech, strict=True)
    ]


def write_srt(path: Path, cues: list[Cue], shift_ms: int = 0) -> Path:
    path.write_text(subrip_text((a + shift_ms, b + shift_ms, t) for a, b, t in cues), encoding="utf-8")
    return path


def entry(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert proc.returncode == 0, proc.stderr
    data: dict[str, Any] = json.loads(proc.stdout)["files"][0]
    return data


def start_errors(out: Path, own: list[Cue]) -> np.ndarray:
    """Signed error of every written cue start against the file's own timing (ms)."""
    cues = load_track(out).cues
    assert [c.text for c in cues] == [t for _, _, t in own]
    errors: np.ndarray = np.array([c.start for c in cues]) - np.array([a for a, _, _ in own])
    return errors


def test_the_timing_really_is_professional(dense_film: tuple[Path, list[Cue]]) -> None:
    """The premise: lead-ins of 0-4 frames cue by cue, and most cues chained."""
    _, speech = dense_film
    own = professional(speech, 1)
    leads = np.array([s[0] - o[0] for s, o in zip(speech, own, strict=True)])
    assert leads.min() >= 0 and leads.max() < 4 * FRAME_MS and leads.std() > 30
    gaps = np.array([b[0] - a[1] for a, b in itertools.pairwise(own)])
    assert np.mean(gaps == 2 * FRAME_MS) > 0.5 and len(own) >= 35


# Measured on this film (about 60 cues) for lead-in draws 1-12, each shifted both ways: 20 of
# 24 come back within 8 ms, seed 10 within 17-26 ms, seed 2 (its few least-lead cues scattered)
# 59 ms off. Short files are the estimator's weak spot; the bench's 10-minute films have 120-160
# cues. Seeds 1 and 3 are typical draws, not the best ones.
SHIFTED = ((1, 3700), (3, -2450))


def test_moved_professional_files_come_back_to_their_own_timing(
    dense_film: tuple[Path, list[Cue]], tmp_path: Path
) -> None:
    """align(shift(x)) is within 25 ms of x on every cue, and align(x) is x (one run, one decode)."""
    film, speech = dense_film
    uploads, out_dir = tmp_path / "uploads", tmp_path / "synced"
    uploads.mkdir()
    own = professional(speech, 1)
    subs = [write_srt(uploads / "own.srt", own)]
    expected = [own]
    for seed, shift_ms in SHIFTED:
        timed = [c for c in professional(speech, seed) if c[0] + shift_ms >= 0]
        subs.append(write_srt(uploads / f"shifted{seed}.srt", timed, shift_ms))
        expected.append(timed)
    proc = subpipe("align", *subs, "--film", film, "--out-dir", out_dir, "--json")
    assert proc.returncode == 0, proc.stderr
    files = json.loads(proc.stdout)["files"]
    same = files[0]
    assert same["status"] == "unchanged" and same["cues_moved"] == 0
    assert same["lead_in"] == {
        "setting": "auto",
        "placed": "unchanged",
        "median_ms": same["lead_in"]["median_ms"],
    }
    assert np.all(start_errors(out_dir / "own.srt", own) == 0)
    for result, timed, sub in zip(files[1:], expected[1:], subs[1:], strict=True):
        assert result["status"] == "aligned"
        assert result["lead_in"]["setting"] == "auto" and result["lead_in"]["placed"] == "own"
        assert result["lead_in"]["median_ms"] > 40  # the file's lead-ins are still there
        errors = start_errors(out_dir / sub.name, timed)
        assert np.abs(errors).max() <= 25, (sub.name, errors)


def test_a_fixed_lead_in_is_the_users_choice(dense_film: tuple[Path, list[Cue]], tmp_path: Path) -> None:
    """``--lead-in 0`` snaps starts onto the onsets (the lead-ins go: cues come back late);
    ``--lead-in 120`` puts them exactly 120 ms earlier; the report says which was used."""
    film, speech = dense_film
    own = professional(speech, 1)
    sub = write_srt(tmp_path / "film.en.srt", own, 4000)
    snapped, early = tmp_path / "snapped.srt", tmp_path / "early.srt"
    text = subpipe("align", sub, "--film", film, "-o", snapped, "--lead-in", "0")
    assert text.returncode == 0, text.stderr
    assert "lead-in 0 ms: fixed by --lead-in, median" in text.stdout
    late = start_errors(snapped, own)
    assert np.median(late) >= 25  # the snapped file is later than its own timing
    ahead = entry(subpipe("align", sub, "--film", film, "-o", early, "--lead-in", "120", "--json"))
    assert ahead["lead_in"]["setting"] == 120 and ahead["lead_in"]["placed"] == "fixed"
    assert np.all(late - start_errors(early, own) == 120)
    bad = subpipe("align", sub, "--film", film, "-o", tmp_path / "x.srt", "--lead-in", "soon")
    assert bad.returncode == 2 and "--lead-in" in bad.stderr
    ref = subpipe("align", sub, "--reference", write_srt(tmp_path / "ref.srt", own), "--lead-in", "80")
    assert ref.returncode == 2 and "--lead-in" in ref.stderr
