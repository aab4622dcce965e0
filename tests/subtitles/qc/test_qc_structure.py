"""Structure rules: parse problems, empty and duplicate cues, impossible times, order."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from subtitles.qc import Finding, Severity
from tests.subtitles.qc.helpers import Check, MakeTrack

Ids = Callable[[list[Finding]], set[str]]


def test_every_parse_problem_is_reported_with_its_line(make_track: MakeTrack, check: Check) -> None:
    text = (
        "1\n00:00:01,000 --> 00:00:03,000\nМы не можем молчать.\n\n"
        "2\n00:00:04,000 --> 00:00:0X,000\nЭта строка потеряна.\n\n"
        "3\n00:00:07,000 --> 00:00:09,000\nСуд длился двадцать минут.\n\n"
        "x\n00:00:10,000 --> 00:00:12,000\nАдвоката не пустили.\n"
    )
    track = make_track([], "ru", text=text)
    found = [f for f in check(track) if f.rule == "struct.parse"]
    lines = {f.line for f in found}
    assert 6 in lines  # the unreadable timing line
    assert 13 in lines  # the index that is not a number
    assert any(f.severity is Severity.ERROR for f in found)


def test_clean_file_has_no_parse_findings(make_track: MakeTrack, check: Check, rule_ids: Ids) -> None:
    track = make_track(
        [(1000, 3000, "Nie możemy milczeć."), (3500, 6000, "Proces trwał dwadzieścia minut.")], "pl"
    )
    assert "struct.parse" not in rule_ids(check(track))


@pytest.mark.parametrize(
    ("lang", "text"),
    [("en", "We cannot stay silent."), ("ru", "Мы не можем молчать."), ("pl", "Nie możemy milczeć.")],
)
def test_empty_cue(make_track: MakeTrack, check: Check, lang: str, text: str) -> None:
    track = make_track([(1000, 3000, text), (4000, 6000, "<i></i>")], lang)
    found = [f for f in check(track) if f.rule == "struct.empty"]
    assert [f.cue for f in found] == [2]
    clean = make_track([(1000, 3000, text), (4000, 6000, f"<i>{text}</i>")], lang)
    assert not [f for f in check(clean) if f.rule == "struct.empty"]


def test_duplicate_cue(make_track: MakeTrack, check: Check) -> None:
    cue = (1000, 3000, "Проверки начались утром.")
    found = [f for f in check(make_track([cue, cue], "ru")) if f.rule == "struct.duplicate"]
    assert [(f.cue, f.line) for f in found] == [(2, 5)]
    other = (1000, 3000, "Проверки закончились вечером.")
    assert not [f for f in check(make_track([cue, other], "ru")) if f.rule == "struct.duplicate"]


def test_end_before_start_is_an_error(make_track: MakeTrack, check: Check) -> None:
    track = make_track([(1000, 3000, "Kontrole trwały."), (5000, 4999, "Nikt nie wie.")], "pl")
    found = [f for f in check(track) if f.rule == "struct.end_before_start"]
    assert [(f.cue, f.line, f.severity) for f in found] == [(2, 5, Severity.ERROR)]
    track = make_track([(1000, 3000, "Kontrole trwały."), (5000, 5001, "Nikt nie wie.")], "pl")
    assert not [f for f in check(track) if f.rule == "struct.end_before_start"]


def test_negative_time(make_track: MakeTrack, check: Check) -> None:
    track = make_track([(-500, 1500, "Where is he?"), (2000, 4000, "They took him.")], "en")
    found = [f for f in check(track) if f.rule == "struct.negative_time"]
    assert [f.cue for f in found] == [1]
    track = make_track([(0, 1500, "Where is he?"), (2000, 4000, "They took him.")], "en")
    assert not [f for f in check(track) if f.rule == "struct.negative_time"]


def test_out_of_order(make_track: MakeTrack, check: Check) -> None:
    track = make_track([(5000, 7000, "Суд длился недолго."), (1000, 3000, "Адвоката не пустили.")], "ru")
    found = [f for f in check(track) if f.rule == "struct.order"]
    assert [(f.cue, f.line) for f in found] == [(2, 5)]
    track = make_track([(1000, 3000, "Адвоката не пустили."), (5000, 7000, "Суд длился недолго.")], "ru")
    assert not [f for f in check(track) if f.rule == "struct.order"]
