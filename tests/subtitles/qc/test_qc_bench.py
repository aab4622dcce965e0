"""The validation benchmark, run end to end at a tiny size: every figure it prints parses,
and every ratio and verdict it prints is the one its own measured figures give.

A speed target is the benchmark's business, not a unit test's: this checks that the report
is honest (ratios computed from what was measured, each command really run through the CLI
and its exit code shown), not how fast this machine is.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
SIZES = (150, 600)
COMMANDS = ("validate", "validate --json", "fix", "fix --dry-run", "inspect")
NUM = r"(\d+(?:\.\d+)?)"


@pytest.fixture(scope="module")
def bench_output() -> str:
    result = subprocess.run(
        [sys.executable, str(REPO / "bench/validate.py"), "--files", "3", "--cues", "200",
         "--scale", ",".join(map(str, SIZES))],
        capture_output=True, text=True, timeout=300, check=False, cwd=REPO,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_many_files_ratio_is_computed_from_the_totals(bench_output: str) -> None:
    load = re.search(rf"pysubs2 load: total {NUM} s, p50 {NUM} ms, p95 {NUM} ms", bench_output)
    qc = re.search(rf"validate: +total {NUM} s, p50 {NUM} ms, p95 {NUM} ms", bench_output)
    ratio = re.search(rf"ratio validate/load: {NUM}", bench_output)
    findings = re.search(r"findings: (\d+)", bench_output)
    assert load and qc and ratio and findings, bench_output
    load_total, qc_total = float(load.group(1)), float(qc.group(1))
    assert load_total > 0 and qc_total > 0
    # printed totals have 3 decimals: the ratio must agree with them within that rounding
    low = max(qc_total - 0.0005, 0) / (load_total + 0.0005)
    high = (qc_total + 0.0005) / max(load_total - 0.0005, 1e-9)
    assert low - 0.005 <= float(ratio.group(1)) <= high + 0.005
    assert int(findings.group(1)) > 0  # the planted flaws are found


def _table(out: str) -> dict[tuple[int, str], tuple[float, float, float, int]]:
    rows = {}
    names = "|".join(re.escape(c) for c in COMMANDS)
    for m in re.finditer(rf"^ *(\d+)  ({names}) +{NUM} +{NUM} +(\d+)  (-?\d+)$", out, re.MULTILINE):
        rows[int(m.group(1)), m.group(2).strip()] = (
            float(m.group(3)),
            float(m.group(4)),
            float(m.group(5)),
            int(m.group(6)),
        )
    return rows


def test_every_command_runs_at_every_size(bench_output: str) -> None:
    rows = _table(bench_output)
    assert set(rows) == {(n, c) for n in SIZES for c in COMMANDS}, bench_output
    for (_n, command), (wall, cpu, peak_mb, code) in rows.items():
        assert wall > 0 and cpu > 0 and peak_mb > 10, command  # a real Python process ran
        # validate reports the planted overlaps as errors (1); fix repairs them (0 or 1)
        assert code in (0, 1), (command, code)
    assert rows[SIZES[0], "validate"][3] == 1


def test_linearity_is_computed_from_the_measured_cpu_times(bench_output: str) -> None:
    rows = _table(bench_output)
    growth = SIZES[1] / SIZES[0]
    assert f"({growth:.2f}x the cues)" in bench_output
    for command in COMMANDS:
        m = re.search(
            rf"^  {re.escape(command)} +cpu {NUM}x \(per cue {NUM}\), wall {NUM}x, peak MB {NUM}x: "
            r"(linear|SUPERLINEAR)$",
            bench_output,
            re.MULTILINE,
        )
        assert m is not None, (command, bench_output)
        small, large = rows[SIZES[0], command], rows[SIZES[1], command]
        printed = float(m.group(1))
        # the table has 2 decimals; allow for that rounding on both measured times
        low = (large[1] - 0.005) / (small[1] + 0.005)
        high = (large[1] + 0.005) / max(small[1] - 0.005, 1e-9)
        assert low - 0.01 <= printed <= high + 0.01, (command, printed, small, large)
        assert abs(float(m.group(2)) - printed / growth) <= 0.011
        assert (m.group(5) == "linear") == (printed <= 1.3 * growth)


def test_targets_are_judged_on_the_largest_size(bench_output: str) -> None:
    rows = _table(bench_output)
    assert f"targets at {SIZES[1]} cues:" in bench_output
    for command in COMMANDS:
        m = re.search(rf"^  {re.escape(command)} +{NUM} s, (\d+) MB: (ok|OVER)$", bench_output, re.MULTILINE)
        assert m is not None, (command, bench_output)
        wall, _cpu, peak_mb, _code = rows[SIZES[1], command]
        assert float(m.group(1)) == pytest.approx(wall, abs=0.006)
        assert int(m.group(2)) == pytest.approx(peak_mb, abs=1)
        assert (m.group(3) == "ok") == (wall < 10 and peak_mb < 400)
