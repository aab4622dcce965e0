"""The ledger: one SQLite file recording every job, run, attempt and stage.

Written by the coordinating process only (the one that runs ``subpipe run``/``batch``/
``watch``); workers report through Dask events and their return values, so no two machines
write one SQLite file over a network mount (which SQLite's locking does not survive).
WAL mode, so a reader (``subpipe batch --json`` elsewhere, a report) never blocks it.

Tables:

``files``     content hash of each input by path, valid while size, mtime and inode match:
              the no-op re-run hashes nothing.
``jobs``      one row per job (its spec or folder), with the latest status and result.
``runs``      one per time a coordinator took the job up (``subpipe run``, a batch, a watch
              trigger), with the subpipe and ffmpeg versions.
``attempts``  one per execution of the job's task on a worker (a worker death makes a
              second attempt; the first is marked ``lost``).
``stages``    one per stage instance per attempt: its key (the hash of its input hashes,
              options and versions), those inputs, options and versions as JSON, the
              envelope, and the stamp written beside its artifacts.
``done``      the latest finished envelope per key, for planning without reading stamps.
``signatures`` per job as requested: its folder's metadata signature, its output folders'
              state and its result's summary, so a finished, unchanged job is known done
              without planning it (``pipeline.signature``).

Every write is one short transaction; a coordinator killed at any moment leaves rows
marked ``running``, which the next coordinator marks ``interrupted`` (``recover``).
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.signature import Row

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS files(
    path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, ino INTEGER, digest TEXT, hashed_at REAL);
CREATE TABLE IF NOT EXISTS jobs(
    id INTEGER PRIMARY KEY, ident TEXT UNIQUE NOT NULL, name TEXT, out_dir TEXT, status TEXT,
    exit_code INTEGER, updated_at REAL, result_json TEXT);
CREATE TABLE IF NOT EXISTS runs(
    id INTEGER PRIMARY KEY, job_id INTEGER NOT NULL REFERENCES jobs(id), command TEXT,
    coordinator_pid INTEGER,
    started_at REAL, finished_at REAL, status TEXT, exit_code INTEGER, reason TEXT,
    subpipe_version TEXT, ffmpeg_version TEXT);
CREATE TABLE IF NOT EXISTS attempts(
    id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs(id), job_id INTEGER NOT NULL,
    number INTEGER, worker TEXT, pid INTEGER, started_at REAL, finished_at REAL, status TEXT, reason TEXT,
    UNIQUE(run_id, number));
CREATE TABLE IF NOT EXISTS stages(
    id INTEGER PRIMARY KEY, job_id INTEGER NOT NULL, run_id INTEGER, attempt_id INTEGER, instance TEXT,
    key TEXT, status TEXT, reused INTEGER, started_at REAL, finished_at REAL, seconds REAL,
    inputs_json TEXT, options_json TEXT, versions_json TEXT, envelope_json TEXT,
    stamp_path TEXT, stamp_size INTEGER, stamp_mtime_ns INTEGER);
CREATE INDEX IF NOT EXISTS stages_job ON stages(job_id, run_id);
CREATE TABLE IF NOT EXISTS signatures(
    path TEXT PRIMARY KEY, context TEXT, signature TEXT, state_json TEXT,
    ident TEXT, name TEXT, out_dir TEXT, brief_json TEXT, racy INTEGER);
CREATE TABLE IF NOT EXISTS done(
    key TEXT PRIMARY KEY, instance TEXT, status TEXT, envelope_json TEXT,
    stamp_path TEXT, stamp_size INTEGER, stamp_mtime_ns INTEGER);
"""


def default_path() -> Path:
    """``$SUBPIPE_LEDGER``, else ``$XDG_STATE_HOME/subpipe/ledger.sqlite`` (``~/.local/state``)."""
    env = os.environ.get("SUBPIPE_LEDGER")
    if env:
        return Path(env)
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "subpipe" / "ledger.sqlite"


