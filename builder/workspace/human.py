"""The human labels as the workspace keeps them: raw snapshots, per-annotator annotations, merged labels.

The Label Studio side (annotation/) writes them; the release reads them. Every pull replaces
the annotations and merged labels with what the export holds (Label Studio's current state, so
deleted work is withdrawn); the snapshots keep every export ever pulled.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from builder.core.labels import LabelSet
from builder.workspace.layout import Workspace
from builder.workspace.parts import atomic_write, atomic_write_table
from builder.workspace.tables import (
    ANNOTATION_SCHEMA,
    FINAL_SCHEMA,
    human_label_columns,
    human_labels,
)

ACCEPTED, REVIEW, SKIPPED = "accepted", "review", "skipped"


@dataclass(frozen=True)
class Annotation:
    """One annotator's latest submitted (or skipped) annotation of one task."""

    task_id: int
    annotation_id: int
    sentence_id: str
    text_hash: str
    annotator: str
    updated_at: str
    skipped: bool
    labels: LabelSet = LabelSet()
    flags: tuple[str, ...] = ()
    ground_truth: bool = False


@dataclass(frozen=True)
class FinalLabels:
    """The merged labels of one sentence and how they were reached."""

    sentence_id: str
    text_hash: str
    status: str  # accepted | review | skipped
    reason: str
    annotators: tuple[str, ...]
    agreement: float | None  # mean pairwise F1 over entity spans and event types; None for one annotator
    labels: LabelSet = LabelSet()


def withdrawn_annotations(before: Iterable[Annotation], now: Iterable[Annotation]) -> list[Annotation]:
    """The annotations of `before` whose annotator has none of that sentence in `now` (deleted since)."""
    kept = {(a.sentence_id, a.annotator) for a in now}
    return sorted((a for a in before if (a.sentence_id, a.annotator) not in kept),
                  key=lambda a: (a.sentence_id, a.annotator))


@dataclass(frozen=True)
class AnnotationStore:
    """The workspace's human labels."""

    workspace: Workspace

    @classmethod
    def of(cls, workspace: Workspace) -> AnnotationStore:
        """The store inside a workspace."""
        return cls(workspace)

    def save_snapshot(self, raw: bytes, origin: str) -> Path:
        """Keep a raw export, named by UTC time and content hash; the same bytes are kept once."""
        digest = hashlib.sha256(raw).hexdigest()[:16]
        snapshots = self.workspace.snapshots_dir
        snapshots.mkdir(parents=True, exist_ok=True)
        for existing in snapshots.glob(f"*-{digest}.json"):
            return existing
        path = atomic_write(snapshots / f"{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-{origin}-{digest}.json", raw)
        path.chmod(0o444)
        return path

    def snapshot_names(self) -> list[str]:
        """The kept raw exports, oldest first."""
        snapshots = self.workspace.snapshots_dir
        return sorted(p.name for p in snapshots.glob("*.json")) if snapshots.is_dir() else []

    def read_annotations(self) -> list[Annotation]:
        """The stored per-annotator annotations."""
        path = self.workspace.annotations_path
        if not path.exists():
            return []
        return [
            Annotation(
                task_id=r["task_id"], annotation_id=r["annotation_id"], sentence_id=r["sentence_id"],
                text_hash=r["text_hash"], annotator=r["annotator"], updated_at=r["updated_at"], skipped=r["skipped"],
                labels=human_labels(r), flags=tuple(r["flags"]), ground_truth=r["ground_truth"],
            )
            for r in pq.read_table(path).to_pylist()
        ]

    def write_annotations(self, annotations: Iterable[Annotation]) -> None:
        """Replace the stored annotations (atomically)."""
        rows = [
            {"task_id": a.task_id, "annotation_id": a.annotation_id, "sentence_id": a.sentence_id,
             "text_hash": a.text_hash, "annotator": a.annotator, "updated_at": a.updated_at, "skipped": a.skipped,
             **human_label_columns(a.labels), "flags": list(a.flags), "ground_truth": a.ground_truth}
            for a in sorted(annotations, key=lambda a: (a.sentence_id, a.annotator, a.task_id))
        ]
        atomic_write_table(self.workspace.annotations_path, pa.Table.from_pylist(rows, schema=ANNOTATION_SCHEMA))

    def write_final(self, finals: Iterable[FinalLabels]) -> None:
        """Replace the merged labels (atomically)."""
        rows = [
            {"sentence_id": f.sentence_id, "text_hash": f.text_hash, "status": f.status, "reason": f.reason,
             "annotators": list(f.annotators), "agreement": f.agreement, **human_label_columns(f.labels)}
            for f in finals
        ]
        atomic_write_table(self.workspace.final_path, pa.Table.from_pylist(rows, schema=FINAL_SCHEMA))

    def iter_final(self) -> Iterator[FinalLabels]:
        """The merged labels, if any pull has happened."""
        path = self.workspace.final_path
        if not path.exists():
            return
        for r in pq.read_table(path).to_pylist():
            yield FinalLabels(
                sentence_id=r["sentence_id"], text_hash=r["text_hash"], status=r["status"], reason=r["reason"],
                annotators=tuple(r["annotators"]), agreement=r["agreement"], labels=human_labels(r),
            )
