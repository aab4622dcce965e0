"""Burning subtitles into tiny generated films, checked the way a viewer would see them.

Each test looks at the pictures itself (grey frames read through ``media.frames``) rather
than trusting the stage's own verification: at a cue's midpoint the subtitle band of the
burned frame differs from the film's own picture (cropped and scaled alike), in a gap
between cues nothing differs. Works with Debian's ffmpeg 5.1 and the imageio-ffmpeg 9.x
build (``SUBPIPE_FFMPEG``).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pysubs2
import pytest

from media.burn import CropOffset, Geometry, plan_geometry
from media.frames import FilterStep, grab_frames
from media.probe import probe
from pipeline.burn import BurnOptions, BurnResult, burn
from pipeline.mux import SubtitleSpec
from subtitles.errors import ContentError
from subtitles.qc.glyphs import find_font
from tests.mediagen import make_film, write_srt

pytestmark = pytest.mark.media

SIZE = (320, 180)
CUES = {
    "ru": [(200, 1200, "Привет, мир"), (1800, 2600, "Права человека — для всех")],
    "en": [(200, 1200, "Hello, world"), (1800, 2600, "Human rights are for everyone")],
    "pl": [(200, 1200, "Zażółć gęślą jaźń"), (1800, 2600, "Prawa człowieka są dla wszystkich")],
}
CUE_TIMES = (700, 2200)
GAP_TIMES = (1500, 2800)


@pytest.fixture(scope="session", autouse=True)
def _need_font() -> None:
    if find_font() is None:
        pytest.skip("DejaVu Sans is not installed (Debian: fonts-dejavu-core; `make` installs it)")


@pytest.fixture(scope="session")
def burn_media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("burn")


@pytest.fixture(scope="session")
def film(burn_media: Path) -> Path:
    return make_film(burn_media / "film.mp4", duration_s=3, size=SIZE, fps=25)


@pytest.fixture(scope="session")
def subs(burn_media: Path) -> dict[str, Path]:
    return {lang: write_srt(burn_media / f"film.{lang}.srt", cues) for lang, cues in CUES.items()}


def changed(film: Path, out: Path, geometry: Geometry, times: tuple[int, ...]) -> list[dict[str, int]]:
    """Pixels that differ clearly (grey level > 40) per band, at each time.

    The film's frame is the closest of its three frames around the time (a film that starts
    at 10 s is re-based by a fraction of a frame), so only what the burn added differs."""
    size = (geometry.width, geometry.height)
    refs = grab_frames(film, times, size, steps=geometry.steps(), run_length=3, lead_ms=40).astype(int)
    got = grab_frames(out, times, size, steps=[FilterStep("setsar", (("r", 1),))])[:, 0].astype(int)
    h = geometry.height
    result = []
    for k in range(len(times)):
        ref = min(refs[k], key=lambda r: int((np.abs(got[k] - r) > 40).sum()))
        diff = np.abs(got[k] - ref) > 40
        result.append({"top": int(diff[: h // 2].sum()), "bottom": int(diff[h // 2 :].sum())})
    return result


def run_burn(film: Path, subs: list[Path], out: Path, **kw: object) -> BurnResult:
    options = BurnOptions(
        film=film,
        subtitles=tuple(SubtitleSpec(s) for s in subs),
        out_dir=out,
        preset="ultrafast",
        **kw,  # type: ignore[arg-type]
    )
    return burn(options)


def test_each_language_burned_at_each_height_and_verified(
    film: Path, subs: dict[str, Path], tmp_path: Path
) -> None:
    result = run_burn(film, list(subs.values()), tmp_path / "out", heights=(180, 120))
    assert len(result.outputs) == 6 and result.verified
    film_info = probe(film)
    for output in result.outputs:
        info = probe(output.path)
        assert [v.codec for v in info.video] == ["h264"] and [a.codec for a in info.audio] == ["aac"]
        assert (info.video[0].width, info.video[0].height) == (output.width, output.height)
        assert abs((info.video[0].duration_ms or 0) - (film_info.video[0].duration_ms or 0)) <= 41
        geometry = plan_geometry(SIZE, output.height, None)
        at_cues = changed(film, output.path, geometry, CUE_TIMES)
        in_gaps = changed(film, output.path, geometry, GAP_TIMES)
        assert all(c["bottom"] > 30 and c["top"] == 0 for c in at_cues), (output.path.name, at_cues)
        assert all(c["bottom"] + c["top"] <= 3 for c in in_gaps), (output.path.name, in_gaps)
        assert output.frames_checked >= 4
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == sorted(
        [f"film.{lang}.{h}p.mp4" for lang in ("ru", "en", "pl") for h in (180, 120)] + ["film.proof.png"]
    )
    assert [f.family for f in result.fonts] == ["DejaVu Sans"]
    assert result.fonts[0].path.name == "DejaVuSans.ttf"
    assert not result.libass.fontselect_failed and not result.libass.missing_glyphs


def test_one_ffmpeg_process_splits_one_decode(film: Path, subs: dict[str, Path], tmp_path: Path) -> None:
    result = run_burn(film, [subs["ru"], subs["pl"]], tmp_path, heights=(180, 120), dry_run=True)
    command = list(result.command)
    assert command.count("-i") == 1
    graph = command[command.index("-filter_complex") + 1]
    # One decode split into the two pictures (180p as is, 120p scaled once), each split
    # again into one branch per language: scaling is shared, only libass + x264 are not.
    assert graph.count("split=2") == 3 and graph.count("scale=") == 1
    assert graph.count("ass=filename=") == 4
    assert not any(tmp_path.iterdir())  # a dry run writes nothing


def test_polish_diacritics_and_cyrillic_are_drawn(burn_media: Path, film: Path, tmp_path: Path) -> None:
    """The same words with and without diacritics must not render alike: the marks are drawn."""
    pl = write_srt(tmp_path / "marks.pl.srt", [(200, 1200, "ZAZOLC GESLA"), (1800, 2600, "ZAŻÓŁĆ GĘŚLĄ")])
    ru = write_srt(tmp_path / "marks.ru.srt", [(200, 1200, "ЖЖЖЖ"), (1800, 2600, "ЖЖЖЖ")])
    result = run_burn(film, [pl, ru], tmp_path / "out", proof=False)
    g = plan_geometry(SIZE, 180, None)
    pl_out = next(o.path for o in result.outputs if o.language.bcp47 == "pl")
    ru_out = next(o.path for o in result.outputs if o.language.bcp47 == "ru")
    plain, marked = changed(film, pl_out, g, CUE_TIMES)
    assert marked["bottom"] > plain["bottom"] + 20, (plain, marked)
    cyr = changed(film, ru_out, g, CUE_TIMES)
    assert all(c["bottom"] > 30 for c in cyr)
    assert not result.libass.missing_glyphs


def test_missing_glyphs_stop_before_encoding(film: Path, subs: dict[str, Path], tmp_path: Path) -> None:
    from tests.subtitles.qc.helpers import make_font

    latin = make_font(tmp_path / "Latin Only.ttf", [(0x20, 0x7F)], "Latin Only")
    out = tmp_path / "out"
    with pytest.raises(ContentError, match="not in the font Latin Only") as exc:
        run_burn(film, [subs["en"], subs["ru"]], out, font=latin)
    message = str(exc.value)
    assert "'П' U+041F" in message and "film.ru.srt" in message and "'H'" not in message
    assert not out.exists() or not any(out.iterdir())


def test_an8_cue_is_drawn_at_the_top(film: Path, tmp_path: Path) -> None:
    sub = write_srt(tmp_path / "top.en.srt", [(200, 1200, "{\\an8}Top line"), (1800, 2600, "Bottom line")])
    result = run_burn(film, [sub], tmp_path / "out", proof=False)
    top, bottom = changed(film, result.outputs[0].path, plan_geometry(SIZE, 180, None), CUE_TIMES)
    assert top["top"] > 30 and top["bottom"] == 0
    assert bottom["bottom"] > 30 and bottom["top"] == 0


STYLE_FORMAT = (
    "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, "
    "Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, "
    "MarginL, MarginR, MarginV, Encoding"
)
ASS = """[Script Info]
ScriptType: v4.00+
PlayResX: 640
PlayResY: 360

