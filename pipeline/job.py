"""The job runner: a job's stages in dependency order, each done at most once.

``plan_job`` (in the coordinator) turns a ``JobSpec`` into a picklable ``JobPlan``: the
content hashes of the film and uploads (from the ledger's cache while size, mtime and inode
are unchanged), the merged options, the versions. ``run_job`` (on a Dask worker, or in
this process) walks the stages; ``predict`` walks them the same way without running
anything, to tell the coordinator whether a job has work at all.

Each stage instance (``align:pl``, ``mux``) has a **key**: the hash of its stage name and
version, its options, the key of the language's previous stage (or the upload's content
hash), the film's hash and the subpipe/ffmpeg versions; so the key says everything the
output depends on, without running anything upstream (a Merkle chain, as Nix and Bazel do).
After a stage has run, a **stamp** ``.<instance>.stamp.json`` beside its artifacts records
the key, the envelope and each output's size; a worker on any machine with the same storage
sees the stage is done if the stamp's key matches and its outputs are there. Replacing
``film.pl.srt`` changes the keys of ``*:pl``, of ``validate:*`` (cross-language rules) and of
``mux``: exactly those run again.

Crash safety: outputs are written under temporary names and renamed into place (the
stages already do this); the stamp is written after the outputs; a stage that runs again
first removes its previous stamp and outputs; temporaries a killed process left
(``.NAME.tmp-*``) are removed when the job starts. So after ``kill -9`` at any moment a
re-run finds either a complete stamped stage or no trace of it.

Content errors (an unreadable upload, a refused alignment, an error-severity finding) are
deterministic: their envelope is stamped too, and a re-run with nothing changed reports
them again without redoing the work. A failed tool (``ToolError``) is not stamped: it is
tried again next time.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.signature import RACY_NS, Row, Scan, make_row
from pipeline.spec import JobSpec
from pipeline.stages import STAGES, StageInput, StageResult, StageStatus, skipped
from pipeline.stages_options import CONFIG_MAP, as_dict
from subtitles.atomic import write_text

#: Where each stage's artifacts (and so its stamps) go, inside the job's output folder.
STAGE_FOLDERS = {
    "inspect": "inspect",
    "fix": "fixed",
    "align": "aligned",
    "validate": "validate",
    "mux": "",
    "report": "",
}
STATE_DIR = ".subpipe"
RESULT_NAME = "result.json"
SUMMARY_NAME = "summary.txt"
RESULT_SCHEMA_VERSION = 1
#: Outputs listed per stage in ``summary.txt`` (``result.json`` has them all).
SUMMARY_OUTPUTS = 12

Emit = Callable[[str, Mapping[str, Any]], None]


# -- hashing ----------------------------------------------------------------------------------


def file_digest(path: Path) -> str:
    """BLAKE2b-128 of the content (fast, and collisions are not a concern between uploads)."""
    h = hashlib.blake2b(digest_size=16)
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def text_digest(*parts: Any) -> str:
    return hashlib.blake2b(
        json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False).encode("utf-8"), digest_size=16
    ).hexdigest()


@dataclass(frozen=True, slots=True)
class FileRef:
    path: Path
    size: int
    mtime_ns: int
    ino: int
    digest: str


class Hasher:
    """Content hashes by path, reusing the ledger's while size, mtime and inode match."""

    def __init__(self, ledger: Any | None = None) -> None:
        self.ledger = ledger
        self.new: list[tuple[str, int, int, int, str]] = []
        self.hashed = 0

    def ref(self, path: Path) -> FileRef:
        st = path.stat()
        key = str(path)
        digest = (
            self.ledger.cached_digest(key, st.st_size, st.st_mtime_ns, st.st_ino) if self.ledger else None
        )
        if digest is None:
            digest = file_digest(path)
            self.hashed += 1
            # a file written within the clock's granularity of now could change again with the
            # same size and mtime: its hash is not cached (``pipeline.signature``: racy)
            if time.time_ns() - st.st_mtime_ns >= RACY_NS:
                self.new.append((key, st.st_size, st.st_mtime_ns, st.st_ino, digest))
        return FileRef(path, st.st_size, st.st_mtime_ns, st.st_ino, digest)

    def flush(self) -> None:
        if self.ledger is not None and self.new:
            self.ledger.remember_digests(self.new)
        self.new = []


