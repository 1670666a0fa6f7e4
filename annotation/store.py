"""Where pulled work lives in the workspace: raw snapshots, per-annotator annotations, final labels."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from annotation.export import Annotation
from annotation.merge import FinalLabels
from builder.model import Span
from builder.store import Workspace

_SPAN = pa.struct([("start", pa.int32()), ("end", pa.int32()), ("label", pa.string()), ("text", pa.string())])
ANNOTATION_SCHEMA = pa.schema(
    [("task_id", pa.int64()), ("annotation_id", pa.int64()), ("sentence_id", pa.string()),
     ("text_hash", pa.string()), ("annotator", pa.string()), ("updated_at", pa.string()),
     ("skipped", pa.bool_()), ("entities", pa.list_(_SPAN)), ("triggers", pa.list_(_SPAN)),
     ("event_types", pa.list_(pa.string())), ("flags", pa.list_(pa.string())), ("ground_truth", pa.bool_())]
)
FINAL_SCHEMA = pa.schema(
    [("sentence_id", pa.string()), ("text_hash", pa.string()), ("status", pa.string()), ("reason", pa.string()),
     ("annotators", pa.list_(pa.string())), ("agreement", pa.float64()), ("entities", pa.list_(_SPAN)),
     ("triggers", pa.list_(_SPAN)), ("event_types", pa.list_(pa.string()))]
)


def _spans(spans: Iterable[Span]) -> list[dict[str, Any]]:
    return [{"start": s.start, "end": s.end, "label": s.label, "text": s.text} for s in spans]


def _from_spans(rows: Iterable[dict[str, Any]]) -> tuple[Span, ...]:
    return tuple(Span(r["start"], r["end"], r["label"], r["text"], "human") for r in rows)


@dataclass(frozen=True)
class AnnotationStore:
    """The workspace's `labelstudio/` folder."""

    root: Path

    @classmethod
    def of(cls, workspace: Workspace) -> AnnotationStore:
        """The store inside a workspace."""
        return cls(workspace.root / "labelstudio")

    @property
    def snapshots(self) -> Path:
        """Raw exports, as they came, never rewritten."""
        return self.root / "snapshots"

    @property
    def annotations_path(self) -> Path:
        """Every annotator's latest annotation per task, across all snapshots."""
        return self.root / "annotations.parquet"

    @property
    def final_path(self) -> Path:
        """One merged label set per sentence."""
        return self.root / "final.parquet"

    def save_snapshot(self, raw: bytes, origin: str) -> Path:
        """Keep a raw export, named by UTC time and content hash; the same bytes are kept once."""
        digest = hashlib.sha256(raw).hexdigest()[:16]
        self.snapshots.mkdir(parents=True, exist_ok=True)
        for existing in self.snapshots.glob(f"*-{digest}.json"):
            return existing
        path = self.snapshots / f"{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-{origin}-{digest}.json"
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(raw)
        os.replace(tmp, path)
        path.chmod(0o444)
        return path

    def read_annotations(self) -> list[Annotation]:
        """The stored per-annotator annotations."""
        if not self.annotations_path.exists():
            return []
        return [
            Annotation(
                task_id=r["task_id"], annotation_id=r["annotation_id"], sentence_id=r["sentence_id"],
                text_hash=r["text_hash"], annotator=r["annotator"], updated_at=r["updated_at"], skipped=r["skipped"],
                entities=_from_spans(r["entities"]), triggers=_from_spans(r["triggers"]),
                event_types=tuple(r["event_types"]), flags=tuple(r["flags"]), ground_truth=r["ground_truth"],
            )
            for r in pq.read_table(self.annotations_path).to_pylist()
        ]

    def write_annotations(self, annotations: Iterable[Annotation]) -> None:
        """Replace the stored annotations (temporary file, then rename)."""
        rows = [
            {"task_id": a.task_id, "annotation_id": a.annotation_id, "sentence_id": a.sentence_id,
             "text_hash": a.text_hash, "annotator": a.annotator, "updated_at": a.updated_at, "skipped": a.skipped,
             "entities": _spans(a.entities), "triggers": _spans(a.triggers), "event_types": list(a.event_types),
             "flags": list(a.flags), "ground_truth": a.ground_truth}
            for a in sorted(annotations, key=lambda a: (a.sentence_id, a.annotator, a.task_id))
        ]
        _write_table(self.annotations_path, pa.Table.from_pylist(rows, schema=ANNOTATION_SCHEMA))

    def write_final(self, finals: Iterable[FinalLabels]) -> None:
        """Replace the merged labels (temporary file, then rename)."""
        rows = [
            {"sentence_id": f.sentence_id, "text_hash": f.text_hash, "status": f.status, "reason": f.reason,
             "annotators": list(f.annotators), "agreement": f.agreement, "entities": _spans(f.entities),
             "triggers": _spans(f.triggers), "event_types": list(f.event_types)}
            for f in finals
        ]
        _write_table(self.final_path, pa.Table.from_pylist(rows, schema=FINAL_SCHEMA))

    def iter_final(self) -> Iterator[FinalLabels]:
        """The merged labels, if any pull has happened."""
        if not self.final_path.exists():
            return
        for r in pq.read_table(self.final_path).to_pylist():
            yield FinalLabels(
                sentence_id=r["sentence_id"], text_hash=r["text_hash"], status=r["status"], reason=r["reason"],
                annotators=tuple(r["annotators"]), agreement=r["agreement"], entities=_from_spans(r["entities"]),
                triggers=_from_spans(r["triggers"]), event_types=tuple(r["event_types"]),
            )


def _write_table(path: Path, table: pa.Table) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)
