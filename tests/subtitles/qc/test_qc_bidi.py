"""Bidirectional controls in ``text.control_chars`` (issue 7, point 8), through the CLI.

An override (U+202D/U+202E) makes a cue show letters in another order than it holds: an
error in any language. Embeddings and isolates (U+202A-202C, U+2066-2069) are an error in a
left-to-right language and a warning in a right-to-left one, where subtitlers use them to
keep punctuation in place; direction marks (LRM, RLM, ALM) are a warning in a left-to-right
language and ordinary in a right-to-left one.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest


def control_findings(path: Path) -> list[dict[str, Any]]:
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline.cli.main", "validate", "--json", str(path)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode in (0, 1), proc.stderr
    findings: list[dict[str, Any]] = json.loads(proc.stdout)["files"][0]["findings"]
    return [f for f in findings if f["rule"] == "text.control_chars"]


def srt(path: Path, *texts: str) -> Path:
    blocks = [
        f"{n}\n00:00:{2 * n:02d},000 --> 00:00:{2 * n + 1:02d},500\n{t}\n"
        for n, t in enumerate(texts, start=1)
    ]
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


EN = "The file is called {}, nothing else."
HE = "הקובץ נקרא {}, לא יותר."


@pytest.mark.parametrize(
    ("name", "template", "char", "severity"),
    [
        ("film.en.srt", EN, "\u202e", "error"),  # RLO: "cod\u202egnp.exe" reads "codexe.png"
        ("film.en.srt", EN, "\u202d", "error"),
        ("film.en.srt", EN, "\u202b", "error"),
        ("film.en.srt", EN, "\u2067", "error"),
        ("film.en.srt", EN, "\u200f", "warning"),
        ("film.he.srt", HE, "\u202e", "error"),
        ("film.he.srt", HE, "\u202b", "warning"),
        ("film.he.srt", HE, "\u2069", "warning"),
    ],
)
def test_bidi_controls_are_flagged(
    tmp_path: Path, name: str, template: str, char: str, severity: str
) -> None:
    path = srt(tmp_path / name, template.format("plain"), template.format(f"cod{char}gnp.exe"))
    (finding,) = control_findings(path)
    assert finding["cue"] == 2 and finding["line"] == 7
    assert f"U+{ord(char):04X}" in finding["message"] and "bidi" in finding["message"]
    assert finding["severity"] == severity


@pytest.mark.parametrize("char", ["\u200f", "\u200e", "\u061c"])
def test_direction_marks_are_ordinary_in_right_to_left_text(tmp_path: Path, char: str) -> None:
    path = srt(tmp_path / "film.he.srt", HE.format("plain"), HE.format(f"{char}(2024)"))
    assert control_findings(path) == []
