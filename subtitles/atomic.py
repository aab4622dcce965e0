"""Outputs appear atomically: written under a temporary name in the target folder, then
renamed with ``Path.replace`` (``os.replace``). A crash or an error leaves no half-written file under the
final name, and the temporary file is removed.

What a user can rely on:

* **Temporaries are recognisable, and a later run removes a dead run's.** A run killed
  with ``kill -9`` (or a power cut) runs no clean-up, so its temporary stays. Every
  temporary therefore names its maker: ``.film.mkv~subpipe-3fa2-12345-k2j4x1ab.mkv`` is
  made on host ``3fa2`` (a hash of the host name, so a shared folder's temporaries from
  another machine are never judged here) by process 12345. The next run that writes into
  that folder removes every such temporary of this host whose process is gone, or whose
  pid now belongs to a process started after the file was last written (a reused pid).
  Scratch folders (``scratch_dir``, in the system temporary folder) follow the same rule.
* **Any valid name works.** The temporary name must fit the file system's ``NAME_MAX``
  (255 bytes) where the final name does: for a long name the copy of the final name in
  the temporary is shortened (never the marker, and the suffix is kept, because ffmpeg
  picks the container from it).
* **Replacing a file keeps its permissions** (a 0600 file stays 0600, ``fix --in-place``
  and its ``.bak`` included); a new file gets ``0666 & ~umask``.
* **Only regular files are replaced**: an output that names a device, a FIFO or a socket
  (``-o /dev/sda``) is refused, never replaced by a regular file.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import logging
import os
import re
import shutil
import stat
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from subtitles.errors import InputError, OutputError

log = logging.getLogger(__name__)

#: What marks a name as subpipe's temporary.
MARKER = "~subpipe-"
#: Bytes in a file name when the file system does not say (Linux, macOS, Windows: 255).
DEFAULT_NAME_MAX = 255
#: Random characters ``tempfile`` adds to a name.
_RANDOM_CHARS = 8
#: A live process with a temporary's pid counts as its maker unless it started this much
#: later than the file was last written (clock granularity and small clock steps).
PID_REUSE_MARGIN_S = 5.0

_TEMP_FILE = re.compile(
    r"^\.(?P<head>.*)" + re.escape(MARKER) + r"(?P<host>[0-9a-f]{4})-(?P<pid>[0-9]+)-[a-z0-9_]+(?:\.[^.]*)?$",
    re.DOTALL,
)
_SCRATCH_DIR = re.compile(r"^subpipe-[a-z]+-(?P<host>[0-9a-f]{4})-(?P<pid>[0-9]+)-[a-z0-9_]+$")


#: Folders already swept by this process: a dead run's temporaries are there from the start,
#: so once per folder is enough (a batch writing 10,000 outputs does not rescan 10,000 times).
_swept: set[str] = set()
_swept_lock = threading.Lock()


def _first_visit(folder: str | Path) -> bool:
    key = str(Path(folder).absolute())
    with _swept_lock:
        if key in _swept:
            return False
        _swept.add(key)
        return True


@functools.cache
def host_tag() -> str:
    """Four hex digits naming this machine in temporary names."""
    node = os.uname().nodename.encode("utf-8", "surrogateescape")
    return hashlib.sha1(node, usedforsecurity=False).hexdigest()[:4]


def _nbytes(name: str) -> int:
    return len(os.fsencode(name))


def _name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        return DEFAULT_NAME_MAX


def temp_name_parts(final: Path, name_max: int = DEFAULT_NAME_MAX) -> tuple[str, str]:
    """(prefix, suffix) for ``mkstemp``: ``.NAME~subpipe-HOST-PID-`` + random + ``.SUFFIX``.

    ``NAME`` is shortened (by whole characters) so the whole name fits ``name_max`` bytes;
    a suffix too long to fit even then is dropped.
    """
    tag = f"{MARKER}{host_tag()}-{os.getpid()}-"
    suffix = final.suffix
    fixed = 1 + _nbytes(tag) + _RANDOM_CHARS
    if fixed + _nbytes(suffix) > name_max:
        suffix = ""
    budget = name_max - fixed - _nbytes(suffix)
    head = final.name
    while head and _nbytes(head) > budget:  # whole characters: never half a UTF-8 sequence
        head = head[: -max(1, (_nbytes(head) - budget) // 4)]
    return f".{head}{tag}", suffix


def _process_start(pid: int) -> float | None:
    """When process ``pid`` started (seconds since the epoch); ``None`` when there is none;
    ``-inf`` when it exists but its start cannot be read (then it is taken as the maker)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:  # another user's process: alive
        pass
    except OSError:
        return float("-inf")
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
        if fields[0] in (b"Z", b"X"):  # a zombie writes nothing: as good as gone (PID 1 may never reap it)
            return None
        ticks = int(fields[19])  # field 22 of proc_pid_stat(5): start time after boot
        with open("/proc/stat", "rb") as fh:
            btime = next(int(line.split()[1]) for line in fh if line.startswith(b"btime "))
        return btime + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return float("-inf")


