"""Burn-in styles, and the ASS scripts libass renders from them.

A style is packaged TOML data (``media/styles/<name>.toml``) or a user's TOML file with the
same keys. Every size is a share of the *output* frame (font size and bottom margin of its
height, side margins of its width; outline and shadow of the font size), so one style
looks the same at 1080p, 720p and 480p. The script written for each output has
``PlayResX/PlayResY`` equal to that output's size: libass then draws at the output's own
resolution (the picture is scaled first, then burned), so text is crisp at every height,
and a ``FontSize`` means output pixels, not the 288-line space ffmpeg's SRT conversion
uses (render-notes).

An ASS/SSA upload keeps its own styles and positioning: its script is passed through with
its own ``PlayRes`` (libass scales it to the frame as every player does), and for a crop
the coordinate space is narrowed to the crop window and explicit positions are shifted,
so a line placed at the centre of the film stays centred in a centre crop. With a forced
style it is treated like any other text track (italic/bold/underline and ``\\an``
alignment kept, everything else dropped).
"""

from __future__ import annotations

import dataclasses
import functools
import re
import tomllib
from dataclasses import dataclass, field
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import pysubs2

from subtitles.errors import UsageError
from subtitles.formats import get_format
from subtitles.model import Cue, Track
from subtitles.qc.glyphs import open_font

#: EBU R 95 title-safe area: no text within 5 % of any edge of the frame.
TITLE_SAFE = 0.05

#: Default PlayRes of a script that declares none (libass and VSFilter agree on it).
DEFAULT_PLAYRES = (384, 288)

Border = Literal["outline", "box"]

_STYLE_KEYS: dict[str, type | tuple[type, ...]] = {
    "description": str,
    "font": str,
    "size": (int, float),
    "bold": bool,
    "italic": bool,
    "colour": str,
    "outline_colour": str,
    "border": str,
    "outline": (int, float),
    "shadow": (int, float),
    "box_colour": str,
    "box_opacity": (int, float),
    "margin_bottom": (int, float),
    "margin_side": (int, float),
}
_ASPECT_KEYS = ("size", "outline", "shadow", "margin_bottom", "margin_side")
_COLOUR = re.compile(r"^#?([0-9A-Fa-f]{6})$")


@dataclass(frozen=True, slots=True)
class Style:
    """A burn-in style; ``aspects`` maps ``"9:16"`` etc. to overrides of the numeric keys."""

    name: str
    description: str = ""
    font: str = "DejaVu Sans"
    size: float = 0.055
    bold: bool = False
    italic: bool = False
    colour: str = "#FFFFFF"
    outline_colour: str = "#000000"
    border: Border = "outline"
    outline: float = 0.075
    shadow: float = 0.0
    box_colour: str = "#000000"
    box_opacity: float = 0.6
    margin_bottom: float = 0.07
    margin_side: float = 0.07
    aspects: dict[str, dict[str, float]] = field(default_factory=dict)

    def for_aspect(self, aspect: str | None) -> Style:
        """This style with the overrides for ``aspect`` (``"9:16"``) applied, if it has any."""
        if aspect is None or aspect not in self.aspects:
            return self
        return dataclasses.replace(self, **self.aspects[aspect], aspects={})  # type: ignore[arg-type]


def preset_names() -> list[str]:
    """The packaged presets (``default``, ``box``, ``social``)."""
    folder = resources.files("media.styles")
    return sorted(p.name[: -len(".toml")] for p in folder.iterdir() if p.name.endswith(".toml"))


def load_style(spec: str | Path) -> Style:
    """A preset by name, or a TOML style file by path. ``UsageError`` names the key and file."""
    text_spec = str(spec)
    if text_spec in preset_names():
        data = (resources.files("media.styles") / f"{text_spec}.toml").read_text(encoding="utf-8")
        return _style_from_toml(data, text_spec, where=f"preset {text_spec}")
    path = Path(spec)
    if not path.is_file():
        raise UsageError(
            f"unknown style {text_spec!r}: give a preset ({', '.join(preset_names())}) or a .toml file"
        )
    try:
        data = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read style: {exc}", path=path) from None
    return _style_from_toml(data, path.stem, where=str(path), path=path)


