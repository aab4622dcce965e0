"""Progress of a long ffmpeg run, shown the same way by every command that has one.

``burn``, ``hls`` and ``mux`` hand ffmpeg's ``-progress`` blocks (``media.progress``) and
the expected length to the sink this module gives them; it turns them into a
:class:`ProgressEvent` (share done, speed, an ETA from the wall clock) and shows it:

* ``bar``: on a terminal, click's progress bar with percent and ETA (stderr);
* ``plain``: anywhere else (a log file, CI), one line per 10 % on stderr, so logs stay
  short and every line is whole;
* ``json``: with ``--json``, one JSON object per block on stderr, so stdout stays the one
  report document: ``{"event": "progress", "stage": "burn", "percent": 42.0, "eta_s": 12.5,
  ...}``;
* ``none``: a dry run (nothing is encoded).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import click

from media.progress import Progress

Mode = Literal["bar", "plain", "json", "none"]

#: What the pipeline calls for each ffmpeg progress block: the block and the length
#: (ms) that ``out_time`` runs up to (``None``: unknown, no percentage).
ProgressSink = Callable[[Progress, int | None], None]

#: Plain (non-terminal) progress: one line per this many percent.
PLAIN_STEP_PERCENT = 10

#: An ETA from less than this share done is a guess from start-up costs: not shown.
ETA_MIN_FRACTION = 0.01


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    """One progress report: share done and an estimate of the time left."""

    stage: str
    done_ms: int
    total_ms: int | None
    fraction: float | None
    speed: float | None
    eta_s: float | None
    finished: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "event": "progress",
            "stage": self.stage,
            "done_ms": self.done_ms,
            "total_ms": self.total_ms,
            "percent": None if self.fraction is None else round(self.fraction * 100, 1),
            "speed": self.speed,
            "eta_s": None if self.eta_s is None else round(self.eta_s, 1),
            "finished": self.finished,
        }


class EtaTracker:
    """ffmpeg progress blocks to :class:`ProgressEvent`, the ETA from the wall clock since
    the first block (so probing and checks before the encode do not count)."""

    def __init__(self, stage: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.stage = stage
        self.clock = clock
        self.started: float | None = None

    def event(self, block: Progress, total_ms: int | None) -> ProgressEvent:
        now = self.clock()
        if self.started is None:
            self.started = now
        fraction = block.fraction(total_ms)
        eta = None
        if block.done or (fraction is not None and fraction >= 1):
            eta = 0.0
        elif fraction is not None and ETA_MIN_FRACTION <= fraction < 1:
            eta = (now - self.started) / fraction * (1 - fraction)
        return ProgressEvent(
            stage=self.stage,
            done_ms=block.out_time_ms or 0,
            total_ms=total_ms or None,
            fraction=fraction,
            speed=block.speed,
            eta_s=eta,
            finished=block.done,
        )


def progress_mode(*, as_json: bool, dry_run: bool = False) -> Mode:
    """The display for this run: none for a dry run, JSON lines with ``--json``, a bar on a
    terminal, plain lines otherwise."""
    if dry_run:
        return "none"
    if as_json:
        return "json"
    return "bar" if sys.stderr.isatty() else "plain"


def format_eta(seconds: float | None) -> str:
    """``mm:ss`` (``h:mm:ss`` from an hour), ``--:--`` when unknown."""
    if seconds is None:
        return "--:--"
    s = int(seconds + 0.5)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60:02d}:{s % 60:02d}"


@contextmanager
def progress_sink(
    mode: Mode, label: str, *, clock: Callable[[], float] = time.monotonic
) -> Iterator[ProgressSink | None]:
    """A sink for the pipeline's ``on_progress`` (``None`` in mode ``none``); the bar is
    closed (its line ended) when the block exits, however it exits."""
    if mode == "none":
        yield None
        return
    tracker = EtaTracker(label, clock)
    if mode == "json":

        def emit(block: Progress, total_ms: int | None) -> None:
            click.echo(json.dumps(tracker.event(block, total_ms).to_json()), err=True)

        yield emit
        return
    if mode == "plain":
        last = [-PLAIN_STEP_PERCENT]

        def line(block: Progress, total_ms: int | None) -> None:
            event = tracker.event(block, total_ms)
            if event.fraction is None:
                return
            percent = int(event.fraction * 100)
            if percent >= last[0] + PLAIN_STEP_PERCENT or (event.finished and last[0] < 100):
                last[0] = percent
                click.echo(f"{label}: {percent:3d}%  eta {format_eta(event.eta_s)}", err=True)

        yield line
        return
    with click.progressbar(
        length=1000, label=label, file=sys.stderr, show_eta=True, show_percent=True, width=30
    ) as bar:
        done = [0]

        def update(block: Progress, total_ms: int | None) -> None:
            fraction = block.fraction(total_ms)
            if fraction is None:
                return
            target = int(fraction * 1000)
            if target > done[0]:
                bar.update(target - done[0])
                done[0] = target

        yield update
