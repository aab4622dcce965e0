"""Typography per language: quotation marks, the ellipsis character, dialogue dashes
(Netflix language guides, Subtitle Edit's SpeakerStyle; see qc-rules.md)."""

from __future__ import annotations

import re

from subtitles.qc import normalize as nz
from subtitles.qc.finding import Severity
from subtitles.qc.registry import rule
from subtitles.qc.view import Emit, TrackView

_QUOTE = re.compile('["“”„‟«»]')
_DASHES = "-‐‑–—"
_DASH_AT_LINE_START = re.compile(f"[\n\x1e][{_DASHES}]")


def _lang(view: TrackView) -> str:
    return view.profile.language or "this profile"


@rule(
    "typo.quotes",
    Severity.WARNING,
    "Quotation marks not of the language's style («» ru, „” pl, “” en).",
    fixable=True,
)
def quotes(view: TrackView, out: Emit) -> None:
    p = view.profile
    allowed = set(p.quotes) | set(p.inner_quotes)
    candidates = view.cues_with(_QUOTE)
    for i in candidates:
        text = view.texts.plain[i]
        wrong = sorted({ch for ch in text if ch in nz.DOUBLE_QUOTES and ch not in allowed})
        paired = nz.pair_quotes(text)
        if paired is None:
            if wrong:  # fix leaves these alone: say so rather than guess a pairing
                first = min(text.index(ch) for ch in wrong)
                out.cue(
                    i,
                    f"quotes {' '.join(wrong)} cannot be paired unambiguously (left as they are): "
                    f"{_lang(view)} uses {p.quotes[0]}…{p.quotes[1]} "
                    f"(inside: {p.inner_quotes[0]}…{p.inner_quotes[1]})",
                    text_line=text.count("\n", 0, first),
                )
            continue
        fixed = nz.apply_quotes(text, paired, p.quotes, p.inner_quotes)
        if fixed != text:
            what = f"quotes {' '.join(wrong)}" if wrong else "quotes in the wrong order or nesting"
            first = next(k for k, (a, b) in enumerate(zip(text, fixed, strict=True)) if a != b)
            out.cue(
                i,
                f"{what}: {_lang(view)} uses {p.quotes[0]}…{p.quotes[1]} "
                f"(inside: {p.inner_quotes[0]}…{p.inner_quotes[1]})",
                text_line=text.count("\n", 0, first),
                suggestion=fixed,
            )


@rule("typo.ellipsis", Severity.WARNING, "Three dots instead of the ellipsis character U+2026.", fixable=True)
def ellipsis(view: TrackView, out: Emit) -> None:
    target = view.profile.ellipsis
    if target == "…":
        hit: dict[int, int] = {}
        starts = view.joined_plain[1]
        for i, m in view.scan(nz.THREE_DOTS):
            # Dots inside a URL, address or path are not an ellipsis (``example.com/a...b``).
            if not nz.in_address(view.texts.plain[i], m.start() - starts[i], m.end() - starts[i]):
                hit.setdefault(i, view.text_line_at(i, m.start()))
        for i, k in hit.items():
            text = view.texts.plain[i]
            out.cue(
                i,
                f"three dots: use one ellipsis character … (U+2026): {text!r}",
                text_line=k,
                suggestion=nz.normalize_ellipsis(text, target),
            )
    else:
        for i, text in enumerate(view.texts.plain):
            if "…" in text:
                out.cue(
                    i,
                    f"ellipsis character: this profile writes {target!r}",
                    text_line=text.count("\n", 0, text.index("…")),
                    suggestion=nz.normalize_ellipsis(text, target),
                )


@rule(
    "typo.dialogue_dash",
    Severity.WARNING,
    "Dialogue dashes not in the language's style (- ru/pl, -x en).",
    fixable=True,
)
def dialogue_dash(view: TrackView, out: Emit) -> None:
    dash = view.profile.dialogue_dash
    plain = view.texts.plain
    candidates = set(view.cues_with(_DASH_AT_LINE_START))
    if plain and plain[0][:1] in _DASHES:
        candidates.add(0)
    for i in sorted(candidates):
        text = plain[i]
        for m in nz.DIALOGUE_DASH.finditer(text):
            found = m.group(0)[len(m.group(1)) :]
            if found == dash:
                continue
            k = text.count("\n", 0, m.start())
            out.cue(
                i,
                f"speaker dash {found!r}: {_lang(view)} writes {dash!r} at the start of each speaker's line",
                text_line=k,
                suggestion=nz.normalize_dashes(text, dash),
            )
            break
