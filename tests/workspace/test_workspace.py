"""The workspace: Parquet codecs, atomic writes, parts, pre-label folders and the stored human labels."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from builder.core.labels import EventLabel, LabelSet, SentenceLabels
from builder.core.records import Sentence, Span, Token
from builder.workspace.human import ACCEPTED, Annotation, AnnotationStore, FinalLabels
from builder.workspace.layout import Workspace
from builder.workspace.parts import PartWriter, atomic_write, count_rows
from builder.workspace.tables import (
    SENTENCE_SCHEMA,
    prelabel_from_row,
    prelabel_table,
    sentence_table,
    sentences_from_table,
    span_from_row,
    span_row,
)

TEXT = "Halo 😀 dunia."
SENTENCE = Sentence(
    id="s1", article_id="a1", index=2, paragraph=1, start=40, text=TEXT,
    tokens=(Token("Halo", 0, 4), Token("😀", 5, 6), Token("dunia", 7, 12), Token(".", 12, 13)),
)


def test_sentence_row_round_trip() -> None:
    assert sentences_from_table(sentence_table([SENTENCE])) == [SENTENCE]


def test_span_codec_round_trip_and_legacy_rows() -> None:
    span = Span(7, 12, "LOC", "dunia", "model:x.v1", 0.75)
    assert span_from_row(span_row(span)) == span
    # annotations.parquet written before spans carried source and score
    assert span_from_row({"start": 7, "end": 12, "label": "LOC", "text": "dunia"}) == Span(
        7, 12, "LOC", "dunia", "human", None)


def test_prelabel_table_round_trip() -> None:
    labels = LabelSet(entities=(Span(7, 12, "LOC", "dunia", "gazetteer:places.v1", 0.8),),
                      triggers=(Span(0, 4, "Contact.Meet", "Halo", "lexicon:events.v1", 0.5),),
                      events=(EventLabel("Contact.Meet", 0.5, "lexicon:events.v1"),))
    table = prelabel_table([SENTENCE], [SentenceLabels("s1", labels)])
    row = table.to_pylist()[0]
    assert row["article_id"] == "a1"
    assert prelabel_from_row(row) == SentenceLabels("s1", labels)


def test_part_writer_is_atomic(tmp_path: Path) -> None:
    path = tmp_path / "part-x.parquet"
    writer = PartWriter(path, SENTENCE_SCHEMA, batch_rows=1)
    writer.add_table(sentence_table([SENTENCE]))
    assert not path.exists(), "a part must not be visible before it is closed"
    writer.abort()
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_leaves_nothing_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    atomic_write(target, "first\n")
    with pytest.raises(TypeError):
        atomic_write(target, 42)  # type: ignore[arg-type]
    assert target.read_text() == "first\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_prelabel_folders_are_named_by_versions(workspace: Workspace) -> None:
    versions = ("rule:date.v1", "model:x.v1")
    folder = workspace.open_prelabel_dir(versions)
    assert folder == workspace.prelabel_dir(versions) != workspace.prelabel_dir(versions[:1])
    assert workspace.prelabeller_versions(folder) == versions
    assert workspace.latest_prelabels() == folder
    writer = PartWriter(folder / "part-1.parquet", prelabel_table([SENTENCE], [SentenceLabels("s1", LabelSet())]).schema)
    writer.add_table(prelabel_table([SENTENCE], [SentenceLabels("s1", LabelSet())]))
    writer.close()
    assert workspace.labelled_ids(folder) == {"s1"}
    assert [item.sentence_id for item in workspace.iter_prelabels(folder)] == ["s1"]
    assert count_rows(folder) == 1


def test_human_labels_round_trip(workspace: Workspace) -> None:
    store = AnnotationStore.of(workspace)
    labels = LabelSet.of_types([Span(0, 4, "PER", "Halo", "human")], [], ["Contact.Meet"])
    annotation = Annotation(1, 2, "s1", "h", "ana@example.org", "2026-01-01", False, labels, ("boilerplate",))
    store.write_annotations([annotation])
    assert store.read_annotations() == [annotation]
    final = FinalLabels("s1", "h", ACCEPTED, "single annotator", ("ana@example.org",), None, labels)
    store.write_final([final])
    assert list(store.iter_final()) == [final]
    assert workspace.final_path.parent == workspace.labelstudio_dir


def test_human_labels_written_before_the_one_span_codec_still_read(workspace: Workspace) -> None:
    old_span = pa.struct([("start", pa.int32()), ("end", pa.int32()), ("label", pa.string()), ("text", pa.string())])
    old = pa.schema([("sentence_id", pa.string()), ("text_hash", pa.string()), ("status", pa.string()),
                     ("reason", pa.string()), ("annotators", pa.list_(pa.string())), ("agreement", pa.float64()),
                     ("entities", pa.list_(old_span)), ("triggers", pa.list_(old_span)),
                     ("event_types", pa.list_(pa.string()))])
    workspace.labelstudio_dir.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist([{
        "sentence_id": "s1", "text_hash": "h", "status": ACCEPTED, "reason": "", "annotators": ["1"],
        "agreement": None, "entities": [{"start": 0, "end": 4, "label": "PER", "text": "Halo"}], "triggers": [],
        "event_types": []}], schema=old), workspace.final_path)
    (final,) = AnnotationStore.of(workspace).iter_final()
    assert final.labels.entities == (Span(0, 4, "PER", "Halo", "human"),)


def test_snapshots_are_kept_once_and_read_only(workspace: Workspace) -> None:
    store = AnnotationStore.of(workspace)
    first = store.save_snapshot(b"[]", "server")
    assert store.save_snapshot(b"[]", "server") == first
    assert store.snapshot_names() == [first.name]
    assert first.stat().st_mode & 0o222 == 0
