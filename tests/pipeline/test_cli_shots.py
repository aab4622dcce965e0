"""QC against the film itself through the real CLI: shot changes and speech.

One generated film (26 s, 160x90, 25 fps): five shots of moving test pictures cut at frames
150, 330, 480 and 520, and a Russian narration (the demo's clips) at 1.0-5.4 s, 7.0-11.7 s,
14.0-16.5 s and 21.4-25.4 s. Per language (ru, en, pl) three files timed on it: ``clean``
(every time clear of the cuts, every cue on speech), ``shots`` (an out-time 5 frames before a
cut, an in-time 2 frames after one, an in-time 10 frames before one, a cue ending 9 frames
past one) and ``speech`` (the second line left out, a cue held 2.8 s past the speech).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped, unused-ignore]  # no stubs in the dev set
import pytest

from media.synth import Placement, compose
from pipeline.cli.main import EXIT_CONTENT, EXIT_INPUT
from tests.mediagen import make_film, write_srt
from tests.pipeline.helpers import run_in_process
from tests.shotgen import Shot, make_cut_film

pytestmark = [pytest.mark.media, pytest.mark.usefixtures("restore_cli_logging")]

ASSETS = Path(__file__).resolve().parents[2] / "pipeline" / "demo_assets"
SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "subtitles" / "qc" / "finding.schema.json").read_text("utf-8")
)
LANGS = ("ru", "en", "pl")
CUTS = (150, 330, 480, 520)
SHOTS = [Shot(150), Shot(180), Shot(150), Shot(40), Shot(130)]
TEXT = {
    "ru": [
        "Закон изменил всё.",
        "Организации должны были\nвстать на учёт.",
        "Многие отказались.",
        "Проверки шли без предупреждения.",
    ],
    "en": [
        "The law changed everything.",
        "Organisations had to\nregister as agents.",
        "Many refused.",
        "Inspections came without warning.",
    ],
    "pl": [
        "Ustawa zmieniła wszystko.",
        "Organizacje musiały\nsię zarejestrować.",
        "Wiele odmówiło.",
        "Kontrole przychodziły bez ostrzeżenia.",
    ],
}
CLEAN = [(900, 5920), (6900, 11920), (13900, 16960), (21300, 25560)]
FLAWED_SHOTS = [(900, 5800), (6080, 11920), (13900, 19560), (20400, 25560)]
FLAWED_SPEECH: list[tuple[int, int] | None] = [(900, 5920), None, (13900, 20300), (21300, 25560)]
SHOT_RULES = {"shot.snap", "shot.near", "shot.crossing"}
SPEECH_RULES = {"speech.silent_cue", "speech.missing_line", "speech.missing_xlang", "speech.unsubtitled"}


def _audio() -> Any:
    clips = [(1, 1000), (2, 7000), (3, 14000), (4, 21400)]
    placements = [Placement(ASSETS / f"ru_{i:02d}.opus", at) for i, at in clips]
    return compose(placements, duration_ms=26_000, rate=16000, bed="noise", snr_db=20.0, seed=3)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli_shots")


@pytest.fixture(scope="module")
def film(folder: Path) -> Path:
    truth = make_cut_film(folder / "film.mp4", SHOTS, fps=25, audio=_audio())
    assert truth.hard_cuts == CUTS
    return folder / "film.mp4"


def _write(folder: Path, kind: str, lang: str, times: list[tuple[int, int] | None]) -> Path:
    cues = [(t[0], t[1], TEXT[lang][k]) for k, t in enumerate(times) if t is not None]
    path = folder / kind / f"film.{lang}.srt"
    path.parent.mkdir(exist_ok=True)
    return write_srt(path, cues)


@pytest.fixture(scope="module")
def subs(folder: Path) -> dict[str, dict[str, Path]]:
    hole: list[tuple[int, int] | None] = [CLEAN[0], None, CLEAN[2], CLEAN[3]]  # only the second line missing
    kinds: dict[str, list[tuple[int, int] | None]] = {
        "clean": list(CLEAN),
        "shots": list(FLAWED_SHOTS),
        "speech": FLAWED_SPEECH,
        "hole": hole,
    }
    out: dict[str, dict[str, Path]] = {}
    for kind, times in kinds.items():
        out[kind] = {lang: _write(folder, kind, lang, times) for lang in LANGS}
    return out


def validate(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, dict[str, Any], str]:
    code, out, err = run_in_process(["validate", *map(str, args), "--json"], capsys)
    data = json.loads(out)
    jsonschema.validate(data, SCHEMA)
    return code, data, err


def rules_of(data: dict[str, Any], k: int = 0) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for f in data["files"][k]["findings"]:
        found.setdefault(f["rule"], []).append(f)
    return found


@pytest.fixture(autouse=True)
def _own_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """One cache for this module's film (measured once, then read)."""
    monkeypatch.setenv("SUBPIPE_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cli-shots-cache"))
    yield


