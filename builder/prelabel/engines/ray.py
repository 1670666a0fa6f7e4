"""Pre-labelling on Ray Data: the same pre-labeller as the local path, on actors that load it once.

Reads the workspace's sentence Parquet with Ray Data, runs `map_batches` with a callable
class (one pre-labeller per actor), and writes Parquet parts into the same pre-label folder
the local path uses. Local Ray by default; `address` points at a cluster (whose nodes must
see the workspace path, e.g. a shared file system).
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
from builder.prelabel.interface import Prelabeller
from builder.workspace.layout import Workspace
from builder.workspace.parts import iter_parquet, parts
from builder.workspace.summary import PrelabelSummary
from builder.workspace.tables import (
    PRELABEL_SCHEMA,
    prelabel_table,
    sentences_from_table,
)


class PrelabelActor:
    """A Ray Data actor: builds the pre-labeller once, then labels batches of sentence rows."""

    def __init__(self, factory: Callable[[], Prelabeller]) -> None:
        self.prelabeller = factory()

    def __call__(self, batch: pa.Table) -> pa.Table:
        with paused_gc():
            sentences = sentences_from_table(batch)
            return prelabel_table(sentences, self.prelabeller.label(sentences))


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
                      address: str | None = None, batch_size: int = 512,
                      block_bytes: int | None = None) -> PrelabelSummary:
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
        # A workspace part is one file, read by one task; smaller blocks let that task stream
        # many, so every actor gets work without a repartition (an all-to-all barrier):
        # about 16 blocks per actor, at least 1 MiB each.
        footers = [pq.read_metadata(part) for part in files]
        data_bytes = sum(f.row_group(g).total_byte_size for f in footers for g in range(f.num_row_groups))
        context.target_max_block_size = block_bytes or max(1 << 20, data_bytes // (16 * workers))
        dataset = ray.data.read_parquet(files)
        if done:
            dataset = dataset.filter(lambda row: row["id"] not in done)
        labelled = dataset.map_batches(PrelabelActor, fn_constructor_args=(factory,), batch_size=batch_size,
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
