"""``subpipe probe`` through the real CLI entry point (in-process)."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import jsonschema  # type: ignore[import-untyped, unused-ignore]  # no stubs in the dev set
import pytest

from media.probe import MEDIA_INFO_SCHEMA
from pipeline.cli.main import EXIT_INPUT
from tests.mediagen import make_film
from tests.pipeline.helpers import run_in_process

pytestmark = [pytest.mark.media, pytest.mark.usefixtures("restore_cli_logging")]


@pytest.fixture(scope="module")
def film(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli_probe")
    return make_film(
        folder / "film.mp4", duration_s=1, fps=Fraction(24000, 1001), start_time_s=2, audio_language="pol"
    )


def test_text_report(film: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_in_process(["probe", str(film)], capsys)
    assert code == 0
    assert "frame rate: 24000/1001 (23.976)" in out
    assert "start:      00:00:01.9" in out  # 2 s minus AAC priming
    assert "video" in out and "h264" in out and "160x90" in out
    assert "lang=pol" in out and "48000 Hz" in out


def test_json_matches_schema(film: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_in_process(["probe", str(film), "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    jsonschema.validate(data, MEDIA_INFO_SCHEMA)
    assert data["frame_rate"] == "24000/1001"
    assert [s["kind"] for s in data["streams"]] == ["video", "audio"]
    assert data["streams"][1]["language"] == "pol"


def test_schema_rejects_a_float_rate() -> None:
    bad = {"path": "x", "format": "mp4", "duration_ms": 1, "start_ms": 0, "frame_rate": "23.976",
           "backend": "pyav", "streams": []}  # fmt: skip
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, MEDIA_INFO_SCHEMA)


def test_unreadable_input_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junk = tmp_path / "notes.mp4"
    junk.write_text("not a film")
    code, out, err = run_in_process(["probe", str(junk)], capsys)
    assert code == EXIT_INPUT and out == ""
    assert err.strip().splitlines() == [
        f"subpipe: error: {junk}: not a media file ffmpeg can read (Invalid data found when processing input)"
    ]
    code, _, err = run_in_process(["probe", str(tmp_path / "missing.mkv")], capsys)
    assert code == EXIT_INPUT and "missing.mkv: file not found" in err


def test_variable_frame_rate_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A VFR film is never printed as if its rate were exact."""
    vfr = make_film(
        tmp_path / "vfr.mkv", duration_s=3, fps=25, audio=None,
        extra_args=["-vf", r"setpts=if(lt(N\,25)\,N\,25+(N-25)*2)/25/TB", "-fps_mode", "vfr"],
    )  # fmt: skip
    code, out, _ = run_in_process(["probe", str(vfr)], capsys)
    assert code == 0 and "frame rate: variable (VFR), average 25" in out
    assert "variable, average 25 fps" in out
    code, out, _ = run_in_process(["probe", str(vfr), "--json"], capsys)
    data = json.loads(out)
    jsonschema.validate(data, MEDIA_INFO_SCHEMA)
    assert data["variable_frame_rate"] is True and data["streams"][0]["variable_frame_rate"] is True


def test_first_frame_and_playable_length(film: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The film starts at 2 s (its audio priming a little earlier) and plays 1 s, whatever
    the ffmpeg: 5.1's ffprobe reads the MP4 header's 3 s including the empty lead."""
    code, out, _ = run_in_process(["probe", str(film), "--json"], capsys)
    data = json.loads(out)
    assert code == 0 and data["video_start_ms"] == 2000 and 1950 <= data["start_ms"] <= 2000
    assert abs(data["duration_ms"] - 1000) <= 60
    assert data["variable_frame_rate"] is False


def test_help_has_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_in_process(["probe", "--help"], capsys)
    assert code == 0 and "subpipe probe film.mp4" in out and "--json" in out
