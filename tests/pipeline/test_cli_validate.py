"""``subpipe validate``: the demo's planted flaws, the JSON schema, exit codes 0/1/2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from pipeline.demo import DemoInputs, build_demo_inputs
from pipeline.validate import ValidateOptions, validate_files
from tests.pipeline.helpers import subpipe

REPO = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((REPO / "subtitles/qc/finding.schema.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoInputs:
    return build_demo_inputs(tmp_path_factory.mktemp("demo"))


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


#: Enough text (12 words, 60 letters) for the language check to confirm the language.
CLEAN_EN = (
    "1\n00:00:01,000 --> 00:00:03,500\nWe cannot stay silent.\n\n"
    "2\n00:00:04,000 --> 00:00:06,500\nThe raids began on Monday morning.\n\n"
    "3\n00:00:07,000 --> 00:00:11,000\nHis lawyer was never let in,\nand the trial lasted twenty minutes.\n"
)
FLAWED_RU = (
    "1\n00:00:01,000 --> 00:00:03,500\nМы не можем молчать.\n\n"
    "2\n00:00:03,000 --> 00:00:06,500\nПрoверки начались утром.\n\n"
    "3\n00:00:07,000 --> 00:00:11,000\nАдвоката к нему так и не пустили,\nа суд длился двадцать минут.\n"
)


def test_every_planted_flaw_is_found_at_its_line_and_en_is_clean(demo: DemoInputs) -> None:
    paths = [demo.subtitles[lang] for lang in ("ru", "en", "pl")]
    # the planted text and timing flaws (the film's shot changes and speech: test_cli_shots.py;
    # a planted overlap and the late Polish file also hold a cue over silence there)
    report = validate_files(paths, ValidateOptions(film=demo.film, film_checks=False))
    by_name = {Path(f.path).name: f for f in report.files}
    # the film flaws (shot.*, speech.*) need the film's cuts and speech: test_demo.py checks them
    planted = [
        f
        for f in json.loads(demo.flaws_file.read_text(encoding="utf-8"))
        if f.get("rule", "").split(".")[0] not in ("shot", "speech")
    ]
    for flaw in planted:
        if "rule" not in flaw:
            continue
        findings = [f for f in by_name[flaw["file"]].findings if f.rule == flaw["rule"]]
        assert findings, f"{flaw['rule']} not found in {flaw['file']}"
        if "line" in flaw:
            lines = {flaw["line"], flaw.get("text_line"), flaw.get("next_line")}
            assert any(f.line in lines for f in findings), (flaw, findings)
        if "offset_ms" in flaw:
            seconds = float(findings[0].message.split(" s later")[0].rsplit(" ", 1)[1])
            assert abs(seconds * 1000 - flaw["offset_ms"]) < 40
    en = by_name[demo.subtitles["en"].name]
    assert not [f for f in en.findings if f.severity.value in ("error", "warning")], en.findings
    # nothing but the planted flaws is an error or a warning on ru and pl
    expected = {(f["file"], f["rule"]) for f in planted if "rule" in f}
    # a file planted late is late against the film's speech too (speech.* checks, with --film)
    shifted = {f["file"] for f in planted if "offset_ms" in f}
    for name in (demo.subtitles["ru"].name, demo.subtitles["pl"].name):
        extra = [
            f
            for f in by_name[name].findings
            if f.severity.value != "info"
            and (name, f.rule) not in expected
            and not (name in shifted and f.rule.startswith("speech."))
        ]
        assert not extra, extra
    assert report.exit_code == 1


def test_cli_json_matches_the_schema_and_exit_code_1(demo: DemoInputs) -> None:
    paths = [demo.subtitles[lang] for lang in ("ru", "en", "pl")]
    result = subpipe("validate", *paths, "--film", demo.film, "--json")
    assert result.returncode == 1, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    jsonschema.validate(data, SCHEMA)
    assert data["exit_code"] == 1 and data["context"]["frame_rate_source"] == "film"
    rules = {f["rule"] for file in data["files"] for f in file["findings"]}
    assert {"text.mixed_script", "typo.quotes", "timing.overlap", "typo.ellipsis", "xlang.offset"} <= rules


def test_cli_exit_0_text_report(tmp_path: Path) -> None:
    en = _write(tmp_path / "film.en.srt", CLEAN_EN)
    result = subpipe("validate", en, "--fps", "25")
    assert result.returncode == 0, result.stderr + result.stdout
    assert result.stdout.strip().splitlines()[-1] == "1 file: 0 errors, 0 warnings, 0 info"


def test_cli_text_report_lines(tmp_path: Path) -> None:
    ru = _write(tmp_path / "film.ru.srt", FLAWED_RU, "cp1251")
    result = subpipe("validate", ru, "--fps", "25")
    assert result.returncode == 1
    assert f"{ru}:5: error timing.overlap:" in result.stdout
    assert f"{ru}:7: warning text.mixed_script:" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "1 file: 1 error, 1 warning, 0 info"
    assert "validation failed" in result.stderr


def test_cli_exit_2_when_a_file_cannot_be_read_others_still_reported(tmp_path: Path) -> None:
    en = _write(tmp_path / "film.en.srt", CLEAN_EN)
    broken = tmp_path / "film.pl.srt"
    broken.write_bytes(b"\x00\x01\x02 not subtitles \xff\xfe\x00")
    result = subpipe("validate", en, broken, tmp_path / "missing.ru.srt", "--json")
    assert result.returncode == 2, result.stderr
    data = json.loads(result.stdout)
    jsonschema.validate(data, SCHEMA)
    readable = {Path(f["path"]).name: f["readable"] for f in data["files"]}
    assert readable == {"film.en.srt": True, "film.pl.srt": False, "missing.ru.srt": False}
    assert "could not be read" in result.stderr


def test_cli_options_change_the_outcome(tmp_path: Path) -> None:
    ru = _write(tmp_path / "film.ru.srt", FLAWED_RU)
    assert subpipe("validate", ru, "--fps", "25", "--disable", "timing.overlap").returncode == 0
    assert subpipe("validate", ru, "--fps", "25", "--severity", "timing.overlap=warning").returncode == 0
    result = subpipe(
        "validate", ru, "--fps", "25", "--disable", "timing.overlap", "--severity", "text.mixed_script=error"
    )
    assert result.returncode == 1
    profile = _write(tmp_path / "strict.toml", '[rules]\ndisable = ["timing", "text"]\n')
    assert subpipe("validate", ru, "--fps", "25", "--profile", profile).returncode == 0
    bad = subpipe("validate", ru, "--disable", "no.such_rule")
    assert bad.returncode == 2 and "unknown rule" in bad.stderr


def test_list_rules_and_help() -> None:
    listed = subpipe("validate", "--list-rules", "--json")
    assert listed.returncode == 0
    ids = {r["id"] for r in json.loads(listed.stdout)}
    assert {"timing.overlap", "read.cps", "lang.script", "glyph.missing", "xlang.offset"} <= ids
    helped = subpipe("validate", "--help")
    assert helped.returncode == 0 and "subpipe validate film.ru.srt" in helped.stdout


def test_the_demo_truth_is_clean_in_all_three_languages(demo: DemoInputs, tmp_path: Path) -> None:
    paths = []
    for lang in ("ru", "en", "pl"):  # named as uploads are, so the language is declared
        paths.append(tmp_path / f"truth.{lang}.srt")
        paths[-1].write_bytes(demo.truth[lang].read_bytes())
    report = validate_files(paths, ValidateOptions(film=demo.film))
    for file in report.files:
        serious = [f.format() for f in file.findings if f.severity.value != "info"]
        assert not serious, serious
    assert report.exit_code == 0


def test_film_without_a_video_stream_is_refused_naming_it(tmp_path: Path) -> None:
    pl = _write(tmp_path / "film.pl.srt", "1\n00:00:01,000 --> 00:00:03,000\nNie możemy milczeć.\n")
    result = subpipe("validate", "--film", pl, pl)
    assert result.returncode == 2, result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{pl}: no video stream" in lines[0], result.stderr
    assert "no --film or --fps" not in result.stdout


def test_short_english_is_not_called_another_language(tmp_path: Path) -> None:
    one = _write(
        tmp_path / "one.en.srt", "1\n00:00:01,000 --> 00:00:04,000\nThe café’s “special” — naïve résumé…\n"
    )
    two = _write(
        tmp_path / "two.en.srt",
        "1\n00:00:01,000 --> 00:00:03,000\nHello — “world” café.\n\n"
        "2\n00:00:04,000 --> 00:00:06,000\nSecond line.\n",
    )
    for path in (one, two):
        result = subpipe("validate", path, "--fps", "25", "--json")
        assert result.returncode == 0, result.stdout
        found = [f for f in json.loads(result.stdout)["files"][0]["findings"] if f["rule"] == "lang.detected"]
        assert [f["severity"] for f in found] == ["info"] and "too little text" in found[0]["message"]


def test_a_cue_that_starts_with_a_space_or_a_dash_is_reported_at_that_cue(tmp_path: Path) -> None:
    """The whole-file scans join cues with a separator; a pattern for "at the start of a
    line" matches on the separator itself and must count for the cue after it (a single
    leading space on cue 2 and a cue opening with an em dash were both missed)."""
    sub = _write(
        tmp_path / "film.ru.srt",
        "1\n00:00:01,000 --> 00:00:03,000\nПервая строка.\n\n"
        "2\n00:00:04,000 --> 00:00:06,000\n Вторая строка.\n\n"
        "3\n00:00:07,000 --> 00:00:09,000\n—Третья строка.\n",
    )
    result = subpipe("validate", sub, "--json")
    found = {(f["rule"], f["cue"]) for f in json.loads(result.stdout)["files"][0]["findings"]}
    assert ("text.whitespace", 2) in found
    assert ("typo.dialogue_dash", 3) in found
    assert ("text.whitespace", 1) not in found and ("typo.dialogue_dash", 2) not in found
