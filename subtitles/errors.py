"""The one exception hierarchy of subpipe.

It lives in the lowest layer (``subtitles``) so that ``media`` and ``pipeline`` can raise
and catch the same types. The library never prints or exits: the CLI maps these classes
to exit codes in one place (``pipeline.cli.main``).

Every error carries the file it concerns and, where known, the 1-based source line, so the
one-line message a user sees reads ``path:line: what went wrong``.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

#: Format characters that reorder or hide text on a terminal (bidi embeddings, overrides and
#: isolates, the directional marks); escaped with the control characters so that a file
#: named ``cod\u202egnp.exe`` cannot make an error line read as something else.
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_char(ch: str) -> str:
    code = ord(ch)
    if ch in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[ch]
    if 0xDC80 <= code <= 0xDCFF:  # a byte that is not UTF-8, kept by surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def one_line(text: str) -> str:
    """``text`` safe to show on one terminal line: control characters (``\\n``, ESC, C1),
    bidi controls and undecodable bytes (surrogate escapes) become visible escapes.

    Everything else, letters of any script included, is left as it is: this is for
    showing a name, not for making it ASCII.
    """
    if text.isprintable() and not _BIDI_CONTROLS.intersection(text):
        return text  # the common case, checked at C speed
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in _BIDI_CONTROLS or cat in ("Cc", "Cs") or ch in ("\u2028", "\u2029"):
            out.append(_escape_char(ch))
        else:
            out.append(ch)
    return "".join(out)


def display_path(path: str | Path) -> str:
    """How every message shows a file name: as given, on one line (see ``one_line``).

    A file name may hold any byte but ``/`` and NUL; a newline in it would otherwise split
    the one-line error a script reads, and an escape sequence could rewrite the terminal.
    """
    return one_line(str(path))


class SubpipeError(Exception):
    """Base of every error subpipe raises on purpose."""

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            shown = display_path(self.path)
            where = f"{shown}:{self.line}: " if self.line is not None else f"{shown}: "
        return f"{where}{one_line(self.message)}"


# -- exit code 2: the input cannot be used at all ------------------------------------------


class InputError(SubpipeError):
    """An input is missing, unreadable, or cannot be interpreted (exit code 2)."""


class UsageError(InputError):
    """Options that contradict each other or are missing (exit code 2)."""


class EncodingError(InputError):
    """The bytes of a subtitle file decode in no supported encoding."""


class FormatError(InputError):
    """The subtitle format cannot be recognised or parsed."""


class FrameRateRequired(InputError):
    """A frame-based format (MicroDVD) was given without a film or ``--fps``."""


class LanguageError(InputError):
    """A language name or code that babel does not know."""


class OutputError(InputError):
    """An output cannot be written where it was asked for (read-only folder, a file where a
    folder should be, disk full). Exit code 2: the user must choose another place."""


# -- exit code 1: the content was read but is not acceptable -------------------------------


class ContentError(SubpipeError):
    """The input was read, but its content failed a check (exit code 1)."""


# -- exit code 3: alignment refused ---------------------------------------------------------


class AlignmentRefused(SubpipeError):
    """Alignment found no trustworthy answer; nothing was written (exit code 3)."""

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        confidence: float | None = None,
        reason: str = "",
    ) -> None:
        super().__init__(message, path=path)
        self.confidence = confidence
        self.reason = reason


# -- exit code 4: an external tool failed ---------------------------------------------------


class ToolError(SubpipeError):
    """ffmpeg (or another external tool) failed or produced an unusable output (exit code 4)."""

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        command: list[str] | None = None,
        stderr_tail: str = "",
        returncode: int | None = None,
    ) -> None:
        super().__init__(message, path=path)
        self.command = command or []
        self.stderr_tail = stderr_tail
        self.returncode = returncode

    def __str__(self) -> str:
        base = super().__str__()
        tail = self.stderr_tail.strip().splitlines()[-1:] if self.stderr_tail.strip() else []
        return f"{base} ({one_line(tail[0].strip())})" if tail else base


class ToolNotFound(ToolError):
    """No usable ffmpeg binary could be found."""


class OutputVerificationError(ToolError):
    """The tool exited 0 but its output does not contain what was asked for."""
