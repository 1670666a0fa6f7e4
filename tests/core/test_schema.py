"""The label schema: the packaged default, and every validation message."""

from __future__ import annotations

import pytest

from builder.core.schema import SchemaError, load_schema, parse_schema


def test_packaged_schema() -> None:
    schema = load_schema()
    assert schema.entity_labels == ("PER", "ORG", "LOC", "DATE")
    assert len(schema.event_labels) == 33
    assert {"Conflict.Attack", "Life.Die", "Justice.Arrest-Jail", "Personnel.End-Position"} <= set(schema.event_labels)
    assert schema.ner_tags[:3] == ("O", "B-PER", "I-PER")
    assert len(schema.ner_tags) == 9
    assert all(d.description for d in schema.entities + schema.events)


def toml(entities: str, extra: str = "") -> str:
    return f'name = "t"\nversion = 1\n{entities}\n{extra}'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (toml('[[entities]]\nlabel = "PER<x>"'), r"label name 'PER<x>' is not allowed: .*no spaces, quotes or '<>&'"),
        (toml('[[entities]]\nlabel = "A B"'), r"label name 'A B' is not allowed"),
        (toml('[[entities]]\nlabel = "B-PER"'), r"entity label 'B-PER' clashes with IOB2 tags"),
        (toml('[[entities]]\nlabel = "O"'), r"entity label 'O' clashes with IOB2 tags"),
        (toml('[[entities]]\nlabel = "PER"\n[[entities]]\nlabel = "PER"'), r"entity labels are duplicated: PER"),
        (toml('[[entities]]\nlabel = "PER"\ncolor = "red"'), r"colour 'red'; write it as #RRGGBB"),
        (toml('[[entities]]\nlabel = "PER"\ncolour = "#ffffff"'), r"unknown keys \['colour'\]"),
        (toml(""), r"no \[\[entities\]\]"),
        (toml('[[entities]]\nlabel = "PER"', '[[events]]\nlabel = "Life.Die"\n[[events]]\nlabel = "Life.Die"'),
         r"event labels are duplicated: Life.Die"),
        ("name = ", r"my.toml: not valid TOML"),
    ],
)
def test_invalid_schema(text: str, message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        parse_schema(text, "my.toml")


def test_error_names_the_file() -> None:
    with pytest.raises(SchemaError, match=r"^my\.toml: "):
        parse_schema(toml('[[entities]]\nlabel = "9x"'), "my.toml")