def _style_from_toml(text: str, name: str, *, where: str, path: Path | None = None) -> Style:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"style is not valid TOML: {exc}", path=path) from None
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "aspect":
            continue
        if key not in _STYLE_KEYS:
            raise UsageError(
                f"{where}: unknown style key {key!r} (known: {', '.join(_STYLE_KEYS)})", path=path
            )
        values[key] = _checked(key, value, where, path)
    aspects: dict[str, dict[str, float]] = {}
    for aspect, overrides in dict(raw.get("aspect", {})).items():
        key_name = normalise_aspect_key(aspect, where, path)
        if not isinstance(overrides, dict):
            raise UsageError(f"{where}: [aspect.{aspect!r}] must be a table", path=path)
        for key, value in overrides.items():
            if key not in _ASPECT_KEYS:
                raise UsageError(
                    f"{where}: aspect {aspect}: key {key!r} cannot vary by aspect "
                    f"(only {', '.join(_ASPECT_KEYS)})",
                    path=path,
                )
            _checked(key, value, f"{where} aspect {aspect}", path)
        aspects[key_name] = {k: float(v) for k, v in overrides.items()}
    style = Style(name=name, aspects=aspects, **values)
    return style


def _type_ok(value: object, expected: type | tuple[type, ...]) -> bool:
    """TOML's bool is an int to Python: ``size = true`` must not pass as a number."""
    return isinstance(value, expected) and (expected is bool or not isinstance(value, bool))


def _checked(key: str, value: Any, where: str, path: Path | None) -> Any:
    if not _type_ok(value, _STYLE_KEYS[key]):
        raise UsageError(f"{where}: {key} = {value!r} has the wrong type", path=path)
    if key in ("colour", "outline_colour", "box_colour") and not _COLOUR.match(value):
        raise UsageError(f"{where}: {key} = {value!r}: write a colour as #RRGGBB", path=path)
    if key == "border" and value not in ("outline", "box"):
        raise UsageError(f"{where}: border = {value!r}: use 'outline' or 'box'", path=path)
    limits = {
        "size": (0.01, 0.2),
        "outline": (0.0, 0.5),
        "shadow": (0.0, 0.5),
        "box_opacity": (0.0, 1.0),
        "margin_bottom": (TITLE_SAFE, 0.5),
        "margin_side": (TITLE_SAFE, 0.4),
    }
    if key in limits:
        low, high = limits[key]
        if not low <= float(value) <= high:
            why = " (the title-safe area keeps text 5 % from the edges)" if key.startswith("margin") else ""
            raise UsageError(f"{where}: {key} = {value} is outside {low}..{high}{why}", path=path)
        return float(value)
    return value


def normalise_aspect_key(text: str, where: str = "aspect", path: Path | None = None) -> str:
    """``"9:16"``, ``"9x16"``, ``"9/16"`` → ``"9:16"`` (reduced: ``"18:32"`` → ``"9:16"``)."""
    match = re.fullmatch(r"\s*(\d+)\s*[:x/]\s*(\d+)\s*", text)
    if not match or int(match[1]) == 0 or int(match[2]) == 0:
        raise UsageError(f"{where}: not an aspect ratio: {text!r} (write e.g. 9:16 or 1:1)", path=path)
    ratio = Fraction(int(match[1]), int(match[2]))
    if not Fraction(1, 4) <= ratio <= 4:
        raise UsageError(f"{where}: aspect {text} is out of range (1:4 .. 4:1)", path=path)
    return f"{ratio.numerator}:{ratio.denominator}"


# -- ASS text ----------------------------------------------------------------------------------


def _ass_colour(hex_rgb: str, opacity: float = 1.0) -> pysubs2.Color:
    rgb = _COLOUR.match(hex_rgb)
    assert rgb is not None  # validated on load
    value = rgb[1]
    alpha = round((1.0 - opacity) * 255)
    return pysubs2.Color(int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16), alpha)


def ass_style(style: Style, size: tuple[int, int], font_family: str) -> pysubs2.SSAStyle:
    """The one ``Default`` style of a generated script, in output pixels."""
    width, height = size
    font_px = style.size * height
    out = pysubs2.SSAStyle()
    out.fontname = font_family
    out.fontsize = round(font_px, 1)
    out.bold = style.bold
    out.italic = style.italic
    out.primarycolor = _ass_colour(style.colour)
    out.secondarycolor = _ass_colour(style.colour)
    if style.border == "box":
        # libass draws BorderStyle 3 as a box in the outline colour, padded by Outline.
        out.borderstyle = 3
        out.outlinecolor = _ass_colour(style.box_colour, style.box_opacity)
        out.backcolor = _ass_colour(style.box_colour, style.box_opacity)
    else:
        out.borderstyle = 1
        out.outlinecolor = _ass_colour(style.outline_colour)
        out.backcolor = _ass_colour(style.outline_colour, 0.5)
    out.outline = round(style.outline * font_px, 2)
    out.shadow = round(style.shadow * font_px, 2)
    out.alignment = pysubs2.Alignment.BOTTOM_CENTER
    out.marginv = round(style.margin_bottom * height)
    out.marginl = out.marginr = round(style.margin_side * width)
    out.encoding = 1
    return out


