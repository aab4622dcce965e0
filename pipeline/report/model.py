"""What a report page shows, gathered from a job's artifacts: plain data, no HTML, no plots.

Everything here is read from the job's output folder (``result.json`` or the envelopes in
memory, the stamps beside each stage's artifacts, ``validate/<tag>.json``, the subtitle
files each stage wrote, ``aligned/<tag>.alignment.json``) and the renditions' probes: no
film, no decode. The numbers the pictures draw come from the functions here
(``alignment_bands``, ``worst_placed``, ``cps_points``) so tests can check them against
the speech activity and the cue times without looking at pixels.

Paths in envelopes are absolute as the job wrote them; a moved output folder is found
again by rebasing them onto where the folder is now (``Locator``).
"""

from __future__ import annotations

import bisect
import contextlib
import json
import os
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from subtitles.timing import format_ms

SEVERITIES = ("error", "warning", "info")
#: Files a viewer watches; everything else a stage writes is a working artifact.
MEDIA_SUFFIXES = {".mkv", ".mp4", ".mov", ".webm", ".m4v"}
SIDECAR_SUFFIXES = {".srt", ".vtt", ".ass", ".ssa"}
#: Per-language stages whose outputs are working files, not renditions.
SUBTITLE_STAGES = ("inspect", "fix", "align", "validate")
#: Proof frames larger than this are linked beside the page instead of inlined.
INLINE_IMAGE_LIMIT = 4 << 20
#: Seconds of film shown either side of the worst-placed cue in the zoomed strip.
ZOOM_MARGIN_MS = 3000


def time_text(ms: int | float | None) -> str:
    return format_ms(round(ms)) if ms is not None else ""


def human_size(size: int | None) -> str:
    if size is None:
        return "?"
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


@dataclass(frozen=True)
class Locator:
    """Finds a path the job recorded, in the output folder as it is now."""

    out_dir: Path
    recorded: Path | None = None

    def find(self, value: str | Path | None) -> Path | None:
        if value is None or value == "":
            return None
        path = Path(value)
        if not path.is_absolute():
            return self.out_dir / path
        if self.recorded is not None and path.is_relative_to(self.recorded) and self.recorded != self.out_dir:
            moved = self.out_dir / path.relative_to(self.recorded)
            if moved.exists() or not path.exists():
                return moved
        return path

    def rel(self, path: Path) -> str:
        """``path`` as a link from a page in the output folder (POSIX separators)."""
        try:
            return path.relative_to(self.out_dir).as_posix()
        except ValueError:
            return path.as_uri() if path.is_absolute() else path.as_posix()


# -- the job's stages -------------------------------------------------------------------------


def tag_of(instance: str) -> str | None:
    return instance.split(":", 1)[1] if ":" in instance else None


def stage_of(instance: str) -> str:
    return instance.split(":", 1)[0]


def language_tags(stages: Sequence[Mapping[str, Any]]) -> list[str]:
    tags: list[str] = []
    for s in stages:
        tag = tag_of(s["stage"])
        if tag is not None and tag not in tags:
            tags.append(tag)
    return tags


