"""Write a versioned Hugging Face release: Parquet per split, card, manifest, CHANGES.md and exports.

Rows are built and written a bucket of articles at a time, so memory does not grow with the
corpus. The same inputs give byte-identical Parquet files; an existing version is never touched:
the release is written into a hidden folder beside its target, made read-only and renamed into place.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import platform
import shutil
import stat
import tempfile
from collections.abc import Mapping
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from builder.core.schema import Schema
from builder.release.buckets import BucketSources, bucket_count, iter_buckets
from builder.release.card import CardContext, default_template, render_card
from builder.release.changes import (
    PREVIOUS_SCHEMA,
    ChangeTally,
    changes_markdown,
    previous_pins,
    previous_rows,
)
from builder.release.exports import ExportJob, write_exports
from builder.release.inputs import ReleaseInputs, load_inputs
from builder.release.neardup import Groups, group_near_duplicates, sketch_batches
from builder.release.options import (
    SPLITS,
    ReleaseError,
    ReleaseOptions,
    existing_versions,
)
from builder.release.quality import agreement, prelabel_quality
from builder.release.rows import (
    GoldPairs,
    ReleaseBatch,
    RowContext,
    build_rows,
    release_features,
)
from builder.release.splits import SplitPlan, leader_order, plan_splits
from builder.release.tally import Tally
from builder.workspace.human import AnnotationStore
from builder.workspace.layout import Workspace

ROW_GROUP = 10_000  # rows per Parquet row group
#: Columns whose values repeat (dictionary-encoded in Parquet); ids, text and tokens are mostly distinct.
REPEATED = ["article_id", "status", "prelabeller", "title", "source", "url", "published_at"]
LIBRARIES = ("news-dataset-builder", "pyarrow", "datasets", "huggingface_hub", "numpy")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def library_versions() -> dict[str, str]:
    """Versions of Python and of the libraries that shape a release's bytes."""
    return {"python": platform.python_version(), **{name: metadata.version(name) for name in LIBRARIES}}


@dataclass
class ReleaseResult:
    """What a release wrote."""

    path: Path
    counts: dict[str, Any] = field(default_factory=dict)
    previous: str | None = None
    warnings: tuple[str, ...] = ()


def _plan(inputs: ReleaseInputs, options: ReleaseOptions, pins: Mapping[str, str]) -> tuple[SplitPlan, Groups]:
    sketches = sketch_batches(inputs.article_bodies())
    groups = group_near_duplicates(sketches, leader_order(sketches, {} if options.resplit else pins))
    return plan_splits(groups, options.ratios, pins, resplit=options.resplit), groups


def _planner() -> Executor:
    """Where splits are planned while the first rows are built: a forked process where there is fork."""
    if "fork" in multiprocessing.get_all_start_methods():
        return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
    return ThreadPoolExecutor(max_workers=1)


class _SplitWriters:
    """One Parquet writer per split, opened at its first row; deterministic bytes."""

    def __init__(self, staging: Path, schema: pa.Schema) -> None:
        self.staging, self.schema = staging, schema
        self.writers: dict[str, pq.ParquetWriter] = {}

    @staticmethod
    def relative(split: str) -> str:
        """A split's file inside the release."""
        return f"data/{split}-00000-of-00001.parquet"

    def write(self, split: str, table: pa.Table) -> None:
        """Append rows to a split."""
        if split not in self.writers:
            self.writers[split] = pq.ParquetWriter(self.staging / self.relative(split), self.schema,
                                                   compression="zstd", compression_level=1, use_dictionary=REPEATED,
                                                   write_statistics=False)
        self.writers[split].write_table(table, row_group_size=ROW_GROUP)

    def close(self) -> dict[str, dict[str, int]]:
        """Close every file; the splits' sizes."""
        info = {}
        for split in SPLITS:
            if split in self.writers:
                self.writers[split].close()
                path = self.staging / self.relative(split)
                info[split] = {"num_examples": pq.ParquetFile(path).metadata.num_rows,
                               "num_bytes": path.stat().st_size}
        return info


def _manifest(inputs: ReleaseInputs, schema: Schema, options: ReleaseOptions, previous: str | None,
              counts: Mapping[str, Any], files: Mapping[str, str], plan: SplitPlan) -> dict[str, Any]:
    return {
        "name": options.name, "version": options.version, "previous": previous,
        "schema": {"name": schema.name, "version": schema.version, "ner_tags": list(schema.ner_tags),
                   "event_types": list(schema.event_labels)},
        "options": {"include_silver": options.include_silver, "ratios": list(options.ratios),
                    "license": options.license, "license_name": options.license_name,
                    "exports": list(options.exports), "exports_gold_only": options.exports_gold_only,
                    "resplit": options.resplit},
        "prelabeller": inputs.prelabeller, "snapshots": list(inputs.snapshots),
        "libraries": library_versions(),
        "counts": counts, "files": files, "excluded_sentences": len(inputs.excluded),
        "split_warnings": list(plan.warnings), "articles_moved_split": len(plan.moved),
        "pinned_splits": plan.pinned_lists(),
    }


#: A release folder's mode: rwxr-xr-x, like any folder `mkdir` makes under the usual umask 022.
_FOLDER_MODE = 0o755


