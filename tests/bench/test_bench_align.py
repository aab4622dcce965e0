"""The alignment benchmark's own arithmetic: mistiming, scoring, measurement, verdicts.

These are the parts whose mistakes would make the benchmark lie (a truth start off by a
frame-rate factor, a re-sorted cue counted as lost, a child's memory inherited from the
benchmark), so they are checked without running either aligner.
"""

from __future__ import annotations

import itertools
import random
import sys
from fractions import Fraction
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # bench/ is run from the repository root, not installed
    sys.path.insert(0, str(REPO))

from bench.align import Target, report, run_child, targets  # noqa: E402
from bench.align_cases import Mistiming, mistime, resegment  # noqa: E402
from bench.align_films import TruthCue  # noqa: E402
from bench.align_metrics import LOST_MS, Record, apply_segments, match, score  # noqa: E402

TRUTH = tuple(TruthCue(1000 + 5000 * i, 3500 + 5000 * i, f"line {i}") for i in range(20))


def test_offset_and_frame_rate_map_truth_to_file_time() -> None:
    cues, starts = mistime(TRUTH, Mistiming(offset_ms=-2500, sub_fps="25", film_fps="24000/1001"))
    scale = Fraction(24000, 1001) / 25
    assert starts[0] == 6000  # the first cue would fall before zero: absent from the file
    assert [c.start for c in cues] == [round(t * scale) - 2500 for t in starts]
    assert len(cues) == len(starts) == 19


def test_negative_edit_drops_the_cut_material_and_shifts_the_rest() -> None:
    cues, starts = mistime(TRUTH, Mistiming(splits=((40_000, -12_000),)))
    assert not {41_000, 46_000, 51_000} & set(starts)  # inside [40 s, 52 s)
    assert 36_000 in starts and 56_000 in starts
    after = [c.start - t for c, t in zip(cues, starts, strict=True) if t >= 52_000]
    assert after and set(after) == {-12_000}
    before = [c.start - t for c, t in zip(cues, starts, strict=True) if t < 40_000]
    assert set(before) == {0}


def test_resegmenting_keeps_speech_start_times_inside_the_truth_span() -> None:
    long = tuple(TruthCue(1000 + 6000 * i, 5500 + 6000 * i, "one two three four five six") for i in range(5))
    seg = resegment(long, random.Random(1))
    assert len(seg) == 10
    assert seg[0].start == 1000 and seg[1].start == seg[0].end
    assert all(a.start < b.start for a, b in itertools.pairwise(seg))


def test_reordered_cues_are_not_lost_but_missing_ones_are() -> None:
    idx, reordered = match(["a", "b", "c", "b"], ["a", "c", "b", "b"])
    assert None not in idx and reordered >= 1
    idx, _ = match(["a", "b", "c"], ["a", "c"])
    assert idx == [0, None, 1]


def test_score_uses_input_timing_when_nothing_was_written() -> None:
    inp = [(1000, "a"), (5000, "b")]
    s = score(inp, None, [900, 5300])
    assert s.errors == [100, 300] and s.lost == 0
    s = score(inp, [(910, "a")], [900, 5300])
    assert s.errors == [10, LOST_MS] and s.lost == 1 and s.moved_max_ms == 90


def test_json_segments_reproduce_a_piecewise_map() -> None:
    segments = [
        {"start_ms": 0, "end_ms": 60_000, "offset_ms": 500, "scale": 1.0},
        {"start_ms": 60_000, "end_ms": 10**9, "offset_ms": -19_500, "scale": 1.0},
    ]
    assert apply_segments([1000, 59_999, 61_000], segments, 500, 1.0) == [1500, 60_499, 41_500]


def test_peak_memory_is_the_childs_not_the_benchmarks(tmp_path: Path) -> None:
    ballast = bytearray(200 * 1024 * 1024)  # the benchmark grows; a child must not inherit it
    ballast[::4096] = b"x" * len(ballast[::4096])
    small = run_child(["true"], cwd=tmp_path / "small", env=None, timeout=30)
    big = run_child(
        [sys.executable, "-c", "b = bytearray(120 * 1024 * 1024); b[::4096] = b'y' * len(b[::4096])"],
        cwd=tmp_path / "big",
        env=None,
        timeout=30,
    )
    del ballast
    assert small.exit_code == 0 and small.maxrss_mb < 60
    assert big.exit_code == 0 and 120 <= big.maxrss_mb < 200


def test_exit_code_and_timeout_are_reported(tmp_path: Path) -> None:
    res = run_child(
        [sys.executable, "-c", "import sys; sys.exit(3)"], cwd=tmp_path / "a", env=None, timeout=30
    )
    assert res.exit_code == 3
    res = run_child(["sleep", "20"], cwd=tmp_path / "b", env=None, timeout=0.5)
    assert res.exit_code == -9 and res.wall_s < 10


