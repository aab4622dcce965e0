"""Safe fixes: what changes, what never does, and idempotence."""

from __future__ import annotations

from subtitles.load import load_bytes
from subtitles.model import Track
from subtitles.qc import Context, Finding, build_profile, validate_track
from subtitles.qc.fix import FixResult, fix_track, render_fixed
from tests.subtitles.qc.helpers import MakeTrack

CTX = Context.build(fps="25")


def fix(track: Track) -> tuple[FixResult, Track]:
    result = fix_track(track, build_profile(track.language), CTX)
    text = render_fixed(result)
    name = f"out.{track.language.code if track.language else 'xx'}.{track.source_format}"
    return result, load_bytes(text.encode("utf-8"), name=name)


def remaining(track: Track) -> list[Finding]:
    return validate_track(track, build_profile(track.language), CTX)


def test_text_fixes_in_russian(make_track: MakeTrack) -> None:
    track = make_track(
        [
            (1000, 3500, 'Власти называют это "защитой порядка" ...'),
            (3600, 6000, "-Где он?\n-Его увезли ночью. "),
            (6100, 9000, "Прoверки начались,<i>утром</i>."),
        ],
        "ru",
    )
    result, out = fix(track)
    texts = [c.text for c in out.cues]
    assert texts[0] == "Власти называют это «защитой порядка»…"
    assert texts[1] == "- Где он?\\N- Его увезли ночью."
    assert texts[2] == "Проверки начались, {\\i1}утром{\\i0}."
    rules = {c.rule for c in result.changes}
    assert {
        "typo.quotes",
        "typo.ellipsis",
        "typo.dialogue_dash",
        "text.whitespace",
        "text.mixed_script",
    } <= rules
    assert all(
        c.cue is not None and c.cue >= 1 and c.line is not None and c.before != c.after
        for c in result.changes
    )
    left = {f.rule for f in remaining(out)}
    assert not left & rules


def test_timing_fixes(make_track: MakeTrack) -> None:
    track = make_track(
        [
            (1000, 3400, "We cannot stay silent."),  # overlaps the next by 400 ms
            (3000, 5000, "The raids began on Monday."),
            (5040, 5500, "Why?"),  # 1-frame gap before, too short
            (8000, 10000, "Nobody knows."),
            (10300, 12000, "The trial was short."),  # 300 ms gap before: bridged
        ],
        "en",
    )
    _result, out = fix(track)
    times = [(c.start, c.end) for c in out.cues]
    assert times[0] == (1000, 2920)  # ends 2 frames before the next starts
    assert times[1] == (3000, 4960)  # gap widened to 2 frames
    assert times[2][0] == 5040 and times[2][1] - times[2][0] >= 833  # extended into free time
    assert times[3] == (8000, 10220)  # bridge gap closed to 2 frames
    assert [c.start for c in out.cues] == [c.start for c in track.cues]  # starts never move
    left = {f.rule for f in remaining(out)}
    assert not {"timing.overlap", "timing.gap", "timing.min_duration", "timing.bridge_gap"} & left


def test_fix_never_extends_past_the_next_cue_or_the_film(make_track: MakeTrack) -> None:
    from fractions import Fraction

    ctx = Context.build(film_fps=Fraction(25), film_duration_ms=6000, film_path="film.mp4")
    track = make_track([(1000, 1200, "Tak."), (1300, 1500, "Nie."), (5500, 5700, "Koniec.")], "pl")
    result = fix_track(track, build_profile(track.language), ctx)
    cues = result.track.cues
    assert cues[0].end == 1220 and cues[1].end == 2133 and cues[2].end == 6000


def test_fix_is_idempotent_and_keeps_every_cue(make_track: MakeTrack) -> None:
    track = make_track(
        [
            (1000, 2000, '"Nie możemy milczeć"...'),
            (1900, 4000, " -Gdzie on jest?\n-  Zabrali go."),
            (4000, 4100, "Kontrole zaczęły się w poniedziаłek."),
            (4000, 4100, "Kontrole zaczęły się w poniedziаłek."),
        ],
        "pl",
    )
    first, out = fix(track)
    second, again = fix(out)
    assert first.changes and not second.changes
    assert len(out.cues) == len(again.cues) == len(track.cues)


def test_webvtt_keeps_header_settings_and_tags() -> None:
    text = (
        "WEBVTT\nKind: captions\n\nNOTE made by hand\n\n"
        "intro\n00:00:01.000 --> 00:00:03.000 line:10% align:start\n"
        "<v Anna><i>We cannot stay silent...</i>\n\n"
        "NOTE between cues\nkept as it was\n\n"
        "00:00:03.010 --> 00:00:05.000\n<c.yellow>Nobody knows.</c>\n"
    )
    track = load_bytes(text.encode(), name="film.en.vtt")
    result = fix_track(track, build_profile(track.language), CTX)
    out = render_fixed(result)
    assert out.startswith("WEBVTT\nKind: captions\n\nNOTE made by hand\n\nintro\n")
    assert "line:10% align:start" in out and "<v Anna><i>We cannot stay silent…</i>" in out
    assert "<c.yellow>Nobody knows.</c>" in out
    assert "\n\nNOTE between cues\nkept as it was\n\n00:00:03.010 --> 00:00:05.000" in out
    assert "00:00:01.000 --> 00:00:02.930" in out  # 10 ms gap widened to 2 frames


