"""A film cut short (an interrupted copy or download) is named as truncated, through the CLI,
never analysed as a film with "no speech" in its missing part (issue 7, point 8)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.cli.main import EXIT_INPUT
from tests.mediagen import make_film, write_srt
from tests.pipeline.helpers import run_in_process

pytestmark = [pytest.mark.media, pytest.mark.usefixtures("restore_cli_logging")]


def _cut(film: Path, keep: float) -> Path:
    cut = film.with_name(f"cut{film.suffix}")
    data = film.read_bytes()
    cut.write_bytes(data[: int(len(data) * keep)])
    return cut


@pytest.mark.parametrize("suffix", [".mkv", ".mp4"])
def test_truncated_film_is_reported_as_truncated(
    tmp_path: Path, suffix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Matroska keeps its full declared length at the start (the audio then ends early);
    an MP4 written without faststart loses its index with its tail."""
    cut = _cut(make_film(tmp_path / f"film{suffix}", duration_s=12, audio="tone"), 0.4)
    srt = write_srt(tmp_path / "film.en.srt", [(500, 1500, "Hello"), (9000, 10000, "Goodbye")])
    out = tmp_path / "aligned.srt"
    code, _, err = run_in_process(["align", str(srt), "--film", str(cut), "-o", str(out)], capsys)
    assert code == EXIT_INPUT, err
    (line,) = err.strip().splitlines()
    assert str(cut) in line and "truncated" in line and "no speech" not in line
    assert not out.exists()
    if suffix == ".mp4":
        code, _, err = run_in_process(["probe", str(cut)], capsys)
        assert code == EXIT_INPUT and "truncated" in err


def test_complete_film_is_not_called_truncated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The same film whole: alignment runs (a tone has no speech: refused for that reason)."""
    film = make_film(tmp_path / "film.mkv", duration_s=12, audio="tone")
    srt = write_srt(tmp_path / "film.en.srt", [(500, 1500, "Hello"), (9000, 10000, "Goodbye")])
    out = tmp_path / "a.srt"
    code, _, err = run_in_process(["align", str(srt), "--film", str(film), "-o", str(out)], capsys)
    assert "truncated" not in err
    assert code != EXIT_INPUT, err
