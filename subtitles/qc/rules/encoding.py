"""Encoding: mojibake (text decoded with the wrong code page) and doubtful decodings."""

from __future__ import annotations

from subtitles.qc.finding import Severity
from subtitles.qc.registry import rule
from subtitles.qc.view import Emit, TrackView

#: Above this many damaged cues, one finding for the file replaces one per cue.
_PER_CUE_LIMIT = 5


def _short(text: str, n: int = 60) -> str:
    text = text.replace("\n", " / ")
    return text if len(text) <= n else text[: n - 1] + "…"


@rule(
    "enc.mojibake",
    Severity.ERROR,
    "Text decoded with the wrong code page (ÐžÑ‚ for От, Ä… for ą).",
    fixable=True,
)
def mojibake(view: TrackView, out: Emit) -> None:
    found = view.mojibake
    if found is None:
        return
    damage, affected = found
    repairable = {i: t for i, t in affected.items() if t is not None}
    if len(affected) > _PER_CUE_LIMIT and len(repairable) == len(affected):
        first = min(affected)
        out.cue(
            first,
            f"{damage.name} in {len(affected)} of {len(view.cues)} cues; an exact repair exists "
            f"(subpipe fix): {_short(view.texts.plain[first])!r} → {_short(repairable[first])!r}",
            text_line=0,
            suggestion=repairable[first],
        )
        return
    for i, fixed in sorted(affected.items()):
        if fixed is not None:
            out.cue(
                i,
                f"{damage.name}: {_short(view.texts.plain[i])!r} should read {_short(fixed)!r}",
                text_line=0,
                suggestion=fixed,
            )
        else:
            out.cue(
                i,
                f"looks like {damage.name} but no exact repair exists: {_short(view.texts.plain[i])!r}",
                text_line=0,
                fixable=False,
            )


@rule("enc.uncertain", Severity.INFO, "The encoding was a close call between code pages.")
def uncertain(view: TrackView, out: Emit) -> None:
    guess = view.track.encoding
    if guess is None or guess.bom or guess.confidence >= 0.5 or not guess.alternatives:
        return
    out.file(
        f"decoded as {guess.encoding} with low confidence ({guess.confidence:.2f}); "
        f"also plausible: {', '.join(guess.alternatives)}"
    )