[V4+ Styles]
{STYLE_FORMAT}
Style: Sign,DejaVu Sans,48,&H000000FF,&H000000FF,&H00000000,&H00000000,1,0,0,0,100,100,0,0,1,2,0,8,10,10,20,1

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
Dialogue: 0,0:00:00.20,0:00:01.20,Sign,,0,0,0,,ЗНАК
Dialogue: 0,0:00:01.80,0:00:02.60,Sign,,0,0,0,,ZNAK
""".replace("{STYLE_FORMAT}", STYLE_FORMAT)


def test_ass_upload_keeps_its_own_style_unless_forced(film: Path, tmp_path: Path) -> None:
    sub = tmp_path / "sign.ru.ass"
    sub.write_text(ASS, encoding="utf-8")
    result = run_burn(film, [sub], tmp_path / "own", proof=False)
    out = result.outputs[0]
    assert out.style == "upload"
    g = plan_geometry(SIZE, 180, None)
    first, _ = changed(film, out.path, g, CUE_TIMES)
    assert first["top"] > 30 and first["bottom"] == 0  # the style's alignment 8: on top
    rgb = grab_frames(out.path, [700], SIZE, pix_fmt="rgb24")[0, 0].astype(int)
    red = (rgb[..., 0] > 180) & (rgb[..., 1] < 80) & (rgb[..., 2] < 80)
    ref = grab_frames(film, [700], SIZE, pix_fmt="rgb24")[0, 0].astype(int)
    red_before = (ref[..., 0] > 180) & (ref[..., 1] < 80) & (ref[..., 2] < 80)
    assert int(red[:90].sum()) > int(red_before[:90].sum()) + 30  # its red colour
    forced = run_burn(film, [sub], tmp_path / "forced", proof=False, style="default")
    assert forced.outputs[0].style == "default"
    first, _ = changed(film, forced.outputs[0].path, g, CUE_TIMES)
    assert first["bottom"] > 30 and first["top"] == 0  # the preset puts it at the bottom


def test_social_crops_keep_text_inside_the_crop(film: Path, subs: dict[str, Path], tmp_path: Path) -> None:
    result = run_burn(film, [subs["ru"]], tmp_path / "out", aspects=("source", "9:16", "1:1"), crop_x="0%")
    by_aspect = {o.aspect: o for o in result.outputs}
    assert set(by_aspect) == {None, "9:16", "1:1"}
    assert (by_aspect["9:16"].width, by_aspect["9:16"].height) == (102, 180)
    assert (by_aspect["1:1"].width, by_aspect["1:1"].height) == (180, 180)
    assert by_aspect["1:1"].crop == (180, 180, 0, 0)
    for aspect in ("9:16", "1:1"):
        out = by_aspect[aspect]
        g = plan_geometry(SIZE, 180, aspect, CropOffset.parse("0%"))
        assert all(c["bottom"] > 20 for c in changed(film, out.path, g, CUE_TIMES))
        assert all(c["bottom"] + c["top"] <= 3 for c in changed(film, out.path, g, GAP_TIMES))
    assert result.proof_sheet is not None and result.proof_sheet.is_file()


def test_narrow_crop_warns_about_cues_needing_three_lines(film: Path, tmp_path: Path) -> None:
    long = "Права человека — для всех и каждого,\nи это знает каждый житель"
    sub = write_srt(tmp_path / "long.ru.srt", [(200, 1200, long), (1800, 2600, "Да")])
    result = run_burn(film, [sub], tmp_path, aspects=("source", "9:16"), dry_run=True)
    crop = next(o for o in result.outputs if o.aspect == "9:16")
    full = next(o for o in result.outputs if o.aspect is None)
    assert crop.long_cues == (1,) and full.long_cues == ()
    assert any("9:16" in w and "#1" in w and "3 or more lines" in w for w in result.warnings)


def test_film_with_non_zero_start_burns_on_time(
    burn_media: Path, subs: dict[str, Path], tmp_path: Path
) -> None:
    late = make_film(burn_media / "late.mp4", duration_s=3, size=SIZE, fps=25, start_time_s=10)
    assert probe(late).start_ms >= 9900
    result = run_burn(late, [subs["en"]], tmp_path / "out", proof=False)
    g = plan_geometry(SIZE, 180, None)
    out = result.outputs[0].path
    assert all(c["bottom"] > 30 for c in changed(late, out, g, CUE_TIMES))
    assert all(c["bottom"] + c["top"] <= 3 for c in changed(late, out, g, GAP_TIMES))


def test_generated_scripts_match_the_output_size(film: Path, subs: dict[str, Path], tmp_path: Path) -> None:
    """What libass is given: PlayRes = the output size, the resolved font by name."""
    from media.render_style import load_style, plain_script
    from subtitles.load import load_track

    script = plain_script(load_track(subs["ru"]), load_style("default"), (214, 120), "DejaVu Sans")
    parsed = pysubs2.SSAFile.from_string(script)
    assert (parsed.info["PlayResX"], parsed.info["PlayResY"]) == ("214", "120")
    assert parsed.styles["Default"].fontsize == pytest.approx(0.055 * 120, abs=0.1)
    assert Fraction(214, 120) == pytest.approx(Fraction(320, 180), rel=0.01)


def test_cp1251_upload_is_burned_as_text(film: Path, tmp_path: Path) -> None:
    """A Windows-1251 file is decoded by ingest and handed to libass as UTF-8 (libass would
    stop on it with "Invalid UTF-8" otherwise)."""
    sub = write_srt(
        tmp_path / "old.ru.srt", [(200, 1200, "Привет, мир"), (1800, 2600, "Ещё раз")], encoding="cp1251"
    )
    result = run_burn(film, [sub], tmp_path / "out", proof=False)
    assert not result.libass.invalid_utf8
    g = plan_geometry(SIZE, 180, None)
    assert all(c["bottom"] > 30 for c in changed(film, result.outputs[0].path, g, CUE_TIMES))


def test_webvtt_top_cue_drawn_at_the_top_and_a_cue_from_before_zero_from_the_start(
    film: Path, tmp_path: Path
) -> None:
    """The script libass draws comes from the ASS plug-in's writer: a WebVTT ``line:0`` cue
    is drawn in the top half (and the stage's own check looks there), a cue that starts
    before zero is on screen from the first frame (libass would read ``-0:00:01.00`` as
    one second *after* zero)."""
    vtt = tmp_path / "film.en.vtt"
    vtt.write_text("WEBVTT\n\n00:00:01.800 --> 00:00:02.600 line:0\nAt the top\n", encoding="utf-8")
    srt = write_srt(tmp_path / "film.ru.srt", [(-1000, 1200, "С самого начала")])
    result = run_burn(film, [vtt, srt], tmp_path / "out", proof=False)
    assert result.verified
    g = plan_geometry(SIZE, 180, None)
    by_name = {o.path.name: o.path for o in result.outputs}
    top = changed(film, by_name["film.en.180p.mp4"], g, (2200,))
    assert top[0]["top"] > 30 and top[0]["bottom"] == 0, top
    early = changed(film, by_name["film.ru.180p.mp4"], g, (200, 700))
    assert all(c["bottom"] > 30 for c in early), early
