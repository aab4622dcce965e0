"""Subtitle time 0 is the film's first video frame, in burned-in and HLS renditions too.

Two films where that frame is not at the container's time 0: one whose audio starts 0.5 s
before its picture (the video input delayed with ``-itsoffset``; Matroska keeps the delay,
while an MP4 written by ffmpeg is read back by ffmpeg with both streams at 0, so it would
not test anything), and one whose container starts at 10 s (a trimmed export). A cue from
2.000 s to 2.600 s must appear on the frame shown 2.000 s after the first one, not a frame
earlier, and be gone one frame after 2.600 s. ``mux`` is pinned the same way in
``test_mux.py``. The pictures are read here independently of the stages' own checks.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from media.burn import plan_geometry
from media.frames import FilterStep, grab_frames
from media.hls import TS_HZ, probe_segment_start
from media.probe import probe
from media.runner import ffmpeg
from pipeline.burn import BurnOptions, burn
from pipeline.hls import HlsOptions, hls
from pipeline.mux import SubtitleSpec
from subtitles.qc.glyphs import find_font
from tests.mediagen import make_film, write_srt

pytestmark = pytest.mark.media

SIZE = (320, 180)
FRAME_MS = 40
CUE = (2000, 2600, "Hello there")
LEAD_S = 0.5


def _audio_first(path: Path) -> Path:
    """3 s of picture starting 0.5 s after the sound (Matroska keeps the delay)."""
    ffmpeg(
        ["-itsoffset", f"{LEAD_S}",
         "-f", "lavfi", "-i", f"testsrc2=size={SIZE[0]}x{SIZE[1]}:rate=25:duration=3",
         "-f", "lavfi", "-i", "sine=frequency=440:duration=3.5", "-map", "0:v", "-map", "1:a",
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-y", str(path)],
        timeout=120, what="making a test film",
    )  # fmt: skip
    return path


@pytest.fixture(scope="module", params=["audio-first.mkv", "late-start.mp4"])
def film(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("origin")
    name: str = request.param
    if name.startswith("audio-first"):
        path = _audio_first(folder / name)
        info = probe(path)
        assert info.video_start_ms is not None and info.video_start_ms - info.start_ms >= 450
    else:
        path = make_film(folder / name, duration_s=3, size=SIZE, fps=25, start_time_s=10)
        assert probe(path).start_ms >= 9900
    return path


@pytest.fixture(scope="module")
def sub(film: Path) -> Path:
    return write_srt(film.with_name(f"{film.stem}.en.srt"), [CUE])


def _frames(path: Path, times: list[int], steps: list[FilterStep]) -> npt.NDArray[np.int16]:
    """Grey frames at ``times`` counted from the file's own first video frame."""
    origin = probe(path).video_start_ms
    return grab_frames(path, times, SIZE, steps=steps, origin_ms=origin)[:, 0].astype(np.int16)


def test_burned_cue_starts_and_ends_on_its_frames(film: Path, sub: Path, tmp_path: Path) -> None:
    if find_font() is None:
        pytest.skip("DejaVu Sans is not installed (Debian: fonts-dejavu-core; `make` installs it)")
    result = burn(
        BurnOptions(
            film=film, subtitles=(SubtitleSpec(sub),), out_dir=tmp_path, preset="ultrafast", proof=False
        )
    )
    out = result.outputs[0].path
    start, end, _ = CUE
    # one frame before the cue, one after its start, one before its end, one after it
    times = [start - FRAME_MS, start + FRAME_MS, end - FRAME_MS, end + FRAME_MS]
    geometry = plan_geometry(SIZE, SIZE[1], None)
    ref = _frames(film, times, geometry.steps())
    got = _frames(out, times, [FilterStep("setsar", (("r", 1),))])
    changed = [int((np.abs(got[k] - ref[k])[SIZE[1] // 2 :] > 40).sum()) for k in range(len(times))]
    shown = [c > 30 for c in changed]
    assert shown == [False, True, True, False], dict(zip(times, changed, strict=True))
    assert all(c <= 3 for c, s in zip(changed, shown, strict=True) if not s), changed


def _hls_frame_at(folder: Path, playlist: str, pts: int) -> npt.NDArray[np.int16]:
    """The decoded grey frame whose PTS is nearest ``pts`` (90 kHz) in a rung's segments."""
    import av
    import m3u8

    best: tuple[int, npt.NDArray[np.int16]] | None = None
    for segment in m3u8.load(str(folder / playlist)).segments:
        with av.open(str(folder / segment.uri)) as container:
            for frame in container.decode(container.streams.video[0]):
                if frame.pts is None:
                    continue
                distance = abs(int(frame.pts) - pts)
                if best is None or distance < best[0]:
                    best = (distance, frame.to_ndarray(format="gray").astype(np.int16))
    assert best is not None and best[0] <= TS_HZ * FRAME_MS // 2000, "no frame at that time"
    return best[1]


def test_hls_timestamp_map_puts_the_cue_on_its_frame(film: Path, sub: Path, tmp_path: Path) -> None:
    out = tmp_path / "web"
    report = hls(
        HlsOptions(
            film=film, subtitles=(SubtitleSpec(sub),), out_dir=out, heights=(SIZE[1],), segment_s=1,
            preset="ultrafast",
        )
    )  # fmt: skip
    assert report.mpegts is not None
    rung = report.renditions[0]
    first = probe_segment_start(out / f"{rung.name}_00000.ts")
    # X-TIMESTAMP-MAP: cue time 0 is the PTS of the film's first frame in the segments ...
    assert report.mpegts == first.start_pts
    vtt = (out / "subs_en_00000.vtt").read_text(encoding="utf-8").splitlines()
    assert vtt[1] == f"X-TIMESTAMP-MAP=MPEGTS:{report.mpegts},LOCAL:00:00:00.000"
    # ... so the cue at 2.000 s is shown at MPEGTS + 2.000 s: that frame must be the film's
    # frame 2.000 s after its first one (within one frame), whatever the container start.
    shown_at = _hls_frame_at(out, rung.playlist, report.mpegts + CUE[0] * TS_HZ // 1000)
    times = list(range(CUE[0] - 13 * FRAME_MS, CUE[0] + 13 * FRAME_MS + 1, FRAME_MS))
    film_frames = _frames(film, times, [])
    errors = [float(np.abs(shown_at - f).mean()) for f in film_frames]
    matched = times[int(np.argmin(errors))]
    assert abs(matched - CUE[0]) <= FRAME_MS, (matched, sorted(zip(errors, times, strict=True))[:3])
