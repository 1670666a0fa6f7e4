"""Sentences, pre-labels and the previous release's rows in buckets of whole articles, by article id range.

A corpus that fits one bucket is read whole; a bigger one is first spread over Arrow IPC files,
one per bucket, so a release holds one bucket in memory at a time however big the corpus is.
Buckets are article id ranges, so rows come out sorted by article id whatever the bucket count.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from builder.workspace.tables import PRELABEL_SCHEMA, SENTENCE_SCHEMA


@dataclass(frozen=True)
class Bucket:
    """The sentences of a range of articles (sorted by article and position) and their other rows."""

    sentences: pa.Table
    prelabels: pa.Table
    previous: pa.Table  # the previous release's rows of these articles (empty for a first release)


@dataclass(frozen=True)
class BucketSources:
    """The three streams a bucket is cut from, with their schemas."""

    sentences: Iterable[pa.RecordBatch]
    prelabels: Iterable[pa.RecordBatch]
    previous: Iterable[pa.RecordBatch]
    previous_schema: pa.Schema


def bucket_count(sentences: int, rows_per_bucket: int) -> int:
    """How many buckets a corpus of this many sentences is cut into."""
    return max(1, math.ceil(sentences / rows_per_bucket))


def _ranks(article_ids: pa.Array | pa.ChunkedArray, ordered: pa.Array, buckets: int) -> np.ndarray:
    """The bucket of each row; rows of unknown articles go to the last bucket."""
    rank = pc.index_in(article_ids, value_set=ordered).fill_null(len(ordered)).to_numpy()
    return np.minimum(rank * buckets // max(1, len(ordered)), buckets - 1)


def _sorted(sentences: pa.Table) -> pa.Table:
    return sentences.sort_by([("article_id", "ascending"), ("index", "ascending")])


def _whole(batches: Iterable[pa.RecordBatch], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_batches(list(batches), schema=schema)


def iter_buckets(sources: BucketSources, ordered_articles: pa.Array, buckets: int, scratch: Path) -> Iterator[Bucket]:
    """Buckets in article id order; `scratch` holds the bucket files while they are read."""
    if buckets == 1:
        yield Bucket(_sorted(_whole(sources.sentences, SENTENCE_SCHEMA)), _whole(sources.prelabels, PRELABEL_SCHEMA),
                     _whole(sources.previous, sources.previous_schema))
        return
    streams = (("sentences", sources.sentences, SENTENCE_SCHEMA), ("prelabels", sources.prelabels, PRELABEL_SCHEMA),
               ("previous", sources.previous, sources.previous_schema))
    scratch.mkdir(parents=True, exist_ok=True)
    for name, batches, schema in streams:
        writers = [pa.ipc.new_file(scratch / f"{name}-{k:05d}.arrow", schema) for k in range(buckets)]
        try:
            for batch in batches:
                ranks = _ranks(batch.column("article_id"), ordered_articles, buckets)
                for k in np.unique(ranks):
                    writers[k].write_batch(batch.filter(pa.array(ranks == k)))
        finally:
            for writer in writers:
                writer.close()
    for k in range(buckets):
        tables = [pa.ipc.open_file(scratch / f"{name}-{k:05d}.arrow").read_all() for name, _, _ in streams]
        yield Bucket(_sorted(tables[0]), tables[1], tables[2])
        for name, _, _ in streams:
            (scratch / f"{name}-{k:05d}.arrow").unlink()
