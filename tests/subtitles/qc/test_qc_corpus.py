"""Real files from the shared corpus: double-encoded Sintel subtitles, a MacRoman file
where the Latin-1 repair would be wrong, clean files that must stay quiet."""

from __future__ import annotations

from pathlib import Path

import pytest

from subtitles.load import load_track
from subtitles.qc import Context, Finding, Severity, build_profile, validate_track
from subtitles.qc.fix import fix_track, render_fixed
from subtitles.qc.rules.language import effective_language

pytestmark = pytest.mark.corpus


def findings(path: Path) -> list[Finding]:
    track = load_track(path)
    return validate_track(track, build_profile(effective_language(track)), Context.build(fps="25"))


def cue_texts(path: Path) -> list[str]:
    return [c.text for c in load_track(path).cues]


@pytest.mark.parametrize(
    ("damaged", "oracle", "lang"),
    [
        (
            "sintel-qmediaplayer/sintel-ru.vtt",
            "sintel_multilang/derived_repaired/sintel-ru.repaired.vtt",
            "ru",
        ),
        (
            "sintel-qmediaplayer/sintel-pl.vtt",
            "sintel-qmediaplayer/DERIVED-sintel-pl.repaired-utf8.vtt",
            "pl",
        ),
    ],
)
def test_double_encoded_sintel_is_found_and_repaired_exactly(
    corpus: Path, damaged: str, oracle: str, lang: str
) -> None:
    path = corpus / damaged
    found = [f for f in findings(path) if f.rule == "enc.mojibake"]
    assert found and found[0].severity is Severity.ERROR and found[0].suggestion
    track = load_track(path)
    assert effective_language(track) is not None and effective_language(track).code == lang  # type: ignore[union-attr]
    fixed = fix_track(track, build_profile(effective_language(track)))
    repaired = [c for c in fixed.changes if c.rule == "enc.mojibake"]
    assert len(repaired) == len({c.cue for c in repaired}) >= 18
    want = load_track(corpus / oracle).cues
    for change in repaired:  # every repaired cue reads exactly as the correctly encoded file
        got = [line.strip() for line in change.after.split("\n")]
        assert change.cue is not None
        assert got == want[change.cue - 1].text.split("\\N")
    assert "Ð" not in render_fixed(fixed) and "Ã" not in render_fixed(fixed)


def test_macroman_file_gets_no_false_repair(corpus: Path) -> None:
    found = findings(corpus / "sintel_multilang/original_quasar_mojibake/sintel-it.vtt")
    assert not [f for f in found if f.rule == "enc.mojibake" and f.suggestion]
    control = [f for f in found if f.rule == "text.control_chars"]
    assert control and "U+009D" in control[0].message and "code page" in control[0].message


@pytest.mark.parametrize(
    "name",
    [
        "sintel-3flix/sintel-ru.vtt",
        "sintel-qmediaplayer/sintel-en.vtt",
        "tears-of-steel/TOS-en.qmediaplayer.vtt",
        "tears-of-steel/Tears_Of_Steel_rus.vtt",
    ],
)
def test_clean_real_files_have_no_errors(corpus: Path, name: str) -> None:
    path = corpus / name
    if not path.exists():
        pytest.skip(f"{name} not in this corpus")
    errors = [f for f in findings(path) if f.severity is Severity.ERROR]
    assert not errors, errors


def test_trailer_whitespace_defects(corpus: Path) -> None:
    ru = findings(corpus / "sintel-trailer-cyasam/sintel-trailer-ru.vtt")
    pl = findings(corpus / "sintel-trailer-cyasam/sintel-trailer-pl.vtt")
    assert any(f.rule == "text.whitespace" and "ends with a space" in f.message for f in ru)
    assert any(
        f.rule == "text.whitespace" and "starts with a space" in f.message and f.line == 14 for f in pl
    )
