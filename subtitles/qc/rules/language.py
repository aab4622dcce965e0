"""Language: the declared language's script, and the language the text is actually in
(Russian vs Ukrainian and Belarusian, Polish vs Czech and Slovak), on the file as a whole.

Both read the text after any exact mojibake repair, so a double-encoded Russian file is
reported once as mojibake, not a second time as "Latin script".
"""

from __future__ import annotations

from subtitles.langdetect import LanguageGuess, detect_language
from subtitles.language import Language
from subtitles.model import Track
from subtitles.qc.finding import Severity
from subtitles.qc.mojibake import diagnose_all
from subtitles.qc.registry import rule
from subtitles.qc.scripts import CYRILLIC, LATIN, count_scripts, script_of
from subtitles.qc.text import cue_texts
from subtitles.qc.view import Emit, TrackView

_SCRIPT_NAMES = {CYRILLIC: "Cyrillic", LATIN: "Latin"}
_MIN_SCRIPT_LETTERS = 20


def _text(view: TrackView) -> str:
    return "\n".join(view.readable_plain)


def _guess(view: TrackView) -> LanguageGuess:
    """The loader's guess when the text was read as is; a fresh one on repaired text."""
    loaded = view.track.language_guess
    if view.mojibake is None and loaded is not None:
        return loaded
    return detect_language(_text(view))


@rule("lang.script", Severity.ERROR, "The letters are not in the script of the declared language.")
def script(view: TrackView, out: Emit) -> None:
    lang = view.track.language
    if lang is None or view.track.language_source == "detected":
        return
    expected = script_of(lang)
    if expected not in _SCRIPT_NAMES:
        return
    cyr, lat = count_scripts(_text(view))
    total = cyr + lat
    if total < _MIN_SCRIPT_LETTERS:
        return
    share = (cyr if expected == CYRILLIC else lat) / total
    if share < 0.5:
        other = LATIN if expected == CYRILLIC else CYRILLIC
        out.file(
            f"declared {lang.english_name} ({_SCRIPT_NAMES[expected]}), but {1 - share:.0%} of the letters "
            f"are {_SCRIPT_NAMES[other]}: wrong file or wrong language tag?"
        )


@rule("lang.detected", Severity.ERROR, "The text is in another language than the declared one.")
def detected(view: TrackView, out: Emit) -> None:
    lang = view.track.language
    guess = _guess(view)
    if view.track.language_source == "detected":
        lang = None  # detected by the loader: nothing declared to compare against
    if lang is None:
        if guess.language is not None:
            out.file(
                f"language not declared (name the file film.ru.srt or pass --lang); the text reads as "
                f"{guess.language.english_name} ({guess.confidence:.0%}), checked with that profile",
                severity=Severity.WARNING,
            )
        else:
            out.file("language not declared, and too little text to detect it", severity=Severity.WARNING)
        return
    if guess.language is None:
        out.file(f"too little text to confirm that it is {lang.english_name}", severity=Severity.INFO)
        return
    if guess.language.same_language(lang):
        return
    if guess.confidence < view.profile.language_confidence:
        out.file(
            f"declared {lang.english_name}, but the text may be {guess.language.english_name} "
            f"({guess.confidence:.0%}); check it",
            severity=Severity.WARNING,
        )
        return
    out.file(
        f"declared {lang.english_name}, but the text is {guess.language.english_name} "
        f"({guess.confidence:.0%} confident): wrong file or wrong language tag"
    )


def effective_language(track: Track) -> Language | None:
    """The language whose profile should check ``track``: the declared one, else the one
    detected from the text after any exact mojibake repair (the loader's guess, made on the
    damaged text, may call double-encoded Russian Spanish)."""
    if track.language is not None and track.language_source != "detected":
        return track.language
    found = diagnose_all(cue_texts(track).plain)
    if found is None:
        return track.language
    repaired = [t for t in found[1].values() if t is not None]
    guess = detect_language("\n".join(repaired)) if repaired else None
    return guess.language if guess is not None and guess.language is not None else track.language
