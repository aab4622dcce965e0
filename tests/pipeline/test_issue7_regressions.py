"""Issue 7 acceptance audit: the examples and hostile inputs that had no regression test yet,
through the real CLI (a ``subpipe`` subprocess, or the real entry point in-process).

Each case here failed (or was untested) when the audit tried it by hand; the audit's table
is in ``/work/notes/audit7.md``. What every case asserts is what a user sees: the exit code
of README's table, one ``subpipe: error:`` line naming the file (and line), no traceback,
and nothing half-written left behind.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from media.ffmpeg import find_ffmpeg
from subtitles.atomic import MARKER
from subtitles.qc.glyphs import find_font
from tests.mediagen import make_film, write_srt
from tests.pipeline.helpers import run_in_process, subpipe
from tests.process_helpers import children, ended, wait_until

GOOD_SRT = "1\n00:00:00,500 --> 00:00:02,000\nHello there.\n"


def error_lines(stderr: str) -> list[str]:
    """The ``subpipe: error:`` lines; a traceback or an internal error fails the test."""
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    return [ln for ln in stderr.splitlines() if ln.startswith("subpipe: error: ")]


def one_error(stderr: str) -> str:
    lines = error_lines(stderr)
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.fixture(scope="module")
def film(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3 s, 96x64, with a tone: cheap to probe, mux and burn."""
    return make_film(tmp_path_factory.mktemp("issue7") / "film.mp4", duration_s=3, size=(96, 64))


# -- point 4: a cue typed hours past the film ---------------------------------------------------


