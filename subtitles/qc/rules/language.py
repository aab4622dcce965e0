"""Language: the declared language's script, and the language the text is actually in
(Russian vs Ukrainian and Belarusian, Polish vs Czech and Slovak), on the file as a whole.

Both read the text after any exact mojibake repair, so a double-encoded Russian file is
reported once as mojibake, not a second time as "Latin script".
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from pathlib import PurePath

from subtitles.langdetect import LanguageGuess, TextStats, detect_language, profiles
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
#: Below this many letters or words the detector is not asked to contradict the declared
#: language: a line like ``The café’s “special” — naïve résumé`` scores as French because
#: four loanwords outweigh one "the". Two or three full subtitle lines reach both minima.
MIN_CONFIRM_LETTERS = 60
MIN_CONFIRM_WORDS = 12
#: A mismatch is an error only when the detected language is at least this many times
#: as likely as the declared one (natural log of the ratio); closer calls are a warning.
MIN_MISMATCH_MARGIN = math.log(20.0)
_WORD = re.compile(r"[^\W\d_]+")


def _text(view: TrackView) -> str:
    """The readable text of every cue in one string (cues apart by a separator that is
    neither a letter nor part of a word), shared with the other whole-file scans."""
    return view.joined_readable[0]


def _letters_at_most(text: str, limit: int) -> int:
    """The letters of ``text``, counted a few thousand characters at a time (in C, not per
    letter) until ``limit`` is reached: only compared with the minimum, and shown when below
    it, so the 12 million characters of a 200,000-cue file need not all be counted."""
    letters = 0
    for pos in range(0, len(text), 4096):
        letters += sum(n for ch, n in Counter(text[pos : pos + 4096]).items() if ch.isalpha())
        if letters >= limit:
            break
    return letters


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
                f"language not declared (name the file {_suggested_name(view, guess.language.code)} or pass "
                f"--lang {guess.language.code}); the text reads as {guess.language.english_name} "
                f"({guess.confidence:.0%}), checked with that profile",
                severity=Severity.WARNING,
            )
        else:
            out.file(
                f"language not declared, and too little text to detect it (name the file "
                f"{_suggested_name(view, 'LANG')} with a code such as ru, en or pl, or pass --lang)",
                severity=Severity.WARNING,
            )
        return
    text = _text(view)
    letters = _letters_at_most(text, MIN_CONFIRM_LETTERS)
    # only compared with the minimum (and shown when below it): counting stops there
    words = sum(1 for _ in itertools.islice(_WORD.finditer(text), MIN_CONFIRM_WORDS))
    if guess.language is None or letters < MIN_CONFIRM_LETTERS or words < MIN_CONFIRM_WORDS:
        out.file(
            f"too little text to confirm the language ({words} words, {letters} letters; "
            f"{MIN_CONFIRM_WORDS} words and {MIN_CONFIRM_LETTERS} letters needed): "
            f"taken as declared, {lang.english_name}",
            severity=Severity.INFO,
        )
        return
    if guess.language.same_language(lang):
        return
    declared = max((v for k, v in guess.scores.items() if k.split("-")[0] == lang.code), default=0.0)
    margin = math.log(guess.confidence / declared) if declared > 0 else math.inf
    if (
        guess.confidence < view.profile.language_confidence
        or margin < MIN_MISMATCH_MARGIN
        or not _words_agree(text, guess.language, lang)
    ):
        out.file(
            f"declared {lang.english_name}, but the text may be {guess.language.english_name} "
            f"({guess.confidence:.0%}; {lang.english_name} {declared:.0%}); check it",
            severity=Severity.WARNING,
        )
        return
    out.file(
        f"declared {lang.english_name}, but the text is {guess.language.english_name} "
        f"({guess.confidence:.0%} confident): wrong file or wrong language tag"
    )


def _words_agree(text: str, detected: Language, declared: Language) -> bool:
    """Whether the detected language also leads on common words. Letters alone mislead on
    loanwords (``crème brûlée`` in English); a text really in another language uses that
    language's short words (``не``, ``і``, ``the``) more than the declared one's."""
    stats = TextStats.of(text)
    hits: dict[str, int] = {}
    for p in profiles():
        code = p.tag.split("-")[0]
        hits[code] = max(hits.get(code, 0), p.word_hits(stats.words))
    return hits.get(detected.code, 0) > hits.get(declared.code, 0)


def _suggested_name(view: TrackView, code: str) -> str:
    """The file's own name with the language code before the suffix: ``interview.pl.srt``."""
    if view.path is None:
        return f"film.{code}.srt"
    name = PurePath(view.path)
    return f"{name.stem}.{code}{name.suffix}"


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
