"""Shared fixtures: the seed page (a real scraped Okezone article) and a fresh workspace."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.workspace.layout import Workspace

# A real Label Studio for the round-trip tests, started once per session (tests/conftest_labelstudio.py).
pytest_plugins = ["tests.conftest_labelstudio"]

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    """The bundled example articles (the seed page plus hand-written pages)."""
    return EXAMPLES


@pytest.fixture(scope="session")
def seed_text() -> str:
    """The real page the project started from, as scraped."""
    return (EXAMPLES / "okezone-kazakhstan.txt").read_text(encoding="utf-8")


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """An empty workspace in a temporary directory."""
    return Workspace(tmp_path / "ws")
