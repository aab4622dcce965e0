"""Entry point of the ``subpipe`` command, and the one place errors become exit codes.

Exit codes (documented in the README):

====  ===============================================================
0     success
1     the content failed (validation errors, a failed job)
2     usage error or unreadable input (missing file, undecodable
      subtitle, unknown language, missing frame rate)
3     alignment refused for low confidence
4     an external tool failed (ffmpeg), with the tail of its stderr
70    an internal error (a bug: please report it with ``--debug`` output)
130   interrupted (Ctrl-C)
143   terminated (SIGTERM; 129 for SIGHUP)
====  ===============================================================

SIGTERM and SIGHUP are handled like Ctrl-C: the handler raises ``KeyboardInterrupt`` (as
``Terminated``) in the main thread, so every ``finally`` runs: ffmpeg is killed, temporary
files and folders are removed, and the exit code says which signal ended the run.
"""

from __future__ import annotations

import ast
import contextlib
import gc
import importlib
import logging
import re
import signal
import sys
import traceback
from collections.abc import Iterator
from types import FrameType

import click

from pipeline import __version__
from subtitles.errors import AlignmentRefused, ContentError, InputError, SubpipeError, ToolError

EXIT_OK = 0
EXIT_CONTENT = 1
EXIT_INPUT = 2
EXIT_REFUSED = 3
EXIT_TOOL = 4
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130
#: Signals that end a run the way Ctrl-C does, with exit code 128 + the signal number.
TERMINATING_SIGNALS = (signal.SIGTERM, signal.SIGHUP)

#: Order matters: the first matching class wins.
EXIT_CODES: tuple[tuple[type[SubpipeError], int], ...] = (
    (AlignmentRefused, EXIT_REFUSED),
    (ToolError, EXIT_TOOL),
    (InputError, EXIT_INPUT),
    (ContentError, EXIT_CONTENT),
)

#: One module per command in ``pipeline/cli/``, each exposing ``command``.
COMMAND_MODULES = (
    "probe",
    "inspect",
    "mux",
    "validate",
    "fix",
    "align",
    "demo",
    "run",
    "batch",
    "watch",
    "burn",
    "sidecars",
    "hls",
    "report",
)

log = logging.getLogger("subpipe")


class Terminated(KeyboardInterrupt):
    """A terminating signal, raised in the main thread so clean-up runs as for Ctrl-C."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _on_terminate(signum: int, frame: FrameType | None) -> None:
    # Once: a second signal while the clean-up runs must not cut the clean-up short.
    for sig in TERMINATING_SIGNALS:
        with contextlib.suppress(ValueError, OSError):
            signal.signal(sig, signal.SIG_IGN)
    raise Terminated(signum)


@contextlib.contextmanager
def _terminating_signals_interrupt() -> Iterator[None]:
    """Turn SIGTERM/SIGHUP into ``Terminated`` for the run; restore the handlers after.

    A signal the caller ignores stays ignored (``nohup subpipe ...`` keeps running when the
    terminal closes). Off the main thread (the CLI run inside a thread) nothing changes.
    """
    saved = {}
    try:
        for sig in TERMINATING_SIGNALS:
            previous = signal.getsignal(sig)
            if previous is signal.SIG_IGN:
                continue
            signal.signal(sig, _on_terminate)
            saved[sig] = previous if previous is not None else signal.SIG_DFL
    except ValueError:  # not the main thread
        pass
    try:
        yield
    finally:
        for sig, previous in saved.items():
            signal.signal(sig, previous)


def _interrupted(exc: BaseException) -> int:
    """Report an interrupt (Ctrl-C or a terminating signal) and give its exit code.

    Children still running on other threads are killed too (``media.runner.kill_all``), so
    those threads end and the process can exit at once.
    """
    runner = sys.modules.get("media.runner")
    if runner is not None:
        runner.kill_all()
    cause = exc if isinstance(exc, Terminated) else exc.__cause__ or exc.__context__
    if isinstance(cause, Terminated):
        click.echo(f"subpipe: terminated ({signal.Signals(cause.signum).name})", err=True)
        return 128 + cause.signum
    click.echo("subpipe: interrupted", err=True)
    return EXIT_INTERRUPTED


def exit_code_for(error: SubpipeError) -> int:
    for cls, code in EXIT_CODES:
        if isinstance(error, cls):
            return code
    return EXIT_CONTENT


class _StderrHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        level = "" if record.levelno == logging.INFO else f"{record.levelname.lower()}: "
        click.echo(f"{level}{record.getMessage()}", err=True)


def _configure_logging(verbose: int, quiet: bool) -> None:
    level = logging.WARNING
    if quiet:
        level = logging.ERROR
    elif verbose == 1:
        level = logging.INFO
    elif verbose >= 2:
        level = logging.DEBUG
    handler = _StderrHandler()
    for name in ("subpipe", "subtitles", "media", "pipeline"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level)
        logger.propagate = False


class _LazyGroup(click.Group):
    """Imports a command's module only when that command runs (or help lists them all):
    ``subpipe align`` need not load the QC engine, nor ``subpipe probe`` numpy."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMAND_MODULES)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMAND_MODULES:
            return None
        command: click.Command = importlib.import_module(f"pipeline.cli.{cmd_name}").command
        return command


