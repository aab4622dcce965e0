"""Languages as one normalised value, through babel.

Every container and format wants its own spelling of a language: Matroska and MP4 take
ISO 639-2/B (``rus``), WebVTT and HLS take BCP-47 (``ru``), track titles want the native
name (``Русский``). ``Language.parse`` accepts any of those spellings, plus English and
native names, and gives one value that knows them all.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.localedata import locale_identifiers

from subtitles.errors import LanguageError

#: ISO 639-2 has two code sets; these twenty languages differ between them (B first).
#: Matroska specifies the bibliographic (B) set; ffmpeg passes whatever it is given.
_BIBLIOGRAPHIC: dict[str, str] = {
    "sqi": "alb", "hye": "arm", "eus": "baq", "mya": "bur", "zho": "chi", "ces": "cze",
    "nld": "dut", "fra": "fre", "kat": "geo", "deu": "ger", "ell": "gre", "isl": "ice",
    "mkd": "mac", "mri": "mao", "msa": "may", "fas": "per", "ron": "rum", "slk": "slo",
    "bod": "tib", "cym": "wel",
}  # fmt: skip
_TERMINOLOGIC = {b: t for t, b in _BIBLIOGRAPHIC.items()}

#: ISO 639-2 codes withdrawn in 2008 that babel still lists as aliases; without this,
#: Serbian would be tagged ``scc`` and Croatian ``scr``, which players no longer know.
_WITHDRAWN_639_2 = frozenset({"scc", "scr", "mol"})

_SPLIT = re.compile(r"[-_]")


@dataclass(frozen=True, slots=True)
class Language:
    """One language, with every spelling subpipe needs.

    ``tag`` is the BCP-47 tag as normalised by babel (``ru``, ``en-GB``, ``sr-Cyrl``);
    equality and hashing use it, so ``Language.parse("rus") == Language.parse("ru")``.
    """

    tag: str

    @classmethod
    def parse(cls, text: str) -> Language:
        """Accept ``ru``, ``rus``, ``ru-RU``, ``ru_RU``, ``Russian``, ``русский``, ...

        Raises ``LanguageError`` for anything babel does not know.
        """
        raw = text.strip()
        if not raw:
            raise LanguageError("empty language name")
        locale = _parse_locale(raw)
        if locale is None:
            raise LanguageError(f"unknown language: {text!r} (use e.g. ru, eng, pl-PL or Polish)")
        parts = [locale.language]
        if locale.script:
            parts.append(locale.script)
        if locale.territory:
            parts.append(locale.territory)
        return cls("-".join(parts))

    @property
    def _locale(self) -> Locale:
        return _locale_for(self.tag)

    @property
    def code(self) -> str:
        """ISO 639-1 code where one exists (``ru``), else babel's language code."""
        return self._locale.language

    @property
    def bcp47(self) -> str:
        """BCP-47 tag for WebVTT and HLS (``ru``, ``en-GB``)."""
        return self.tag

    @property
    def iso639_2t(self) -> str:
        """ISO 639-2/T (terminology) code: ``deu`` for German."""
        return _three_letter(self.code)

    @property
    def iso639_2b(self) -> str:
        """ISO 639-2/B (bibliographic) code for Matroska and MP4: ``ger`` for German."""
        t = self.iso639_2t
        return _BIBLIOGRAPHIC.get(t, t)

    @property
    def english_name(self) -> str:
        name = self._locale.get_language_name("en")
        return name or self.code

    @property
    def native_name(self) -> str:
        """The language's own name, capitalised as a track title: ``Русский``, ``Polski``."""
        name = self._locale.get_language_name(self._locale) or self.english_name
        return name[:1].upper() + name[1:]

    @property
    def base(self) -> Language:
        """The language without region or script (``en-GB`` → ``en``)."""
        return Language(self.code)

    def same_language(self, other: Language) -> bool:
        return self.code == other.code

    def __str__(self) -> str:
        return self.tag


#: Words uploads put between the language and the extension (``film.ru.sdh.srt``,
#: ``film.en.forced.srt``). Some are also language codes: ``hi`` (Hindi) is read as the
#: language only when no other tag is there; ``sdh`` (Southern Kurdish) never is, since in a
#: subtitle file name it means "for the deaf and hard of hearing" (give ``--lang sdh``).
FILENAME_QUALIFIERS = frozenset(
    {"sdh", "hi", "cc", "forced", "full", "default", "signs", "songs", "commentary", "sub", "subs", "ad"}
)
_TAG_SHAPE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*")