_OVERRIDE_BLOCK = re.compile(r"\{([^}]*)\}")
_KEPT_TAG = re.compile(r"\\(?:an[1-9]|[ibus][01]?(?![a-z]))")


def simplify_markup(text: str) -> str:
    """ASS text with only italic/bold/underline/strike and ``\\an`` alignment kept: what a
    forced style applies to an ASS upload (its own fonts, colours and positions go)."""

    def keep(match: re.Match[str]) -> str:
        tags = _KEPT_TAG.findall(match[1])
        return "{" + "".join(tags) + "}" if tags else ""

    return _OVERRIDE_BLOCK.sub(keep, text)


def plain_script(
    track: Track, style: Style, size: tuple[int, int], font_family: str, *, simplify: bool = False
) -> str:
    """A complete ASS script for ``track`` drawn in ``style`` on a ``size`` frame.

    The cues keep their inline markup (``{\\i1}``, ``{\\an8}`` from SRT/WebVTT); with
    ``simplify`` (a style forced on an ASS upload) only basic markup survives. Written by
    the ASS plug-in, as every SubStation file is: a SubRip ``<font>`` keeps its colour, a
    WebVTT cue placed at the top (``line:0``) is drawn at the top."""
    width, height = size
    out = Track(language=track.language, source_format=track.source_format)
    out.info.update(
        {
            "Title": f"subpipe burn-in ({style.name})",
            "ScriptType": "v4.00+",
            "PlayResX": str(width),
            "PlayResY": str(height),
            "ScaledBorderAndShadow": "yes",
            "WrapStyle": "0",
            "YCbCr Matrix": "TV.709" if height >= 720 else "TV.601",
        }
    )
    out.styles = {"Default": ass_style(style, size, font_family)}
    for cue in drawable_cues(track):
        event = cue.copy()
        event.style = "Default"
        if simplify:
            event.text = simplify_markup(cue.text)
        out.events.append(event)
    return _libass_text(out)


def _libass_text(track: Track) -> str:
    """``track`` as an ASS script for libass, through the ASS plug-in's writer. Times before
    zero start at zero: the writer keeps their sign (a file keeps what it was given), but
    libass reads ``-0:00:02.00`` as two seconds *after* zero."""
    for event in track.events:
        event.start, event.end = max(0, event.start), max(0, event.end)
    return get_format("ass").write(track)


def drawable_cues(track: Track) -> list[Cue]:
    """Dialogue with something to draw and a positive duration, by start time."""
    cues = [c for c in track.cues if c.end > c.start and c.end > 0 and c.plaintext.strip()]
    return sorted(cues, key=lambda c: (c.start, c.end))


# -- ASS uploads: own styles, positions moved into a crop window --------------------------------


