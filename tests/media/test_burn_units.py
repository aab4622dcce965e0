"""Burn-in pieces that need no ffmpeg: geometry, styles, scripts, line fitting, stderr, frame judging."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pysubs2
import pytest

from media.burn import CropOffset, SamplePoint, compare_frames, plan_geometry, scan_libass
from media.render_style import (
    TITLE_SAFE,
    Window,
    cue_region,
    font_metrics,
    lines_needed,
    load_style,
    plain_script,
    preset_names,
    simplify_markup,
    upload_script,
)
from subtitles.errors import InputError, UsageError
from subtitles.load import load_track
from subtitles.qc.glyphs import find_font


def test_source_geometry_scales_to_even_width() -> None:
    g = plan_geometry((1920, 1080), 480, None)
    assert (g.width, g.height, g.crop) == (854, 480, None)
    assert g.label == "480p"


def test_vertical_crop_is_centred_and_even() -> None:
    g = plan_geometry((1280, 720), 720, "9:16")
    assert (g.width, g.height) == (404, 720)  # 720 x 9/16 = 405, made even
    assert g.crop is not None and (g.crop.width, g.crop.height, g.crop.y) == (404, 720, 0)
    assert g.crop.x == 438 and g.label == "720p.9x16"  # (1280 - 404) / 2, even


def test_square_crop_with_offsets() -> None:
    left = plan_geometry((1280, 720), 360, "1:1", CropOffset.parse("0%"))
    right = plan_geometry((1280, 720), 360, "1:1", CropOffset.parse("100%"))
    pixels = plan_geometry((1280, 720), 360, "1:1", CropOffset.parse("100"))
    assert left.crop is not None and left.crop.x == 0
    assert right.crop is not None and right.crop.x == 1280 - 720
    assert pixels.crop is not None and pixels.crop.x == 100
    assert (left.width, left.height) == (360, 360)
    assert left.window.width == pytest.approx(720 / 1280)


def test_geometry_refuses_upscaling_and_offsets_past_the_edge() -> None:
    with pytest.raises(UsageError, match="above the source"):
        plan_geometry((1280, 720), 1080, None)
    with pytest.raises(UsageError, match="past the right edge"):
        plan_geometry((1280, 720), 720, "1:1", CropOffset.parse("600"))
    with pytest.raises(UsageError, match="crop-x"):
        CropOffset.parse("left")


def test_every_preset_loads_inside_title_safe() -> None:
    assert {"default", "box", "social"} <= set(preset_names())
    for name in preset_names():
        style = load_style(name)
        for aspect in (None, "9:16", "1:1", "4:5"):
            shaped = style.for_aspect(aspect)
            assert shaped.margin_bottom >= TITLE_SAFE and shaped.margin_side >= TITLE_SAFE
            assert 0.01 <= shaped.size <= 0.2
    assert load_style("default").for_aspect("9:16").margin_bottom > load_style("default").margin_bottom


def test_style_file_errors_name_the_key_and_file(tmp_path: Path) -> None:
    bad = tmp_path / "house.toml"
    bad.write_text("size = 0.05\nmargin_bottom = 0.01\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"margin_bottom.*title-safe") as exc:
        load_style(bad)
    assert exc.value.path == bad
    bad.write_text("sise = 0.05\n", encoding="utf-8")
    with pytest.raises(UsageError, match="unknown style key 'sise'"):
        load_style(bad)
    bad.write_text("size = true\n", encoding="utf-8")
    with pytest.raises(UsageError, match="wrong type"):
        load_style(bad)
    with pytest.raises(UsageError, match="unknown style"):
        load_style("no-such-preset")


def test_user_style_file_with_aspect_override(tmp_path: Path) -> None:
    path = tmp_path / "house.toml"
    path.write_text('size = 0.06\nborder = "box"\n[aspect."18:32"]\nsize = 0.03\n', encoding="utf-8")
    style = load_style(path)
    assert style.border == "box" and style.for_aspect("9:16").size == 0.03 and style.size == 0.06


def _track(tmp_path: Path, text: str, name: str = "film.ru.srt"):  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_track(path)


def test_generated_script_is_in_output_pixels(tmp_path: Path) -> None:
    track = _track(
        tmp_path,
        "1\n00:00:01,000 --> 00:00:02,000\n{\\an8}Привет\n\n2\n00:00:03,000 --> 00:00:04,000\n<i>мир</i>\n",
    )
    text = plain_script(track, load_style("default"), (1280, 720), "DejaVu Sans")
    subs = pysubs2.SSAFile.from_string(text)
    assert subs.info["PlayResX"] == "1280" and subs.info["PlayResY"] == "720"
    style = subs.styles["Default"]
    assert style.fontname == "DejaVu Sans"
    assert style.fontsize == pytest.approx(0.055 * 720, abs=0.1)
    assert style.marginv == round(0.07 * 720) and style.alignment == pysubs2.Alignment.BOTTOM_CENTER
    assert subs.events[0].text.startswith("{\\an8}") and "{\\i1}" in subs.events[1].text


def test_generated_script_is_written_by_the_ass_plug_in(tmp_path: Path) -> None:
    """SubRip ``<font color>`` keeps its colour, a WebVTT top cue its place, and a cue from
    before zero starts at zero (the plug-in keeps a sign that libass would drop)."""
    srt = _track(
        tmp_path,
        '1\n-00:00:01,000 --> 00:00:02,000\n<font color="#ff0000">Красный</font>\n',
    )
    events = pysubs2.SSAFile.from_string(plain_script(srt, load_style("default"), (320, 180), "X")).events
    assert [(e.start, e.end, e.text) for e in events] == [(0, 2000, "{\\c&H0000FF&}Красный{\\c}")]
    assert "-0:00" not in plain_script(srt, load_style("default"), (320, 180), "X")
    vtt = _track(tmp_path, "WEBVTT\n\n00:00:01.000 --> 00:00:02.000 line:0\nTop\n", "film.en.vtt")
    top = pysubs2.SSAFile.from_string(plain_script(vtt, load_style("default"), (320, 180), "X"))
    assert top.events[0].text == "{\\an8}Top"


def test_forced_style_keeps_only_basic_markup() -> None:
    assert simplify_markup("{\\an8\\fnArial\\c&H0000FF&\\i1}Hi{\\i0\\pos(10,10)}") == "{\\an8\\i1}Hi{\\i0}"
    assert simplify_markup("{\\blur3}plain") == "plain"


STYLE_FORMAT = (
    "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, "
    "Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, "
    "MarginL, MarginR, MarginV, Encoding"
)
ASS = """[Script Info]
ScriptType: v4.00+
PlayResX: 1920
PlayResY: 1080

