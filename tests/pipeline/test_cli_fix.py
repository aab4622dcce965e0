"""``subpipe fix``: output, in-place with backup, dry run, idempotence, JSON, exit codes."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import jsonschema

from pipeline.fix import FixReport, fix_file
from pipeline.validate import ValidateOptions
from subtitles.qc import Finding, Severity
from tests.pipeline.helpers import subpipe

REPO = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((REPO / "subtitles/qc/finding.schema.json").read_text(encoding="utf-8"))
FIX_SCHEMA = {"$schema": SCHEMA["$schema"], "$defs": SCHEMA["$defs"], "$ref": "#/$defs/fix_report"}

FLAWED_PL = (
    '1\n00:00:01,000 --> 00:00:03,500\nWładze nazywają to "ochroną porządku"...\n\n'
    "2\n00:00:03,540 --> 00:00:03,900\n-Gdzie on jest?\n-Zabrali go w nocy. \n\n"
    "3\n00:00:06,000 --> 00:00:08,000\nKontrole zaczęły się w poniedziаłek.\n"
)


def flawed(tmp_path: Path) -> Path:
    path = tmp_path / "film.pl.srt"
    path.write_bytes(FLAWED_PL.encode("utf-8"))  # a Cyrillic а cannot exist in cp1250
    return path


def test_fix_writes_output_lists_changes_and_is_idempotent(tmp_path: Path) -> None:
    src = flawed(tmp_path)
    original = src.read_bytes()
    out = tmp_path / "fixed.pl.srt"
    result = subpipe("fix", src, "-o", out, "--fps", "25", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    jsonschema.validate(report, FIX_SCHEMA)
    assert src.read_bytes() == original  # the input is never touched
    assert report["cues"] == {"before": 3, "after": 3}
    rules = {c["rule"] for c in report["changes"]}
    assert {
        "typo.quotes",
        "typo.ellipsis",
        "typo.dialogue_dash",
        "text.whitespace",
        "text.mixed_script",
    } <= rules
    assert {"timing.gap", "timing.min_duration"} <= rules
    text = out.read_text(encoding="utf-8")
    assert "„ochroną porządku”…" in text and "- Gdzie on jest?\n- Zabrali go w nocy.\n" in text
    assert "poniedziałek" in text
    again = subpipe("fix", out, "-o", tmp_path / "twice.pl.srt", "--fps", "25", "--json")
    assert again.returncode == 0 and json.loads(again.stdout)["changes"] == []
    assert (tmp_path / "twice.pl.srt").read_bytes() == out.read_bytes()
    validated = subpipe("validate", out, "--fps", "25")
    assert validated.returncode == 0, validated.stdout


def test_in_place_keeps_a_backup(tmp_path: Path) -> None:
    src = flawed(tmp_path)
    original = src.read_bytes()
    result = subpipe("fix", src, "--in-place", "--fps", "25")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "film.pl.srt.bak").read_bytes() == original
    assert src.read_bytes() != original and "→" in result.stdout
    assert "remaining: 0 errors" in result.stdout


def test_dry_run_writes_nothing_and_refusals(tmp_path: Path) -> None:
    src = flawed(tmp_path)
    result = subpipe("fix", src, "--dry-run", "--fps", "25")
    assert result.returncode == 0 and "dry run" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["film.pl.srt"]
    assert subpipe("fix", src, "-o", src).returncode == 2  # would overwrite the input
    assert subpipe("fix", src).returncode == 2  # no output named
    assert subpipe("fix", tmp_path / "missing.srt", "-o", tmp_path / "x.srt").returncode == 2


def test_exit_1_when_errors_remain(tmp_path: Path) -> None:
    src = tmp_path / "film.ru.srt"
    src.write_text("1\n00:00:05,000 --> 00:00:04,000\nСуд длился недолго.\n", encoding="utf-8")
    result = subpipe("fix", src, "-o", tmp_path / "out.ru.srt", "--fps", "25")
    assert result.returncode == 1
    assert "struct.end_before_start" in result.stdout
    assert (tmp_path / "out.ru.srt").exists()  # written, and still reported


def test_refuses_a_file_with_unreadable_parts(tmp_path: Path) -> None:
    src = tmp_path / "film.en.srt"
    src.write_text(
        "1\n00:00:01,000 --> 00:00:03,000\nWe cannot stay silent.\n\n"
        "2\n00:00:04,000 --> 00:00:0X,000\nThis text would be lost.\n\n"
        "3\n00:00:07,000 --> 00:00:09,000\nNobody knows.\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.en.srt"
    result = subpipe("fix", src, "-o", out, "--fps", "25")
    assert result.returncode == 1
    assert "never drops text" in result.stderr and f"{src}:6:" in result.stderr
    assert not out.exists()


# -- regressions from the acceptance audit (issue 3) -----------------------------------------

CP1250_CRLF = FLAWED_PL.replace("а", "a").replace("\n", "\r\n").encode("cp1250")


def test_in_place_twice_never_loses_the_original(tmp_path: Path) -> None:
    src = tmp_path / "film.pl.srt"
    src.write_bytes(CP1250_CRLF)
    first = subpipe("fix", src, "--in-place", "--fps", "25", "--json")
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    jsonschema.validate(report, FIX_SCHEMA)
    whole = {c["rule"]: (c["before"], c["after"]) for c in report["changes"] if c["cue"] is None}
    assert whole == {"enc.utf8": ("cp1250", "UTF-8"), "text.line_ends": ("CRLF", "LF")}
    fixed = src.read_bytes()
    second = subpipe("fix", src, "--in-place", "--fps", "25", "--json")
    assert second.returncode == 0 and json.loads(second.stdout)["changes"] == []
    assert json.loads(second.stdout)["written"] is False and src.read_bytes() == fixed  # not rewritten
    assert (tmp_path / "film.pl.srt.bak").read_bytes() == CP1250_CRLF  # the original survives
    assert not (tmp_path / "film.pl.srt.bak.1").exists()
    src.write_bytes(fixed.replace(b"Kontrole", b"Kontrole..."))
    third = subpipe("fix", src, "--in-place", "--fps", "25")
    assert third.returncode == 0 and "backup" in third.stderr
    assert (tmp_path / "film.pl.srt.bak").read_bytes() == CP1250_CRLF
    assert b"Kontrole..." in (tmp_path / "film.pl.srt.bak.1").read_bytes()


def test_in_place_lists_re_encoding_as_changes(tmp_path: Path) -> None:
    src = tmp_path / "clean.pl.srt"
    src.write_bytes("1\r\n00:00:01,000 --> 00:00:03,500\r\nZażółć gęślą jaźń.\r\n".encode("cp1250"))
    result = subpipe("fix", src, "--in-place", "--fps", "25")
    assert result.returncode == 0, result.stderr
    assert f"{src}: enc.utf8: re-encoded cp1250 → UTF-8" in result.stdout
    assert f"{src}: text.line_ends: line ends CRLF → LF" in result.stdout
    assert "2 changes;" in result.stdout
    assert src.read_bytes() == "1\n00:00:01,000 --> 00:00:03,500\nZażółć gęślą jaźń.\n".encode()


def test_output_extension_chooses_the_format(tmp_path: Path) -> None:
    src = flawed(tmp_path)
    ass = tmp_path / "x.pl.ass"
    result = subpipe("fix", src, "-o", ass, "--fps", "25")
    assert result.returncode == 0, result.stderr
    text = ass.read_text(encoding="utf-8")
    assert "[Script Info]" in text and "Dialogue: 0,0:00:01.00," in text and "-->" not in text
    assert "struct.format: converted srt → ass" in result.stdout
    again = subpipe("fix", ass, "-o", tmp_path / "y.pl.ass", "--fps", "25", "--json")
    assert again.returncode == 0 and json.loads(again.stdout)["changes"] == []
    sub = subpipe("fix", src, "-o", tmp_path / "x.pl.sub")
    assert sub.returncode == 2 and "--fps" in sub.stderr  # MicroDVD frames need a real rate
    txt = subpipe("fix", src, "-o", tmp_path / "x.pl.txt", "--fps", "25")
    assert txt.returncode == 2 and "'.txt' may be MPL2" in txt.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["film.pl.srt", "x.pl.ass", "y.pl.ass"]


def test_dry_run_cites_the_real_file_and_text_lines(tmp_path: Path) -> None:
    src = flawed(tmp_path)
    result = subpipe("fix", src, "--dry-run", "--fps", "25")
    assert "<memory>" not in result.stdout
    assert f"{src}:3: typo.ellipsis (cue 1)" in result.stdout  # the text line, as validate cites
    validated = subpipe("validate", src, "--fps", "25")
    assert f"{src}:3: warning typo.ellipsis" in validated.stdout
    long_line = tmp_path / "long.pl.srt"
    long_line.write_text("1\n00:00:01,000 --> 00:00:05,000\n" + "słowo " * 9 + "koniec\n", encoding="utf-8")
    dry = subpipe("fix", long_line, "--dry-run", "--fps", "25")
    assert f"remaining: {long_line}:3: warning read.line_length" in dry.stdout


def test_negative_times_keep_the_cue(tmp_path: Path) -> None:
    src = tmp_path / "neg.en.srt"
    src.write_text(
        "1\n-00:00:04,567 --> -00:00:03,456\nThis is the first subtitle.\n\n"
        "2\n-00:00:02,345 --> 00:00:01,234\nThis is the second subtitle.\n",
        encoding="utf-8",
    )
    out = tmp_path / "n.en.srt"
    result = subpipe("fix", src, "-o", out, "--fps", "25")
    assert result.returncode == 1 and "struct.negative_time" in result.stdout  # reported, not hidden
    text = out.read_text(encoding="utf-8")
    assert "00:00:00,000 --> 00:00:00,000" not in text and "-00:00:04,567 --> -00:00:03,456" in text
    refused = subpipe("fix", src, "-o", tmp_path / "n.en.vtt", "--fps", "25")
    assert refused.returncode == 1 and "lies before zero" in refused.stderr
    assert not (tmp_path / "n.en.vtt").exists()


def test_json_report_is_written_in_pieces_and_parses_to_the_whole(tmp_path: Path) -> None:
    """``--json`` streams one line per change and finding: the document must still be the
    report's ``to_dict()``, with empty lists too."""
    src = flawed(tmp_path)
    result = subpipe("fix", src, "--dry-run", "--fps", "25", "--json")
    report = json.loads(result.stdout)
    expected = fix_file(src, dry_run=True, options=ValidateOptions(fps=Fraction(25)))
    assert report == expected.to_dict() and report["changes"]
    finding = Finding("read.cps", Severity.WARNING, "18.0 characters/s", path=str(src), line=3, cue=1)
    for changes, remaining in (([], []), (expected.changes, [finding, finding])):
        made = FixReport(source=src, output=None, written=False, backup=None, changes=changes)
        made.remaining = remaining
        assert json.loads("".join(made.json_chunks())) == made.to_dict()
