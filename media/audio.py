"""Streaming the film's audio as mono PCM at a low rate, for speech detection.

ffmpeg decodes the one chosen audio stream to signed 16-bit mono at 8 kHz on a pipe; the
caller gets it in chunks and feeds each straight to the detector, so memory stays flat
whatever the film's length (a 2-hour film is 115 MB of PCM at 8 kHz: never held at once).

Which stream: the one whose language tag matches the subtitles' language when the film
has several (a dubbed track beside the original), else the default one, else the first.
For 5.1 and 7.1 only the centre channel is kept (``pan=mono|c0=FC``): that is where
dialogue lives, away from the music and effects in the other channels.

Time 0 of the PCM is the film's first video frame (subtitle time 0): ``aresample``'s
``first_pts`` is set to where that frame falls after ffmpeg re-bases the film to its own
start, so audio before it (encoder priming that ffmpeg 5.1 leaves in Matroska, 21-64 ms)
is cut and an audio stream that starts later is padded with silence; either way no
detected onset moves with the ffmpeg release.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from media.escape import file_arg
from media.ffmpeg import find_ffmpeg
from media.probe import MediaInfo, StreamInfo
from media.runner import reap, spawn, stderr_tail
from subtitles.errors import InputError, ToolError
from subtitles.language import Language

log = logging.getLogger(__name__)

#: Decode rate: webrtcvad takes 8 kHz, and speech below 4 kHz is all the detector needs.
SAMPLE_RATE = 8000
#: Bytes read from the pipe at a time (about 4 s of audio).
CHUNK_BYTES = 64 * 1024
#: Chunks the reader thread may hold ahead of the analysis (4 MB at most).
QUEUE_CHUNKS = 64
#: Give up when ffmpeg sends nothing for this long (s).
STALL_TIMEOUT_S = 120.0


@dataclass(frozen=True, slots=True)
class AudioChoice:
    """The audio stream to decode: ``ordinal`` among the audio streams (``-map 0:a:N``)."""

    ordinal: int
    stream: StreamInfo | None
    centre_channel: bool
    why: str
    #: The first video frame, in ms after the film's start (``MediaInfo.start_ms``).
    lead_ms: int = 0

    @property
    def label(self) -> str:
        if self.stream is None:
            return "ffmpeg's default audio stream"
        lang = f" [{self.stream.language}]" if self.stream.language else ""
        chan = ", centre channel" if self.centre_channel else ""
        return f"audio stream #{self.stream.index}{lang}{chan} ({self.why})"


def _matches(tag: str | None, language: Language) -> bool:
    if not tag or tag.lower() in ("und", "zxx", "mis", "mul"):
        return False
    try:
        return Language.parse(tag).code == language.code
    except Exception:  # an unparseable tag simply does not match
        return False


def choose_audio(info: MediaInfo | None, language: Language | None = None) -> AudioChoice:
    """Pick the stream to listen to. Raises ``InputError`` when the film has no audio."""
    if info is None:
        return AudioChoice(0, None, False, "not probed")
    streams = info.audio
    if not streams:
        raise InputError("the film has no audio stream: nothing to align to", path=info.path)
    pick, why = 0, "the only audio stream" if len(streams) == 1 else "first audio stream"
    if len(streams) > 1:
        defaults = [i for i, s in enumerate(streams) if s.default]
        if defaults:
            pick, why = defaults[0], "default audio stream"
        if language is not None:
            matching = [i for i, s in enumerate(streams) if _matches(s.language, language)]
            if matching:
                pick = next((i for i in matching if streams[i].default), matching[0])
                why = f"language matches {language.code}"
    stream = streams[pick]
    first_frame = info.video_start_ms
    lead = max(0, first_frame - info.start_ms) if first_frame is not None else 0
    return AudioChoice(pick, stream, (stream.channels or 0) in (6, 7, 8), why, lead)


def _decode_args(
    film: Path, choice: AudioChoice, rate: int, *, start_ms: int = 0, duration_ms: int | None = None
) -> list[str]:
    filters = ["pan=mono|c0=FC"] if choice.centre_channel else []
    filters.append(f"aresample={rate}:first_pts={round(choice.lead_ms * rate / 1000)}")
    # Half-second frames after the resampler: ffmpeg hands every frame between its threads
    # (decoder, filters, encoder, muxer), and the codec's small frames cost more in those
    # hand-offs than in decoding (measured: 1.57 s -> 1.35 s for an hour of AAC). No padding.
    filters.append(f"asetnsamples=n={rate // 2}:p=0")
    # -ss/-t before -i: a fast seek, made sample-accurate by the trim ffmpeg then inserts;
    # time 0 of the output is ``start_ms`` of the film's presentation timeline.
    window = ["-ss", f"{start_ms / 1000:.3f}"] if start_ms else []
    if duration_ms is not None:
        window += ["-t", f"{duration_ms / 1000:.3f}"]
    return [
        str(find_ffmpeg().path), "-hide_banner", "-nostdin", "-v", "error", *window, "-i", file_arg(film),
        "-map", f"0:a:{choice.ordinal}", "-vn", "-sn", "-dn", "-af", ",".join(filters),
        "-ac", "1", "-ar", str(rate), "-c:a", "pcm_s16le", "-f", "s16le", "pipe:1",
    ]  # fmt: skip


def stream_pcm(
    film: Path,
    choice: AudioChoice,
    *,
    rate: int = SAMPLE_RATE,
    timeout_s: float = 4 * 3600.0,
    chunk_bytes: int = CHUNK_BYTES,
    start_ms: int = 0,
    duration_ms: int | None = None,
) -> Generator[npt.NDArray[np.int16], None, None]:
    """Yield the decoded audio as int16 chunks (an even number of bytes each).

    ``start_ms``/``duration_ms`` decode only that stretch of the film (for decoding parts
    in parallel); sample 0 is then ``start_ms`` of the presentation timeline.

    The process is killed when it stalls for ``STALL_TIMEOUT_S`` or runs past
    ``timeout_s``, or when the caller stops iterating early; failures raise ``ToolError``
    with the tail of ffmpeg's stderr (read on a thread, so a chatty ffmpeg never blocks
    on a full stderr pipe).
    """
    argv = _decode_args(film, choice, rate, start_ms=start_ms, duration_ms=duration_ms)
    proc = spawn(argv, what="decoding audio", path=film)
    assert proc.stdout is not None and proc.stderr is not None
    err_lines: list[bytes] = []
    err_thread = threading.Thread(target=lambda: err_lines.extend(proc.stderr), daemon=True)  # type: ignore[arg-type]
    err_thread.start()
    state = {"timed_out": False, "last": _now()}
    stop = threading.Event()

    def watchdog() -> None:
        started = _now()
        while not stop.wait(1.0):
            now = _now()
            if now - started > timeout_s or now - state["last"] > STALL_TIMEOUT_S:
                state["timed_out"] = True
                proc.kill()
                return

    guard = threading.Thread(target=watchdog, daemon=True)
    guard.start()
    # A reader thread drains the pipe into a bounded queue, so ffmpeg decodes on one core
    # while the caller analyses on the other; the bound keeps memory flat.
    chunks: queue.Queue[bytes | None] = queue.Queue(maxsize=QUEUE_CHUNKS)
    stdout = proc.stdout

    def reader() -> None:
        try:
            while data := stdout.read(chunk_bytes):
                state["last"] = _now()
                chunks.put(data)
        except (OSError, ValueError):  # the pipe was closed under us: the caller stopped
            pass
        finally:
            chunks.put(None)

    pump = threading.Thread(target=reader, daemon=True)
    pump.start()
    finished = False
    try:
        carry = b""
        while (data := chunks.get()) is not None:
            data = carry + data
            usable = len(data) - (len(data) % 2)
            carry = data[usable:]
            if usable:
                yield np.frombuffer(data[:usable], dtype="<i2")
        returncode = reap(proc)
        finished = True
    finally:
        stop.set()
        if not finished:  # the caller stopped early, or an interrupt: end ffmpeg now
            reap(proc, kill=True)
        while pump.is_alive():  # unblock a reader waiting on a full queue
            with contextlib.suppress(queue.Empty):
                chunks.get(timeout=0.1)
        pump.join(timeout=5)
        proc.stdout.close()
        err_thread.join(timeout=5)
        proc.stderr.close()
    tail = stderr_tail(b"".join(err_lines).decode("utf-8", "backslashreplace"))
    if state["timed_out"]:
        raise ToolError("decoding audio timed out", path=film, command=argv, stderr_tail=tail)
    if returncode != 0:
        if "matches no streams" in tail:
            raise InputError("the film has no audio stream: nothing to align to", path=film)
        if "Invalid data found" in tail or "No such file" in tail:
            raise InputError("not a media file ffmpeg can read", path=film)
        raise ToolError(
            f"decoding audio failed (exit {returncode})", path=film, command=argv, stderr_tail=tail,
            returncode=returncode,
        )  # fmt: skip


def _now() -> float:
    import time

    return time.monotonic()
