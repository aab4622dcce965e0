"""Issue 7 points 5 and 6 through the real CLI: fixes never make correct text wrong, and
``align``/``fix`` write what they were given in the format the output names."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from subtitles.formats.srt import subrip_text
from subtitles.load import load_track
from subtitles.timing import format_ms
from tests.pipeline.helpers import subpipe


def _srt(cues: list[tuple[int, int, str]]) -> str:
    return subrip_text(cues)  # the SubRip writer, texts as given


# -- quotes (point 5) ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "texts", "expected"),
    [
        ("ru", ["« привет »", '"Он сказал "нет" и ушёл"'], ["« привет »", "«Он сказал „нет“ и ушёл»"]),
        (
            "en",
            ['" hello "', "“ hello ”", "He is 6'2\" tall.", '" a " " b "'],
            ["“ hello ”", "“ hello ”", "He is 6'2\" tall.", '" a " " b "'],
        ),
        ("pl", ['" cześć "', '"Mówi "tak" zawsze"'], ["„ cześć ”", "„Mówi «tak» zawsze”"]),
    ],
)
def test_fix_never_makes_correct_quotes_wrong(
    tmp_path: Path, lang: str, texts: list[str], expected: list[str]
) -> None:
    src = tmp_path / f"film.{lang}.srt"
    src.write_text(
        _srt([(1000 + 4000 * k, 3500 + 4000 * k, t) for k, t in enumerate(texts)]), encoding="utf-8"
    )
    out = tmp_path / f"fixed.{lang}.srt"
    result = subpipe("fix", src, "-o", out, "--fps", "25", "--json")
    assert result.returncode == 0, result.stderr
    assert [c.plaintext for c in load_track(out).cues] == expected
    report = json.loads(result.stdout)
    remaining = [f for f in report["remaining"] if f["rule"] == "typo.quotes"]
    ambiguous = [t for t in texts if t == '" a " " b "']
    # what cannot be paired is left alone and reported, without a guessed suggestion
    assert len(remaining) == len(ambiguous) and all(f.get("suggestion") is None for f in remaining)


def test_profile_quote_settings_must_be_single_characters(tmp_path: Path) -> None:
    src = tmp_path / "film.en.srt"
    src.write_text(_srt([(1000, 3000, "Hi")]), encoding="utf-8")
    profile = tmp_path / "p.toml"
    profile.write_text('[typography]\nquotes = ["<<", ">>"]\n', encoding="utf-8")
    result = subpipe("validate", src, "--profile", profile)
    assert result.returncode == 2 and "typography.quotes" in result.stderr
    profile.write_text('[rules]\ndisable = ["typo.quote"]\n', encoding="utf-8")
    result = subpipe("validate", src, "--profile", profile)
    assert result.returncode == 2 and "typo.quote" in result.stderr and "rules.disable" in result.stderr


# -- writers (point 6) -----------------------------------------------------------------------

VTT = (
    "WEBVTT - interview\nKind: captions\nLanguage: en\n\n"
    "STYLE\n::cue(.loud) { color: yellow }\n\n"
    "REGION\nid:left width:40%\n\n"
    "NOTE made by hand\n\n"
    "intro\n00:00:01.000 --> 00:00:03.000 line:0 align:start\n"
    "<v Anna>Hello</v> &amp; <c.loud>welcome</c>.\n\n"
    "NOTE between cues\n\n"
    "second-id\n00:00:04.000 --> 00:00:06.000 position:20% region:left\n<i>Second</i> line...\n\n"
    "00:00:07.000 --> 00:00:09.000\nThird.\n"
)


def test_fix_keeps_webvtt_ids_settings_and_blocks(tmp_path: Path) -> None:
    src = tmp_path / "film.en.vtt"
    src.write_text(VTT, encoding="utf-8")
    out = tmp_path / "fixed.en.vtt"
    result = subpipe("fix", src, "-o", out, "--fps", "25")
    assert result.returncode == 0, result.stderr
    assert out.read_text(encoding="utf-8") == VTT.replace("line...", "line…")
    again = subpipe("fix", out, "-o", tmp_path / "twice.en.vtt", "--fps", "25", "--json")
    assert again.returncode == 0 and json.loads(again.stdout)["changes"] == []


def test_fix_converts_webvtt_to_subrip_cleanly(tmp_path: Path) -> None:
    src = tmp_path / "film.en.vtt"
    src.write_text(VTT, encoding="utf-8")
    out = tmp_path / "film.en.srt"
    assert subpipe("fix", src, "-o", out, "--fps", "25").returncode == 0
    text = out.read_text(encoding="utf-8")
    assert "{\\an8}Hello & welcome." in text  # top stays top; voice and class tags go
    assert "<i>Second</i> line…" in text and "NOTE" not in text and "<v" not in text and "&amp;" not in text


def _dense(n: int, seed: int) -> list[tuple[int, int]]:
    """Irregular cue times a reference alignment can place with confidence."""
    rng = np.random.default_rng(seed)
    out, t = [], 1000
    for _ in range(n):
        d = int(rng.integers(900, 2600))
        out.append((t, t + d))
        t += d + int(rng.choice([200, 450, 900, 1700, 3000]))
    return out


@pytest.fixture
def aligned_pair(tmp_path: Path) -> tuple[Path, list[tuple[int, int]]]:
    times = _dense(40, 3)
    ref = tmp_path / "ref.en.srt"
    ref.write_text(_srt([(a, b, f"Line {k}") for k, (a, b) in enumerate(times)]), encoding="utf-8")
    return ref, times


def test_align_writes_the_format_its_output_names_and_keeps_markup(
    tmp_path: Path, aligned_pair: tuple[Path, list[tuple[int, int]]]
) -> None:
    ref, times = aligned_pair
    late = tmp_path / "late.en.srt"
    texts = [
        f'<font color="#ff0000">Red {k}</font> <i>it</i>' if k % 2 else f"{{\\an8}}Top {k}" for k in range(40)
    ]
    late.write_text(_srt([(a + 2000, b + 2000, t) for (a, b), t in zip(times, texts, strict=True)]), "utf-8")
    vtt, srt = tmp_path / "out.vtt", tmp_path / "out.srt"
    for out in (vtt, srt):
        result = subpipe("align", late, "--reference", ref, "-o", out)
        assert result.returncode == 0, result.stderr
    written = vtt.read_text(encoding="utf-8")
    assert written.startswith("WEBVTT\n\n")  # not SubRip in a .vtt
    assert "<font" not in written and "Red 1 <i>it</i>" in written  # what WebVTT cannot hold goes cleanly
    assert f"{format_ms(times[0][0])} --> {format_ms(times[0][1])} line:0 align:center\nTop 0" in written
    assert [(c.start, c.end) for c in load_track(vtt).cues] == times
    kept = srt.read_text(encoding="utf-8")
    assert '<font color="#ff0000">Red 1</font> <i>it</i>' in kept and "{\\an8}Top 0" in kept
    assert [(c.start, c.end) for c in load_track(srt).cues] == times


def test_align_keeps_webvtt_ids_settings_and_blocks(
    tmp_path: Path, aligned_pair: tuple[Path, list[tuple[int, int]]]
) -> None:
    ref, times = aligned_pair
    blocks = [
        f"cue-{k}\n{format_ms(a + 1500)} --> {format_ms(b + 1500)} line:{k % 3} align:start\n"
        f"<b>Line</b> &amp; {k}"
        for k, (a, b) in enumerate(times)
    ]
    head = "WEBVTT\n\nSTYLE\n::cue { color: white }\n\nNOTE first\n\n"
    late = tmp_path / "late.en.vtt"
    late.write_text(head + "\n\n".join(blocks[:20]) + "\n\nNOTE middle\n\n" + "\n\n".join(blocks[20:]) + "\n")
    out = tmp_path / "aligned.en.vtt"
    result = subpipe("align", late, "--reference", ref, "-o", out)
    assert result.returncode == 0, result.stderr
    expected = [
        f"cue-{k}\n{format_ms(a)} --> {format_ms(b)} line:{k % 3} align:start\n<b>Line</b> &amp; {k}"
        for k, (a, b) in enumerate(times)
    ]
    assert out.read_text(encoding="utf-8") == (
        head + "\n\n".join(expected[:20]) + "\n\nNOTE middle\n\n" + "\n\n".join(expected[20:]) + "\n"
    )


# -- sidecar and mux conversion ---------------------------------------------------------------


def test_sidecars_keep_what_each_format_can_hold(tmp_path: Path) -> None:
    vtt_up = tmp_path / "film.en.vtt"
    vtt_up.write_text(VTT, encoding="utf-8")
    srt_up = tmp_path / "film.pl.srt"
    srt_up.write_text(
        _srt([(1000, 2000, '<font color="#00ff00">Zielony</font> {\\an8}<i>tekst</i>')]), "utf-8"
    )
    out = tmp_path / "out"
    result = subpipe("sidecars", vtt_up, srt_up, "-o", out)
    assert result.returncode == 0, result.stderr
    vtt = (out / "film.en.vtt").read_text(encoding="utf-8")
    assert "intro\n00:00:01.000 --> 00:00:03.000 line:0 align:start\n<v Anna>Hello</v>" in vtt
    assert "STYLE\n::cue(.loud) { color: yellow }" in vtt and "second-id\n" in vtt
    srt = (out / "film.en.srt").read_text(encoding="utf-8")
    assert "{\\an8}Hello & welcome." in srt and "<v" not in srt and "STYLE" not in srt
    assert '<font color="#00ff00">Zielony</font>' in (out / "film.pl.srt").read_text(encoding="utf-8")
    pl_vtt = (out / "film.pl.vtt").read_text(encoding="utf-8")
    assert "Zielony <i>tekst</i>" in pl_vtt and "<font" not in pl_vtt and "\\an8" not in pl_vtt


def test_mux_writes_tracks_with_their_markup(tmp_path: Path) -> None:
    from pipeline.mux import _prepare

    src = tmp_path / "film.pl.srt"
    src.write_text(_srt([(1000, 2000, '<font color="#00ff00">Zielony</font> <i>tekst</i>')]), "utf-8")
    path, count, end = _prepare(load_track(src), "matroska", tmp_path, 0)
    assert count == 1 and end == 2000
    assert '<font color="#00ff00">Zielony</font> <i>tekst</i>' in path.read_text(encoding="utf-8")


def test_hls_segments_keep_styles_and_leave_notes(tmp_path: Path) -> None:
    from media.hls import webvtt_segment

    src = tmp_path / "film.en.vtt"
    src.write_text(VTT, encoding="utf-8")
    track = load_track(src)
    segment = webvtt_segment(track, track.cues[1:], 900000)
    assert segment.startswith("WEBVTT - interview\nX-TIMESTAMP-MAP=")
    assert "STYLE\n::cue(.loud)" in segment and "NOTE" not in segment
    assert "second-id\n00:00:04.000 --> 00:00:06.000 position:20% region:left" in segment
