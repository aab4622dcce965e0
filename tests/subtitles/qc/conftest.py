"""Helpers for the QC tests: tracks built from realistic SubRip text, as the loader reads
them (so cue source lines and the raw-text path are the real ones)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from subtitles.formats.srt import subrip_text
from subtitles.load import load_bytes
from subtitles.model import Track
from subtitles.qc import Context, Finding, Overrides, build_profile, validate_track
from tests.subtitles.qc.helpers import Check, CueSpec, MakeTrack


def srt_text(cues: Sequence[CueSpec]) -> str:
    return subrip_text(cues)  # the SubRip writer, each text exactly as given


def build_track(
    cues: Sequence[CueSpec] = (), lang: str = "en", *, fmt: str = "srt", text: str | None = None
) -> Track:
    body = text if text is not None else srt_text(cues)
    return load_bytes(body.encode("utf-8"), name=f"film.{lang}.{fmt}")


@pytest.fixture
def make_track() -> MakeTrack:
    return build_track


def run_checks(
    track: Track, *, fps: str = "25", context: Context | None = None, **overrides: Any
) -> list[Finding]:
    profile = build_profile(track.language, overrides=Overrides(**overrides) if overrides else None)
    return validate_track(track, profile, context or Context.build(fps=fps))


@pytest.fixture
def check() -> Check:
    return run_checks


def rules(findings: list[Finding]) -> set[str]:
    return {f.rule for f in findings}


@pytest.fixture
def rule_ids() -> Callable[[list[Finding]], set[str]]:
    return rules
