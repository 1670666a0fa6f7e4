"""Write a versioned Hugging Face release: Parquet per split, card, manifest, CHANGES.md and exports.

The same inputs give byte-identical Parquet files; an existing version is never touched:
the release is written into a hidden folder beside its target and renamed into place.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from builder.core.schema import Schema
from builder.release.card import CardContext, render_card
from builder.release.changes import changes_markdown, read_release_rows
from builder.release.exports import export_conll
from builder.release.inputs import ReleaseInputs, load_inputs
from builder.release.options import (
    GOLD,
    SILVER,
    SPLITS,
    ReleaseError,
    ReleaseOptions,
    existing_versions,
)
from builder.release.quality import agreement, prelabel_quality
from builder.release.rows import ReleaseRow, build_rows, release_features, rows_table
from builder.release.splits import near_duplicate_groups, sketch
from builder.workspace.human import AnnotationStore
from builder.workspace.layout import Workspace


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_parquet(rows: list[ReleaseRow], path: Path, features: Any) -> None:
    """One split as Parquet with the Hugging Face features in its metadata; deterministic bytes."""
    pq.write_table(rows_table(rows, features.arrow_schema), path, compression="zstd", row_group_size=10_000,
                   write_statistics=False)


@dataclass
class ReleaseResult:
    """What a release wrote."""

    path: Path
    counts: dict[str, Any] = field(default_factory=dict)
    previous: str | None = None


def _status_counts(rows: Iterable[ReleaseRow]) -> Counter[str]:
    return Counter(r.status for r in rows)


def _counts(rows: Mapping[str, list[ReleaseRow]], schema: Schema, groups: Mapping[str, str]) -> dict[str, Any]:
    splits = {}
    for split, items in rows.items():
        if not items:
            continue
        splits[split] = {
            "sentences": len(items), "articles": len({r.article_id for r in items}),
            "tokens": sum(len(r.tokens) for r in items), **dict(_status_counts(items)),
        }
    every = [r for items in rows.values() for r in items]
    entity_counts: dict[str, dict[str, int]] = {label: {GOLD: 0, SILVER: 0} for label in schema.entity_labels}
    for r in every:
        for span in r.entities:
            entity_counts[span["label"]][r.status] += 1
    event_counts = Counter(schema.event_labels[i] for r in every for i in r.event_types)
    near_dups = {g for a, g in groups.items() if a != g}
    grouped = Counter(groups.values())
    return {
        "splits": splits, "status": dict(_status_counts(every)), "entities": entity_counts,
        "events": {e: event_counts.get(e, 0) for e in schema.event_labels},
        "near_duplicate_groups": sum(1 for g in near_dups if grouped[g] > 1),
        "articles_in_near_duplicate_groups": sum(n for g, n in grouped.items() if n > 1),
    }


def _write_splits(rows: Mapping[str, list[ReleaseRow]], staging: Path, features: Any,
                  files: dict[str, str]) -> dict[str, dict[str, int]]:
    """Write each non-empty split; record file hashes; return the splits' sizes."""
    split_info: dict[str, dict[str, int]] = {}
    for split in SPLITS:
        if not rows[split]:
            continue
        relative = f"data/{split}-00000-of-00001.parquet"
        write_parquet(rows[split], staging / relative, features)
        files[relative] = _sha256(staging / relative)
        split_info[split] = {"num_examples": len(rows[split]), "num_bytes": (staging / relative).stat().st_size}
    return split_info


def _manifest(inputs: ReleaseInputs, schema: Schema, options: ReleaseOptions, previous: str | None,
              counts: Mapping[str, Any], files: Mapping[str, str]) -> dict[str, Any]:
    return {
        "name": options.name, "version": options.version, "previous": previous,
        "schema": {"name": schema.name, "version": schema.version, "ner_tags": list(schema.ner_tags),
                   "event_types": list(schema.event_labels)},
        "options": {"include_silver": options.include_silver, "ratios": list(options.ratios),
                    "license": options.license},
        "prelabeller": inputs.prelabeller, "snapshots": inputs.snapshots,
        "counts": counts, "files": files, "excluded_sentences": len(inputs.excluded),
    }


def make_release(inputs: ReleaseInputs, schema: Schema, options: ReleaseOptions, *,
                 card_template: str, quality: Mapping[str, Any] | None = None,
                 agreement: Mapping[str, Any] | None = None) -> ReleaseResult:
    """Write a new release directory atomically; refuse a version that exists."""
    target = options.target
    if target.exists():
        raise ReleaseError(f"{target} exists: releases are never overwritten; choose a new --version or --bump")
    previous_versions = existing_versions(options.releases_dir, options.name)
    previous = previous_versions[-1] if previous_versions else None
    groups = near_duplicate_groups({aid: sketch(a.body) for aid, a in inputs.articles.items()})
    rows = build_rows(inputs, schema, options, groups)
    if not any(rows.values()):
        raise ReleaseError("nothing to release: no sentence has gold labels"
                           + ("" if options.include_silver else " (and --gold-only leaves out silver ones)")
                           + "; run `builder prelabel` and/or `builder pull` first")
    features = release_features(schema)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{options.version}-", dir=target.parent))
    try:
        (staging / "data").mkdir()
        files: dict[str, str] = {}
        split_info = _write_splits(rows, staging, features, files)
        if options.conll:
            for path in export_conll(staging, staging / "conll", list(schema.ner_tags)):
                files[str(path.relative_to(staging))] = _sha256(path)
        counts = _counts(rows, schema, groups)
        previous_rows = read_release_rows(options.releases_dir / options.name / previous) if previous else None
        (staging / "CHANGES.md").write_text(changes_markdown(previous, previous_rows, rows, schema), encoding="utf-8")
        manifest = _manifest(inputs, schema, options, previous, counts, files)
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                               encoding="utf-8")
        context = CardContext(options, schema, features, split_info, counts, previous, inputs.prelabeller_versions,
                              quality or {}, agreement or {}, rows)
        (staging / "README.md").write_text(render_card(card_template, context), encoding="utf-8")
        if target.exists():
            raise ReleaseError(f"{target} appeared while writing; nothing was changed")
        os.rename(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return ReleaseResult(target, counts, previous)


def release_workspace(workspace: Workspace, schema: Schema, options: ReleaseOptions, *, card_template: str,
                      prelabels_dir: Path | None) -> ReleaseResult:
    """Read the workspace, measure pre-label quality and agreement, and write the release."""
    if workspace.count_sentences() == 0:
        raise ReleaseError(f"no sentences in {workspace.root}; run `builder ingest` and `builder prelabel` first")
    inputs = load_inputs(workspace, prelabels_dir=prelabels_dir)
    agree = agreement(AnnotationStore.of(workspace).read_annotations(), schema.entity_labels, schema.event_labels)
    return make_release(inputs, schema, options, card_template=card_template,
                        quality=prelabel_quality(inputs, schema),
                        agreement={"sentences_compared": agree.sentences_compared,
                                   "entity_f1": agree.entity_f1, "event_alpha": agree.event_alpha})
