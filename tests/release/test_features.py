"""The release's features, written without `datasets`, are exactly what `datasets` itself writes and reads."""

from __future__ import annotations

import json

import pytest
from datasets import ClassLabel as HfClassLabel
from datasets import DatasetInfo
from datasets import Features as HfFeatures
from datasets import List as HfList
from datasets import Value as HfValue
from datasets.info import DatasetInfosDict
from huggingface_hub import DatasetCardData

from builder.core.schema import load_schema
from builder.release.features import ClassLabel, Features, List, Value
from builder.release.rows import release_features


def _reference(schema) -> HfFeatures:  # type: ignore[no-untyped-def]
    """The release's features declared with `datasets`' own classes (how release_features was written before)."""
    kinds = {"start": "int32", "end": "int32", "score": "float64"}
    span = {name: HfValue(kinds.get(name, "string")) for name in ("start", "end", "label", "text", "source", "score")}
    text = HfValue("string")
    return HfFeatures({
        "id": text, "article_id": text, "sentence_index": HfValue("int32"), "text": text, "tokens": HfList(text),
        "ner_tags": HfList(HfClassLabel(names=list(schema.ner_tags))), "entities": [span],
        "event_types": HfList(HfClassLabel(names=list(schema.event_labels))), "triggers": [span],
        "status": text, "annotator_count": HfValue("int32"), "annotators": text, "agreement": HfValue("float32"),
        "prelabeller": text, "title": text, "source": text, "url": text, "published_at": text,
    })


def test_release_features_match_what_datasets_writes() -> None:
    schema = load_schema()
    ours, theirs = release_features(schema), _reference(schema)
    assert ours.to_dict() == theirs.to_dict()
    assert ours.arrow_schema.equals(theirs.arrow_schema, check_metadata=True)
    assert ours.arrow_schema.metadata == theirs.arrow_schema.metadata
    assert HfFeatures.from_dict(ours.to_dict()) == theirs
    assert ours.yaml_list() == theirs._to_yaml_list()


def test_card_yaml_reads_back_as_the_same_features_in_datasets() -> None:
    schema = load_schema()
    data = DatasetCardData(dataset_info={"features": release_features(schema).yaml_list(),
                                         "splits": [{"name": "train", "num_bytes": 10, "num_examples": 3}]})
    info: DatasetInfo = DatasetInfosDict.from_dataset_card_data(data)["default"]
    assert info.features == _reference(schema)


@pytest.mark.parametrize("feature, reference", [
    (Value("bool"), HfValue("bool")),
    (ClassLabel(("neg", "pos")), HfClassLabel(names=["neg", "pos"])),
    (List(List(Value("int64"))), HfList(HfList(HfValue("int64")))),
    (List({"a": List(ClassLabel(("x",))), "b": Value("float32")}),
     [{"a": HfList(HfClassLabel(names=["x"])), "b": HfValue("float32")}]),
    ({"inner": {"deep": Value("string")}}, {"inner": {"deep": HfValue("string")}}),
])
def test_every_kind_of_feature_matches(feature, reference) -> None:  # type: ignore[no-untyped-def]
    ours, theirs = Features({"column": feature}), HfFeatures({"column": reference})
    assert json.dumps(ours.to_dict()) == json.dumps(theirs.to_dict())
    assert ours.arrow_schema.equals(theirs.arrow_schema, check_metadata=True)
    assert ours.yaml_list() == theirs._to_yaml_list()


def test_unknown_dtype_is_refused() -> None:
    with pytest.raises(ValueError, match="int8"):
        Value("int8")
