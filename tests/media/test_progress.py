"""ffmpeg -progress parsing: µs despite the name, N/A and negative early blocks, never raising."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from media.progress import ProgressParser, parse_progress

# Shape of a real `ffmpeg -progress pipe:1 -nostats` stream, including an early block.
SAMPLE = """frame=0
fps=0.00
stream_0_0_q=0.0
bitrate=N/A
total_size=N/A
out_time_us=N/A
out_time_ms=N/A
out_time=N/A
dup_frames=0
drop_frames=0
speed=N/A
progress=continue
frame=0
out_time_us=-9223372036854775807
out_time_ms=-9223372036854775807
out_time=-2562047:47:16.854775
speed=N/A
progress=continue
frame=48
total_size=105234
out_time_us=1001000
out_time_ms=1001000
out_time=00:00:01.001000
speed=41.2x
progress=continue
frame=96
total_size=210468
out_time_us=2002000
out_time_ms=2002000
out_time=00:00:02.002000
speed=43.9x
progress=end
"""


def test_blocks_in_order_with_traps() -> None:
    blocks = list(parse_progress(SAMPLE.splitlines()))
    assert len(blocks) == 4
    early, negative, middle, last = blocks
    assert early.out_time_ms is None and early.speed is None and early.total_size is None
    assert negative.out_time_ms is None  # negative times are not progress
    assert middle.out_time_ms == 1001  # out_time_ms is µs despite its name
    assert middle.frame == 48 and middle.speed == 41.2 and middle.total_size == 105234
    assert not middle.done and last.done
    assert last.out_time_ms == 2002
    assert middle.fraction(2002) == 0.5
    assert early.fraction(2002) is None and middle.fraction(None) is None
    assert last.fraction(None) == 1.0


def test_bytes_and_fraction_clamped() -> None:
    parser = ProgressParser()
    assert parser.feed(b"out_time_us=5000000\n") is None
    block = parser.feed(b"progress=continue\n")
    assert block is not None and block.out_time_ms == 5000
    assert block.fraction(2000) == 1.0


@given(st.lists(st.text(max_size=40), max_size=40))
def test_parser_never_raises(lines: list[str]) -> None:
    for block in parse_progress([*lines, "progress=end"]):
        assert block.out_time_ms is None or block.out_time_ms >= 0
