"""``stream_lines``: lines as they come, stderr drained, timeouts kill, failures carry stderr."""

from __future__ import annotations

import sys
import time

import pytest

from media.runner import stream_lines
from subtitles.errors import ToolError

PY = sys.executable


def test_lines_arrive_and_stderr_is_kept() -> None:
    code = "import sys\nfor i in range(3): print(f'n={i}', flush=True)\nsys.stderr.write('x' * 200000)\n"
    lines: list[bytes] = []
    done = stream_lines([PY, "-c", code], timeout=30, what="test", on_line=lines.append)
    assert lines == [b"n=0\n", b"n=1\n", b"n=2\n"]
    assert len(done.stderr) == 200000  # a full stderr pipe did not deadlock the run


def test_failure_carries_the_stderr_tail() -> None:
    code = "import sys\nsys.stderr.write('first\\nreal reason\\n')\nsys.exit(3)\n"
    with pytest.raises(ToolError) as err:
        stream_lines([PY, "-c", code], timeout=30, what="testing", on_line=lambda _l: None, path="f.mkv")
    assert err.value.returncode == 3
    assert str(err.value) == "f.mkv: testing failed (exit 3) (real reason)"


def test_timeout_kills() -> None:
    start = time.monotonic()
    with pytest.raises(ToolError, match="timed out after 1 s"):
        stream_lines(
            [PY, "-c", "import time; time.sleep(30)"], timeout=1, what="sleeping", on_line=lambda _l: None
        )
    assert time.monotonic() - start < 10


def test_missing_binary() -> None:
    with pytest.raises(ToolError, match="cannot start"):
        stream_lines(["/nonexistent/ffmpeg"], timeout=5, what="muxing", on_line=lambda _l: None)


def test_callback_error_kills_the_process() -> None:
    def boom(_line: bytes) -> None:
        raise RuntimeError("consumer failed")

    code = "import time\nprint('x', flush=True)\ntime.sleep(30)\n"
    start = time.monotonic()
    with pytest.raises(RuntimeError, match="consumer failed"):
        stream_lines([PY, "-c", code], timeout=60, what="t", on_line=boom)
    assert time.monotonic() - start < 10
