"""Ways the pipeline tests run ``subpipe``: as a separate process, as users do, or in-process
through the real entry point (faster, and errors surface as ``SystemExit`` codes)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from pipeline.cli.main import run


def subpipe(
    *args: str | Path,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """``python -m pipeline.cli.main ARGS`` in a fresh interpreter, output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli.main", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env=env,
        check=False,
    )


def run_in_process(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``subpipe ARGS`` run in this process.

    The CLI installs its own stderr log handlers: use the ``restore_cli_logging`` fixture.
    """
    with pytest.raises(SystemExit) as exc:
        run(args)
    out, err = capsys.readouterr()
    code = exc.value.code
    return (code if isinstance(code, int) else 1), out, err
