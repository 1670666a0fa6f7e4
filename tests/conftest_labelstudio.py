"""Pytest plugin: one real Label Studio per test session, started from a cached migrated data dir.

Load it from tests/conftest.py with `pytest_plugins = ["tests.conftest_labelstudio"]`.
The first run installs Label Studio (about 80 s) and migrates a template (about 35 s); later
sessions copy the template and start in about 4 s.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from annotation.server import Credentials, LabelStudioServer, ensure_template


@pytest.fixture(scope="session")
def label_studio_credentials() -> Credentials:
    """The admin login and API token of the session's server (random, as every workspace's are)."""
    return Credentials.generate()


@pytest.fixture(scope="session")
def label_studio_template() -> Path:
    """A migrated data dir to copy, so a test that needs its own server starts it in seconds."""
    return ensure_template()


@pytest.fixture(scope="session")
def label_studio(
    tmp_path_factory: pytest.TempPathFactory, label_studio_credentials: Credentials, label_studio_template: Path
) -> Iterator[LabelStudioServer]:
    """A running Label Studio on a free loopback port for the whole session (`.url`, `.token`)."""
    data_dir = tmp_path_factory.mktemp("label-studio") / "data"
    with LabelStudioServer(data_dir, credentials=label_studio_credentials, template=label_studio_template) as server:
        yield server
