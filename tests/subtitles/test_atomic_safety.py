"""What atomic outputs promise beyond atomicity: permissions kept, only regular files replaced,
temporaries that fit any valid name and that a later run recognises and removes when their
run is dead."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from subtitles import atomic
from subtitles.atomic import (
    MARKER,
    atomic_path,
    copy_file,
    remove_stale_scratch,
    remove_stale_temporaries,
    scratch_dir,
    temp_name_parts,
    write_text,
)
from subtitles.errors import OutputError


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    proc = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True
    )
    return int(proc.stdout)


def _temp_name(final: str, pid: int, host: str | None = None) -> str:
    return f".{final}{MARKER}{host or atomic.host_tag()}-{pid}-abcd1234{Path(final).suffix}"


def test_replacing_a_private_file_keeps_it_private(tmp_path: Path) -> None:
    out = tmp_path / "film.ru.srt"
    out.write_text("old")
    out.chmod(0o600)
    write_text(out, "new")
    assert out.read_text() == "new" and _mode(out) == 0o600
    out.chmod(0o640)
    write_text(out, "newer")
    assert _mode(out) == 0o640


def test_a_new_file_follows_the_umask_and_mode_can_be_given(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        write_text(tmp_path / "a.srt", "x")
        write_text(tmp_path / "b.srt", "x", mode=0o600)
    finally:
        os.umask(old)
    assert _mode(tmp_path / "a.srt") == 0o640 and _mode(tmp_path / "b.srt") == 0o600


def test_copy_keeps_the_source_mode(tmp_path: Path) -> None:
    src = tmp_path / "film.srt"
    src.write_bytes(b"1\n00:00:01,000 --> 00:00:02,000\nx\n")
    src.chmod(0o600)
    copy_file(src, tmp_path / "film.srt.bak")
    assert (tmp_path / "film.srt.bak").read_bytes() == src.read_bytes()
    assert _mode(tmp_path / "film.srt.bak") == 0o600


def test_a_device_is_never_replaced() -> None:
    with pytest.raises(OutputError, match="not a regular file") as exc:
        write_text("/dev/null", "x")
    assert str(exc.value).startswith("/dev/null: ")
    assert stat.S_ISCHR(Path("/dev/null").stat().st_mode)


def test_a_fifo_is_never_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "out.srt"
    os.mkfifo(fifo)
    with pytest.raises(OutputError, match="not a regular file"):
        write_text(fifo, "x")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.srt"]


def test_a_symlink_loop_is_an_output_error(tmp_path: Path) -> None:
    (tmp_path / "loop.srt").symlink_to(tmp_path / "loop.srt")
    with pytest.raises(OutputError, match="symbolic links"):
        write_text(tmp_path / "loop.srt", "x")


@pytest.mark.parametrize("name", ["a" * 246 + ".srt", "ж" * 125 + ".srt", "x." + "y" * 253, "n" * 255])
def test_every_valid_name_can_be_written(tmp_path: Path, name: str) -> None:
    assert len(os.fsencode(name)) <= 255
    prefix, suffix = temp_name_parts(Path(name))
    assert len(os.fsencode(prefix + "x" * 8 + suffix)) <= 255
    assert prefix.startswith(".") and MARKER in prefix and f"-{os.getpid()}-" in prefix
    write_text(tmp_path / name, "x")
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_the_temporary_keeps_the_suffix_and_names_its_maker(tmp_path: Path) -> None:
    with atomic_path(tmp_path / "film.mkv") as tmp:
        assert tmp.suffix == ".mkv"
        assert re.fullmatch(
            rf"\.film\.mkv{re.escape(MARKER)}[0-9a-f]{{4}}-{os.getpid()}-[a-z0-9_]+\.mkv", tmp.name
        )


def test_a_dead_runs_temporaries_are_removed_and_live_ones_kept(tmp_path: Path) -> None:
    dead = _dead_pid()
    stale = tmp_path / _temp_name("film.mkv", dead)
    mine = tmp_path / _temp_name("film.mkv", os.getpid())
    parents = tmp_path / _temp_name("other.srt", os.getppid())
    elsewhere = tmp_path / _temp_name(
        "film.mkv", dead, host="zzzz" if atomic.host_tag() != "zzzz" else "yyyy"
    )
    lookalike = tmp_path / f".film.mkv{MARKER}not-a-temporary"
    for path in (stale, mine, parents, elsewhere, lookalike):
        path.write_bytes(b"partial")
    assert remove_stale_temporaries(tmp_path) == [stale]
    assert {p.name for p in tmp_path.iterdir()} == {mine.name, parents.name, elsewhere.name, lookalike.name}


def test_a_reused_pid_does_not_protect_an_old_temporary(tmp_path: Path) -> None:
    """The pid is alive (this test's parent) but started long after the file was written."""
    old = tmp_path / _temp_name("film.mkv", os.getppid())
    old.write_bytes(b"partial")
    os.utime(old, (1_000_000_000, 1_000_000_000))  # 2001: before any process running now
    assert remove_stale_temporaries(tmp_path) == [old]


def test_the_next_write_into_a_folder_removes_dead_temporaries(tmp_path: Path) -> None:
    stale = tmp_path / _temp_name("film.srt", _dead_pid())
    stale.write_bytes(b"partial")
    write_text(tmp_path / "film.srt", "x")
    assert [p.name for p in tmp_path.iterdir()] == ["film.srt"]


def test_scratch_folders_of_dead_runs_are_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)  # re-read TMPDIR
    stale = tmp_path / f"subpipe-mux-{atomic.host_tag()}-{_dead_pid()}-abcd1234"
    stale.mkdir()
    (stale / "film.ru.srt").write_text("x")
    foreign = tmp_path / "subpipe-mux-unrelated"
    foreign.mkdir()
    with scratch_dir("mux") as work:
        assert work.parent == tmp_path and work.is_dir()
        assert f"-{os.getpid()}-" in work.name
        assert remove_stale_scratch(tmp_path) == []  # our own, live
    assert not stale.exists() and not work.exists() and foreign.is_dir()


