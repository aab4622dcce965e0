"""The film's speech (``--film``): cues shown over silence, speech no cue carries.

Speech comes in the context (``Context.speech_spans``: (start, end) ms pairs, measured once
per film by ``media.vad``, the detector alignment uses); without it these rules say nothing.
The detector hears voices, not words: a song, a crowd or a radio can count as speech and a
whisper may not, so the thresholds leave it a margin (``[film]`` in the profile) and
sound descriptions (``[door slams]``), lyrics (``♪``) and positioned signs are never
expected to sit on speech.

A missing line is looked for per language and across languages: with one file, speech of
2 s or more with no cue between cues of the file (``speech.missing_line``); with several,
the verdict depends on the others: another language has a cue there, so this one left a
line out (``speech.missing_xlang``, an error), or no language has one (``speech.unsubtitled``:
a song or background talk left untranslated on purpose, or a line everyone missed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from subtitles.qc.finding import Finding, Severity
from subtitles.qc.registry import cross_rule, rule
from subtitles.qc.view import CrossEmit, Emit, TrackView
from subtitles.timing import format_ms

IntArray = npt.NDArray[np.int64]

#: Pauses shorter than this between speech runs are inside one line (breaths, word gaps).
JOIN_MS = 500
#: Share of a silent stretch another language must cover to count as subtitling it.
COVER_SHARE = 0.5
#: Texts that are not dialogue: sound descriptions, lyrics, positioned signs.
_NOT_DIALOGUE = re.compile(r"^\s*(?:[\[(（][^\])）]*[\])）]\s*)+$|[♪♫]", re.S)
_POSITIONED = re.compile(r"\\(?:an?\d|pos|move)")


def _spans(view: TrackView) -> tuple[IntArray, IntArray] | None:
    spans = view.context.speech_spans
    if spans is None:
        return None
    arr = np.asarray(spans, dtype=np.int64).reshape(-1, 2)
    return arr[:, 0], arr[:, 1]


def _merge(starts: IntArray, ends: IntArray, join: int) -> tuple[IntArray, IntArray]:
    """Union of intervals (sorted by start), joining those less than ``join`` ms apart."""
    if starts.size == 0:
        return starts, ends
    order = np.argsort(starts, kind="stable")
    s, e = starts[order], ends[order]
    reach = np.maximum.accumulate(e)
    new = np.ones(s.size, dtype=bool)
    new[1:] = s[1:] > reach[:-1] + join
    idx = np.flatnonzero(new)
    last = np.append(idx[1:], s.size) - 1
    return s[idx], reach[last]


def _subtract(a_s: IntArray, a_e: IntArray, b_s: IntArray, b_e: IntArray) -> list[tuple[int, int]]:
    """Parts of the (merged, sorted) intervals ``a`` outside the (merged, sorted) ``b``."""
    out: list[tuple[int, int]] = []
    bs, be = b_s.tolist(), b_e.tolist()
    k = 0
    for lo, hi in zip(a_s.tolist(), a_e.tolist(), strict=True):
        while k < len(bs) and be[k] <= lo:
            k += 1
        pos = lo
        j = k
        while j < len(bs) and bs[j] < hi:
            if bs[j] > pos:
                out.append((pos, bs[j]))
            pos = max(pos, be[j])
            j += 1
        if pos < hi:
            out.append((pos, hi))
    return out


def _dialogue(view: TrackView, i: int) -> bool:
    return not (_NOT_DIALOGUE.search(view.texts.plain[i]) or _POSITIONED.search(view.texts.raw[i]))


def _cue_cover(view: TrackView) -> tuple[IntArray, IntArray]:
    """Where the track's cues are on screen, widened by the lead-in and the tail a timer
    may add around speech, merged."""
    p = view.profile
    order = view.playable_order
    return _merge(view.starts[order] - p.speech_lead_ms, view.ends[order] + p.speech_tail_ms, 0)


def _overlapping(s: IntArray, e: IntArray, lo: int, hi: int) -> tuple[tuple[int, int], ...]:
    a = int(np.searchsorted(e, lo, side="right"))
    b = int(np.searchsorted(s, hi, side="left"))
    return tuple((int(x), int(y)) for x, y in zip(s[a:b].tolist(), e[a:b].tolist(), strict=True))


@rule(
    "speech.silent_cue",
    Severity.WARNING,
    "A cue on screen over a stretch with no speech, longer than 1.5 s past the 0.5 s a timer may add "
    "after speech (with --film).",
)
def silent_cue(view: TrackView, out: Emit) -> None:
    spans = _spans(view)
    if spans is None:
        return
    p = view.profile
    s, e = _merge(*spans, 0)
    allowed_s, allowed_e = _merge(s - p.speech_lead_ms, e + p.speech_tail_ms, 0)
    for i in view.playable_order.tolist():
        c = view.cues[i]
        # only the allowed stretches overlapping this cue: one binary search, not a scan
        a = int(np.searchsorted(allowed_e, c.start, side="right"))
        b = int(np.searchsorted(allowed_s, c.end, side="left"))
        holes = _subtract(np.array([c.start]), np.array([c.end]), allowed_s[a:b], allowed_e[a:b])
        if not holes:
            continue
        lo, hi = max(holes, key=lambda h: h[1] - h[0])
        if hi - lo <= p.max_silence_ms or not _dialogue(view, i):
            continue
        heard = _overlapping(s, e, c.start, c.end)
        if not heard:
            msg = (
                f"no speech while it is on screen ({format_ms(c.start)}–{format_ms(c.end)}): timed for "
                "another cut, or a sign or lyric to mark as such?"
            )
        else:
            msg = (
                f"on screen {(hi - lo) / 1000:.1f} s with no speech ({format_ms(lo)}–{format_ms(hi)}, past "
                f"the {p.speech_tail_ms / 1000:g} s a timer may add after speech): end it earlier or split it"
            )
        out.cue(i, msg)
        out.findings[-1] = _with_speech(out.findings[-1], heard)


def _with_speech(f: Finding, spans: tuple[tuple[int, int], ...]) -> Finding:
    import dataclasses

    return dataclasses.replace(f, speech=spans)


@dataclass(frozen=True, slots=True)
class _Gap:
    """Speech no cue of the track carries: ``start``-``end`` (ms), its speech spans, and the
    cues before and after it (indices into ``view.cues``)."""

    start: int
    end: int
    speech: tuple[tuple[int, int], ...]
    before: int
    after: int


def _gaps(view: TrackView) -> list[_Gap]:
    """Speech of ``min_missing_speech_ms`` or more outside the track's cues, between cues."""
    spans = _spans(view)
    order = view.playable_order
    if spans is None or order.size < 2:
        return []
    p = view.profile
    s, e = _merge(*spans, 0)
    cover_s, cover_e = _cue_cover(view)
    free = _subtract(s, e, cover_s, cover_e)
    if not free:
        return []
    fs = np.array([a for a, _b in free], dtype=np.int64)
    fe = np.array([b for _a, b in free], dtype=np.int64)
    gs, ge = _merge(fs, fe, JOIN_MS)
    starts, ends = view.starts[order], view.ends[order]
    out = []
    for lo, hi in zip(gs.tolist(), ge.tolist(), strict=True):
        if hi - lo < p.min_missing_speech_ms:
            continue
        k = int(np.searchsorted(starts, lo, side="right"))  # cues starting before the speech
        if k == 0 or k >= order.size or int(ends[:k].max()) > hi:
            continue  # not between cues of this track (before the first, after the last)
        pieces = _overlapping(fs, fe, lo, hi)
        out.append(_Gap(lo, hi, pieces, int(order[k - 1]), int(order[k])))
    return out


