"""A finished job known from its folder's metadata (``pipeline.signature``), and every way
that knowledge must be withdrawn: an upload rewritten with the same size, a new upload, an
output deleted, a changed option, a timestamp too fresh to trust. No media: the jobs are
"finished" the way the coordinator leaves them (outputs, ``result.json``, the signature)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline import signature
from pipeline.batch import Planned, discover, make_plans
from pipeline.engine import Coordinator, EngineSettings
from pipeline.job import JobResult, predict, write_result
from pipeline.ledger import Ledger
from pipeline.stages import StageResult, StageStatus

SRT = "1\n00:00:01,000 --> 00:00:02,000\nHello.\n"
ENGINE = EngineSettings(workers=1)


def jobs(root: Path, n: int = 3) -> Path:
    for i in range(n):
        d = root / f"job{i}"
        d.mkdir(parents=True)
        (d / "film.mp4").write_bytes(bytes([i]) * 8)
        for lang in ("ru", "en"):
            (d / f"film.{lang}.srt").write_text(SRT, encoding="utf-8")
    return root


def plan(root: Path, ledger: Ledger, out: Path, **kw: object) -> Planned:
    listings: dict[str, list[os.DirEntry[str]]] = {}
    found = discover([root], listings)
    return make_plans(found, ledger=ledger, out_root=out, engine=ENGINE, listings=listings, **kw)  # type: ignore[arg-type]


def finish(planned: Planned, ledger: Ledger) -> None:
    """Each job as a finished run leaves it: an output per stage, result.json, the signature."""
    coordinator = Coordinator(ledger, ENGINE)
    for p in planned.plans:
        stages = []
        for step in predict(p):
            rel = f"{step.instance.split(':')[0]}/{step.instance.replace(':', '-')}.txt"
            (p.out_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            (p.out_dir / rel).write_text(step.key, encoding="utf-8")
            stages.append(StageResult(step.instance, StageStatus.OK, outputs=(rel,), key=step.key))
        result = JobResult(p.name, p.ident, p.out_dir, tuple(stages))
        write_result(result)
        coordinator._remember(p, result)


@pytest.fixture
def trusted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Timestamps are trusted at once (the racy margin is tested on its own below)."""
    monkeypatch.setattr(signature, "RACY_NS", 0)


def known_names(planned: Planned) -> set[str]:
    return {r.name for r in planned.known}


def test_unchanged_jobs_are_known_without_planning(tmp_path: Path, trusted: None) -> None:
    root, out = jobs(tmp_path / "up"), tmp_path / "out"
    with Ledger(tmp_path / "l.sqlite") as ledger:
        first = plan(root, ledger, out)
        assert len(first.plans) == 3 and not first.known
        finish(first, ledger)
        again = plan(root, ledger, out)
    assert not again.plans and known_names(again) == {"job0", "job1", "job2"}
    result = again.known[0]
    assert result.ok and result.exit_code == 0 and result.ran == 0
    assert result.languages() == {"en": "ok", "ru": "ok"}
    # the stages come from result.json only when asked for
    assert {s.stage for s in result.full().stages} >= {"inspect:ru", "mux"}
    assert result.to_json()["stages"] and all(s["reused"] for s in result.to_json()["stages"])


def test_same_size_rewrite_new_upload_and_deleted_output_are_planned_again(
    tmp_path: Path, trusted: None
) -> None:
    root, out = jobs(tmp_path / "up"), tmp_path / "out"
    with Ledger(tmp_path / "l.sqlite") as ledger:
        finish(plan(root, ledger, out), ledger)
        # job0: an upload rewritten in place, same size, only its mtime differs
        srt = root / "job0" / "film.ru.srt"
        st = srt.stat()
        srt.write_text(SRT.replace("Hello", "Howdy"), encoding="utf-8")
        os.utime(srt, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
        assert srt.stat().st_size == st.st_size
        # job1: one artifact (not result.json) deleted
        (out / "job1" / "fix" / "fix-en.txt").unlink()
        # job2: a new upload
        (root / "job2" / "film.pl.srt").write_text(SRT, encoding="utf-8")
        again = plan(root, ledger, out)
        assert {p.name for p in again.plans} == {"job0", "job1", "job2"} and not again.known
        # nothing touched since: known again at once (job1 untouched but its output gone: not)
        assert not plan(root, ledger, out).known


def test_changed_options_and_forced_stages_are_planned(tmp_path: Path, trusted: None) -> None:
    root, out = jobs(tmp_path / "up", 1), tmp_path / "out"
    with Ledger(tmp_path / "l.sqlite") as ledger:
        finish(plan(root, ledger, out), ledger)
        assert plan(root, ledger, out).known
        assert plan(root, ledger, out, overrides={"validate": {"max_cps": 12.0}}).plans
        assert plan(root, ledger, out, from_stage="align").plans
        assert plan(root, ledger, tmp_path / "elsewhere").plans


def test_fresh_timestamps_are_not_trusted(tmp_path: Path) -> None:
    """Outputs written just now (within the racy margin): the row is recorded as racy and
    the next plan verifies everything the slow way, then records it again."""
    root, out = jobs(tmp_path / "up", 1), tmp_path / "out"
    with Ledger(tmp_path / "l.sqlite") as ledger:
        finish(plan(root, ledger, out), ledger)
        (row,) = ledger.load_signatures().values()
        assert row.racy
        assert plan(root, ledger, out).plans
