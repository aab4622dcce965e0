"""Quality control of subtitle tracks: a registry of small rules with stable ids, profiles
per language, an engine that runs them, and safe fixes.

Usage from Python::

    from subtitles.qc import Context, build_profile, validate_track
    findings = validate_track(track, build_profile(track.language), Context.build(fps="25"))
"""

from subtitles.qc.context import Context
from subtitles.qc.engine import validate_track, validate_tracks
from subtitles.qc.finding import Finding, Severity
from subtitles.qc.profile import Overrides, Profile, ProfileSource, build_profile
from subtitles.qc.registry import RULES, Rule, all_rules

__all__ = [
    "RULES",
    "Context",
    "Finding",
    "Overrides",
    "Profile",
    "ProfileSource",
    "Rule",
    "Severity",
    "all_rules",
    "build_profile",
    "validate_track",
    "validate_tracks",
]
