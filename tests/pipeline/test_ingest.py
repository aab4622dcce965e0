"""Ingest for a film: MicroDVD frames counted at the film's exact rate, probed once."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from unittest import mock

import pytest

from media.probe import MediaInfo
from pipeline import ingest as ingest_module
from pipeline.ingest import FilmRate, ingest, ingest_each, ingest_many
from subtitles.errors import FrameRateRequired, InputError
from tests.mediagen import make_film

NTSC = Fraction(24000, 1001)


@pytest.fixture(scope="module")
def film(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1 s of 160x90 video at 24000/1001 fps, no audio."""
    return make_film(tmp_path_factory.mktemp("ingest") / "film.mp4", duration_s=1, fps=NTSC, audio=None)


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.media
def test_microdvd_takes_the_films_exact_rate(tmp_path: Path, film: Path) -> None:
    sub = _write(tmp_path, "film.pl.sub", "{24}{48}Cześć\n")
    track = ingest(sub, film=film)
    assert track.frame_rate == NTSC
    assert (track.cues[0].start, track.cues[0].end) == (1001, 2002)


@pytest.mark.media
def test_declared_rate_differing_from_the_film_is_reported(tmp_path: Path, film: Path) -> None:
    sub = _write(tmp_path, "film.pl.sub", "{1}{1}25\n{25}{50}Cześć\n")
    track = ingest(sub, film=film)
    assert track.frame_rate == 25
    assert [p.code for p in track.problems] == ["microdvd.fps-mismatch"]


def test_explicit_fps_needs_no_probe(tmp_path: Path) -> None:
    sub = _write(tmp_path, "film.pl.sub", "{25}{50}Cześć\n")
    with mock.patch.object(ingest_module, "probe", side_effect=AssertionError("probed")):
        track = ingest(sub, fps=Fraction(25), film=tmp_path / "no-film.mp4")
    assert track.frame_rate == 25 and track.cues[0].start == 1000


def test_clock_formats_never_probe_and_rate_is_probed_once(tmp_path: Path) -> None:
    srt = _write(tmp_path, "film.en.srt", "1\n00:00:01,000 --> 00:00:02,000\nHi\n")
    subs = [_write(tmp_path, f"film{i}.pl.sub", "{25}{50}Cześć\n") for i in range(3)]
    info = _info(Fraction(25))
    with mock.patch.object(ingest_module, "probe", return_value=info) as probe:
        tracks = ingest_many([srt, *subs], film=tmp_path / "film.mp4")
    assert probe.call_count == 1
    assert [t.frame_rate for t in tracks] == [None, 25, 25, 25]


def _info(rate: Fraction | None, *, variable: bool = False) -> MediaInfo:
    """A probed film with only a frame rate (what ingest asks of it)."""
    return MediaInfo(Path("film.mp4"), "mp4", None, 0, rate, (), variable_frame_rate=variable)


def test_film_with_a_variable_rate_is_not_counted_in_frames(tmp_path: Path) -> None:
    sub = _write(tmp_path, "film.pl.sub", "{25}{50}Cześć\n")
    with (
        mock.patch.object(ingest_module, "probe", return_value=_info(Fraction(25), variable=True)),
        pytest.raises(FrameRateRequired, match="variable frame rate"),
    ):
        ingest(sub, film=tmp_path / "vfr.mp4")


def test_film_without_video_rate(tmp_path: Path) -> None:
    sub = _write(tmp_path, "film.pl.sub", "{25}{50}Cześć\n")
    with (
        mock.patch.object(ingest_module, "probe", return_value=_info(None)),
        pytest.raises(FrameRateRequired, match="no video frame rate"),
    ):
        ingest(sub, film=tmp_path / "audio.m4a")


def test_without_film_or_fps_microdvd_is_refused(tmp_path: Path) -> None:
    sub = _write(tmp_path, "film.pl.sub", "{25}{50}Cześć\n")
    with pytest.raises(FrameRateRequired):
        ingest(sub)


def test_ingest_each_keeps_going_after_a_bad_file(tmp_path: Path) -> None:
    good = _write(tmp_path, "a.srt", "1\n00:00:01,000 --> 00:00:02,000\nHi\n")
    results = ingest_each([tmp_path / "missing.srt", good])
    assert isinstance(results[0], InputError) and results[0].path == tmp_path / "missing.srt"
    assert not isinstance(results[1], InputError) and len(results[1].cues) == 1


def test_film_rate_memo(tmp_path: Path) -> None:
    memo = FilmRate(tmp_path / "f.mp4")
    with mock.patch.object(ingest_module, "probe", return_value=_info(NTSC)) as probe:
        assert memo.rate() == NTSC and memo.rate() == NTSC
    assert probe.call_count == 1