def _gap_finding(view: TrackView, rule_id: str, severity: Severity, gap: _Gap, message: str) -> Finding:
    return Finding(
        rule=rule_id,
        severity=severity,
        message=message,
        path=view.path,
        line=view.line_of(gap.after),
        cue=None,
        start_ms=gap.start,
        end_ms=gap.end,
        speech=gap.speech,
    )


def _where(gap: _Gap) -> str:
    return (
        f"{(gap.end - gap.start) / 1000:.1f} s of speech at {format_ms(gap.start)}–{format_ms(gap.end)}, "
        f"between cue {gap.before + 1} and cue {gap.after + 1},"
    )


@rule(
    "speech.missing_line",
    Severity.WARNING,
    "2 s or more of speech with no cue, between cues of the file (with --film; with several files the "
    "speech.missing_xlang and speech.unsubtitled checks say which).",
)
def missing_line(view: TrackView, out: Emit) -> None:
    if view.context.tracks > 1:
        return  # the cross-language checks judge it against the other files
    for gap in _gaps(view):
        out.findings.append(
            _gap_finding(view, out.rule.id, out.severity, gap, f"{_where(gap)} has no cue: a missing line?")
        )


def _covers(view: TrackView, gap: _Gap) -> tuple[bool, str | None]:
    """Whether ``view``'s cues carry the gap's speech, and the text of the cue that does."""
    spoken = sum(b - a for a, b in gap.speech)
    if spoken <= 0:
        return False, None
    order = view.playable_order
    starts, ends = view.starts[order], view.ends[order]
    hit = np.flatnonzero((starts < gap.end) & (ends > gap.start))
    if hit.size == 0:
        return False, None
    cs, ce = _merge(starts[hit], ends[hit], 0)
    covered = 0
    for a, b in gap.speech:
        for x, y in zip(cs.tolist(), ce.tolist(), strict=True):
            covered += max(0, min(b, y) - max(a, x))
    text = view.texts.plain[int(order[hit[0]])].replace("\n", " ")
    return covered >= COVER_SHARE * spoken, text


def _label(view: TrackView) -> str:
    lang = view.track.language
    return lang.code if lang is not None else (view.path.rsplit("/", 1)[-1] if view.path else "?")


@cross_rule(
    "speech.missing_xlang",
    Severity.ERROR,
    "Speech another language has a cue for has none in this file: a line left out (with --film).",
)
def missing_xlang(views: list[TrackView], out: CrossEmit) -> None:
    _across(views, out, missing=True)


@cross_rule(
    "speech.unsubtitled",
    Severity.INFO,
    "2 s or more of speech that no language has a cue for (with --film): a song or background talk "
    "left untranslated on purpose, or a line every file missed.",
)
def unsubtitled(views: list[TrackView], out: CrossEmit) -> None:
    _across(views, out, missing=False)


def _across(views: list[TrackView], out: CrossEmit, *, missing: bool) -> None:
    for v in views:
        gaps = _gaps(v)
        if not gaps:
            continue
        sev = v.profile.severity_for(out.rule.id, out.rule.severity)
        for gap in gaps:
            carried = []
            for o in views:
                if o is v:
                    continue
                ok, text = _covers(o, gap)
                if ok:
                    carried.append((o, text))
            if missing and carried:
                names = " and ".join(f"{_label(o)} («{t}»)" if t else _label(o) for o, t in carried)
                msg = f"{_where(gap)} has no cue here, but {names} has one: a line left out"
            elif not missing and not carried:
                others = ", ".join(_label(o) for o in views if o is not v)
                msg = (
                    f"{_where(gap)} has no cue in any language ({_label(v)}, {others}): untranslated on "
                    "purpose (a song, background talk), or a line every file missed"
                )
            else:
                continue
            out.findings.append((v, _gap_finding(v, out.rule.id, sev, gap, msg)))
