"""The shot-change and speech checks and fixes, pure: cuts and speech handed in the context."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from subtitles.qc import Context, Finding, Severity, build_profile, validate_track, validate_tracks
from subtitles.qc.fix import fix_track, render_fixed
from subtitles.qc.shotfix import ShotLimits, crossings, plan_in, plan_out
from tests.subtitles.qc.conftest import build_track

#: 25 fps: a frame is 40 ms; cuts at frames 100 (4 s) and 250 (10 s).
CUTS = (100, 250)


def film(**extra: Any) -> Context:
    return Context.build(film_fps=Fraction(25), film_duration_ms=30_000, film_path="film.mp4", **extra)


def rules(track_cues: list[tuple[int, int, str]], lang: str = "en", **extra: Any) -> dict[str, list[Any]]:
    track = build_track(track_cues, lang)
    found: dict[str, list[Any]] = {}
    for f in validate_track(track, build_profile(track.language), film(**extra)):
        found.setdefault(f.rule, []).append(f)
    return found


@pytest.mark.parametrize(
    ("fps", "snap", "away"),
    [
        (Fraction(24000, 1001), 7, 12),
        (Fraction(24), 7, 12),
        (Fraction(25), 7, 12),  # 12.5 frames: half a second rounds to 12
        (Fraction(30000, 1001), 9, 15),
        (Fraction(50), 15, 25),
    ],
)
def test_limits_scale_with_the_rate(fps: Fraction, snap: int, away: int) -> None:
    lim = ShotLimits.of(build_profile(None), fps)
    assert (lim.snap, lim.away, lim.gap) == (snap, away, 2)


LIM = ShotLimits(snap=7, away=12, gap=2)


@pytest.mark.parametrize(
    ("start", "rule", "target"),
    [
        (100, None, None),  # on the cut
        (93, "shot.snap", 100),  # 7 before
        (107, "shot.snap", 100),  # 7 after
        (108, None, None),  # 8 after: late, but clear of the cut
        (92, "shot.near", 88),  # 8 before: 12 before
        (89, "shot.near", 88),  # 11 before
        (88, None, None),  # 12 before
    ],
)
def test_in_times(start: int, rule: str | None, target: int | None) -> None:
    move = plan_in(start, [100], LIM)
    got = (move.rule, move.target) if move else (None, None)
    assert got == (rule, target)


@pytest.mark.parametrize(
    ("end", "rule", "target"),
    [
        (98, None, None),  # two frames before the cut: where out-times go
        (100, "shot.snap", 98),  # on the cut: the gap is kept
        (99, "shot.snap", 98),
        (107, "shot.snap", 98),  # 7 frames into the next shot
        (93, "shot.snap", 98),  # 7 before: extended to the cut
        (108, None, None),  # 8 into the next shot: a crossing for a person
        (92, "shot.near", 88),
        (88, None, None),
    ],
)
def test_out_times(end: int, rule: str | None, target: int | None) -> None:
    move = plan_out(50, end, [100], LIM)
    got = (move.rule, move.target) if move else (None, None)
    assert got == (rule, target)


def test_crossings_keep_twelve_frames_each_side() -> None:
    assert crossings(50, 110, [100], LIM) == [(100, 50, 10)]
    assert crossings(95, 150, [100], LIM) == [(100, 5, 50)]
    assert crossings(80, 120, [100], LIM) == []  # 20 frames each side: the dialogue crosses the cut
    assert crossings(100, 150, [100], LIM) == []  # starts on it


def test_no_cuts_no_findings_and_a_film_without_cuts_none_either() -> None:
    cues = [(1000, 4120, "We cannot stay silent."), (4120 + 80, 9600, "The raids began.")]
    assert not {r for r in rules(cues) if r.startswith("shot.")}
    assert not {r for r in rules(cues, cut_frames=()) if r.startswith("shot.")}
    assert set(rules(cues, cut_frames=CUTS)) >= {"shot.snap"}


def test_findings_carry_the_cut_for_json() -> None:
    found = rules([(1000, 3800, "We cannot stay silent.")], cut_frames=CUTS)
    (snap,) = found["shot.snap"]
    assert snap.cuts == ((100, 4000),) and "out-time 5 frames before the cut at 00:00:04.000" in snap.message
    assert snap.to_dict()["film"] == {"cuts": [{"frame": 100, "time_ms": 4000}], "speech": []}
    assert "film" not in Finding("timing.gap", Severity.WARNING, "gap").to_dict()


def fixed(cues: list[tuple[int, int, str]], lang: str = "en") -> tuple[list[tuple[int, int]], list[str], Any]:
    track = build_track(cues, lang)
    profile = build_profile(track.language)
    result = fix_track(track, profile, film(cut_frames=CUTS))
    return [(c.start, c.end) for c in result.track.cues], [c.rule for c in result.changes], result


def test_fix_snaps_in_and_out_times() -> None:
    times, changed, _ = fixed(
        [(1000, 3800, "Мы не можем молчать."), (4080, 7000, "Проверки начались утром.")], "ru"
    )
    assert times == [(1000, 3920), (4000, 7000)]  # out 2 frames before the cut, in on it
    assert "shot.snap" in changed


def test_fix_moves_an_in_time_eight_to_eleven_frames_before_a_cut_to_twelve() -> None:
    times, changed, _ = fixed(
        [(1000, 3000, "Nie możemy milczeć."), (9600, 13000, "Kontrole zaczęły się rano.")], "pl"
    )
    assert times[1] == (9520, 13000) and changed == ["shot.near"]  # frame 240 -> 238


def test_a_snap_that_breaks_the_two_frame_gap_is_left_and_reported() -> None:
    # cue 1 ends one frame before the cut and cannot move (2 frames less would read at over
    # 20 cps); cue 2 starts 3 frames after the cut: on the cut it would be 1 frame after cue 1
    first = "The authorities call this protection\nof order, nothing else."
    assert len(first) - 1 == 59  # 2.96 s reads at 19.9 cps, 2.92 s at 20.2
    cues = [(1000, 3960, first), (4120, 7000, "The raids began in the morning.")]
    times, changed, result = fixed(cues)
    assert times == [(1000, 3960), (4120, 7000)] and not [c for c in changed if c.startswith("shot.")]
    remaining = validate_track(result.track, build_profile(result.track.language), film(cut_frames=CUTS))
    snaps = {f.cue: f for f in remaining if f.rule == "shot.snap"}
    assert not snaps[1].fixable and "characters per second" in snaps[1].message
    assert not snaps[2].fixable and "2 frames of the previous cue" in snaps[2].message


def test_a_snap_that_breaks_the_reading_speed_is_left() -> None:
    text = "The authorities call it protection of order."  # 44 characters: 2.2 s at 20 cps
    times, changed, _ = fixed([(1760, 4200, text)])  # 4.2 s: 5 frames past the cut at 4.0 s
    assert times == [(1760, 4200)] and "shot.snap" not in changed


def test_fix_is_idempotent() -> None:
    cues = [
        (1000, 3800, "We cannot stay silent."),
        (4080, 7000, "The raids began in the morning."),
        (9600, 12000, "His lawyer was never let in."),
    ]
    _, _, once = fixed(cues)
    text = render_fixed(once)
    again = build_track([], "en", text=text)
    result = fix_track(again, build_profile(again.language), film(cut_frames=CUTS))
    assert result.changes == [] and render_fixed(result) == text


def test_closing_a_gap_stops_at_a_cut_in_it() -> None:
    # a 10-frame gap holding the cut at 4.0 s: the bridge closes to 2 frames before the cut
    times, _changed, _ = fixed([(1000, 3880, "We cannot stay silent."), (4320, 7000, "The raids began.")])
    assert times == [(1000, 3920), (4320, 7000)]


SPEECH = ((1000, 3000), (5000, 8000), (10_000, 12_000))


def test_a_cue_held_over_silence() -> None:
    found = rules([(1000, 6100, "We cannot stay silent.")], speech_spans=((1000, 3000), (6000, 8000)))
    (silent,) = found["speech.silent_cue"]
    assert silent.speech == ((1000, 3000), (6000, 8000))
    assert "with no speech (00:00:03.500–00:00:05.750" in silent.message  # after the tail, before the lead-in
    # the half second after speech is a timer's to use, and a lead-in before it
    assert "speech.silent_cue" not in rules([(800, 3500, "We cannot stay silent.")], speech_spans=SPEECH)


@pytest.mark.parametrize("text", ["[door slams]", "♪ Over the hills ♪", "{\\an8}EXIT"])
def test_sounds_lyrics_and_signs_need_no_speech(text: str) -> None:
    assert "speech.silent_cue" not in rules([(3000, 5000, text)], speech_spans=SPEECH)


def test_a_missing_line_needs_cues_around_it() -> None:
    cues = [(900, 3400, "We cannot stay silent."), (9900, 12400, "His lawyer was never let in.")]
    (missing,) = rules(cues, speech_spans=SPEECH)["speech.missing_line"]
    assert (missing.start_ms, missing.end_ms) == (5000, 8000) and missing.cue is None
    assert missing.line == 5 and "between cue 1 and cue 2" in missing.message
    # speech before the first cue or after the last: the file covers another part of the film
    assert "speech.missing_line" not in rules(
        [(9900, 12400, "His lawyer was never let in.")], speech_spans=SPEECH
    )
    # under two seconds of speech: not a line
    short = ((1000, 3000), (5000, 6900), (10_000, 12_000))
    assert "speech.missing_line" not in rules(cues, speech_spans=short)


def test_across_languages_one_silent_is_an_error_all_silent_a_note() -> None:
    full = {
        "ru": ["Мы не можем молчать.", "Проверки начались утром.", "Адвоката не пустили."],
        "en": ["We cannot stay silent.", "The raids began.", "His lawyer was never let in."],
        "pl": ["Nie możemy milczeć.", "Kontrole zaczęły się rano.", "Adwokata nie wpuszczono."],
    }
    times = [(900, 3400), (4900, 8400), (9900, 12400)]

    def track(lang: str, skip: bool) -> Any:
        return build_track(
            [
                (a, b, t)
                for k, ((a, b), t) in enumerate(zip(times, full[lang], strict=True))
                if not (skip and k == 1)
            ],
            lang,
        )

    ctx = film(speech_spans=SPEECH)
    tracks = [track("pl", True), track("ru", False), track("en", False)]
    results = validate_tracks(tracks, [build_profile(t.language) for t in tracks], ctx)
    (missing,) = [f for f in results[0] if f.rule == "speech.missing_xlang"]
    assert missing.severity.value == "error" and "ru («Проверки начались утром.»)" in missing.message
    assert not [f for r in results for f in r if f.rule in ("speech.missing_line", "speech.unsubtitled")]
    tracks = [track(lang, True) for lang in ("ru", "en", "pl")]
    results = validate_tracks(tracks, [build_profile(t.language) for t in tracks], ctx)
    for r in results:
        assert [f.rule for f in r if f.rule.startswith("speech.")] == ["speech.unsubtitled"]
