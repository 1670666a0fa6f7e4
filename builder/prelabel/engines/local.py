"""The local engine: a pre-labeller over the workspace's sentences on worker processes, into Parquet parts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pyarrow.parquet as pq

from builder.core.parallel import ordered_map, paused_gc
from builder.prelabel.interface import Prelabeller, article_batches
from builder.workspace.layout import Workspace
from builder.workspace.parts import PartWriter, parts
from builder.workspace.summary import PrelabelSummary
from builder.workspace.tables import (
    PRELABEL_SCHEMA,
    prelabel_table,
    sentences_from_table,
)


@dataclass(frozen=True)
class Chunk:
    """One row group of a sentence part: the unit a worker reads, labels and writes on its own."""

    part: Path
    row_group: int
    output: Path


_worker_prelabeller: Prelabeller | None = None
_worker_done: frozenset[str] = frozenset()


def _start_worker(prelabeller: Prelabeller, done: frozenset[str]) -> None:
    """Give a worker process the pre-labeller the main process built.

    Workers are forked (builder.core.parallel), so they share the loaded models' memory and
    start at once: building the pre-labeller again in each worker cost 1.4 s of CPU per worker.
    """
    global _worker_prelabeller, _worker_done
    _worker_prelabeller = prelabeller
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
    sentences = sentences_from_table(table)
    todo = [s for s in sentences if s.id not in _worker_done]
    result.already_labelled = len(sentences) - len(todo)
    writer = PartWriter(chunk.output, PRELABEL_SCHEMA, batch_size)
    try:
        for batch in article_batches(todo, batch_size):
            labels = _worker_prelabeller.label(batch)
            labelled = prelabel_table(batch, labels)
            writer.add_table(labelled)
            result.count_table(labelled)
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
    `factory` builds the pre-labeller once, here; forked workers inherit it. The main process only
    hands out chunks.
    """
    prelabeller = factory()
    directory = workspace.prelabel_dir(prelabeller.versions)
    summary = PrelabelSummary(str(directory), prelabeller.versions)
    done = workspace.labelled_ids(directory)
    workspace.open_prelabel_dir(prelabeller.versions)
    run = workspace.new_run_id()
    chunks = [
        Chunk(part, group, directory / f"part-{run}-{p:04d}-{group:05d}.parquet")
        for p, part in enumerate(parts(workspace.sentences_dir))
        for group in range(pq.ParquetFile(part).num_row_groups)
    ]
    label = partial(_label_chunk, batch_size=batch_size)
    for result, written in ordered_map(label, chunks, workers=workers, initializer=_start_worker,
                                       initargs=(prelabeller, done)):
        summary.add(result)
        summary.output = written or summary.output
        if on_batch is not None:
            on_batch(result.sentences + result.already_labelled)
    return summary
