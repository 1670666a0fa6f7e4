"""Exports, each read back through its own library: JSONL by datasets, DocBin by spaCy, CoNLL by spaCy's converter."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from builder.core.labels import LabelSet
from builder.core.records import Span, short_hash
from builder.release.exports import release_job, write_exports
from builder.release.options import ReleaseError
from builder.workspace.human import ACCEPTED, AnnotationStore, FinalLabels
from builder.workspace.layout import Workspace
from tests.release.conftest import Release, read_rows


@pytest.fixture
def released(ready: Workspace, tmp_path: Path, release: Release) -> Path:
    """A release with one gold sentence and every export."""
    sentence = next(s for s in ready.iter_sentences() if s.text == "Lebih dari 2.000 orang ditangkap.")
    AnnotationStore.of(ready).write_final([FinalLabels(
        sentence.id, short_hash(sentence.text), ACCEPTED, "single annotator", ("1",), None,
        LabelSet.of_types([Span(11, 16, "PER", "2.000", "human")], [Span(23, 32, "Justice.Arrest-Jail", "ditangkap",
                                                                          "human")], ["Justice.Arrest-Jail"]))])
    return release(ready, tmp_path, "0.1.0", exports=("jsonl", "docbin", "conll"))


def test_jsonl_loads_with_datasets_and_keeps_scores(released: Path, schema) -> None:
    import datasets

    files = {p.stem: str(p) for p in (released / "exports" / "jsonl").glob("*.jsonl")}
    ds = datasets.load_dataset("json", data_files=files)
    rows = {r["id"]: r for split in ds.values() for r in split}
    parquet = {r["id"]: r for r in read_rows(released)}
    assert rows.keys() == parquet.keys()
    for sid, row in rows.items():
        assert row["tokens"] == parquet[sid]["tokens"]
        assert row["ner_tags"] == [schema.ner_tags[t] for t in parquet[sid]["ner_tags"]]
        assert [e["score"] for e in row["entities"]] == [e["score"] for e in parquet[sid]["entities"]]
        assert row["event_types"] == [schema.event_labels[e] for e in parquet[sid]["event_types"]]


def test_docbin_reads_back_with_spacy(released: Path, schema) -> None:
    import spacy
    from spacy.tokens import DocBin

    nlp = spacy.blank("id")
    parquet = {r["id"]: r for r in read_rows(released)}
    seen = 0
    for path in sorted((released / "exports" / "spacy").rglob("*.spacy")):
        for doc in DocBin().from_disk(path).get_docs(nlp.vocab):
            row = parquet[doc.user_data["id"]]
            seen += 1
            assert [t.text for t in doc] == row["tokens"]
            assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == [
                (e["start"], e["end"], e["label"]) for e in row["entities"]] or " " * 2 in row["text"]
            assert [e.text for e in doc.ents] == [e["text"] for e in row["entities"]]
            assert list(doc.user_data["entity_scores"]) == [e["score"] for e in row["entities"]]
            assert doc.user_data["status"] == row["status"]
            assert {c for c, v in doc.cats.items() if v} == {schema.event_labels[e] for e in row["event_types"]}
            assert [s.text for s in doc.spans["triggers"]] == [t["text"] for t in row["triggers"]]
    assert seen == len(parquet)


def test_conll_has_docstart_per_article_and_separates_gold(released: Path) -> None:
    from spacy.training.converters import conll_ner_to_docs

    rows = read_rows(released)
    folder = released / "exports" / "conll"
    names = sorted(p.name for p in folder.iterdir())
    assert "train.silver.conll" in names and any(n.endswith(".gold.conll") for n in names)
    for path in folder.iterdir():
        split, status, _ = path.name.split(".")
        mine = [r for r in rows if r["split"] == split and r["status"] == status]
        text = path.read_text(encoding="utf-8")
        assert text.count("-DOCSTART-") == len({r["article_id"] for r in mine})
        docs = list(conll_ner_to_docs(text, no_print=True))
        articles: dict[str, list[str]] = {}
        for r in mine:
            articles.setdefault(r["article_id"], []).extend(r["tokens"])
        assert [[t.text for t in d] for d in docs] == list(articles.values())
        tags = [t for r in mine for t in r["ner_tags"]]
        assert sum(len(d.ents) for d in docs) == sum(1 for t in tags if t % 2 == 1)  # B- tags are odd


def test_gold_only_exports_hold_gold_rows_only(released: Path, tmp_path: Path) -> None:
    written = write_exports(release_job(released, tmp_path / "out", gold_only=True), ["jsonl", "conll"])
    lines = [json.loads(line) for p in written if p.suffix == ".jsonl" for line in p.read_text().splitlines()]
    assert [r["status"] for r in lines] == ["gold"]
    assert all(".gold." in p.name for p in written if p.suffix == ".conll")


def test_export_needs_a_release(tmp_path: Path) -> None:
    with pytest.raises(ReleaseError, match=r"is not a release \(no manifest.json\)"):
        release_job(tmp_path, tmp_path / "out")