def refresh(ref: FileRef) -> FileRef:
    """The same file re-checked on the worker: re-hashed only if it changed since planning."""
    st = ref.path.stat()
    if (st.st_size, st.st_mtime_ns, st.st_ino) == (ref.size, ref.mtime_ns, ref.ino):
        return ref
    return FileRef(ref.path, st.st_size, st.st_mtime_ns, st.st_ino, file_digest(ref.path))


# -- versions ---------------------------------------------------------------------------------


def ffmpeg_version(ledger: Any | None = None) -> str:
    """The ffmpeg version, without starting ffmpeg when the ledger knows this binary already
    (same path, size and mtime): a no-op re-run starts no process at all."""
    import shutil

    candidate = os.environ.get("SUBPIPE_FFMPEG") or shutil.which("ffmpeg")
    if candidate is None:
        try:
            import imageio_ffmpeg

            candidate = imageio_ffmpeg.get_ffmpeg_exe()
        except (ImportError, RuntimeError):
            candidate = None
    key = None
    if candidate and ledger is not None:
        with contextlib.suppress(OSError):
            st = Path(candidate).stat()
            key = (f"ffmpeg-version:{Path(candidate).resolve()}", st.st_size, st.st_mtime_ns)
            row = ledger.query("SELECT value FROM meta WHERE key=?", (f"{key[0]}:{key[1]}:{key[2]}",))
            if row:
                return str(row[0][0])
    from media.ffmpeg import find_ffmpeg

    version = find_ffmpeg().version
    if key is not None and ledger is not None:
        with ledger.tx() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES(?, ?)", (f"{key[0]}:{key[1]}:{key[2]}", version))
    return version


def versions(ledger: Any | None = None) -> dict[str, str]:
    from pipeline import __version__

    return {"subpipe": __version__, "ffmpeg": ffmpeg_version(ledger)}


# -- the plan ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobPlan:
    """Everything a worker needs to run one job (picklable: paths, strings, dataclasses)."""

    spec: JobSpec
    out_dir: Path
    film: FileRef
    uploads: Mapping[str, FileRef]
    stage_names: tuple[str, ...]
    settings: Mapping[str, Any]
    versions: Mapping[str, str]
    #: Digests of files the options name (a house profile, a font): they change results too.
    aux: Mapping[str, str] = field(default_factory=dict)
    #: Stage names to run again even if stamped (``--from``/``--only``).
    forced: frozenset[str] = frozenset()
    #: Only these stage names run; the others are taken from their stamps or skipped.
    only: frozenset[str] | None = None
    encoder_threads: int = 0
    #: The job as requested (absolute), its folder's listing taken before anything was read,
    #: the run's context digest and the stats of inputs below the folder's top level: what
    #: its signature is recorded from once it is finished (``pipeline.signature``).
    request: str | None = None
    listing: Scan | None = None
    context: str | None = None
    extras: tuple[tuple[str, tuple[int, int, int] | None], ...] = ()

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def ident(self) -> str:
        return self.spec.ident

    @property
    def encodes(self) -> bool:
        return any(STAGES[n].encode for n in self.stage_names)


def enabled_stages(spec: JobSpec, settings: Mapping[str, Any], extra: Sequence[str] = ()) -> tuple[str, ...]:
    """The stages this job runs, in order: the spec's list (default: all registered), less
    those switched off with ``enabled = false``."""
    wanted = spec.stages if spec.stages is not None else tuple(STAGES)
    out = []
    for name in STAGES:
        if name not in wanted and not STAGES[name].whole_job:  # the report describes any job
            continue
        section = STAGES[name].section
        if section and section in settings and getattr(settings[section], "enabled", True) is False:
            continue
        out.append(name)
    return tuple(out)


