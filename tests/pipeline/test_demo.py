"""``subpipe demo``: the film, the uploads as translators deliver them, the planted flaws,
and the muxed MKV, checked through the real console script and a probe."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pysubs2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from media.probe import probe
from media.synth import decode_pcm, ms_to_sample
from pipeline.demo import (
    CUT_CUE,
    CUT_OVERRUN_FRAMES,
    FPS,
    LEAD_IN_MS,
    LEAD_OUT_MS,
    MISSING_CUE,
    PL_OFFSET_MS,
    SPECS,
    PlantedFlaw,
    break_lines,
    build_demo_inputs,
)
from pipeline.demo_stages import ALIGN_TOLERANCE_MS, _matches
from subtitles.atomic import MARKER
from subtitles.qc import Finding, Severity
from tests.pipeline.helpers import subpipe


@dataclass(frozen=True)
class DemoRun:
    root: Path
    returncode: int
    stdout: str
    stderr: str

    @property
    def report(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.stdout)
        return data


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    root = tmp_path_factory.mktemp("demo") / "subpipe-demo"
    done = subpipe("demo", root, "--json")
    return DemoRun(root, done.returncode, done.stdout, done.stderr)


def upload(demo: DemoRun, lang: str) -> Path:
    return demo.root / "input" / f"crackdown.{lang}.srt"


def parse(text: str) -> list[pysubs2.SSAEvent]:
    return [e for e in pysubs2.SSAFile.from_string(text, format_="srt").events if not e.is_comment]


def flaws(demo: DemoRun) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads((demo.root / "input" / "planted_flaws.json").read_text("utf-8"))
    return data


JOB_STAGES = [
    f"{stage}:{lang}"
    for stage in ("inspect", "fix", "align", "snap", "validate")
    for lang in ("en", "pl", "ru")
]
#: The job-wide stages after them: the demo turns every render stage on.
RENDER = ["mux", "sidecars", "burn", "hls", "report"]


@pytest.mark.media
def test_demo_runs_as_a_job_through_the_engine(demo: DemoRun) -> None:
    stages = {s["name"]: s for s in demo.report["stages"]}
    assert list(stages) == [
        "inputs", "check:inspect", "check:flaws", *JOB_STAGES, *RENDER, "check:fix", "check:align",
        "check:film-qc",
    ]  # fmt: skip
    assert "output/crackdown.mkv" in stages["mux"]["outputs"]
    problems = {n: s["summary"] for n, s in stages.items() if s["status"] != "ok"}
    assert problems == {}
    assert demo.report["ok"] is True
    assert demo.returncode == 0, demo.stderr
    # the job's own record, as `subpipe run` writes it, and the ledger the engine kept
    result = json.loads((demo.root / "output" / "result.json").read_text("utf-8"))
    assert result["status"] == "ok"
    assert [s["stage"] for s in result["stages"]] == [*JOB_STAGES, *RENDER]
    assert result["languages"] == {"en": "ok", "pl": "ok", "ru": "ok"}
    import sqlite3

    db = sqlite3.connect(demo.root / "ledger.sqlite")
    assert db.execute("SELECT status FROM attempts").fetchall() == [("ok",)]
    assert db.execute("SELECT COUNT(*) FROM stages WHERE status='ok' AND reused=0").fetchone() == (20,)


@pytest.mark.media
def test_demo_renders_every_output_and_says_where(demo: DemoRun) -> None:
    """All stages on: the closing list names each output, and each is what it claims."""
    where = {o["what"]: Path(o["path"]) for o in demo.report["outputs"]}
    out = demo.root / "output"
    assert where["soft-subtitle film (mux)"] == out / "crackdown.mkv"
    assert where["sidecar SRT/WebVTT files"] == out / "sidecars"
    assert sorted(p.name for p in (out / "sidecars").glob("crackdown.*")) == [
        f"crackdown.{t}.{x}" for t in ("en", "pl", "ru") for x in ("srt", "vtt")
    ]
    for tag in ("en", "pl", "ru"):
        burned = where[f"burned-in film ({tag})"]
        info = probe(burned)
        assert burned.parent == out / "burn" and info.video[0].height == 180 and not info.subtitles
    sheet = where["proof sheet (a burned frame per language)"]
    assert sheet.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import m3u8

    master = m3u8.load(str(where["HLS master playlist"]))
    assert sorted(m.language for m in master.media if m.type == "SUBTITLES") == ["en", "pl", "ru"]
    assert where["job report (open in a browser)"] == out / "report.html"


@pytest.mark.media
def test_validate_stage_found_every_planted_flaw(demo: DemoRun) -> None:
    stage = next(s for s in demo.report["stages"] if s["name"] == "check:flaws")
    assert stage["status"] == "ok", stage["summary"]
    planted = [f for f in flaws(demo) if "rule" in f]
    found = {(f["file"], f["rule"]) for f in stage["details"]["planted_found"]}
    assert found == {(f["file"], f["rule"]) for f in planted}
    for hit in stage["details"]["planted_found"]:  # reported at the flaw's own line
        assert _flaw_lines(hit) == {None} or hit["reported_line"] in _flaw_lines(hit), hit
    assert stage["details"]["unexpected"] == []
    # nothing spurious, judged on the report itself by (file, rule, line): a second finding
    # of a planted rule elsewhere in the file is as wrong as a finding of another rule
    for file in stage["details"]["report"]["files"]:
        name = Path(file["path"]).name
        for g in file["findings"]:
            if g["severity"] not in ("warning", "error"):
                continue
            assert any(
                f["file"] == name and f["rule"] == g["rule"] and g["line"] in _flaw_lines(f) for f in planted
            ), g
    en = next(f for f in stage["details"]["report"]["files"] if f["path"].endswith("crackdown.en.srt"))
    assert [f for f in en["findings"] if f["severity"] in ("warning", "error")] == []


def truth_of(demo: DemoRun, lang: str) -> list[pysubs2.SSAEvent]:
    """The truth's cues as the upload should have them: the Russian line left out dropped."""
    cues = parse((demo.root / "input" / "truth" / f"{lang}.srt").read_text("utf-8"))
    return [c for i, c in enumerate(cues, start=1) if lang != "ru" or i != MISSING_CUE]


