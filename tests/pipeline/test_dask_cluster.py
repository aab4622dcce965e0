"""A real Dask cluster over loopback TCP: ``dask scheduler`` and two ``dask worker``
processes started here (random ports, no dashboard, bounded time, always torn down);
``subpipe batch --cluster`` spreads the jobs over both workers; one worker is killed in the
middle of a job, and the job still finishes once, the ledger showing its second attempt."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from media.ffmpeg import find_ffmpeg
from media.probe import probe
from tests.pipeline.jobmedia import job_folder, speech_film

pytestmark = pytest.mark.media

REPO = Path(__file__).resolve().parents[2]
DASK = Path(sys.executable).with_name("dask")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def spy(folder: Path) -> Path:
    """ffmpeg that logs its parent (the worker process) and the command, slow on the mux."""
    script = folder / "ffmpeg-spy.sh"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$PPID $*" >> "{folder / "ffmpeg.log"}"\n'
        'case "$*" in *"-f matroska"*) sleep 3;; esac\n'
        f'exec "{find_ffmpeg().path}" "$@"\n',
        encoding="utf-8",
    )
    script.chmod(0o755)
    return script


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[str, dict[str, str], list[subprocess.Popen[bytes]]]]:
    env = {
        **os.environ,
        "SUBPIPE_FFMPEG": str(spy(tmp_path)),
        "SUBPIPE_LEDGER": str(tmp_path / "ledger.sqlite"),
    }
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs: list[subprocess.Popen[bytes]] = []
    logs = tmp_path / "logs"
    logs.mkdir()

    def start(name: str, args: list[str]) -> subprocess.Popen[bytes]:
        with (logs / f"{name}.log").open("wb") as log:
            proc = subprocess.Popen(
                [str(DASK), *args],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        procs.append(proc)
        return proc

    try:
        start("scheduler", ["scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"])
        for n in (1, 2):
            start(f"worker{n}", [
                "worker", address, "--nthreads", "1", "--nworkers", "1", "--resources", "encode=1",
                "--no-dashboard", "--name", f"w{n}", "--host", "127.0.0.1",
            ])  # fmt: skip
        _wait_for_workers(address, 2, timeout=90)
        yield address, env, procs
    finally:
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def _wait_for_workers(address: str, n: int, timeout: float) -> None:
    import importlib

    client_cls: Any = importlib.import_module("distributed").Client
    deadline = time.monotonic() + timeout
    # a scheduler starting on a 2-core machine busy with the other test worker can take
    # more than Dask's default to answer: the deadline below is what bounds the wait
    with client_cls(address, timeout=f"{timeout:g}s") as client:
        while len(client.scheduler_info()["workers"]) < n:
            assert time.monotonic() < deadline, "the workers did not join"
            time.sleep(0.2)


def test_jobs_spread_over_two_workers_and_survive_a_killed_worker(
    cluster: tuple[str, dict[str, str], list[subprocess.Popen[bytes]]], tmp_path: Path
) -> None:
    address, env, _ = cluster
    film = speech_film(tmp_path / "base.mp4", 4)
    uploads = tmp_path / "uploads"
    for name in ("alpha", "beta", "gamma"):
        job_folder(uploads / name, film, langs=("ru", "en"), count=4)
    out = tmp_path / "out"
    stdout_file, stderr_file = (tmp_path / "batch.out").open("wb"), (tmp_path / "batch.err").open("wb")
    batch = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli.main", "batch", uploads, "--out", out, "--cluster", address,
         "--json"],
        cwd=REPO, env=env, stdout=stdout_file, stderr=stderr_file,
    )  # fmt: skip
    log = tmp_path / "ffmpeg.log"
    victim_job = None
    try:
        deadline = time.monotonic() + 240
        while victim_job is None:
            assert batch.poll() is None and time.monotonic() < deadline, "no mux started"
            for line in log.read_text("utf-8").splitlines() if log.exists() else []:
                if "-f matroska" in line:
                    worker_pid = int(line.split()[0])
                    victim_job = next(n for n in ("alpha", "beta", "gamma") if f"/out/{n}/" in line)
                    break
            time.sleep(0.1)
        time.sleep(0.5)
        os.kill(worker_pid, signal.SIGKILL)  # the worker process running this job's mux
        batch.wait(timeout=300)
    finally:
        if batch.poll() is None:
            batch.kill()
        stdout_file.close()
        stderr_file.close()
    assert batch.returncode == 0, (tmp_path / "batch.err").read_text("utf-8")
    report = json.loads((tmp_path / "batch.out").read_text("utf-8"))
    assert report["ok"] and report["cluster_started"]
    for name in ("alpha", "beta", "gamma"):
        assert [s.language for s in probe(out / name / "film.mkv").subtitles] == ["rus", "eng"]

    db = sqlite3.connect(tmp_path / "ledger.sqlite")
    workers = {w for (w,) in db.execute("SELECT DISTINCT worker FROM attempts")}
    assert len(workers) >= 2, workers  # spread over both workers
    rows = db.execute(
        "SELECT a.number, a.status FROM attempts a JOIN jobs j ON j.id = a.job_id WHERE j.name = ? "
        "ORDER BY a.number",
        (victim_job,),
    ).fetchall()
    assert rows == [(1, "lost"), (2, "ok")], rows
    muxes = db.execute(
        "SELECT s.status FROM stages s JOIN jobs j ON j.id = s.job_id "
        "WHERE j.name = ? AND s.instance = 'mux'",
        (victim_job,),
    ).fetchall()
    assert sorted(m for (m,) in muxes) == ["lost", "ok"]  # one finished mux, one lost with its worker
    # the second attempt resumed: the stages done before the kill were taken from their stamps
    victim = next(j for j in report["results"] if j["name"] == victim_job)
    assert victim["attempt"] == 2
    assert {s["stage"] for s in victim["stages"] if not s["reused"]} == {"mux", "report"}
    assert not [p for p in (out / victim_job).rglob("*") if "~subpipe-" in p.name]