def test_mux_refuses_a_cue_typed_at_50_hours(film: Path, tmp_path: Path) -> None:
    """SubRip can spell 50 hours, so the format check let it through: mux built a 50-hour
    MKV out of a 3-second film. A cue that starts after the film ends is never shown."""
    sub = tmp_path / "film.ru.srt"
    sub.write_text(
        "1\n00:00:00,200 --> 00:00:01,000\nПривет.\n\n2\n50:00:01,000 --> 50:00:02,000\nОпечатка.\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.mkv"
    proc = subpipe("mux", film, sub, "-o", out)
    assert proc.returncode == 2, proc.stderr
    line = one_error(proc.stderr)
    assert line.startswith(f"subpipe: error: {sub}:5: cue 2 starts at 50:00:01.000, after the film ends")
    assert sorted(p.name for p in tmp_path.iterdir()) == [sub.name]  # no output, no temporary


def test_burn_refuses_a_cue_typed_at_50_hours_before_encoding(film: Path, tmp_path: Path) -> None:
    """burn went on to encode, then failed its own frame check with exit 4 ("expected 9
    frames, got 6": a gap sample at 25 hours); a typo is the upload's fault (exit 2)."""
    sub = tmp_path / "film.ru.srt"
    sub.write_text(
        "1\n00:00:00,200 --> 00:00:01,000\nПривет.\n\n2\n50:00:01,000 --> 50:00:02,000\nОпечатка.\n",
        encoding="utf-8",
    )
    out = tmp_path / "burned"
    for dry in ([], ["--dry-run"]):
        proc = subpipe("burn", film, sub, "-o", out, *dry)
        assert proc.returncode == 2, proc.stderr
        assert f"{sub}:5: cue 2 starts at 50:00:01.000" in one_error(proc.stderr)
        assert not out.exists()


def test_a_cue_running_past_the_end_is_still_muxed(film: Path, tmp_path: Path) -> None:
    """The refusal is for cues that start after the end; one that starts inside the film and
    runs past it (the last line over the credits) is a subtitle like any other."""
    sub = write_srt(tmp_path / "film.ru.srt", [(200, 1000, "Привет."), (2500, 4000, "Пока.")])
    out = tmp_path / "out.mkv"
    proc = subpipe("mux", film, sub, "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert out.is_file()


# -- point 8: safe files ---------------------------------------------------------------------------


def test_fix_in_place_backs_up_a_255_byte_name(tmp_path: Path) -> None:
    """``NAME.bak`` is 259 bytes: the backup failed with "File name too long", so a file with
    a name at NAME_MAX could not be fixed in place at all."""
    sub = tmp_path / ("x" * 248 + ".en.srt")
    assert len(os.fsencode(sub.name)) == 255
    original = '1\n00:00:00,500 --> 00:00:02,000\nHe said "hello"...\n'
    sub.write_text(original, encoding="utf-8")
    for n, expected_backups in ((1, 1), (2, 2)):
        proc = subpipe("fix", sub, "--in-place", "--fps", "25")
        assert proc.returncode == 0, proc.stderr
        backups = sorted(p for p in tmp_path.iterdir() if p != sub)
        assert len(backups) == expected_backups, (n, [p.name for p in backups])
        assert all(len(os.fsencode(p.name)) <= 255 and ".en.srt.bak" in p.name for p in backups)
        assert "“hello”…" in sub.read_text(encoding="utf-8")
        sub.write_text(original, encoding="utf-8")  # again: the next backup must not replace this one
    assert {p.read_text(encoding="utf-8") for p in backups} == {original}


@pytest.mark.media
def test_a_failed_burn_leaves_no_output_folder(film: Path, tmp_path: Path) -> None:
    """ffmpeg failing (here: a full disk) or Ctrl-C removed the temporaries but left the
    empty output folder the run had created."""
    if find_font() is None:
        pytest.skip("DejaVu Sans is not installed (Debian: fonts-dejavu-core; `make` installs it)")
    sub = write_srt(tmp_path / "film.ru.srt", [(200, 1200, "Привет")])
    fake = tmp_path / "bin" / "ffmpeg"
    fake.parent.mkdir()
    fake.write_text(
        "#!/bin/sh\n"
        'case "$*" in *ass=filename=*)\n'
        '  echo "Error writing trailer: No space left on device" >&2; exit 1;;\n'
        "esac\n"
        f'exec {shlex.quote(str(find_ffmpeg().path))} "$@"\n',
        encoding="utf-8",
    )
    fake.chmod(0o755)
    out = tmp_path / "new" / "burned"
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline.cli.main", "burn", str(film), str(sub), "-o", str(out)],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "SUBPIPE_FFMPEG": str(fake)},
    )  # fmt: skip
    assert proc.returncode == 4, proc.stderr
    assert "No space left on device" in proc.stderr
    assert not out.exists()


# -- point 1: SUBPIPE_FFMPEG chooses how films are probed -------------------------------------------


@pytest.mark.media
def test_subpipe_ffmpeg_chooses_the_probe_backend(film: Path) -> None:
    """The bundled ffmpeg has no ffprobe of its build: probing goes through PyAV, never
    through the ffprobe 5.1 on PATH; an ffmpeg with its own ffprobe beside it uses that."""
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    bundled = Path(imageio_ffmpeg.get_ffmpeg_exe())
    base = {k: v for k, v in os.environ.items() if k not in ("SUBPIPE_FFMPEG", "SUBPIPE_FFPROBE")}

    def backend(ffmpeg: Path) -> str:
        proc = subprocess.run(
            [sys.executable, "-m", "pipeline.cli.main", "probe", "--json", str(film)],
            capture_output=True, text=True, timeout=60, check=False,
            env={**base, "SUBPIPE_FFMPEG": str(ffmpeg)},
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        info = json.loads(proc.stdout)
        assert 2900 <= info["duration_ms"] <= 3100  # either way, the same film
        value: str = info["backend"]
        return value

    assert backend(bundled) == "pyav"
    system = Path("/usr/bin/ffmpeg")
    if not (system.is_file() and (system.parent / "ffprobe").is_file()):
        pytest.skip("no system ffmpeg with its ffprobe beside it (Debian: apt-get install ffmpeg)")
    assert backend(system) == "ffprobe"


# -- point 8 and beyond: hostile inputs, every command --------------------------------------------


def _hostile_subtitles(folder: Path, film: Path) -> dict[str, Path]:
    folder.mkdir()
    made = {
        "empty": b"",
        "bom-only": b"\xef\xbb\xbf",
        "garbage": bytes(range(256)) * 16,
        "nul-bytes": b"1\n00:00:00,500 --> 00:00:02,000\nHel\x00lo\n",
        "no-cues": b"WEBVTT\n",
        "a-film": film.read_bytes(),
    }
    paths = {}
    for label, data in made.items():
        path = folder / f"{label}.en.srt"
        path.write_bytes(data)
        paths[label] = path
    paths["folder"] = folder / "folder.en.srt"
    paths["folder"].mkdir()
    paths["fifo"] = folder / "fifo.en.srt"
    os.mkfifo(paths["fifo"])  # reading it would block for ever
    paths["dangling-link"] = folder / "gone.en.srt"
    paths["dangling-link"].symlink_to(folder / "nothing.srt")
    return paths


HOSTILE_SUBS = [
    "empty",
    "bom-only",
    "garbage",
    "nul-bytes",
    "no-cues",
    "a-film",
    "folder",
    "fifo",
    "dangling-link",
]

#: Every command that reads a subtitle file (``{sub}``, ``{film}``, ``{out}`` filled in).
SUB_COMMANDS: dict[str, list[str]] = {
    "inspect": ["inspect", "{sub}"],
    "validate": ["validate", "{sub}"],
    "validate --json": ["validate", "--json", "{sub}"],
    "fix": ["fix", "{sub}", "-o", "{out}/fixed.srt"],
    "fix --dry-run": ["fix", "--dry-run", "{sub}"],
    "align": ["align", "{sub}", "--reference", "{good}", "-o", "{out}/aligned.srt"],
    "align --reference": ["align", "{good}", "--reference", "{sub}", "-o", "{out}/aligned.srt"],
    "sidecars": ["sidecars", "{sub}", "-o", "{out}/sidecars"],
    "mux": ["mux", "{film}", "{sub}", "-o", "{out}/muxed.mkv"],
    "hls": ["hls", "{film}", "{sub}", "-o", "{out}/hls"],
    "burn --dry-run": ["burn", "{film}", "{sub}", "-o", "{out}/burned", "--dry-run"],
}


@pytest.fixture(scope="module")
def hostile(film: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Path], Path]:
    root = tmp_path_factory.mktemp("hostile7")
    good = root / "good.en.srt"
    good.write_text(GOOD_SRT, encoding="utf-8")
    return _hostile_subtitles(root / "subs", film), good


@pytest.mark.usefixtures("restore_cli_logging")
@pytest.mark.parametrize("command", list(SUB_COMMANDS))
@pytest.mark.parametrize("kind", HOSTILE_SUBS)
def test_a_hostile_subtitle_file_is_one_line_exit_2(
    kind: str,
    command: str,
    hostile: tuple[dict[str, Path], Path],
    film: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Empty, binary, NUL bytes, no cues, a film, a folder, a FIFO, a dangling link: exit 2,
    one line naming the file (a folder was "subtitle file not found" in mux, sidecars, hls
    and burn), no output of any kind."""
    subs, good = hostile
    sub = subs[kind]
    out = tmp_path / "out"
    out.mkdir()
    fill = {"sub": str(sub), "film": str(film), "out": str(out), "good": str(good)}
    args = [a.format(**fill) for a in SUB_COMMANDS[command]]
    code, _, err = run_in_process(args, capsys)
    assert code == 2, (args, err)
    line = one_error(err)
    assert sub.name in line, line
    if kind == "folder":
        assert "folder" in line and "not found" not in line, line
    assert list(out.iterdir()) == []


# -- Ctrl-C during align ------------------------------------------------------------------------------


def _slow_ffmpeg(folder: Path) -> Path:
    """An ffmpeg that reads at the film's own speed (``-re``): a run is surely mid-decode."""
    wrapper = folder / "slow" / "ffmpeg"
    wrapper.parent.mkdir()
    wrapper.write_text(f'#!/bin/sh\nexec {shlex.quote(str(find_ffmpeg().path))} -re "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    return wrapper


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def _wait_for_decoder(proc: subprocess.Popen[str], film: Path) -> int:
    """The pid of subpipe's ffmpeg reading ``film`` (not the short ``-version`` look-up)."""

    def decoding() -> int | None:
        kids = [pid for pid, comm in children(proc.pid).items() if comm.startswith("ffmpeg")]
        return next((pid for pid in kids if film.name in _cmdline(pid)), None)

    found: list[int] = []

    def started() -> bool:
        pid = decoding()
        if pid is not None:
            found.append(pid)
        return pid is not None

    assert wait_until(started, 60) is not None, "subpipe align never started decoding the film"
    return found[-1]


@pytest.mark.media
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=lambda s: signal.Signals(s).name)
def test_interrupting_align_stops_its_decoder_and_writes_nothing(sig: signal.Signals, tmp_path: Path) -> None:
    film = make_film(tmp_path / "film.mp4", duration_s=30, size=(64, 36))
    sub = write_srt(tmp_path / "film.en.srt", [(1000, 3000, "Hello"), (20_000, 22_000, "Bye")])
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "SUBPIPE_FFMPEG": str(_slow_ffmpeg(tmp_path)), "TMPDIR": str(scratch)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli.main", "align", str(sub), "--film", str(film),
         "-o", str(out_dir / "aligned.srt")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        ffmpeg = _wait_for_decoder(proc, film)
        time.sleep(0.5)
        assert proc.poll() is None, "align ended before the signal: the test needs a run in progress"
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 128 + sig, err
    assert err.strip().splitlines()[-1].startswith("subpipe: ")  # "interrupted" / "terminated (SIGTERM)"
    assert "Traceback" not in err
    gone: Callable[[], bool] = lambda: ended(ffmpeg)  # noqa: E731
    assert wait_until(gone, 5) is not None, "ffmpeg outlived the interrupted align"
    assert list(out_dir.iterdir()) == [] and list(scratch.iterdir()) == []
    assert not any(MARKER in p.name for p in tmp_path.rglob("*"))


def test_a_thin_reference_is_refused_for_what_it_is(tmp_path: Path) -> None:
    """A reference with too little timed text was refused as "no speech found in the film"
    although no film was given."""
    sub = write_srt(tmp_path / "film.en.srt", [(1000, 2500, "Hello there.")])
    ref = write_srt(tmp_path / "ref.en.srt", [(1200, 2700, "Hello there.")])
    proc = subpipe("align", sub, "--reference", ref, "-o", tmp_path / "out.srt")
    assert proc.returncode == 3, proc.stderr
    line = one_error(proc.stderr)
    reason = line.split("alignment refused: ", 1)[1]
    assert reason.startswith("the reference has too little timed text") and "film" not in reason
    assert not (tmp_path / "out.srt").exists()


@pytest.mark.parametrize("command", ["validate", "burn", "inspect"])
def test_a_fifo_given_as_the_film_is_named_as_such(tmp_path: Path, command: str) -> None:
    """A FIFO is not "not found": it is there, and opening it would block."""
    fifo = tmp_path / "film.mp4"
    os.mkfifo(fifo)
    sub = tmp_path / "film.en.srt"
    sub.write_text("1\n00:00:01,000 --> 00:00:02,000\nHello there\n", encoding="utf-8")
    commands: dict[str, list[str | Path]] = {
        "validate": ["validate", sub, "--film", fifo],
        "inspect": ["inspect", sub, "--film", fifo],
        "burn": ["burn", fifo, sub, "-o", tmp_path / "out"],
    }
    args = commands[command]
    done = subpipe(*args)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == f"subpipe: error: {fifo}: not a regular file (a FIFO or device), not a film"


def test_fix_in_place_through_a_symlink_fixes_the_file_it_names(tmp_path: Path) -> None:
    real = tmp_path / "store" / "film.en.srt"
    real.parent.mkdir()
    real.write_text(
        "1\n00:00:01,000 --> 00:00:03,000\nWait...  what?\n\n2\n00:00:04,000 --> 00:00:06,000\nWe go now.\n",
        encoding="utf-8",
    )
    link = tmp_path / "film.en.srt"
    link.symlink_to(real)
    done = subpipe("fix", link, "--in-place")
    assert done.returncode in (0, 1), done.stderr
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert "…" in real.read_text(encoding="utf-8")  # the file the link names was fixed
    assert (real.parent / "film.en.srt.bak").read_text(encoding="utf-8").startswith("1\n00:00:01,000")