def test_temporary_folders_beside_an_output_are_named_and_swept(tmp_path: Path) -> None:
    """Folder outputs (HLS) and work folders (burn-in) are made by ``temp_dir``: a dead run's
    is removed with its contents, a live one kept."""
    stale = tmp_path / _temp_name("hls", _dead_pid())
    (stale / "seg").mkdir(parents=True)
    (stale / "seg" / "0.ts").write_bytes(b"x")
    work = atomic.temp_dir(tmp_path / "hls")
    assert work.is_dir() and work.parent == tmp_path and f"-{os.getpid()}-" in work.name
    assert not stale.exists()
    assert remove_stale_temporaries(tmp_path) == []
    with pytest.raises(OutputError, match="a file stands where a folder"):
        (tmp_path / "file").write_text("x")
        atomic.temp_dir(tmp_path / "file" / "hls")


def test_a_zombie_makers_temporary_is_stale(tmp_path: Path) -> None:
    """A killed run's process can linger as a zombie (nobody reaps it in a container): it
    writes nothing more, so its temporaries are removed like a dead process's."""
    import subprocess
    import sys
    import time

    from subtitles.atomic import _process_start, host_tag, remove_stale_temporaries

    child = subprocess.Popen([sys.executable, "-c", "pass"])  # exits; not waited for: a zombie
    try:
        deadline = time.monotonic() + 10
        while Path(f"/proc/{child.pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0] != b"Z":
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert _process_start(child.pid) is None
        stale = tmp_path / f".out.mkv~subpipe-{host_tag()}-{child.pid}-abcdefgh.mkv"
        stale.write_bytes(b"half")
        assert remove_stale_temporaries(tmp_path) == [stale] and not stale.exists()
    finally:
        child.wait()
