"""ASS/SSA through pysubs2, with event lines and broken events reported, not fatal."""

from __future__ import annotations

from subtitles.formats.ass import AdvancedSubStation, SubStation

ASS = """[Script Info]
ScriptType: v4.00+
PlayResX: 1920

[V4+ Styles]
Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding
Style: Default,Arial,48,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,2,2,2,10,10,10,1

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
Dialogue: 0,0:00:01.00,0:00:02.50,Default,,0,0,0,,Привет, {\\i1}мир{\\i0}
Comment: 0,0:00:02.00,0:00:03.00,Default,,0,0,0,,a note
Dialogue: 0,0:00:0x.00,0:00:04.00,Default,,0,0,0,,broken time
Dialogue: 0,0:00:05.00
Dialogue: 0,0:00:06.00,0:00:07.00,Default,,0,0,0,,Żółw, 1,2,3
"""  # noqa: E501


def test_ass_events_lines_and_problems() -> None:
    out = AdvancedSubStation.parse(ASS)
    assert [(c.start, c.end, c.text, c.source_line, c.is_comment) for c in out.cues] == [
        (1000, 2500, r"Привет, {\i1}мир{\i0}", 11, False),
        (2000, 3000, "a note", 12, True),
        (6000, 7000, "Żółw, 1,2,3", 15, False),
    ]
    assert [(p.line, p.code, p.severity) for p in out.problems] == [
        (13, "ass.bad-timing", "error"),
        (14, "ass.fields", "error"),
    ]
    assert out.header is not None and out.header.info["PlayResX"] == "1920"
    assert out.header.styles["Default"].fontsize == 48


def test_ssa_and_sniffing() -> None:
    ssa = ASS.replace("v4.00+", "v4.00").replace("[V4+ Styles]", "[V4 Styles]")
    assert SubStation.sniff(ssa) == 1.0 and AdvancedSubStation.sniff(ssa) == 0.0
    assert AdvancedSubStation.sniff(ASS) == 1.0 and SubStation.sniff(ASS) == 0.0
    assert AdvancedSubStation.sniff("1\n00:00:01,000 --> 00:00:02,000\nA\n") == 0.0


def test_events_without_header_are_read_and_reported() -> None:
    text = "[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
    text += "Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,Hi\n"
    out = AdvancedSubStation.parse(text)
    assert [(c.text, c.source_line) for c in out.cues] == [("Hi", 3)]
    assert [p.code for p in out.problems] == ["ass.missing-header"]


def test_broken_style_keeps_the_events() -> None:
    broken = ASS.replace("Style: Default,Arial,48,", "Style: Default,Arial,big,")
    out = AdvancedSubStation.parse(broken)
    assert len(out.cues) == 3
    assert (7, "ass.style", "error") in [(p.line, p.code, p.severity) for p in out.problems]