def stage_rows(stages: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for s in stages:
        seconds = s.get("timings", {}).get("seconds")
        error = s.get("error") or {}
        rows.append(
            {
                "stage": s["stage"],
                "status": s["status"],
                "summary": s.get("summary", ""),
                "seconds": round(float(seconds), 2) if seconds is not None else None,
                "reused": bool(s.get("reused")),
                "error": error.get("message"),
                "exit_code": error.get("exit_code"),
            }
        )
    return rows


def job_status(stages: Sequence[Mapping[str, Any]]) -> tuple[str, str | None, int]:
    """``ok``/``failed``, the reason, the exit code: as ``JobResult`` computes them."""
    failures = [s for s in stages if s["status"] in ("failed", "refused")]
    if not failures:
        return "ok", None, 0
    reason = "; ".join((s.get("error") or {}).get("message") or s.get("summary", "") for s in failures)
    first = next((s["error"] for s in stages if s.get("error")), None)
    return "failed", reason, int(first["exit_code"]) if first else 1


def language_outcomes(stages: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for s in stages:
        tag = tag_of(s["stage"])
        if tag is None:
            continue
        if s["status"] in ("failed", "refused"):
            if out.get(tag, "ok") == "ok":
                out[tag] = f"{s['status']} at {stage_of(s['stage'])}"
        else:
            out.setdefault(tag, "ok")
    return out


def finding_source(stages: Sequence[Mapping[str, Any]], tag: str) -> Mapping[str, Any] | None:
    """The stage whose findings are a language's QC: validate (the file that ships), or where
    the language stopped earlier, fix's remaining findings, or inspect's parse problems."""
    mine = {stage_of(s["stage"]): s for s in stages if tag_of(s["stage"]) == tag}
    for name in ("validate", "fix", "inspect"):
        s = mine.get(name)
        if s is not None and s["status"] != "skipped":
            return s
    return None


def finding_counts(stages: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Findings by severity, each counted once: per language its QC stage's (fix's
    remaining findings are validate's again) and align's, plus the job-wide stages'."""
    counts = dict.fromkeys(SEVERITIES, 0)
    chosen: list[Mapping[str, Any]] = [s for s in stages if tag_of(s["stage"]) is None]
    for tag in language_tags(stages):
        source = finding_source(stages, tag)
        chosen += [source] if source is not None else []
        chosen += [s for s in stages if s["stage"] == f"align:{tag}"]
    for s in chosen:
        for f in s.get("findings", ()):
            sev = f.get("severity", "info")
            counts[sev] = counts.get(sev, 0) + 1
    return counts


# -- subtitle files ---------------------------------------------------------------------------


class Tracks:
    """Subtitle files read once per page (cue texts for findings, cue times for charts)."""

    def __init__(self) -> None:
        self._cache: dict[Path, Any] = {}

    def load(self, path: Path | None) -> Any | None:
        from subtitles.errors import SubpipeError
        from subtitles.load import load_track

        if path is None:
            return None
        if path not in self._cache:
            try:
                self._cache[path] = load_track(path)
            except (SubpipeError, OSError, ValueError):
                self._cache[path] = None
        return self._cache[path]


def cue_text(track: Any | None, cue: int | None) -> str:
    if track is None or cue is None:
        return ""
    from pipeline.report.alignment import shown_text

    cues = track.cues
    return shown_text(cues[cue - 1]) if 1 <= cue <= len(cues) else ""


def language_findings(
    stages: Sequence[Mapping[str, Any]], tag: str, loc: Locator, tracks: Tracks
) -> tuple[str | None, list[dict[str, Any]]]:
    """The QC findings of one language: the validate stage's (the file that ships), or where
    the language stopped earlier, the last stage that reported any. Returns (stage, rows)."""
    source = finding_source(stages, tag)
    extra = [f for s in stages if s["stage"] == f"align:{tag}" for f in s.get("findings", ())]
    if source is None and not extra:
        return None, []
    rows = []
    for f in [*(source.get("findings", ()) if source else ()), *extra]:
        path = loc.find(f.get("path"))
        start = f.get("start_ms")
        rows.append(
            {
                "severity": f.get("severity", "info"),
                "rule": f.get("rule", ""),
                "cue": f.get("cue"),
                "start_ms": start,
                "time": time_text(start),
                "text": cue_text(tracks.load(path), f.get("cue")),
                "message": f.get("message", ""),
                "line": f.get("line"),
                "file": path.name if path is not None else "",
            }
        )
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    rows.sort(key=lambda r: (rank.get(r["severity"], 9), r["cue"] or 0, r["rule"], r["line"] or 0))
    return (stage_of(source["stage"]) if source else "align"), rows


def shipped_file(stages: Sequence[Mapping[str, Any]], tag: str, loc: Locator) -> Path | None:
    """The language's latest subtitle file: what validate checked, else the last one written."""
    mine = [s for s in stages if tag_of(s["stage"]) == tag]
    validate = next((s for s in mine if stage_of(s["stage"]) == "validate" and s["outputs"]), None)
    if validate is not None:
        with contextlib.suppress(OSError, ValueError, KeyError, IndexError):
            report = json.loads((loc.out_dir / validate["outputs"][0]).read_text("utf-8"))
            found = loc.find(report["files"][0]["path"])
            if found is not None and found.is_file():
                return found
    for s in reversed(mine):
        if s["status"] == "ok" and stage_of(s["stage"]) in ("align", "fix") and s["outputs"]:
            path = loc.out_dir / str(s["outputs"][0])
            if path.is_file():
                return path
    return None


# -- the alignment picture --------------------------------------------------------------------


def alignment_bands(data: Mapping[str, Any]) -> dict[str, list[tuple[int, int]]]:
    """The three rows of the picture: the film's speech, the cues before and after."""
    return {
        "speech": [(int(a), int(b)) for a, b in data.get("speech", ())],
        "before": [(int(a), int(b)) for a, b in data.get("cues_before", ())],
        "after": [(int(a), int(b)) for a, b in data.get("cues_after", ())],
    }


def speech_share(start: int, end: int, speech: Sequence[tuple[int, int]]) -> float:
    """Share of ``[start, end)`` that falls on speech."""
    if end <= start:
        return 0.0
    covered = sum(max(0, min(end, b) - max(start, a)) for a, b in speech)
    return covered / (end - start)


def worst_placed(data: Mapping[str, Any]) -> dict[str, Any] | None:
    """The aligned cue sitting worst against the speech: the largest distance from its start
    to the nearest speech onset (without onsets, the least share of its time on speech).
    ``index`` is 0-based; ``cue`` the 1-based number the findings use."""
    after = alignment_bands(data)["after"]
    if not after:
        return None
    speech = alignment_bands(data)["speech"]
    onsets = sorted(float(x) for x in data.get("onsets_ms", ()))
    best: tuple[float, int] | None = None
    for i, (start, end) in enumerate(after):
        if onsets:
            k = bisect.bisect_left(onsets, start)
            near = [onsets[j] for j in (k - 1, k) if 0 <= j < len(onsets)]
            score = min(abs(start - x) for x in near)
        else:
            score = 1.0 - speech_share(start, end, speech)
        if best is None or score > best[0]:
            best = (score, i)
    assert best is not None
    score, i = best
    start, end = after[i]
    before = alignment_bands(data)["before"]
    texts = data.get("texts", ())
    lo = max(0, min(start, before[i][0] if i < len(before) else start) - ZOOM_MARGIN_MS)
    hi = max(end, before[i][1] if i < len(before) else end) + ZOOM_MARGIN_MS
    duration = int(data.get("duration_ms") or 0)
    if duration:
        hi = min(hi, max(duration, end))
    return {
        "index": i,
        "cue": i + 1,
        "start_ms": start,
        "end_ms": end,
        "before": list(before[i]) if i < len(before) else None,
        "onset_distance_ms": round(score) if onsets else None,
        "speech_share": round(speech_share(start, end, speech), 3),
        "text": texts[i] if i < len(texts) else "",
        "time": time_text(start),
        "window": (lo, hi),
    }


def transform_text(data: Mapping[str, Any]) -> list[str]:
    """The transform in words, one line per fact."""
    lines = []
    segments = data.get("segments") or []
    if data.get("status") == "unchanged":
        lines.append("timing unchanged (already on the speech)")
    elif len(segments) <= 1:
        scale = float(data.get("scale") or 1.0)
        lines.append(
            f"offset {int(data.get('offset_ms') or 0):+d} ms"
            + (f", scale {scale:.6f}" if scale != 1.0 else "")
        )
    else:
        for seg in segments:
            scale = float(seg.get("scale") or 1.0)
            lines.append(
                f"{time_text(seg['start_ms'])}–{time_text(seg['end_ms'])}: {int(seg['offset_ms']):+d} ms"
                + (f", scale {scale:.6f}" if scale != 1.0 else "")
            )
    if data.get("fps_change"):
        a, b = data["fps_change"]
        lines.append(f"frame rate {a} → {b}")
    for split in data.get("splits") or ():
        lines.append(f"split at {time_text(split['at_ms'])} ({int(split['offset_ms']):+d} ms after it)")
    return lines


def alignment_section(stages: Sequence[Mapping[str, Any]], tag: str, loc: Locator) -> dict[str, Any] | None:
    from pipeline.report.alignment import load_alignment

    env = next((s for s in stages if s["stage"] == f"align:{tag}"), None)
    if env is None or env["status"] == "skipped":
        return None
    details = env.get("details", {})
    rel = details.get("alignment_data")
    data = load_alignment(loc.out_dir / rel) if rel else None
    out: dict[str, Any] = {
        "status": details.get("status", env["status"]),
        "confidence": details.get("confidence"),
        "threshold": details.get("threshold"),
        "reason": details.get("reason"),
        "agreement_before": details.get("agreement_before"),
        "agreement_after": details.get("agreement_after"),
        "cues_moved": details.get("cues_moved"),
        "cues_clamped": details.get("cues_clamped"),
        "lead_in": details.get("lead_in"),
        "data": data,
        "data_file": rel,
        "transform": transform_text(data if data is not None else details),
        "worst": worst_placed(data) if data is not None else None,
    }
    return out


# -- reading speed ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CpsSeries:
    limit: float
    profile: str
    #: (cue number, start ms, end ms, characters per second), one per cue
    points: tuple[tuple[int, int, int, float], ...] = field(default_factory=tuple)

    @property
    def over(self) -> int:
        return sum(1 for p in self.points if p[3] > self.limit + 1e-9)


def cps_points(track: Any, profile: Any) -> CpsSeries:
    """Reading speed per cue, counted exactly as the ``read.cps`` rule counts it (visible
    characters without line breaks over the cue's duration)."""
    from subtitles.qc.context import Context
    from subtitles.qc.view import TrackView

    view = TrackView(track, profile, Context())
    chars = view.visible_chars.tolist()
    starts, ends = view.starts.tolist(), view.ends.tolist()
    points = []
    for i, (n, a, b) in enumerate(zip(chars, starts, ends, strict=True)):
        dur = b - a
        points.append((i + 1, int(a), int(b), n * 1000.0 / max(dur, 1) if dur > 0 else 0.0))
    return CpsSeries(float(profile.max_cps), profile.name, tuple(points))


def profile_for(tag: str, options: Mapping[str, Any], job_folder: Path | None) -> tuple[Any, str | None]:
    """The QC profile the validate stage used for ``tag``: shipped defaults, the job's house
    profile (from the stage's recorded options), and a ``max_cps`` override. Returns the
    profile and a note when the house profile could not be read again."""
    from subtitles.errors import SubpipeError
    from subtitles.language import Language
    from subtitles.qc import Overrides, ProfileSource, build_profile

    note = None
    source = ProfileSource()
    rel = options.get("profile")
    if rel:
        path = Path(rel) if Path(rel).is_absolute() or job_folder is None else job_folder / rel
        try:
            source = ProfileSource.read(path)
        except SubpipeError as exc:
            note = f"house profile not readable now ({exc}); the limit shown is the default"
    max_cps = options.get("max_cps")
    try:
        language: Language | None = Language.parse(tag)
    except SubpipeError:
        language = None
    profile = build_profile(language, source, Overrides(max_cps=float(max_cps) if max_cps else None))
    return profile, note


# -- renditions, proof frames, commands, versions --------------------------------------------


def stamp_of(out_dir: Path, instance: str) -> dict[str, Any] | None:
    from pipeline.job import read_stamp, stamp_path

    return read_stamp(stamp_path(out_dir, instance))


def probe_json(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    from media.probe import probe
    from subtitles.errors import SubpipeError

    try:
        return probe(path).to_json(), None
    except (SubpipeError, OSError) as exc:
        return None, str(exc)


def _stream_rows(info: Mapping[str, Any]) -> list[str]:
    rows = []
    for s in info.get("streams", ()):
        parts = [f"#{s['index']} {s['kind']} {s['codec']}"]
        if s["kind"] == "video" and s.get("width"):
            parts.append(f"{s['width']}×{s['height']}")
        if s["kind"] == "audio" and s.get("channels"):
            parts.append(f"{s['channels']} ch")
        if s.get("language") and s["language"] != "und":
            parts.append(s["language"])
        if s.get("title"):
            parts.append(f"“{s['title']}”")
        flags = [k for k in ("default", "forced") if s.get(k)]
        if flags:
            parts.append("(" + ", ".join(flags) + ")")
        rows.append(" ".join(parts))
    return rows


def burned_language(name: str) -> str | None:
    """``ru`` for ``film.ru.720p.mp4`` and ``my.film.ru.720p.9x16.mp4`` (burn's names)."""
    parts = name.split(".")[1:-1]
    return next((p for p in reversed(parts) if not re.fullmatch(r"\d+p|\d+x\d+", p)), None)


def renditions(stages: Sequence[Mapping[str, Any]], loc: Locator) -> list[dict[str, Any]]:
    """Every film or stream a stage wrote, probed; sidecar subtitle files listed with them."""
    rows: list[dict[str, Any]] = []
    seen: set[Path] = set()
    for s in stages:
        if s["status"] != "ok" or stage_of(s["stage"]) in SUBTITLE_STAGES:
            continue
        details = s.get("details", {})
        for rel in s.get("outputs", ()):
            path = loc.out_dir / rel
            suffix = path.suffix.lower()
            if path in seen:
                continue
            if suffix in MEDIA_SUFFIXES:
                seen.add(path)
                info, error = probe_json(path) if path.is_file() else (None, "missing")
                langs = []
                if info is not None:
                    langs = sorted(
                        {
                            st["language"]
                            for st in info["streams"]
                            if st["kind"] in ("subtitle", "audio") and st.get("language") not in (None, "und")
                        }
                    )
                burned = burned_language(path.name) if stage_of(s["stage"]) == "burn" else None
                if burned is not None:
                    langs = [f"burned in: {burned}", *(f"audio: {x}" for x in langs)]
                rows.append(
                    {
                        "kind": "film",
                        "stage": s["stage"],
                        "name": rel,
                        "link": loc.rel(path),
                        "size": human_size(path.stat().st_size) if path.is_file() else "missing",
                        "duration": time_text(info["duration_ms"])
                        if info and info.get("duration_ms")
                        else "?",
                        "format": info.get("format") if info else None,
                        "streams": _stream_rows(info) if info else [],
                        "languages": langs,
                        "error": error,
                    }
                )
            elif suffix == ".m3u8":
                master = loc.find(details.get("master"))
                if path != master and (master is not None or path.name != "master.m3u8"):
                    continue  # a variant's or a subtitle's playlist: part of the stream's row
                seen.add(path)
                folder = path.parent
                size = (
                    sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
                    if folder.is_dir()
                    else None
                )
                video = details.get("video") or []
                subs = details.get("subtitles") or []
                rows.append(
                    {
                        "kind": "stream",
                        "stage": s["stage"],
                        "name": rel,
                        "link": loc.rel(path),
                        "size": human_size(size),
                        "duration": "",
                        "format": "HLS",
                        "streams": [f"video {v['width']}×{v['height']}" for v in video]
                        + (["audio"] if details.get("audio") else [])
                        + [f"subtitles {t['language']} “{t['name']}”" for t in subs],
                        "languages": [t["language"] for t in subs],
                        "error": None,
                    }
                )
            elif suffix in SIDECAR_SUFFIXES and stage_of(s["stage"]).startswith("sidecar"):
                seen.add(path)
                rows.append(
                    {
                        "kind": "sidecar",
                        "stage": s["stage"],
                        "name": rel,
                        "link": loc.rel(path),
                        "size": human_size(path.stat().st_size) if path.is_file() else "missing",
                        "duration": "",
                        "format": suffix[1:],
                        "streams": [],
                        "languages": [p for p in path.name.split(".")[1:-1]][-1:],
                        "error": None,
                    }
                )
    return rows


def proof_frames(stages: Sequence[Mapping[str, Any]], loc: Locator) -> list[dict[str, Any]]:
    """The proof sheets (PNG) of burned renditions: inline as data URIs, or linked when big."""
    import base64

    frames: list[dict[str, Any]] = []
    seen: set[Path] = set()
    for s in stages:
        if s["status"] != "ok":
            continue
        details = s.get("details", {})
        candidates = [loc.out_dir / o for o in s.get("outputs", ()) if o.lower().endswith(".png")]
        sheet = loc.find(details.get("proof_sheet"))
        if sheet is not None:
            candidates.insert(0, sheet)
        for path in candidates:
            if path in seen or not path.is_file():
                continue
            seen.add(path)
            data = path.read_bytes()
            inline = len(data) <= INLINE_IMAGE_LIMIT
            frames.append(
                {
                    "stage": s["stage"],
                    "name": loc.rel(path),
                    "src": "data:image/png;base64," + base64.b64encode(data).decode("ascii")
                    if inline
                    else loc.rel(path),
                    "time": time_text(details.get("proof_time_ms")) if details.get("proof_time_ms") else "",
                    "outputs": [
                        f"{Path(o['path']).name} ({o.get('language')}, {o.get('width')}×{o.get('height')})"
                        for o in details.get("outputs", ())
                        if isinstance(o, Mapping) and "path" in o
                    ],
                }
            )
    return frames


def commands(stages: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    out = []
    for s in stages:
        argv = s.get("details", {}).get("command")
        if argv and isinstance(argv, list):
            out.append({"stage": s["stage"], "command": shlex.join(str(a) for a in argv)})
    return out


def versions_and_options(
    stages: Sequence[Mapping[str, Any]], out_dir: Path
) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """The versions the stages ran with and each stage's options, from their stamps."""
    versions: dict[str, str] = {}
    options: list[dict[str, Any]] = []
    done: set[str] = set()
    for s in stages:
        stamp = stamp_of(out_dir, s["stage"])
        if stamp is None:
            continue
        for k, v in (stamp.get("versions") or {}).items():
            versions.setdefault(str(k), str(v))
        name = stage_of(s["stage"])
        if name not in done and stamp.get("options"):
            done.add(name)
            shown = {k: v for k, v in stamp["options"].items() if v not in (None, (), [], "")}
            options.append({"stage": name, "options": json.dumps(shown, ensure_ascii=False, sort_keys=True)})
    return versions, options


# -- the whole page ---------------------------------------------------------------------------


def job_model(out_dir: Path, stages: Sequence[Mapping[str, Any]], meta: Mapping[str, Any]) -> dict[str, Any]:
    """Everything the job page shows. ``stages`` are envelopes as JSON (``StageResult.to_json``)
    without the report's own; ``meta``: ``name``, ``job`` (its folder or spec), ``film``,
    ``output`` (the output folder as the job recorded it)."""
    recorded = Path(meta["output"]) if meta.get("output") else None
    loc = Locator(out_dir, recorded)
    tracks = Tracks()
    status, reason, exit_code = job_status(stages)
    film = Path(meta["film"]) if meta.get("film") else None
    job_folder = film.parent if film is not None else None
    languages = []
    for tag in language_tags(stages):
        finding_stage, findings = language_findings(stages, tag, loc, tracks)
        shipped = shipped_file(stages, tag, loc)
        cps = None
        cps_note = None
        track = tracks.load(shipped)
        if track is not None and track.cues:
            vstamp = stamp_of(out_dir, f"validate:{tag}") or {}
            profile, cps_note = profile_for(tag, vstamp.get("options") or {}, job_folder)
            cps = cps_points(track, profile)
        errors = [
            {"stage": s["stage"], "message": (s.get("error") or {}).get("message") or s.get("summary", "")}
            for s in stages
            if tag_of(s["stage"]) == tag and s["status"] in ("failed", "refused")
        ]
        rules = sorted({f["rule"] for f in findings})
        fix = next((s for s in stages if s["stage"] == f"fix:{tag}" and s["status"] == "ok"), None)
        fixes = [
            {
                "rule": c.get("rule", ""),
                "cue": c.get("cue"),
                "line": c.get("line"),
                "before": str(c.get("before", "")),
                "after": str(c.get("after", "")),
            }
            for c in (fix or {}).get("details", {}).get("changes", ())
        ]
        languages.append(
            {
                "tag": tag,
                "name": _language_name(tag),
                "outcome": language_outcomes(stages).get(tag, "ok"),
                "errors": errors,
                "finding_stage": finding_stage,
                "findings": findings,
                "fixes": fixes,
                "rules": rules,
                "counts": {sev: sum(1 for f in findings if f["severity"] == sev) for sev in SEVERITIES},
                "alignment": alignment_section(stages, tag, loc),
                "cps": cps,
                "cps_note": cps_note,
                "file": loc.rel(shipped) if shipped is not None else None,
            }
        )
    versions, options = versions_and_options(stages, out_dir)
    total = sum(float(s.get("timings", {}).get("seconds") or 0.0) for s in stages)
    return {
        "name": meta.get("name") or out_dir.name,
        "job": meta.get("job"),
        "film": film.name if film is not None else None,
        "status": status,
        "reason": reason,
        "exit_code": exit_code,
        "stages": stage_rows(stages),
        "stage_seconds": round(total, 2),
        "counts": finding_counts(stages),
        "languages": languages,
        "renditions": renditions(stages, loc),
        "proofs": proof_frames(stages, loc),
        "commands": commands(stages),
        "versions": versions,
        "options": options,
    }


def _language_name(tag: str) -> str:
    from subtitles.errors import SubpipeError
    from subtitles.language import Language

    try:
        lang = Language.parse(tag)
    except SubpipeError:
        return tag
    return (
        f"{lang.native_name} ({lang.english_name})"
        if lang.native_name != lang.english_name
        else lang.english_name
    )


# -- the batch index --------------------------------------------------------------------------


def index_row(result: Mapping[str, Any], folder: Path, out_dir: Path | None) -> dict[str, Any]:
    """One job's row: from its ``result.json`` (or an unplanned job's reason)."""
    from pipeline.report import REPORT_NAME

    stages = [s for s in result.get("stages", ()) if s["stage"] != "report"]
    confidences = [
        float(s["details"]["confidence"])
        for s in stages
        if stage_of(s["stage"]) == "align" and s.get("details", {}).get("confidence") is not None
    ]
    media = sorted(
        {
            o
            for s in stages
            if s["status"] == "ok"
            for o in s.get("outputs", ())
            if Path(o).suffix.lower() in MEDIA_SUFFIXES | {".m3u8"}
        }
    )
    link = None
    if out_dir is not None and (out_dir / REPORT_NAME).is_file():
        # relative, so the index and the pages can move together (and open from file://)
        link = Path(os.path.relpath(out_dir / REPORT_NAME, folder)).as_posix()
    counts = finding_counts(stages)
    return {
        "name": result.get("name", "?"),
        "status": result.get("status", "failed"),
        "reason": result.get("reason"),
        "exit_code": result.get("exit_code", 1),
        "languages": result.get("languages") or language_outcomes(stages),
        "counts": counts,
        "confidence": round(min(confidences), 2) if confidences else None,
        "confidences": {
            tag_of(s["stage"]): s["details"].get("confidence")
            for s in stages
            if stage_of(s["stage"]) == "align" and s.get("details", {}).get("confidence") is not None
        },
        "renditions": media,
        "seconds": round(float(result.get("seconds") or 0.0), 1),
        "link": link,
    }
