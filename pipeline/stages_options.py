"""The options of every job stage, and the one map that feeds both the CLI and the job spec.

Each stage section (``[validate]``, ``[align]``, ...) is a frozen dataclass whose fields
carry their own help text and CLI flag in ``field(metadata=...)``. ``CONFIG_MAP`` lists the
sections, as PySceneDetect's ``CONFIG_MAP`` lists its config file's keys and defaults;
from it come

* the spec reader (``settings_from_table``): type checks with the key named, unknown keys
  refused with the nearest known one suggested;
* the ``subpipe run``/``batch``/``watch`` flags (``click_options``), whose values override
  the spec's (``apply_cli``).

So a flag and a spec key cannot drift apart: there is one field behind both. The sections
turn into the library's own options objects (``ValidateOptions`` through the same
``build_options`` the ``validate`` and ``fix`` commands use) only when a stage runs.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])
S = TypeVar("S")


def opt(
    help: str, *, flag: str | None = None, path: bool = False, metavar: str | None = None
) -> dict[str, Any]:
    """Field metadata: the help text (shown by ``--help`` and in the spec docs), the CLI flag
    (``None``: spec only), and whether the value is a path inside the job folder."""
    return {"help": help, "flag": flag, "path": path, "metavar": metavar}


@dataclass(frozen=True, slots=True)
class ValidateSettings:
    """``[validate]``: the QC of each language's final file (after fix and align)."""

    profile: str | None = field(
        default=None,
        metadata=opt("A TOML profile overriding the per-language defaults.", flag="--profile", path=True),
    )
    max_cps: float | None = field(
        default=None, metadata=opt("Reading speed limit, characters per second.", flag="--max-cps")
    )
    max_line_length: int | None = field(
        default=None, metadata=opt("Characters per line limit.", flag="--max-line-length")
    )
    enable: tuple[str, ...] = field(
        default=(), metadata=opt("Rules (or families) to turn on.", flag="--enable", metavar="RULE")
    )
    disable: tuple[str, ...] = field(
        default=(), metadata=opt("Rules (or families) to turn off.", flag="--disable", metavar="RULE")
    )
    severity: tuple[str, ...] = field(
        default=(),
        metadata=opt(
            "Rule severities as RULE=LEVEL (error, warning, info).", flag="--severity", metavar="RULE=LEVEL"
        ),
    )
    font: str | None = field(
        default=None, metadata=opt("Font file used for burn-in (glyph coverage).", flag="--font", path=True)
    )
    encoding: str | None = field(
        default=None, metadata=opt("Force the subtitle encoding instead of detecting it.", flag="--encoding")
    )


@dataclass(frozen=True, slots=True)
class FixSettings:
    """``[fix]``: safe, meaning-preserving fixes before alignment."""

    enabled: bool = field(
        default=True, metadata=opt("Apply the safe fixes (off: files go to align as uploaded).", flag="--fix")
    )


@dataclass(frozen=True, slots=True)
class AlignSettings:
    """``[align]``: timing to the film's speech."""

    enabled: bool = field(default=True, metadata=opt("Align to the film's speech.", flag="--align"))
    min_confidence: float = field(
        default=0.5, metadata=opt("Refuse alignment below this confidence (0-1).", flag="--min-confidence")
    )
    max_offset: float = field(
        default=120.0, metadata=opt("Largest offset searched, in seconds.", flag="--max-offset")
    )
    splits: bool = field(default=True, metadata=opt("Look for cuts (splits) in the film.", flag="--splits"))
    force: bool = field(
        default=False, metadata=opt("Keep a refused alignment's output and go on (the job still fails).")
    )
    fps: str | None = field(
        default=None,
        metadata=opt("Frame rate for frame-based uploads (MicroDVD) when the film has none.", flag="--fps"),
    )


@dataclass(frozen=True, slots=True)
class SnapSettings:
    """``[snap]``: after alignment, in- and out-times onto the film's shot changes (the
    ``fix --film`` snapping; the rules' thresholds come from the ``[validate]`` profile)."""

    enabled: bool = field(
        default=True,
        metadata=opt("Move cue times onto the film's shot changes after alignment.", flag="--snap"),
    )


@dataclass(frozen=True, slots=True)
class MuxSettings:
    """``[mux]``: one film with a soft subtitle track per language."""

    enabled: bool = field(default=True, metadata=opt("Make the soft-subtitle film.", flag="--mux"))
    container: str = field(default="mkv", metadata=opt("mkv or mp4.", flag="--container"))
    default: str | None = field(
        default=None,
        metadata=opt("Language of the default track (default: the first).", flag="--default-track"),
    )


#: Section name → options class: the spec's tables and the CLI's flags, in one place.
CONFIG_MAP: dict[str, type[Any]] = {
    "validate": ValidateSettings,
    "fix": FixSettings,
    "align": AlignSettings,
    "snap": SnapSettings,
    "mux": MuxSettings,
}


def register_section(name: str, cls: type[Any]) -> None:
    """Add a stage's options section (render stages register theirs this way)."""
    CONFIG_MAP[name] = cls


