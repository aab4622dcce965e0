"""The one registry of rules. A rule is a small function with a stable id, a default
severity and a description; ``@rule`` registers it. Modules in ``subtitles.qc.rules``
hold the rules by family; nothing else needs to know them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from subtitles.qc.finding import Severity

if TYPE_CHECKING:
    from subtitles.qc.view import CrossEmit, Emit, TrackView

TrackCheck = Callable[["TrackView", "Emit"], None]
CrossCheck = Callable[[list["TrackView"], "CrossEmit"], None]

FAMILIES = {
    "struct": "structure",
    "timing": "timing",
    "read": "readability",
    "text": "text",
    "typo": "typography",
    "lang": "language",
    "enc": "encoding",
    "glyph": "glyph coverage",
    "xlang": "across languages",
    "shot": "shot changes (with --film)",
    "speech": "the film's speech (with --film)",
}


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    description: str
    fixable: bool
    check: TrackCheck | None = None
    cross_check: CrossCheck | None = None

    @property
    def family(self) -> str:
        return self.id.split(".", 1)[0]


RULES: dict[str, Rule] = {}


def _register(rule: Rule) -> None:
    if rule.id in RULES:
        raise RuntimeError(f"rule {rule.id} registered twice")
    if rule.family not in FAMILIES:
        raise RuntimeError(f"rule {rule.id}: unknown family {rule.family!r}")
    RULES[rule.id] = rule


def rule(
    rule_id: str, severity: Severity, description: str, *, fixable: bool = False
) -> Callable[[TrackCheck], TrackCheck]:
    """Register a per-track check ``check(view, emit)``."""

    def deco(fn: TrackCheck) -> TrackCheck:
        _register(Rule(rule_id, severity, description, fixable, check=fn))
        return fn

    return deco


def cross_rule(rule_id: str, severity: Severity, description: str) -> Callable[[CrossCheck], CrossCheck]:
    """Register a check over all tracks of one film ``check(views, emit)``."""

    def deco(fn: CrossCheck) -> CrossCheck:
        _register(Rule(rule_id, severity, description, False, cross_check=fn))
        return fn

    return deco


def all_rules() -> dict[str, Rule]:
    import subtitles.qc.rules  # noqa: F401  (registers every rule)

    return RULES