@dataclass(frozen=True, slots=True)
class DoneRow:
    key: str
    instance: str
    status: str
    envelope: str
    stamp_path: str
    stamp_size: int
    stamp_mtime_ns: int


class Ledger:
    """One connection, used by one thread of the coordinating process."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(self.path), timeout=30, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA busy_timeout=30000")
        self.db.executescript(_SCHEMA)
        self.db.execute("INSERT OR IGNORE INTO meta VALUES('schema_version', ?)", (str(SCHEMA_VERSION),))
        self._file_cache: dict[str, tuple[int, int, int, str]] | None = None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    class _Tx:
        def __init__(self, db: sqlite3.Connection) -> None:
            self.db = db

        def __enter__(self) -> sqlite3.Connection:
            self.db.execute("BEGIN IMMEDIATE")
            return self.db

        def __exit__(self, kind: object, *rest: object) -> None:
            self.db.execute("COMMIT" if kind is None else "ROLLBACK")

    def tx(self) -> Ledger._Tx:
        return Ledger._Tx(self.db)

    # -- file hashes --------------------------------------------------------------------------

    def load_file_cache(self) -> None:
        """All known file hashes in one query (planning thousands of jobs looks each up)."""
        rows = self.db.execute("SELECT path, size, mtime_ns, ino, digest FROM files").fetchall()
        self._file_cache = {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}

    def cached_digest(self, path: str, size: int, mtime_ns: int, ino: int) -> str | None:
        if self._file_cache is not None:
            hit = self._file_cache.get(path)
        else:
            row = self.db.execute(
                "SELECT size, mtime_ns, ino, digest FROM files WHERE path=?", (path,)
            ).fetchone()
            hit = (row[0], row[1], row[2], row[3]) if row else None
        if hit is not None and hit[0] == size and hit[1] == mtime_ns and hit[2] == ino:
            return hit[3]
        return None

    def remember_digests(self, rows: Iterable[tuple[str, int, int, int, str]]) -> None:
        rows = list(rows)
        if not rows:
            return
        now = time.time()
        with self.tx() as db:
            db.executemany("INSERT OR REPLACE INTO files VALUES(?,?,?,?,?,?)", [(*r, now) for r in rows])
        if self._file_cache is not None:
            for r in rows:
                self._file_cache[r[0]] = (r[1], r[2], r[3], r[4])

    # -- planning ----------------------------------------------------------------------------

    def load_done(self) -> dict[str, DoneRow]:
        rows = self.db.execute(
            "SELECT key, instance, status, envelope_json, stamp_path, stamp_size, stamp_mtime_ns FROM done"
        ).fetchall()
        return {r[0]: DoneRow(*r) for r in rows}

    def done(self, key: str) -> DoneRow | None:
        r = self.db.execute(
            "SELECT key, instance, status, envelope_json, stamp_path, stamp_size, "
            "stamp_mtime_ns FROM done WHERE key=?",
            (key,),
        ).fetchone()
        return DoneRow(*r) if r else None

    def load_signatures(self) -> dict[str, Row]:
        """Every recorded job signature, in one query (planning thousands of jobs looks each up)."""
        from pipeline.signature import Row

        rows = self.db.execute(
            "SELECT path, context, signature, state_json, ident, name, out_dir, brief_json, racy "
            "FROM signatures"
        ).fetchall()
        return {
            r[0]: Row(
                path=r[0],
                context=r[1],
                signature=r[2],
                state=r[3],
                ident=r[4],
                name=r[5],
                out_dir=r[6],
                brief=r[7],
                racy=bool(r[8]),
            )
            for r in rows
        }

    def remember_signature(self, row: Row) -> None:
        with self.tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO signatures VALUES(?,?,?,?,?,?,?,?,?)",
                (
                    row.path,
                    row.context,
                    row.signature,
                    row.state,
                    row.ident,
                    row.name,
                    row.out_dir,
                    row.brief,
                    int(row.racy),
                ),
            )

    def forget_signature(self, path: str) -> None:
        with self.tx() as db:
            db.execute("DELETE FROM signatures WHERE path=?", (path,))

    # -- jobs, runs, attempts ---------------------------------------------------------------

    def job_id(self, ident: str, name: str, out_dir: str) -> int:
        with self.tx() as db:
            db.execute(
                "INSERT INTO jobs(ident, name, out_dir, status, updated_at) VALUES(?,?,?,?,?) "
                "ON CONFLICT(ident) DO UPDATE SET name=excluded.name, out_dir=excluded.out_dir",
                (ident, name, out_dir, "new", time.time()),
            )
            row = db.execute("SELECT id FROM jobs WHERE ident=?", (ident,)).fetchone()
        return int(row[0])

    def recover(self) -> int:
        """Mark what a killed coordinator left ``running`` as ``interrupted``; how many rows."""
        now = time.time()
        with self.tx() as db:
            n = db.execute(
                "UPDATE runs SET status='interrupted', finished_at=? WHERE status='running' "
                "AND coordinator_pid != ?",
                (now, os.getpid()),
            ).rowcount
            db.execute(
                "UPDATE attempts SET status='interrupted', finished_at=? WHERE status='running' "
                "AND run_id IN "
                "(SELECT id FROM runs WHERE status='interrupted')",
                (now,),
            )
            db.execute(
                "UPDATE stages SET status='interrupted', finished_at=? WHERE status='running' AND run_id IN "
                "(SELECT id FROM runs WHERE status='interrupted')",
                (now,),
            )
            db.execute("UPDATE jobs SET status='interrupted' WHERE status='running'")
        return n

    def start_run(self, job_id: int, command: str, versions: Mapping[str, str]) -> int:
        with self.tx() as db:
            cur = db.execute(
                "INSERT INTO runs(job_id, command, coordinator_pid, started_at, status, subpipe_version, "
                "ffmpeg_version) VALUES(?,?,?,?,?,?,?)",
                (
                    job_id,
                    command,
                    os.getpid(),
                    time.time(),
                    "running",
                    versions.get("subpipe"),
                    versions.get("ffmpeg"),
                ),
            )
            db.execute("UPDATE jobs SET status='running', updated_at=? WHERE id=?", (time.time(), job_id))
        return int(cur.lastrowid or 0)

    def start_attempt(self, run_id: int, job_id: int, worker: str, pid: int | None) -> tuple[int, int]:
        """A new attempt (a previous one still ``running`` was lost with its worker)."""
        now = time.time()
        with self.tx() as db:
            db.execute(
                "UPDATE attempts SET status='lost', finished_at=?, reason='the worker died or was lost' "
                "WHERE run_id=? AND status='running'",
                (now, run_id),
            )
            db.execute(
                "UPDATE stages SET status='lost', finished_at=? WHERE run_id=? AND status='running'",
                (now, run_id),
            )
            number = db.execute(
                "SELECT COALESCE(MAX(number), 0) + 1 FROM attempts WHERE run_id=?", (run_id,)
            ).fetchone()[0]
            cur = db.execute(
                "INSERT INTO attempts(run_id, job_id, number, worker, pid, started_at, status) "
                "VALUES(?,?,?,?,?,?,?)",
                (run_id, job_id, number, worker, pid, now, "running"),
            )
        return int(cur.lastrowid or 0), int(number)

    def stage_started(
        self, job_id: int, run_id: int, attempt_id: int | None, instance: str, key: str
    ) -> None:
        with self.tx() as db:
            db.execute(
                "INSERT INTO stages(job_id, run_id, attempt_id, instance, key, status, reused, started_at) "
                "VALUES(?,?,?,?,?,?,?,?)",
                (job_id, run_id, attempt_id, instance, key, "running", 0, time.time()),
            )

    def stage_finished(
        self,
        job_id: int,
        run_id: int,
        attempt_id: int | None,
        envelope: Mapping[str, Any],
        record: Mapping[str, Any],
    ) -> None:
        """One stage's envelope, its inputs/options/versions, and its stamp (for planning)."""
        now = time.time()
        instance = envelope["stage"]
        stamp = record.get("stamp") or {}
        values = (
            envelope["status"],
            int(bool(envelope.get("reused"))),
            now,
            envelope.get("timings", {}).get("seconds"),
            json.dumps(record.get("inputs", {})),
            json.dumps(record.get("options", {})),
            json.dumps(record.get("versions", {})),
            json.dumps(envelope, ensure_ascii=False),
            stamp.get("path"),
            stamp.get("size"),
            stamp.get("mtime_ns"),
        )
        with self.tx() as db:
            updated = db.execute(
                "UPDATE stages SET status=?, reused=?, finished_at=?, seconds=?, inputs_json=?, "
                "options_json=?, "
                "versions_json=?, envelope_json=?, stamp_path=?, stamp_size=?, stamp_mtime_ns=? "
                "WHERE id=(SELECT MAX(id) FROM stages WHERE run_id=? AND instance=? AND status='running')",
                (*values, run_id, instance),
            ).rowcount
            if not updated:
                db.execute(
                    "INSERT INTO stages(job_id, run_id, attempt_id, instance, key, status, reused, "
                    "started_at, finished_at, seconds, inputs_json, options_json, versions_json, "
                    "envelope_json, stamp_path, "
                    "stamp_size, stamp_mtime_ns) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        job_id,
                        run_id,
                        attempt_id,
                        instance,
                        envelope.get("key"),
                        values[0],
                        values[1],
                        now,
                        *values[2:],
                    ),
                )
            if stamp.get("path"):
                db.execute(
                    "INSERT OR REPLACE INTO done VALUES(?,?,?,?,?,?,?)",
                    (
                        envelope.get("key"),
                        instance,
                        envelope["status"],
                        json.dumps(envelope, ensure_ascii=False),
                        stamp.get("path"),
                        stamp.get("size"),
                        stamp.get("mtime_ns"),
                    ),
                )

    def finish_attempt(self, attempt_id: int, status: str, reason: str | None = None) -> None:
        with self.tx() as db:
            db.execute(
                "UPDATE attempts SET status=?, reason=?, finished_at=? WHERE id=?",
                (status, reason, time.time(), attempt_id),
            )

    def finish_run(
        self,
        run_id: int,
        job_id: int,
        status: str,
        exit_code: int,
        reason: str | None,
        result: Mapping[str, Any] | None,
    ) -> None:
        now = time.time()
        with self.tx() as db:
            db.execute(
                "UPDATE runs SET status=?, exit_code=?, reason=?, finished_at=? WHERE id=?",
                (status, exit_code, reason, now, run_id),
            )
            db.execute(
                "UPDATE attempts SET status=CASE WHEN ?1 IN ('ok', 'interrupted') THEN ?1 ELSE 'failed' END, "
                "finished_at=?2 WHERE run_id=?3 AND status='running'",
                (status, now, run_id),
            )
            db.execute(
                "UPDATE stages SET status='interrupted', finished_at=? WHERE run_id=? AND status='running'",
                (now, run_id),
            )
            db.execute(
                "UPDATE jobs SET status=?, exit_code=?, updated_at=?, result_json=COALESCE(?, result_json) "
                "WHERE id=?",
                (status, exit_code, now, json.dumps(result, ensure_ascii=False) if result else None, job_id),
            )

    def record_noop(self, job_id: int, status: str, exit_code: int) -> None:
        with self.tx() as db:
            db.execute(
                "UPDATE jobs SET status=?, exit_code=?, updated_at=? WHERE id=?",
                (status, exit_code, time.time(), job_id),
            )

    # -- reading -------------------------------------------------------------------------------

    def query(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return list(self.db.execute(sql, args).fetchall())
