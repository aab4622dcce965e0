"""Job specs: a TOML file per film, or a folder that needs none.

A job is a folder holding one film and its subtitle uploads. ``job.toml`` in it (or any
``*.toml`` given to ``subpipe run``) may name them and set stage options; without one the
folder is read as uploads arrive: the one video file is the film, and every subtitle file
named ``<film stem>.<lang>[.<qualifier>].<ext>`` is a track (``film.ru.srt``,
``film.en.forced.srt``). Example::

    # job.toml
    name = "crackdown"                 # default: the folder's name
    film = "crackdown.mp4"             # default: the only video file in the folder
    stages = ["inspect", "fix", "align", "validate", "mux"]   # default: all

    [subtitles]                        # default: <film stem>.<lang>.<ext> files
    ru = "crackdown.ru.srt"
    en = "translations/crackdown.en.srt"

    [validate]
    max_cps = 15
    disable = ["typo"]
    severity = { "read.cps" = "error" }

    [align]
    min_confidence = 0.6

    [mux]
    container = "mkv"
    default = "ru"

Every path resolves inside the job's folder: absolute paths, ``..`` and symlinks that lead
outside are refused (a spec is an upload too, and must not read other films' files). Every
error names the spec's line and key: ``job.toml:9: [align] min_confidence: must be a number``.
``tomllib`` reports no positions, so the line is found by scanning the text for the key in
its table (``key_line``).
"""

from __future__ import annotations

import functools
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.stages_options import CONFIG_MAP, SettingError, path_fields, settings_from_table
from subtitles.errors import InputError, LanguageError
from subtitles.formats import FORMATS
from subtitles.language import Language, language_from_filename

SPEC_NAME = "job.toml"
#: What a film may be called (by suffix); the containers ffmpeg and the mux stage take.
VIDEO_SUFFIXES = frozenset({".mp4", ".mkv", ".mov", ".m4v", ".webm", ".ts", ".mts", ".avi", ".mxf"})
#: Subtitle files by suffix: every format plug-in's own extensions.
SUBTITLE_SUFFIXES = frozenset(ext for fmt in FORMATS.values() for ext in fmt.extensions) | {".txt"}
#: Names a job folder may hold that are not uploads (markers, outputs, our own state).
IGNORED_NAMES = frozenset({".ready", "subpipe-out", ".subpipe"})
TOP_KEYS = ("name", "film", "subtitles", "stages")


class JobSpecError(InputError):
    """A job spec or job folder that cannot be run (exit code 2), naming file and line."""


@dataclass(frozen=True, slots=True)
class SubtitleInput:
    """One upload: ``tag`` is its id in the job (``ru``, ``en.forced``)."""

    tag: str
    language: Language
    path: Path


@dataclass(frozen=True)
class JobSpec:
    """A job as read: resolved paths (all inside ``folder``) and one options object per section."""

    name: str
    folder: Path
    film: Path
    subtitles: tuple[SubtitleInput, ...]
    spec_path: Path | None = None
    stages: tuple[str, ...] | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)
    ignored: tuple[str, ...] = ()

    @property
    def ident(self) -> str:
        """The job's identity in the ledger: its spec file, else its folder."""
        return str(self.spec_path or self.folder)

    def setting(self, section: str) -> Any:
        return self.settings.get(section) or CONFIG_MAP[section]()


# -- locating keys in the text ----------------------------------------------------------------

