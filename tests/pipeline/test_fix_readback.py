"""``fix`` reads its output back and validates it: what it reports must be what validating the
written file afresh reports, also where it takes a short cut (the source's language guess kept
when no fix touched a letter, detected again when one did)."""

from __future__ import annotations

from pathlib import Path

from pipeline.fix import fix_file
from pipeline.validate import validate_files
from subtitles.qc import Finding

LINES = [
    "Власти называют это защитой порядка.",
    "Проверки начались в понедельник утром.",
    "Адвоката к нему так и не пустили.",
    "Суд длился всего двадцать минут.",
]


def _srt(texts: list[str]) -> str:
    return "".join(
        f"{n}\n00:00:{2 * n:02d},000 --> 00:00:{2 * n + 1:02d},500\n{t}\n\n" for n, t in enumerate(texts, 1)
    )


def _findings(found: list[Finding]) -> list[tuple[str, int | None, str]]:
    return sorted((f.rule, f.cue, f.message) for f in found)


def _fresh(path: Path) -> list[tuple[str, int | None, str]]:
    return _findings([f for r in validate_files([path]).files for f in r.findings])


def test_punctuation_fixes_keep_the_language_verdict(tmp_path: Path) -> None:
    src = tmp_path / "film.ru.srt"
    src.write_text(_srt([t.replace(".", "...") + ' "да"' for t in LINES] * 5), encoding="utf-8")
    out = tmp_path / "fixed.ru.srt"
    report = fix_file(src, output=out)
    assert {c.rule for c in report.changes} >= {"typo.quotes", "typo.ellipsis"}
    assert "«да»" in out.read_text(encoding="utf-8")
    assert _findings(report.remaining) == _fresh(out)


def test_a_repaired_text_is_detected_again(tmp_path: Path) -> None:
    # Russian written as UTF-8, read as cp1251 and saved again: the source's letters are not Russian
    garbled = [t.encode("utf-8").decode("cp1251") for t in LINES]
    src = tmp_path / "film.ru.srt"
    src.write_text(_srt(garbled * 5), encoding="utf-8")
    out = tmp_path / "fixed.ru.srt"
    report = fix_file(src, output=out)
    assert "enc.mojibake" in {c.rule for c in report.changes}
    assert LINES[0] in out.read_text(encoding="utf-8")
    remaining = _findings(report.remaining)
    assert remaining == _fresh(out)
    assert not [r for r in remaining if r[0].startswith("lang.")]  # the repaired text reads as Russian
