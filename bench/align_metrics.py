"""Scoring aligned subtitle files against the truth, and summarising runs.

Error is per cue: ``|aligned start - truth start|`` in ms. Output cues are matched to input
cues by position when the counts agree and their texts match in order; otherwise by an
order-preserving text alignment (difflib), and input cues without a partner are *lost*.

A run that wrote nothing (a refusal, or a failure) leaves the user with the input file, so its
cues are scored at their input timing: a refusal of a file that could have been aligned costs
accuracy, as it costs the user a manual fix. Refusals are also counted separately. Lost cues
count as errors of ``LOST_MS`` (never within any tolerance).
"""

from __future__ import annotations

import difflib
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pysubs2

WITHIN_MS = 100
#: A run is "right" when at least this share of its cues is within ``WITHIN_MS``.
RUN_OK_SHARE = 0.95
LOST_MS = 10**9


@dataclass(slots=True)
class Record:
    """One tool run on one case, JSON-serialisable (kept in the results file)."""

    case: str
    cls: str
    tool: str
    lang: str
    minutes: int
    condition: str
    detail: str
    exit_code: int
    wall_s: float
    cpu_s: float
    maxrss_mb: float
    n_in: int
    n_out: int | None
    refused: bool
    failed: bool
    lost: int
    text_changed: int
    errors: list[int] | None  # per scored cue, with lost cues as LOST_MS
    moved_max_ms: int | None  # largest |output start - input start| over matched cues
    confidence: float | None = None
    threshold: float | None = None
    status: str | None = None
    reason: str | None = None
    would_errors: list[int] | None = None  # subpipe refusals: errors of the proposed transform
    json_mismatch: int | None = None  # cues where the JSON segments do not reproduce the output
    reordered: int = 0  # cues present but out of their input order
    stderr_tail: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def within_share(self) -> float | None:
        if not self.errors:
            return None
        return sum(e <= WITHIN_MS for e in self.errors) / len(self.errors)

    def ok(self) -> bool:
        """Did this run leave the user with a right file (or refuse a wrong film)?"""
        if self.cls == "wrong":
            return self.refused
        share = self.within_share()
        return share is not None and share >= RUN_OK_SHARE and not self.refused and not self.failed

    def would_be_ok(self) -> bool | None:
        """For calibration: was the tool's *answer* right, whether or not it was applied?"""
        if self.cls == "wrong":
            return False  # any transform of another film's subtitles is wrong
        errs = self.errors if not self.refused else self.would_errors
        if not errs:
            return None
        return sum(e <= WITHIN_MS for e in errs) / len(errs) >= RUN_OK_SHARE


def read_cues(path: Path) -> list[tuple[int, str]]:
    subs = pysubs2.load(str(path), encoding="utf-8")
    return [(e.start, e.plaintext.strip()) for e in subs if not e.is_comment]


def match(inp: Sequence[str], out: Sequence[str]) -> tuple[list[int | None], int]:
    """For every input cue, the index of its output cue (None when lost), and how many moved in order.

    First an order-preserving alignment of the texts; then input cues left over are paired with
    left-over output cues of the same text (a tool that re-sorted cues has not lost them).
    """
    if list(inp) == list(out):
        return list(range(len(inp))), 0
    result: list[int | None] = [None] * len(inp)
    sm = difflib.SequenceMatcher(a=list(inp), b=list(out), autojunk=False)
    used = set()
    for block in sm.get_matching_blocks():
        for k in range(block.size):
            result[block.a + k] = block.b + k
            used.add(block.b + k)
    spare: dict[str, list[int]] = {}
    for j, text in enumerate(out):
        if j not in used:
            spare.setdefault(text, []).append(j)
    reordered = 0
    for i, text in enumerate(inp):
        if result[i] is None and spare.get(text):
            result[i] = spare[text].pop(0)
            reordered += 1
    return result, reordered


@dataclass(frozen=True, slots=True)
class Scored:
    errors: list[int] | None
    lost: int
    text_changed: int
    reordered: int
    moved_max_ms: int | None


