"""What a workspace holds, counted: articles, sentences, pre-labels, tasks, human labels per annotator."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from builder.workspace.human import ACCEPTED, REVIEW, SKIPPED, AnnotationStore
from builder.workspace.layout import PUSH_REPORT, Workspace
from builder.workspace.parts import count_rows


@dataclass
class AnnotatorProgress:
    """One annotator's work in the workspace."""

    annotated: int = 0
    skipped: int = 0


@dataclass
class WorkspaceStatus:
    """Counts of what the workspace holds."""

    articles: int
    sentences: int
    ingest_runs: int
    prelabelled: int
    push: dict[str, object] | None  # the latest push report
    finals: Counter[str]
    annotators: dict[str, AnnotatorProgress] = field(default_factory=dict)

    @property
    def accepted(self) -> int:
        """Sentences whose human labels are accepted."""
        return self.finals.get(ACCEPTED, 0)

    @property
    def in_review(self) -> int:
        """Sentences waiting for an adjudicator."""
        return self.finals.get(REVIEW, 0)

    @property
    def skipped(self) -> int:
        """Sentences every annotator skipped."""
        return self.finals.get(SKIPPED, 0)


def workspace_status(workspace: Workspace) -> WorkspaceStatus:
    """Count what the workspace holds (from Parquet footers and the stored human labels)."""
    latest = workspace.latest_prelabels()
    store = AnnotationStore.of(workspace)
    annotators: dict[str, AnnotatorProgress] = {}
    for annotation in store.read_annotations():
        progress = annotators.setdefault(annotation.annotator, AnnotatorProgress())
        if annotation.skipped:
            progress.skipped += 1
        else:
            progress.annotated += 1
    return WorkspaceStatus(
        articles=workspace.count_articles(),
        sentences=workspace.count_sentences(),
        ingest_runs=workspace.count_reports("ingest-"),
        prelabelled=count_rows(latest) if latest else 0,
        push=workspace.read_report(PUSH_REPORT),
        finals=Counter(f.status for f in store.iter_final()),
        annotators=dict(sorted(annotators.items())),
    )
