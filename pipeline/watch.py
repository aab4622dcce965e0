"""Watching an upload folder: run each job when its files are complete, again when one changes.

Polling, not inotify: uploads arrive over SMB/NFS/SSHFS mounts, where change notifications
do not cross the network (see ``shared/render-notes.md``). Every ``interval`` seconds each
job folder under the root is listed with the size and mtime of its files (outputs and our
own state excluded). A job is **complete** when

* ``marker`` mode: a ``.ready`` file is in its folder (the uploader's promise), or
* otherwise: its listing has not changed for ``settle`` seconds (a copy in progress grows,
  so its size or mtime moves between polls).

A complete job whose listing differs from the one last run (or that was never run by this
watcher) is run; stamps make a re-run redo only what the changed file feeds. A restarted
watcher has no memory of listings: it runs every complete job once more, which the ledger
and stamps turn into "up to date" without a cluster or ffmpeg, so it resumes where the
ledger says. ``stop()`` (SIGTERM) lets the coordinator finish its bookkeeping and returns.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.batch import OUT_NAME, discover, make_plans
from pipeline.engine import Coordinator, EngineSettings
from pipeline.job import JobResult
from pipeline.ledger import Ledger
from pipeline.spec import IGNORED_NAMES

READY_MARKER = ".ready"
Listing = tuple[tuple[str, int, int], ...]


def listing(folder: Path) -> Listing:
    """(name, size, mtime_ns) of the job's files, outputs and hidden state left out
    (the ``.ready`` marker is kept: touching it again means "run again")."""
    rows = []
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder)
        if rel.parts[0] in IGNORED_NAMES - {READY_MARKER} or rel.parts[0] == OUT_NAME:
            continue
        if any(part.startswith(".") and part != READY_MARKER for part in rel.parts):
            continue
        try:
            st = p.stat()
        except OSError:
            continue
        if p.is_file():
            rows.append((str(rel), st.st_size, st.st_mtime_ns))
    return tuple(rows)


@dataclass
class _Seen:
    listing: Listing
    since: float
    ran: Listing | None = None


@dataclass
class Watcher:
    root: Path
    ledger: Ledger
    engine: EngineSettings
    out_root: Path | None = None
    settle: float = 30.0
    interval: float = 2.0
    marker: bool = False
    overrides: Mapping[str, Mapping[str, Any]] | None = None
    on_result: Callable[[Any], None] | None = None
    listener: Callable[[str, Mapping[str, Any]], None] | None = None
    seen: dict[Path, _Seen] = field(default_factory=dict)
    stopping: bool = False
    results: list[Any] = field(default_factory=list)

    def stop(self) -> None:
        self.stopping = True
        if self._coordinator is not None:
            self._coordinator.stop_requested = True

    _coordinator: Coordinator | None = None

    def ready_jobs(self, now: float) -> list[Path]:
        """Jobs complete now and not yet run in this state."""
        ready = []
        for folder in discover([self.root]):
            if folder.is_file():
                folder = folder.parent
            current = listing(folder)
            seen = self.seen.get(folder)
            if seen is None or seen.listing != current:
                self.seen[folder] = seen = _Seen(current, now, seen.ran if seen else None)
            if seen.ran == current:
                continue
            has_marker = any(name == READY_MARKER for name, _, _ in current)
            if (self.marker and has_marker) or (not self.marker and now - seen.since >= self.settle):
                ready.append(folder)
        return ready

    def poll_once(self, coordinator: Coordinator) -> list[Any]:
        now = time.monotonic()
        ready = self.ready_jobs(now)
        if not ready:
            return []
        planned = make_plans(
            ready, ledger=self.ledger, out_root=self.out_root, engine=self.engine, overrides=self.overrides
        )
        results: list[Any] = list(planned.bad)
        if planned.plans or planned.known:
            results += coordinator.run(planned.plans, command=f"watch {self.root}", known=planned.known)
        for folder in ready:
            seen = self.seen[folder]
            if not self.stopping:
                seen.ran = seen.listing
        for r in results:
            if self.on_result is not None:
                self.on_result(r)
        self.results += results
        return results

    def run(self, max_seconds: float | None = None) -> list[JobResult]:
        """Poll until ``stop()`` (or ``max_seconds``); the cluster starts on the first job
        with work and stays up while watching."""
        started = time.monotonic()
        with Coordinator(self.ledger, self.engine, listener=self.listener) as coordinator:
            self._coordinator = coordinator
            while not self.stopping:
                self.poll_once(coordinator)
                if max_seconds is not None and time.monotonic() - started > max_seconds:
                    break
                deadline = time.monotonic() + self.interval
                while not self.stopping and time.monotonic() < deadline:
                    time.sleep(min(0.1, self.interval))
            self._coordinator = None
        return self.results