_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_.-]+)\s*=""")


def _norm_key(raw: str) -> str:
    return raw.strip().strip("\"'")


def key_line(text: str, table: str, key: str | None) -> int | None:
    """1-based line of ``key`` in ``[table]`` (``table=""`` for top level); of the table's
    header when ``key`` is ``None``. Also finds ``table.key = ...`` dotted at top level and
    keys inside an inline table ``table = { key = ... }``."""
    current = ""
    header_line: int | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.split("#", 1)[0] if '"' not in line and "'" not in line else line
        m = _HEADER.match(stripped)
        if m and "=" not in stripped.split("]")[0]:
            current = ".".join(_norm_key(p) for p in m.group(1).split("."))
            if current == table:
                header_line = number
                if key is None:
                    return number
            continue
        k = _KEY.match(stripped)
        if not k:
            continue
        name = _norm_key(k.group(1))
        full = f"{current}.{name}" if current else name
        if key is None:
            if full == table or full.startswith(table + "."):
                return number
            continue
        wanted = f"{table}.{key}" if table else key
        if full == wanted:
            return number
        if full == table and re.search(rf"""(^|[{{,\s])["']?{re.escape(key)}["']?\s*=""", line[k.end() :]):
            return number
    return header_line


# -- paths ------------------------------------------------------------------------------------


def resolve_inside(
    folder: Path, value: str, *, what: str, spec: Path | None = None, line: int | None = None
) -> Path:
    """``folder/value`` resolved (symlinks followed), or ``JobSpecError`` when it is
    absolute or leads outside ``folder``."""
    root = folder.resolve()
    where = spec or folder
    raw = Path(value)
    if raw.is_absolute() or value.startswith("~"):
        raise JobSpecError(
            f"{what}: {value!r} is an absolute path; paths are relative to the job folder",
            path=where,
            line=line,
        )
    target = (root / raw).resolve()
    if not target.is_relative_to(root):
        how = "through a symlink" if ".." not in raw.parts else "with '..'"
        raise JobSpecError(f"{what}: {value!r} leads outside the job folder ({how})", path=where, line=line)
    return target


# -- reading ----------------------------------------------------------------------------------


def load_job(path: Path) -> JobSpec:
    """A job from a spec file, or from a folder (its ``job.toml`` if it has one)."""
    path = Path(path)
    if path.is_dir():
        spec = path / SPEC_NAME
        return _from_spec(spec) if spec.is_file() else _from_folder(path)
    if path.is_file() and path.suffix.lower() == ".toml":
        return _from_spec(path)
    if not path.exists():
        raise JobSpecError("no such job folder or spec", path=path)
    raise JobSpecError("a job is a folder (film and subtitles) or a .toml spec", path=path)


def is_job_folder(folder: Path) -> bool:
    """A folder with a spec or a video file in it (cheap: names only)."""
    try:
        names = [p.name for p in folder.iterdir()]
    except OSError:
        return False
    return SPEC_NAME in names or any(Path(n).suffix.lower() in VIDEO_SUFFIXES for n in names)


def _entries(folder: Path) -> list[os.DirEntry[str]]:
    """The folder's entries by name, hidden ones left out (one ``scandir``: planning ten
    thousand jobs reads each folder once)."""
    with os.scandir(folder) as it:
        return sorted((e for e in it if not e.name.startswith(".")), key=lambda e: e.name)


def _inside(folder: Path, entry: os.DirEntry[str], *, what: str, spec: Path | None) -> Path:
    """A listed file: resolved only when it is a symlink (``folder`` is already resolved)."""
    if entry.is_symlink():
        return resolve_inside(folder, entry.name, what=what, spec=spec)
    return folder / entry.name


def _find_film(folder: Path, spec: Path | None, entries: list[os.DirEntry[str]] | None = None) -> Path:
    entries = _entries(folder) if entries is None else entries
    videos = [e for e in entries if Path(e.name).suffix.lower() in VIDEO_SUFFIXES]
    if not videos:
        raise JobSpecError(
            "no film in the job folder (a video file: .mp4, .mkv, .mov, ...)", path=spec or folder
        )
    if len(videos) > 1:
        names = ", ".join(v.name for v in videos)
        raise JobSpecError(
            f'more than one film ({names}): name one with film = "..." in {SPEC_NAME}', path=spec or folder
        )
    return _inside(folder.resolve(), videos[0], what="film", spec=spec)


@functools.lru_cache(maxsize=4096)
def _language_of(name: str) -> Language | None:
    return language_from_filename(name)


def _tag_for(name: str, stem: str, suffix: str) -> str | None:
    """``ru`` for ``film.ru.srt``, ``en.forced`` for ``film.en.forced.srt``; ``None`` when
    the name does not start with the film's stem or carries no language."""
    if not name.startswith(stem + "."):
        return None
    middle = name[len(stem) + 1 : -len(suffix)] if suffix else ""
    if not middle or _language_of("x." + name[len(stem) + 1 :]) is None:
        return None
    return middle


def _discover_subtitles(
    folder: Path, film: Path, spec: Path | None, entries: list[os.DirEntry[str]] | None = None
) -> tuple[tuple[SubtitleInput, ...], tuple[str, ...]]:
    found: list[SubtitleInput] = []
    ignored: list[str] = []
    root = folder.resolve()
    for entry in _entries(folder) if entries is None else entries:
        suffix = Path(entry.name).suffix
        if entry.name in IGNORED_NAMES or suffix.lower() not in SUBTITLE_SUFFIXES:
            continue
        tag = _tag_for(entry.name, film.stem, suffix)
        language = _language_of("x." + entry.name[len(film.stem) + 1 :]) if tag is not None else None
        if tag is None or language is None:
            ignored.append(f"{entry.name}: not named {film.stem}.<lang>{suffix}")
            continue
        found.append(SubtitleInput(tag, language, _inside(root, entry, what="subtitle", spec=spec)))
    return tuple(sorted(found, key=lambda s: s.tag)), tuple(ignored)


def _from_folder(folder: Path) -> JobSpec:
    folder = folder.resolve()
    entries = _entries(folder)
    film = _find_film(folder, None, entries)
    subs, ignored = _discover_subtitles(folder, film, None, entries)
    if not subs:
        raise JobSpecError(f"no subtitle uploads named {film.stem}.<lang>.<ext> beside the film", path=folder)
    return JobSpec(name=folder.name, folder=folder, film=film, subtitles=subs, ignored=ignored)


def _from_spec(spec: Path) -> JobSpec:
    spec = spec.resolve() if not spec.is_symlink() else spec.absolute()
    folder = spec.parent.resolve()
    try:
        text = spec.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise JobSpecError(f"not UTF-8 text (byte {exc.start})", path=spec) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise JobSpecError(
            f"not valid TOML: {message}", path=spec, line=int(m.group(1)) if m else None
        ) from None

    def fail(table: str, key: str | None, message: str) -> JobSpecError:
        label = f"[{table}] {key}" if table and key else (key or f"[{table}]")
        return JobSpecError(f"{label}: {message}", path=spec, line=key_line(text, table, key))

    for key in data:
        if key not in TOP_KEYS and key not in CONFIG_MAP:
            known = ", ".join([*TOP_KEYS, *(f"[{s}]" for s in CONFIG_MAP)])
            raise fail("", key, f"unknown key (known: {known})")

    name = data.get("name", folder.name)
    if not isinstance(name, str) or not name.strip():
        raise fail("", "name", "must be a non-empty string")
    if "film" in data:
        if not isinstance(data["film"], str):
            raise fail("", "film", "must be a path (a string)")
        film = resolve_inside(folder, data["film"], what="film", spec=spec, line=key_line(text, "", "film"))
        if not film.is_file():
            raise fail("", "film", f"{data['film']!r} not found in the job folder")
    else:
        film = _find_film(folder, spec)

    ignored: tuple[str, ...] = ()
    if "subtitles" in data:
        table = data["subtitles"]
        if not isinstance(table, dict):
            raise fail("", "subtitles", 'must be a table of language = "path"')
        items: list[SubtitleInput] = []
        for tag, value in table.items():
            line = key_line(text, "subtitles", tag)
            if not isinstance(value, str):
                raise fail("subtitles", tag, "must be a path (a string)")
            try:
                language = Language.parse(tag.split(".")[0])
            except LanguageError as exc:
                raise fail("subtitles", tag, exc.message) from None
            path = resolve_inside(folder, value, what=f"[subtitles] {tag}", spec=spec, line=line)
            if not path.is_file():
                raise fail("subtitles", tag, f"{value!r} not found in the job folder")
            items.append(SubtitleInput(tag, language, path))
        if not items:
            raise fail("", "subtitles", "lists no file")
        subs = tuple(items)
    else:
        subs, ignored = _discover_subtitles(folder, film, spec)
        if not subs:
            raise JobSpecError(
                f"no subtitle uploads named {film.stem}.<lang>.<ext> beside the film", path=spec
            )

    stages: tuple[str, ...] | None = None
    if "stages" in data:
        from pipeline.stages import STAGES

        value = data["stages"]
        if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
            raise fail("", "stages", "must be a list of stage names")
        unknown = [s for s in value if s not in STAGES]
        if unknown:
            raise fail("", "stages", f"unknown stage {unknown[0]!r} (known: {', '.join(STAGES)})")
        stages = tuple(value)

    settings: dict[str, Any] = {}
    for section in CONFIG_MAP:
        if section not in data:
            continue
        table = data[section]
        if not isinstance(table, dict):
            raise fail("", section, "must be a table")
        try:
            settings[section] = settings_from_table(section, table)
        except SettingError as exc:
            raise fail(section, exc.key, exc.message) from None
        for key in path_fields(CONFIG_MAP[section]):
            value = getattr(settings[section], key)
            if value is not None:
                target = resolve_inside(
                    folder, value, what=f"[{section}] {key}", spec=spec, line=key_line(text, section, key)
                )
                if not target.is_file():
                    raise fail(section, key, f"{value!r} not found in the job folder")
    return JobSpec(
        name=name.strip(),
        folder=folder,
        film=film,
        subtitles=subs,
        spec_path=spec,
        stages=stages,
        settings=settings,
        ignored=ignored,
    )
