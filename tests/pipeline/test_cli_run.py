"""``subpipe run`` through the real CLI: a folder job end to end, the no-op re-run that starts
no ffmpeg, one replaced subtitle redoing only what depends on it, --dry-run/--only/--from,
a refused alignment stopping one language, and kill -9 in the middle of the mux."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from media.ffmpeg import find_ffmpeg
from media.probe import probe
from tests.pipeline.jobmedia import job_folder, speech_film, srt_for
from tests.process_helpers import wait_until

pytestmark = pytest.mark.media

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def film(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return speech_film(tmp_path_factory.mktemp("film") / "base.mp4")


def ffmpeg_spy(folder: Path, *, slow_mux_s: float = 0) -> Path:
    """An ffmpeg that logs every call (and can make the mux slow), then runs the real one."""
    log = folder / "ffmpeg.log"
    script = folder / "ffmpeg-spy.sh"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> "{log}"\n'
        f'case "$*" in *"-f matroska"*) sleep {slow_mux_s};; esac\n'
        f'exec "{find_ffmpeg().path}" "$@"\n',
        encoding="utf-8",
    )
    script.chmod(0o755)
    return script


def calls(folder: Path) -> list[str]:
    log = folder / "ffmpeg.log"
    return log.read_text("utf-8").splitlines() if log.exists() else []


def env_for(tmp: Path, spy: Path | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["SUBPIPE_LEDGER"] = str(tmp / "ledger.sqlite")
    if spy is not None:
        env["SUBPIPE_FFMPEG"] = str(spy)
    return env


def subpipe(*args: str | Path, env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli.main", *map(str, args)],
        capture_output=True, text=True, timeout=timeout, env=env, cwd=REPO, check=False,
    )  # fmt: skip


def result_of(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "result.json").read_text("utf-8"))
    return data


def ran(result: dict[str, Any]) -> set[str]:
    return {s["stage"] for s in result["stages"] if not s["reused"] and s["status"] != "skipped"}


def test_run_rerun_and_a_replaced_subtitle(film: Path, tmp_path: Path) -> None:
    job = job_folder(tmp_path / "crackdown", film)
    spy = ffmpeg_spy(tmp_path)
    env = env_for(tmp_path, spy)
    first = subpipe("run", job, env=env)
    assert first.returncode == 0, first.stderr + first.stdout
    out = job / "subpipe-out"
    result = result_of(out)
    assert result["status"] == "ok" and result["languages"] == {"en": "ok", "pl": "ok", "ru": "ok"}
    assert len(ran(result)) == 17  # 5 per language, mux, report
    info = probe(out / "film.mkv")
    assert [(s.language, s.default) for s in info.subtitles] == [
        ("rus", True),
        ("eng", False),
        ("pol", False),
    ]
    assert (out / ".mux.stamp.json").is_file() and (out / "aligned" / ".align-pl.stamp.json").is_file()
    assert (out / "summary.txt").is_file()
    decodes = [c for c in calls(tmp_path) if "s16le" in c]
    assert decodes, "the film was never decoded"

    # nothing changed: nothing runs, no ffmpeg starts, no cluster, and it says so
    before = calls(tmp_path)
    started = time.monotonic()
    again = subpipe("run", job, env=env)
    assert again.returncode == 0, again.stderr
    assert "up to date" in again.stdout and "no ffmpeg started" in again.stdout
    assert "no cluster started" in again.stdout
    assert calls(tmp_path) == before
    assert time.monotonic() - started < 10

    # a re-uploaded Polish file (2 s late): only its stages, the cross-language checks and
    # the mux run again, and the film is not decoded again (speech from the cache)
    (job / "film.pl.srt").write_text(srt_for("pl", shift_ms=2000), encoding="utf-8")
    third = subpipe("run", job, env=env)
    assert third.returncode == 0, third.stderr
    result = result_of(out)
    assert ran(result) == {
        "inspect:pl",
        "fix:pl",
        "align:pl",
        "snap:pl",
        "validate:en",
        "validate:pl",
        "validate:ru",
        "mux",
        "report",
    }
    align_pl = next(s for s in result["stages"] if s["stage"] == "align:pl")
    assert align_pl["details"]["speech_cached"] is True and align_pl["details"]["offset_ms"] < -1500
    assert [c for c in calls(tmp_path) if "s16le" in c] == decodes

    db = sqlite3.connect(tmp_path / "ledger.sqlite")
    assert db.execute("SELECT COUNT(*), MIN(status), MAX(status) FROM runs").fetchone() == (2, "ok", "ok")
    row = db.execute(
        "SELECT inputs_json, options_json, versions_json FROM stages WHERE instance='align:pl' "
        "ORDER BY id DESC"
    ).fetchone()
    inputs, options, versions = (json.loads(x) for x in row)
    assert inputs["film"] and inputs["chain"] and options["min_confidence"] == 0.5
    assert set(versions) == {"subpipe", "ffmpeg"} and versions["ffmpeg"] == find_ffmpeg().version
    stamp = json.loads((out / "aligned" / ".align-pl.stamp.json").read_text("utf-8"))
    assert (
        stamp["key"]
        == align_pl["key"]
        == db.execute("SELECT key FROM stages WHERE instance='align:pl' ORDER BY id DESC").fetchone()[0]
    )

    # single artifacts deleted (not result.json): exactly the stages that made them run again
    (out / "fixed" / "film.ru.srt").unlink()
    (out / "film.mkv").unlink()
    fourth = subpipe("run", job, "--json", env=env)
    assert fourth.returncode == 0, fourth.stderr
    assert ran(json.loads(fourth.stdout)) == {"fix:ru", "mux"}
    assert (out / "fixed" / "film.ru.srt").is_file()
    assert [s.language for s in probe(out / "film.mkv").subtitles] == ["rus", "eng", "pol"]


def test_render_stages_in_a_job_and_reused(tmp_path: Path) -> None:
    """--sidecars --burn --hls through ``subpipe run``: every output there and verified by
    reading it back, the ledger recording each stage, and a re-run reusing all of it."""
    short = speech_film(tmp_path / "short.mp4", 3)
    job = job_folder(tmp_path / "job", short, count=3)
    spy = ffmpeg_spy(tmp_path)
    env = env_for(tmp_path, spy)
    flags = ["--sidecars", "--burn", "--hls", "--burn-height", "90", "--hls-height", "90", "--segment", "2"]
    first = subpipe("run", job, *flags, "--json", env=env, timeout=600)
    assert first.returncode == 0, first.stderr
    result = json.loads(first.stdout)
    status = {s["stage"]: s["status"] for s in result["stages"]}
    assert status["sidecars"] == status["burn"] == status["hls"] == "ok"
    out = job / "subpipe-out"
    sidecars = sorted(p.name for p in (out / "sidecars").iterdir() if not p.name.startswith("."))
    assert sidecars == [f"film.{t}.{x}" for t in ("en", "pl", "ru") for x in ("srt", "vtt")]
    vtt = (out / "sidecars" / "film.ru.vtt").read_text("utf-8")
    assert vtt.startswith("WEBVTT") and any("а" <= c <= "я" for c in vtt)  # the Russian text, as UTF-8
    source = probe(short)
    for tag in ("en", "pl", "ru"):
        info = probe(out / "burn" / f"film.{tag}.90p.mp4")
        assert info.video[0].height == 90 and not info.subtitles  # burned in, not a soft track
        assert abs((info.duration_ms or 0) - (source.duration_ms or 0)) <= 80  # within two frames
    assert (out / "burn" / "film.proof.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import m3u8

    master = m3u8.load(str(out / "hls" / "master.m3u8"))
    subs = {m.language: m.name for m in master.media if m.type == "SUBTITLES"}
    assert subs == {"ru": "Русский", "en": "English", "pl": "Polski"}
    for playlist in master.playlists:
        for segment in m3u8.load(str(out / "hls" / playlist.uri)).segments:
            assert (out / "hls" / segment.uri).is_file()
    db = sqlite3.connect(tmp_path / "ledger.sqlite")
    recorded = dict(
        db.execute("SELECT instance, status FROM stages WHERE instance IN ('sidecars','burn','hls')")
    )
    assert recorded == {"sidecars": "ok", "burn": "ok", "hls": "ok"}
    for stage in ("burn", "hls"):
        key = next(s["key"] for s in result["stages"] if s["stage"] == stage)
        assert db.execute("SELECT status FROM done WHERE key=?", (key,)).fetchone() == ("ok",)
        assert (out / stage / f".{stage}.stamp.json").is_file()

    # nothing changed: every render output reused, no ffmpeg started
    before = calls(tmp_path)
    again = subpipe("run", job, *flags, env=env)
    assert again.returncode == 0, again.stderr
    assert "up to date" in again.stdout and calls(tmp_path) == before
    assert "hls/master.m3u8" in again.stdout and "film.ru.90p.mp4" in again.stdout


def test_dry_run_only_and_from(film: Path, tmp_path: Path) -> None:
    job = job_folder(tmp_path / "job", film)
    env = env_for(tmp_path)
    out = tmp_path / "out"
    dry = subpipe("run", job, "--out", out, "--dry-run", env=env)
    assert dry.returncode == 0, dry.stderr
    assert not out.exists()  # nothing written
    assert "17 stage(s) would run" in dry.stdout
    assert "run    align:ru" in dry.stdout and "-f s16le" in dry.stdout  # the decode it would start
    assert "-f matroska" in dry.stdout and "language=rus" in dry.stdout  # the mux command
    assert subpipe("run", job, "--out", out, env=env).returncode == 0

    only = subpipe("run", job, "--out", out, "--only", "validate", "--json", env=env)
    assert only.returncode == 0, only.stderr
    assert ran(json.loads(only.stdout)) == {"validate:en", "validate:pl", "validate:ru"}
    again = subpipe("run", job, "--out", out, "--from", "align", "--json", env=env)
    assert ran(json.loads(again.stdout)) == {
        f"{s}:{t}" for s in ("align", "snap", "validate") for t in ("en", "pl", "ru")
    } | {"mux", "report"}
    dry_again = subpipe("run", job, "--out", out, "--dry-run", "--json", env=env)
    assert {r["action"] for r in json.loads(dry_again.stdout)["stages"]} == {"reuse"}


def test_refused_alignment_stops_that_language_only(film: Path, tmp_path: Path) -> None:
    job = job_folder(tmp_path / "job", film)
    # the Polish upload is another film's: its cues follow another narration
    (job / "film.pl.srt").write_text(srt_for("pl", order=[9, 2, 7, 4, 10, 1]), encoding="utf-8")
    done = subpipe("run", job, "--json", "--sidecars", env=env_for(tmp_path))
    assert done.returncode == 3, done.stderr
    result = json.loads(done.stdout)
    assert result["languages"] == {"en": "ok", "pl": "refused at align", "ru": "ok"}
    assert "alignment refused" in result["reason"] and "film.pl.srt" in result["reason"]
    status = {s["stage"]: s["status"] for s in result["stages"]}
    assert status["validate:pl"] == "skipped" and status["mux"] == "ok"
    mkv = job / "subpipe-out" / "film.mkv"
    assert [s.language for s in probe(mkv).subtitles] == ["rus", "eng"]
    assert not (job / "subpipe-out" / "aligned" / "film.pl.srt").exists()
    # a render stage (sidecars, opt-in) runs on the languages still in: no Polish sidecar
    assert status["sidecars"] == "ok"
    sidecars = job / "subpipe-out" / "sidecars"
    assert sorted(p.name for p in sidecars.iterdir() if not p.name.startswith(".")) == [
        "film.en.srt", "film.en.vtt", "film.ru.srt", "film.ru.vtt",
    ]  # fmt: skip


def test_a_spec_leading_outside_is_one_line_exit_2(tmp_path: Path) -> None:
    job = tmp_path / "job"
    job.mkdir()
    (job / "job.toml").write_text('film = "../../etc/film.mp4"\n', encoding="utf-8")
    done = subpipe("run", job, env=env_for(tmp_path))
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "job.toml:1: film: '../../etc/film.mp4' leads outside the job folder" in done.stderr


def _live_in_group(pgid: int) -> list[int]:
    """Processes of process group ``pgid`` that are not zombies."""
    live = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_bytes().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] not in (b"Z", b"X"):
            live.append(int(stat.parent.name))
    return live


def test_kill_9_in_the_middle_of_the_mux_then_rerun(film: Path, tmp_path: Path) -> None:
    job = job_folder(tmp_path / "job", film)
    spy = ffmpeg_spy(tmp_path, slow_mux_s=30)
    env = env_for(tmp_path, spy)
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli.main", "run", job], env=env, cwd=REPO,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    out = job / "subpipe-out"
    try:
        deadline = time.monotonic() + 120
        while not any("-f matroska" in c for c in calls(tmp_path)):
            assert time.monotonic() < deadline and proc.poll() is None, "the mux never started"
            time.sleep(0.1)
        time.sleep(0.5)
        temporaries = [p for p in out.iterdir() if "~subpipe-" in p.name]
        assert temporaries, "the mux should be writing its temporary now"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # the spy's sleep
    assert not (out / "film.mkv").exists() and not (out / ".mux.stamp.json").exists()
    # SIGKILL reaches the killed run's Dask workers too; let them finish dying first, as a
    # person re-running after a crash would find them (a zombie counts as gone)
    assert wait_until(lambda: not _live_in_group(proc.pid), 20) is not None

    ffmpeg_spy(tmp_path, slow_mux_s=0)
    again = subpipe("run", job, "--json", env=env)
    assert again.returncode == 0, again.stderr
    result = json.loads(again.stdout)
    assert ran(result) == {"mux", "report"}  # everything before the mux was stamped before the kill
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "aligned", "film.mkv", "fixed", "inspect", "report.html", "result.json", "snap", "summary.txt",
        "validate",
    ]  # fmt: skip
    assert not [p for p in out.rglob("*") if "~subpipe-" in p.name]  # the dead run's temporary is gone
    assert [s.language for s in probe(out / "film.mkv").subtitles] == ["rus", "eng", "pol"]
    db = sqlite3.connect(tmp_path / "ledger.sqlite")
    runs = db.execute("SELECT status FROM runs ORDER BY id").fetchall()
    assert runs == [("interrupted",), ("ok",)]
    assert db.execute("SELECT COUNT(*) FROM stages WHERE status='running'").fetchone() == (0,)
    assert db.execute("SELECT COUNT(*) FROM attempts WHERE status='running'").fetchone() == (0,)
    muxes = db.execute("SELECT status FROM stages WHERE instance='mux' ORDER BY id").fetchall()
    assert muxes == [("interrupted",), ("ok",)]