@pytest.mark.media
def test_job_snaps_the_cue_across_a_cut_and_reports_the_missing_line(demo: DemoRun) -> None:
    """The film's QC in the job: the film has its cuts where speech.json says, to the frame;
    the snap stage (after align) ends the Russian cue that ran past a cut 2 frames before it,
    and nothing else; validate reports the Russian line left out as speech.missing_xlang at
    the cue after the gap, a warning under the demo's house profile, so ru still ships."""
    from media.shots import detect_cuts

    facts = json.loads((demo.root / "input" / "truth" / "speech.json").read_text("utf-8"))
    film = detect_cuts(demo.root / "input" / "crackdown.mp4")
    assert list(film.times_ms) == facts["cuts_ms"] and len(film.frames) == 3
    planted = {f["rule"]: f for f in flaws(demo) if f.get("rule") in ("shot.snap", "speech.missing_xlang")}
    cut = facts["cuts_ms"][1]
    frame = int(1000 / FPS)

    result = json.loads((demo.root / "output" / "result.json").read_text("utf-8"))
    stages = {s["stage"]: s for s in result["stages"]}
    moved = [
        (s, c) for s in stages.values() if s["stage"].startswith("snap:") for c in s["details"]["changes"]
    ]
    assert [(s["stage"], c["rule"], c["cue"]) for s, c in moved] == [("snap:ru", "shot.snap", CUT_CUE)]
    assert planted["shot.snap"]["cue"] == CUT_CUE
    snapped = parse((demo.root / "output" / "snap" / "crackdown.ru.srt").read_text("utf-8"))
    aligned = parse((demo.root / "output" / "aligned" / "crackdown.ru.srt").read_text("utf-8"))
    assert aligned[CUT_CUE - 1].end == cut + CUT_OVERRUN_FRAMES * frame  # ran past the cut
    assert snapped[CUT_CUE - 1].end == cut - 2 * frame  # now 2 frames before it
    assert [(c.start, c.end) for i, c in enumerate(snapped) if i != CUT_CUE - 1] == [
        (c.start, c.end) for i, c in enumerate(aligned) if i != CUT_CUE - 1
    ]
    # what ships is the snapped file: no shot finding left anywhere
    shipped = [f for s in stages.values() if s["stage"].startswith("validate:") for f in s["findings"]]
    assert not [f for f in shipped if f["rule"].startswith("shot.")]

    missing = [f for f in stages["validate:ru"]["findings"] if f["rule"] == "speech.missing_xlang"]
    assert len(missing) == 1 and missing[0]["severity"] == "warning"
    span = facts["speech"][MISSING_CUE - 1]
    assert missing[0]["start_ms"] < span["end_ms"] and missing[0]["end_ms"] > span["start_ms"]
    lines = (demo.root / "output" / "snap" / "crackdown.ru.srt").read_text("utf-8").splitlines()
    assert lines[missing[0]["line"] - 1] == str(MISSING_CUE)  # reported at the cue after the gap
    assert planted["speech.missing_xlang"]["cue"] == MISSING_CUE
    for lang in ("en", "pl"):
        assert not [f for f in stages[f"validate:{lang}"]["findings"] if f["rule"].startswith("speech.")]
    assert result["languages"]["ru"] == "ok"
    assert "speech.missing_xlang" in (demo.root / "input" / "house-profile.toml").read_text("utf-8")
    check = next(s for s in demo.report["stages"] if s["name"] == "check:film-qc")
    assert (
        check["status"] == "ok"
        and "snapped" in check["summary"]
        and "speech.missing_xlang" in check["summary"]
    )


