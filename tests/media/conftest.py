"""Session-cached test films for the media tests (generated once, a few KB each).

Other engineers' tests should call ``tests.mediagen`` directly rather than import these
fixtures, so test packages stay independent.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from tests.mediagen import make_film, write_srt


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def film_mp4(media_dir: Path) -> Path:
    """2 s, 24000/1001 fps, 160x90 H.264 + mono AAC tone tagged 'rus'."""
    return make_film(media_dir / "film.mp4", duration_s=2, fps=Fraction(24000, 1001), audio_language="rus")


@pytest.fixture(scope="session")
def film_mkv(media_dir: Path) -> Path:
    """2 s, 25 fps, H.264 + stereo AAC in Matroska."""
    return make_film(media_dir / "film.mkv", duration_s=2, fps=25, channels=2, audio_codec="aac")


@pytest.fixture(scope="session")
def tri_subs(media_dir: Path) -> dict[str, Path]:
    """The same two cues in Russian, English and Polish, named ``film.<lang>.srt``."""
    texts = {
        "ru": ("Привет, мир", "Права человека — для всех"),
        "en": ("Hello, world", "Human rights are for everyone"),
        "pl": ("Witaj, świecie", "Prawa człowieka są dla wszystkich — żółć"),
    }
    return {
        lang: write_srt(media_dir / f"film.{lang}.srt", [(200, 900, a), (1000, 1800, b)])
        for lang, (a, b) in texts.items()
    }