def _read_only(folder: Path) -> None:
    """Files read-only for everyone (0444), folders readable by everyone (0755)."""
    for path in folder.rglob("*"):
        if path.is_file():
            path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        elif path.is_dir():
            path.chmod(_FOLDER_MODE)


def make_release(inputs: ReleaseInputs, schema: Schema, options: ReleaseOptions, *,
                 card_template: str | None = None, agreement: Mapping[str, Any] | None = None) -> ReleaseResult:
    """Write a new release directory atomically; refuse a version that exists."""
    target = options.target
    if target.exists():
        raise ReleaseError(f"{target} exists: releases are never overwritten; choose a new --version or --bump")
    versions = existing_versions(options.releases_dir, options.name)
    previous = versions[-1] if versions else None
    previous_dir = options.releases_dir / options.name / previous if previous else None
    previous_manifest = (json.loads((previous_dir / "manifest.json").read_text(encoding="utf-8"))
                         if previous_dir and (previous_dir / "manifest.json").is_file() else None)
    pins = previous_pins(previous_dir, previous_manifest)
    features = release_features(schema)
    articles = inputs.article_meta()
    context = RowContext(schema, features.arrow_schema, options.include_silver, inputs.prelabeller, inputs.gold,
                         pa.array(sorted(inputs.excluded), pa.string()), articles)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{options.version}-", dir=target.parent))
    staging.chmod(_FOLDER_MODE)  # mkdtemp makes it 0700; a release is for everyone to read
    pool = _planner()
    try:
        planning = pool.submit(_plan, inputs, options, pins)
        (staging / "data").mkdir()
        writers = _SplitWriters(staging, features.arrow_schema)
        tally, changes, pairs = Tally(schema), ChangeTally(schema), GoldPairs()
        sources = BucketSources(inputs.sentence_batches(), inputs.prelabel_batches(), previous_rows(previous_dir),
                                PREVIOUS_SCHEMA)
        ordered = pc.sort_indices(articles["id"])
        for bucket in iter_buckets(sources, articles["id"].take(ordered).combine_chunks(),
                                   bucket_count(inputs.count_sentences(), options.bucket_rows), staging / ".buckets"):
            rows = build_rows(bucket, context, pairs)
            plan, groups = planning.result()
            batch = ReleaseBatch.of(rows, plan.split_of)
            tally.add(batch)
            changes.add(batch, bucket.previous)
            for split in SPLITS:
                chosen = batch.splits == split
                if chosen.any():
                    writers.write(split, batch.table.filter(pa.array(chosen)))
            del bucket, rows, batch
            pa.default_memory_pool().release_unused()  # give the bucket's memory back before the next one
        plan, groups = planning.result()
        split_info = writers.close()
        shutil.rmtree(staging / ".buckets", ignore_errors=True)
        if not split_info:
            raise ReleaseError("nothing to release: no sentence has gold labels"
                               + ("" if options.include_silver else " (and --gold-only leaves out silver ones)")
                               + "; run `builder prelabel` and/or `builder pull` first")
        files = {writers.relative(s): _sha256(staging / writers.relative(s)) for s in split_info}
        job = ExportJob(staging, staging / "exports", schema.ner_tags, schema.event_labels, options.exports_gold_only)
        for path in write_exports(job, options.exports):
            files[str(path.relative_to(staging))] = _sha256(path)
        counts = tally.as_dict(groups)
        (staging / "CHANGES.md").write_text(changes_markdown(previous, changes, plan.moved), encoding="utf-8")
        manifest = _manifest(inputs, schema, options, previous, counts, files, plan)
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                               encoding="utf-8")
        card = CardContext(options, schema, features, split_info, counts, previous, inputs.prelabeller_versions,
                           prelabel_quality(pairs, schema), agreement or {}, tally.example, plan.warnings,
                           metadata.version("news-dataset-builder"))
        (staging / "README.md").write_text(render_card(card_template or default_template(), card), encoding="utf-8")
        _read_only(staging)
        if target.exists():
            raise ReleaseError(f"{target} appeared while writing; nothing was changed")
        os.rename(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        pool.shutdown(cancel_futures=True)
    return ReleaseResult(target, counts, previous, plan.warnings)


def release_workspace(workspace: Workspace, schema: Schema, options: ReleaseOptions, *,
                      card_template: str | None = None, prelabels_dir: Path | None) -> ReleaseResult:
    """Read the workspace, measure annotator agreement, and write the release."""
    if workspace.count_sentences() == 0:
        raise ReleaseError(f"no sentences in {workspace.root}; run `builder ingest` and `builder prelabel` first")
    inputs = load_inputs(workspace, prelabels_dir=prelabels_dir, annotator_names=options.annotator_names)
    annotations = AnnotationStore.of(workspace).read_annotations()
    agree = agreement(annotations, schema.entity_labels, schema.event_labels)
    return make_release(inputs, schema, options, card_template=card_template,
                        agreement={"sentences_compared": agree.sentences_compared, "entity_f1": agree.entity_f1,
                                   "event_alpha": agree.event_alpha, "trigger_f1": agree.trigger_f1,
                                   "annotators": len({a.annotator for a in annotations})})
