"""Processes started by subpipe die with it: ``kill -9`` of subpipe leaves no ffmpeg running,
from the main thread, a worker thread or a spawned worker process; an interrupt kills every
child; and only ``media/runner.py`` starts processes."""

from __future__ import annotations

import ast
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from media import runner
from media.escape import file_arg
from subtitles.errors import ToolError
from tests.process_helpers import ended, wait_until

REPO = Path(__file__).resolve().parents[2]

#: Seconds the kernel may take to kill an orphan (measured: a few milliseconds).
DEATH_TIMEOUT_S = 2.0


def _start_parent(body: str) -> subprocess.Popen[str]:
    """A Python process running ``body``, which prints one pid, then waits for stdin."""
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(body)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )


def _kill9_and_time_child(parent: subprocess.Popen[str]) -> float | None:
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    assert not ended(child)
    parent.send_signal(signal.SIGKILL)
    parent.wait(timeout=10)
    try:
        return wait_until(lambda: ended(child), DEATH_TIMEOUT_S)
    finally:
        if not ended(child):
            os.kill(child, signal.SIGKILL)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux-only")
def test_a_child_dies_with_a_killed_parent() -> None:
    parent = _start_parent("""
        import sys
        from media.runner import spawn
        proc = spawn(["sleep", "60"], what="waiting")
        print(proc.pid, flush=True)
        sys.stdin.read()
    """)
    took = _kill9_and_time_child(parent)
    assert took is not None, "the child outlived its kill -9'd parent"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux-only")
def test_a_child_of_a_worker_thread_dies_with_a_killed_parent() -> None:
    """The batch engine runs jobs on threads: a thread that waits on its child keeps it tied."""
    parent = _start_parent("""
        import sys, threading
        from media.runner import run
        threading.Thread(target=run, args=(["sleep", "60"],), kwargs={"timeout": 90, "what": "waiting"},
                         daemon=True).start()
        import time, os
        from tests.process_helpers import children
        while not children(os.getpid()):
            time.sleep(0.01)
        print(next(iter(children(os.getpid()))), flush=True)
        sys.stdin.read()
    """)
    assert _kill9_and_time_child(parent) is not None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux-only")
def test_a_spawned_worker_dies_with_a_killed_parent() -> None:
    parent = _start_parent("""
        import os, sys
        from media.runner import worker_context
        from tests.media import spawn_workers
        worker = worker_context().Process(target=spawn_workers.sleeper, args=(os.getpid(),), daemon=True)
        worker.start()
        print(worker.pid, flush=True)
        sys.stdin.read()
    """)
    time.sleep(0.5)  # let the fresh interpreter reach die_with_parent
    assert _kill9_and_time_child(parent) is not None


def test_workers_are_spawned_never_forked() -> None:
    assert runner.worker_context().get_start_method() == "spawn"


def test_kill_all_ends_children_of_other_threads() -> None:
    errors: list[BaseException] = []

    def job() -> None:
        try:
            runner.run(["sleep", "60"], timeout=90, what="waiting")
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=job)
    thread.start()
    assert wait_until(lambda: runner._live, 5) is not None
    started = time.monotonic()
    assert runner.kill_all() == 1
    thread.join(timeout=10)
    assert not thread.is_alive() and time.monotonic() - started < 5
    assert isinstance(errors[0], ToolError) and errors[0].returncode == -signal.SIGKILL
    assert not runner._live


def test_an_interrupt_kills_the_child_at_once() -> None:
    started = time.monotonic()

    def interrupt(line: bytes) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        runner.stream_lines(
            [sys.executable, "-c", "print('x', flush=True); import time; time.sleep(60)"],
            timeout=90,
            what="waiting",
            on_line=interrupt,
        )
    assert time.monotonic() - started < 10 and not runner._live


def test_a_missing_program_is_a_tool_error() -> None:
    with pytest.raises(ToolError, match="cannot start"):
        runner.run(["/nonexistent/ffmpeg", "-version"], timeout=10, what="probing")


def test_paths_reach_ffmpeg_as_absolute_file_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert file_arg("concat:a.mp4") == f"file:{tmp_path}/concat:a.mp4"
    assert file_arg("-x.mp4") == f"file:{tmp_path}/-x.mp4"
    assert file_arg(Path("/abs/pipe:1")) == "file:/abs/pipe:1"
    argv = runner._ffmpeg_argv(["-i", Path("a:b.mp4"), "-f", "null", "pipe:1"])
    assert argv[-5:] == ["-i", f"file:{tmp_path}/a:b.mp4", "-f", "null", "pipe:1"]


def test_messages_show_names_without_the_file_prefix() -> None:
    tail = runner.stderr_tail("noise\nfile:/films/concat:a.mp4: Invalid data found when processing input")
    assert tail.splitlines()[-1] == "/films/concat:a.mp4: Invalid data found when processing input"


#: Test-media generators live in the tests tree but start ffmpeg like the package does.
GENERATORS = ("tests/mediagen.py", "tests/shotgen.py")


def _py_modules() -> list[Path]:
    return sorted(
        [
            *(
                p
                for package in ("subtitles", "media", "pipeline")
                for p in (REPO / package).rglob("*.py")
                if not {"out", "site-packages", ".venv"} & set(p.parts)
            ),
            *(REPO / g for g in GENERATORS),
        ]
    )


def test_only_the_runner_starts_processes() -> None:
    """One subprocess layer: nothing else imports ``subprocess``, forks, execs, or picks a
    multiprocessing start method."""
    forbidden_calls = {"fork", "forkpty", "system", "popen", "get_context", "set_start_method", "Popen"}
    offenders = []
    for path in _py_modules():
        if path == REPO / "media" / "runner.py":
            continue
        where = path.relative_to(REPO)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                if {"subprocess", "multiprocessing", "pty"} & set(names):
                    offenders.append(f"{where}:{node.lineno} imports {names}")
            elif (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in ("os", "multiprocessing", "subprocess")
                and (node.attr in forbidden_calls or node.attr.startswith(("spawn", "exec", "posix_spawn")))
            ):
                offenders.append(f"{where}:{node.lineno} uses {node.value.id}.{node.attr}")
    assert offenders == []
