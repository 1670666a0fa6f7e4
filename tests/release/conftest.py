"""Release fixtures: a workspace of the examples pre-labelled by the deterministic taggers, and a release helper."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from builder.core.schema import Schema, load_schema
from builder.events.lexicon import load_lexicon
from builder.ingest.run import ingest
from builder.prelabel.engines.local import prelabel_workspace
from builder.prelabel.interface import Prelabeller
from builder.prelabel.taggers.dates import DateRule
from builder.prelabel.taggers.events import LexiconEventTagger
from builder.prelabel.taggers.gazetteer import Gazetteer
from builder.release.options import ReleaseOptions
from builder.release.write import release_workspace
from builder.workspace.layout import Workspace


def rule_prelabeller() -> Prelabeller:
    """Deterministic taggers only, so these tests do not depend on the trained model."""
    return Prelabeller((DateRule(), Gazetteer()), LexiconEventTagger(load_lexicon()))


@pytest.fixture(scope="session")
def schema() -> Schema:
    """The packaged label schema."""
    return load_schema()


@pytest.fixture
def ready(examples_dir: Path, workspace: Workspace) -> Workspace:
    """The examples ingested and pre-labelled."""
    ingest([examples_dir], workspace=workspace)
    prelabel_workspace(workspace, rule_prelabeller)
    return workspace


Release = Callable[..., Path]


@pytest.fixture
def release(schema: Schema) -> Release:
    """Make a release of a workspace: release(ws, releases_dir, version, **options) -> its folder."""

    def make(ws: Workspace, releases_dir: Path, version: str, **kw: object) -> Path:
        options = ReleaseOptions(name="test_news", version=version, releases_dir=releases_dir, **kw)  # type: ignore[arg-type]
        return release_workspace(ws, schema, options, prelabels_dir=ws.prelabel_dir(rule_prelabeller().versions)).path

    return make


def read_rows(path: Path) -> list[dict]:
    """Every row of a release, with its split."""
    return [{**r, "split": part.name.split("-", 1)[0]} for part in sorted((path / "data").glob("*.parquet"))
            for r in pq.read_table(part).to_pylist()]