def _rec(cls: str, tool: str = "subpipe", **kw: object) -> Record:
    base: dict[str, object] = dict(
        case=f"film/{cls}", cls=cls, tool=tool, lang="en", minutes=10, condition="clean", detail="",
        exit_code=0, wall_s=1.0, cpu_s=1.0, maxrss_mb=50.0, n_in=3, n_out=3, refused=False, failed=False,
        lost=0, text_changed=0, errors=[5, 10, 15], moved_max_ms=3, confidence=0.9, threshold=0.5,
    )  # fmt: skip
    base.update(kw)
    return Record(**base)  # type: ignore[arg-type]


def _verdicts(found: list[Target]) -> dict[str, bool | None]:
    return {t.name: t.ok for t in found}


@pytest.mark.parametrize(
    ("records", "key", "ok"),
    [
        ([_rec("wrong", refused=True, exit_code=3)], "every wrong-film case refused (exit 3)", True),
        ([_rec("wrong")], "every wrong-film case refused (exit 3)", False),
        ([_rec("correct", moved_max_ms=25)], "every already-correct file moved < 20 ms", False),
        ([_rec("correct", refused=True, exit_code=3)], "every already-correct file moved < 20 ms", False),
        ([_rec("offset", errors=[5, 10, 150])], "≥ 99% of cues within 100 ms (offset)", False),
        ([_rec("offset", lost=1)], "zero cues lost anywhere", False),
    ],
)
def test_target_verdicts(records: list[Record], key: str, ok: bool) -> None:
    verdicts = _verdicts(targets(records, None))
    assert verdicts.get(key) is ok, verdicts


def test_report_renders_every_section() -> None:
    records = [_rec("offset"), _rec("offset", tool="ffsubsync", confidence=None), _rec("wrong", refused=True)]
    text = report(
        records, [], {"started": "s", "finished": "f", "mode": "quick", "jobs": 1, "cpus": 2, "ffmpeg": "x"}
    )
    for heading in (
        "## By case class",
        "## Targets (subpipe)",
        "## Confidence calibration",
        "## Speed and memory",
    ):
        assert heading in text
    assert "| offset | subpipe | 1 | 3 | 10 |" in text


def test_a_subset_of_classes_gets_the_same_cases_as_a_full_run(tmp_path: Path) -> None:
    """Figures of ``--cases split2`` must be comparable with a full run's split2 row."""
    from bench.align_cases import make_cases
    from bench.align_films import Film, FilmSpec

    truth = tuple(TruthCue(i * 4_000 + 500, i * 4_000 + 2_500, f"cue {i}") for i in range(150))
    spec = FilmSpec("en", 10, "none", 0, 1, video=True)
    film = Film(spec, tmp_path / "film.mp4", truth, tmp_path / "truth.srt")
    everything = ("offset", "drift", "split1", "split2", "reference", "correct")

    def texts(classes: tuple[str, ...], folder: str) -> dict[str, str]:
        made = make_cases(
            film, tmp_path / folder, classes=classes, n_offset=3, n_drift=2, drift_start=0, wrong_truth=None
        )
        return {c.cls: c.sub_path.read_text(encoding="utf-8") for c in made if c.cls != "offset"}

    full = texts(everything, "full")
    for cls in ("split2", "reference", "correct", "drift"):
        assert texts((cls,), cls)[cls] == full[cls], cls


def test_professional_timing_is_on_frames_with_lead_ins_of_0_to_4_frames_and_chained_cues() -> None:
    from bench.align_cases import professional

    speech = tuple(TruthCue(1000 + 3000 * i + 37 * (i % 5), 3400 + 3000 * i, f"line {i}") for i in range(40))
    for fps, frame in ((Fraction(25), Fraction(40)), (Fraction(24000, 1001), Fraction(1001, 24))):
        pro = professional(speech, fps, random.Random(2))
        leads = [s.start - p.start for s, p in zip(speech, pro, strict=True)]
        assert min(leads) >= 0 and max(leads) < 4 * frame + 1 and len(set(leads)) > 4
        for cue in pro:  # every in- and out-time is a frame time
            assert any(
                abs(round(n * frame) - cue.start) == 0 for n in (cue.start // frame, cue.start // frame + 1)
            )
        gaps = [b.start - a.end for a, b in itertools.pairwise(pro)]
        # 600 ms pauses minus a 0.2-0.5 s tail leave under 12 frames: every cue is chained.
        assert all(abs(g - 2 * frame) <= 1 for g in gaps)
        assert all(a.end - a.start > 0 for a in pro)


def test_pro_classes_play_on_dense_films_only() -> None:
    from bench.align import plan

    plans = plan(True, ("offset", "pro-offset", "pro-correct"))
    dense = [p for p in plans if p.spec.dense]
    assert len(dense) == 3 and all(p.classes == ("pro-offset", "pro-correct") for p in dense)
    assert all(p.classes == ("offset",) for p in plans if not p.spec.dense)
    assert not any(p.spec.dense for p in plan(True, ("offset",)))
    assert all(p.spec.dense for p in plan(False, ("pro-correct",)))