def _flaw_lines(flaw: dict[str, Any]) -> set[int | None]:
    """Lines a finding of this planted flaw may carry; ``{None}`` for a whole-file flaw."""
    lines = {flaw.get("line"), flaw.get("text_line"), flaw.get("next_line")} - {None}
    return lines or {None}


@pytest.mark.media
def test_fix_stage_repairs_what_is_safe_to_repair(demo: DemoRun) -> None:
    fixed = {
        lang: parse((demo.root / "output" / "fixed" / f"crackdown.{lang}.srt").read_text("utf-8"))
        for lang in SPECS
    }
    truth = {lang: truth_of(demo, lang) for lang in SPECS}
    assert [c.text for c in fixed["ru"]] == [c.text for c in truth["ru"]]  # «», Cyrillic о
    assert all(b.start - a.end >= 80 for a, b in zip(fixed["ru"], fixed["ru"][1:], strict=False)), (
        "overlap left"
    )
    assert [c.text for c in fixed["en"]] == [c.text for c in truth["en"]]
    assert "zniknęło…" in fixed["pl"][9].text


@pytest.mark.media
def test_aligned_files_are_on_the_truth(demo: DemoRun) -> None:
    """The late Polish file comes back on time; the others stay put (median start error,
    within the truth's lead-in of 100-140 ms before the speech)."""
    for lang in SPECS:
        aligned = parse((demo.root / "output" / "aligned" / f"crackdown.{lang}.srt").read_text("utf-8"))
        truth = truth_of(demo, lang)
        errors = sorted(abs(a.start - b.start) for a, b in zip(aligned, truth, strict=True))
        assert errors[len(errors) // 2] <= ALIGN_TOLERANCE_MS, (lang, errors)


@pytest.mark.media
def test_mkv_has_three_tagged_tracks_first_default(demo: DemoRun) -> None:
    """The foundation issue's done-when, checked by probing the output."""
    mkv = demo.root / "output" / "crackdown.mkv"
    info = probe(mkv)
    subs = [s for s in info.streams if s.kind == "subtitle"]
    assert [(s.language, s.title) for s in subs] == [
        ("rus", "Русский"),
        ("eng", "English"),
        ("pol", "Polski"),
    ]
    assert [s.default for s in subs] == [True, False, False]
    assert [s.kind for s in info.streams if s.kind != "subtitle"] == ["video", "audio"]
    assert info.duration_ms is not None and abs(info.duration_ms - 56_400) <= 100


@pytest.mark.media
def test_uploads_are_really_in_their_legacy_encodings(demo: DemoRun) -> None:
    truth = {lang: (demo.root / "input" / "truth" / f"{lang}.srt").read_text("utf-8") for lang in SPECS}
    ru = upload(demo, "ru").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        ru.decode("utf-8")
    ru_text = ru.decode("koi8_r")
    assert "Организации с деньгами" in ru_text and "всё" in ru_text
    assert "Организации" not in ru.decode("cp1251")  # KOI8-R, not the Windows Cyrillic page
    pl = upload(demo, "pl").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        pl.decode("utf-8")
    pl_text = pl.decode("cp1250")
    assert "wszystko zmieniła" in pl_text and "Społeczeństwo" in pl_text
    assert "ą".encode("cp1250") in pl and "ą".encode("iso8859_2") not in pl  # Windows, not ISO Latin-2
    assert b"\r\n" in pl and b"\r\n" not in ru  # Windows delivery has CRLF
    en = upload(demo, "en").read_bytes()
    assert not en.startswith(b"\xef\xbb\xbf")
    assert en.decode("utf-8") == truth["en"]


@pytest.mark.media
def test_pl_is_late_by_exactly_two_and_a_half_seconds(demo: DemoRun) -> None:
    pl = parse(_decoded(demo, "crackdown.pl.srt"))
    truth = parse((demo.root / "input" / "truth" / "pl.srt").read_text("utf-8"))
    assert len(pl) == len(truth) == 10
    assert {(a.start - b.start, a.end - b.end) for a, b in zip(pl, truth, strict=True)} == {(2500, 2500)}
    listed = [f for f in flaws(demo) if f["file"] == "crackdown.pl.srt" and "offset_ms" in f]
    assert {(f.get("rule"), f.get("kind"), f["offset_ms"]) for f in listed} == {
        ("xlang.offset", None, PL_OFFSET_MS),
        (None, "timing_offset", PL_OFFSET_MS),
    }


def _decoded(demo: DemoRun, name: str) -> str:
    lang = name.split(".")[1]
    return (demo.root / "input" / name).read_bytes().decode(SPECS[lang].encoding).replace("\r\n", "\n")


@pytest.mark.media
def test_planted_flaw_lines_point_at_the_flawed_cues(demo: DemoRun) -> None:
    listed = [f for f in flaws(demo) if "line" in f]
    assert {(f["file"], f["rule"], f["cue"]) for f in listed} == {
        ("crackdown.ru.srt", "typo.quotes", 1),
        ("crackdown.ru.srt", "text.mixed_script", 4),
        ("crackdown.ru.srt", "timing.overlap", 6),
        ("crackdown.pl.srt", "typo.ellipsis", 10),
        ("crackdown.pl.srt", "read.line_length", 5),
        ("crackdown.ru.srt", "shot.snap", CUT_CUE),
        ("crackdown.ru.srt", "speech.missing_xlang", MISSING_CUE),
    }
    for flaw in listed:
        lines = _decoded(demo, flaw["file"]).splitlines()
        start = flaw["line"] - 1
        assert lines[start] == str(flaw["cue"]), flaw  # the cue's index line
        assert "-->" in lines[start + 1]
        end = lines.index("", start) if "" in lines[start:] else len(lines)
        body = lines[start + 2 : end]
        cues = parse(_decoded(demo, flaw["file"]))
        cue, following = cues[flaw["cue"] - 1], cues[flaw["cue"] : flaw["cue"] + 1]
        rule = flaw["rule"]
        exact = lines[flaw["text_line"] - 1] if "text_line" in flaw else None
        if rule == "typo.quotes":
            assert re.search(r'"[^"]+"', " ".join(body))
            assert exact is not None and '"' in exact
        elif rule == "text.mixed_script":
            words = [w for w in re.findall(r"\w+", " ".join(body)) if _scripts(w) == {"LATIN", "CYRILLIC"}]
            assert words == ["Прoверки"]
            assert exact is not None and "Прoверки" in exact
        elif rule == "timing.overlap":
            assert cue.end - following[0].start == 400
            assert (flaw["next_cue"], lines[flaw["next_line"] - 1]) == (7, "7")
        elif rule == "typo.ellipsis":
            assert "..." in " ".join(body)
            assert exact is not None and "..." in exact
        elif rule == "read.line_length":
            assert len(body) == 1 and len(body[0]) > 42
            assert exact == body[0]
        elif rule == "shot.snap":
            assert cue.end % int(1000 / FPS) == 0 and flaw["cue"] == CUT_CUE
        elif rule == "speech.missing_xlang":  # the cue after the gap is the truth's next one
            truth = parse((demo.root / "input" / "truth" / "ru.srt").read_text("utf-8"))
            assert cue.text == truth[MISSING_CUE].text and flaw["deleted_cue"] == MISSING_CUE


def _scripts(word: str) -> set[str]:
    return {unicodedata.name(c).split()[0] for c in word if c.isalpha()}


def _expected_breaks(demo: DemoRun) -> dict[tuple[str, int], set[str]]:
    return {(f["file"], f["cue"]): {f["rule"]} for f in flaws(demo) if "cue" in f}


@pytest.mark.media
def test_everything_not_planted_follows_the_style_rules(demo: DemoRun) -> None:
    """Line length, lines per cue, reading speed, duration, gaps and frames: only the
    planted flaws break a rule, so a validator's findings can be checked one to one."""
    planted = _expected_breaks(demo)
    frame = int(1000 / FPS)
    for lang, spec in SPECS.items():
        name = f"crackdown.{lang}.srt"
        cues = parse(_decoded(demo, name))
        assert len(cues) == (9 if lang == "ru" else 10)  # one Russian line left out
        for i, cue in enumerate(cues, start=1):
            rules = planted.get((name, i), set())
            lines = cue.text.split("\\N")
            assert len(lines) <= 2
            if "read.line_length" not in rules:
                assert max(len(line) for line in lines) <= spec.max_line, (name, i, lines)
            chars = sum(len(line) for line in lines)
            assert chars / ((cue.end - cue.start) / 1000) <= spec.max_cps, (name, i)
            assert 834 <= cue.end - cue.start <= 7000
            if lang != "pl":  # the late file is off the frame grid by half a frame
                assert cue.start % frame == 0 and cue.end % frame == 0
            if i < len(cues) and "timing.overlap" not in rules:
                assert cues[i].start - cue.end > 500  # not even a bridgeable gap
            assert "  " not in cue.text and cue.text == cue.text.strip()


@pytest.mark.media
def test_truth_timing_follows_the_speech_in_the_film(demo: DemoRun) -> None:
    speech = json.loads((demo.root / "input" / "truth" / "speech.json").read_text("utf-8"))
    spans = speech["speech"]
    truth = {
        lang: parse((demo.root / "input" / "truth" / f"{lang}.srt").read_text("utf-8")) for lang in SPECS
    }
    assert {tuple((c.start, c.end) for c in cues) for cues in truth.values()} == {
        tuple((c.start, c.end) for c in truth["ru"])
    }  # one timing for all three languages: the Russian speech
    for cue, span in zip(truth["ru"], spans, strict=True):
        assert 0 <= span["start_ms"] - cue.start - LEAD_IN_MS < 40
        assert cue.end - span["end_ms"] >= LEAD_OUT_MS
    assert "«об иностранных агентах»" in truth["ru"][0].text
    assert "zniknęło…" in truth["pl"][9].text
    # the clip really sounds where speech.json says: find the first clip in the film's audio
    film = decode_pcm(demo.root / "input" / "crackdown.mp4").astype(np.float64)
    first = decode_pcm(Path(__file__).resolve().parents[2] / "pipeline" / "demo_assets" / spans[0]["clip"])
    at = ms_to_sample(spans[0]["start_ms"], 16000)
    window = film[at - 1600 : at + first.size + 1600]
    corr = np.correlate(window, first.astype(np.float64), mode="valid")
    assert int(np.argmax(corr)) == 1600


@pytest.mark.media
def test_human_report_and_second_run_into_the_same_folder(demo: DemoRun) -> None:
    stranger = demo.root / "notes.txt"
    stranger.write_text("mine", encoding="utf-8")
    before = {p: p.read_bytes() for p in (demo.root / "input").rglob("*.srt")}
    again = subpipe("demo", demo.root)
    assert again.returncode == demo.returncode, again.stderr  # same outcome the second time
    for stage in ("inputs", "check:flaws", "fix:ru", "align:pl", "mux", "check:align"):
        assert re.search(rf"^\s+ok\s+{stage}\s", again.stdout, re.M), again.stdout
    # the second run found every job stage stamped: nothing ran again
    reused = re.findall(r"\(reused\)$", again.stdout, re.M)
    assert len(reused) == len(JOB_STAGES) + len(RENDER), again.stdout  # and mux ... report
    assert "output/crackdown.mkv" in again.stdout
    closing = again.stdout.split("Where everything is:", 1)[1]
    for name in ("crackdown.mkv", "sidecars", "crackdown.ru.180p.mp4", "crackdown.proof.png", "master.m3u8"):
        assert name in closing, closing
    assert "report.html" in closing
    assert stranger.read_text("utf-8") == "mine"
    assert {p: p.read_bytes() for p in before} == before  # deterministic
    assert not [p for p in demo.root.rglob(f"*{MARKER}*")]  # no temporaries left


def test_help_has_an_example() -> None:
    done = subpipe("demo", "--help")
    assert done.returncode == 0
    assert "Example:" in done.stdout and "subpipe demo" in done.stdout


@pytest.mark.media
def test_build_inputs_in_process(tmp_path: Path) -> None:
    inputs = build_demo_inputs(tmp_path)
    assert set(inputs.subtitles) == {"ru", "en", "pl"}
    assert all(p.is_file() for p in inputs.outputs)
    assert inputs.duration_ms % 40 == 0
    assert [f.rule or f.kind for f in inputs.flaws].count("xlang.offset") == 1


WORDS = st.text(alphabet="абвгдежзийклмнопрстуxyząęł", min_size=1, max_size=12)


@given(st.lists(WORDS, min_size=1, max_size=12), st.sampled_from([39, 42]))
def test_break_lines_keeps_words_and_limits(words: list[str], limit: int) -> None:
    text = " ".join(words)
    if len(text) > 2 * limit + 1 or max(map(len, words)) > limit:
        return
    try:
        lines = break_lines(text, limit)
    except ValueError:
        # only when no single break can fit both halves
        assert all(
            len(" ".join(words[:k])) > limit or len(" ".join(words[k:])) > limit for k in range(1, len(words))
        )
        return
    assert " ".join(lines) == text
    assert 1 <= len(lines) <= 2
    assert all(len(line) <= limit for line in lines)
    assert len(lines) == 1 or len(text) > limit


def test_break_lines_prefers_punctuation_and_keeps_prepositions_with_their_word() -> None:
    assert break_lines("Kontrole przychodziły bez uprzedzenia, czasem co miesiąc.", 42) == (
        "Kontrole przychodziły bez uprzedzenia,",
        "czasem co miesiąc.",
    )
    assert break_lines("Short enough.", 42) == ("Short enough.",)


def test_planted_flaws_match_findings_by_file_rule_and_line() -> None:
    """A finding of a planted rule at another line is not the planted flaw (it is spurious)."""
    flaw = PlantedFlaw("crackdown.ru.srt", rule="typo.quotes", cue=1, line=1, text_line=4)
    at = {n: Finding("typo.quotes", Severity.WARNING, "quotes", line=n, cue=1) for n in (1, 4, 9)}
    assert _matches(flaw, at[4]) and _matches(flaw, at[1]) and not _matches(flaw, at[9])
    assert not _matches(flaw, Finding("typo.ellipsis", Severity.WARNING, "dots", line=4, cue=1))
    whole = PlantedFlaw("crackdown.pl.srt", rule="xlang.offset", offset_ms=2500)
    assert _matches(whole, Finding("xlang.offset", Severity.ERROR, "late"))
    assert not _matches(whole, Finding("xlang.offset", Severity.ERROR, "late", line=5, cue=1))
