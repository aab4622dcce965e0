"""One progress display for ``burn``, ``hls`` and ``mux``: the helper, then each command.

The helper is fed ffmpeg's own ``-progress`` text (``media.progress``) and a fake clock, so
the percentages and ETAs asserted are the ones a user reads; the commands are run on tiny
generated films and their stderr read as a log or a JSON consumer would.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from media.progress import Progress, parse_progress
from pipeline.cli.progress import format_eta, progress_mode, progress_sink
from subtitles.qc.glyphs import find_font
from tests.mediagen import make_film, write_srt
from tests.pipeline.helpers import run_in_process

pytestmark = pytest.mark.usefixtures("restore_cli_logging")


def _blocks(*times_us: int | str, end: bool = True) -> list[Progress]:
    lines: list[str] = []
    for n, t in enumerate(times_us):
        last = end and n == len(times_us) - 1
        lines += [f"out_time_us={t}", f"progress={'end' if last else 'continue'}"]
    return list(parse_progress(lines))


def _clock(*ticks: float) -> Iterator[float]:
    yield from ticks


def test_plain_lines_every_ten_percent_with_an_eta(capsys: pytest.CaptureFixture[str]) -> None:
    blocks = _blocks("N/A", 0, 1_000_000, 1_500_000, 2_000_000, 10_000_000)
    ticks = _clock(100.0, 100.0, 110.0, 115.0, 120.0, 200.0)
    with progress_sink("plain", "muxing", clock=lambda: next(ticks)) as sink:
        assert sink is not None
        for block in blocks:
            sink(block, 10_000)
    err = capsys.readouterr().err
    # 10 % after 10 s: 90 s left; 15 % is not a new 10 % step; 20 % after 20 s: 80 s left.
    assert err.splitlines() == [
        "muxing:   0%  eta --:--",
        "muxing:  10%  eta 01:30",
        "muxing:  20%  eta 01:20",
        "muxing: 100%  eta 00:00",
    ]


def test_json_lines_name_the_stage(capsys: pytest.CaptureFixture[str]) -> None:
    ticks = _clock(0.0, 5.0, 9.0)
    with progress_sink("json", "encoding", clock=lambda: next(ticks)) as sink:
        assert sink is not None
        for block in _blocks(0, 2_500_000, 4_000_000):
            sink(block, 5_000)
    events = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [(e["event"], e["stage"], e["percent"], e["eta_s"], e["finished"]) for e in events] == [
        ("progress", "encoding", 0.0, None, False),
        ("progress", "encoding", 50.0, 5.0, False),
        ("progress", "encoding", 100.0, 0.0, True),
    ]


def test_unknown_length_shows_no_percentage(capsys: pytest.CaptureFixture[str]) -> None:
    with progress_sink("plain", "encoding") as sink:
        assert sink is not None
        for block in _blocks(1_000_000, 2_000_000, end=False):
            sink(block, None)
    assert capsys.readouterr().err == ""


def test_mode_choice_and_eta_format() -> None:
    assert progress_mode(as_json=True, dry_run=True) == "none"
    assert progress_mode(as_json=True) == "json"
    assert progress_mode(as_json=False) == "plain"  # pytest's stderr is not a terminal
    assert [format_eta(s) for s in (None, 0.4, 75, 3725)] == ["--:--", "00:00", "01:15", "1:02:05"]
    with progress_sink("none", "x") as sink:
        assert sink is None


# -- the commands ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("progress")
    film = make_film(folder / "film.mp4", duration_s=2, size=(160, 90), fps=25)
    return film, write_srt(folder / "film.en.srt", [(200, 1200, "Hello")])


def _progress_events(err: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in err.splitlines() if line.startswith('{"event": "progress"')]


@pytest.mark.media
@pytest.mark.parametrize("command", ["mux", "hls", "burn"])
def test_every_command_reports_progress_the_same_way(
    command: str, media: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if command == "burn" and find_font() is None:
        pytest.skip("DejaVu Sans is not installed (Debian: fonts-dejavu-core; `make` installs it)")
    film, sub = media
    out = {"mux": tmp_path / "o.mkv", "hls": tmp_path / "web", "burn": tmp_path / "burned"}[command]
    extra = ["--preset", "ultrafast"] if command != "mux" else []

    def args(target: Path) -> list[str]:
        return [command, str(film), str(sub), "-o", str(target), *extra]

    code, stdout, err = run_in_process([*args(out), "--json"], capsys)
    assert code == 0, err
    assert json.loads(stdout)  # stdout is the one report
    events = _progress_events(err)
    assert events, err
    label = {"mux": "muxing", "hls": "encoding", "burn": "burning"}[command]
    assert {e["stage"] for e in events} == {label}
    assert events[-1]["finished"] and events[-1]["percent"] == 100.0
    assert all(isinstance(e["total_ms"], int) and e["total_ms"] > 1500 for e in events)
    # Without --json and not on a terminal: plain lines, the last one at 100 %.
    code, _, err = run_in_process(args(out.with_name("plain-" + out.name)), capsys)
    assert code == 0, err
    lines = [ln for ln in err.splitlines() if ln.startswith(f"{label}:")]
    assert lines and lines[-1].startswith(f"{label}: 100%"), err