def test_srt_tags_survive_and_stray_ones_go(make_track: MakeTrack) -> None:
    track = make_track(
        [
            (1000, 3000, '<font color="#ffff00">We</font> cannot</i> <b>stay silent.'),
            (4000, 6000, "<span>Why?</span>"),
        ],
        "en",
    )
    result = fix_track(track, build_profile(track.language), CTX)
    out = render_fixed(result)
    assert '<font color="#ffff00">We</font> cannot <b>stay silent.</b>' in out
    assert "\nWhy?\n" in out
    assert {c.rule for c in result.changes} >= {"text.tags"}


def test_mojibake_is_repaired_only_when_exact(make_track: MakeTrack) -> None:
    good = "Проверки начались утром."
    damaged = good.encode("utf-8").decode("latin-1")
    track = make_track([(1000, 3000, damaged), (4000, 6000, damaged)], "ru")
    result, out = fix(track)
    assert [c.text for c in out.cues] == [good, good]
    assert [c.rule for c in result.changes].count("enc.mojibake") == 2
    macroman = make_track([(1000, 3000, "Sei pi\x9d vicino di quanto immagini.")], "it")
    result, out = fix(macroman)
    assert not [c for c in result.changes if c.rule == "enc.mojibake"]
    assert "\x9d" in out.cues[0].text  # not "repaired" into something else


def test_frame_based_fix_lands_on_frames_and_is_idempotent() -> None:
    from fractions import Fraction

    text = "{0}{21}Nie możemy milczeć.\n{25}{89}Władze nazywają to|ochroną porządku.\n{100}{125}Koniec.\n"
    track = load_bytes(text.encode("utf-8"), name="film.pl.sub", fps=Fraction(25))
    profile = build_profile(track.language)
    first = fix_track(track, profile, CTX)
    assert first.changes
    assert all(c.end % 40 == 0 for c in first.track.cues)  # every end on a 25 fps frame
    out = render_fixed(first)
    again = load_bytes(out.encode("utf-8"), name="out.pl.sub", fps=Fraction(25))
    assert not fix_track(again, profile, CTX).changes


# -- regressions from the acceptance audit (issue 3) -----------------------------------------


def _load(text: str, name: str, **kw: object) -> Track:
    return load_bytes(text.encode("utf-8"), name=name, **kw)  # type: ignore[arg-type]


def test_negative_times_are_reported_never_collapsed() -> None:
    import pytest

    from subtitles.errors import ContentError

    text = (
        "1\n-00:00:04,567 --> -00:00:03,456\nThis is the first subtitle.\n\n"
        "2\n-00:00:02,345 --> 00:00:01,234\nThis is the second subtitle.\n"
    )
    track = _load(text, "film.en.srt")
    result = fix_track(track, build_profile(track.language), CTX)
    out = render_fixed(result)
    assert "-00:00:04,567 --> -00:00:03,456" in out  # wholly before zero: left for alignment
    again = _load(out, "out.en.srt")
    assert (again.cues[0].start, again.cues[0].end) == (-4567, -3456)
    second = again.cues[1]
    assert second.start == 0 and second.end - second.start >= 833  # start clamped, still readable
    assert all(c.end > c.start for c in again.cues)
    rules = [c.rule for c in result.changes]
    assert rules.count("struct.negative_time") == 1
    assert "struct.negative_time" in {f.rule for f in remaining(again)}  # cue 1 still reported
    as_ass = render_fixed(fix_track(track, build_profile(track.language), CTX, target_format="ass"))
    assert "Dialogue: 0,-0:00:04.57,-0:00:03.46," in as_ass  # pysubs2 alone would write 0:00:00.00
    assert len(load_bytes(as_ass.encode(), name="x.en.ass").cues) == 2
    converted = fix_track(track, build_profile(track.language), CTX, target_format="vtt")
    with pytest.raises(ContentError, match="cue 1 lies before zero"):
        render_fixed(converted)  # WebVTT has no negative times: refused, not collapsed


def test_only_small_overlaps_are_trimmed_and_never_into_unreadable(make_track: MakeTrack) -> None:
    track = make_track(
        [
            (1000, 4000, "We cannot stay silent any longer."),  # 3 s, overlapped 2 s: intentional
            (2000, 5000, "Nobody knows where he is."),
            (8000, 10200, "The raids began on Monday."),  # 200 ms overlap: a slip, trimmed
            (10000, 12000, "Why?"),
            (14000, 15400, "They took every single document away."),  # trimming would read too fast
            (15000, 17000, "All of them."),
        ],
        "en",
    )
    result = fix_track(track, build_profile(track.language), CTX)
    ends = [c.end for c in result.track.cues]
    assert ends[0] == 4000 and ends[4] == 15400
    assert ends[2] == 9920
    assert [c.cue for c in result.changes if c.rule == "timing.overlap"] == [3]
    left = {(f.rule, f.cue) for f in remaining(result.track)}
    assert {("timing.overlap", 2), ("timing.overlap", 6)} <= left


