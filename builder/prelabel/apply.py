"""Run a pre-labeller over the workspace's sentences on worker processes, into Parquet parts."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from builder.model import Sentence, Span, short_hash
from builder.parallel import ordered_map, paused_gc
from builder.prelabel.core import EventLabel, Prelabeller, SentenceLabels
from builder.store import PartWriter, Workspace, sentence_from_row

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


def open_prelabel_dir(workspace: Workspace, prelabeller: Prelabeller) -> Path:
    """Create the pre-labeller's folder with its `prelabeller.json` (the versions), and return it."""
    directory = prelabel_dir(workspace, prelabeller)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "prelabeller.json").write_text(
        json.dumps({"versions": list(prelabeller.versions)}, indent=2) + "\n", encoding="utf-8"
    )
    return directory


def labels_table(sentences: Sequence[Sentence], labels: Sequence[SentenceLabels]) -> pa.Table:
    """Pre-labels of sentences as a PRELABEL_SCHEMA table, in sentence order."""
    rows = [labels_row(label, sentence.article_id) for sentence, label in zip(sentences, labels, strict=True)]
    return pa.Table.from_pylist(rows, schema=PRELABEL_SCHEMA)


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

    def count(self, labels: Iterable[SentenceLabels]) -> None:
        """Add sentences' pre-labels to the counts."""
        for label in labels:
            self.sentences += 1
            self.entities_by_source.update(e.source for e in label.entities)
            self.entities_by_label.update(e.label for e in label.entities)
            self.events_by_type.update(e.label for e in label.events)

    def count_table(self, table: pa.Table) -> None:
        """Add the counts of a PRELABEL_SCHEMA table (with Arrow compute, not row by row)."""
        self.sentences += table.num_rows
        entities = pc.list_flatten(table["entities"])
        for counter, values in ((self.entities_by_source, pc.struct_field(entities, "source")),
                                (self.entities_by_label, pc.struct_field(entities, "label")),
                                (self.events_by_type, pc.struct_field(pc.list_flatten(table["events"]), "label"))):
            for pair in pc.value_counts(values).to_pylist():
                counter[pair["values"]] += pair["counts"]

    def add(self, other: PrelabelSummary) -> None:
        """Add the counts of another summary (of the same pre-labeller)."""
        self.sentences += other.sentences
        self.tokens += other.tokens
        self.already_labelled += other.already_labelled
        self.entities_by_source.update(other.entities_by_source)
        self.entities_by_label.update(other.entities_by_label)
        self.events_by_type.update(other.events_by_type)


def iter_prelabels(directory: Path) -> Iterator[SentenceLabels]:
    """Every stored pre-label of one pre-labeller directory, streamed."""
    for batch in Workspace.iter_parquet(directory):
        for row in batch.to_pylist():
            yield labels_from_row(row)


@dataclass(frozen=True)
class Chunk:
    """One row group of a sentence part: the unit a worker reads, labels and writes on its own."""

    part: Path
    row_group: int
    output: Path


_worker_prelabeller: Prelabeller | None = None
_worker_done: frozenset[str] = frozenset()


def _start_worker(factory: Callable[[], Prelabeller], done: frozenset[str]) -> None:
    """Build the pre-labeller once per worker process (the model is loaded once)."""
    global _worker_prelabeller, _worker_done
    _worker_prelabeller = factory()
    _worker_done = done


def _label_chunk(chunk: Chunk, batch_size: int = 512) -> tuple[PrelabelSummary, str | None]:
    """Read one row group, pre-label what is not labelled yet, write it as its own part."""
    with paused_gc():
        return _label_chunk_now(chunk, batch_size)


def _label_chunk_now(chunk: Chunk, batch_size: int) -> tuple[PrelabelSummary, str | None]:
    if _worker_prelabeller is None:
        raise RuntimeError("the worker was started without a pre-labeller")
    result = PrelabelSummary(str(chunk.output.parent), _worker_prelabeller.versions)
    table = pq.ParquetFile(chunk.part).read_row_group(chunk.row_group)
    sentences = [sentence_from_row(row) for row in table.to_pylist()]
    todo = [s for s in sentences if s.id not in _worker_done]
    result.already_labelled = len(sentences) - len(todo)
    writer = PartWriter(chunk.output, PRELABEL_SCHEMA, batch_size)
    try:
        for start in range(0, len(todo), batch_size):
            batch = todo[start : start + batch_size]
            labels = _worker_prelabeller.label(batch)
            writer.add_table(labels_table(batch, labels))
            result.count(labels)
            result.tokens += sum(len(s.tokens) for s in batch)
    except BaseException:
        writer.abort()
        raise
    written = writer.close()
    return result, str(written) if written else None


def prelabel_workspace(
    workspace: Workspace,
    factory: Callable[[], Prelabeller],
    *,
    workers: int = 1,
    batch_size: int = 512,
    on_batch: Callable[[int], None] | None = None,
) -> PrelabelSummary:
    """Pre-label every stored sentence that this pre-labeller has not labelled yet.

    Each row group of the sentence parts is a chunk that one worker reads, labels and writes
    as its own part (named by part and row group, so the order is that of the sentences);
    `factory` builds the pre-labeller once per worker. The main process only hands out chunks.
    """
    prelabeller = factory()
    directory = prelabel_dir(workspace, prelabeller)
    summary = PrelabelSummary(str(directory), prelabeller.versions)
    done = frozenset(
        sid for batch in Workspace.iter_parquet(directory, columns=["sentence_id"])
        for sid in batch.column("sentence_id").to_pylist()
    )
    open_prelabel_dir(workspace, prelabeller)
    run = workspace.new_run_id()
    chunks = [
        Chunk(part, group, directory / f"part-{run}-{p:04d}-{group:05d}.parquet")
        for p, part in enumerate(workspace.parts(workspace.sentences_dir))
        for group in range(pq.ParquetFile(part).num_row_groups)
    ]
    label = partial(_label_chunk, batch_size=batch_size)
    for result, written in ordered_map(label, chunks, workers=workers, initializer=_start_worker,
                                       initargs=(factory, done)):
        summary.add(result)
        summary.output = written or summary.output
        if on_batch is not None:
            on_batch(result.sentences + result.already_labelled)
    return summary
