"""The dataset card: built with huggingface_hub's DatasetCard/DatasetCardData, from the schema, with every section."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.core.labels import LabelSet
from builder.core.records import Span, short_hash
from builder.core.schema import parse_schema
from builder.release.card import (
    CardContext,
    card_data,
    check_card,
    render_card,
    size_category,
)
from builder.release.options import ReleaseError, ReleaseOptions
from builder.release.rows import release_features
from builder.workspace.human import ACCEPTED, AnnotationStore, FinalLabels
from builder.workspace.layout import Workspace
from tests.release.conftest import Release

SECTIONS = ("## Dataset summary", "## Languages", "## Dataset structure", "### Data instances", "### Data fields",
            "### Entity labels", "### Event types", "### Data splits", "## Dataset creation", "### Source data",
            "### Annotation process", "#### Annotator agreement", "#### How good the pre-labels are",
            "### Who are the annotators", "## Personal and sensitive information", "## Bias, risks and limitations",
            "## Licensing information", "## Citation")


def _gold(ws: Workspace) -> None:
    sentence = next(s for s in ws.iter_sentences() if s.text == "Lebih dari 2.000 orang ditangkap.")
    AnnotationStore.of(ws).write_final([FinalLabels(
        sentence.id, short_hash(sentence.text), ACCEPTED, "single annotator", ("1",), None,
        LabelSet.of_types([Span(11, 16, "PER", "2.000", "human")], [], ["Justice.Arrest-Jail"]))])


def test_card_passes_huggingface_hub_and_datasets_checks(ready: Workspace, tmp_path: Path, release: Release,
                                                         schema) -> None:
    from datasets import Features as HfFeatures
    from datasets.info import DatasetInfosDict
    from huggingface_hub import DatasetCard, DatasetCardData

    _gold(ready)
    path = release(ready, tmp_path, "0.1.0", repo_id="org/id-news", license="other", license_name="id-news-terms")
    card = DatasetCard.load(path / "README.md", ignore_metadata_errors=False)
    assert isinstance(card.data, DatasetCardData)
    data = card.data.to_dict()
    assert data["language"] == ["id"] and data["license"] == "other" and data["license_name"] == "id-news-terms"
    assert data["size_categories"] == ["n<1K"] and data["annotations_creators"] == ["expert-generated",
                                                                                   "machine-generated"]
    assert data["task_ids"] == ["named-entity-recognition", "multi-label-classification"]
    info = DatasetInfosDict.from_dataset_card_data(card.data)["default"]
    assert info.features == HfFeatures.from_dict(release_features(schema).to_dict())
    assert {s: info.splits[s].num_examples for s in info.splits} == {"train": 54, "validation": 5, "test": 6}
    for section in SECTIONS:
        assert f"\n{section}\n" in card.text, section
    assert 'load_dataset("org/id-news", revision="v0.1.0")' in card.text
    assert "Licence of this release: **other** (`id-news-terms`)" in card.text
    assert "@misc{test_news_0_1_0," in card.text
    assert "https://github.com/)" not in card.text


def test_quality_figures_carry_their_sample_size_and_interval(ready: Workspace, tmp_path: Path,
                                                             release: Release) -> None:
    _gold(ready)
    text = (release(ready, tmp_path, "0.1.0") / "README.md").read_text()
    assert "Measured on **1 gold sentences** holding **1 gold spans**" in text
    assert "95% bootstrap interval" in text
    assert "Fewer than 100 gold spans: these figures are indicative only" in text
    assert '"status": "gold"' in text  # the example row is the gold one


def _context(schema_text: str) -> CardContext:
    schema = parse_schema(schema_text)
    counts = {"status": {"silver": 3}, "splits": {"train": {"sentences": 3, "articles": 1, "tokens": 9, "silver": 3}},
              "entities": {d.label: {"gold": 0, "silver": 1} for d in schema.entities},
              "events": {d.label: 0 for d in schema.events}, "sources": {"Kompas": {"articles": 1, "sentences": 3}},
              "near_duplicate_groups": 0, "articles_in_near_duplicate_groups": 0}
    return CardContext(ReleaseOptions(name="kecil", version="1.0.0", license="cc-by-4.0", homepage="https://x.test"),
                       schema, release_features(schema), {"train": {"num_examples": 3, "num_bytes": 10}}, counts,
                       None, ("rule:a.v1",), {}, {}, {"id": "s1", "tokens": ["a"] * 30}, (), "0.1.0")


SMALL_SCHEMA = """
name = "kecil"
version = 2
[[entities]]
label = "ORG"
description = "Organisasi."
[[events]]
label = "Bencana.Banjir"
description = "Banjir."
"""


def test_card_text_comes_from_the_schema() -> None:
    from builder.release.card import default_template

    text = render_card(default_template(), _context(SMALL_SCHEMA))
    intro = text.split("## Languages")[0]
    assert "(`ORG`, IOB2 tags and spans)" in intro and "(1 types, e.g. `Bencana.Banjir`)" in intro
    for absent in ("PER", "LOC", "DATE", "ACE"):
        assert absent not in intro
    assert "| Bencana.Banjir | Banjir. | 0 |" in text
    assert "[news-dataset-builder 0.1.0](https://x.test)" in text
    assert "Licence of this release: **cc-by-4.0**" in text
    assert '"tokens": ["a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "…"]' in text


def test_unknown_placeholders_and_bad_cards_are_refused() -> None:
    context = _context(SMALL_SCHEMA)
    with pytest.raises(ReleaseError, match=r"unknown placeholders \['nope'\]"):
        render_card("# $pretty_name $nope", context)
    good = render_card("# $pretty_name", context)
    with pytest.raises(ReleaseError, match=r"its configs do not list the splits written"):
        check_card(good, CardContext(**{**context.__dict__, "split_info": {"test": {"num_examples": 3,
                                                                                  "num_bytes": 1}}}))
    assert card_data(context).to_dict()["license"] == "cc-by-4.0"


@pytest.mark.parametrize(("rows", "category"), [(0, "n<1K"), (999, "n<1K"), (62_000, "10K<n<100K"),
                                                (1_000_000, "1M<n<10M")])
def test_size_category(rows: int, category: str) -> None:
    assert size_category(rows) == category
