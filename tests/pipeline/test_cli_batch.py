"""``subpipe batch`` through the real CLI on a folder of good, flawed and broken uploads:
the good jobs finish, every failure is reported with its reason, the exit code is 1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from media.probe import probe
from tests.mediagen import make_film
from tests.pipeline.jobmedia import job_folder, speech_film, srt_for

pytestmark = pytest.mark.media

REPO = Path(__file__).resolve().parents[2]


def subpipe(*args: str | Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli.main", *map(str, args)],
        capture_output=True, text=True, timeout=400, env=env, cwd=REPO, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def uploads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("uploads")
    film = speech_film(root.parent / "base.mp4")
    job_folder(root / "good", film, stem="good", langs=("ru", "en"))
    # flawed: the Polish file is Russian text (an error-severity language finding)
    flawed = job_folder(root / "flawed", film, langs=("ru", "pl"))
    (flawed / "film.pl.srt").write_text(srt_for("ru"), encoding="utf-8")
    # an unreadable subtitle (binary bytes) beside a good one
    unreadable = job_folder(root / "unreadable", film, langs=("ru", "en"))
    (unreadable / "film.en.srt").write_bytes(bytes(range(256)) * 4)
    # a film with no audio track at all
    silent = root / "silent"
    make_film(silent / "film.mp4", duration_s=3, audio=None)
    (silent / "film.ru.srt").write_text(srt_for("ru", 2), encoding="utf-8")
    # subtitles of another film (another narration's timing)
    other = job_folder(root / "other", film, langs=("en",))
    (other / "film.en.srt").write_text(srt_for("en", order=[9, 2, 7, 4, 10, 1]), encoding="utf-8")
    # a spec reaching outside its folder
    escape = root / "escape"
    escape.mkdir()
    (escape / "job.toml").write_text('film = "../good/good.mp4"\n', encoding="utf-8")
    return root


def test_batch_finishes_the_good_and_reports_each_failure(uploads: Path, tmp_path: Path) -> None:
    env = {**os.environ, "SUBPIPE_LEDGER": str(tmp_path / "ledger.sqlite")}
    out = tmp_path / "out"
    done = subpipe("batch", uploads, "--out", out, "--workers", "2", "--json", env=env)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    jobs: dict[str, dict[str, Any]] = {Path(j["job"]).name: j for j in report["results"]}
    assert set(jobs) == {"good", "flawed", "unreadable", "silent", "other", "escape"}
    assert report["jobs"] == 6 and report["failed"] == 5 and report["ok"] is False

    good = jobs["good"]
    assert good["status"] == "ok" and good["exit_code"] == 0
    assert [s.language for s in probe(out / "good" / "good.mkv").subtitles] == ["rus", "eng"]

    flawed = jobs["flawed"]
    assert flawed["status"] == "failed" and flawed["exit_code"] == 1
    assert flawed["languages"] == {"pl": "failed at validate", "ru": "ok"}
    assert "film.pl.srt" in flawed["reason"] and "lang." in flawed["reason"]
    assert [s.language for s in probe(out / "flawed" / "film.mkv").subtitles] == ["rus"]  # ru still ships

    unreadable = jobs["unreadable"]
    assert unreadable["exit_code"] == 2 and unreadable["languages"] == {"en": "failed at inspect", "ru": "ok"}
    assert "film.en.srt" in unreadable["reason"]

    silent = jobs["silent"]
    assert silent["languages"] == {"ru": "failed at align"} and "no audio stream" in silent["reason"]
    assert {s["stage"]: s["status"] for s in silent["stages"]}["mux"] == "skipped"

    other = jobs["other"]
    assert other["exit_code"] == 3 and "alignment refused" in other["reason"]

    escape = jobs["escape"]
    assert escape["exit_code"] == 2 and "leads outside the job folder" in escape["reason"]

    # the batch's index page: one row per job, each planned job linking its own report
    assert report["index"] == str(out / "index.html")
    index = (out / "index.html").read_text("utf-8")
    assert index.count('<tr data-name="') == 6 and 'href="good/report.html"' in index
    assert (out / "flawed" / "report.html").is_file() and (out / "silent" / "report.html").is_file()

    # the human table names every job and reason; a second run has nothing to do
    started = time.monotonic()
    again = subpipe("batch", uploads, "--out", out, env=env)
    assert again.returncode == 1
    for name in jobs:
        assert name in again.stdout
    assert "leads outside the job folder" in again.stdout and "alignment refused" in again.stdout
    assert "no cluster, no ffmpeg started" in again.stdout
    assert time.monotonic() - started < 15


def test_no_job_found_is_a_usage_error(tmp_path: Path) -> None:
    env = {**os.environ, "SUBPIPE_LEDGER": str(tmp_path / "ledger.sqlite")}
    done = subpipe("batch", tmp_path, env=env)
    assert done.returncode == 2 and "no job found" in done.stderr


def test_an_internal_error_in_a_job_is_one_line_not_a_worker_traceback(tmp_path: Path) -> None:
    """A job whose output folder cannot be made (a file already has its name) fails inside
    the Dask task: the user sees the job's one-line reason, not distributed's "Compute
    Failed" log with a traceback; the other job finishes."""
    # six cues: two are too few to align with confidence on every ffmpeg build
    film = speech_film(tmp_path / "base.mp4")
    uploads = tmp_path / "uploads"
    job_folder(uploads / "blocked", film, langs=("en",))
    job_folder(uploads / "fine", film, langs=("en",))
    out = tmp_path / "out"
    out.mkdir()
    (out / "blocked").write_text("not a folder", encoding="utf-8")
    env = {**os.environ, "SUBPIPE_LEDGER": str(tmp_path / "ledger.sqlite")}
    done = subpipe("batch", uploads, "--out", out, "--workers", "1", env=env)
    assert done.returncode == 1, done.stderr
    assert "Compute Failed" not in done.stderr and "Traceback" not in done.stderr, done.stderr
    line = next(x for x in done.stderr.splitlines() if x.startswith("FAILED"))
    assert "blocked" in line and "internal error: NotADirectoryError" in line and "out/blocked" in line
    assert "fine" in done.stdout and (out / "fine" / "film.mkv").is_file()


def test_a_subtitle_file_given_as_a_job_is_a_usage_error(tmp_path: Path) -> None:
    """As ``subpipe run`` says: a job is a folder or a ``.toml`` spec, never a subtitle file."""
    sub = tmp_path / "film.ru.srt"
    sub.write_text("1\n00:00:01,000 --> 00:00:02,000\nПривет\n", encoding="utf-8")
    env = {**os.environ, "SUBPIPE_LEDGER": str(tmp_path / "ledger.sqlite")}
    done = subpipe("batch", sub, env=env)
    assert done.returncode == 2, done.stderr
    assert "film.ru.srt" in done.stderr and ".toml spec" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
