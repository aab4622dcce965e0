"""Outputs appear atomically: written under a temporary name in the target folder, then
renamed with ``Path.replace`` (``os.replace``). A crash or an error leaves no half-written file under the
final name, and the temporary file is removed.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from subtitles.errors import InputError, OutputError


@contextlib.contextmanager
def atomic_path(final: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``final``; on success move it into place.

    The temporary name keeps the final suffix (``.film.mkv.tmp-x1y2.mkv``) because ffmpeg
    picks the container from the extension.
    """
    final = Path(final)
    if final.is_dir():
        raise OutputError("is a folder; give a file name", path=final)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.tmp-", suffix=final.suffix)
        # mkstemp creates 0600; an output is an ordinary file, readable as the umask allows.
        os.fchmod(fd, 0o666 & ~_umask())
        os.close(fd)
    except (FileExistsError, NotADirectoryError):
        raise OutputError(
            "cannot write: a file stands where a folder of this path should be", path=final
        ) from None
    except OSError as exc:
        raise OutputError(f"cannot write: {exc.strerror or exc}", path=final) from None
    tmp = Path(tmp_name)
    try:
        yield tmp
        try:
            tmp.replace(final)  # os.replace: atomic within one filesystem
        except OSError as exc:
            raise OutputError(f"cannot write: {exc.strerror or exc}", path=final) from None
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def _umask() -> int:
    """The process umask (read by setting and restoring it: there is no getter)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_text(final: str | Path, text: str, encoding: str = "utf-8") -> None:
    """Write text atomically (UTF-8 unless told otherwise, ``\\n`` line ends)."""
    with atomic_path(final) as tmp:
        tmp.write_bytes(text.encode(encoding))


def write_bytes(final: str | Path, data: bytes) -> None:
    with atomic_path(final) as tmp:
        tmp.write_bytes(data)


def refuse_overwrite_of_inputs(output: str | Path, inputs: list[Path]) -> None:
    """Inputs are never modified: an output that *is* an input is an error."""
    out = Path(output)
    for src in inputs:
        if out.resolve() == Path(src).resolve():
            raise InputError("output would overwrite an input file; choose another name", path=out)