def plan_job(
    spec: JobSpec,
    out_dir: Path,
    *,
    hasher: Hasher,
    versions: Mapping[str, str],
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    from_stage: str | None = None,
    only_stage: str | None = None,
    encoder_threads: int = 0,
) -> JobPlan:
    from pipeline.stages_options import merged, path_fields

    settings: dict[str, Any] = {}
    for section, cls in CONFIG_MAP.items():
        base = spec.settings.get(section) or cls()
        settings[section] = merged(section, base, (overrides or {}).get(section))
    names = enabled_stages(spec, settings)
    forced: set[str] = set()
    only: frozenset[str] | None = None
    if from_stage is not None:
        forced = set(names[names.index(from_stage) :]) if from_stage in names else set()
    if only_stage is not None:
        only = frozenset({only_stage})
        forced = {only_stage}
    aux: dict[str, str] = {}
    refs: list[FileRef] = []
    for section, value in settings.items():
        for key in path_fields(type(value)):
            rel = getattr(value, key)
            if rel is not None:
                path = Path(rel) if Path(rel).is_absolute() else spec.folder / rel
                refs.append(hasher.ref(path))
                aux[f"{section}.{key}"] = refs[-1].digest
    film = hasher.ref(spec.film)
    uploads = {s.tag: hasher.ref(s.path) for s in spec.subtitles}
    # inputs the folder's listing does not show (below its top level): stat'ed on their own
    extras = tuple(
        (str(r.path), (r.size, r.mtime_ns, r.ino))
        for r in (film, *uploads.values(), *refs)
        if r.path.parent != spec.folder
    )
    return JobPlan(
        spec=spec,
        out_dir=out_dir,
        film=film,
        uploads=uploads,
        extras=extras,
        stage_names=names,
        settings=settings,
        versions=dict(versions),
        aux=aux,
        forced=frozenset(forced),
        only=only,
        encoder_threads=encoder_threads,
    )


# -- stamps -----------------------------------------------------------------------------------


def stamp_path(out_dir: Path, instance: str) -> Path:
    stage = instance.split(":", 1)[0]
    folder = STAGE_FOLDERS.get(stage, stage)
    return (out_dir / folder if folder else out_dir) / f".{instance.replace(':', '-')}.stamp.json"


def read_stamp(path: Path) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and "key" in data else None


def stamp_valid(stamp: Mapping[str, Any], key: str, out_dir: Path) -> bool:
    """Same key, and every output there with the size it had."""
    if stamp.get("key") != key:
        return False
    for item in stamp.get("files", []):
        try:
            if (out_dir / item["path"]).stat().st_size != item["size"]:
                return False
        except OSError:
            return False
    return True


def _cacheable(result: StageResult) -> bool:
    if result.status is StageStatus.SKIPPED:
        return False
    return result.error is None or not result.error.transient


def _remove_previous(out_dir: Path, spath: Path) -> None:
    """A stage about to run again: its old stamp first (so a crash from here on leaves no
    stamp claiming stale outputs), then its old outputs."""
    old = read_stamp(spath)
    with contextlib.suppress(FileNotFoundError):
        spath.unlink()
    for item in (old or {}).get("files", []):
        with contextlib.suppress(FileNotFoundError, IsADirectoryError):
            (out_dir / item["path"]).unlink()


