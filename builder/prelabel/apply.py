"""Run a pre-labeller over the workspace's sentences, in batches, into Parquet (in-process)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from builder.model import Sentence, Span, short_hash
from builder.prelabel.core import EventLabel, Prelabeller, SentenceLabels
from builder.parallel import ordered_map
from builder.store import PartWriter, Workspace

_SPAN = pa.struct(
    [("start", pa.int32()), ("end", pa.int32()), ("label", pa.string()), ("text", pa.string()),
     ("source", pa.string()), ("score", pa.float64())]
)
_EVENT = pa.struct([("label", pa.string()), ("score", pa.float64()), ("source", pa.string())])
PRELABEL_SCHEMA = pa.schema(
    [("sentence_id", pa.string()), ("article_id", pa.string()), ("entities", pa.list_(_SPAN)),
     ("events", pa.list_(_EVENT)), ("triggers", pa.list_(_SPAN))]
)


def prelabel_dir(workspace: Workspace, prelabeller: Prelabeller) -> Path:
    """Pre-labels live in a directory named by the pre-labeller's versions, so runs never mix."""
    return workspace.root / "prelabels" / short_hash(*prelabeller.versions, length=12)


def _span(span: Span) -> dict[str, Any]:
    return {"start": span.start, "end": span.end, "label": span.label, "text": span.text,
            "source": span.source, "score": span.score}


def labels_row(labels: SentenceLabels, article_id: str) -> dict[str, Any]:
    """SentenceLabels as a row of PRELABEL_SCHEMA."""
    return {
        "sentence_id": labels.sentence_id,
        "article_id": article_id,
        "entities": [_span(s) for s in labels.entities],
        "events": [{"label": e.label, "score": e.score, "source": e.source} for e in labels.events],
        "triggers": [_span(s) for s in labels.triggers],
    }


def labels_from_row(row: dict[str, Any]) -> SentenceLabels:
    """A row of PRELABEL_SCHEMA back to SentenceLabels."""
    return SentenceLabels(
        sentence_id=row["sentence_id"],
        entities=tuple(Span(**s) for s in row["entities"]),
        events=tuple(EventLabel(**e) for e in row["events"]),
        triggers=tuple(Span(**s) for s in row["triggers"]),
    )


@dataclass
class PrelabelSummary:
    """What one pre-labelling run did."""

    directory: str
    versions: tuple[str, ...]
    sentences: int = 0
    tokens: int = 0
    already_labelled: int = 0
    entities_by_source: Counter[str] = field(default_factory=Counter)
    entities_by_label: Counter[str] = field(default_factory=Counter)
    events_by_type: Counter[str] = field(default_factory=Counter)
    output: str | None = None


def iter_prelabels(directory: Path) -> Iterator[SentenceLabels]:
    """Every stored pre-label of one pre-labeller directory, streamed."""
    for batch in Workspace.iter_parquet(directory):
        for row in batch.to_pylist():
            yield labels_from_row(row)


_worker_prelabeller: Prelabeller | None = None


def _start_worker(factory: Callable[[], Prelabeller]) -> None:
    """Build the pre-labeller once per worker process (the model is loaded once)."""
    global _worker_prelabeller
    _worker_prelabeller = factory()


def _label_batch(batch: list[Sentence]) -> tuple[list[dict[str, Any]], int]:
    """Rows for a batch of sentences, and how many tokens they had."""
    if _worker_prelabeller is None:
        raise RuntimeError("the worker was started without a pre-labeller")
    labelled = _worker_prelabeller.label(batch)
    rows = [labels_row(labels, s.article_id) for s, labels in zip(batch, labelled, strict=True)]
    return rows, sum(len(s.tokens) for s in batch)


def _batches_to_label(workspace: Workspace, done: set[str], batch_size: int,
                      summary: PrelabelSummary) -> Iterator[list[Sentence]]:
    batch: list[Sentence] = []
    for sentence in workspace.iter_sentences():
        if sentence.id in done:
            summary.already_labelled += 1
            continue
        batch.append(sentence)
        if len(batch) >= batch_size:
            yield batch
            batch = []
    if batch:
        yield batch


def prelabel_workspace(
    workspace: Workspace,
    factory: Callable[[], Prelabeller],
    *,
    workers: int = 1,
    batch_size: int = 512,
    on_batch: Callable[[int], None] | None = None,
) -> PrelabelSummary:
    """Pre-label every stored sentence that this pre-labeller has not labelled yet.

    `factory` builds the pre-labeller; with several workers each process builds its own once.
    """
    prelabeller = factory()
    directory = prelabel_dir(workspace, prelabeller)
    summary = PrelabelSummary(str(directory), prelabeller.versions)
    done = {
        sid for batch in Workspace.iter_parquet(directory, columns=["sentence_id"])
        for sid in batch.column("sentence_id").to_pylist()
    }
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "prelabeller.json").write_text(
        json.dumps({"versions": list(prelabeller.versions)}, indent=2) + "\n", encoding="utf-8"
    )
    writer = PartWriter(directory / f"part-{workspace.new_run_id()}.parquet", PRELABEL_SCHEMA, batch_size)
    batches = _batches_to_label(workspace, done, batch_size, summary)
    try:
        for rows, tokens in ordered_map(_label_batch, batches, workers=workers, initializer=_start_worker,
                                        initargs=(factory,)):
            for row in rows:
                writer.add(row)
                summary.entities_by_source.update(e["source"] for e in row["entities"])
                summary.entities_by_label.update(e["label"] for e in row["entities"])
                summary.events_by_type.update(e["label"] for e in row["events"])
            summary.sentences += len(rows)
            summary.tokens += tokens
            if on_batch is not None:
                on_batch(len(rows))
    except BaseException:
        writer.abort()
        raise
    written = writer.close()
    summary.output = str(written) if written else None
    return summary
