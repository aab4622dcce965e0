"""SubRip: tolerant block parsing, source lines, and parse problems with line numbers."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from subtitles.formats.srt import SubRip, parse_timing


def _codes(text: str) -> list[tuple[int | None, str]]:
    return [(p.line, p.code) for p in SubRip.parse(text).problems]


def test_clean_file_has_lines_and_no_problems() -> None:
    text = "1\n00:00:01,000 --> 00:00:02,000\n<i>Hello</i>\nthere\n\n2\n00:00:03,500 --> 00:00:04,000\nBye\n"
    out = SubRip.parse(text)
    assert [(c.start, c.end, c.text, c.source_line) for c in out.cues] == [
        (1000, 2000, r"{\i1}Hello{\i0}\Nthere", 1),
        (3500, 4000, "Bye", 6),
    ]
    assert out.problems == []


def test_crlf_and_bare_cr_count_lines_like_an_editor() -> None:
    body = ["1", "00:00:01,000 --> 00:00:02,000", "A", "", "2", "00:00:03,000 --> 00:00:04,000", "B", ""]
    for sep in ("\r\n", "\r"):
        out = SubRip.parse(sep.join(body))
        assert [(c.text, c.source_line) for c in out.cues] == [("A", 1), ("B", 5)]


def test_missing_index_uses_the_timing_line() -> None:
    out = SubRip.parse("00:00:01,000 --> 00:00:02,000\nA\n\n00:00:03,000 --> 00:00:04,000\nB\n")
    assert [c.source_line for c in out.cues] == [1, 4]
    assert {p.code for p in out.problems} == {"srt.missing-index"}


def test_garbled_index_is_reported_at_its_line() -> None:
    out = SubRip.parse("1\n00:00:01,000 --> 00:00:02,000\nA\n\nx2\n00:00:03,000 --> 00:00:04,000\nB\n")
    assert [c.source_line for c in out.cues] == [1, 5]
    assert (5, "srt.bad-index") in _codes(
        "1\n00:00:01,000 --> 00:00:02,000\nA\n\nx2\n00:00:03,000 --> 00:00:04,000\nB\n"
    )


def test_unreadable_timing_drops_only_that_cue() -> None:
    text = (
        "1\n00:00:01,000 --> 00:00:02,000\nA\n\n2\n00:00:0x,000 --> 00:00:04,000\nB\n\n"
        "3\n00:00:05,000 --> 00:00:06,000\nC\n"
    )
    out = SubRip.parse(text)
    assert [c.text for c in out.cues] == ["A", "C"]
    assert (6, "srt.bad-timing") in _codes(text)
    assert next(p for p in out.problems if p.code == "srt.bad-timing").severity == "error"


def test_block_without_timing_is_not_glued_to_the_previous_cue() -> None:
    text = "1\n00:00:01,000 --> 00:00:02,000\nA\n\n2\nLost text\n\n3\n00:00:05,000 --> 00:00:06,000\nC\n"
    out = SubRip.parse(text)
    assert [c.text for c in out.cues] == ["A", "C"]
    assert (5, "srt.missing-timing") in _codes(text)


def test_cue_without_text_and_truncated_end() -> None:
    text = (
        "1\n00:00:01,000 --> 00:00:02,000\n\n2\n00:00:03,000 --> 00:00:04,000\nB\n\n"
        "3\n00:00:05,000 --> 00:00:06,000"
    )
    codes = _codes(text)
    assert (1, "srt.empty-text") in codes
    assert (9, "srt.truncated") in codes
    assert len(SubRip.parse(text).cues) == 3
    codes2 = _codes("1\n00:00:01,000 --> 00:00:02,000\nA\n\n2\n")
    assert (5, "srt.truncated") in codes2


def test_times_without_hours_or_milliseconds_are_read() -> None:
    out = SubRip.parse(
        "1\n00:01,500 --> 00:02,000\nA\n\n2\n00:00:03 --> 00:00:04\nB\n\n3\n00:00:05,5 --> 00:00:06,25\nC\n"
    )
    assert [(c.start, c.end) for c in out.cues] == [(1500, 2000), (3000, 4000), (5500, 6250)]
    assert {p.code for p in out.problems} == {"srt.timing-format"}


def test_negative_times_are_kept_and_reported() -> None:
    out = SubRip.parse("1\n-00:00:01,000 --> 00:00:02,000\nA\n")
    assert out.cues[0].start == -1000
    assert out.problems[0].message == "negative time"


def test_last_line_that_is_a_number_stays_text() -> None:
    # pysubs2 strips a trailing number line as if it were the next index
    out = SubRip.parse(
        "1\n00:00:01,000 --> 00:00:02,000\nThe year was\n1984\n\n2\n00:00:03,000 --> 00:00:04,000\nB\n"
    )
    assert out.cues[0].text == r"The year was\N1984"


def test_missing_blank_line_between_cues() -> None:
    out = SubRip.parse("1\n00:00:01,000 --> 00:00:02,000\nA\n2\n00:00:03,000 --> 00:00:04,000\nB\n")
    assert [(c.text, c.source_line) for c in out.cues] == [("A", 1), ("B", 4)]


def test_blank_line_inside_text_is_kept_and_reported() -> None:
    text = "1\n00:00:01,000 --> 00:00:02,000\nA\n\nstill A\n\n2\n00:00:03,000 --> 00:00:04,000\nB\n"
    out = SubRip.parse(text)
    assert out.cues[0].text == r"A\Nstill A"
    assert (4, "srt.blank-in-text") in _codes(text)


def test_text_before_first_cue() -> None:
    assert (1, "srt.leading-text") in _codes("Subtitles by X\n\n1\n00:00:01,000 --> 00:00:02,000\nA\n")


def test_sniff() -> None:
    assert SubRip.sniff("1\n00:00:01,000 --> 00:00:02,000\nA\n") >= 0.9
    assert SubRip.sniff("{1}{25}Hello") == 0.0


@given(
    st.integers(0, 99),
    st.integers(0, 59),
    st.integers(0, 59),
    st.integers(0, 999),
    st.integers(0, 10_000_000),
)
def test_timing_round_trip(h: int, m: int, s: int, ms: int, duration: int) -> None:
    start = ((h * 60 + m) * 60 + s) * 1000 + ms
    end = start + duration
    eh, rest = divmod(end, 3_600_000)
    em, rest = divmod(rest, 60_000)
    es, ems = divmod(rest, 1000)
    line = f"{h:02d}:{m:02d}:{s:02d},{ms:03d} --> {eh:02d}:{em:02d}:{es:02d},{ems:03d}"
    timing = parse_timing(line)
    assert timing is not None and (timing.start, timing.end) == (start, end) and timing.notes == ()


@given(st.text(alphabet=st.sampled_from(list("0123456789:,.->\n \r\tabc")), max_size=200))
def test_never_crashes_on_garbage(text: str) -> None:
    out = SubRip.parse(text)
    assert all(c.source_line is not None and c.source_line >= 1 for c in out.cues)
    assert all(p.line is None or p.line >= 1 for p in out.problems)