def _write_stamp(
    out_dir: Path, spath: Path, result: StageResult, record: Mapping[str, Any]
) -> dict[str, Any]:
    files = []
    for rel in result.outputs:
        with contextlib.suppress(OSError):
            files.append({"path": rel, "size": (out_dir / rel).stat().st_size})
    data = {
        "key": result.key,
        "instance": result.stage,
        "files": files,
        "envelope": result.to_json(),
        **{k: record[k] for k in ("inputs", "options", "versions")},
        "written_at": time.time(),
    }
    write_text(spath, json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    st = spath.stat()
    return {"path": str(spath), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def clean_temporaries(out_dir: Path) -> int:
    """Remove the temporaries a killed run left under ``out_dir`` (those whose process is
    gone: ``subtitles.atomic`` names each temporary after its host and process)."""
    from subtitles.atomic import remove_stale_temporaries

    if not out_dir.is_dir():
        return 0
    folders = [out_dir, *(p for p in out_dir.rglob("*") if p.is_dir())]
    return sum(len(remove_stale_temporaries(folder)) for folder in folders)


# -- the walk ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One stage instance as the walk reaches it."""

    instance: str
    stage: str
    tag: str | None
    key: str
    record: Mapping[str, Any]  # inputs, options, versions: what the key is made of
    stage_input: StageInput


#: ``obtain(step)``: the stage's envelope (run, or taken from its stamp), or ``None`` when
#: only predicting and the stage would have to run.
Obtain = Callable[[Step], StageResult | None]


def walk(plan: JobPlan, obtain: Obtain, uploads: Mapping[str, FileRef] | None = None) -> list[StageResult]:
    """Go through the stages in order, computing each instance's key and asking ``obtain``.

    A language whose stage failed (or was refused) is out: its later stages are skipped
    with the reason, the other languages go on. A job-wide stage runs on the languages
    still in; it is skipped when none is, or when a job-wide stage it needs failed.
    """
    uploads = uploads or plan.uploads
    spec = plan.spec
    langs = {s.tag: s.language for s in spec.subtitles}
    tags = [s.tag for s in spec.subtitles]
    current: dict[str, Path] = {t: uploads[t].path for t in tags}
    chain: dict[str, str] = {t: text_digest("upload", uploads[t].digest, t) for t in tags}
    out_of: dict[str, str] = {}  # tag -> the instance that stopped it
    job_failed: set[str] = set()
    results: list[StageResult] = []
    base = {"film": plan.film.digest, "versions": dict(plan.versions)}

    for name in plan.stage_names:
        sd = STAGES[name]
        options = as_dict(plan.settings[sd.section]) if sd.section else {}
        aux = {k: v for k, v in plan.aux.items() if sd.section and k.startswith(sd.section + ".")}
        # validate's QC reads the align options' frame rate; profile/font digests count too
        if name == "validate":
            options = {**options, "fps": plan.settings["align"].fps}
        if name == "snap":  # snapping follows the [validate] profile's thresholds and rules
            options = {
                **options,
                "validate": as_dict(plan.settings["validate"]),
                "fps": plan.settings["align"].fps,
            }
            aux = {k: v for k, v in plan.aux.items() if k.startswith("validate.")}
        live = [t for t in tags if t not in out_of]
        if sd.per_language:
            for tag in tags:
                instance = f"{name}:{tag}"
                if tag in out_of:
                    results.append(skipped(instance, f"{tag} stopped at {out_of[tag]}"))
                    continue
                cross = {t: chain[t] for t in live if t != tag} if name == "validate" else {}
                inputs = {"chain": chain[tag], "cross": cross, "aux": aux, "film": plan.film.digest}
                record = {"inputs": inputs, "options": options, "versions": base["versions"]}
                key = text_digest(name, sd.version, tag, inputs, options, base)
                si = _stage_input(plan, tag, langs, {t: current[t] for t in live}, uploads)
                result = obtain(Step(instance, name, tag, key, record, si))
                if result is None:  # predicting: would run; assume it succeeds
                    result = StageResult(instance, StageStatus.OK, key=key)
                results.append(result)
                if result.ok:
                    if sd.produces_subtitle and result.outputs:
                        current[tag] = plan.out_dir / result.outputs[0]
                    chain[tag] = key
                elif result.status is not StageStatus.SKIPPED or plan.only is None:
                    out_of[tag] = instance
        elif sd.whole_job:
            # every earlier instance's key and status: the report is redone when any changes
            seen: list[Any] = [[r.stage, r.key, str(r.status)] for r in results]
            inputs = {"stages": seen, "aux": aux, "film": plan.film.digest}
            record = {"inputs": inputs, "options": options, "versions": base["versions"]}
            key = text_digest(name, sd.version, inputs, options, base)
            si = _stage_input(plan, None, langs, {t: current[t] for t in live}, uploads)
            si = dataclasses.replace(si, results=tuple(results))
            result = obtain(Step(name, name, None, key, record, si))
            results.append(result if result is not None else StageResult(name, StageStatus.OK, key=key))
        else:
            blocked = [n for n in sd.needs if n in job_failed]
            if blocked:
                results.append(skipped(name, f"needs {', '.join(blocked)}"))
                job_failed.add(name)
                continue
            if not live:
                results.append(
                    skipped(name, "no language left: " + ", ".join(f"{t} at {i}" for t, i in out_of.items()))
                )
                job_failed.add(name)
                continue
            inputs = {"languages": {t: chain[t] for t in live}, "aux": aux, "film": plan.film.digest}
            record = {"inputs": inputs, "options": options, "versions": base["versions"]}
            key = text_digest(name, sd.version, inputs, options, base)
            si = _stage_input(plan, None, langs, {t: current[t] for t in live}, uploads)
            result = obtain(Step(name, name, None, key, record, si))
            if result is None:
                result = StageResult(name, StageStatus.OK, key=key)
            results.append(result)
            if not result.ok:
                job_failed.add(name)
    return results


def _stage_input(
    plan: JobPlan,
    tag: str | None,
    langs: Mapping[str, Any],
    current: Mapping[str, Path],
    uploads: Mapping[str, FileRef],
) -> StageInput:
    return StageInput(
        job_name=plan.name,
        out_dir=plan.out_dir,
        film=plan.film.path,
        film_digest=plan.film.digest,
        tag=tag,
        languages=langs,
        current=dict(current),
        uploads={t: r.path for t, r in uploads.items()},
        settings=plan.settings,
        encoder_threads=plan.encoder_threads,
    )


# -- running ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobResult:
    """A job's outcome: what ``result.json`` holds and the batch table shows."""

    name: str
    ident: str
    out_dir: Path
    stages: tuple[StageResult, ...]
    seconds: float = 0.0
    ran: int = 0  # stage instances actually run (0: everything came from stamps)
    error: str | None = None  # a job-level failure (the spec, a worker death), not a stage's
    error_exit: int = 0
    attempt: int = 1
    worker: str | None = None
    #: A job known finished from its recorded signature (``pipeline.signature``): its
    #: result's summary (``to_json`` less the stages), all the batch table needs; the
    #: stages are read from ``result.json`` only when asked for (``full``).
    brief: Mapping[str, Any] | str | None = None  # a str: JSON, parsed when first read

    @functools.cached_property
    def _brief(self) -> Mapping[str, Any]:
        if isinstance(self.brief, str):
            data: Mapping[str, Any] = json.loads(self.brief)
            return data
        return self.brief or {}

    @property
    def failures(self) -> list[StageResult]:
        return [s for s in self.full().stages if s.status in (StageStatus.FAILED, StageStatus.REFUSED)]

    @property
    def ok(self) -> bool:
        if self.brief is not None:
            return self._brief.get("status") == "ok"
        return self.error is None and not self.failures

    @property
    def status(self) -> str:
        return "ok" if self.ok else "failed"

    @property
    def exit_code(self) -> int:
        if self.brief is not None:
            return int(self._brief.get("exit_code") or 0)
        if self.error is not None:
            return self.error_exit or 1
        first = next((s.error for s in self.stages if s.error is not None), None)
        return first.exit_code if first is not None else 0

    @property
    def reason(self) -> str | None:
        if self.brief is not None:
            return self._brief.get("reason")
        if self.error is not None:
            return self.error
        failures = self.failures
        return "; ".join(s.error.message if s.error else s.summary for s in failures) if failures else None

    @classmethod
    def known(cls, row: Row) -> JobResult:
        """A job whose signature matched: nothing read but the ledger's row."""
        return cls(row.name, row.ident, Path(row.out_dir), (), brief=row.brief)

    def full(self) -> JobResult:
        """This result with its stages (a ``known`` one reads its ``result.json``)."""
        if self.brief is None:
            return self
        data = load_result(self.out_dir)
        if data is None:
            reason = self._brief.get("reason") or f"{RESULT_NAME} unreadable"
            return dataclasses.replace(self, brief=None, error=reason)
        result = JobResult.from_json(data)
        return JobResult(
            self.name,
            self.ident,
            self.out_dir,
            tuple(StageResult(**{**_fields(s), "reused": True}) for s in result.stages),
            attempt=result.attempt,
            worker=result.worker,
        )

    def finding_counts(self) -> dict[str, int]:
        if self.brief is not None:
            return dict(self._brief.get("findings") or {})
        counts: dict[str, int] = {}
        for s in self.stages:
            for f in s.findings:
                counts[f.get("severity", "info")] = counts.get(f.get("severity", "info"), 0) + 1
        return counts

    def languages(self) -> dict[str, str]:
        """Each language's outcome: ``ok`` or where it stopped."""
        if self.brief is not None:
            return dict(self._brief.get("languages") or {})
        out: dict[str, str] = {}
        for s in self.stages:
            if ":" not in s.stage:
                continue
            tag = s.stage.split(":", 1)[1]
            if s.status in (StageStatus.FAILED, StageStatus.REFUSED):
                if out.get(tag, "ok") == "ok":
                    out[tag] = f"{s.status} at {s.stage.split(':')[0]}"
            else:
                out.setdefault(tag, "ok")
        return out

    def to_json(self) -> dict[str, Any]:
        if self.brief is not None:
            full = self.full()
            if full.brief is None and full.error is None:
                return full.to_json()
            return {**self._brief, "stages": []}
        return {**self.summary_json(), "stages": [s.to_json() for s in self.stages]}

    def summary_json(self) -> dict[str, Any]:
        """``to_json`` less the stages: what the ledger keeps to answer without reading files."""
        return {
            "schema": "subpipe-job-result",
            "schema_version": RESULT_SCHEMA_VERSION,
            "name": self.name,
            "job": self.ident,
            "output": str(self.out_dir),
            "status": self.status,
            "exit_code": self.exit_code,
            "reason": self.reason,
            "seconds": round(self.seconds, 3),
            "stages_run": self.ran,
            "attempt": self.attempt,
            "worker": self.worker,
            "languages": self.languages(),
            "findings": self.finding_counts(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> JobResult:
        return cls(
            name=data["name"],
            ident=data["job"],
            out_dir=Path(data["output"]),
            stages=tuple(StageResult.from_json(s) for s in data.get("stages", [])),
            seconds=float(data.get("seconds", 0.0)),
            ran=int(data.get("stages_run", 0)),
            attempt=int(data.get("attempt", 1)),
            worker=data.get("worker"),
        )


def _segment(output: str) -> bool:
    return "hls/" in output and output.endswith((".ts", ".vtt", ".m4s", ".aac"))


def shown_outputs(outputs: Sequence[str]) -> tuple[list[str], int]:
    """The outputs worth listing to a person (an HLS stage's playlists, not its hundreds of
    segments; at most ``SUMMARY_OUTPUTS``) and how many are left out."""
    shown = [o for o in outputs if not _segment(o)] or list(outputs)
    shown = shown[:SUMMARY_OUTPUTS]
    return shown, len(outputs) - len(shown)


def summary_text(result: JobResult) -> str:
    lines = [f"{result.name}: {result.status.upper()}" + (f" ({result.reason})" if result.reason else "")]
    for s in result.stages:
        took = s.timings.get("seconds")
        shown = "reused" if s.reused else (f"{took:.1f} s" if took is not None else "")
        lines.append(f"  {s.status!s:<8} {s.stage:<14} {s.summary}  {shown}".rstrip())
        listed, more = shown_outputs(s.outputs)
        for out in listed:
            lines.append(f"{'':26}{out}")
        if more:
            lines.append(f"{'':26}(and {more} more files: result.json lists them)")
    return "\n".join(lines) + "\n"


def write_result(result: JobResult) -> None:
    """``result.json`` and ``summary.txt`` in the job's output folder (atomically)."""
    write_text(
        result.out_dir / RESULT_NAME, json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n"
    )
    write_text(result.out_dir / SUMMARY_NAME, summary_text(result))


def run_job(
    plan: JobPlan, emit: Emit | None = None, *, attempt: int = 1, worker: str | None = None
) -> JobResult:
    """Run (or take from stamps) every stage of the job; never raises a stage's error.

    ``emit(kind, data)`` reports ``stage-start`` and ``stage-done`` (with the envelope and
    what the key was made of) as they happen: the coordinator records them in the ledger.
    """
    started = time.perf_counter()
    out_dir = plan.out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    clean_temporaries(out_dir)
    uploads = {t: refresh(r) for t, r in plan.uploads.items()}
    film = refresh(plan.film)
    if film.digest != plan.film.digest:
        plan = _replace_film(plan, film)
    ran = 0
    checked_versions = False

    def obtain(step: Step) -> StageResult:
        nonlocal ran, checked_versions
        spath = stamp_path(out_dir, step.instance)
        selected = plan.only is None or step.stage in plan.only
        if step.stage not in plan.forced:
            stamp = read_stamp(spath)
            if stamp is not None and stamp_valid(stamp, step.key, out_dir):
                env = StageResult.from_json(stamp["envelope"])
                result = StageResult(**{**_fields(env), "reused": True, "key": step.key})
                _emit(emit, "stage-done", result, step, {"path": str(spath), **_stat(spath)})
                return result
        if not selected:
            return skipped(
                step.instance, f"not run (--only {', '.join(sorted(plan.only or ()))}; no earlier result)"
            )
        if not checked_versions:
            _check_versions(plan)
            checked_versions = True
        if emit is not None:
            emit("stage-start", {"instance": step.instance, "key": step.key})
        _remove_previous(out_dir, spath)
        sd = STAGES[step.stage]
        result = sd.run(sd.build(step.stage_input))
        result = StageResult(**{**_fields(result), "key": step.key})
        ran += 1
        stamp_info = _write_stamp(out_dir, spath, result, step.record) if _cacheable(result) else None
        _emit(emit, "stage-done", result, step, stamp_info)
        return result

    stages = walk(plan, obtain, uploads)
    result = JobResult(
        plan.name,
        plan.ident,
        out_dir,
        tuple(stages),
        time.perf_counter() - started,
        ran,
        attempt=attempt,
        worker=worker,
    )
    if ran or not (out_dir / RESULT_NAME).is_file():
        write_result(result)
    return result


def _fields(r: StageResult) -> dict[str, Any]:
    return {k: getattr(r, k) for k in StageResult.__dataclass_fields__}


def _stat(path: Path) -> dict[str, int]:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _emit(
    emit: Emit | None, kind: str, result: StageResult, step: Step, stamp: Mapping[str, Any] | None
) -> None:
    if emit is not None:
        emit(
            kind,
            {
                "instance": step.instance,
                "envelope": result.to_json(),
                "record": {**step.record, "stamp": stamp},
            },
        )


def _replace_film(plan: JobPlan, film: FileRef) -> JobPlan:
    import dataclasses

    return dataclasses.replace(plan, film=film)


def _check_versions(plan: JobPlan) -> None:
    """A worker whose subpipe or ffmpeg differs from the coordinator's would stamp results
    under the wrong key: refuse, naming both."""
    from pipeline import __version__
    from subtitles.errors import ToolError

    mine = __version__
    if plan.versions.get("subpipe") not in (None, mine):
        raise ToolError(
            f"this worker runs subpipe {mine}, the coordinator {plan.versions['subpipe']}: "
            "install the same version everywhere"
        )
    from media.ffmpeg import find_ffmpeg

    ff = find_ffmpeg().version
    if plan.versions.get("ffmpeg") not in (None, ff):
        raise ToolError(
            f"this worker has ffmpeg {ff}, the coordinator {plan.versions['ffmpeg']}: "
            "install the same ffmpeg everywhere"
        )


# -- predicting (the coordinator, before submitting anything) --------------------------------


def load_result(out_dir: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((out_dir / RESULT_NAME).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def signature_row(plan: JobPlan, result: JobResult) -> Row | None:
    """The job's signature to record now that every stage is done (``None``: not to be
    trusted, as after ``--only``, or an output already missing)."""
    if plan.request is None or plan.listing is None or plan.context is None or plan.only is not None:
        return None
    if result.error is not None or any(s.error is not None and s.error.transient for s in result.stages):
        return None
    outputs = [o for s in result.stages if s.status is not StageStatus.SKIPPED for o in s.outputs]
    return make_row(
        path=plan.request,
        context=plan.context,
        listing=plan.listing,
        extras=plan.extras,
        out_dir=plan.out_dir,
        outputs=[*outputs, RESULT_NAME, SUMMARY_NAME],
        ident=plan.ident,
        name=plan.name,
        brief=result.summary_json(),
    )


@dataclass(frozen=True, slots=True)
class Predicted:
    instance: str
    action: str  # "reuse" | "run" | "skip"
    key: str
    envelope: StageResult | None = None


class _WouldRun(Exception):
    """``predict(..., first_run=True)``: the answer is known, stop walking."""


def predict(
    plan: JobPlan,
    done: Mapping[str, Any] | Callable[[str], Any] | None = None,
    *,
    first_run: bool = False,
) -> list[Predicted]:
    """Which stage instances would run, from the ledger's ``done`` rows (checked against the
    stamp's size and mtime, and every output still there) or, where the ledger has none, the
    stamp itself. Runs nothing. ``first_run``: stop at the first instance that would run
    (the coordinator only asks whether a job has work)."""
    out: list[Predicted] = []

    def lookup(key: str) -> Any:
        if done is None:
            return None
        return done(key) if callable(done) else done.get(key)

    def obtain(step: Step) -> StageResult | None:
        spath = stamp_path(plan.out_dir, step.instance)
        if step.stage not in plan.forced:
            row = lookup(step.key)
            env: StageResult | None = None
            if row is not None and row.stamp_path == str(spath):
                try:
                    st = spath.stat()
                except OSError:
                    st = None
                if st is not None and (st.st_size, st.st_mtime_ns) == (row.stamp_size, row.stamp_mtime_ns):
                    env = StageResult.from_json(json.loads(row.envelope))
                    # an output deleted since (a single artifact): that stage runs again
                    if not all(os.path.lexists(plan.out_dir / o) for o in env.outputs):
                        env = None
            if env is None:
                stamp = read_stamp(spath) if spath.exists() else None
                if stamp is not None and stamp_valid(stamp, step.key, plan.out_dir):
                    env = StageResult.from_json(stamp["envelope"])
            if env is not None:
                env = StageResult(**{**_fields(env), "reused": True, "key": step.key})
                out.append(Predicted(step.instance, "reuse", step.key, env))
                return env
        if plan.only is not None and step.stage not in plan.only:
            out.append(Predicted(step.instance, "skip", step.key))
            return skipped(step.instance, "not selected")
        out.append(Predicted(step.instance, "run", step.key))
        if first_run:
            raise _WouldRun
        return None

    with contextlib.suppress(_WouldRun):
        walk(plan, obtain)
    return out


def reused_result(plan: JobPlan, predicted: Sequence[Predicted]) -> JobResult:
    """The job's result when every stage came from its stamp (nothing to submit)."""
    envs = {p.instance: p.envelope for p in predicted if p.envelope is not None}
    stages = walk(plan, lambda step: envs.get(step.instance))
    return JobResult(plan.name, plan.ident, plan.out_dir, tuple(stages), 0.0, 0)
