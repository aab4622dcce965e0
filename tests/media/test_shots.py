"""Shot-change detection (``media.shots``) on generated films whose cuts are known to the frame."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from media.probe import probe
from media.shots import analysis_size, detect_cuts, film_rate
from subtitles.errors import FrameRateRequired, InputError
from tests.mediagen import make_audio, make_film
from tests.shotgen import CutTruth, Shot, make_cut_film

pytestmark = pytest.mark.media

#: Hard cuts, a two-frame flash, a 12-frame dissolve and a night scene of three shots.
EDIT = [
    Shot(30),
    Shot(25),
    Shot(40, flash_at=12),
    Shot(30, dissolve=12),
    Shot(20, dark=True),
    Shot(26, dark=True),
    Shot(30, dark=True),
    Shot(30),
]


@pytest.fixture(scope="module")
def edited(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, CutTruth]:
    path = tmp_path_factory.mktemp("shots") / "edit.mp4"
    return path, make_cut_film(path, EDIT, fps=25)


def test_every_hard_cut_to_the_frame_and_nothing_else(edited: tuple[Path, CutTruth]) -> None:
    path, truth = edited
    assert truth.hard_cuts == (30, 55, 113, 133, 159, 189) and truth.dark_cuts == (133, 159)
    cuts = detect_cuts(path)
    # the flash (frame 67) and the dissolve (frames 83-94) are not shot changes
    assert cuts.frames == truth.hard_cuts
    assert cuts.frame_count == truth.frames and cuts.fps == 25 and cuts.detector == "content"
    assert cuts.times_ms == tuple(f * 40 for f in truth.hard_cuts)


def test_cuts_count_from_the_first_frame_whatever_the_container_clock(tmp_path: Path) -> None:
    """A film whose timestamps start at 10 s numbers its cuts from its own first frame
    (subtitle time 0), with either detector."""
    path = tmp_path / "late.mp4"
    truth = make_cut_film(
        path, [Shot(30), Shot(30), Shot(30)], fps=25, extra_args=["-output_ts_offset", "10"]
    )
    assert probe(path).start_ms >= 9_900
    assert detect_cuts(path).frames == truth.hard_cuts == (30, 60)
    assert detect_cuts(path, detector="scdet").frames == (30, 60)


def test_ntsc_rate_is_exact(tmp_path: Path) -> None:
    path = tmp_path / "ntsc.mkv"
    truth = make_cut_film(path, [Shot(24), Shot(50), Shot(30)], fps=Fraction(30000, 1001))
    cuts = detect_cuts(path)
    assert cuts.fps == Fraction(30000, 1001) and cuts.frames == truth.hard_cuts == (24, 74)
    assert cuts.times_ms == (801, 2469)  # 24 and 74 frames of 1001/30 ms, to the nearest ms


def test_peer_detectors_run_on_the_same_film(edited: tuple[Path, CutTruth]) -> None:
    """The benchmark's peers: ``scdet`` finds the bright cuts (the dark ones are its known
    weakness); PySceneDetect's adaptive detector finds every hard cut."""
    path, truth = edited
    bright = set(truth.hard_cuts) - set(truth.dark_cuts)
    assert bright <= set(detect_cuts(path, detector="scdet").frames)
    assert set(truth.hard_cuts) <= set(detect_cuts(path, detector="adaptive").frames)


def test_variable_frame_rate_is_refused_with_the_reason(tmp_path: Path) -> None:
    vfr = make_film(
        tmp_path / "vfr.mkv", duration_s=3, fps=25, audio=None,
        extra_args=["-vf", r"setpts=if(lt(N\,25)\,N\,25+(N-25)*2)/25/TB", "-fps_mode", "vfr"],
    )  # fmt: skip
    with pytest.raises(FrameRateRequired, match=r"variable frame rate .*one frame grid"):
        detect_cuts(vfr)


def test_audio_only_file_has_no_picture(tmp_path: Path) -> None:
    audio = make_audio(tmp_path / "sound.m4a", duration_s=1)
    with pytest.raises(InputError, match="no video stream"):
        film_rate(probe(audio))


def test_analysis_size_keeps_the_aspect_and_never_upscales() -> None:
    assert analysis_size(1920, 1080) == (256, 144)
    assert analysis_size(1920, 800) == (256, 106)
    assert analysis_size(160, 90) == (160, 90)
    assert analysis_size(None, None) == (256, 144)
