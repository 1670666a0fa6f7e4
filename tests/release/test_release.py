"""Releases: load_dataset round trip, BIO/span agreement, determinism, immutability, changes, card."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from builder.core.labels import LabelSet
from builder.core.records import Span, short_hash
from builder.core.schema import load_schema
from builder.core.spans import spans_to_tags
from builder.core.tokenizer import tokenize
from builder.events.lexicon import load_lexicon
from builder.ingest.run import ingest
from builder.prelabel.engines.local import prelabel_workspace
from builder.prelabel.interface import Prelabeller
from builder.prelabel.taggers.dates import DateRule
from builder.prelabel.taggers.events import LexiconEventTagger
from builder.prelabel.taggers.gazetteer import Gazetteer
from builder.release.exports import export_conll
from builder.release.inputs import load_inputs
from builder.release.options import ReleaseError, ReleaseOptions, bump
from builder.release.publish import push_to_hub
from builder.release.quality import prelabel_quality
from builder.release.splits import near_duplicate_groups, sketch
from builder.release.write import make_release
from builder.workspace.human import ACCEPTED, AnnotationStore, FinalLabels
from builder.workspace.layout import Workspace

TEMPLATE = (Path(__file__).resolve().parents[2] / "dataset_card.md").read_text(encoding="utf-8")
SCHEMA = load_schema()


def rule_prelabeller() -> Prelabeller:
    """Deterministic taggers only, so these tests do not depend on the trained model."""
    return Prelabeller((DateRule(), Gazetteer()), LexiconEventTagger(load_lexicon()))


@pytest.fixture
def ready(examples_dir: Path, workspace: Workspace) -> Workspace:
    ingest([examples_dir], workspace=workspace)
    prelabel_workspace(workspace, rule_prelabeller)
    return workspace


def release(ws: Workspace, tmp_path: Path, version: str, **kw) -> Path:
    inputs = load_inputs(ws, prelabels_dir=ws.prelabel_dir(rule_prelabeller().versions))
    options = ReleaseOptions(name="test_news", version=version, releases_dir=tmp_path / "releases", **kw)
    return make_release(inputs, SCHEMA, options, card_template=TEMPLATE,
                        quality=prelabel_quality(inputs, SCHEMA)).path


def rows(path: Path) -> list[dict]:
    return [r for part in sorted((path / "data").glob("*.parquet")) for r in pq.read_table(part).to_pylist()]


def test_load_dataset_returns_declared_features(ready: Workspace, tmp_path: Path) -> None:
    import datasets

    path = release(ready, tmp_path, "0.1.0")
    ds = datasets.load_dataset(str(path))
    train = ds["train"]
    assert isinstance(train.features["ner_tags"].feature, datasets.ClassLabel)
    assert train.features["ner_tags"].feature.names == list(SCHEMA.ner_tags)
    assert train.features["event_types"].feature.names == list(SCHEMA.event_labels)
    by_files = datasets.load_dataset("parquet", data_files={"train": str(path / "data" / "train-*.parquet")})
    assert by_files["train"].features == train.features
    assert sum(len(split) for split in ds.values()) == 65


def test_bio_tags_agree_with_spans_in_every_row(ready: Workspace, tmp_path: Path) -> None:
    path = release(ready, tmp_path, "0.1.0")
    all_rows = rows(path)
    assert all_rows
    for row in all_rows:
        tokens = tokenize(row["text"])
        assert [t.text for t in tokens] == row["tokens"]
        spans = [Span(e["start"], e["end"], e["label"], e["text"], e["source"]) for e in row["entities"]]
        for span in spans:
            assert row["text"][span.start : span.end] == span.text
        assert [SCHEMA.ner_tags[i] for i in row["ner_tags"]] == spans_to_tags(tokens, spans, row["id"])


def test_same_inputs_give_identical_parquet_bytes(ready: Workspace, tmp_path: Path) -> None:
    first = release(ready, tmp_path / "a", "1.0.0")
    second = release(ready, tmp_path / "b", "1.0.0")
    digest = lambda p: {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in (p / "data").iterdir()}  # noqa: E731
    assert digest(first) == digest(second)
    assert json.loads((first / "manifest.json").read_text())["files"] == json.loads(
        (second / "manifest.json").read_text())["files"]


def test_existing_version_is_refused_and_unchanged(ready: Workspace, tmp_path: Path) -> None:
    path = release(ready, tmp_path, "0.1.0")
    before = {f: f.read_bytes() for f in path.rglob("*") if f.is_file()}
    with pytest.raises(ReleaseError, match=r"exists: releases are never overwritten; choose a new --version"):
        release(ready, tmp_path, "0.1.0")
    assert {f: f.read_bytes() for f in path.rglob("*") if f.is_file()} == before
    assert [p.name for p in path.parent.iterdir()] == ["0.1.0"]  # no staging folder left behind


def test_splits_are_by_article(ready: Workspace, tmp_path: Path) -> None:
    path = release(ready, tmp_path, "0.1.0", ratios=(0.5, 0.25, 0.25))
    split_of = {}
    for part in (path / "data").glob("*.parquet"):
        for row in pq.read_table(part, columns=["article_id"]).to_pylist():
            assert split_of.setdefault(row["article_id"], part.name) == part.name


def test_near_duplicates_share_a_group() -> None:
    body = " ".join(f"kata{i}" for i in range(200))
    sketches = {"a": sketch("JAKARTA, KOMPAS.com - " + body), "b": sketch("Jakarta (ANTARA) - " + body),
                "c": sketch(" ".join(f"lain{i}" for i in range(200)))}
    groups = near_duplicate_groups(sketches)
    assert groups["a"] == groups["b"] == "a"
    assert groups["c"] == "c"


def test_gold_rows_changes_and_card(ready: Workspace, tmp_path: Path, examples_dir: Path) -> None:
    first = release(ready, tmp_path, "0.1.0")
    sentence = next(s for s in ready.iter_sentences() if s.text == "Lebih dari 2.000 orang ditangkap.")
    AnnotationStore.of(ready).write_final([FinalLabels(
        sentence.id, short_hash(sentence.text), ACCEPTED,
        "single annotator", ("1",), None,
        LabelSet.of_types([Span(11, 16, "PER", "2.000", "human")], [], ["Justice.Arrest-Jail"]))])
    second = release(ready, tmp_path, "0.2.0")
    gold = [r for r in rows(second) if r["status"] == "gold"]
    assert [r["id"] for r in gold] == [sentence.id] and gold[0]["annotator_count"] == 1
    changes = (second / "CHANGES.md").read_text()
    assert "# Changes since 0.1.0" in changes
    assert "- silver → gold: 1" in changes
    assert "| PER | 1 |" in changes
    manifest = json.loads((second / "manifest.json").read_text())
    assert manifest["previous"] == "0.1.0" and manifest["counts"]["status"] == {"silver": 64, "gold": 1}
    card = (second / "README.md").read_text()
    header = yaml.safe_load(card.split("---\n")[1])
    assert header["language"] == ["id"] and header["configs"][0]["config_name"] == "default"
    assert {s["name"] for s in header["dataset_info"]["splits"]} <= {"train", "validation", "test"}
    assert "$" not in card.split("---\n", 2)[2].replace("$ ", "")  # every placeholder filled
    assert "| gold | 1 |" in card
    assert "(previous: 0.1.0; see CHANGES.md)" in card
    assert "First release: 65 sentences." in (first / "CHANGES.md").read_text()
    gold_only = release(ready, tmp_path, "0.3.0", include_silver=False)
    assert [r["status"] for r in rows(gold_only)] == ["gold"]


def test_nothing_to_release(ready: Workspace, tmp_path: Path) -> None:
    with pytest.raises(ReleaseError, match=r"nothing to release: no sentence has gold labels"):
        release(ready, tmp_path, "0.1.0", include_silver=False)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"version": "1.0"}, r"version '1.0' is not X.Y.Z"), ({"name": "a b"}, r"release name 'a b'"),
     ({"ratios": (0.5, 0.5, 0.5)}, r"must be three non-negative numbers that sum to 1")],
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


def test_conll_export(ready: Workspace, tmp_path: Path) -> None:
    path = release(ready, tmp_path, "0.1.0", conll=True)
    files = json.loads((path / "manifest.json").read_text())["files"]
    assert any(name.startswith("conll/") for name in files)
    out = export_conll(path, tmp_path / "conll")
    text = (tmp_path / "conll" / "train.conll").read_text()
    assert out and "\n\n" in text
    assert all(len(line.split("\t")) == 2 for line in text.splitlines() if line)


class RecordingHub:
    """Stands in for huggingface_hub.HfApi: there is no network here, so record the calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []

    def create_repo(self, repo_id: str, **kw) -> None:
        self.calls.append(("create_repo", {"repo_id": repo_id, **kw}))

    def upload_folder(self, **kw) -> None:
        self.calls.append(("upload_folder", kw))

    def create_tag(self, repo_id: str, **kw) -> None:
        self.calls.append(("create_tag", {"repo_id": repo_id, **kw}))


def test_push_to_hub_uploads_the_folder_and_tags(ready: Workspace, tmp_path: Path) -> None:
    path = release(ready, tmp_path, "0.1.0")
    hub = RecordingHub()
    assert push_to_hub(path, "org/id-news", api=hub) == "v0.1.0"
    assert [c[0] for c in hub.calls] == ["create_repo", "upload_folder", "create_tag"]
    assert hub.calls[1][1]["folder_path"] == str(path) and hub.calls[1][1]["repo_type"] == "dataset"
    assert hub.calls[2][1]["tag"] == "v0.1.0"