def _is_stale(host: str, pid: int, mtime: float) -> bool:
    """Made on this host by a process that is gone (or whose pid was reused since)."""
    if host != host_tag() or pid == os.getpid():
        return False
    started = _process_start(pid)
    return started is None or started > mtime + PID_REUSE_MARGIN_S


def remove_stale_temporaries(folder: str | Path) -> list[Path]:
    """Remove the temporary files and folders (``temp_dir``) of dead runs in ``folder``; the
    paths removed.

    Never fails: a folder that cannot be listed, or a file that cannot be removed, is left.
    """
    removed = []
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            if not entry.name.startswith(".") or MARKER not in entry.name:
                continue
            match = _TEMP_FILE.match(entry.name)
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            is_dir = stat.S_ISDIR(st.st_mode)
            if match is None or not (is_dir or stat.S_ISREG(st.st_mode)):
                continue
            if _is_stale(match["host"], int(match["pid"]), st.st_mtime):
                with contextlib.suppress(OSError):
                    if is_dir:
                        shutil.rmtree(entry.path)
                    else:
                        Path(entry.path).unlink()
                    removed.append(Path(entry.path))
                    log.info("removed %s, left by an ended run (pid %s)", entry.path, match["pid"])
    return removed


def remove_stale_scratch(folder: str | Path | None = None) -> list[Path]:
    """Remove the scratch folders of dead runs (``scratch_dir``) in ``folder`` (default: the
    system temporary folder); the paths removed. Only this user's folders are touched."""
    base = Path(folder) if folder is not None else Path(tempfile.gettempdir())
    removed = []
    with contextlib.suppress(OSError), os.scandir(base) as entries:
        for entry in entries:
            match = _SCRATCH_DIR.match(entry.name)
            if match is None:
                continue
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
                continue
            if _is_stale(match["host"], int(match["pid"]), st.st_mtime):
                shutil.rmtree(entry.path, ignore_errors=True)
                if not os.path.lexists(entry.path):
                    removed.append(Path(entry.path))
                    log.info("removed %s, left by an ended run (pid %s)", entry.path, match["pid"])
    return removed


