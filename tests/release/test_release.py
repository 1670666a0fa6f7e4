"""Releases: load_dataset round trip, BIO/span agreement, determinism, streaming, immutability, changes, manifest."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from builder.core.labels import LabelSet
from builder.core.records import Span, short_hash
from builder.core.spans import spans_to_tags
from builder.core.tokenizer import tokenize
from builder.release.options import ReleaseError, ReleaseOptions, bump
from builder.workspace.human import ACCEPTED, AnnotationStore, FinalLabels
from builder.workspace.layout import Workspace
from tests.release.conftest import Release, read_rows


def test_load_dataset_returns_declared_features(ready: Workspace, tmp_path: Path, release: Release, schema) -> None:
    import datasets

    path = release(ready, tmp_path, "0.1.0")
    ds = datasets.load_dataset(str(path))
    train = ds["train"]
    assert isinstance(train.features["ner_tags"].feature, datasets.ClassLabel)
    assert train.features["ner_tags"].feature.names == list(schema.ner_tags)
    assert train.features["event_types"].feature.names == list(schema.event_labels)
    by_files = datasets.load_dataset("parquet", data_files={"train": str(path / "data" / "train-*.parquet")})
    assert by_files["train"].features == train.features
    assert sum(len(split) for split in ds.values()) == 65
    assert set(ds) == {"train", "validation", "test"}  # six articles still give all three splits
    loaded = sorted((r for split in ds.values() for r in split), key=lambda r: r["id"])
    assert loaded == sorted(({k: v for k, v in r.items() if k != "split"} for r in read_rows(path)),
                            key=lambda r: r["id"])


def test_bio_tags_agree_with_spans_and_scores_are_kept(ready: Workspace, tmp_path: Path, release: Release,
                                                       schema) -> None:
    rows = read_rows(release(ready, tmp_path, "0.1.0"))
    assert rows
    scored = [e for row in rows for e in row["entities"] if e["score"] is not None]
    assert scored and all(0 < e["score"] <= 1 for e in scored)
    for row in rows:
        tokens = tokenize(row["text"])
        assert [t.text for t in tokens] == row["tokens"]
        spans = [Span(e["start"], e["end"], e["label"], e["text"], e["source"], e["score"]) for e in row["entities"]]
        for span in spans:
            assert row["text"][span.start : span.end] == span.text
        assert [schema.ner_tags[i] for i in row["ner_tags"]] == spans_to_tags(tokens, spans, row["id"])


def _digests(path: Path) -> dict[str, str]:
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted((path / "data").iterdir())}


def test_same_inputs_give_identical_parquet_bytes(ready: Workspace, tmp_path: Path, release: Release) -> None:
    first = release(ready, tmp_path / "a", "1.0.0")
    second = release(ready, tmp_path / "b", "1.0.0")
    assert _digests(first) == _digests(second)
    assert json.loads((first / "manifest.json").read_text())["files"] == json.loads(
        (second / "manifest.json").read_text())["files"]


def test_buckets_give_the_same_rows_as_one_pass(ready: Workspace, tmp_path: Path, release: Release) -> None:
    """A corpus cut into buckets (as a big one is) gives the same rows, in the same order, deterministically."""
    whole = release(ready, tmp_path / "whole", "1.0.0")
    cut = release(ready, tmp_path / "cut", "1.0.0", bucket_rows=7)
    again = release(ready, tmp_path / "again", "1.0.0", bucket_rows=7)
    assert read_rows(cut) == read_rows(whole)
    assert _digests(cut) == _digests(again)
    assert not list(cut.rglob(".buckets"))


def test_release_files_are_read_only_and_hashed(ready: Workspace, tmp_path: Path, release: Release) -> None:
    path = release(ready, tmp_path, "0.1.0", exports=("jsonl",))
    files = [f for f in path.rglob("*") if f.is_file()]
    assert files and all(not os.access(f, os.W_OK) or os.geteuid() == 0 for f in files)
    assert all(f.stat().st_mode & 0o222 == 0 for f in files)
    manifest = json.loads((path / "manifest.json").read_text())
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((path / name).read_bytes()).hexdigest() == digest
    assert {"pyarrow", "datasets", "huggingface_hub", "numpy", "python"} <= set(manifest["libraries"])
    import datasets
    import pyarrow

    assert manifest["libraries"]["pyarrow"] == pyarrow.__version__
    assert manifest["libraries"]["datasets"] == datasets.__version__


def test_existing_version_is_refused_and_unchanged(ready: Workspace, tmp_path: Path, release: Release) -> None:
    path = release(ready, tmp_path, "0.1.0")
    before = {f: f.read_bytes() for f in path.rglob("*") if f.is_file()}
    with pytest.raises(ReleaseError, match=r"exists: releases are never overwritten; choose a new --version"):
        release(ready, tmp_path, "0.1.0")
    assert {f: f.read_bytes() for f in path.rglob("*") if f.is_file()} == before
    assert [p.name for p in path.parent.iterdir()] == ["0.1.0"]  # no staging folder left behind


def test_splits_are_by_article(ready: Workspace, tmp_path: Path, release: Release) -> None:
    split_of: dict[str, str] = {}
    for row in read_rows(release(ready, tmp_path, "0.1.0", ratios=(0.5, 0.25, 0.25))):
        assert split_of.setdefault(row["article_id"], row["split"]) == row["split"]


def test_gold_rows_changes_and_manifest(ready: Workspace, tmp_path: Path, release: Release) -> None:
    first = release(ready, tmp_path, "0.1.0")
    sentence = next(s for s in ready.iter_sentences() if s.text == "Lebih dari 2.000 orang ditangkap.")
    AnnotationStore.of(ready).write_final([FinalLabels(
        sentence.id, short_hash(sentence.text), ACCEPTED,
        "single annotator", ("1",), None,
        LabelSet.of_types([Span(11, 16, "PER", "2.000", "human")], [], ["Justice.Arrest-Jail"]))])
    second = release(ready, tmp_path, "0.2.0")
    gold = [r for r in read_rows(second) if r["status"] == "gold"]
    assert [r["id"] for r in gold] == [sentence.id] and gold[0]["annotator_count"] == 1
    changes = (second / "CHANGES.md").read_text()
    assert "# Changes since 0.1.0" in changes
    assert "- silver → gold: 1" in changes
    assert "| PER | 1 |" in changes
    assert "- sentences that moved split: 0" in changes and "- articles that moved split: 0" in changes
    manifest = json.loads((second / "manifest.json").read_text())
    assert manifest["previous"] == "0.1.0" and manifest["counts"]["status"] == {"silver": 64, "gold": 1}
    assert manifest["pinned_splits"] == json.loads((first / "manifest.json").read_text())["pinned_splits"]
    assert "First release: 65 sentences." in (first / "CHANGES.md").read_text()
    gold_only = release(ready, tmp_path, "0.3.0", include_silver=False)
    assert [r["status"] for r in read_rows(gold_only)] == ["gold"]


def test_a_gold_label_for_other_text_is_refused(ready: Workspace, tmp_path: Path, release: Release) -> None:
    sentence = next(iter(ready.iter_sentences()))
    AnnotationStore.of(ready).write_final([FinalLabels(sentence.id, "0" * 16, ACCEPTED, "", ("1",), None)])
    with pytest.raises(ReleaseError, match=rf"sentence {sentence.id}: its labels were made for other text"):
        release(ready, tmp_path, "0.1.0")


def test_nothing_to_release(ready: Workspace, tmp_path: Path, release: Release) -> None:
    with pytest.raises(ReleaseError, match=r"nothing to release: no sentence has gold labels"):
        release(ready, tmp_path, "0.1.0", include_silver=False)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"version": "1.0"}, r"version '1.0' is not X.Y.Z"), ({"name": "a b"}, r"release name 'a b'"),
     ({"ratios": (0.5, 0.5, 0.5)}, r"must be three non-negative numbers that sum to 1"),
     ({"exports": ("csv",)}, r"export format\(s\) \['csv'\]: use jsonl, docbin, conll"),
     ({"license_name": ""}, r"a licence of 'other' needs a name"),
     ({"license": "CC BY"}, r"licence 'CC BY': give a Hub licence id"),
     ({"repo_id": "nohub"}, r"repo id 'nohub': use owner/name"),
     ({"bucket_rows": 0}, r"bucket_rows 0: hold at least 1")],
)
def test_release_options_are_validated(kwargs: dict, message: str) -> None:
    with pytest.raises(ReleaseError, match=message):
        ReleaseOptions(**{"name": "x", "version": "1.0.0", **kwargs})


def test_bump(tmp_path: Path) -> None:
    assert bump(tmp_path, "x", "minor") == "0.1.0"
    (tmp_path / "x" / "0.9.0").mkdir(parents=True)
    (tmp_path / "x" / "0.10.0").mkdir()
    assert bump(tmp_path, "x", "minor") == "0.11.0"
    assert bump(tmp_path, "x", "major") == "1.0.0"
    assert bump(tmp_path, "x", "patch") == "0.10.1"


def test_parquet_row_groups_are_bounded(ready: Workspace, tmp_path: Path, release: Release) -> None:
    path = release(ready, tmp_path, "0.1.0")
    for part in (path / "data").glob("*.parquet"):
        meta = pq.ParquetFile(part).metadata
        assert all(meta.row_group(i).num_rows <= 10_000 for i in range(meta.num_row_groups))
