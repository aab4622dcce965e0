"""Options shared by ``validate`` and ``fix``: profile, thresholds, rule switches, film."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from pipeline.validate import ValidateOptions
from subtitles.errors import UsageError
from subtitles.language import Language
from subtitles.qc import Overrides, Severity, all_rules
from subtitles.qc.registry import FAMILIES
from subtitles.timing import parse_fps

F = TypeVar("F", bound=Callable[..., Any])


def qc_options(fn: F) -> F:
    """Decorate a command with the QC options (applied bottom-up, shown top-down)."""
    options = [
        click.option(
            "--film",
            type=click.Path(dir_okay=False, path_type=Path),
            help="The film: frame rate and length for timing checks, its shot changes and speech "
            "(decoded once, then cached by content).",
        ),
        click.option(
            "--no-film-checks",
            is_flag=True,
            help="With --film: take only its frame rate and length (no decode for shot changes and speech).",
        ),
        click.option("--fps", help="Frame rate when there is no film (25, 23.976, 24000/1001)."),
        click.option(
            "--lang", "lang", help="Language of the subtitle files (default: from names like film.ru.srt)."
        ),
        click.option(
            "--profile",
            type=click.Path(dir_okay=False, path_type=Path),
            help="A TOML profile overriding the per-language defaults.",
        ),
        click.option(
            "--font",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Font file used for burn-in (default: DejaVu Sans).",
        ),
        click.option("--max-cps", type=float, help="Reading speed limit, characters per second."),
        click.option("--max-line-length", type=int, help="Characters per line limit."),
        click.option(
            "--enable",
            multiple=True,
            metavar="RULE",
            help="Turn a rule (or family, e.g. typo) on. Repeatable.",
        ),
        click.option(
            "--disable", multiple=True, metavar="RULE", help="Turn a rule (or family) off. Repeatable."
        ),
        click.option(
            "--severity",
            "severity",
            multiple=True,
            metavar="RULE=LEVEL",
            help="Change a rule's severity (error, warning, info).",
        ),
        click.option("--encoding", help="Force the input encoding instead of detecting it."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _check_rule(rule_id: str) -> str:
    rules = all_rules()
    family = rule_id.removesuffix(".*")
    if rule_id in rules or family in FAMILIES:
        return rule_id
    raise UsageError(f"unknown rule {rule_id!r} (see subpipe validate --list-rules)")


def build_options(
    *,
    film: Path | None,
    fps: str | None,
    lang: str | None,
    profile: Path | None,
    font: Path | None,
    max_cps: float | None,
    max_line_length: int | None,
    enable: tuple[str, ...],
    disable: tuple[str, ...],
    severity: tuple[str, ...],
    encoding: str | None,
    cross: bool = True,
    no_film_checks: bool = False,
) -> ValidateOptions:
    levels: list[tuple[str, Severity]] = []
    for item in severity:
        rid, sep, level = item.partition("=")
        if not sep:
            raise UsageError(f"--severity wants RULE=LEVEL, not {item!r}")
        if rid.strip() not in all_rules():
            raise UsageError(f"unknown rule {rid.strip()!r} (see subpipe validate --list-rules)")
        try:
            levels.append((rid.strip(), Severity.parse(level)))
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    if film is not None:
        from media.probe import check_input_file

        check_input_file(film, "film")
    if max_cps is not None and max_cps <= 0:
        raise UsageError("--max-cps must be positive")
    if max_line_length is not None and max_line_length <= 0:
        raise UsageError("--max-line-length must be positive")
    return ValidateOptions(
        language=Language.parse(lang) if lang else None,
        fps=parse_fps(fps) if fps else None,
        film=film,
        profile=profile,
        font=font,
        overrides=Overrides(
            max_cps=max_cps,
            max_line_length=max_line_length,
            enable=tuple(_check_rule(r) for r in enable),
            disable=tuple(_check_rule(r) for r in disable),
            severity=tuple(levels),
        ),
        encoding=encoding,
        cross=cross,
        film_checks=not no_film_checks,
    )