def play_res(track: Track) -> tuple[int, int]:
    """The script's PlayRes as libass reads it (a missing side follows 4:3, or 1280x1024's 5:4)."""
    x = _int_or_none(track.info.get("PlayResX"))
    y = _int_or_none(track.info.get("PlayResY"))
    if x and y:
        return x, y
    if y:
        return (y * 5 // 4 if y == 1024 else y * 4 // 3), y
    if x:
        return x, (x * 4 // 5 if x == 1280 else x * 3 // 4)
    return DEFAULT_PLAYRES


def _int_or_none(value: str | None) -> int | None:
    try:
        number = int(str(value).strip())
    except ValueError:
        return None
    return number if number > 0 else None


_POS = re.compile(r"\\(pos|org)\(\s*([-\d.]+)\s*,\s*([-\d.]+)\s*\)")
_MOVE = re.compile(r"\\move\(\s*([-\d.]+)\s*,\s*([-\d.]+)\s*,\s*([-\d.]+)\s*,\s*([-\d.]+)\s*((?:,[^)]*)?)\)")
_CLIP = re.compile(r"\\(i?clip)\(\s*([-\d.]+)\s*,\s*([-\d.]+)\s*,\s*([-\d.]+)\s*,\s*([-\d.]+)\s*\)")


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True, slots=True)
class Window:
    """The part of the source frame an output shows, as shares of the source (0..1)."""

    left: float = 0.0
    top: float = 0.0
    width: float = 1.0
    height: float = 1.0

    @property
    def full(self) -> bool:
        return self.left == 0 and self.top == 0 and self.width == 1 and self.height == 1


def upload_script(track: Track, window: Window) -> tuple[str, list[int]]:
    """The upload's own script for an output showing ``window`` of the source frame.

    Returns the script text and the 1-based numbers of cues whose explicit position falls
    outside the window (they would be cut off or invisible: the caller warns).
    ``ScaledBorderAndShadow`` becomes ``yes`` when the script does not say, so borders keep
    their proportion at every output height.
    """
    copy = track.copy_track()
    copy.info.setdefault("ScaledBorderAndShadow", "yes")
    outside: list[int] = []
    if not window.full:
        px, py = play_res(track)
        ox, oy = window.left * px, window.top * py
        new_x, new_y = window.width * px, window.height * py
        copy.info["PlayResX"] = str(round(new_x))
        copy.info["PlayResY"] = str(round(new_y))

        def shift_pos(m: re.Match[str]) -> str:
            return f"\\{m[1]}({_num(float(m[2]) - ox)},{_num(float(m[3]) - oy)})"

        def shift_move(m: re.Match[str]) -> str:
            xs = (float(m[1]) - ox, float(m[2]) - oy, float(m[3]) - ox, float(m[4]) - oy)
            return "\\move(" + ",".join(_num(v) for v in xs) + m[5] + ")"

        def shift_clip(m: re.Match[str]) -> str:
            xs = (float(m[2]) - ox, float(m[3]) - oy, float(m[4]) - ox, float(m[5]) - oy)
            return f"\\{m[1]}(" + ",".join(_num(v) for v in xs) + ")"

        for number, event in enumerate(copy.events, 1):
            if event.is_comment:
                continue
            text = _POS.sub(shift_pos, event.text)
            text = _MOVE.sub(shift_move, text)
            text = _CLIP.sub(shift_clip, text)
            for m in _POS.finditer(text):
                if m[1] == "pos" and not (0 <= float(m[2]) <= new_x and 0 <= float(m[3]) <= new_y):
                    outside.append(number)
                    break
            event.text = text
    return _libass_text(copy), outside


# -- line length in a narrower frame ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FontMetrics:
    """Advance widths of a font, in units of the size libass gives it (``FontSize``)."""

    advances: dict[int, float]
    fallback: float

    def width(self, text: str, font_px: float) -> float:
        return sum(self.advances.get(ord(ch), self.fallback) for ch in text) * font_px


@functools.cache
def font_metrics(path: Path) -> FontMetrics:
    """libass sizes a font so that ``usWinAscent + usWinDescent`` (or the hhea ascent and
    descent) equals ``FontSize``; widths are scaled the same way."""
    with open_font(path) as font:
        os2 = font.get("OS/2")
        if os2 is not None and os2.usWinAscent + os2.usWinDescent > 0:
            height = os2.usWinAscent + os2.usWinDescent
        else:
            height = font["hhea"].ascent - font["hhea"].descent
        metrics = font["hmtx"].metrics
        cmap = font.getBestCmap() or {}
        advances = {cp: metrics[name][0] / height for cp, name in cmap.items() if name in metrics}
    fallback = advances.get(ord("n"), 0.55)
    return FontMetrics(advances, fallback)


def lines_needed(text: str, metrics: FontMetrics, font_px: float, width_px: float) -> int:
    """How many lines libass needs for ``text`` (ASS markup) in ``width_px``: hard breaks
    (``\\N``) kept, each line word-wrapped greedily as its smart wrapping does."""
    plain = _OVERRIDE_BLOCK.sub("", text).replace("\\h", "\u00a0")
    total = 0
    space = metrics.width(" ", font_px)
    for hard in re.split(r"\\N|\n", plain):
        words = hard.split()
        if not words:
            continue
        lines, current = 1, 0.0
        for word in words:
            w = metrics.width(word, font_px)
            if current and current + space + w > width_px:
                lines += 1
                current = w
            else:
                current = current + space + w if current else w
        total += lines
    return max(total, 1)


# -- where a cue is drawn (for checking burned frames) ----------------------------------------

Region = Literal["bottom", "top", "middle", "any"]

_AN = re.compile(r"\\an([1-9])")
_LEGACY_A = re.compile(r"\\a(\d{1,2})(?!\d)")
_LEGACY_ALIGN = {1: 1, 2: 2, 3: 3, 5: 7, 6: 8, 7: 9, 9: 4, 10: 5, 11: 6}


def cue_region(text: str, default_alignment: int = 2) -> Region:
    """The band of the frame a cue is drawn in: from ``\\an``/``\\a`` overrides or the
    style's alignment; ``any`` for explicitly positioned or moving text."""
    if "\\pos(" in text or "\\move(" in text:
        return "any"
    alignment = default_alignment
    if (m := _AN.search(text)) is not None:
        alignment = int(m[1])
    elif (m := _LEGACY_A.search(text)) is not None:
        alignment = _LEGACY_ALIGN.get(int(m[1]), default_alignment)
    if alignment in (7, 8, 9):
        return "top"
    if alignment in (4, 5, 6):
        return "middle"
    return "bottom"
