"""QC profiles: thresholds, typography and rule switches, per language.

Order of precedence, lowest first: ``profiles/default.toml``, the language's own file
(``profiles/ru.toml``), the user's ``--profile my.toml`` (top level, then its
``[languages.<code>]`` table for the track's language), then command-line flags. Every
number in the shipped files names its source (``qc-rules.md``).
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from subtitles.errors import UsageError
from subtitles.language import Language
from subtitles.qc.finding import Severity

_SECTIONS: dict[str, dict[str, type]] = {
    "thresholds": {
        "max_cps": float,
        "max_line_length": int,
        "max_lines": int,
        "min_duration_ms": int,
        "max_duration_ms": int,
        "min_gap_frames": int,
        "bridge_gap_max_ms": int,
        "assumed_fps": str,
        "frame_tolerance": int,
        "language_confidence": float,
    },
    "typography": {"ellipsis": str, "quotes": list, "inner_quotes": list, "dialogue_dash": str},
    "cross": {
        "max_count_ratio": float,
        "max_span_difference_ms": int,
        "offset_threshold_ms": int,
        "offset_tolerance_ms": int,
        "offset_min_support": float,
    },
    "film": {
        "shot_snap_frames": int,
        "shot_away_frames": int,
        "speech_lead_ms": int,
        "speech_tail_ms": int,
        "max_silence_ms": int,
        "min_missing_speech_ms": int,
    },
}


@dataclass(frozen=True)
class Profile:
    """Everything a rule may ask about thresholds and conventions for one track."""

    name: str
    language: str | None
    max_cps: float
    max_line_length: int
    max_lines: int
    min_duration_ms: int
    max_duration_ms: int
    min_gap_frames: int
    bridge_gap_max_ms: int
    assumed_fps: str
    frame_tolerance: int
    language_confidence: float
    ellipsis: str
    quotes: tuple[str, str]
    inner_quotes: tuple[str, str]
    dialogue_dash: str
    max_count_ratio: float
    max_span_difference_ms: int
    offset_threshold_ms: int
    offset_tolerance_ms: int
    offset_min_support: float
    shot_snap_frames: int
    shot_away_frames: int
    speech_lead_ms: int
    speech_tail_ms: int
    max_silence_ms: int
    min_missing_speech_ms: int
    disabled: frozenset[str] = frozenset()
    enabled: frozenset[str] = frozenset()
    severities: dict[str, Severity] = field(default_factory=dict)

    def is_enabled(self, rule_id: str) -> bool:
        """Rules are on unless disabled; ``enable`` wins over ``disable``; ``typo`` and
        ``typo.*`` name a whole family."""
        return not _matches(rule_id, self.disabled) or _matches(rule_id, self.enabled)

    def severity_for(self, rule_id: str, default: Severity) -> Severity:
        return self.severities.get(rule_id, default)


def _matches(rule_id: str, patterns: frozenset[str]) -> bool:
    if rule_id in patterns:
        return True
    family = rule_id.split(".", 1)[0]
    return family in patterns or f"{family}.*" in patterns


@dataclass(frozen=True)
class Overrides:
    """Command-line settings, applied last."""

    max_cps: float | None = None
    max_line_length: int | None = None
    enable: tuple[str, ...] = ()
    disable: tuple[str, ...] = ()
    severity: tuple[tuple[str, Severity], ...] = ()


@dataclass(frozen=True)
class ProfileSource:
    """A user profile file, read once and applied to every track."""

    path: Path | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def read(cls, path: str | Path | None) -> ProfileSource:
        if path is None:
            return cls()
        p = Path(path)
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UsageError("profile file not found", path=p) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read profile: {exc}", path=p) from None
        except tomllib.TOMLDecodeError as exc:
            raise UsageError(f"not a valid TOML profile: {exc}", path=p) from None
        _check_keys(data, p, allow_languages=True)
        for code, table in data.get("languages", {}).items():
            if not isinstance(table, dict):
                raise UsageError(f"[languages.{code}] must be a table", path=p)
            _check_keys(table, p, allow_languages=False)
        return cls(p, data)


def _check_keys(data: dict[str, Any], path: Path | None, *, allow_languages: bool) -> None:
    where = path or Path("<profile>")
    for key, value in data.items():
        if key == "language" or (key == "languages" and allow_languages):
            continue
        if key == "rules":
            if not isinstance(value, dict):
                raise UsageError("[rules] must be a table", path=where)
            for rkey in value:
                if rkey not in ("disable", "enable", "severity"):
                    raise UsageError(f"unknown key rules.{rkey} (use disable, enable, severity)", path=where)
            _check_rule_ids(value, where)
            continue
        if key not in _SECTIONS:
            raise UsageError(
                f"unknown profile section [{key}] (known: {', '.join(_SECTIONS)}, rules)", path=where
            )
        if not isinstance(value, dict):
            raise UsageError(f"[{key}] must be a table", path=where)
        for name, val in value.items():
            kind = _SECTIONS[key].get(name)
            if kind is None:
                raise UsageError(f"unknown profile key {key}.{name}", path=where)
            if kind is float and isinstance(val, int) and not isinstance(val, bool):
                continue
            if not isinstance(val, kind) or isinstance(val, bool):
                raise UsageError(f"{key}.{name} must be a {kind.__name__}, not {val!r}", path=where)
            if isinstance(val, list) and (
                len(val) != 2 or not all(isinstance(q, str) and len(q) == 1 for q in val)
            ):
                raise UsageError(
                    f"{key}.{name} must be two single characters (opening, closing), not {val!r}", path=where
                )


def _check_rule_ids(rules: dict[str, Any], where: Path) -> None:
    """Rule ids in ``[rules]`` must exist: a typo would silently switch nothing off. A
    family (``typo``, ``typo.*``) counts, as on the command line."""
    from subtitles.qc.registry import FAMILIES, all_rules

    known = all_rules()

    def check(key: str, rid: object) -> None:
        if not isinstance(rid, str):
            raise UsageError(f"rules.{key} must list rule ids as strings, not {rid!r}", path=where)
        if rid not in known and rid.removesuffix(".*") not in FAMILIES:
            raise UsageError(
                f"unknown rule {rid!r} in rules.{key} (see subpipe validate --list-rules)", path=where
            )

    for key in ("disable", "enable"):
        ids = rules.get(key, [])
        if not isinstance(ids, list):
            raise UsageError(f"rules.{key} must be a list of rule ids", path=where)
        for rid in ids:
            check(key, rid)
    severity = rules.get("severity", {})
    if not isinstance(severity, dict):
        raise UsageError("[rules.severity] must be a table of rule = level", path=where)
    for rid in severity:
        check("severity", rid)


@functools.cache
def _shipped(name: str) -> dict[str, Any] | None:
    ref = resources.files("subtitles.qc.profiles").joinpath(f"{name}.toml")
    if not ref.is_file():
        return None
    data = tomllib.loads(ref.read_text(encoding="utf-8"))
    _check_keys(data, Path(f"profiles/{name}.toml"), allow_languages=False)
    return data


def build_profile(
    language: Language | None,
    source: ProfileSource | None = None,
    overrides: Overrides | None = None,
) -> Profile:
    """The effective profile for one track of ``language``."""
    layers: list[dict[str, Any]] = []
    base = _shipped("default")
    assert base is not None, "subtitles/qc/profiles/default.toml is missing from the package"
    layers.append(base)
    name = "default"
    if language is not None:
        own = _shipped(language.code)
        if own is not None:
            layers.append(own)
            name = language.code
    if source is not None and source.data:
        layers.append(source.data)
        name = f"{name}+{source.path.name if source.path else 'user'}"
        if language is not None:
            per_language = source.data.get("languages", {}).get(language.code)
            if per_language:
                layers.append(per_language)
    values: dict[str, Any] = {}
    disabled: set[str] = set()
    enabled: set[str] = set()
    severities: dict[str, Severity] = {}
    for layer in layers:
        for section in _SECTIONS:
            values.update(layer.get(section, {}))
        rules = layer.get("rules", {})
        for rid in rules.get("disable", []):
            disabled.add(rid)
            enabled.discard(rid)
        for rid in rules.get("enable", []):
            enabled.add(rid)
            disabled.discard(rid)
        for rid, sev in rules.get("severity", {}).items():
            try:
                severities[rid] = Severity.parse(str(sev))
            except ValueError as exc:
                raise UsageError(str(exc), path=source.path if source else None) from None
    if overrides is not None:
        if overrides.max_cps is not None:
            values["max_cps"] = overrides.max_cps
        if overrides.max_line_length is not None:
            values["max_line_length"] = overrides.max_line_length
        for rid in overrides.disable:
            disabled.add(rid)
            enabled.discard(rid)
        for rid in overrides.enable:
            enabled.add(rid)
            disabled.discard(rid)
        severities.update(dict(overrides.severity))
    values["quotes"] = tuple(values["quotes"])
    values["inner_quotes"] = tuple(values["inner_quotes"])
    values["max_cps"] = float(values["max_cps"])
    values["language_confidence"] = float(values["language_confidence"])
    values["max_count_ratio"] = float(values["max_count_ratio"])
    values["offset_min_support"] = float(values["offset_min_support"])
    return Profile(
        name=name,
        language=language.code if language is not None else None,
        disabled=frozenset(disabled),
        enabled=frozenset(enabled),
        severities=severities,
        **values,
    )