MPL2 = "[10][18]Tak, tak.\n[20][45]Policja przyszła w nocy|i zabrała wszystkie dokumenty.\n[60][70]Koniec.\n"


def test_mpl2_fixes_are_stored_exactly_and_spacing_is_kept() -> None:
    track = _load(MPL2, "m.pl.txt")
    first = fix_track(track, build_profile(track.language), CTX)
    out = render_fixed(first)
    assert out.splitlines()[0] == "[10][19]Tak, tak."  # no space added after ']'
    listed = [c.after for c in first.changes if c.cue is not None]
    assert listed == ["00:00:01.000 --> 00:00:01.900", "00:00:02.000 --> 00:00:05.200"]
    again = _load(out, "m1.pl.txt")
    assert [(c.start, c.end) for c in again.cues] == [(c.start, c.end) for c in first.track.cues]
    assert not fix_track(again, build_profile(track.language), CTX).changes


def test_conversion_fixes_at_the_target_resolution() -> None:
    from fractions import Fraction

    track = _load(MPL2, "m.pl.txt")
    profile = build_profile(track.language)
    for fmt, grid, rate in (("ass", 10, None), ("srt", 1, None), ("microdvd", 40, Fraction(25))):
        result = fix_track(track, profile, CTX, target_format=fmt, rate=rate)
        assert result.changes[0].rule == "struct.format"
        out = render_fixed(result)
        back = load_bytes(out.encode(), name=f"x.pl.{fmt}", format_=fmt, fps=rate)
        assert [(c.start, c.end) for c in back.cues] == [(c.start, c.end) for c in result.track.cues]
        assert all(c.end % grid == 0 for c in back.cues)
        assert not fix_track(back, profile, CTX, target_format=fmt, rate=rate).changes


def test_tmplayer_and_microdvd_keep_their_lines() -> None:
    from fractions import Fraction

    tmp = "00:00:01:Tak,  tak.\n00:00:05: Koniec|/nie.\n"
    track = _load(tmp, "t.pl.txt")
    result = fix_track(track, build_profile(track.language), CTX)
    assert {c.rule for c in result.changes} == {"text.whitespace"}  # TMPlayer stores no ends
    assert render_fixed(result) == "00:00:01:Tak, tak.\n00:00:05: Koniec|/nie.\n"
    sub = "{1}{1}25\n{25}{45} {Y:i}Tak...\n{50}{200}Koniec.\n"
    track = _load(sub, "s.pl.sub")
    out = render_fixed(fix_track(track, build_profile(track.language), CTX))
    assert out == "{1}{1}25\n{25}{48} {Y:i}Tak…\n{50}{200}Koniec.\n"
    again = _load(out, "s2.pl.sub", fps=Fraction(25))
    assert not fix_track(again, build_profile(track.language), CTX).changes


def test_changes_cite_the_line_validate_cites() -> None:
    text = "1\n00:00:01,000 --> 00:00:03,000\nFirst line.\nWait...\n"
    track = _load(text, "film.en.srt")
    profile = build_profile(track.language)
    found = [f for f in validate_track(track, profile, CTX) if f.rule == "typo.ellipsis"]
    change = next(c for c in fix_track(track, profile, CTX).changes if c.rule == "typo.ellipsis")
    assert change.line == found[0].line == 4


def test_encoding_and_line_ends_are_listed() -> None:
    data = "1\r\n00:00:01,000 --> 00:00:03,000\r\nZażółć gęślą jaźń, powiedział.\r\n".encode("cp1250")
    track = load_bytes(data, name="film.pl.srt")
    changes = fix_track(track, build_profile(track.language), CTX).changes
    whole = [(c.rule, c.before, c.after) for c in changes if c.cue is None]
    assert whole == [("enc.utf8", "cp1250", "UTF-8"), ("text.line_ends", "CRLF", "LF")]
    assert changes[0].describe() == "re-encoded cp1250 → UTF-8"
    clean = load_bytes(data.decode("cp1250").replace("\r\n", "\n").encode(), name="film.pl.srt")
    assert not [c for c in fix_track(clean, build_profile(clean.language), CTX).changes if c.cue is None]


def test_ellipsis_is_fixed_in_prose_only(make_track: MakeTrack) -> None:
    track = make_track(
        [
            (1000, 4000, "See example.com/a...b and https://x.org/p...q"),
            (5000, 8000, "Well... ja...ja, mail a...b@x.pl"),
        ],
        "en",
    )
    _result, out = fix(track)
    assert out.cues[0].text == "See example.com/a...b and https://x.org/p...q"
    assert out.cues[1].text == "Well… ja…ja, mail a...b@x.pl"
