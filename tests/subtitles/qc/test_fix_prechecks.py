"""``fix`` passes a cue by when a step's quick test says the step could not change it: each
test must hold wherever its step changes a text, or a fix would silently be skipped."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from subtitles.qc import fix as fx
from subtitles.qc import normalize as nz
from subtitles.qc.scripts import CYRILLIC, LATIN, SCRIPT_SWITCH, repair_mixed

#: Characters every step reacts to, and ordinary letters around them.
_ALPHABET = st.sampled_from(list(" \t\u00a0\n,.!?:;…\"“”„‟«»'’-‐‑–—aeopxAEOPXHhiаеорхАЕОРХНнж01"))
_TEXTS = st.text(_ALPHABET, max_size=24)

_STEPS: list[tuple[str, Callable[[str], str], Callable[[str], object]]] = [
    ("whitespace", nz.fix_whitespace, fx._could_fix_whitespace),
    ("mixed, ru", lambda s: repair_mixed(s, CYRILLIC), fx._mixes_scripts),
    ("mixed, en", lambda s: repair_mixed(s, LATIN), fx._mixes_scripts),
    ("mixed, none", lambda s: repair_mixed(s, None), fx._mixes_scripts),
    ("quotes, ru", lambda s: nz.normalize_quotes(s, ("«", "»"), ("„", "“")), fx._QUOTE_ANY.search),
    ("quotes, pl", lambda s: nz.normalize_quotes(s, ("„", "”"), ("«", "»")), fx._QUOTE_ANY.search),
    ("quotes, en", lambda s: nz.normalize_quotes(s, ("“", "”"), ("‘", "’")), fx._QUOTE_ANY.search),
    ("ellipsis to …", lambda s: nz.normalize_ellipsis(s, "…"), fx._DOTS_ANY.search),
    ("ellipsis to ...", lambda s: nz.normalize_ellipsis(s, "..."), fx._ELLIPSIS_ANY.search),
    ("dash '- '", lambda s: nz.normalize_dashes(s, "- "), fx._could_fix_dash),
    ("dash '-'", lambda s: nz.normalize_dashes(s, "-"), fx._could_fix_dash),
    ("dash '– '", lambda s: nz.normalize_dashes(s, "– "), fx._could_fix_dash),
]


@settings(max_examples=400, deadline=None)
@given(_TEXTS)
def test_a_step_changes_only_what_its_test_lets_through(text: str) -> None:
    for name, step, could in _STEPS:
        if step(text) != text:
            assert could(text), f"{name}: {text!r} is changed, but its test passes it by"


def test_the_tests_let_through_what_each_step_changes() -> None:
    # one known change per step (the property above is vacuous if a step never changes anything)
    assert fx._could_fix_whitespace("a  b") and nz.fix_whitespace("a  b") == "a b"
    assert fx._could_fix_whitespace("a\tb") and fx._could_fix_whitespace(" a")
    assert fx._could_fix_whitespace("a ,b") and fx._could_fix_whitespace("a,b")
    assert not fx._could_fix_whitespace("Всё хорошо, правда.")
    assert fx._mixes_scripts("Прoверка") and SCRIPT_SWITCH.search("Прoверка")
    assert not fx._mixes_scripts("Проверка and check")
    assert fx._could_fix_dash("-Да?\n-Нет.") and fx._could_fix_dash("Да?\n—Нет.")
    assert not fx._could_fix_dash("Да - нет")
