"""The SubRip reader's fast path (one pattern per canonical block) must read exactly what
the tolerant reader reads, and hand everything else to it.

Compared on texts assembled from well-formed blocks and from every kind of damage the
tolerant reader knows (blank lines inside text, missing blank lines, number-only text
lines, arrows in text, CR line ends, whitespace-only lines, odd indexes, no final line
end), and on the real SubRip files of the shared corpus.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from subtitles.encoding import decode_bytes
from subtitles.formats.base import ParseOutcome
from subtitles.formats.srt import _parse_canonical, _parse_tolerant
from subtitles.qc.text import _LINE_BREAK, _as_written, _raw_by_blocks, _raw_from_source
from subtitles.timing import format_srt_time


def _snapshot(outcome: ParseOutcome) -> tuple[object, ...]:
    cues = [(c.start, c.end, c.text, c.source_line, c.markup, c.identifier, c.settings) for c in outcome.cues]
    problems = sorted((p.line or 0, p.code, p.severity, p.message) for p in outcome.problems)
    return (cues, problems, outcome.frame_rate, outcome.vtt_header, outcome.vtt_blocks)


def _same_as_tolerant(text: str) -> bool:
    """Asserts the fast path agrees whenever it answers (and that each cue's text as
    written, which the checks then take from the cues, is what the source's blocks hold);
    says whether it answered."""
    fast = _parse_canonical(text)
    if fast is None:
        return False
    assert _snapshot(fast) == _snapshot(_parse_tolerant(text))
    from_source = _raw_by_blocks(text, fast.cues)
    if from_source is None:
        from_source = _raw_from_source(_LINE_BREAK.split(text), fast.cues)
    assert [_as_written(c) for c in fast.cues] == from_source
    return True


_CLEAN_LINES = [
    "Привет, мир.",
    "Hello <i>there</i>",
    "Cześć — to ja.",
    "1984",
    "  indented  ",
    "- Ну что?",
    '<font color="#ff0000">красный</font>',
    "{\\an8}наверху",
    "&amp; literal",
]
_ODD_LINES = ["a -> b", "стрелка → там", "\t", " ", "", "00:00:09,000 --> 00:00:10,000"]


@st.composite
def _srt_texts(draw: st.DrawFn) -> str:
    """Half the files clean (the fast path must answer), half with some damage."""
    odd = draw(st.booleans())

    def pick(clean: list[str], damaged: list[str]) -> str:
        return draw(st.sampled_from(clean + damaged if odd else clean))

    parts: list[str] = [pick(["", "\n", "\n\n"], ["junk\n", " \n"])]
    t = 0
    n = draw(st.integers(1, 6))
    for k in range(n):
        index = pick([str(k + 1), "0" + str(k + 1), str(k + 3)], ["x", ""])
        start = t + draw(st.integers(0, 5000))
        end = start + draw(st.integers(-10, 5000))
        t = start
        timing = f"{format_srt_time(start)} --> {format_srt_time(max(end, 0))}"
        timing = pick([timing], [timing.replace(",", "."), timing + " X1:0"])
        lines = draw(st.lists(st.sampled_from(_CLEAN_LINES + (_ODD_LINES if odd else [])), max_size=3))
        lines = lines or ([] if odd else ["text"])
        parts.append("\n".join(([index] if index else []) + [timing, *lines]) + "\n")
        parts.append(pick(["\n", "\n\n"], ["", "\n \n", "\n\t\n"]) if k + 1 < n else pick([""], ["\n\n"]))
    text = "".join(parts)
    if draw(st.booleans()):
        text = text.rstrip("\n")
    if draw(st.integers(0, 5)) == 0:
        text = text.replace("\n", "\r\n")
    return text


@settings(max_examples=300, deadline=None)
@given(_srt_texts())
def test_fast_path_reads_what_the_tolerant_reader_reads(text: str) -> None:
    _same_as_tolerant(text)


def test_fast_path_takes_the_common_file_and_declines_the_odd_one() -> None:
    clean = "1\n00:00:01,000 --> 00:00:02,000\nПривет\n\n2\n00:00:03,000 --> 00:00:04,500\n<i>a</i>\nb\n"
    assert _same_as_tolerant(clean)
    assert _same_as_tolerant(clean.replace("\n", "\r\n"))  # Windows line ends
    assert _same_as_tolerant("\n\n" + clean.rstrip("\n"))  # leading blank lines, no final line end
    assert _same_as_tolerant(clean.replace("2\n00:00:03", "7\n00:00:03"))  # index order: info
    declined = [
        clean.replace("Привет\n\n2", "Привет\n2"),  # no blank line before the next block
        clean.replace("Привет\n", "Привет\n\nпосле\n"),  # blank line inside the text
        clean.replace("Привет", "a -> b"),  # an arrow: could be a timing line
        clean.replace("\n\n2", "\n \n2"),  # a whitespace-only separator line
        clean.replace("00:00:01,000", "00:00:01.000"),  # a timing as careless hands write it
        clean.replace("\n", "\r"),  # old Mac line ends
        "junk\n" + clean,  # text before the first cue
    ]
    for text in declined:
        assert _parse_canonical(text) is None, text


def test_real_subrip_files_read_the_same(corpus: Path) -> None:
    answered = 0
    files = sorted(p for p in corpus.rglob("*") if p.suffix.lower() == ".srt" and p.is_file())
    if not files:
        pytest.skip(f"no SubRip files in {corpus}")
    for path in files:
        try:
            text, _guess = decode_bytes(path.read_bytes(), path=str(path))
        except Exception:  # an undecodable upload is the loader's business, not this test's
            continue
        answered += _same_as_tolerant(text.removeprefix("\ufeff"))
    assert answered > 0, "no corpus file took the fast path: the comparison compared nothing"
