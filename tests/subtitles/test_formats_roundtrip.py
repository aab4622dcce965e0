"""Every format into every format: load A, write B with B's one writer, load B.

Same cues, times at B's resolution, the same words, and the styling B can hold (italics
everywhere, bold but in MPL2, colour in SubRip and SubStation, a top position in SubRip,
WebVTT and SubStation); what B cannot hold is gone without a trace of markup.
"""

from __future__ import annotations

import re
from fractions import Fraction

import pysubs2
import pytest

from subtitles.formats import FORMATS, get_format
from subtitles.formats.markup import cue_ass
from subtitles.load import load_bytes
from subtitles.model import Track
from subtitles.qc.fix import Resolution

RATE = Fraction(25)
#: (start, end, words) of the three cues every sample holds; ends on every format's grid.
CUES = [
    (1000, 3000, "Hello, world"),
    (4000, 6000, "First line\nSecond line"),
    (7000, 9400, "Café – żółć & co"),
]


def _ass(format_id: str) -> str:
    subs = pysubs2.SSAFile()
    subs.events = [
        pysubs2.SSAEvent(start=1000, end=3000, text=r"{\i1}Hello, world{\i0}"),
        pysubs2.SSAEvent(start=4000, end=6000, text=r"{\c&H0000FF&}First{\c} line\NSecond line"),
        pysubs2.SSAEvent(start=7000, end=9400, text=r"{\an8}{\b1}Café – żółć & co{\b0}"),
    ]
    return subs.to_string(format_id)  # as another tool (pysubs2) writes SubStation


SAMPLES = {
    "srt": (
        "1\n00:00:01,000 --> 00:00:03,000\n<i>Hello, world</i>\n\n"
        '2\n00:00:04,000 --> 00:00:06,000\n<font color="#ff0000">First</font> line\nSecond line\n\n'
        "3\n00:00:07,000 --> 00:00:09,400\n{\\an8}<b>Café – żółć & co</b>\n"
    ),
    "vtt": (
        "WEBVTT - sample\n\nSTYLE\n::cue(.red) { color: red }\n\nNOTE made by hand\n\n"
        "one\n00:00:01.000 --> 00:00:03.000\n<i>Hello, world</i>\n\n"
        "00:00:04.000 --> 00:00:06.000\n<c.red>First</c> line\nSecond line\n\n"
        "00:00:07.000 --> 00:00:09.400 line:0\n<b>Café – żółć &amp; co</b>\n"
    ),
    "ass": _ass("ass"),
    "ssa": _ass("ssa"),
    "microdvd": (
        "{1}{1}25\n{25}{75}{y:i}Hello, world\n{100}{150}First line|Second line\n"
        "{175}{235}{y:b}Café – żółć & co\n"
    ),
    "mpl2": "[10][30]/Hello, world\n[40][60]First line|Second line\n[70][94]Café – żółć & co\n",
    "tmp": (
        "00:00:01:<i>Hello, world</i>\n00:00:04:First line|Second line\n00:00:07:<b>Café – żółć & co</b>\n"
    ),
}
BOLD = frozenset(FORMATS) - {"mpl2"}
COLOUR = frozenset({"srt", "ass", "ssa"})
TOP = frozenset({"srt", "vtt", "ass", "ssa"})
_TAGS = re.compile(r"<[^>]*>|\{[^}]*\}")


def _load(text: str, fmt: str) -> Track:
    return load_bytes(text.encode("utf-8"), name=f"sample.en.{fmt}", format_=fmt, fps=RATE)


def test_every_format_has_a_sample_and_a_writer() -> None:
    assert set(SAMPLES) == set(FORMATS)
    for fmt in FORMATS:
        track = _load(SAMPLES[fmt], fmt)
        assert [(c.start, c.plaintext) for c in track.cues] == [(a, t) for a, _b, t in CUES], fmt
        assert get_format(fmt).write(track, rate=RATE)


