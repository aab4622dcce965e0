"""The demo job's ``report.html`` opened in a real browser: headless Chromium from ``file://``.

The job is the demo's (its film, its ru/en/pl uploads with their planted flaws), run once
per module through ``subpipe run`` with one change planted in the English upload: a cue
carrying HTML, ``<b>`` (an SRT tag the fix keeps) and ``<script>`` (one it removes, so it
shows in the page's list of safe fixes), on a line too long for the English profile so the
validate stage reports it with its text; the burn stage is on, so the page has proof
frames and burned renditions. The browser is Debian's ``chromium``, driven by
Playwright's Python package with ``executable_path`` (the same binary and arguments as
the HLS test, whose helpers are reused here). The test asserts what a person sees: no
console errors, every section, the HTML shown as text and never run, filters and sorting
that respond to clicks, a page that fits a phone's width; and it saves screenshots.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.test_hls_browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.media

REPO = Path(__file__).resolve().parents[2]
#: Planted in the English upload's second cue: markup a page must show, never obey.
HOSTILE = "<b>Bold</b> <script>window.__pwned = 1;</script>move with a much longer line"
SECTIONS = ("status", "findings", "alignment", "reading-speed", "proof-frames", "renditions", "commands")


def _requirements() -> str | None:
    """Why the browser test cannot run here (as the HLS test decides, without hls.js)."""
    if not CHROMIUM.is_file():
        return f"no Chromium at {CHROMIUM} (make test installs Debian's chromium as root)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright's Python package is not installed (pip install -e '.[dev]')"
    return None


def _plant(upload: Path) -> None:
    """Into the (UTF-8) English upload: ``HOSTILE`` as the second cue's first line, a line
    too long in the fifth cue and three lines in the seventh, so the table has rows of two
    rules at three cues to filter and sort (none of them a flaw the safe fixes repair)."""
    blocks = upload.read_text("utf-8").split("\n\n")

    def put(n: int, text: list[str]) -> None:
        lines = blocks[n].split("\n")
        blocks[n] = "\n".join([*lines[:2], *text, *lines[3:]])

    put(1, [HOSTILE])
    put(4, ["This first line is far too long for a viewer to read"])
    put(6, ["Three", "short", "lines"])
    upload.write_text("\n\n".join(blocks), encoding="utf-8")


@pytest.fixture(scope="module")
def job_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    reason = _requirements()
    if reason:
        pytest.skip(reason)
    from pipeline.demo import build_demo_inputs

    root = tmp_path_factory.mktemp("report")
    inputs = build_demo_inputs(root)
    _plant(inputs.subtitles["en"])
    out = root / "output"
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.cli.main", "run", str(inputs.input_dir), "--out", str(out),
         "--ledger", str(root / "ledger.sqlite"), "--workers", "1", "--burn", "--burn-preset", "ultrafast",
         # the demo's house profile: its planted missing Russian line is a warning, so ru ships
         "--profile", "house-profile.toml"],
        capture_output=True, text=True, timeout=300, cwd=REPO, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert (out / "report.html").is_file(), done.stdout
    return out


@pytest.fixture(scope="module")
def browser(job_output: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _open(browser: Any, page_url: str, width: int = 1200) -> tuple[Any, list[str]]:
    page = browser.new_page(viewport={"width": width, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"{m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    page.on("request", lambda r: None if r.url.startswith(("file:", "data:")) else problems.append(r.url))
    page.goto(page_url)
    return page, problems


def _visible_rows(table: Any) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = table.evaluate(
        """t => Array.from(t.tBodies[0].rows).filter(r => !r.hidden).map(r => ({
            severity: r.dataset.severity, rule: r.dataset.rule, cue: r.dataset.cue}))"""
    )
    return rows


def test_report_in_chromium(job_output: Path, browser: Any, tmp_path: Path) -> None:
    page, problems = _open(browser, (job_output / "report.html").as_uri())
    try:
        # every section, with its heading shown
        for section in SECTIONS:
            assert page.locator(f"section#{section} > h2").is_visible(), section
        assert page.locator("#job-status").inner_text() == "ok"
        # per language: a findings block, an alignment picture with its zoomed strip, a speed chart
        for tag in ("en", "pl", "ru"):
            assert page.locator(f"#findings-{tag}").count() == 1
            assert page.locator(f"#alignment-{tag} svg.plot").count() == 2, tag
            assert page.locator(f"#cps-{tag} svg.plot").count() == 1, tag
        assert "offset -2" in page.locator("#alignment-pl dl").first.inner_text()  # the late Polish file
        renditions = page.locator("#rendition-table").inner_text()
        assert renditions.count("crackdown.mkv") == 1
        for tag in ("en", "pl", "ru"):  # the burned films, probed, with the language burned in
            assert f"crackdown.{tag}.180p.mp4" in renditions and f"burned in: {tag}" in renditions
        # the proof sheet of the burned films, shown (decoded) inline
        proof = page.locator("#proof-frames img")
        assert proof.count() == 1 and proof.evaluate("i => i.complete && i.naturalWidth > 300")
        assert proof.get_attribute("src").startswith("data:image/png;base64,")
        assert "ass=filename=" in page.locator("#commands").inner_text()  # the burn's own command
        assert "ffmpeg" in page.locator("#version-table").inner_text()

        # the planted HTML is text on the page and never ran
        en = page.locator("#findings-en")
        shown = en.locator("td.text", has_text="<b>Bold</b>")
        assert shown.count() >= 1 and shown.first.locator("b").count() == 0
        en.locator("details.fixes summary").click()
        fixes = en.locator("details.fixes td.text", has_text="<script>window.__pwned = 1;</script>")
        assert fixes.count() == 1 and fixes.first.is_visible()
        assert page.evaluate("window.__pwned") is None
        assert page.evaluate("document.scripts.length") == 1

        # filters: severity boxes and the rule menu hide rows; the counter follows
        table = en.locator("table.findings")
        everything = _visible_rows(table)
        assert {r["rule"] for r in everything} >= {"read.line_length", "read.lines"}
        assert {r["cue"] for r in everything} >= {"2", "5", "7"}
        en.locator("input[data-filter-severity='warning']").uncheck()
        unchecked = _visible_rows(table)
        assert len(unchecked) < len(everything) and all(r["severity"] != "warning" for r in unchecked)
        en.locator("input[data-filter-severity='warning']").check()
        en.locator("select[data-filter-rule]").select_option("read.lines")
        only = _visible_rows(table)
        assert [(r["rule"], r["cue"]) for r in only] == [("read.lines", "7")]
        assert en.locator("[data-shown]").inner_text() == f"{len(only)} of {len(everything)} shown"
        en.locator("select[data-filter-rule]").select_option("")
        assert len(_visible_rows(table)) == len(everything)

        # sorting: a click on "cue" orders the rows by cue, a second click reverses them
        header = table.locator("th[data-sort='cue']")
        header.click()
        cues = [int(r["cue"]) for r in _visible_rows(table) if r["cue"]]
        assert (
            len(set(cues)) >= 3 and cues == sorted(cues) and header.get_attribute("aria-sort") == "ascending"
        )
        header.click()
        cues = [int(r["cue"]) for r in _visible_rows(table) if r["cue"]]
        assert cues == sorted(cues, reverse=True) and header.get_attribute("aria-sort") == "descending"
        stages = page.locator("#stage-table")
        stages.locator("th[data-sort='stage']").click()
        names = stages.evaluate("t => Array.from(t.tBodies[0].rows).map(r => r.dataset.stage)")
        assert names == sorted(names)

        shot = tmp_path / "report.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
    finally:
        page.close()
    assert problems == [], problems

    # a phone: nothing wider than the screen, the pictures scaled down with it
    phone, phone_problems = _open(browser, (job_output / "report.html").as_uri(), width=390)
    try:
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        # the pictures keep readable labels and scroll sideways inside their own box
        box = phone.locator("#alignment-pl .plotbox").first
        assert box.bounding_box()["width"] <= 390
        assert box.evaluate("b => b.scrollWidth > b.clientWidth && b.scrollWidth >= 560")
        phone.screenshot(path=str(tmp_path / "report-phone.png"), full_page=True)
    finally:
        phone.close()
    assert phone_problems == []


def test_report_rebuilds_byte_for_byte_from_the_artifacts(job_output: Path, tmp_path: Path) -> None:
    """``subpipe report`` from the folder alone, moved elsewhere: the same page."""
    written = (job_output / "report.html").read_bytes()
    moved = tmp_path / "moved"
    shutil.copytree(job_output, moved)
    (moved / "report.html").unlink()
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.cli.main", "report", str(moved)],
        capture_output=True, text=True, timeout=120, cwd=REPO, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"report: {moved / 'report.html'}"
    rebuilt = (moved / "report.html").read_bytes()
    # the same page; only links to the job's own files could differ, and they are relative
    assert rebuilt == written
    assert not re.search(rb'href="(file:|/)', rebuilt)
