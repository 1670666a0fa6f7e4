"""Choosing how to pre-label: taggers by name, engines by name."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest

from builder.core.schema import load_schema
from builder.ingest.run import ingest
from builder.prelabel.registry import (
    ENTITY_TAGGERS,
    TaggerOptions,
    default_prelabeller,
    entity_taggers,
)
from builder.prelabel.run import ENGINES, EngineOptions, prelabel
from builder.workspace.layout import Workspace


def test_taggers_by_name_keep_their_order_and_versioned_names() -> None:
    taggers = entity_taggers(["gazetteer", "date"])
    assert [t.name for t in taggers] == ["gazetteer:places.v1", "rule:date.v1"]
    assert list(ENTITY_TAGGERS) == ["date", "model", "gazetteer"]


@pytest.mark.parametrize("names", [["dates"], []])
def test_unknown_or_no_tagger_names_the_choices(names: list[str]) -> None:
    with pytest.raises(ValueError, match="choose from date, model, gazetteer"):
        entity_taggers(names, TaggerOptions())


def test_engine_is_picked_by_name(examples_dir: Path, workspace: Workspace) -> None:
    ingest([examples_dir / "okezone-kazakhstan.txt"], workspace=workspace)
    seen: list[int] = []
    summary = prelabel(workspace, partial(default_prelabeller, load_schema()), engine="local",
                       options=EngineOptions(on_batch=seen.append))
    assert summary.sentences == workspace.count_sentences() == sum(seen)
    assert set(ENGINES) == {"local", "ray"}
    with pytest.raises(ValueError, match="engine 'spark': use local or ray"):
        prelabel(workspace, partial(default_prelabeller, load_schema()), engine="spark")


def test_eval_and_prelabel_default_to_the_same_taggers() -> None:
    from builder.cli.evaluate import DEFAULT_TAGGERS
    from builder.prelabel.registry import DEFAULT_ENTITY_TAGGERS

    assert DEFAULT_TAGGERS == DEFAULT_ENTITY_TAGGERS
    assert "gazetteer" not in DEFAULT_ENTITY_TAGGERS  # it tags countries the guideline leaves out