@pytest.mark.parametrize("target", sorted(FORMATS))
@pytest.mark.parametrize("source", sorted(FORMATS))
def test_round_trip(source: str, target: str) -> None:
    a = _load(SAMPLES[source], source)
    written = get_format(target).write(a, rate=RATE)
    b = _load(written, target)
    assert len(b.cues) == len(a.cues) == 3
    res = Resolution.of(target, RATE)
    assert [c.start for c in b.cues] == [res.stored(c.start) for c in a.cues]
    if target != "tmp":  # TMPlayer stores no ends: its reader estimates them
        assert [c.end for c in b.cues] == [res.stored(c.end) for c in a.cues]
    assert [c.plaintext for c in b.cues] == [c.plaintext for c in a.cues]
    # styling the target can hold survives
    assert r"{\i1}" in b.cues[0].text
    if source in BOLD and target in BOLD:
        assert r"{\b1}" in b.cues[2].text
    if source in COLOUR and target in COLOUR:
        assert "&H0000FF&" in cue_ass(b.cues[1]).upper()
    if source in TOP and target in TOP:
        assert r"\an8" in cue_ass(b.cues[2])
    # and nothing else is left behind as text
    for cue in b.cues:
        assert "<" not in cue.plaintext and "{" not in cue.plaintext and "&amp;" not in cue.plaintext
    if target in ("srt", "vtt"):
        bodies = [ln for ln in written.split("\n") if ln and "-->" not in ln and not ln.isdigit()]
        leftovers = [ln for ln in bodies if re.search(r"</?(?:font|c|v)\b", ln)]
        if target == "vtt":  # WebVTT has no <font>, SubRip no classes or voices
            assert not [ln for ln in leftovers if "<font" in ln], written
        else:
            assert not [ln for ln in leftovers if re.search(r"</?(?:c|v)\b", ln)], written


def test_webvtt_keeps_ids_settings_and_blocks() -> None:
    track = _load(SAMPLES["vtt"], "vtt")
    assert [c.identifier for c in track.cues] == ["one", "", ""]
    assert [c.settings for c in track.cues] == ["", "", "line:0"]
    assert get_format("vtt").write(track) == SAMPLES["vtt"]


def test_a_cue_edited_through_its_text_is_written_from_the_text() -> None:
    """The markup as written is used only while ``Cue.text`` is what it was read as."""
    track = _load(SAMPLES["srt"], "srt")
    track.cues[1].text = r"{\i1}Changed{\i0}"
    out = get_format("srt").write(track)
    assert "<i>Changed</i>" in out and "First" not in out
    assert '<font color="#ff0000">' not in out


def test_srt_markup_into_webvtt_is_escaped_and_clean() -> None:
    track = _load('1\n00:00:01,000 --> 00:00:02,000\n<font color="red">a < b</font> & <i>c</i>\n', "srt")
    out = get_format("vtt").write(track)
    assert out.endswith("00:00:01.000 --> 00:00:02.000\na &lt; b &amp; <i>c</i>\n")
    again = _load(out, "vtt")
    assert again.cues[0].plaintext == "a < b & c"


def test_substation_styles_and_comments_survive_substation() -> None:
    subs = pysubs2.SSAFile()
    subs.styles["Sign"] = pysubs2.SSAStyle(fontname="Arial", fontsize=30, bold=True)
    subs.events = [
        pysubs2.SSAEvent(start=0, end=1000, text=r"{\pos(10,20)\fad(100,100)}Sign", style="Sign"),
        pysubs2.SSAEvent(start=0, end=1000, text="an old line", type="Comment"),
    ]
    track = _load(subs.to_string("ass"), "ass")
    out = get_format("ass").write(track)
    assert r"{\pos(10,20)\fad(100,100)}Sign" in out and "Style: Sign,Arial,30" in out
    assert "Comment: 0,0:00:00.00,0:00:01.00,Default,,0,0,0,,an old line" in out


def test_negative_times_keep_their_sign_where_the_format_can_say_so() -> None:
    track = _load(
        "1\n-00:00:02,000 --> -00:00:01,000\nEarly\n\n2\n00:00:01,000 --> 00:00:02,000\nOn\n", "srt"
    )
    for fmt in ("srt", "ass", "ssa", "mpl2"):
        again = _load(get_format(fmt).write(track, rate=RATE), fmt)
        assert again.cues[0].start == -2000, fmt
    from subtitles.errors import ContentError

    with pytest.raises(ContentError, match="before zero"):
        get_format("vtt").write(track)


def test_substation_comments_and_webvtt_notes_carry_over() -> None:
    subs = pysubs2.SSAFile()
    subs.events = [
        pysubs2.SSAEvent(start=0, end=1000, text="Hello"),
        pysubs2.SSAEvent(start=1000, end=2000, text=r"old --> line\Nsecond", type="Comment"),
        pysubs2.SSAEvent(start=2000, end=3000, text="Bye"),
    ]
    vtt = get_format("vtt").write(_load(subs.to_string("ass"), "ass"))
    assert "00:00:00.000 --> 00:00:01.000\nHello\n\nNOTE old -> line\nsecond\n\n00:00:02.000" in vtt
    back = _load(vtt, "vtt")
    assert [c.plaintext for c in back.cues] == ["Hello", "Bye"]
    ass = get_format("ass").write(back)
    lines = [ln for ln in ass.splitlines() if ln.startswith(("Dialogue:", "Comment:"))]
    assert [ln.split(",", 9)[-1] for ln in lines] == ["Hello", r"old -> line\Nsecond", "Bye"]
    assert lines[1].startswith("Comment:")
