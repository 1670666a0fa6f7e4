"""Label Studio pieces that need no server: offsets, config, tasks, export parsing, merge."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from annotation.export import ExportError, parse_export
from annotation.labelconfig import FLAGS, labelling_config
from annotation.merge import merge
from annotation.offsets import CODEPOINT, UTF16, from_utf16, to_label_studio, to_utf16
from annotation.tasks import build_tasks
from builder.core.labels import EventLabel, LabelSet
from builder.core.records import Sentence, Span
from builder.core.schema import LabelDef, Schema, load_schema
from builder.core.tokenizer import tokenize
from builder.release.quality import agreement
from builder.workspace.human import ACCEPTED, REVIEW, SKIPPED

EMOJI = "Akun @warga 😀 menulis 🎢 di Bekasi 𝕏 kemarin."


@pytest.fixture(scope="module")
def schema() -> Schema:
    return load_schema()


def test_utf16_offsets_round_trip_with_astral_characters() -> None:
    for cp in range(len(EMOJI) + 1):
        assert from_utf16(EMOJI, to_utf16(EMOJI, cp)) == cp
    bekasi = EMOJI.index("Bekasi")
    assert to_utf16(EMOJI, bekasi) == bekasi + 2  # two astral characters before it
    assert len(EMOJI.encode("utf-16-le")) // 2 == to_utf16(EMOJI, len(EMOJI))
    with pytest.raises(ValueError, match=r"falls inside the character '😀'"):
        from_utf16(EMOJI, EMOJI.index("😀") + 1)
    with pytest.raises(ValueError, match=r"outside the text"):
        from_utf16("abc", 4)


def test_labelling_config_is_valid_xml_from_schema(schema: Schema) -> None:
    root = ET.fromstring(labelling_config(schema))
    entity_values = [e.get("value") for e in root.find(".//Labels[@name='entities']")]
    assert entity_values == ["PER", "ORG", "LOC", "DATE"]
    assert len(root.find(".//Labels[@name='triggers']")) == 33
    taxonomy = root.find(".//Taxonomy[@name='events']")
    assert sum(1 for c in taxonomy.iter("Choice") if not len(c)) == 33  # the leaves: one per event type
    assert [c.get("value") for c in root.find(".//Choices[@name='flags']")] == list(FLAGS)
    assert {t.get("value") for t in root.iter("Text")} == {"$prev", "$text", "$next"}
    assert root.find(".//Text[@name='text']").get("granularity") == "word"


def test_labelling_config_quotes_descriptions() -> None:
    tricky = Schema("t", 1, (LabelDef("PER", 'a "quoted" <b>&</b> hint'),), ())
    root = ET.fromstring(labelling_config(tricky))
    assert root.find(".//Labels/Label").get("hint") == 'a "quoted" <b>&</b> hint'


def _sentence(sid: str, article: str, index: int, text: str) -> Sentence:
    return Sentence(sid, article, index, 0, 0, text, tokenize(text))


@pytest.mark.parametrize(("units", "shift"), [(CODEPOINT, 0), (UTF16, 2)])
def test_tasks_have_context_and_predictions_in_server_units(units: str, shift: int) -> None:
    sentences = [_sentence("s1", "a", 0, "Satu."), _sentence("s2", "a", 1, EMOJI), _sentence("s3", "b", 0, "Lain.")]
    start = EMOJI.index("Bekasi")
    labels = LabelSet(
        entities=(Span(start, start + 6, "LOC", "Bekasi", "gazetteer:places.v1", 0.8),),
        events=(EventLabel("Contact.Meet", 0.5, "lexicon:events.v1"),),
    )
    tasks = list(build_tasks(sentences, titles={"a": "Judul A"}, prelabels={"s2": labels}, model_version="v",
                             units=units))
    assert [t["data"]["sentence_id"] for t in tasks] == ["s1", "s2", "s3"]
    middle = tasks[1]
    assert (middle["data"]["prev"], middle["data"]["next"], middle["data"]["title"]) == ("Satu.", "", "Judul A")
    assert tasks[2]["data"]["title"] == "" and "predictions" not in tasks[0]
    region = middle["predictions"][0]["result"][0]
    assert region["value"]["start"] == start + shift and region["value"]["end"] == start + 6 + shift
    assert region["meta"] == {"text": ["gazetteer:places.v1"]}
    events = middle["predictions"][0]["result"][1]
    assert (events["type"], events["value"]) == ("taxonomy", {"taxonomy": [["Contact", "Meet"]]})
    assert middle["predictions"][0]["model_version"] == "v"


def region(text: str, start: int, end: int, label: str, name: str = "entities", value_text: str | None = None,
           units: str = CODEPOINT) -> dict:
    return {"from_name": name, "to_name": "text", "type": "labels",
            "value": {"start": to_label_studio(text, start, units), "end": to_label_studio(text, end, units),
                      "text": text[start:end] if value_text is None else value_text, "labels": [label]}}


def task(task_id: int, sid: str, text: str, annotations: list[dict], drafts: list | None = None) -> dict:
    return {"id": task_id, "data": {"sentence_id": sid, "text": text, "text_hash": "h"},
            "annotations": annotations, "drafts": drafts or []}


def ann(aid: int, who: int | dict, result: list[dict], updated: str = "2026-01-01T00:00:00Z", **kw) -> dict:
    return {"id": aid, "completed_by": who, "result": result, "updated_at": updated, "was_cancelled": False, **kw}


@pytest.mark.parametrize("units", [CODEPOINT, UTF16])
def test_parse_export_converts_offsets_keeps_latest_and_snaps(schema: Schema, units: str) -> None:
    b = EMOJI.index("Bekasi")
    export = [
        task(1, "s1", EMOJI, [
            ann(10, 1, [region(EMOJI, b, b + 3, "LOC", units=units)], "2026-01-01T00:00:00Z"),  # superseded
            ann(11, 1, [region(EMOJI, b, b + 4, "LOC", units=units),  # "Beka" cuts the token: snapped
                        {"from_name": "events", "to_name": "text", "type": "choices",
                         "value": {"choices": ["Contact.Meet"]}}], "2026-01-02T00:00:00Z"),
            ann(12, {"id": 2, "email": "b@x.id"}, [], was_cancelled=True),
        ], drafts=[{"id": 5, "result": []}]),
        task(2, "s2", "Tanpa anotasi.", []),
    ]
    parsed = parse_export(export, schema, units)
    assert parsed.tasks == 2 and parsed.tasks_without_annotations == 1
    assert parsed.superseded == 1 and parsed.drafts_ignored == 1
    first, second = parsed.annotations
    assert (first.annotator, first.annotation_id, first.skipped) == ("1", 11, False)
    assert [(s.text, s.start, s.label) for s in first.labels.entities] == [("Bekasi", b, "LOC")]
    assert first.labels.event_types == ("Contact.Meet",)
    assert second.annotator == "b@x.id" and second.skipped
    assert [(r.before, r.after) for r in parsed.snapped] == [("Beka", "Bekasi")]


@pytest.mark.parametrize(
    ("result", "message"),
    [
        ([region(EMOJI, 0, 4, "LOC", value_text="Akan")], r"task 1 \(sentence s1, annotator 1\): .* says 'Akan'"),
        ([region(EMOJI, 0, 4, "PLACE")], r"labels \['PLACE'\]; expected one of the schema's"),
        ([{"from_name": "events", "value": {"choices": ["Life.Dye"]}}], r"event types \['Life.Dye'\] are not"),
        ([{"from_name": "mystery", "value": {}}], r"unknown control 'mystery'"),
        ([region(EMOJI, 0, 11, "PER"), region(EMOJI, 5, 11, "LOC")], r"overlap; keep one of them"),
    ],
)
def test_parse_export_errors_name_task_and_sentence(schema: Schema, result: list[dict], message: str) -> None:
    with pytest.raises(ExportError, match=message):
        parse_export([task(1, "s1", EMOJI, [ann(1, 1, result)])], schema)


def test_offsets_in_the_other_unit_are_an_error_with_a_hint(schema: Schema) -> None:
    b = EMOJI.index("Bekasi")
    utf16_export = [task(1, "s1", EMOJI, [ann(1, 1, [region(EMOJI, b, b + 6, "LOC", units=UTF16)])])]
    with pytest.raises(ExportError, match=r"says 'Bekasi' but the sentence has .* set offset units to utf16"):
        parse_export(utf16_export, schema, CODEPOINT)


@pytest.mark.parametrize(
    ("export", "message"),
    [
        ({"tasks": []}, r"expected a JSON list of tasks"),
        ([{"id": 3, "data": {"image": "x.png"}}], r"task 3: no data.sentence_id/data.text"),
        (["nope"], r"item 0: not a Label Studio task"),
    ],
)
def test_foreign_exports_are_refused(schema: Schema, export: object, message: str) -> None:
    with pytest.raises(ExportError, match=message):
        parse_export(export, schema)


def test_merge_policy_and_agreement(schema: Schema) -> None:
    text = "Budi tinggal di Bekasi."
    per = region(text, 0, 4, "PER")
    loc = region(text, 16, 22, "LOC")
    org = region(text, 16, 22, "ORG")
    export = [
        task(1, "agree", text, [ann(1, 1, [per, loc]), ann(2, 2, [per, loc])]),
        task(2, "disagree", text, [ann(3, 1, [per, loc]), ann(4, 2, [per, org])]),
        task(3, "single", text, [ann(5, 1, [per])]),
        task(4, "skipped", text, [ann(6, 1, [], was_cancelled=True)]),
        task(5, "adjudicated", text, [ann(7, 1, [per]), ann(8, 2, [loc], ground_truth=True)]),
    ]
    annotations = parse_export(export, schema).annotations
    final = {f.sentence_id: f for f in merge(annotations)}
    assert final["agree"].status == ACCEPTED and final["agree"].agreement == 1.0
    assert final["disagree"].status == REVIEW and "Bekasi/ORG" in final["disagree"].reason
    assert final["disagree"].agreement == 0.5 and final["disagree"].labels.entities == ()
    assert final["single"].status == ACCEPTED and final["single"].agreement is None
    assert final["skipped"].status == SKIPPED
    assert final["adjudicated"].status == ACCEPTED and [s.label for s in final["adjudicated"].labels.entities] == ["LOC"]
    report = agreement(annotations, schema.entity_labels, schema.event_labels)
    assert report.sentences_compared == 3
    assert report.entity_f1["PER"] == pytest.approx(4 / 5)  # agree 2, disagree 2, adjudicated: 1 vs 0
    assert report.entity_f1["LOC"] == pytest.approx(2 / 4)  # agree 2 of 2; disagree 0 of 1; adjudicated 0 of 1
    assert report.entity_f1["ORG"] == 0.0


def test_event_agreement_uses_krippendorff(schema: Schema) -> None:
    text = "Polisi menangkap dua orang."
    events = lambda *c: [{"from_name": "events", "value": {"choices": list(c)}}]  # noqa: E731
    export = [task(i, f"s{i}", text, [ann(2 * i, 1, events(*a)), ann(2 * i + 1, 2, events(*b))])
              for i, (a, b) in enumerate([(["Justice.Arrest-Jail"], ["Justice.Arrest-Jail"]), ([], []),
                                          (["Justice.Arrest-Jail"], []), ([], [])])]
    report = agreement(parse_export(export, schema).annotations, schema.entity_labels, schema.event_labels)
    # Coders agree on 3 of 4 sentences; nominal alpha for [[1,0,1,0],[1,0,0,0]] is 0.5333
    assert report.event_alpha["Justice.Arrest-Jail"] == pytest.approx(0.5333, abs=1e-4)
    assert "Life.Die" not in report.event_alpha


def test_majority_vote_needs_more_than_half_and_triggers_count(schema: Schema) -> None:
    text = "Polisi menangkap Budi."
    per, org = region(text, 17, 21, "PER"), region(text, 17, 21, "ORG")
    trigger = region(text, 7, 16, "Justice.Arrest-Jail", name="triggers")
    export = [
        task(1, "two-of-three", text, [ann(1, 1, [per]), ann(2, 2, [per]), ann(3, 3, [org])]),
        task(2, "all-differ", text, [ann(4, 1, [per]), ann(5, 2, [org]), ann(6, 3, [])]),
        task(3, "tie", text, [ann(7, 1, [per]), ann(8, 2, [per]), ann(9, 3, [org]), ann(10, 4, [org])]),
        task(4, "trigger-only", text, [ann(11, 1, [per, trigger]), ann(12, 2, [per])]),
    ]
    annotations = parse_export(export, schema).annotations
    final = {f.sentence_id: f for f in merge(annotations)}
    assert final["two-of-three"].status == ACCEPTED and final["two-of-three"].reason.startswith("majority vote: 2 of 3")
    assert [s.label for s in final["two-of-three"].labels.entities] == ["PER"]
    assert final["all-differ"].status == REVIEW and final["tie"].status == REVIEW
    assert final["trigger-only"].status == REVIEW and "menangkap/Justice.Arrest-Jail" in final["trigger-only"].reason
    assert final["trigger-only"].agreement == round(2 / 3, 4)  # PER shared; the trigger only by one
    report = agreement(annotations, schema.entity_labels, schema.event_labels)
    assert report.trigger_f1 == {"Justice.Arrest-Jail": 0.0}


def test_review_sample_is_a_fixed_share() -> None:
    from annotation.review import sampled

    ids = [f"s-{i:05d}" for i in range(4000)]
    picked = [i for i in ids if sampled(i, 0.05)]
    assert 140 < len(picked) < 260 and picked == [i for i in ids if sampled(i, 0.05)]
    assert not any(sampled(i, 0.0) for i in ids) and all(sampled(i, 1.0) for i in ids)
    assert set(picked) <= {i for i in ids if sampled(i, 0.2)}