def test_probe_lists_the_cuts(film: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_in_process(["probe", str(film), "--shots"], capsys)
    assert code == 0
    assert "shot changes: 4" in out
    for frame, time in zip(
        CUTS, ("00:00:06.000", "00:00:13.200", "00:00:19.200", "00:00:20.800"), strict=True
    ):
        assert f"frame {frame:>7}  {time}" in out
    code, out, _ = run_in_process(["probe", str(film), "--shots", "--json"], capsys)
    shots = json.loads(out)["shots"]
    assert shots["frame_rate"] == "25/1" and shots["frames"] == 650
    assert [(c["frame"], c["time_ms"]) for c in shots["cuts"]] == [(f, f * 40) for f in CUTS]


@pytest.mark.parametrize("lang", LANGS)
def test_clean_file_has_no_film_findings(
    lang: str, film: Path, subs: dict[str, dict[str, Path]], capsys: pytest.CaptureFixture[str]
) -> None:
    _code, data, _ = validate(capsys, subs["clean"][lang], "--film", film)
    assert not set(rules_of(data)) & (SHOT_RULES | SPEECH_RULES), rules_of(data)


@pytest.mark.parametrize("lang", LANGS)
def test_shot_flaws_are_found_with_their_cuts(
    lang: str, film: Path, subs: dict[str, dict[str, Path]], capsys: pytest.CaptureFixture[str]
) -> None:
    _code, data, _ = validate(capsys, subs["shots"][lang], "--film", film)
    found = rules_of(data)
    snaps = {(f["cue"], f["film"]["cuts"][0]["frame"]) for f in found["shot.snap"]}
    assert snaps == {(1, 150), (2, 150)}, found["shot.snap"]  # out 5 frames before, in 2 frames after
    assert [(f["cue"], f["film"]["cuts"]) for f in found["shot.near"]] == [
        (4, [{"frame": 520, "time_ms": 20800}])
    ]
    (crossing,) = found["shot.crossing"]
    assert crossing["cue"] == 3 and crossing["film"]["cuts"][0]["frame"] == 480
    assert "9 frames after it" in crossing["message"]
    assert all(f["fixable"] for f in found["shot.snap"] + found["shot.near"])


@pytest.mark.parametrize("lang", LANGS)
def test_speech_flaws_are_found_with_the_speech(
    lang: str, film: Path, subs: dict[str, dict[str, Path]], capsys: pytest.CaptureFixture[str]
) -> None:
    _code, data, _ = validate(capsys, subs["speech"][lang], "--film", film)
    found = rules_of(data)
    (missing,) = found["speech.missing_line"]
    # the second clip (7.0-11.7 s) heard, within the detector's 10 ms grid and its onset slack
    assert abs(missing["start_ms"] - 7000) < 300 and abs(missing["end_ms"] - 11670) < 400, missing
    assert missing["film"]["speech"] and missing["line"] == 5  # where the missing cue would go
    (silent,) = found["speech.silent_cue"]
    assert silent["cue"] == 2 and silent["film"]["speech"]  # held 2.8 s past the third clip
    assert "no speech" in silent["message"]


@pytest.mark.parametrize("odd", LANGS)
def test_a_line_only_one_language_left_out(
    odd: str, film: Path, subs: dict[str, dict[str, Path]], capsys: pytest.CaptureFixture[str]
) -> None:
    files = [subs["hole"][odd], *(subs["clean"][lang] for lang in LANGS if lang != odd)]
    code, data, _ = validate(capsys, *files, "--film", film)
    assert code == EXIT_CONTENT  # an error: a translation skipped a line
    (missing,) = rules_of(data, 0)["speech.missing_xlang"]
    assert missing["severity"] == "error" and abs(missing["start_ms"] - 7000) < 300
    others = [lang for lang in LANGS if lang != odd]
    assert all(lang in missing["message"] for lang in others), missing["message"]
    assert "speech.missing_line" not in rules_of(data, 0)  # the cross-language verdict replaces it
    for k in (1, 2):
        assert not set(rules_of(data, k)) & SPEECH_RULES, rules_of(data, k)


def test_a_line_every_language_left_out(
    film: Path, subs: dict[str, dict[str, Path]], capsys: pytest.CaptureFixture[str]
) -> None:
    _code, data, _ = validate(capsys, *(subs["hole"][lang] for lang in LANGS), "--film", film)
    for k, lang in enumerate(LANGS):
        found = rules_of(data, k)
        assert "speech.missing_xlang" not in found, (lang, found)
        (unsubtitled,) = found["speech.unsubtitled"]
        assert unsubtitled["severity"] == "info" and abs(unsubtitled["start_ms"] - 7000) < 300
    _code, data, _ = validate(capsys, *(subs["clean"][lang] for lang in LANGS), "--film", film)
    for k in range(3):
        assert not set(rules_of(data, k)) & SPEECH_RULES


@pytest.mark.parametrize("lang", LANGS)
def test_fix_snaps_to_the_cuts_and_stays_idempotent(
    lang: str,
    film: Path,
    subs: dict[str, dict[str, Path]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    once, twice = tmp_path / f"once.{lang}.srt", tmp_path / f"twice.{lang}.srt"
    code, out, _ = run_in_process(
        ["fix", str(subs["shots"][lang]), "--film", str(film), "-o", str(once), "--json"], capsys
    )
    assert code == 0
    report = json.loads(out)
    jsonschema.validate(
        report, {"$schema": SCHEMA["$schema"], "$defs": SCHEMA["$defs"], "$ref": "#/$defs/fix_report"}
    )
    moved = {(c["rule"], c["cue"]): c["after"] for c in report["changes"] if c["cue"] is not None}
    assert moved[("shot.snap", 2)] == "00:00:06.000 --> 00:00:11.920"  # in-time onto the cut
    assert moved[("shot.near", 4)] == "00:00:20.320 --> 00:00:25.560"  # 12 frames before the cut
    # the out-time 5 frames before the cut closes to 2 frames before it (as a bridge gap would)
    assert any(c["cue"] == 1 and c["after"].endswith("00:00:05.920") for c in report["changes"])
    remaining = {f["rule"] for f in report["remaining"]}
    assert "shot.crossing" in remaining and not remaining & {"shot.snap", "shot.near"}
    code, out, _ = run_in_process(["fix", str(once), "--film", str(film), "-o", str(twice), "--json"], capsys)
    assert code == 0 and json.loads(out)["changes"] == []
    assert twice.read_bytes() == once.read_bytes()


def test_a_snap_that_would_break_the_minimum_duration_is_reported_not_applied(
    film: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 5.10-6.12 s: its out-time 3 frames past the cut at 6.0 s would end at 5.92 s: 820 ms
    sub = write_srt(tmp_path / "film.en.srt", [(900, 4000, TEXT["en"][0]), (5100, 6120, "Many refused.")])
    out_path = tmp_path / "fixed.en.srt"
    code, out, _ = run_in_process(
        ["fix", str(sub), "--film", str(film), "-o", str(out_path), "--json"], capsys
    )
    report = json.loads(out)
    assert code == 0 and not [c for c in report["changes"] if c["rule"].startswith("shot.")]
    (snap,) = [f for f in report["remaining"] if f["rule"] == "shot.snap"]
    assert not snap["fixable"] and "under the minimum 833 ms" in snap["message"]
    assert "00:00:06,120" in out_path.read_text(encoding="utf-8")


def test_no_cuts_no_shot_findings(
    subs: dict[str, dict[str, Path]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one_shot = tmp_path / "one.mp4"
    make_cut_film(one_shot, [Shot(650)], fps=25, audio=_audio())
    code, out, _ = run_in_process(["probe", str(one_shot), "--shots"], capsys)
    assert code == 0 and "shot changes: 0" in out
    for lang in LANGS:
        _code, data, _ = validate(capsys, subs["shots"][lang], "--film", one_shot)
        assert not set(rules_of(data)) & SHOT_RULES


def test_variable_frame_rate_film(
    subs: dict[str, dict[str, Path]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vfr = make_film(
        tmp_path / "vfr.mkv", duration_s=4, fps=25, audio="tone",
        extra_args=["-vf", r"setpts=if(lt(N\,25)\,N\,25+(N-25)*2)/25/TB", "-fps_mode", "vfr"],
    )  # fmt: skip
    code, _out, err = run_in_process(["probe", str(vfr), "--shots"], capsys)
    assert (
        code == EXIT_INPUT and "variable frame rate" in err and "shot-change checks are not possible" in err
    )
    # validate --film goes on without shot checks, and says why
    _code, data, err = validate(capsys, subs["shots"]["en"], "--film", vfr, "--fps", "25")
    assert "shot changes not checked" in err and "variable frame rate" in err
    assert not set(rules_of(data)) & SHOT_RULES


def test_validate_without_film_decodes_nothing(
    subs: dict[str, dict[str, Path]], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import media.shots
    import media.vad

    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("decoded the film")

    monkeypatch.setattr(media.shots, "detect_cuts", refuse)
    monkeypatch.setattr(media.vad, "detect_film_speech", refuse)
    _code, data, _ = validate(capsys, subs["shots"]["ru"], "--fps", "25")
    assert not set(rules_of(data)) & (SHOT_RULES | SPEECH_RULES)


def test_cuts_and_speech_are_measured_once_per_film(
    film: Path,
    subs: dict[str, dict[str, Path]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import media.shots
    import media.vad

    monkeypatch.setenv("SUBPIPE_CACHE_DIR", str(tmp_path / "cache"))
    first = validate(capsys, subs["shots"]["pl"], "--film", film)[1]
    cached = sorted(p.name for p in (tmp_path / "cache" / "film").glob("*.npz"))
    assert len(cached) == 2 and cached[0].endswith("-a0.npz") and "-shots-v" in cached[1]
    assert cached[0].split("-")[0] == cached[1].split("-")[0]  # one content-hash key

    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("decoded the film again")

    monkeypatch.setattr(media.shots, "detect_cuts", refuse)
    monkeypatch.setattr(media.vad, "detect_film_speech", refuse)
    again = validate(capsys, subs["shots"]["pl"], "--film", film)[1]
    assert rules_of(again) == rules_of(first)
    _code, data, _ = validate(capsys, subs["shots"]["pl"], "--film", film, "--no-film-checks")
    assert not set(rules_of(data)) & (SHOT_RULES | SPEECH_RULES)


def test_ntsc_rate_cuts_are_frame_exact(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fps = Fraction(24000, 1001)
    film = tmp_path / "ntsc.mp4"
    truth = make_cut_film(film, [Shot(48), Shot(37), Shot(60)], fps=fps)
    _code, out, _ = run_in_process(["probe", str(film), "--shots", "--json"], capsys)
    cuts = json.loads(out)["shots"]["cuts"]
    assert [c["frame"] for c in cuts] == list(truth.hard_cuts) == [48, 85]
    assert [c["time_ms"] for c in cuts] == [2002, 3545]  # 48 and 85 frames of 1001/24 ms