@click.group(
    cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.version_option(__version__, "--version", prog_name="subpipe")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for commands run).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.pass_context
def cli(ctx: click.Context, debug: bool, verbose: int, quiet: bool) -> None:
    """subpipe: take a film and its subtitle files from upload to distributable renditions.

    \b
    Example:
      subpipe probe film.mp4
      subpipe inspect film.ru.srt film.pl.sub --fps 25
      subpipe mux film.mp4 film.ru.srt film.en.srt film.pl.srt -o film.mkv
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    _configure_logging(verbose, quiet)


def _click_error(exc: click.ClickException) -> int:
    """click's own errors (a missing file argument, a bad option value) as one line."""
    no_args = getattr(click.exceptions, "NoArgsIsHelpError", None)  # click >= 8.2
    if no_args is not None and isinstance(exc, no_args):
        click.echo(exc.format_message())  # plain ``subpipe``: the help, not an error
        return EXIT_OK
    hint = ""
    if isinstance(exc, click.UsageError) and exc.ctx is not None:
        hint = f" (see '{exc.ctx.command_path} --help')"
    click.echo(f"subpipe: error: {exc.format_message()}{hint}", err=True)
    return EXIT_INPUT if isinstance(exc, click.UsageError) else exc.exit_code


#: The cyclic garbage collector's first threshold while a command runs (Python's is 700).
#: A command builds hundreds of thousands of small objects that live until it ends (cues,
#: findings, changes): with the default, the collector walks them all again and again,
#: 1.2 s of 9 for ``fix`` on 200,000 cues. Reference counting frees everything else as
#: usual, and cycles are still collected, only less often.
GC_FIRST_THRESHOLD = 100_000


def run(argv: list[str] | None = None) -> None:
    """Console-script entry: run the CLI and map every outcome to an exit code."""
    args = sys.argv[1:] if argv is None else argv
    _, second, third = gc.get_threshold()
    gc.set_threshold(GC_FIRST_THRESHOLD, second, third)
    debug = "--debug" in args
    try:
        with _terminating_signals_interrupt():
            cli.main(args=args, prog_name="subpipe", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.Abort as exc:  # click wraps KeyboardInterrupt (and so Terminated) in Abort
        sys.exit(_interrupted(exc))
    except click.ClickException as exc:
        sys.exit(_click_error(exc))
    except SubpipeError as exc:
        _traceback_if(debug)
        click.echo(f"subpipe: error: {exc}", err=True)
        sys.exit(exit_code_for(exc))
    except KeyboardInterrupt as exc:
        sys.exit(_interrupted(exc))
    except OSError as exc:
        # The environment refused a read or write the library did not wrap (a full disk, a
        # permission): the user's to fix, so one line and exit 2, not an internal error.
        _traceback_if(debug)
        where = f"{exc.filename}: " if exc.filename else ""
        click.echo(f"subpipe: error: {where}{exc.strerror or exc}", err=True)
        sys.exit(EXIT_INPUT)
    except Exception as exc:
        _traceback_if(debug)
        loop = _symlink_loop(exc)
        if loop is not None:
            click.echo(f"subpipe: error: {loop}", err=True)
            sys.exit(EXIT_INPUT)
        click.echo(
            f"subpipe: internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)",
            err=True,
        )
        sys.exit(EXIT_INTERNAL)
    sys.exit(EXIT_OK)


def _traceback_if(debug: bool) -> None:
    """``--debug``: the traceback of the exception being handled, on stderr. The exit code
    stays the documented one: a script run with ``--debug`` must not read every failure as 1."""
    if debug:
        traceback.print_exc()


_SYMLINK_LOOP = re.compile(r"^Symlink loop from (.+)$")


def _symlink_loop(exc: Exception) -> InputError | None:
    """Python before 3.13 reports a symlink loop met by ``Path.resolve`` as a ``RuntimeError``,
    not an ``OSError`` (ELOOP): it is the same unusable input, so exit 2 naming the path."""
    match = _SYMLINK_LOOP.match(str(exc)) if isinstance(exc, RuntimeError) else None
    if match is None:
        return None
    try:
        path = str(ast.literal_eval(match.group(1)))
    except (ValueError, SyntaxError):
        path = match.group(1)
    return InputError("symlink loop (a link that leads back to itself)", path=path)


if __name__ == "__main__":
    run()
