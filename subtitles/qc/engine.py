"""Running the rules: every enabled rule on every track, cross-track rules on the set.

Rules are independent; a rule that raises is a bug in subpipe, and the engine lets it
propagate rather than hide it as a pass.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from subtitles.model import Track
from subtitles.qc.context import Context
from subtitles.qc.finding import Finding, sort_findings
from subtitles.qc.profile import Profile
from subtitles.qc.registry import all_rules
from subtitles.qc.view import CrossEmit, Emit, TrackView


def validate_track(track: Track, profile: Profile, context: Context | None = None) -> list[Finding]:
    """Findings for one track, most severe first."""
    return validate_tracks([track], [profile], context)[0]


def validate_tracks(
    tracks: Sequence[Track], profiles: Sequence[Profile], context: Context | None = None
) -> list[list[Finding]]:
    """Findings per track (parallel to ``tracks``), including cross-track findings when
    more than one track is given."""
    if len(tracks) != len(profiles):
        raise ValueError("one profile per track")
    ctx = dataclasses.replace(context or Context.build(), tracks=len(tracks))
    views = [TrackView(t, p, ctx) for t, p in zip(tracks, profiles, strict=True)]
    results: list[list[Finding]] = [[] for _ in views]
    rules = all_rules()
    for view, out in zip(views, results, strict=True):
        for r in rules.values():
            if r.check is None or not view.profile.is_enabled(r.id):
                continue
            emit = Emit(r, view.profile.severity_for(r.id, r.severity), view)
            r.check(view, emit)
            out.extend(emit.findings)
    if len(views) > 1:
        index = {id(v): k for k, v in enumerate(views)}
        for r in rules.values():
            if r.cross_check is None:
                continue
            active = [v for v in views if v.profile.is_enabled(r.id)]
            if len(active) < 2:
                continue
            cross = CrossEmit(r)
            r.cross_check(active, cross)
            for v, f in cross.findings:
                results[index[id(v)]].append(f)
    for out in results:
        sort_findings(out)
    return results
