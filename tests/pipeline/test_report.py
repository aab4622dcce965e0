"""The numbers behind the report's pictures, and the page's escaping and determinism.

No ffmpeg here: alignment runs in reference mode (a well-timed subtitle file instead of a
film's speech), and the figures are read back from matplotlib's artists by their ``gid``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.report import (
    INDEX_NAME,
    REPORT_NAME,
    rebuild_batch_index,
    write_batch_index,
    write_job_report,
)
from pipeline.report.alignment import load_alignment, save_alignment, speech_intervals
from pipeline.report.model import (
    CpsSeries,
    alignment_bands,
    cps_points,
    finding_counts,
    index_row,
    job_model,
    worst_placed,
)
from subtitles.language import Language
from subtitles.load import load_track
from subtitles.qc import build_profile
from tests.mediagen import write_srt


def _x_extents(collection: Any) -> list[tuple[float, float]]:
    """(start, end) in data units of every rectangle a ``broken_barh`` drew."""
    out = []
    for path in collection.get_paths():
        xs = path.vertices[:, 0]
        out.append((round(float(xs.min()), 6), round(float(xs.max()), 6)))
    return sorted(out)


def _by_gid(fig: Any, gid: str) -> Any:
    ax = fig.axes[0]
    found = [a for a in [*ax.collections, *ax.lines, *ax.patches] if a.get_gid() == gid]
    assert len(found) == 1, (gid, [a.get_gid() for a in [*ax.collections, *ax.lines, *ax.patches]])
    return found[0]


# -- the artifact the align stage saves -------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.lists(st.booleans(), max_size=300))
def test_speech_intervals_are_exactly_the_activity(flags: list[bool]) -> None:
    speech = np.array(flags, dtype=bool)
    back = np.zeros(speech.size, dtype=bool)
    for a, b in speech_intervals(speech):
        assert a % 10 == 0 and b % 10 == 0 and b > a
        back[a // 10 : b // 10] = True
    assert np.array_equal(back, speech)


CUES = [(1000, 2500, "One"), (4000, 5200, "Two"), (7000, 9000, "Three"), (11000, 12500, "Four")]


@pytest.fixture
def aligned(tmp_path: Path) -> tuple[Path, dict[str, Any], Any]:
    """A file 1.5 s late aligned onto a reference; the artifact saved as the stage saves it."""
    from pipeline.align import align_files

    ref = write_srt(tmp_path / "film.en.srt", CUES)
    late = write_srt(tmp_path / "film.pl.srt", [(a + 1500, b + 1500, t) for a, b, t in CUES])
    run = align_files([late], reference=ref, out_dir=tmp_path / "aligned")
    path = save_alignment(tmp_path / "aligned" / "pl.alignment.json", run, 0, "pl")
    data = load_alignment(path)
    assert data is not None
    return path, data, run


def test_alignment_artifact_holds_speech_and_cue_times(aligned: tuple[Path, dict[str, Any], Any]) -> None:
    path, data, run = aligned
    assert data["language"] == "pl" and data["status"] == run.files[0].status.value
    speech = run.signal.speech
    assert data["speech"] == speech_intervals(speech)
    assert sum(b - a for a, b in data["speech"]) == int(np.count_nonzero(speech)) * 10
    assert data["cues_before"] == [[a + 1500, b + 1500] for a, b, _ in CUES]
    written = load_track(run.files[0].output)
    assert data["cues_after"] == [[c.start, c.end] for c in written.cues]
    assert data["offset_ms"] == -1500 and data["confidence"] == pytest.approx(
        run.files[0].alignment.confidence, abs=1e-4
    )
    assert data["texts"] == [t for _, _, t in CUES]
    assert json.loads(path.read_text("utf-8"))["schema"] == "subpipe-alignment"


def test_alignment_picture_draws_the_saved_numbers(aligned: tuple[Path, dict[str, Any], Any]) -> None:
    from pipeline.report.plots import alignment_figure, zoom_figure

    _, data, _ = aligned
    data = {**data, "splits": [{"at_ms": 6000, "offset_ms": -1500}]}
    worst = worst_placed(data)
    fig = alignment_figure(data, worst)
    bands = alignment_bands(data)
    for key in ("speech", "before", "after"):
        drawn = _x_extents(_by_gid(fig, key))
        assert drawn == sorted((round(a / 1000, 6), round(b / 1000, 6)) for a, b in bands[key]), key
    split = _by_gid(fig, "split-0")
    assert list(split.get_xdata()) == [6.0, 6.0]
    assert worst is not None
    zoom = zoom_figure(data, worst)
    lo, hi = worst["window"]
    assert zoom.axes[0].get_xlim() == (lo / 1000, hi / 1000)
    assert _x_extents(_by_gid(zoom, "worst")) == [(worst["start_ms"] / 1000, worst["end_ms"] / 1000)]


def test_worst_placed_cue_is_the_one_farthest_from_the_speech_onsets() -> None:
    data = {
        "duration_ms": 20000,
        "speech": [[1000, 2000], [5000, 6000], [9000, 10000]],
        "onsets_ms": [1000.0, 5000.0, 9000.0],
        "cues_before": [[900, 2100], [4000, 5500], [8950, 10100]],
        "cues_after": [[950, 2100], [5800, 6500], [8950, 10100]],
        "texts": ["a", "b <i>late</i>", "c"],
    }
    worst = worst_placed(data)
    assert worst is not None
    assert (worst["cue"], worst["onset_distance_ms"], worst["text"]) == (2, 800, "b <i>late</i>")
    assert worst["speech_share"] == pytest.approx(200 / 700, abs=1e-3)
    lo, hi = worst["window"]
    assert lo <= 4000 and hi >= 6500  # the cue before and after alignment both in the strip


# -- reading speed --------------------------------------------------------------------------


def test_cps_chart_values_are_the_cue_cps_the_rule_measures(tmp_path: Path) -> None:
    from pipeline.report.plots import cps_figure
    from pipeline.validate import ValidateOptions, validate_files

    texts = ["Hello there.", "A much longer line of text that reads fast", "<i>Short</i>", "Two\nlines here"]
    cues = [(1000, 3000, texts[0]), (4000, 5000, texts[1]), (6000, 7500, texts[2]), (8000, 10000, texts[3])]
    sub = write_srt(tmp_path / "film.en.srt", cues)
    profile = build_profile(Language.parse("en"))
    series = cps_points(load_track(sub), profile)
    visible = ["Hello there.", "A much longer line of text that reads fast", "Short", "Twolines here"]
    expected = [len(v) * 1000 / (b - a) for v, (a, b, _) in zip(visible, cues, strict=True)]
    assert [p[3] for p in series.points] == pytest.approx(expected)
    assert [(p[0], p[1], p[2]) for p in series.points] == [(i + 1, a, b) for i, (a, b, _) in enumerate(cues)]
    assert series.limit == profile.max_cps == 20 and series.over == 1
    # the rule flags exactly the cue the chart shows above the limit, with the same speed
    report = validate_files([sub], ValidateOptions(language=Language.parse("en")))
    flagged = [f for f in report.files[0].findings if f.rule == "read.cps"]
    assert [f.cue for f in flagged] == [2]
    assert f"{expected[1]:.1f} characters/s" in flagged[0].message
    fig = cps_figure(series)
    heights = [_by_gid(fig, f"cps-{n}").get_height() for n, *_ in series.points]
    assert heights == pytest.approx(expected)
    assert list(_by_gid(fig, "cps-limit").get_ydata()) == [20, 20]


# -- pages ----------------------------------------------------------------------------------


def _envelopes(out: Path, validated: Path) -> list[dict[str, Any]]:
    finding = {
        "rule": "text.tags",
        "severity": "warning",
        "message": "unknown tag <script>",
        "path": str(validated),
        "line": 5,
        "cue": 2,
        "start_ms": 4000,
        "end_ms": 5000,
    }
    return [
        {"stage": "validate:en", "status": "ok", "summary": "0 errors, 1 warnings", "outputs": [],
         "findings": [finding], "timings": {"seconds": 0.25}, "error": None, "details": {}, "reused": False},
        {"stage": "fix:pl", "status": "failed", "summary": "bad", "outputs": [], "findings": [],
         "timings": {"seconds": 0.1}, "details": {},
         "error": {"type": "ContentError", "message": "film.pl.srt: <b>broken</b>", "exit_code": 1}},
    ]  # fmt: skip


def test_cue_text_with_html_is_escaped_and_the_page_is_deterministic(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    hostile = '<script>document.title="pwned"</script>'
    validated = write_srt(out / "film.en.srt", [(1000, 3000, "Fine"), (4000, 5000, hostile)])
    stages = _envelopes(out, validated)
    meta = {"name": "Job <one>", "job": str(tmp_path), "film": str(tmp_path / "film.mp4"), "output": str(out)}
    page = write_job_report(out, stages, meta).read_text("utf-8")
    assert "<script>document.title" not in page
    assert "&lt;script&gt;document.title=&#34;pwned&#34;&lt;/script&gt;" in page
    assert "Job &lt;one&gt;" in page and "&lt;b&gt;broken&lt;/b&gt;" in page
    assert page.count("<script") == 1  # the page's own script only
    assert not re.search(r"https?://(?!www\.w3\.org/)", page)  # nothing fetched from the network
    model = job_model(out, stages, meta)
    (en,) = [lang for lang in model["languages"] if lang["tag"] == "en"]
    assert en["findings"][0]["text"] == hostile and en["findings"][0]["time"] == "00:00:04.000"
    again = write_job_report(out, stages, meta).read_text("utf-8")
    assert again == page


def test_findings_are_counted_once_per_language() -> None:
    f: dict[str, Any] = {"rule": "read.cps", "severity": "warning", "message": "x"}
    stages: list[dict[str, Any]] = [
        {"stage": "fix:ru", "status": "ok", "findings": [f]},
        {"stage": "validate:ru", "status": "ok", "findings": [f]},  # the same finding, on the file that ships
        {"stage": "fix:pl", "status": "ok", "findings": [f, {**f, "severity": "error"}]},
        {"stage": "validate:pl", "status": "skipped", "findings": []},
        {"stage": "mux", "status": "ok", "findings": [{**f, "severity": "info"}]},
    ]
    assert finding_counts(stages) == {"error": 1, "warning": 2, "info": 1}


def test_batch_index_rows_link_each_job_and_rebuild_from_the_folder(tmp_path: Path) -> None:
    out = tmp_path / "out" / "good"
    out.mkdir(parents=True)
    (out / REPORT_NAME).write_text("<!doctype html>", encoding="utf-8")
    align = {"stage": "align:ru", "status": "ok", "outputs": ["aligned/film.ru.srt"],
             "details": {"confidence": 0.87}, "findings": [], "timings": {"seconds": 1.0}}  # fmt: skip
    mux = {"stage": "mux", "status": "ok", "outputs": ["film.mkv"], "details": {}, "findings": [],
           "timings": {"seconds": 2.0}}  # fmt: skip
    good = {"schema": "subpipe-job-result", "name": "good", "job": str(tmp_path / "up" / "good"),
            "output": str(out), "status": "ok", "exit_code": 0, "seconds": 3.0,
            "languages": {"ru": "ok"}, "findings": {}, "stages": [align, mux]}  # fmt: skip
    (out / "result.json").write_text(json.dumps(good), encoding="utf-8")
    bad = {"name": "escape", "job": str(tmp_path / "up" / "escape"), "status": "failed", "exit_code": 2,
           "reason": "film: '../x' leads <outside>", "stages": []}  # fmt: skip
    row = index_row(good, tmp_path / "out", out)
    assert (row["confidence"], row["renditions"], row["link"]) == (0.87, ["film.mkv"], "good/report.html")
    index = write_batch_index(tmp_path / "out", [good, bad], title="uploads").read_text("utf-8")
    assert index.count('<tr data-name="') == 2 and 'href="good/report.html"' in index
    assert "leads &lt;outside&gt;" in index
    assert index.index('data-name="escape"') < index.index('data-name="good"')  # failures first
    (tmp_path / "out" / INDEX_NAME).unlink()
    assert rebuild_batch_index(tmp_path / "out").read_text("utf-8") == index


def test_the_report_stage_stays_last_in_the_registry() -> None:
    from pipeline.stages import STAGES, StageDef, register

    assert list(STAGES)[-1] == "report" and STAGES["report"].whole_job
    register(StageDef("late", False, ("mux",), lambda si: None, lambda o: None))  # type: ignore[arg-type,return-value]
    try:
        assert list(STAGES)[-2:] == ["late", "report"]
    finally:
        del STAGES["late"]


def test_burned_language_from_the_rendition_name() -> None:
    from pipeline.report.model import burned_language

    assert burned_language("film.ru.720p.mp4") == "ru"
    assert burned_language("my.film.pl-PL.480p.9x16.mp4") == "pl-PL"


def test_cps_series_counts_cues_over_the_limit() -> None:
    series = CpsSeries(17.0, "ru", ((1, 0, 1000, 17.0), (2, 1000, 2000, 17.5), (3, 2000, 3000, 3.0)))
    assert series.over == 1
