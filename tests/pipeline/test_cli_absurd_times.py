"""Absurd times stay cheap and clear (issue 7, point 4), through the real CLI.

A cue typed at 50 or 500 hours must not make ``align`` build arrays to reach it; a time of
3e15 hours is a one-line error naming file and line, not an OverflowError; a time a format
cannot spell (SubRip's two-digit hours) is refused when writing, not clamped or widened.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from subtitles.load import load_track
from tests.mediagen import make_film
from tests.pipeline.helpers import subpipe
from tests.pipeline.jobmedia import speech_film, srt_for, timeline

ABSURD_SRT = (
    "1\n00:00:01,000 --> 00:00:02,000\nHello there, this is fine.\n\n"
    "2\n3000000000000000:00:01,000 --> 3000000000000000:00:02,000\nAbsurd.\n"
)


def one_error_line(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.startswith("subpipe: ")]
    assert len(lines) == 1, stderr
    assert "internal error" not in stderr and "Traceback" not in stderr and "Overflow" not in stderr
    return lines[0]


@pytest.mark.parametrize("command", [["validate"], ["validate", "--json"], ["inspect"], ["fix", "--dry-run"]])
def test_a_time_of_3e15_hours_is_one_line_naming_file_and_line(tmp_path: Path, command: list[str]) -> None:
    sub = tmp_path / "film.en.srt"
    sub.write_text(ABSURD_SRT, encoding="utf-8")
    proc = subpipe(*command, sub, timeout=180)
    assert proc.returncode == 2, proc.stderr
    line = one_error_line(proc.stderr)
    assert f"{sub}:5:" in line and "1,000 hours" in line


def test_fix_writes_nothing_for_a_time_of_3e15_hours(tmp_path: Path) -> None:
    sub = tmp_path / "film.en.srt"
    sub.write_text(ABSURD_SRT, encoding="utf-8")
    out = tmp_path / "fixed.srt"
    proc = subpipe("fix", sub, "-o", out)
    assert proc.returncode == 2 and not out.exists()
    assert f"{sub}:5:" in one_error_line(proc.stderr)


def test_webvtt_past_99_hours_is_not_written_as_subrip(tmp_path: Path) -> None:
    vtt = tmp_path / "film.en.vtt"
    vtt.write_text(
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello.\n\n100:00:01.000 --> 100:00:02.500\nLate.\n",
        encoding="utf-8",
    )
    srt = tmp_path / "film.en.srt"
    proc = subpipe("fix", vtt, "-o", srt)
    assert proc.returncode == 2 and not srt.exists()  # never written as 99:59:59,999
    line = one_error_line(proc.stderr)
    assert f"{vtt}:6:" in line and "SubRip" in line and "99:59:59.999" in line
    # WebVTT's hours have no fixed width: kept, to the millisecond
    same = tmp_path / "fixed.en.vtt"
    assert subpipe("fix", vtt, "-o", same).returncode == 0
    assert [(c.start, c.end) for c in load_track(same).cues][1] == (360_001_000, 360_002_500)


@pytest.mark.media
def test_mux_refuses_a_100_hour_cue_before_muxing(tmp_path: Path) -> None:
    film = make_film(tmp_path / "film.mp4", duration_s=2)
    sub = tmp_path / "film.ru.srt"
    sub.write_text(
        "1\n00:00:00,200 --> 00:00:01,000\nПривет.\n\n2\n100:00:01,000 --> 100:00:02,000\nОпечатка.\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.mkv"
    proc = subpipe("mux", film, sub, "-o", out, timeout=180)
    assert proc.returncode == 2, proc.stderr
    assert f"{sub}:5:" in one_error_line(proc.stderr)
    assert "RuntimeWarning" not in proc.stderr
    assert not out.exists() and not any(p.name.startswith(".") for p in tmp_path.iterdir())


@pytest.fixture(scope="module")
def short_speech_film(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return speech_film(tmp_path_factory.mktemp("absurd") / "film.mp4", count=8)


def _peak_mb(args: list[str | Path]) -> tuple[int, str, str, float]:
    """Exit code, stdout, stderr and peak RSS (MB) of ``subpipe ARGS`` (``os.wait4``)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli.main", *map(str, args)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    out, err = proc.stdout.read(), proc.stderr.read()  # type: ignore[union-attr]
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, out, err, usage.ru_maxrss / 1024


@pytest.mark.media
@pytest.mark.parametrize("hours", [50, 500])
def test_align_analyses_the_films_span_only(short_speech_film: Path, tmp_path: Path, hours: int) -> None:
    shift = 2500
    text = srt_for("ru", count=8, shift_ms=shift)
    sub = tmp_path / "film.ru.srt"
    sub.write_text(text + f"\n9\n{hours}:00:01,000 --> {hours}:00:03,000\nОпечатка.\n", encoding="utf-8")
    out = tmp_path / "aligned.srt"
    code, stdout, stderr, peak_mb = _peak_mb(["align", sub, "--film", short_speech_film, "-o", out, "--json"])
    assert code == 0, stderr
    assert peak_mb < 600, peak_mb  # before: 1.4 GB at 50 hours, MemoryError at 500
    entry = json.loads(stdout)["files"][0]
    assert entry["status"] == "aligned" and entry["cues"] == 9
    assert entry["cues_outside_film"] == 1 and entry["cues_clamped"] >= 1
    assert "lie outside the film" in stderr and f"{sub}" in stderr
    cues = load_track(out).cues
    spans = timeline(8)
    truth = [a for _, a, _ in spans]
    assert all(abs(c.start - a) <= 60 for c, a in zip(cues[:8], truth, strict=True))  # the shift undone
    film_end = spans[-1][2] + 1000  # how jobmedia.speech_film ends the film
    assert cues[8].text == "Опечатка." and 0 <= cues[8].start < cues[8].end <= film_end
    assert cues[8].end - cues[8].start == 2000  # kept whole, clamped inside the film
