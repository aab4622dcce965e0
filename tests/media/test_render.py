"""The one-decode graph: what is shared, what is per output, and where ffmpeg-python lives.

These read the compiled command (no encode): the graph's shape is the point of the module,
and the pictures it makes are checked by ``test_burn.py`` and ``test_first_frame_origin.py``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from media.hls import LadderSpec, ladder_command, plan_renditions
from media.render import Branch, Crop, Encoding, Output, Picture, encoder_threads, graph_args, rendition_args

ROOT = Path(__file__).resolve().parents[2]


def _graph(args: list[str]) -> str:
    return args[args.index("-filter_complex") + 1]


def _values(args: list[str], option: str) -> list[str]:
    return [args[i + 1] for i, a in enumerate(args) if a == option]


def test_three_languages_at_two_heights_share_the_decode_and_the_scale(tmp_path: Path) -> None:
    branches = [
        Branch(
            tmp_path / f"{lang}.{h}.mp4",
            1280 * h // 720,
            h,
            script=tmp_path / f"{lang}.{h}.ass",
            scale=h != 720,
        )
        for lang in ("ru", "en", "pl")
        for h in (720, 480)
    ]
    args = rendition_args(tmp_path / "film.mp4", branches, Encoding(preset="veryfast"))
    graph = _graph(args)
    assert args.count("-i") == 1
    # one split into the two pictures, then one split of three per picture
    assert re.findall(r"split=\d", graph) == ["split=2", "split=3", "split=3"]
    assert graph.count("scale=") == 1 and graph.count("setsar=") == 2  # 480p scaled once
    assert graph.count("ass=filename=") == 6 and graph.count("[0:V:0]") == 1
    # every ass filter works on a branch of a split, never on the decoded stream itself
    assert all(not part.startswith("[0:V:0]ass") for part in graph.split(";"))
    assert _values(args, "-threads") == ["2"] * 6
    assert _values(args, "-preset") == ["veryfast"] * 6
    assert len([a for a in args if a.endswith(".mp4") and a.startswith("file:")]) == 7  # film + six


def test_crops_are_pictures_of_their_own(tmp_path: Path) -> None:
    square = Crop(720, 720, 280, 0)
    branches = [
        Branch(tmp_path / "a.mp4", 1280, 720, scale=False, script=tmp_path / "a.ass"),
        Branch(tmp_path / "b.mp4", 720, 720, crop=square, scale=False, script=tmp_path / "b.ass"),
        Branch(tmp_path / "c.mp4", 720, 720, crop=square, scale=False, script=tmp_path / "c.ass"),
    ]
    graph = _graph(rendition_args(tmp_path / "film.mp4", branches, Encoding()))
    assert graph.count("crop=") == 1 and re.findall(r"split=\d", graph) == ["split=2", "split=2"]


def test_one_output_needs_no_split(tmp_path: Path) -> None:
    graph = _graph(rendition_args(tmp_path / "f.mp4", [Branch(tmp_path / "o.mp4", 640, 360)], Encoding()))
    assert "split" not in graph and "scale=h=360:w=640" in graph


def test_origin_makes_the_first_frame_time_zero(tmp_path: Path) -> None:
    args = rendition_args(
        tmp_path / "f.mp4", [Branch(tmp_path / "o.mp4", 640, 360)], Encoding(), origin_ms=543
    )
    assert args.index("-itsoffset") < args.index("-i") and _values(args, "-itsoffset") == ["-0.543"]
    assert "-copyts" in args
    assert "-copyts" not in rendition_args(
        tmp_path / "f.mp4", [Branch(tmp_path / "o.mp4", 640, 360)], Encoding()
    )


def test_hls_ladder_is_built_by_the_same_graph(tmp_path: Path) -> None:
    from fractions import Fraction

    spec = LadderSpec(plan_renditions(1280, 720, (720, 480, 360)), 6, Fraction(25), audio=True)
    args = ladder_command(tmp_path / "film.mp4", spec, tmp_path, audio_stream=1, origin_ms=1000)
    assert re.findall(r"split=\d", _graph(args)) == ["split=3"]
    assert _values(args, "-map")[-1] == "0:1" and _values(args, "-itsoffset") == ["-1.000"]


def test_encoder_threads_share_the_cores() -> None:
    assert encoder_threads(1, 2) == 0  # x264's own choice
    assert encoder_threads(6, 2) == 2  # never 1: ffmpeg 5.1 would run them in turn
    assert encoder_threads(2, 16) == 8


def test_an_output_needs_video_or_audio(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="neither video nor audio"):
        graph_args(tmp_path / "f.mp4", [Output(target="x.mp4")])
    args = graph_args(
        tmp_path / "f.mp4", [Output(target="a.m4a", audio="a:0"), Output("v.mp4", Picture(64, 36))]
    )
    maps = _values(args, "-map")
    assert maps[0] == "0:a:0" and maps[1].startswith("[") and len(maps) == 2


def test_ffmpeg_python_is_imported_in_one_module_only() -> None:
    """ffmpeg-python (unmaintained since 2019) stays replaceable: only media/render.py uses it."""
    users = []
    tops = [ROOT / top for top in ("subtitles", "media", "pipeline", "tests")]
    files = [p for top in tops for p in top.rglob("*.py")] + list((ROOT / "bench").glob("*.py"))
    for path in sorted(files):
        if "node_modules" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            if any(n == "ffmpeg" or n.startswith("ffmpeg.") for n in names):
                users.append(path.relative_to(ROOT).as_posix())
    assert sorted(set(users)) == ["media/render.py"]