def score(
    inp: list[tuple[int, str]], out: list[tuple[int, str]] | None, truth_starts: Sequence[int] | None
) -> Scored:
    """Errors against the truth (input timing when there is no output), lost cues, movement."""
    if out is None:
        errors = (
            None
            if truth_starts is None
            else [abs(s - t) for (s, _), t in zip(inp, truth_starts, strict=True)]
        )
        return Scored(errors, 0, 0, 0, None)
    idx, reordered = match([t for _, t in inp], [t for _, t in out])
    lost = sum(i is None for i in idx)
    same_count_changed = (
        sum(a[1] != b[1] for a, b in zip(inp, out, strict=True)) if len(inp) == len(out) else 0
    )
    text_changed = same_count_changed if lost == 0 else 0
    moved = [abs(out[j][0] - inp[i][0]) for i, j in enumerate(idx) if j is not None]
    errors = None
    if truth_starts is not None:
        errors = [
            LOST_MS if j is None else abs(out[j][0] - t) for j, t in zip(idx, truth_starts, strict=True)
        ]
    return Scored(errors, lost, text_changed, reordered, max(moved) if moved else None)


def apply_segments(
    starts: Sequence[int], segments: list[dict[str, Any]], offset_ms: int, scale: float
) -> list[int]:
    """Reproduce subpipe's piecewise-linear map (``--json`` ``segments``) on input start times."""
    out = []
    for s in starts:
        seg = next((g for g in segments if g["start_ms"] <= s < g["end_ms"]), None)
        if seg is None and segments:
            seg = min(segments, key=lambda g: min(abs(s - g["start_ms"]), abs(s - g["end_ms"])))
        if seg is None:
            out.append(round(s * scale + offset_ms))
        else:
            out.append(round(s * float(seg["scale"]) + int(seg["offset_ms"])))
    return out


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return math.nan
    return float(np.percentile(np.asarray(values, dtype=np.float64), q, method="higher"))


@dataclass(frozen=True, slots=True)
class Summary:
    runs: int
    cues: int
    median_ms: float
    p90_ms: float
    within_pct: float
    runs_ok: int
    lost: int
    text_changed: int
    reordered: int
    refusals: int
    failures: int
    wall_mean_s: float
    wall_total_s: float
    cpu_mean_s: float
    peak_mb: float
    moved_max_ms: int | None


def summarise(records: Sequence[Record]) -> Summary:
    errs = [e for r in records for e in (r.errors or [])]
    moved = [r.moved_max_ms for r in records if r.moved_max_ms is not None]
    walls = [r.wall_s for r in records]
    return Summary(
        runs=len(records),
        cues=len(errs),
        median_ms=percentile(errs, 50),
        p90_ms=percentile(errs, 90),
        within_pct=100.0 * sum(e <= WITHIN_MS for e in errs) / len(errs) if errs else math.nan,
        runs_ok=sum(r.ok() for r in records),
        lost=sum(r.lost for r in records),
        text_changed=sum(r.text_changed for r in records),
        reordered=sum(r.reordered for r in records),
        refusals=sum(r.refused for r in records),
        failures=sum(r.failed for r in records),
        wall_mean_s=float(np.mean(walls)) if walls else math.nan,
        wall_total_s=float(np.sum(walls)) if walls else 0.0,
        cpu_mean_s=float(np.mean([r.cpu_s for r in records])) if records else math.nan,
        peak_mb=max((r.maxrss_mb for r in records), default=math.nan),
        moved_max_ms=max(moved) if moved else None,
    )


@dataclass(frozen=True, slots=True)
class CalibrationBin:
    lo: float
    hi: float
    runs: int
    right: int


def calibration(records: Sequence[Record], edges: Sequence[float]) -> list[CalibrationBin]:
    """Runs by confidence bin, and how many of them had a right answer (see ``would_be_ok``)."""
    bins = []
    for lo, hi in itertools.pairwise(edges):
        inside = [
            r
            for r in records
            if r.confidence is not None
            and (lo <= r.confidence < hi or (hi == edges[-1] and r.confidence == hi))
            and r.would_be_ok() is not None
        ]
        bins.append(CalibrationBin(lo, hi, len(inside), sum(bool(r.would_be_ok()) for r in inside)))
    return bins