def language_from_filename(path: str | Path) -> Language | None:
    """The language of an upload named ``<stem>.<lang>[.<qualifier>...].<ext>``, if any.

    ``film.ru.srt`` and ``film.ru.sdh.srt`` give Russian, ``film.en.forced.srt`` English;
    ``film.hi.srt`` alone is Hindi. The suffixes before the extension are read from the
    right; qualifiers (:data:`FILENAME_QUALIFIERS`) are skipped while another tag remains.
    ``film.final.srt`` gives ``None``, not an error.
    """
    parts = Path(path).name.split(".")
    if len(parts) < 3:
        return None
    tags = [p for p in reversed(parts[1:-1][-3:]) if _TAG_SHAPE.fullmatch(p)]
    ordered = [t for t in tags if t.lower() not in FILENAME_QUALIFIERS]
    ordered += [t for t in tags if t.lower() == "hi"]
    for candidate in ordered:
        try:
            return Language.parse(candidate)
        except LanguageError:
            continue
    return None


#: Qualifiers that mark a track for the deaf and hard of hearing, and a forced (foreign
#: parts only) track: what a muxer turns into the ``hearing_impaired`` / ``forced`` flags.
SDH_QUALIFIERS = frozenset({"sdh", "hi", "cc"})
FORCED_QUALIFIERS = frozenset({"forced"})


def filename_qualifiers(path: str | Path) -> frozenset[str]:
    """The qualifiers of ``<stem>.<lang>.<qualifier>....<ext>``, lower-cased.

    ``film.ru.forced.srt`` gives ``{"forced"}``, ``film.en.sdh.srt`` ``{"sdh"}``; ``hi``
    counts as a qualifier only beside another language tag (``film.hi.srt`` is Hindi).
    """
    parts = Path(path).name.split(".")
    if len(parts) < 3:
        return frozenset()
    words = [p.lower() for p in parts[1:-1][-3:]]
    found = {w for w in words if w in FILENAME_QUALIFIERS}
    others = [w for w in words if w not in FILENAME_QUALIFIERS and _TAG_SHAPE.fullmatch(w)]
    if "hi" in found and not others:
        found.discard("hi")  # the only candidate left for the language
    return frozenset(found)


@functools.cache
def _locale_for(tag: str) -> Locale:
    return Locale.parse(tag, sep="-")


@functools.cache
def _alias_table() -> dict[str, str]:
    aliases: Mapping[str, str] = get_global("language_aliases")
    return {
        k.lower(): v
        for k, v in aliases.items()
        if "_" not in k and len(k) == 3 and k.lower() not in _WITHDRAWN_639_2
    }


@functools.cache
def _three_letter(code: str) -> str:
    """ISO 639-2/T for a two-letter code.

    babel's alias table also maps ISO 639-3 individual languages to their macrolanguage
    (``cmn`` → ``zh``, ``ekk`` → ``et``, ``als`` → ``sq``); those are not 639-2 codes.
    The 639-2 code is the T code of the B/T table if there is one, else the alias that
    spells the two-letter code in order (``est`` for ``et``, ``zho`` for ``zh``).
    """
    if len(code) == 3:
        return code
    matches = [alias for alias, target in _alias_table().items() if target == code]
    terminologic = [m for m in matches if m not in _TERMINOLOGIC]
    if not terminologic:
        terminologic = [_TERMINOLOGIC[m] for m in matches if m in _TERMINOLOGIC]
    if not terminologic:
        return code

    def rank(alias: str) -> tuple[bool, bool, bool, str]:
        letters = iter(alias)
        spells = all(ch in letters for ch in code)
        return (alias not in _BIBLIOGRAPHIC, not alias.startswith(code[0]), not spells, alias)

    return min(terminologic, key=rank)


@functools.cache
def _english_name_table() -> dict[str, str]:
    """Lower-cased English language names → code: one locale's data, fast to build."""
    available = {ident for ident in locale_identifiers() if "_" not in ident}
    return {
        name.casefold(): code
        for code, name in Locale("en").languages.items()
        if code in available and "_" not in code
    }


@functools.cache
def _native_name_table() -> dict[str, str]:
    """Lower-cased native names (``русский``, ``polski``) → code.

    Building it loads every locale's data (a second or two), so it is only built when an
    English name did not match.
    """
    table: dict[str, str] = {}
    for ident in locale_identifiers():
        if "_" in ident:
            continue
        try:
            loc = Locale.parse(ident)
        except (ValueError, UnknownLocaleError):
            continue
        name = loc.get_language_name(loc)
        if name:
            table.setdefault(name.casefold(), loc.language)
    return table


def _parse_locale(raw: str) -> Locale | None:
    text = raw.replace("_", "-")
    parts = _SPLIT.split(text)
    head = parts[0].lower()
    if len(head) == 3 and head in _TERMINOLOGIC:
        head = _TERMINOLOGIC[head]
    if len(head) == 3:
        head = _alias_table().get(head, head)
    candidate = "-".join([head, *parts[1:]])
    if re.fullmatch(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*", candidate):
        try:
            return Locale.parse(candidate, sep="-")
        except (ValueError, UnknownLocaleError):
            try:
                return Locale.parse(head)
            except (ValueError, UnknownLocaleError):
                pass
    code = _english_name_table().get(raw.casefold()) or _native_name_table().get(raw.casefold())
    if code is not None:
        return Locale.parse(code)
    return None
