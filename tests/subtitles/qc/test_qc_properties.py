"""Properties: any cue list validates without crashing; fixing is idempotent, keeps every
cue and never changes a word."""

from __future__ import annotations

import os
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from subtitles.errors import InputError
from subtitles.language import Language
from subtitles.load import load_bytes
from subtitles.model import Cue, Track
from subtitles.qc import Context, Overrides, build_profile, validate_track
from subtitles.qc.fix import fix_track, render_fixed
from subtitles.qc.scripts import CYRILLIC_TO_LATIN
from subtitles.qc.text import visible
from subtitles.timing import format_srt_time

ALPHABET = (
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЖЗИКЛМНОПРСТУФХЭЮЯ"
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPRSTUWZ"
    "ąćęłńóśźżĄĆĘŁŃÓŚŹŻ0123456789"
    "     ,.!?:;…-–—\"«»„“”'()"
)
TAGS = ["<i>", "</i>", "<b>", "</b>", "{\\an8}", "<span>", "</font>", "\x07", "\ufffd"]

CTX = Context.build(fps="25")
#: More examples on demand: QC_EXAMPLES=2000 pytest tests/subtitles/qc/test_qc_properties.py
EXAMPLES = int(os.environ.get("QC_EXAMPLES", "60"))
WORDS = re.compile(r"[^\W_]+")
CANON = str.maketrans(CYRILLIC_TO_LATIN)


def skeleton(text: str) -> list[str]:
    """Letters and digits in order, look-alike letters folded: what "the words" are."""
    return WORDS.findall(text.translate(CANON))


line = st.lists(
    st.one_of(st.text(ALPHABET, min_size=1, max_size=12), st.sampled_from(TAGS)), min_size=1, max_size=6
).map("".join)
cue_text = st.lists(line, min_size=1, max_size=3).map("\n".join)
times = st.tuples(st.integers(-2000, 120_000), st.integers(-500, 8000))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(times, cue_text), max_size=25), st.sampled_from(["ru", "en", "pl", None]))
def test_any_cue_list_validates(cues: list[tuple[tuple[int, int], str]], lang: str | None) -> None:
    track = Track(language=Language.parse(lang) if lang else None, source_format="ass")
    track.events = [Cue(start=s, end=s + d, text=t.replace("\n", "\\N")) for (s, d), t in cues]
    findings = validate_track(track, build_profile(track.language), CTX)
    assert all(f.cue is None or 1 <= f.cue <= len(cues) for f in findings)


def _srt(cues: list[tuple[tuple[int, int], str]]) -> str:
    return "\n".join(
        f"{n}\n{format_srt_time(s)} --> {format_srt_time(s + d)}\n{t}\n"
        for n, ((s, d), t) in enumerate(cues, start=1)
    )


def _usable(text: str) -> bool:
    lines = text.split("\n")
    return all(ln.strip() and "-->" not in ln and not ln.strip().isdigit() for ln in lines)


srt_cues = st.lists(
    st.tuples(st.tuples(st.integers(0, 100_000), st.integers(1, 8000)), cue_text.filter(_usable)),
    min_size=1,
    max_size=20,
)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(srt_cues, st.sampled_from(["ru", "en", "pl"]))
def test_fix_is_idempotent_keeps_cues_and_words(cues: list[tuple[tuple[int, int], str]], lang: str) -> None:
    try:
        track = load_bytes(_srt(cues).encode("utf-8"), name=f"film.{lang}.srt")
    except InputError:
        return
    profile = build_profile(track.language, overrides=Overrides(disable=("enc.mojibake",)))
    first = fix_track(track, profile, CTX)
    text = render_fixed(first)
    fixed = load_bytes(text.encode("utf-8"), name=f"out.{lang}.srt")
    assert len(fixed.cues) == len(track.cues)
    before = fix_track(track, profile, CTX)  # the input is untouched: same result twice
    assert before.raw == first.raw
    for a, b in zip(track.cues, fixed.cues, strict=True):
        assert b.start == a.start  # starts never move
        assert skeleton(visible(a.text.replace("\\N", "\n"), "ass")) == skeleton(
            visible(b.text.replace("\\N", "\n"), "ass")
        )
    second = fix_track(fixed, profile, CTX)
    assert not second.changes, second.changes[:3]
    n_lines = text.count("\n") + 1
    for finding in validate_track(fixed, profile, CTX):  # the fixed file validates, lines point inside it
        assert finding.line is None or 1 <= finding.line <= n_lines
        assert finding.rule not in ("typo.quotes", "typo.ellipsis", "typo.dialogue_dash")
        assert finding.rule != "text.mixed_script" or not finding.fixable
