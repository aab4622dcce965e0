"""The engine: jobs as Dask tasks, one code path from a laptop to a cluster.

``Coordinator.run`` takes job plans, asks the ledger which have work at all (a job whose
every stage is stamped is reported from its stamps: no cluster is started, no ffmpeg),
and submits the others to Dask, one task per job:

* embedded: a ``distributed.LocalCluster`` of ``--workers N`` worker processes (default:
  the core count), one thread each, **spawned** (never forked: a forked child inherits the
  coordinator's threads and locks), each advertising one ``encode`` resource;
* ``--cluster tcp://HOST:8786``: a running scheduler, whose workers run
  ``dask worker tcp://HOST:8786 --nthreads 1 --resources encode=1`` on machines with the
  same subpipe and ffmpeg and the same storage mounted at the same paths.

A job whose stages encode asks for ``resources={"encode": 1}``, so a worker runs one
encode at a time, and encoder threads are shared out: ``cores // workers`` each.

Workers never touch the ledger. At the start of each attempt a worker writes a marker into
the job's ``.subpipe/attempts/`` and reports progress as Dask events (topic
``subpipe``); the coordinator's main thread records them, so the ledger has one writer. A
worker that dies mid-job: Dask reschedules the task on another worker, whose stamps let it
resume where the dead one stopped; after Dask's ``allowed-failures`` the task fails with
``KilledWorker`` and the job fails with that reason. The second attempt is in the ledger.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import time
import uuid
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline.job import (
    STATE_DIR,
    JobPlan,
    JobResult,
    Predicted,
    predict,
    reused_result,
    run_job,
    signature_row,
    write_result,
)
from pipeline.ledger import Ledger

log = logging.getLogger(__name__)

TOPIC = "subpipe"
#: How many times a job may lose its worker before it fails (Dask's ``allowed-failures``).
ALLOWED_FAILURES = 2


@dataclass(frozen=True)
class EngineSettings:
    workers: int | None = None  # embedded cluster size; None: the core count
    cluster: str | None = None  # tcp://HOST:8786 of a running scheduler
    allowed_failures: int = ALLOWED_FAILURES

    def worker_count(self) -> int:
        return self.workers if self.workers else (os.cpu_count() or 1)

    def encoder_threads(self) -> int:
        """ffmpeg threads per encode: the cores shared out among the embedded workers
        (0: ffmpeg decides, on cluster workers whose cores we do not know)."""
        if self.cluster:
            return 0
        return max(1, (os.cpu_count() or 1) // self.worker_count())


@dataclass
class Progress:
    """What the coordinator knows while jobs run (for the live view)."""

    total: int = 0
    done: int = 0
    failed: int = 0
    reused: int = 0
    running: dict[str, str] = field(default_factory=dict)  # job name -> current stage
    started: float = field(default_factory=time.monotonic)
    durations: list[float] = field(default_factory=list)

    def eta(self, workers: int) -> float | None:
        left = self.total - self.done
        if not self.durations or left <= 0:
            return None
        return sum(self.durations) / len(self.durations) * left / max(1, workers)


Listener = Callable[[str, Mapping[str, Any]], None]


# -- on the worker ----------------------------------------------------------------------------


def execute_job(plan: JobPlan, run_token: str) -> dict[str, Any]:
    """The Dask task: one job on this worker. Returns the result and every event sent."""
    token = uuid.uuid4().hex
    address, pid = "local", os.getpid()
    sender: Callable[[dict[str, Any]], None] | None = None
    try:
        from distributed import get_worker

        worker = get_worker()
        address = worker.address

        def send(msg: dict[str, Any]) -> None:
            worker.log_event(TOPIC, msg)

        sender = send
    except ValueError:  # not on a worker: called directly
        pass
    events: list[dict[str, Any]] = []
    seq = [0]

    def emit(kind: str, data: Mapping[str, Any]) -> None:
        seq[0] += 1
        msg = {"run": run_token, "attempt": token, "seq": seq[0], "kind": kind, "job": plan.ident, **data}
        events.append(msg)
        if sender is not None:
            sender(msg)

    started = time.time()
    try:
        marker = plan.out_dir / STATE_DIR / "attempts" / f"{run_token}-{token}.json"
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(
            json.dumps(
                {"run": run_token, "attempt": token, "worker": address, "pid": pid, "started_at": started}
            )
        )
        emit("attempt", {"worker": address, "pid": pid, "started_at": started})
        result = run_job(plan, emit, worker=address)
    except Exception as exc:  # a bug or the machine: the job fails with one line, not a worker traceback
        # (raised, Dask would log "Compute Failed" with the traceback on the worker's stderr,
        # which is the user's terminal with the embedded cluster); the traceback goes back to
        # the coordinator, which logs it at debug level (-vv)
        import traceback

        return {
            "error": f"internal error: {type(exc).__name__}: {exc}",
            "traceback": traceback.format_exc(),
            "events": events,
            "attempt": token,
        }
    return {"result": result.to_json(), "events": events, "attempt": token}


# -- in the coordinator -----------------------------------------------------------------------


class Coordinator:
    """Plans, submits, listens, records. One per ``subpipe run``/``batch``/``watch``."""

    def __init__(self, ledger: Ledger, settings: EngineSettings, *, listener: Listener | None = None) -> None:
        self.ledger = ledger
        self.settings = settings
        self.listener = listener
        self.client: Any = None
        self.cluster: Any = None
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.progress = Progress()
        self.cluster_started = False
        #: Set (from a signal handler) to stop waiting: running jobs are recorded as interrupted.
        self.stop_requested = False
        ledger.recover()
        # per run token: (job_id, run_id, plan), attempt ids by attempt token, events seen
        self._runs: dict[str, tuple[int, int, JobPlan]] = {}
        self._attempts: dict[str, int] = {}
        self._seen: set[tuple[str, int]] = set()

    # -- engine lifetime -----------------------------------------------------------------------

    def _start(self) -> Any:
        if self.client is not None:
            return self.client
        import importlib

        import dask

        # distributed's constructors are untyped: reached through Any
        dist: Any = importlib.import_module("distributed")
        Client, LocalCluster = dist.Client, dist.LocalCluster

        dask.config.set(
            {
                "distributed.worker.multiprocessing-method": "spawn",
                "distributed.scheduler.allowed-failures": self.settings.allowed_failures,
                "distributed.worker.daemon": False,  # workers may start their own processes (ffmpeg)
            }
        )
        # the scheduler's HTTP endpoint falls back to a free port when 8787 is taken: not news
        warnings.filterwarnings("ignore", message=r"Port \d+ is already in use", category=UserWarning)
        if self.settings.cluster:
            self.client = Client(self.settings.cluster, timeout="20s")
        else:
            self.cluster = LocalCluster(
                n_workers=self.settings.worker_count(),
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                resources={"encode": 1},
                silence_logs=logging.ERROR,
                host="127.0.0.1",
            )
            self.client = Client(self.cluster)
        self.cluster_started = True
        self.client.subscribe_topic(TOPIC, self._on_event)
        return self.client

    def _on_event(self, event: Any) -> None:
        """Called on the client's thread: hand over to the main thread, which alone writes."""
        _, msg = event
        if isinstance(msg, dict):
            self.events.put(msg)

    def close(self) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):  # best effort on the way out
                self.client.unsubscribe_topic(TOPIC)
            self.client.close()
            self.client = None
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None

    def __enter__(self) -> Coordinator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- planning ------------------------------------------------------------------------------

    def triage(
        self, plans: Sequence[JobPlan]
    ) -> tuple[list[tuple[JobPlan, list[Predicted]]], list[JobResult]]:
        """Split plans into (plans with work, results of jobs with none), stage by stage from
        the ledger and the stamps, stopping at a job's first stage that must run. (Jobs whose
        signature matched never get here: ``pipeline.batch.make_plans`` answers for them.)"""
        done: dict[str, Any] | None = None
        todo: list[tuple[JobPlan, list[Predicted]]] = []
        finished: list[JobResult] = []
        for plan in plans:
            if done is None:
                done = self.ledger.load_done()
            predicted = predict(plan, done, first_run=True)
            if any(p.action == "run" for p in predicted):
                todo.append((plan, predicted))
                continue
            result = reused_result(plan, predicted)
            job_id = self.ledger.job_id(plan.ident, plan.name, str(plan.out_dir))
            self.ledger.record_noop(job_id, result.status, result.exit_code)
            if not (plan.out_dir / "result.json").is_file():
                write_result(result)
            self._remember(plan, result)
            finished.append(result)
        return todo, finished

    def _remember(self, plan: JobPlan, result: JobResult) -> None:
        """Every stage of this plan is done: record the job's signature, so the next plan of
        the same unchanged job is one look-up (``pipeline.signature``)."""
        row = signature_row(plan, result)
        if row is not None:
            self.ledger.remember_signature(row)
        elif plan.request is not None:
            self.ledger.forget_signature(plan.request)

    # -- running -------------------------------------------------------------------------------

    def run(
        self,
        plans: Sequence[JobPlan],
        *,
        command: str = "run",
        inline: bool = False,
        known: Sequence[JobResult] = (),
    ) -> list[JobResult]:
        """Run every plan; results in the plans' order, after ``known`` (jobs whose signature
        matched, counted as done). ``inline`` runs the same task function in this process,
        one job after another (the benchmark's baseline, and for debugging)."""
        todo, finished = self.triage(plans)
        self.progress.total += len(plans) + len(known)
        for r in [*known, *finished]:
            self._finish_progress(r, reused=True)
        results: dict[str, JobResult] = {r.ident: r for r in finished}
        if todo:
            tokens = {}
            for plan, _ in todo:
                job_id = self.ledger.job_id(plan.ident, plan.name, str(plan.out_dir))
                run_id = self.ledger.start_run(job_id, command, plan.versions)
                token = f"{run_id}-{uuid.uuid4().hex[:8]}"
                self._runs[token] = (job_id, run_id, plan)
                tokens[plan.ident] = token
            if inline:
                for plan, _ in todo:
                    results[plan.ident] = self._inline(plan, tokens[plan.ident])
            else:
                results.update(self._dask(todo, tokens))
        return [*known, *(results[p.ident] for p in plans)]

    def _inline(self, plan: JobPlan, token: str) -> JobResult:
        try:
            payload = execute_job(plan, token)
        except Exception as exc:
            return self._job_failed(token, f"internal error: {type(exc).__name__}: {exc}", 70)
        self._drain()
        return self._complete(token, payload)

    def _dask(
        self, todo: Sequence[tuple[JobPlan, list[Predicted]]], tokens: Mapping[str, str]
    ) -> dict[str, JobResult]:
        import importlib

        wait: Any = importlib.import_module("distributed").wait
        client = self._start()
        has_encode = self._cluster_has_encode(client)
        futures: dict[Any, str] = {}
        for plan, _ in todo:
            token = tokens[plan.ident]
            resources = {"encode": 1} if plan.encodes and has_encode else None
            fut = client.submit(
                execute_job,
                plan,
                token,
                key=f"subpipe-job-{token}",
                pure=False,
                resources=resources,
                retries=0,
            )
            futures[fut] = token
            self.progress.running[plan.name] = "queued"
            self._notify("queued", {"job": plan.name})
        results: dict[str, JobResult] = {}
        pending = set(futures)
        while pending:
            with contextlib.suppress(TimeoutError):
                wait(list(pending), timeout=0.2, return_when="FIRST_COMPLETED")
            finished = {f for f in pending if f.done()}
            pending -= finished
            self._drain()
            if self.stop_requested and pending:
                for fut in pending:
                    token = futures[fut]
                    plan = self._runs[token][2]
                    fut.cancel()
                    results[plan.ident] = self._job_failed(
                        token, "interrupted: the coordinator was stopped", 1, status="interrupted"
                    )
                pending = set()
            for fut in finished:
                token = futures[fut]
                plan = self._runs[token][2]
                if fut.status == "finished":
                    results[plan.ident] = self._complete(token, fut.result())
                else:
                    reason = _task_error(fut.exception(), self.settings.allowed_failures)
                    results[plan.ident] = self._job_failed(
                        token, reason, 70 if reason.startswith("internal") else 1
                    )
                fut.release()
        self._drain()
        return results

    def _cluster_has_encode(self, client: Any) -> bool:
        workers = client.scheduler_info().get("workers", {})
        ok = any("encode" in (w.get("resources") or {}) for w in workers.values())
        if workers and not ok:
            log.warning(
                "no worker advertises the 'encode' resource (start them with --resources encode=1): "
                "encodes are not limited to one per worker"
            )
        return ok

    # -- events → ledger ---------------------------------------------------------------------

    def _drain(self) -> None:
        while True:
            try:
                msg = self.events.get_nowait()
            except queue.Empty:
                return
            self._record(msg)

    def _record(self, msg: Mapping[str, Any]) -> None:
        ident = (msg.get("attempt", ""), int(msg.get("seq", 0)))
        if ident in self._seen or msg.get("run") not in self._runs:
            return
        self._seen.add(ident)
        job_id, run_id, plan = self._runs[msg["run"]]
        kind = msg.get("kind")
        if kind == "attempt":
            attempt_id, number = self.ledger.start_attempt(
                run_id, job_id, msg.get("worker", "?"), msg.get("pid")
            )
            self._attempts[msg["attempt"]] = attempt_id
            if number > 1:
                log.warning(
                    "%s: attempt %d on %s (the previous worker was lost)",
                    plan.name,
                    number,
                    msg.get("worker"),
                )
            self.progress.running[plan.name] = "starting"
            self._notify("attempt", {"job": plan.name, "number": number, "worker": msg.get("worker")})
        elif kind == "stage-start":
            self.ledger.stage_started(
                job_id, run_id, self._attempts.get(msg["attempt"]), msg["instance"], msg["key"]
            )
            self.progress.running[plan.name] = msg["instance"]
            self._notify("stage-start", {"job": plan.name, "stage": msg["instance"]})
        elif kind == "stage-done":
            envelope = msg["envelope"]
            self.ledger.stage_finished(
                job_id, run_id, self._attempts.get(msg["attempt"]), envelope, msg["record"]
            )
            self._notify("stage-done", {"job": plan.name, "stage": msg["instance"], "envelope": envelope})

    def _complete(self, token: str, payload: Mapping[str, Any]) -> JobResult:
        for msg in payload.get("events", []):  # any the event stream had not delivered yet
            self._record(msg)
        if payload.get("error"):  # the task caught an internal error (``execute_job``)
            log.debug("%s", payload.get("traceback", ""))
            attempt_id = self._attempts.get(payload.get("attempt", ""))
            if attempt_id is not None:
                self.ledger.finish_attempt(attempt_id, "failed", payload["error"])
            return self._job_failed(token, str(payload["error"]), 70)
        job_id, run_id, plan = self._runs[token]
        self._record_lost_attempts(token)
        number = self.ledger.query(
            "SELECT number FROM attempts WHERE id=?", (self._attempts.get(payload["attempt"], -1),)
        )
        data = dict(payload["result"])
        if number:
            data["attempt"] = number[0][0]
        result = JobResult.from_json(data)
        data["attempt"] = result.attempt
        self.ledger.finish_run(
            run_id, job_id, result.status, result.exit_code, result.reason, result.to_json()
        )
        attempt_id = self._attempts.get(payload["attempt"])
        if attempt_id is not None:
            self.ledger.finish_attempt(attempt_id, result.status)
        if result.attempt > 1 and result.ran:
            write_result(result)  # the worker wrote attempt 1's number; the ledger knows better
        self._remember(plan, result)
        self._finish_progress(result)
        return result

    def _record_lost_attempts(self, token: str) -> None:
        """Attempts whose start event never arrived (the worker died at once): from the
        markers the workers wrote on the shared storage."""
        job_id, run_id, plan = self._runs[token]
        folder = plan.out_dir / STATE_DIR / "attempts"
        for path in sorted(folder.glob(f"{token}-*.json"), key=lambda p: p.stat().st_mtime):
            try:
                marker = json.loads(path.read_text("utf-8"))
            except (OSError, ValueError):
                continue
            if marker["attempt"] not in self._attempts:
                attempt_id, _ = self.ledger.start_attempt(
                    run_id, job_id, marker.get("worker", "?"), marker.get("pid")
                )
                self._attempts[marker["attempt"]] = attempt_id
            path.unlink(missing_ok=True)

    def _job_failed(self, token: str, reason: str, exit_code: int, *, status: str = "failed") -> JobResult:
        self._drain()
        job_id, run_id, plan = self._runs[token]
        self._record_lost_attempts(token)
        result = JobResult(plan.name, plan.ident, plan.out_dir, (), error=reason, error_exit=exit_code)
        self.ledger.finish_run(run_id, job_id, status, exit_code, reason, result.to_json())
        if status != "interrupted":
            from subtitles.errors import SubpipeError

            # best effort: the reason may be that the output folder cannot be written at all
            with contextlib.suppress(OSError, SubpipeError):
                write_result(result)
        self._finish_progress(result)
        return result

    def _finish_progress(self, result: JobResult, *, reused: bool = False) -> None:
        self.progress.done += 1
        self.progress.failed += 0 if result.ok else 1
        self.progress.reused += 1 if reused else 0
        if not reused:
            self.progress.durations.append(result.seconds)
        self.progress.running.pop(result.name, None)
        self._notify("job-done", {"job": result.name, "result": result})

    def _notify(self, kind: str, data: Mapping[str, Any]) -> None:
        if self.listener is not None:
            self.listener(kind, data)


def _task_error(exc: BaseException | None, allowed: int) -> str:
    from distributed.scheduler import KilledWorker

    if isinstance(exc, KilledWorker):
        return (
            f"the job's worker died {allowed + 1} times (killed, out of memory, or a crash in "
            "ffmpeg); not retried again"
        )
    if exc is None:
        return "the job was cancelled"
    return f"internal error: {type(exc).__name__}: {exc}"
