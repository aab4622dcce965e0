"""subpipe's HLS output played in a real browser: headless Chromium with hls.js.

The folder ``subpipe hls`` writes is served on 127.0.0.1 (``http.server`` in a thread, a
free port) next to hls.js from the npm registry (``tests/web/package.json``, installed by
``make test`` with ``npm ci``). Chromium is Debian's ``chromium`` (installed by the Makefile
as root), driven by Playwright's Python package with ``executable_path``: Playwright never
downloads a browser here. The page plays the master playlist and the test asserts what a
viewer gets: the picture decodes and advances, the three subtitle tracks are offered with
the right languages and names, and a known cue is on screen at its time (to 100 ms) and
not before it. The film starts at a non-zero container time, the case where a missing or
wrong ``X-TIMESTAMP-MAP`` shows subtitles early or never.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline.hls import HlsOptions, hls
from pipeline.mux import SubtitleSpec
from tests.mediagen import make_film, write_srt

WEB = Path(__file__).resolve().parent
HLS_JS = WEB / "node_modules" / "hls.js" / "dist" / "hls.min.js"
CHROMIUM = Path(os.environ.get("SUBPIPE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]

pytestmark = pytest.mark.media

#: The cue the test looks for: Polish, with diacritics, from 3.0 s to 5.5 s of the film.
CUE_START_S, CUE_END_S, CUE_TEXT = 3.0, 5.5, "Prawa człowieka — żółć"
TEXTS = {
    "ru": ("Привет, мир", "Права человека", "Конец"),
    "en": ("Hello, world", "Human rights", "The end"),
    "pl": ("Witaj, świecie", CUE_TEXT, "Koniec"),
}


def _requirements() -> str | None:
    """Why the browser test cannot run here, or ``None``."""
    if not CHROMIUM.is_file():
        return f"no Chromium at {CHROMIUM} (make test installs Debian's chromium as root)"
    if not HLS_JS.is_file():
        return f"hls.js not installed at {HLS_JS} (make test runs npm ci in tests/web)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright's Python package is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture(scope="module")
def hls_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    reason = _requirements()
    if reason:
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("web")
    film = make_film(root / "film.mkv", duration_s=8, size=(320, 180), fps=25, start_time_s=10)
    subs = [
        write_srt(root / f"film.{lang}.srt", [(500, 2500, a), (3000, 5500, b), (6000, 7500, c)])
        for lang, (a, b, c) in TEXTS.items()
    ]
    out = root / "site" / "hls"
    hls(HlsOptions(film, tuple(SubtitleSpec(s) for s in subs), out, heights=(180, 120), segment_s=2))
    shutil.copy(HLS_JS, root / "site" / "hls.min.js")
    (root / "site" / "index.html").write_text(
        '<!doctype html><meta charset="utf-8"><video id="v" muted playsinline></video>'
        '<script src="hls.min.js"></script>',
        encoding="utf-8",
    )
    return root / "site"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server(hls_folder: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(hls_folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


#: The page-side script: plays, picks the language, seeks around the cue, reports.
_PLAY = (WEB / "play_hls.js").read_text(encoding="utf-8")


def test_hls_plays_in_chromium_with_three_subtitle_languages(server: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{server}/index.html")
            result = page.evaluate(_PLAY, [f"{server}/hls/master.m3u8", "pl", CUE_START_S])
        finally:
            browser.close()
    print(json.dumps(result, ensure_ascii=False))  # shown with -s: what the browser saw
    assert not [e for e in result["events"] if e.endswith(":true")], result["events"]
    assert result["played"] and result["videoWidth"] > 0, "the H.264 picture did not decode and advance"
    assert [(t["lang"], t["name"]) for t in result["tracks"]] == [
        ("ru", "Русский"),
        ("en", "English"),
        ("pl", "Polski"),
    ]
    assert [t["language"] for t in result["textTracks"] if t["kind"] == "subtitles"] == ["ru", "en", "pl"]
    assert result["before"] == [], f"a cue is showing before {CUE_START_S} s: {result['before']}"
    assert result["shown"], f"no cue showing just after {CUE_START_S} s; the track holds {result['all']}"
    (cue,) = result["during"]
    assert cue["text"] == CUE_TEXT
    zero = result["firstFrame"]
    assert zero is not None and 0 <= zero < 0.5, "hls.js reported no start for the first video fragment"
    # The cue's times on the player's timeline, against the film's first frame there.
    assert abs(cue["start"] - (zero + CUE_START_S)) <= 0.1, (cue, zero)
    assert abs(cue["end"] - (zero + CUE_END_S)) <= 0.1, (cue, zero)
