"""The layering rules of the README's Architecture section, checked on the source itself.

- ``subtitles/`` is pure logic: it imports neither ``media`` nor ``pipeline`` nor ``subprocess``.
- ``media/`` does not import ``pipeline``.
- Only ``media/`` starts processes, and never through a shell.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("subtitles", "media", "pipeline")


def _modules(package: str) -> list[Path]:
    """Source files of a package; generated trees (``bench/out``, venvs) are not ours."""
    return sorted(
        p for p in (REPO / package).rglob("*.py") if not {"out", "site-packages", ".venv"} & set(p.parts)
    )


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


FORBIDDEN = {
    "subtitles": {"media", "pipeline", "subprocess"},
    "media": {"pipeline"},
    "pipeline": {"subprocess"},
}


@pytest.mark.parametrize("package", PACKAGES)
def test_layering(package: str) -> None:
    offenders = {
        str(path.relative_to(REPO)): sorted(_imports(path) & FORBIDDEN[package])
        for path in _modules(package)
        if _imports(path) & FORBIDDEN[package]
    }
    assert offenders == {}, f"{package}/ imports what its layer must not"


def test_no_shell_true_anywhere() -> None:
    offenders = []
    for package in (*PACKAGES, "bench"):
        for path in _modules(package):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not (isinstance(node, ast.keyword) and node.arg == "shell"):
                    continue
                if not (isinstance(node.value, ast.Constant) and node.value.value is False):
                    offenders.append(f"{path.relative_to(REPO)}:{node.value.lineno}")
    assert offenders == []


def test_every_package_is_typed() -> None:
    for package in PACKAGES:
        assert (REPO / package / "py.typed").is_file(), package
