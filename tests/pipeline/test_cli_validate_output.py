"""``validate`` writes its report as it goes (issue 7, point 7): the streamed JSON is the
same document as ``ValidationReport.to_dict()``, and the text the same as ``format_text``,
for several files with findings, an unreadable one among them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from pipeline.validate import format_text, validate_files

FLAWED = (
    '1\n00:00:01,000 --> 00:00:03,500\nHe said "no" and left...\n\n'
    "2\n00:00:03,000 --> 00:00:03,400\nThis line is far too long to be read comfortably, really.\n\n"
    "3\n00:00:05,000 --> 00:00:07,000\nЗдравствуйте «друзья»\n"
)


def test_streamed_json_and_text_are_the_report(tmp_path: Path) -> None:
    a = tmp_path / "film.en.srt"
    a.write_text(FLAWED, encoding="utf-8")
    b = tmp_path / "film.pl.srt"
    b.write_text(FLAWED.replace("He said", "Powiedział"), encoding="utf-8")
    missing = tmp_path / "film.ru.srt"
    paths = [a, b, missing]
    expected = validate_files(paths)
    assert sum(len(f.findings) for f in expected.files) > 5
    run = [sys.executable, "-m", "pipeline.cli.main", "validate"]
    as_json = subprocess.run([*run, "--json", *map(str, paths)], capture_output=True, text=True, check=False)
    assert as_json.returncode == 2
    assert json.loads(as_json.stdout) == expected.to_dict()
    as_text = subprocess.run([*run, *map(str, paths)], capture_output=True, text=True, check=False)
    assert as_text.stdout == format_text(expected) + "\n"


def test_a_file_without_findings_and_no_files_read(tmp_path: Path) -> None:
    run = [sys.executable, "-m", "pipeline.cli.main", "validate", "--json"]
    missing = tmp_path / "nothing.en.srt"
    proc = subprocess.run([*run, str(missing)], capture_output=True, text=True, check=False)
    assert json.loads(proc.stdout) == validate_files([missing]).to_dict()
