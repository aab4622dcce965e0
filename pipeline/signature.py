"""A finished job recognised from its folder's metadata: one ``os.scandir``, no file read.

Planning a job the full way reads its spec, lists its uploads, takes every input's content
hash (from the ledger's cache while size, mtime and inode match) and computes every stage's
key: tens of microseconds of Python per stage, seconds for ten thousand jobs, paid again by
every ``subpipe batch`` and every ``watch`` poll. Most of those jobs are finished and
unchanged, which their folders' metadata already says.

So when a job finishes (or is found finished), the coordinator records its **signature**
in the ledger (table ``signatures``, one row per job as requested):

* the job folder's top-level files as one ``os.scandir`` lists them (name, size, mtime in
  ns, inode, following symlinks; hidden names and our own output folder left out, as the
  job reader leaves them out), so a new, removed, renamed, rewritten or re-linked upload or
  spec changes it;
* the same for each input the job reads from below its top level (a spec's
  ``translations/film.en.srt``, a profile, a font): one ``stat`` each;
* the run's context: the output root, the CLI's stage options, subpipe's and ffmpeg's
  versions, every stage's name and version;

and the state of the output folders: each folder holding a recorded output, with its mtime
and inode. A folder's mtime changes when an entry in it is added, removed or renamed, so
an unchanged folder still holds every output recorded in it (each was checked to exist when
the row was written); one ``stat`` per folder, not per output.

The next plan of the job loads every row with one ``SELECT``, lists the folder, stats the
extra inputs and output folders, and compares: equal means done, with the result summary
kept in the row (the full ``result.json`` is read only when asked for). Anything different
means the full plan, where content hashes decide, as before: the signature only ever says
"nothing changed", never what changed.

**Racy timestamps** (as git calls them): a file written within the filesystem's timestamp
granularity of the moment its stat was taken could be rewritten again with the same size
and mtime. A row in which any recorded mtime is within ``RACY_NS`` of the time it was
recorded is therefore marked racy and never trusted; the next full plan (which verifies
everything) records it again, by then with old timestamps.
"""

# os functions on strings throughout: a pathlib object costs microseconds to build, and the
# point of this module is planning ten thousand jobs in well under a second
# ruff: noqa: PTH100, PTH116

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Timestamps this close to the moment they were recorded are not trusted (coarse kernel
#: clocks tick every few ms; some network filesystems keep whole seconds).
RACY_NS = 2_000_000_000


@dataclass(frozen=True, slots=True)
class Scan:
    """A job folder's top-level files as one ``os.scandir`` listed them."""

    folder: str
    files: tuple[tuple[str, int, int, int], ...]  # (name, size, mtime_ns, inode), by name
    taken_ns: int

    @property
    def newest_ns(self) -> int:
        return max((f[2] for f in self.files), default=0)


def scan(folder: str | Path, entries: Iterable[os.DirEntry[str]] | None = None) -> Scan | None:
    """List ``folder`` (or use ``entries`` a caller already listed): ``None`` if unreadable."""
    from pipeline.spec import IGNORED_NAMES

    taken = time.time_ns()
    files = []
    try:
        if entries is None:
            with os.scandir(folder) as it:
                entries = list(it)
        for e in entries:
            name = e.name
            if name[0] == "." or name in IGNORED_NAMES:
                continue
            try:
                if not e.is_file():  # sub-folders: only the inputs the job names count (extras)
                    continue
                st = e.stat()
            except OSError:
                return None
            files.append((name, st.st_size, st.st_mtime_ns, st.st_ino))
    except OSError:
        return None
    files.sort()
    return Scan(str(folder), tuple(files), taken)


def stat_key(path: str) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def digest(context: str, scan: Scan, extras: Sequence[tuple[str, tuple[int, int, int] | None]]) -> str:
    """The signature: the context, the listing and the extra inputs' stats in one hash."""
    h = hashlib.blake2b(digest_size=16)
    h.update(context.encode())
    h.update(repr(scan.files).encode())
    h.update(repr(list(extras)).encode())
    return h.hexdigest()


def context_digest(*parts: Any) -> str:
    return hashlib.blake2b(
        json.dumps(parts, sort_keys=True, default=str).encode(), digest_size=16
    ).hexdigest()


@dataclass(frozen=True, slots=True)
class Row:
    """One job's recorded signature (a ``signatures`` row)."""

    path: str
    context: str
    signature: str
    #: JSON ``[extras, folders]``: the inputs below the folder's top level (paths), and each
    #: output folder as ``[path, mtime_ns, inode]`` (decoded only when the row is looked up)
    state: str
    ident: str
    name: str
    out_dir: str
    brief: str  # JSON: the job result's summary
    racy: bool

    @classmethod
    def of(
        cls,
        *,
        extras: Sequence[str],
        folders: Sequence[tuple[str, int, int]],
        **fields: Any,
    ) -> Row:
        return cls(state=json.dumps([list(extras), [list(f) for f in folders]]), **fields)

    def matches(self, context: str, listing: Scan | None) -> bool:
        """Nothing the job depends on changed, and every recorded output is still there."""
        if self.racy or listing is None or context != self.context:
            return False
        paths, folders = json.loads(self.state)
        extras = [(p, stat_key(p)) for p in paths]
        if digest(context, listing, extras) != self.signature:
            return False
        for folder, mtime_ns, ino in folders:
            try:
                st = os.stat(folder)
            except OSError:
                return False
            if st.st_mtime_ns != mtime_ns or st.st_ino != ino:
                return False
        return True


def output_folders(out_dir: Path, outputs: Iterable[str]) -> tuple[tuple[str, int, int], ...] | None:
    """The state of every folder holding one of ``outputs`` (relative to ``out_dir``), taken
    before checking that each output exists; ``None`` when one is missing (nothing recorded)."""
    paths = [out_dir / o for o in outputs]
    folders = sorted({str(p.parent) for p in paths} | {str(out_dir)})
    state = []
    for folder in folders:
        try:
            st = os.stat(folder)
        except OSError:
            return None
        state.append((folder, st.st_mtime_ns, st.st_ino))
    for p in paths:
        if not os.path.lexists(p):
            return None
    return tuple(state)


def is_racy(recorded_ns: int, mtimes: Iterable[int]) -> bool:
    return any(recorded_ns - m < RACY_NS for m in mtimes)


def make_row(
    *,
    path: str,
    context: str,
    listing: Scan,
    extras: Sequence[tuple[str, tuple[int, int, int] | None]],
    out_dir: Path,
    outputs: Iterable[str],
    ident: str,
    name: str,
    brief: Mapping[str, Any],
) -> Row | None:
    """The row to record for a job found finished, or ``None`` if its outputs are incomplete."""
    folders = output_folders(out_dir, outputs)
    if folders is None or any(s is None for _, s in extras):
        return None
    now = time.time_ns()
    mtimes = [f[2] for f in listing.files] + [s[1] for _, s in extras if s] + [f[1] for f in folders]
    racy = is_racy(now, mtimes)
    return Row.of(
        path=path,
        context=context,
        signature=digest(context, listing, extras),
        extras=[p for p, _ in extras],
        folders=folders,
        ident=ident,
        name=name,
        out_dir=str(out_dir),
        brief=json.dumps(brief, ensure_ascii=False),
        racy=racy,
    )


def absolute(path: Path | str) -> str:
    """The job's key as requested: absolute, not resolved (resolving costs a stat per part)."""
    text = os.fspath(path)
    if text.startswith("/") and "/." not in text and "//" not in text:
        return text  # already absolute and normal (as ``discover`` gives them)
    with contextlib.suppress(OSError):
        return os.path.abspath(text)
    return text
