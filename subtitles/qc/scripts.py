"""Writing systems: which script a language uses, and letters typed in the wrong one.

A Latin ``a``/``o``/``e``/``c``/``p`` inside a Cyrillic word (and the reverse) looks right
on screen but breaks search, spell checking, speech synthesis and sometimes the font
fallback of a burn-in. It comes from OCR and from typing with the wrong keyboard layout,
so the repair is a fixed table of look-alike letters, applied only when every foreign
letter of the word has a look-alike.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

import numpy as np
from babel.core import get_global

from subtitles.language import Language

CYRILLIC = "Cyrl"
LATIN = "Latn"

_CYR_CHARS = "\u0400-\u04ff\u0500-\u052f"
_LAT_CHARS = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"
CYR_LETTER = re.compile(f"[{_CYR_CHARS}]")
LAT_LETTER = re.compile(f"[{_LAT_CHARS}]")

#: Where a word switches script: the cheap pattern a whole file is scanned with.
SCRIPT_SWITCH = re.compile(f"[{_CYR_CHARS}][{_LAT_CHARS}]|[{_LAT_CHARS}][{_CYR_CHARS}]")

#: Latin letters with a Cyrillic twin that Russian uses (and back). Shapes, not sounds.
LATIN_TO_CYRILLIC = dict(zip("aceopxyABCEHKMOPTX", "асеорхуАВСЕНКМОРТХ", strict=True))
CYRILLIC_TO_LATIN = {v: k for k, v in LATIN_TO_CYRILLIC.items()} | {"і": "i", "ј": "j", "ѕ": "s", "І": "I"}


@functools.cache
def script_of(language: Language) -> str:
    """ISO 15924 script a language is normally written in (``ru`` → ``Cyrl``), via CLDR."""
    likely: Mapping[str, str] = get_global("likely_subtags")
    if "-" in language.tag and len(language.tag.split("-")[1]) == 4:
        return language.tag.split("-")[1]
    full = likely.get(language.code, "")
    parts = full.split("_")
    return parts[1] if len(parts) > 1 and len(parts[1]) == 4 else LATIN


def count_scripts(text: str) -> tuple[int, int]:
    """(Cyrillic letters, Latin letters) in ``text``, counted on code points with numpy, a
    million characters at a time (a whole long file as code points would be 4 bytes a letter)."""
    if len(text) < 64:
        return len(CYR_LETTER.findall(text)), len(LAT_LETTER.findall(text))
    cyr = lat = 0
    for pos in range(0, len(text), 1 << 20):
        cp = np.frombuffer(text[pos : pos + (1 << 20)].encode("utf-32-le"), dtype=np.uint32)
        cyr += int(np.count_nonzero((cp >= 0x400) & (cp <= 0x52F)))
        ascii_letters = (cp | 0x20) - 0x61 < 26  # a-z, A-Z (unsigned wrap-around keeps it one test)
        latin1 = (cp >= 0xC0) & (cp <= 0x24F) & (cp != 0xD7) & (cp != 0xF7)
        lat += int(np.count_nonzero(ascii_letters | latin1))
    return cyr, lat


def repair_word(word: str, prefer: str | None = None) -> str | None:
    """The word written in one script, or ``None`` when some foreign letter has no twin.

    The majority script wins; on a tie, ``prefer`` (the track's script) is tried first.
    """
    cyr, lat = count_scripts(word)
    if cyr == lat:  # a tie: the track's script first, then the other
        order = [prefer, LATIN if prefer == CYRILLIC else CYRILLIC] if prefer else [CYRILLIC, LATIN]
        for target in order:
            fixed = _to_script(word, target)
            if fixed is not None:
                return fixed
        return None
    return _to_script(word, CYRILLIC if cyr > lat else LATIN)


def _to_script(word: str, target: str) -> str | None:
    table = LATIN_TO_CYRILLIC if target == CYRILLIC else CYRILLIC_TO_LATIN
    foreign = LAT_LETTER if target == CYRILLIC else CYR_LETTER
    out = []
    for ch in word:
        if foreign.match(ch):
            twin = table.get(ch)
            if twin is None:
                return None
            out.append(twin)
        else:
            out.append(ch)
    return "".join(out)


def _in_word(text: str, k: int) -> bool:
    return bool(CYR_LETTER.match(text, k) or LAT_LETTER.match(text, k))


def mixed_words(text: str) -> list[tuple[int, int]]:
    """(start, end) of every word of ``text`` that mixes Cyrillic and Latin letters.

    The file is scanned for script switches only (fast); words are grown around them.
    """
    spans: list[tuple[int, int]] = []
    for m in SCRIPT_SWITCH.finditer(text):
        a = m.start()
        if spans and a < spans[-1][1]:
            continue
        while a > 0 and _in_word(text, a - 1):
            a -= 1
        b = m.end()
        while b < len(text) and _in_word(text, b):
            b += 1
        spans.append((a, b))
    return spans


def repair_mixed(text: str, prefer: str | None = None) -> str:
    """Repair every mixed-script word of ``text`` that can be repaired; leave the rest."""
    out: list[str] = []
    pos = 0
    for a, b in mixed_words(text):
        fixed = repair_word(text[a:b], prefer)
        out.append(text[pos:a])
        out.append(fixed if fixed is not None else text[a:b])
        pos = b
    out.append(text[pos:])
    return "".join(out)
