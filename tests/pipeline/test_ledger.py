"""The ledger on its own: file hashes reused while size/mtime/inode match, attempts numbered
with a lost one marked, a killed coordinator's rows recovered, WAL mode."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from pipeline.job import Hasher, file_digest, stamp_path
from pipeline.ledger import Ledger


def test_file_hashes_come_from_the_ledger_until_the_file_changes(tmp_path: Path) -> None:
    f = tmp_path / "film.ru.srt"
    f.write_text("one", encoding="utf-8")
    with Ledger(tmp_path / "l.sqlite") as ledger:
        # written just now: it could change again within the clock's granularity with the
        # same size and mtime, so its hash is not cached (racy, as git calls it)
        fresh = Hasher(ledger)
        fresh.ref(f)
        fresh.flush()
        assert ledger.query("SELECT COUNT(*) FROM files") == [(0,)]
        old = time.time_ns() - 60 * 10**9
        os.utime(f, ns=(old, old))
        h = Hasher(ledger)
        first = h.ref(f)
        h.flush()
        assert h.hashed == 1 and first.digest == file_digest(f)
        h2 = Hasher(ledger)
        assert h2.ref(f).digest == first.digest and h2.hashed == 0  # from the ledger
        f.write_text("two", encoding="utf-8")
        os.utime(f, ns=(first.mtime_ns + 10**9, first.mtime_ns + 10**9))
        changed = h2.ref(f)
        assert h2.hashed == 1 and changed.digest != first.digest
        assert ledger.query("PRAGMA journal_mode")[0][0] == "wal"


def test_attempts_lost_and_recovered(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    with Ledger(path) as ledger:
        job = ledger.job_id("/jobs/a", "a", "/out/a")
        assert ledger.job_id("/jobs/a", "a", "/out/a") == job
        run = ledger.start_run(job, "batch", {"subpipe": "0.1.0", "ffmpeg": "5.1"})
        a1, n1 = ledger.start_attempt(run, job, "tcp://w1", 11)
        ledger.stage_started(job, run, a1, "mux", "k1")
        a2, n2 = ledger.start_attempt(run, job, "tcp://w2", 12)  # w1 died
        assert (n1, n2) == (1, 2)
        envelope = {"stage": "mux", "status": "ok", "key": "k1", "timings": {"seconds": 1.0}}
        stamp = {"path": "/out/a/.mux.stamp.json", "size": 10, "mtime_ns": 5}
        ledger.stage_started(job, run, a2, "mux", "k1")
        ledger.stage_finished(job, run, a2, envelope, {"inputs": {"film": "f"}, "stamp": stamp})
        ledger.finish_run(run, job, "ok", 0, None, {"status": "ok"})
        rows = ledger.query("SELECT number, worker, status FROM attempts ORDER BY number")
        assert rows == [(1, "tcp://w1", "lost"), (2, "tcp://w2", "ok")]
        assert ledger.query("SELECT status FROM stages ORDER BY id") == [("lost",), ("ok",)]
        assert ledger.done("k1") is not None and ledger.done("k1").stamp_size == 10  # type: ignore[union-attr]
        # a run left 'running' by a coordinator that was killed
        run2 = ledger.start_run(job, "run", {})
        ledger.start_attempt(run2, job, "local", 13)
    db = sqlite3.connect(path)
    db.execute("UPDATE runs SET coordinator_pid = -1 WHERE id = ?", (run2,))
    db.commit()
    with Ledger(path) as ledger:
        assert ledger.recover() == 1
        assert ledger.query("SELECT status FROM runs ORDER BY id") == [("ok",), ("interrupted",)]
        assert ledger.query("SELECT COUNT(*) FROM attempts WHERE status='running'") == [(0,)]


def test_stamps_sit_beside_each_stage_artifacts(tmp_path: Path) -> None:
    assert stamp_path(tmp_path, "align:pl") == tmp_path / "aligned" / ".align-pl.stamp.json"
    assert stamp_path(tmp_path, "fix:en.forced") == tmp_path / "fixed" / ".fix-en.forced.stamp.json"
    assert stamp_path(tmp_path, "mux") == tmp_path / ".mux.stamp.json"
