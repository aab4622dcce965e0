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
    assert all(c.cue >= 1 and c.line is not None and c.before != c.after for c in result.changes)
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
