"""``subpipe watch`` through the real CLI: a film copied in slowly is not picked up before
it is complete; a re-uploaded subtitle re-runs what depends on it; SIGTERM in the middle of
a run exits 0 with the ledger consistent, and a restarted watcher finishes the job."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.pipeline.jobmedia import speech_film, srt_for, write_uploads

pytestmark = pytest.mark.media

REPO = Path(__file__).resolve().parents[2]


def start_watch(uploads: Path, out: Path, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as f:
        return subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli.main", "watch", uploads, "--out", out, "--settle", "1.5",
             "--interval", "0.2", "--workers", "1"],
            cwd=REPO, env=env, stdout=f, stderr=subprocess.STDOUT,
        )  # fmt: skip


def wait_for(
    what: str, check: Callable[[], bool], proc: subprocess.Popen[bytes], timeout: float = 180
) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert proc.poll() is None, f"watch exited while waiting for {what}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def result(out: Path) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads((out / "result.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data


def ran(data: dict[str, Any]) -> set[str]:
    return {s["stage"] for s in data["stages"] if not s["reused"] and s["status"] != "skipped"}


def test_watch_waits_for_complete_uploads_reruns_and_stops_on_sigterm(tmp_path: Path) -> None:
    film = speech_film(tmp_path / "base.mp4")
    uploads, out = tmp_path / "uploads", tmp_path / "out"
    uploads.mkdir()
    env = {**os.environ, "SUBPIPE_LEDGER": str(tmp_path / "ledger.sqlite")}
    log = tmp_path / "watch.log"
    proc = start_watch(uploads, out, env, log)
    try:
        job = uploads / "festival film"
        write_uploads(job, "film", ("ru", "en"))
        # the film arrives slowly: a chunk every 0.5 s (each pause shorter than --settle)
        data = film.read_bytes()
        chunks = [data[i : i + len(data) // 8 + 1] for i in range(0, len(data), len(data) // 8 + 1)]
        with (job / "film.mp4").open("wb") as f:
            for chunk in chunks:
                f.write(chunk)
                f.flush()
                time.sleep(0.5)
                assert not (out / "festival film").exists(), "picked up before the copy was complete"
        complete_at = time.time()
        job_out = out / "festival film"
        db = sqlite3.connect(tmp_path / "ledger.sqlite", timeout=30)

        def runs_ok(n: int) -> Callable[[], bool]:
            return lambda: db.execute("SELECT COUNT(*) FROM runs WHERE status='ok'").fetchone()[0] >= n

        wait_for("the first run", runs_ok(1), proc)
        first = result(job_out)
        assert first is not None and first["status"] == "ok", first
        (started_at,) = db.execute("SELECT MIN(started_at) FROM runs").fetchone()
        assert started_at >= complete_at + 1.0  # only after --settle seconds without change

        # a re-uploaded English file: only what depends on it runs again
        (job / "film.en.srt").write_text(srt_for("en", shift_ms=1500), encoding="utf-8")
        wait_for("the re-run", runs_ok(2), proc)
        second = result(job_out)
        assert second is not None and second["status"] == "ok"
        assert ran(second) == {
            "inspect:en", "fix:en", "align:en", "snap:en", "validate:en", "validate:ru", "mux", "report",
        }  # fmt: skip

        # another upload; SIGTERM while it runs: exit 0, the ledger consistent
        (job / "film.ru.srt").write_text(srt_for("ru", shift_ms=-300), encoding="utf-8")
        wait_for(
            "the third run to start",
            lambda: db.execute("SELECT COUNT(*) FROM stages WHERE status='running'").fetchone()[0] > 0,
            proc,
        )
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0, log.read_text("utf-8")
    finally:
        if proc.poll() is None:
            proc.kill()
    assert db.execute("SELECT COUNT(*) FROM runs WHERE status='running'").fetchone() == (0,)
    assert db.execute("SELECT COUNT(*) FROM attempts WHERE status='running'").fetchone() == (0,)
    assert db.execute("SELECT COUNT(*) FROM stages WHERE status='running'").fetchone() == (0,)
    # the run SIGTERM met is interrupted, unless its last stage ended in the moment between the
    # check above and the signal (fast stages on a quiet machine): then it finished, and ok
    (last_status,) = db.execute("SELECT status FROM runs ORDER BY id DESC").fetchone()
    assert last_status in ("interrupted", "ok")  # and nothing left "running" (above)
    assert "the ledger is up to date" in log.read_text("utf-8")

    # restarted: it resumes from the ledger and the stamps (running what the interrupted run
    # left undone, or nothing if its worker finished before the cluster closed)
    proc = start_watch(uploads, out, env, log)
    try:
        wait_for("the resumed job", lambda: db.execute("SELECT status FROM jobs").fetchone() == ("ok",), proc)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    final = result(out / "festival film")
    assert final is not None and final["status"] == "ok"
    key = {s["stage"]: s["key"] for s in final["stages"]}
    assert key["align:ru"] != {s["stage"]: s["key"] for s in second["stages"]}["align:ru"]  # the new upload
    stamp = json.loads((out / "festival film" / "aligned" / ".align-ru.stamp.json").read_text("utf-8"))
    assert stamp["key"] == key["align:ru"]
    assert db.execute("SELECT COUNT(*) FROM runs WHERE status='running'").fetchone() == (0,)
    assert not [p for p in out.rglob("*") if "~subpipe-" in p.name]
