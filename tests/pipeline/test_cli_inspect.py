"""``subpipe inspect``: through click's runner, the in-process entry point, and the real
console script."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli.main import EXIT_INPUT, cli, run
from subtitles.errors import EncodingError, FrameRateRequired
from tests.pipeline.helpers import subpipe

KEYS = {
    "path", "ok", "format", "encoding", "language", "language_name", "language_source", "detected_language",
    "detected_confidence", "cues", "first_start_ms", "last_end_ms", "first_start", "last_end", "frame_rate",
    "frame_rate_source", "problems", "error",
}  # fmt: skip


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    pl = tmp_path / "film.pl.srt"
    pl.write_bytes(
        "1\n00:00:01,000 --> 00:00:02,000\nZażółć gęślą jaźń\n\n2\n00:00:0x,000 --> 00:00:04,000\nzły\n\n"
        "3\n00:01:05,500 --> 00:01:07,000\nŁódź i żółw, dzień dobry, co słychać?\n".encode("cp1250")
    )
    ru = tmp_path / "film.ru.srt"
    ru.write_bytes(
        "1\n00:00:01,000 --> 00:00:02,000\nСъешь же ещё этих мягких булок, объём\n".encode("koi8-r")
    )
    mdvd = tmp_path / "film.pl.sub"
    mdvd.write_text("{1}{1}25\n{25}{50}Cześć, jak się masz?\n", encoding="utf-8")
    bare = tmp_path / "bare.sub"
    bare.write_text("{25}{50}Cześć\n", encoding="utf-8")
    binary = tmp_path / "broken.srt"
    binary.write_bytes(codecs.BOM_UTF8 + b"1\n00:00:01,000 --> 00:00:02,000\n\xff\xfe\xfa\n")
    return {
        "pl": pl,
        "ru": ru,
        "mdvd": mdvd,
        "bare": bare,
        "binary": binary,
        "missing": tmp_path / "nope.srt",
    }


def test_json_report(files: dict[str, Path]) -> None:
    result = CliRunner().invoke(
        cli, ["inspect", "--json", str(files["pl"]), str(files["ru"]), str(files["mdvd"])]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [set(item) for item in data] == [KEYS] * 3
    pl, ru, mdvd = data
    assert pl["path"] == str(files["pl"]) and pl["format"] == "srt"
    assert pl["encoding"]["name"] == "cp1250" and pl["encoding"]["bom"] is False
    assert (pl["language"], pl["language_source"], pl["detected_language"]) == ("pl", "filename", "pl")
    assert (pl["cues"], pl["first_start"], pl["last_end"]) == (2, "00:00:01.000", "00:01:07.000")
    assert (pl["first_start_ms"], pl["last_end_ms"]) == (1000, 67000)
    assert pl["problems"] == [
        {"line": 6, "severity": "error", "code": "srt.bad-timing",
         "message": "unreadable timing line '00:00:0x,000 --> 00:00:04,000'; cue skipped"},
    ]  # fmt: skip
    assert ru["encoding"]["name"] == "koi8-r" and ru["language"] == "ru"
    assert (mdvd["frame_rate"], mdvd["frame_rate_source"], mdvd["format"]) == ("25/1", "declared", "microdvd")
    assert pl["frame_rate"] is None and pl["error"] is None and pl["ok"] is True


def test_human_report_and_options(files: dict[str, Path]) -> None:
    result = CliRunner().invoke(cli, ["inspect", str(files["bare"]), "--fps", "23.976", "--lang", "Polski"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "format      microdvd" in out
    assert "frame rate  24000/1001 (23.976) (explicit)" in out
    assert "language    pl (Polish, explicit)" in out
    pl = CliRunner().invoke(cli, ["inspect", str(files["pl"])]).stdout
    assert "encoding    cp1250" in pl and "problems    1" in pl
    assert "    line 6: error: unreadable timing line" in pl


def test_format_and_encoding_overrides(tmp_path: Path) -> None:
    path = tmp_path / "napisy.txt"
    path.write_bytes("[10][20]Żółw|idzie\n".encode("cp1250"))
    result = CliRunner().invoke(
        cli, ["inspect", "--json", "--format", "mpl2", "--encoding", "cp1250", str(path)]
    )
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)[0]
    assert (info["format"], info["encoding"]["name"], info["cues"]) == ("mpl2", "cp1250", 1)
    bad = CliRunner().invoke(cli, ["inspect", "--format", "klingon", str(path)])
    assert "unknown subtitle format" in str(bad.exception)


def test_errors_surface_as_subpipe_errors_in_the_runner(files: dict[str, Path]) -> None:
    result = CliRunner().invoke(cli, ["inspect", str(files["bare"])])
    assert isinstance(result.exception, FrameRateRequired)
    result = CliRunner().invoke(cli, ["inspect", "--json", str(files["binary"]), str(files["pl"])])
    assert isinstance(result.exception, EncodingError)
    data = json.loads(result.stdout)
    assert data[0] == {
        "path": str(files["binary"]),
        "ok": False,
        "error": {
            "type": "EncodingError",
            "message": "has a UTF-8 byte-order mark but is not valid utf-8 at byte offset 35",
            "line": 3,
        },
    }
    assert data[1]["ok"] is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fps", "fast"], "not a frame rate"),
        (["--lang", "klingonese"], "unknown language"),
    ],
)
def test_bad_options_exit_2(
    files: dict[str, Path], args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        run(["inspect", str(files["pl"]), *args])
    assert exc.value.code == EXIT_INPUT
    assert message in capsys.readouterr().err


def test_every_bad_file_gets_one_line(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        run(["inspect", str(files["missing"]), str(files["pl"]), str(files["bare"])])
    assert exc.value.code == EXIT_INPUT
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        f"subpipe: error: {files['missing']}: no such file",
        f"subpipe: error: {files['bare']}: MicroDVD counts frames: give --fps or --film",
    ]
    assert str(files["pl"]) in captured.out


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("missing", "{path}: no such file"),
        ("binary", "{path}:3: has a UTF-8 byte-order mark but is not valid utf-8 at byte offset 35"),
    ],
)
def test_console_script_exit_code_and_one_line(files: dict[str, Path], key: str, expected: str) -> None:
    path = files[key]
    proc = subpipe("inspect", path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.splitlines() == [f"subpipe: error: {expected.format(path=path)}"]
