"""Profiles: per-language defaults from qc-rules.md, TOML overrides, flags, switches."""

from __future__ import annotations

from pathlib import Path

import pytest

from subtitles.errors import UsageError
from subtitles.language import Language
from subtitles.qc import Overrides, ProfileSource, Severity, all_rules, build_profile


def test_language_defaults_follow_qc_rules() -> None:
    ru, en, pl = (build_profile(Language.parse(c)) for c in ("ru", "en", "pl"))
    assert (ru.max_line_length, en.max_line_length, pl.max_line_length) == (39, 42, 42)
    assert (ru.max_cps, en.max_cps, pl.max_cps) == (17.0, 20.0, 17.0)
    assert ru.quotes == ("«", "»") and pl.quotes == ("„", "”") and en.quotes == ("“", "”")
    assert ru.dialogue_dash == "- " and pl.dialogue_dash == "- " and en.dialogue_dash == "-"
    assert ru.min_duration_ms == 833 and ru.max_duration_ms == 7000 and ru.min_gap_frames == 2
    other = build_profile(Language.parse("de"))
    assert other.name == "default" and other.max_line_length == 42


def test_user_profile_and_flags(tmp_path: Path) -> None:
    toml = tmp_path / "broadcaster.toml"
    toml.write_text(
        '[thresholds]\nmax_cps = 15\n[rules]\ndisable = ["typo"]\n[rules.severity]\n"read.cps" = "error"\n'
        "[languages.ru.thresholds]\nmax_line_length = 37\n",
        encoding="utf-8",
    )
    source = ProfileSource.read(toml)
    ru = build_profile(Language.parse("ru"), source)
    assert ru.max_cps == 15 and ru.max_line_length == 37 and ru.name == "ru+broadcaster.toml"
    assert not ru.is_enabled("typo.quotes") and ru.is_enabled("read.cps")
    assert ru.severity_for("read.cps", Severity.WARNING) is Severity.ERROR
    pl = build_profile(Language.parse("pl"), source, Overrides(max_cps=12.5, enable=("typo.ellipsis",)))
    assert pl.max_cps == 12.5 and pl.max_line_length == 42
    assert pl.is_enabled("typo.ellipsis") and not pl.is_enabled("typo.quotes")


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("[thresholds]\nmax_cpz = 3\n", "max_cpz"),
        ("[thresholds]\nmax_cps = 'fast'\n", "must be a float"),
        ("[colours]\n", "unknown profile section"),
        ("not toml =", "not a valid TOML"),
    ],
)
def test_bad_profiles_name_key_and_file(tmp_path: Path, text: str, what: str) -> None:
    toml = tmp_path / "bad.toml"
    toml.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError, match=what) as err:
        ProfileSource.read(toml)
    assert err.value.path == toml


def test_every_rule_is_registered_once_with_a_known_family() -> None:
    rules = all_rules()
    assert len(rules) >= 30
    for rule_id in (
        "timing.overlap",
        "read.cps",
        "lang.script",
        "text.mixed_script",
        "typo.quotes",
        "xlang.offset",
    ):
        assert rule_id in rules
    assert all(r.description and (r.check is None) != (r.cross_check is None) for r in rules.values())