@contextlib.contextmanager
def scratch_dir(purpose: str) -> Iterator[Path]:
    """A private folder for intermediate files (``subpipe-PURPOSE-HOST-PID-xxxx`` in the
    system temporary folder), removed afterwards; dead runs' folders are removed first."""
    if not re.fullmatch(r"[a-z]+", purpose):
        raise ValueError(f"scratch purpose must be lower-case letters: {purpose!r}")
    if _first_visit(tempfile.gettempdir()):
        remove_stale_scratch()
    path = Path(tempfile.mkdtemp(prefix=f"subpipe-{purpose}-{host_tag()}-{os.getpid()}-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def temp_dir(final: str | Path) -> Path:
    """A new private folder beside ``final`` (``.NAME~subpipe-HOST-PID-xxxxxxxx``), for a
    folder output built then renamed into place, or for work files that belong with it.

    Dead runs' temporaries in that folder are removed first (once per process); the caller
    removes this one. Raises ``OutputError`` when it cannot be made.
    """
    final = Path(final).absolute()
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        if _first_visit(final.parent):
            remove_stale_temporaries(final.parent)
        prefix, _ = temp_name_parts(Path(final.name), _name_max(final.parent))
        return Path(tempfile.mkdtemp(dir=final.parent, prefix=prefix))
    except OSError as exc:
        raise _write_error(exc, final) from None


def _write_error(exc: OSError, final: Path) -> OutputError:
    """The one-line error for an output that cannot be written at ``final``."""
    if isinstance(exc, FileExistsError | NotADirectoryError):  # mkdir or stat through a file
        return OutputError("cannot write: a file stands where a folder of this path should be", path=final)
    if exc.errno == errno.ELOOP:
        return OutputError("cannot write: too many levels of symbolic links", path=final)
    return OutputError(f"cannot write: {exc.strerror or exc}", path=final)


def _existing_mode(final: Path) -> int | None:
    """The permission bits of the regular file at ``final``, ``None`` when nothing is there.

    Raises ``OutputError`` for what must not be replaced: a folder, a device, a FIFO, a
    socket, or a path that cannot be looked at (a symlink loop).
    """
    try:
        st = final.stat()
    except FileNotFoundError:  # nothing there (or a dangling symlink, which is replaced)
        return None
    except OSError as exc:
        raise _write_error(exc, final) from None
    if stat.S_ISDIR(st.st_mode):
        raise OutputError("is a folder; give a file name", path=final)
    if not stat.S_ISREG(st.st_mode):
        raise OutputError(
            "is not a regular file (a device, pipe or socket): refusing to replace it; give a file name",
            path=final,
        )
    return stat.S_IMODE(st.st_mode) & 0o777


@contextlib.contextmanager
def atomic_path(final: str | Path, *, mode: int | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``final``; on success move it into place.

    The temporary name keeps the final suffix (``.film.mkv~subpipe-3fa2-123-x1y2z3w4.mkv``)
    because ffmpeg picks the container from the extension. ``mode`` sets the permission
    bits; by default a replaced file keeps its own, a new one gets ``0666 & ~umask``.
    """
    final = Path(final)
    existing = _existing_mode(final)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        if _first_visit(final.parent):
            remove_stale_temporaries(final.parent)
        prefix, suffix = temp_name_parts(final, _name_max(final.parent))
        fd, tmp_name = tempfile.mkstemp(dir=final.parent, prefix=prefix, suffix=suffix)
        try:
            # mkstemp creates 0600; an output is an ordinary file, readable as the umask allows.
            if mode is None:
                mode = existing if existing is not None else 0o666 & ~_umask()
            os.fchmod(fd, mode)
        finally:
            os.close(fd)
    except OSError as exc:
        raise _write_error(exc, final) from None
    tmp = Path(tmp_name)
    try:
        yield tmp
        try:
            tmp.replace(final)  # os.replace: atomic within one filesystem
        except OSError as exc:
            raise _write_error(exc, final) from None
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def _umask() -> int:
    """The process umask (read by setting and restoring it: there is no getter)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_text(final: str | Path, text: str, encoding: str = "utf-8", *, mode: int | None = None) -> None:
    """Write text atomically (UTF-8 unless told otherwise, ``\\n`` line ends)."""
    with atomic_path(final, mode=mode) as tmp:
        tmp.write_bytes(text.encode(encoding))


def write_bytes(final: str | Path, data: bytes, *, mode: int | None = None) -> None:
    with atomic_path(final, mode=mode) as tmp:
        tmp.write_bytes(data)


def copy_file(source: str | Path, final: str | Path) -> None:
    """Copy ``source`` to ``final`` atomically with ``source``'s permission bits (a backup
    of a private file is as private as the file)."""
    source = Path(source)
    try:
        source_mode = stat.S_IMODE(source.stat().st_mode) & 0o777
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path=source) from None
    with atomic_path(final, mode=source_mode) as tmp:
        shutil.copyfile(source, tmp)


def refuse_overwrite_of_inputs(output: str | Path, inputs: list[Path]) -> None:
    """Inputs are never modified: an output that *is* an input is an error."""
    out = Path(output)
    for src in inputs:
        if out.resolve() == Path(src).resolve():
            raise InputError("output would overwrite an input file; choose another name", path=out)
