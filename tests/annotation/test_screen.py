"""The labelling screen generated from the schema: layout, hotkeys, colours, event taxonomy, guidelines;
and the same config and predictions accepted by a real Label Studio."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from itertools import combinations
from uuid import uuid4

import pytest

from annotation.client import connect
from annotation.labelconfig import (
    AFTER,
    BEFORE,
    ENTITIES,
    EVENTS,
    FLAGS,
    RESERVED_KEYS,
    SENTENCE,
    TRIGGERS,
    event_path,
    event_types_of,
    family_colors,
    family_of,
    hotkeys,
    labelling_config,
)
from annotation.screen import instructions_html, project_settings
from annotation.tasks import prediction
from builder.core.labels import EventLabel, LabelSet
from builder.core.records import Sentence, Span
from builder.core.schema import LabelDef, Schema, load_schema
from builder.core.tokenizer import tokenize

SCHEMA = load_schema()


def root() -> ET.Element:
    return ET.fromstring(labelling_config(SCHEMA))


def rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def distance(a: str, b: str) -> float:
    return sum((x - y) ** 2 for x, y in zip(rgb(a), rgb(b), strict=True)) ** 0.5


def test_context_sits_under_headings_in_reading_order() -> None:
    order = [(e.tag, e.get("name") or e.get("value")) for e in root().iter() if e.tag in ("Header", "Text")]
    assert order[:7] == [("Header", "$title"), ("Header", BEFORE), ("Text", "context_prev"), ("Header", SENTENCE),
                         ("Text", "text"), ("Header", AFTER), ("Text", "context_next")]


def test_every_label_and_flag_has_its_own_hotkey() -> None:
    tree = root()
    keyed = [*tree.iter("Label"), *tree.find(".//Choices[@name='flags']")]
    keys = [e.get("hotkey") for e in keyed]
    assert len(keyed) == len(SCHEMA.entities) + len(SCHEMA.events) + len(FLAGS) == 40
    assert all(keys), [e.get("value") for e in keyed if not e.get("hotkey")]
    assert len(set(keys)) == len(keys), sorted(k for k in keys if keys.count(k) > 1)
    assert not set(keys) & RESERVED_KEYS, "a hotkey Label Studio uses itself"
    assert [e.get("hotkey") for e in tree.find(".//Labels[@name='entities']")] == ["1", "2", "3", "4"]


def test_too_many_labels_for_the_hotkeys_is_a_clear_error() -> None:
    many = Schema("big", 1, (LabelDef("PER"),), tuple(LabelDef(f"Fam.T{i}") for i in range(60)))
    with pytest.raises(ValueError, match="the schema has 61 labels but the screen has hotkeys for"):
        hotkeys(many)


def test_trigger_colours_follow_the_family_and_stay_apart_from_entities() -> None:
    colors = {e.get("value"): e.get("background") for e in root().find(".//Labels[@name='triggers']")}
    by_family: dict[str, set[str]] = {}
    for label, color in colors.items():
        by_family.setdefault(family_of(label), set()).add(color)
    assert all(len(c) == 1 for c in by_family.values()), by_family
    family = [c.pop() for c in by_family.values()]
    assert len(family) == 8 and len(set(family)) == 8
    entity = [d.color for d in SCHEMA.entities]
    assert min(distance(a, b) for a in family for b in entity) > 60
    assert min(distance(a, b) for a, b in combinations(family, 2)) > 60
    # A colour the schema sets for a family wins over the palette.
    custom = Schema("c", 1, (LabelDef("PER"),), (LabelDef("Fam.A", color="#123456"), LabelDef("Fam.B")))
    assert family_colors(custom) == {"Fam": "#123456"}


def test_event_types_are_a_taxonomy_by_family_and_read_back() -> None:
    taxonomy = root().find(".//Taxonomy[@name='events']")
    assert [c.get("value") for c in taxonomy] == ["Life", "Movement", "Transaction", "Business", "Conflict",
                                                  "Contact", "Personnel", "Justice"]
    paths = [[family.get("value"), leaf.get("value")] for family in taxonomy for leaf in family]
    assert [".".join(p) for p in paths] == list(SCHEMA.event_labels)
    assert all(leaf.get("hint") for family in taxonomy for leaf in family)
    for label in SCHEMA.event_labels:
        assert event_types_of({"taxonomy": [event_path(label)]}) == [label]
    assert event_types_of({"choices": ["Life.Die"]}) == ["Life.Die"]  # projects made with the old config
    assert event_types_of({"taxonomy": [["Life", "Die"], ["Conflict", "Attack"]]}) == ["Life.Die",
                                                                                       "Conflict.Attack"]
    flat = Schema("f", 1, (LabelDef("PER"),), (LabelDef("Strike"),))
    leaf = ET.fromstring(labelling_config(flat)).find(".//Taxonomy/Choice")
    assert (leaf.get("value"), len(leaf)) == ("Strike", 0)
    assert event_types_of({"taxonomy": [event_path("Strike")]}) == ["Strike"]


def test_instructions_carry_the_guides_and_every_label() -> None:
    html = instructions_html(SCHEMA)
    for text in ("How to label a sentence", "Entities (short guide)", "Light verbs are not triggers",
                 "<table>", "Event types by family"):
        assert text in html
    assert all(f"<b>{label}</b>" in html for label in (*SCHEMA.entity_labels, *SCHEMA.event_labels))
    settings = project_settings(SCHEMA)
    assert settings["show_instruction"] is True and settings["expert_instruction"] == html
    assert settings["label_config"] == labelling_config(SCHEMA)


def test_the_server_takes_the_screen_and_round_trips_taxonomy_predictions(label_studio) -> None:
    ls = connect(label_studio.url, label_studio.token)
    project = ls.projects.create(title=f"screen {uuid4().hex[:8]}", **project_settings(SCHEMA))
    stored = ls.projects.get(id=project.id)
    assert stored.show_instruction and "How to label a sentence" in stored.expert_instruction
    assert stored.label_config == labelling_config(SCHEMA).strip()  # the server drops the final newline
    text = "Polisi menembak dua orang hingga tewas di Jakarta."
    sentence = Sentence("s1", "a1", 0, 0, len(text), text, tokenize(text))
    start = text.index("tewas")
    labels = LabelSet(
        entities=(Span(text.index("Jakarta"), len(text) - 1, "LOC", "Jakarta", "gazetteer"),),
        triggers=(Span(start, start + 5, "Life.Die", "tewas", "lexicon"),),
        events=(EventLabel("Life.Die", 0.9, "lexicon"), EventLabel("Conflict.Attack", 0.7, "lexicon")),
    )
    task = {"data": {"sentence_id": "s1", "text": text, "title": "Judul", "prev": "", "next": ""},
            "predictions": [prediction(sentence, labels, "test")]}
    imported = ls.projects.import_tasks(project.id, request=[task], return_task_ids=True)
    assert imported.prediction_count == 1
    task_id = imported.task_ids[0]
    made = ls.tasks.get(id=task_id).predictions[0]
    ls.annotations.create(id=task_id, result=made.result, parent_prediction=made.id, project=project.id)
    exported = json.loads(b"".join(ls.projects.exports.download_sync(project.id, export_type="JSON")))
    result = exported[0]["annotations"][0]["result"]
    events = [item for item in result if item["from_name"] == EVENTS]
    assert [item["type"] for item in events] == ["taxonomy"]
    assert event_types_of(events[0]["value"]) == ["Life.Die", "Conflict.Attack"]
    assert {(item["from_name"], item["value"]["text"]) for item in result if item["from_name"] != EVENTS} == {
        (ENTITIES, "Jakarta"), (TRIGGERS, "tewas")}
    ls.projects.delete(id=project.id)
