"""The release's columns in Hugging Face `datasets`' feature format, written without importing `datasets`.

`builder release` needs three plain-data things from that format: the features' JSON (the
Parquet files' `huggingface` schema metadata, which `load_dataset` reads to give `ner_tags` and
`event_types` their ClassLabel names), the Arrow schema, and the YAML list under the card's
`dataset_info`. Importing `datasets` for them cost about 1.5 s of CPU (it imports pandas, fsspec
and the Hub client), as much as the whole release of the IndoSum corpus; so they are written
here, for the four kinds of feature a release uses, in the format of `datasets` >= 4 (`List`).
tests/release/test_features.py checks all three against `datasets`' own output, so a change of
format there fails a test instead of a user's `load_dataset`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Union

import pyarrow as pa


@dataclass(frozen=True)
class Value:
    """A scalar column: `string`, `int32`, `int64`, `float32`, `float64` or `bool`."""

    dtype: str

    def __post_init__(self) -> None:
        if self.dtype not in _ARROW:
            raise ValueError(f"Value dtype {self.dtype!r}: use one of {', '.join(_ARROW)}")


@dataclass(frozen=True)
class ClassLabel:
    """Integer class ids with their names (stored as int64)."""

    names: tuple[str, ...]


@dataclass(frozen=True)
class List:
    """A list of one feature (a struct is a mapping of field names to features)."""

    feature: Feature


Feature = Union[Value, ClassLabel, List, Mapping[str, "Feature"]]

_ARROW = {"string": pa.string(), "int32": pa.int32(), "int64": pa.int64(), "float32": pa.float32(),
          "float64": pa.float64(), "bool": pa.bool_()}


def _arrow_type(feature: Feature) -> pa.DataType:
    if isinstance(feature, Value):
        return _ARROW[feature.dtype]
    if isinstance(feature, ClassLabel):
        return pa.int64()
    if isinstance(feature, List):
        return pa.list_(_arrow_type(feature.feature))
    return pa.struct([(name, _arrow_type(inner)) for name, inner in feature.items()])


def _json(feature: Feature) -> Any:
    """`datasets.Features.to_dict()`'s form of one feature."""
    if isinstance(feature, Value):
        return {"dtype": feature.dtype, "_type": "Value"}
    if isinstance(feature, ClassLabel):
        return {"names": list(feature.names), "_type": "ClassLabel"}
    if isinstance(feature, List):
        return {"feature": _json(feature.feature), "_type": "List"}
    return {name: _json(inner) for name, inner in feature.items()}


def _yaml(feature: Feature) -> dict[str, Any]:
    """The card's YAML form of one feature (what `datasets.Features._to_yaml_list` gives)."""
    if isinstance(feature, Value):
        return {"dtype": feature.dtype}
    if isinstance(feature, ClassLabel):
        return {"dtype": {"class_label": {"names": {str(i): name for i, name in enumerate(feature.names)}}}}
    if isinstance(feature, List):
        inner = _yaml(feature.feature)
        (key, value), = inner.items()
        # A list of a plain value, a class label or a struct is written one level flatter.
        return {"list": value if key in ("dtype", "struct") else inner}
    return {"struct": [{"name": name, **_yaml(inner)} for name, inner in feature.items()]}


@dataclass(frozen=True)
class Features:
    """A release's columns in order."""

    columns: Mapping[str, Feature]

    def items(self) -> Iterator[tuple[str, Feature]]:
        return iter(self.columns.items())

    def to_dict(self) -> dict[str, Any]:
        """The JSON `datasets` stores with the data (`Features.to_dict()`)."""
        return {name: _json(feature) for name, feature in self.columns.items()}

    @property
    def arrow_schema(self) -> pa.Schema:
        """The Parquet files' schema, with the features in its `huggingface` metadata as `datasets` writes it."""
        fields = [(name, _arrow_type(feature)) for name, feature in self.columns.items()]
        return pa.schema(fields).with_metadata({"huggingface": json.dumps({"info": {"features": self.to_dict()}})})

    def yaml_list(self) -> list[dict[str, Any]]:
        """The `dataset_info.features` list of the card's YAML header."""
        return [{"name": name, **_yaml(feature)} for name, feature in self.columns.items()]


def type_name(feature: Feature) -> str:
    """A feature's type as a reader of the card knows it: string, list of ClassLabel, list of {…}, ..."""
    if isinstance(feature, Value):
        return feature.dtype
    if isinstance(feature, ClassLabel):
        return "ClassLabel"
    if isinstance(feature, List):
        return f"list of {type_name(feature.feature)}"
    return "{" + ", ".join(f"{name}: {type_name(inner)}" for name, inner in feature.items()) + "}"