[V4+ Styles]
{STYLE_FORMAT}
Style: Sign,DejaVu Sans,80,&H000000FF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,3,0,8,10,10,40,1

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
Dialogue: 0,0:00:00.50,0:00:01.50,Sign,,0,0,0,,{\\pos(960,540)}Centre
Dialogue: 0,0:00:02.00,0:00:02.80,Sign,,0,0,0,,{\\pos(100,540)}Far left
""".replace("{STYLE_FORMAT}", STYLE_FORMAT)


def test_upload_keeps_its_styles_and_moves_positions_into_a_crop(tmp_path: Path) -> None:
    track = _track(tmp_path, ASS, "film.en.ass")
    same, outside = upload_script(track, Window())
    kept = pysubs2.SSAFile.from_string(same)
    assert kept.styles["Sign"].alignment == 8 and kept.styles["Sign"].fontsize == 80
    assert kept.info["PlayResX"] == "1920" and not outside
    crop = plan_geometry((1920, 1080), 1080, "9:16")
    text, outside = upload_script(track, crop.window)
    cropped = pysubs2.SSAFile.from_string(text)
    assert cropped.info["PlayResX"] == str(crop.width) and cropped.info["PlayResY"] == "1080"
    assert "\\pos(" + str(960 - crop.crop.x) + ",540)" in cropped.events[0].text  # type: ignore[union-attr]
    assert outside == [2]  # the far-left sign is outside a centre 9:16 crop


def test_narrow_frames_need_more_lines() -> None:
    font = find_font()
    if font is None:
        pytest.skip("DejaVu Sans is not installed (Debian: fonts-dejavu-core)")
    metrics = font_metrics(font)
    text = "Права человека — для всех и каждого,\\Nи это знает каждый житель"  # 36 + 29 characters
    assert lines_needed(text, metrics, 0.055 * 720, 1280 * 0.86) == 2
    assert lines_needed(text, metrics, 0.034 * 720, 404 * 0.84) >= 3
    assert lines_needed("{\\an8}Да", metrics, 40, 400) == 1


def test_cue_region_follows_alignment() -> None:
    assert cue_region("Hi") == "bottom"
    assert cue_region("{\\an8}Hi") == "top"
    assert cue_region("{\\a6}Hi") == "top"
    assert cue_region("{\\pos(1,2)}Hi") == "any"
    assert cue_region("Hi", default_alignment=8) == "top"


def test_scan_libass_reads_font_failures_and_fallbacks() -> None:
    stderr = (
        "[Parsed_ass_0 @ 0x1] fontselect: (DejaVu Sans, 400, 0) -> /f/DejaVuSans.ttf, 0, DejaVuSans\n"
        "[Parsed_ass_0 @ 0x1] Glyph 0x416 not found, selecting one more font for (Foo, 400, 0)\n"
        "[Parsed_ass_0 @ 0x1] fontselect: failed to find any fallback with glyph 0x416 for (Foo, 400, 0)\n"
    )
    report = scan_libass(stderr)
    assert report.selected == (("DejaVu Sans", "/f/DejaVuSans.ttf"),)
    assert report.missing_glyphs == ("Ж",) and report.fontselect_failed and not report.invalid_utf8
    assert not scan_libass("frame=  10 fps=0.0\n").fontselect_failed


def test_compare_frames_finds_text_and_ignores_noise() -> None:
    rng = np.random.default_rng(1)
    picture = rng.integers(0, 255, (180, 320), dtype=np.uint8)
    shifted = np.roll(picture, 3, axis=1)
    candidates = np.stack([shifted, picture, np.roll(picture, -3, axis=1)])
    noisy = np.clip(picture.astype(int) + rng.integers(-8, 9, picture.shape), 0, 255).astype(np.uint8)
    gap = compare_frames(noisy, candidates, SamplePoint(100, "gap"))
    assert gap.passed and gap.changed_px == 0
    texted = picture.copy()
    texted[150:160, 120:200] = 255 - texted[150:160, 120:200]  # a "line of text" at the bottom
    cue = compare_frames(texted, candidates, SamplePoint(500, "cue", "bottom", 1, 10.0))
    assert cue.passed and cue.changed_px > 400
    wrong_band = compare_frames(texted, candidates, SamplePoint(500, "cue", "top", 1, 10.0))
    assert not wrong_band.passed
    in_gap = compare_frames(texted, candidates, SamplePoint(500, "gap"))
    assert not in_gap.passed


def test_an_unreadable_font_is_an_input_error_naming_it(tmp_path: Path) -> None:
    """Every reader of a font file (glyphs, names, metrics) opens it one way: a broken
    file is a one-line error naming it, not a fontTools traceback."""
    from media.render_fonts import font_names
    from subtitles.qc.glyphs import font_codepoints, font_name

    bad = tmp_path / "broken.ttf"
    bad.write_bytes(b"not a font at all")
    for read in (font_codepoints, font_name, font_names, font_metrics):
        with pytest.raises(InputError, match="cannot read font") as caught:
            read(bad)
        assert caught.value.path == bad, read