def settings_like(
    name: str,
    module: str,
    doc: str,
    source: type[Any],
    fields: Mapping[str, dict[str, Any]],
    *,
    enabled: dict[str, Any] | None = None,
) -> type[Any]:
    """A section whose fields are ``source``'s own: the same names, types and defaults as
    the library's options object (``BurnOptions``, ``HlsOptions``), so the spec key, the
    flag and the command's own option cannot drift apart; ``fields`` maps each field taken
    to its metadata (``opt``). A ``Path`` field becomes a path inside the job folder (a
    string in the spec). ``enabled``: the metadata of an ``enabled = false`` switch first.
    Assign the result to ``module.name`` (workers unpickle the settings by that name)."""
    hints = typing.get_type_hints(source)
    defaults = {f.name: f for f in dataclasses.fields(source)}
    specs: list[tuple[str, Any, Any]] = []
    if enabled is not None:
        specs.append(("enabled", bool, field(default=False, metadata=enabled)))
    for key, meta in fields.items():
        hint = hints[key]
        base, optional = _base_type(hint)
        if base is Path:
            hint = (str | None) if optional else str
            meta = {**meta, "path": True}
        specs.append((key, hint, field(default=defaults[key].default, metadata=meta)))
    cls = dataclasses.make_dataclass(name, specs, frozen=True, slots=True)
    cls.__module__ = module
    cls.__doc__ = doc
    return cls


def options_from(settings: Any, target: type[Any]) -> dict[str, Any]:
    """The values of ``settings`` that ``target`` (the library's options object) takes by
    the same name, for ``target(**options_from(s, target), film=..., ...)``; path fields
    are left to the caller (they resolve inside the job folder)."""
    names = {f.name for f in dataclasses.fields(target)}
    paths = set(path_fields(type(settings)))
    return {
        f.name: getattr(settings, f.name)
        for f in dataclasses.fields(settings)
        if f.name in names and f.name not in paths
    }


# -- types ------------------------------------------------------------------------------------


def _hints(cls: type[Any]) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _base_type(hint: Any) -> tuple[Any, bool]:
    """(the type without ``None``, whether ``None`` is allowed)."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return (args[0] if len(args) == 1 else hint), True
    return hint, False


def _item_type(base: Any) -> Any:
    """The element type of ``tuple[X, ...]``."""
    args = typing.get_args(base)
    return args[0] if args else str


def _type_name(hint: Any) -> str:
    base, _ = _base_type(hint)
    if typing.get_origin(base) is tuple:
        return "a list of whole numbers" if _item_type(base) is int else "a list of strings"
    return {bool: "true or false", int: "a whole number", float: "a number", str: "a string"}.get(
        base, str(base)
    )


class SettingError(ValueError):
    """A bad value for one key: ``key`` names it, the message says what is wanted."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


def coerce(hint: Any, key: str, value: Any) -> Any:
    """``value`` (from TOML or the CLI) as the field's type, or ``SettingError``."""
    base, optional = _base_type(hint)
    if value is None:
        if optional:
            return None
        raise SettingError(key, f"must be {_type_name(hint)}")
    if typing.get_origin(base) is tuple:
        if _item_type(base) is int:
            if isinstance(value, int) and not isinstance(value, bool):
                value = [value]
            if not isinstance(value, list | tuple) or not all(
                isinstance(v, int) and not isinstance(v, bool) for v in value
            ):
                raise SettingError(key, f"must be a list of whole numbers, not {_shown(value)}")
            return tuple(value)
        if isinstance(value, str):
            value = [value]
        if isinstance(value, dict) and key.endswith("severity"):
            value = [f"{k}={v}" for k, v in value.items()]
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise SettingError(key, f"must be a list of strings, not {_shown(value)}")
        return tuple(value)
    if base is bool:
        if not isinstance(value, bool):
            raise SettingError(key, f"must be true or false, not {_shown(value)}")
        return value
    if base is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise SettingError(key, f"must be a whole number, not {_shown(value)}")
        return value
    if base is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SettingError(key, f"must be a number, not {_shown(value)}")
        return float(value)
    if base is str:
        if not isinstance(value, str):
            raise SettingError(key, f"must be a string, not {_shown(value)}")
        return value
    raise SettingError(key, f"unsupported type {hint}")  # pragma: no cover - a programming error


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"{type(value).__name__} {value!r}"


def check(section: str, settings: Any) -> None:
    """Range checks that types cannot express; ``SettingError`` naming the key."""
    if isinstance(settings, ValidateSettings):
        if settings.max_cps is not None and settings.max_cps <= 0:
            raise SettingError("max_cps", "must be positive")
        if settings.max_line_length is not None and settings.max_line_length <= 0:
            raise SettingError("max_line_length", "must be positive")
        for item in settings.severity:
            if "=" not in item:
                raise SettingError("severity", f"wants RULE=LEVEL, not {item!r}")
    elif isinstance(settings, AlignSettings):
        if not 0.0 <= settings.min_confidence <= 1.0:
            raise SettingError("min_confidence", f"must be between 0 and 1, not {settings.min_confidence}")
        if settings.max_offset <= 0:
            raise SettingError("max_offset", "must be positive (seconds)")
    elif isinstance(settings, MuxSettings) and settings.container not in ("mkv", "mp4"):
        raise SettingError("container", f"must be mkv or mp4, not {settings.container!r}")


