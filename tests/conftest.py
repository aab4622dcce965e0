"""Shared test configuration.

Any test that logs at ERROR fails (hidden failures stay visible, as in PySceneDetect's
suite). ``corpus`` gives the path of ``../shared/corpus`` or skips the test with a reason.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"


@pytest.fixture(autouse=True)
def _fail_on_error_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.WARNING)
    yield
    errors = [r for r in caplog.get_records("call") if r.levelno >= logging.ERROR]
    if errors:
        pytest.fail("logged at ERROR: " + "; ".join(r.getMessage() for r in errors))


@pytest.fixture(autouse=True)
def _private_film_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """``validate``/``fix --film`` cache the film's cuts and speech: in the session's temporary
    folder, never the user's ``~/.cache``."""
    monkeypatch.setenv("SUBPIPE_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "subpipe-cache"))


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared corpus folder; tests that need it skip cleanly when it is absent."""
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS}")
    return CORPUS
