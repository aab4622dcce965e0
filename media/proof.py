"""A PNG proof sheet: one burned frame per language (rows) and aspect (columns), for a person
to glance at before the renditions go out.

Frames are grabbed from the written outputs themselves (what the viewer will get), at one
chosen time, scaled to a common tile height and labelled (language, aspect, size, time)
with the burn-in font, so the labels show the same script coverage as the subtitles.
Pillow (maintained by the Python imaging community, wheels for every platform) composes
and writes the PNG; the file appears atomically.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from media.frames import grab_frames
from media.verify import video_start_ms
from subtitles.atomic import atomic_path

#: Tiles are scaled to this height: a 1080p and a 9:16 frame sit side by side legibly.
TILE_HEIGHT = 360
_PAD = 12
_LABEL_H = 28


@dataclass(frozen=True, slots=True)
class Tile:
    """One frame to show: from ``path`` (``size`` pixels) at ``time_ms``, in row/column."""

    path: Path
    size: tuple[int, int]
    row: str  # language label, e.g. "ru · Русский"
    column: str  # aspect label, e.g. "16:9" or "9:16"
    caption: str  # e.g. "1280x720"


def write_proof_sheet(
    out: Path, tiles: Sequence[Tile], time_ms: int, *, font: Path | None = None, title: str = ""
) -> Path:
    """Compose ``tiles`` into a grid PNG at ``out``; returns ``out``.

    ``time_ms`` counts from each tile's first video frame (subtitle time 0), not from its
    container start, which is earlier when the audio starts first.
    """
    from PIL import Image, ImageDraw, ImageFont

    rows = list(dict.fromkeys(t.row for t in tiles))
    columns = list(dict.fromkeys(t.column for t in tiles))
    images: dict[tuple[str, str], Image.Image] = {}
    for tile in tiles:
        origin = video_start_ms(tile.path)
        frame = grab_frames(tile.path, [time_ms], tile.size, pix_fmt="rgb24", origin_ms=origin)[0, 0]
        image = Image.fromarray(frame, "RGB")
        width = max(1, round(tile.size[0] * TILE_HEIGHT / tile.size[1]))
        images[(tile.row, tile.column)] = image.resize((width, TILE_HEIGHT), Image.Resampling.LANCZOS)
    label_font: ImageFont.FreeTypeFont | ImageFont.ImageFont
    label_font = ImageFont.truetype(str(font), 15) if font is not None else ImageFont.load_default()
    probe_draw = ImageDraw.Draw(Image.new("RGB", (1, 1)))

    def text_w(text: str) -> int:
        return int(probe_draw.textlength(text, font=label_font)) + 4

    captions = {(t.row, t.column): t.caption for t in tiles}
    col_w = {
        c: max(
            [text_w(c)]
            + [im.width for (_, cc), im in images.items() if cc == c]
            + [text_w(captions[k]) for k in captions if k[1] == c]
        )
        for c in columns
    }
    row_label_w = max(text_w(r) for r in rows) + _PAD
    head = _LABEL_H * (2 if title else 1)
    width = max(row_label_w + _PAD + sum(col_w[c] + _PAD for c in columns), text_w(title) + 2 * _PAD)
    height = head + _PAD + len(rows) * (TILE_HEIGHT + _LABEL_H + _PAD)
    sheet = Image.new("RGB", (width, height), (32, 32, 32))
    draw = ImageDraw.Draw(sheet)
    if title:
        draw.text((_PAD, 6), title, fill=(255, 255, 255), font=label_font)
    for n, row in enumerate(rows):
        y = head + _PAD + n * (TILE_HEIGHT + _LABEL_H + _PAD)
        draw.text((_PAD, y + TILE_HEIGHT // 2 - 8), row, fill=(255, 255, 255), font=label_font)
    x = row_label_w + _PAD
    for column in columns:
        draw.text((x, head - _LABEL_H + 6), column, fill=(200, 200, 200), font=label_font)
        y = head + _PAD
        for row in rows:
            tile_image = images.get((row, column))
            if tile_image is not None:
                sheet.paste(tile_image, (x, y))
                draw.text(
                    (x, y + TILE_HEIGHT + 4), captions[(row, column)], fill=(200, 200, 200), font=label_font
                )
            y += TILE_HEIGHT + _LABEL_H + _PAD
        x += col_w[column] + _PAD
    with atomic_path(out) as tmp:
        sheet.save(tmp, format="PNG", optimize=True)
    return out
