"""Applying a transform to a Track: every cue kept, in order, text untouched, clamps counted."""

from __future__ import annotations

import pytest

from subtitles.align import Segment, TimingTransform, apply_transform
from subtitles.load import load_bytes
from subtitles.model import Track

SRT = """1
00:00:01,000 --> 00:00:02,500
Первая реплика

2
00:00:05,000 --> 00:00:07,000
Druga kwestia: zażółć gęślą jaźń

3
00:00:20,000 --> 00:00:21,000
<i>Third</i> line

4
00:00:58,000 --> 00:00:59,500
Последняя
"""


def _track() -> Track:
    return load_bytes(SRT.encode("utf-8"), name="film.ru.srt")


def test_shift_keeps_every_cue_in_order_with_its_text() -> None:
    track = _track()
    applied = apply_transform(track, TimingTransform.linear(1.0, 1500.0), duration_ms=120_000)
    before, after = track.cues, applied.track.cues
    assert [c.text for c in after] == [c.text for c in before]
    assert [(c.start, c.end) for c in after] == [(c.start + 1500, c.end + 1500) for c in before]
    assert applied.cues == 4 and applied.moved == 4 and applied.clamped == 0
    assert [c.start for c in track.cues] == [1000, 5000, 20000, 58000]  # the input is untouched


def test_cues_pushed_outside_the_film_are_clamped_not_dropped() -> None:
    track = _track()
    applied = apply_transform(track, TimingTransform.linear(1.0, -4000.0), duration_ms=56_000)
    cues = applied.track.cues
    assert len(cues) == 4
    assert (cues[0].start, cues[0].end) == (0, 1500)  # was -3000..-1500: duration kept
    assert (cues[1].start, cues[1].end) == (1000, 3000)
    assert (cues[3].start, cues[3].end) == (54_000, 55_500)  # inside the 56 s film
    assert applied.clamped == 1 and applied.moved == 4
    assert applied.clamped_lines == (track.cues[0].source_line,) == (1,)
    assert [c.text for c in cues] == [c.text for c in track.cues]


def test_clamping_at_the_end_keeps_the_cue_inside() -> None:
    track = _track()
    applied = apply_transform(track, TimingTransform.linear(1.0, 2000.0), duration_ms=60_000)
    last = applied.track.cues[-1]
    assert last.end == 60_000 and last.start == 58_500  # 1.5 s kept, pulled inside
    assert applied.clamped == 1
    assert applied.clamped_lines == (track.cues[-1].source_line,)


def test_piecewise_transform_and_scale() -> None:
    track = _track()
    tr = TimingTransform((Segment(0, 10_000, 1.0, 0.0), Segment(10_000, 70_000, 25 / 24, -1000.0)))
    cues = apply_transform(track, tr).track.cues
    assert (cues[0].start, cues[1].start) == (1000, 5000)
    assert cues[2].start == round(20_000 * 25 / 24 - 1000)
    assert cues[2].end - cues[2].start == round(21_000 * 25 / 24 - 1000) - round(20_000 * 25 / 24 - 1000)


@pytest.mark.parametrize("offset", [0.0, 0.4])
def test_identity_moves_nothing(offset: float) -> None:
    applied = apply_transform(_track(), TimingTransform.linear(1.0, offset))
    assert applied.moved == 0
