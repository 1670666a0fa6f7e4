"""A workspace of the example pages with human gold written by the workspace's own writer, and tiny public data."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from builder.core.labels import LabelSet
from builder.core.records import short_hash
from builder.core.schema import load_schema
from builder.events.train import EventTrainOptions, Setting
from builder.ingest.run import ingest
from builder.learn.events import EventOptions
from builder.learn.ner import NerOptions
from builder.learn.options import TrainOptions
from builder.ner.train import CrfParams, NerCorpus
from builder.prelabel.registry import default_prelabeller
from builder.workspace.human import (
    ACCEPTED,
    REVIEW,
    SKIPPED,
    AnnotationStore,
    FinalLabels,
)
from builder.workspace.layout import Workspace
from tests.ner.test_ner_model import FIXTURE_SENTENCES

PUBLIC = [*FIXTURE_SENTENCES,
          ("Polisi Jayapura memeriksa saksi di Papua .", "B-ORG I-ORG O O O B-LOC O"),
          ("Gubernur Khofifah meresmikan jembatan di Madura .", "O B-PER O O O B-LOC O")]
EVENTS = [("Polisi menangkap pencuri itu.", "menangkap", "Justice.Arrest-Jail"),
          ("Tentara menyerang desa itu.", "menyerang", "Conflict.Attack"),
          ("Mereka bertemu di Jakarta.", "bertemu", "Contact.Meet"),
          ("Dia pergi ke pasar.", None, None)]


def write_public(folder: Path) -> Path:
    """A tiny public NER set in CoNLL form: `<folder>/tiny/all.txt`."""
    (folder / "tiny").mkdir(parents=True)
    blocks = ["\n".join(f"{w}\t{t}" for w, t in zip(text.split(), tags.split(), strict=True)) for text, tags in PUBLIC]
    (folder / "tiny" / "all.txt").write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
    return folder


def write_event_corpus(path: Path) -> Path:
    """A tiny event corpus with train, dev and test splits."""
    rows = []
    for split in ("train", "dev", "test"):
        for k, (text, trigger, event_type) in enumerate(EVENTS * 3):
            events = [] if trigger is None else [{"type": event_type, "trigger": trigger, "start": text.index(trigger),
                                                  "end": text.index(trigger) + len(trigger)}]
            rows.append({"id": f"{split}-{k}", "doc": f"{split}-{k % 4}", "split": split, "text": text,
                         "events": events})
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def write_cli_data(tmp_path: Path) -> tuple[Path, Path]:
    """The tiny public set under every folder and file name `builder train` reads, and a tiny event corpus."""
    from builder.ner.train import CORPORA

    source = (write_public(tmp_path / "tiny-public") / "tiny" / "all.txt").read_text(encoding="utf-8")
    data = tmp_path / "ner"
    for corpus in CORPORA:
        (data / corpus.name).mkdir(parents=True)
        for name in corpus.files:
            (data / corpus.name / name).write_text(source, encoding="utf-8")
    return data, write_event_corpus(tmp_path / "events.jsonl")


def as_accepted(labels: LabelSet) -> LabelSet:
    """Pre-labels as an annotator who accepted every one of them leaves them: human spans, no scores, the
    event types their triggers name."""
    entities = tuple(replace(s, source="human", score=None) for s in labels.entities)
    triggers = tuple(replace(s, source="human", score=None) for s in labels.triggers)
    return LabelSet.of_types(entities, triggers, sorted({t.label for t in triggers}))


def write_gold(ws: Workspace, *, every: int = 1) -> int:
    """Final labels for the workspace's sentences, as an annotator who accepted the packaged pre-labels would
    leave them (every `every`-th sentence); a few sentences are `review` or `skipped`. Returns how many are
    accepted."""
    prelabeller = default_prelabeller(load_schema())
    sentences = [s for k, s in enumerate(ws.iter_sentences()) if k % every == 0]
    finals = []
    for k, (sentence, labelled) in enumerate(zip(sentences, prelabeller.label(sentences), strict=True)):
        status = REVIEW if k % 10 == 3 else SKIPPED if k % 10 == 7 else ACCEPTED
        finals.append(FinalLabels(sentence.id, short_hash(sentence.text), status, "one annotator", ("1",), None,
                                  as_accepted(labelled.labels)))
    AnnotationStore.of(ws).write_final(finals)
    return sum(f.status == ACCEPTED for f in finals)


@pytest.fixture
def gold_workspace(examples_dir: Path, workspace: Workspace) -> Workspace:
    """The example pages ingested, with gold for their sentences."""
    ingest([examples_dir], workspace=workspace)
    write_gold(workspace)
    return workspace


@pytest.fixture
def small_options(tmp_path: Path) -> Callable[..., TrainOptions]:
    """Training options on the tiny public data, with few CRF iterations and a one-point event grid."""
    data = write_public(tmp_path / "public")
    corpus = write_event_corpus(tmp_path / "events.jsonl")

    def make(iterations: int = 30, **kw: object) -> TrainOptions:
        ner = NerOptions(data, corpora=(NerCorpus("tiny", ("all.txt",), "MIT", "tests/learn"),),
                         params=CrfParams(max_iterations=iterations, lexicon_folds=2), dev_fraction=0.3)
        events = EventOptions(corpus, train=EventTrainOptions(c_values=(4.0,), thresholds=(0.3,), lexicon_copies=(1,)),
                              setting=Setting(4.0, 0.3, 1, None))
        return TrainOptions(ner=ner, events=events, **kw)  # type: ignore[arg-type]

    return make
