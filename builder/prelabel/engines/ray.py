"""Pre-labelling on Ray Data: the same pre-labeller as the local path, on actors that load it once.

Ray Data hands out the row groups of the workspace's sentence Parquet (a row group holds whole
articles, as ingest writes them), a `map_batches` callable class (one pre-labeller per actor)
reads and labels each in batches that never split an article, exactly as the local path does,
and Ray writes Parquet parts into the same pre-label folder the local path uses. Local Ray by
default; `address` points at a cluster (whose nodes must see the workspace path, e.g. a shared
file system).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from builder.core.parallel import paused_gc
from builder.prelabel.interface import Prelabeller, article_batches
from builder.workspace.layout import Workspace
from builder.workspace.parts import iter_parquet, parts
from builder.workspace.summary import PrelabelSummary
from builder.workspace.tables import (
    PRELABEL_SCHEMA,
    prelabel_table,
    sentences_from_table,
)


class PrelabelActor:
    """A Ray Data actor: builds the pre-labeller once, then labels the row groups it is handed
    (rows of `part`, `row_group`), skipping the sentences in `done`."""

    def __init__(self, factory: Callable[[], Prelabeller], done: frozenset[str], batch_size: int) -> None:
        self.prelabeller = factory()
        self.done = done
        self.batch_size = batch_size

    def __call__(self, batch: pa.Table) -> pa.Table:
        tables = [PRELABEL_SCHEMA.empty_table()]
        with paused_gc():
            for part, group in zip(batch.column("part").to_pylist(), batch.column("row_group").to_pylist(),
                                   strict=True):
                sentences = sentences_from_table(pq.ParquetFile(part).read_row_group(group))
                todo = [s for s in sentences if s.id not in self.done]
                for chunk in article_batches(todo, self.batch_size):
                    tables.append(prelabel_table(chunk, self.prelabeller.label(chunk)))
        return pa.concat_tables(tables)


def tokens_to_label(workspace: Workspace, done: frozenset[str]) -> int:
    """Tokens of the stored sentences not in `done` (counted from the offsets, column-wise)."""
    skip = pa.array(sorted(done), type=pa.string())
    total = 0
    for batch in iter_parquet(workspace.sentences_dir, columns=["id", "token_starts"]):
        lengths = pc.list_value_length(batch.column("token_starts"))
        if done:
            lengths = pc.filter(lengths, pc.invert(pc.is_in(batch.column("id"), value_set=skip)))
        total += pc.sum(lengths).as_py() or 0
    return total


def start_ray(address: str | None, workers: int) -> None:
    """Connect to the Ray cluster at `address`, or start a local one sized for `workers` actors."""
    import ray

    init: dict[str, Any] = {"address": address, "include_dashboard": False, "log_to_driver": False,
                            "configure_logging": False}
    if address is None:
        init["num_cpus"] = workers + 1  # one CPU for reading and writing, so actors cannot starve them
    ray.init(**init)


def prelabel_with_ray(workspace: Workspace, factory: Callable[[], Prelabeller], *, workers: int = 2,
                      address: str | None = None, batch_size: int = 512) -> PrelabelSummary:
    """Pre-label the sentences this pre-labeller has not labelled yet, on `workers` Ray actors."""
    import ray

    prelabeller = factory()
    directory = workspace.prelabel_dir(prelabeller.versions)
    summary = PrelabelSummary(str(directory), prelabeller.versions)
    done = workspace.labelled_ids(directory)
    files = [str(p.resolve()) for p in parts(workspace.sentences_dir)]
    if not files:
        return summary
    started_here = not ray.is_initialized()
    if started_here:
        start_ray(address, workers)
    try:
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        # Fewer bookkeeping calls: on a small machine Ray's helper processes compete with the actors.
        context.enable_get_object_locations_for_metrics = False
        context.enable_per_node_metrics = False
        # one item per row group: a row group holds whole articles (ingest writes them so)
        groups = [{"part": part, "row_group": g}
                  for part in files for g in range(pq.read_metadata(part).num_row_groups)]
        dataset = ray.data.from_items(groups, override_num_blocks=len(groups))
        labelled = dataset.map_batches(PrelabelActor, fn_constructor_args=(factory, done, batch_size), batch_size=1,
                                       batch_format="pyarrow", compute=ray.data.ActorPoolStrategy(size=workers),
                                       num_cpus=1)
        workspace.open_prelabel_dir(prelabeller.versions)
        staging = Path(tempfile.mkdtemp(prefix=".ray-", dir=directory))
        try:
            labelled.write_parquet(str(staging))
            run = workspace.new_run_id()
            for i, written in enumerate(sorted(staging.glob("*.parquet"))):
                summary.count_table(pq.read_table(written, schema=PRELABEL_SCHEMA, columns=["entities", "events"]))
                target = directory / f"part-{run}-{i:05d}.parquet"
                os.replace(written, target)
                summary.output = str(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    finally:
        if started_here:
            ray.shutdown()
    summary.already_labelled = len(done)
    summary.tokens = tokens_to_label(workspace, done) if summary.sentences else 0
    return summary
