"""The validation benchmark runs end to end (tiny size) and prints both timings and the ratio."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def test_bench_validate_smoke() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "bench/validate.py"), "--files", "3", "--cues", "60"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    assert re.search(r"pysubs2 load: total [\d.]+ s, p50 [\d.]+ ms, p95 [\d.]+ ms", result.stdout)
    assert re.search(r"validate: +total [\d.]+ s, p50 [\d.]+ ms, p95 [\d.]+ ms", result.stdout)
    ratio = re.search(r"ratio validate/load: ([\d.]+)", result.stdout)
    assert ratio is not None and float(ratio.group(1)) > 0
    findings = re.search(r"findings: (\d+)", result.stdout)
    assert findings is not None and int(findings.group(1)) > 0  # the planted flaws are found