def settings_from_table(section: str, table: Mapping[str, Any]) -> Any:
    """The section's options object from a spec table; ``SettingError`` names the bad key."""
    cls = CONFIG_MAP[section]
    hints = _hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in names:
            near = difflib.get_close_matches(key, names, n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else f" (known: {', '.join(names)})"
            raise SettingError(key, f"unknown key{hint}")
        values[key] = coerce(hints[key], key, value)
    settings = cls(**values)
    check(section, settings)
    return settings


def path_fields(cls: type[Any]) -> list[str]:
    return [f.name for f in dataclasses.fields(cls) if f.metadata.get("path")]


def spec_keys_doc() -> str:
    """Every spec key with its type, default and help, for ``subpipe run --help`` and the README."""
    lines = []
    for section, cls in CONFIG_MAP.items():
        lines.append(f"[{section}]")
        hints = _hints(cls)
        for f in dataclasses.fields(cls):
            default = f.default if f.default is not dataclasses.MISSING else None
            flag = f.metadata.get("flag")
            lines.append(
                f"  {f.name} ({_type_name(hints[f.name])}, default {default!r})"
                f"{f' = {flag}' if flag else ''}: {f.metadata.get('help', '')}"
            )
    return "\n".join(lines)


# -- CLI --------------------------------------------------------------------------------------


def _param_name(section: str, name: str) -> str:
    return f"opt__{section}__{name}"


def click_options(fn: F) -> F:
    """Decorate a command with one flag per field that has one, across ``CONFIG_MAP``.

    Every flag defaults to ``None`` (not given), so only what the user typed overrides the spec.
    """
    decorators = []
    for section, cls in CONFIG_MAP.items():
        hints = _hints(cls)
        for f in dataclasses.fields(cls):
            flag = f.metadata.get("flag")
            if not flag:
                continue
            base, _ = _base_type(hints[f.name])
            dest = _param_name(section, f.name)
            help_text = f"{f.metadata.get('help', '')} [spec: {section}.{f.name}]"
            if base is bool:
                stem = flag.removeprefix("--")
                decorators.append(click.option(f"{flag}/--no-{stem}", dest, default=None, help=help_text))
            elif typing.get_origin(base) is tuple:
                item: Any = int if _item_type(base) is int else str
                decorators.append(
                    click.option(
                        flag,
                        dest,
                        multiple=True,
                        type=item,
                        metavar=f.metadata.get("metavar"),
                        help=help_text,
                    )
                )
            else:
                kind: Any = {int: int, float: float}.get(base, str)
                decorators.append(click.option(flag, dest, type=kind, default=None, help=help_text))
    for decorator in reversed(decorators):
        fn = decorator(fn)
    return fn


def cli_overrides(params: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The flags the user gave, as ``{section: {key: value}}`` (same shape as spec tables)."""
    out: dict[str, dict[str, Any]] = {}
    for name, value in params.items():
        if not name.startswith("opt__") or value is None or value == ():
            continue
        _, section, key = name.split("__", 2)
        out.setdefault(section, {})[key] = list(value) if isinstance(value, tuple) else value
    return out


def pop_cli_overrides(params: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``cli_overrides`` and remove those parameters from ``params``."""
    found = cli_overrides(params)
    for name in [n for n in params if n.startswith("opt__")]:
        del params[name]
    return found


def merged(section: str, settings: S, override: Mapping[str, Any] | None) -> S:
    """``settings`` with the CLI's values for this section put over it."""
    if not override:
        return settings
    hints = _hints(type(settings))
    values = {k: coerce(hints[k], k, v) for k, v in override.items()}
    result = dataclasses.replace(settings, **values)  # type: ignore[type-var]
    check(section, result)
    return result


def as_dict(settings: Any) -> dict[str, Any]:
    """JSON-ready (for hashing and ``result.json``). Settings are frozen and hashable: the
    same object (every job without a spec has the defaults) is converted once."""
    try:
        return dict(_as_dict_cached(settings))
    except TypeError:  # an unhashable value: convert it every time
        return _as_dict(settings)


def _as_dict(settings: Any) -> dict[str, Any]:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in dataclasses.asdict(settings).items()}


@functools.lru_cache(maxsize=1024)
def _as_dict_cached(settings: Any) -> dict[str, Any]:
    return _as_dict(settings)


__all__ = [
    "CONFIG_MAP",
    "AlignSettings",
    "FixSettings",
    "MuxSettings",
    "SettingError",
    "ValidateSettings",
    "as_dict",
    "click_options",
    "merged",
    "register_section",
    "settings_from_table",
]
