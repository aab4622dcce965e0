"""Fixtures for the pipeline tests; plain helpers live in ``tests/pipeline/helpers.py``."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest


@pytest.fixture
def restore_cli_logging() -> Iterator[None]:
    """The CLI installs its own stderr handlers; put the test loggers back afterwards.

    Not autouse: only modules that run the CLI in-process ask for it
    (``pytestmark = pytest.mark.usefixtures("restore_cli_logging")``).
    """
    names = ("subpipe", "subtitles", "media", "pipeline")
    saved = {
        n: (logging.getLogger(n).handlers[:], logging.getLogger(n).level, logging.getLogger(n).propagate)
        for n in names
    }
    yield
    for name, (handlers, level, propagate) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers[:], logger.level, logger.propagate = handlers, level, propagate
