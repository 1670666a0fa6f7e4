"""Review tasks: each disagreement becomes a task in a second project, the competing versions shown.

`builder review` puts every sentence the last pull left in review into the project
"<title> – review" (one annotator per task), with each annotator's version as a prediction
named after them: the adjudicator opens the task, picks a version in Label Studio's
predictions list (or starts from any of them), corrects it and submits. The next `pull`
reads that project too: a submitted review annotation is the decision (recorded as a
ground-truth annotation by the adjudicator, "adjudicated by <e-mail>"), final until someone
changes it in the review project.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotation.client import (
    PushSummary,
    overlap_settings,
    project_lock,
    push_tasks,
    workspace_lock,
)
from annotation.offsets import CODEPOINT
from annotation.screen import project_settings
from annotation.tasks import prediction, task_data, with_neighbours
from builder.core.schema import Schema
from builder.workspace.annotators import AnnotatorBook
from builder.workspace.human import ACCEPTED, REVIEW, Annotation, AnnotationStore
from builder.workspace.layout import Workspace
from builder.workspace.parts import atomic_write_json

REVIEW_SUFFIX = " – review"


@dataclass(frozen=True)
class ReviewRef:
    """The review project of a workspace."""

    url: str
    project_id: int
    title: str


def review_file(workspace: Workspace) -> Path:
    """Where the workspace remembers its review project."""
    return workspace.labelstudio_dir / "review-project.json"


def load_review(workspace: Workspace) -> ReviewRef | None:
    """The remembered review project, if any."""
    path = review_file(workspace)
    return ReviewRef(**json.loads(path.read_text(encoding="utf-8"))) if path.exists() else None


def sampled(sentence_id: str, share: float) -> bool:
    """Whether an agreed sentence is in the review sample: a fixed share, the same sentences every time."""
    digest = hashlib.sha256(f"review-sample\x1f{sentence_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def review_tasks(workspace: Workspace, units: str = CODEPOINT, sample: float = 0.0) -> list[dict[str, Any]]:
    """A task per sentence in review (and a `sample` share of those two or more agreed on), each
    annotator's latest version as a prediction named after them."""
    store = AnnotationStore.of(workspace)
    in_review = {f.sentence_id for f in store.iter_final()
                 if f.status == REVIEW or (f.status == ACCEPTED and f.reason.endswith("annotators agree")
                                           and sampled(f.sentence_id, sample))}
    versions: dict[str, list[Annotation]] = defaultdict(list)
    for annotation in store.read_annotations():
        if annotation.sentence_id in in_review and not annotation.skipped and not annotation.ground_truth:
            versions[annotation.sentence_id].append(annotation)
    book = AnnotatorBook.of(workspace)
    titles = workspace.article_titles()
    tasks = []
    for sentence, prev, nxt in with_neighbours(workspace.iter_sentences()):
        if sentence.id not in versions:
            continue
        predictions = [{**prediction(sentence, a.labels, book.email(a.annotator), units), "score": 1.0}
                       for a in sorted(versions[sentence.id], key=lambda a: a.annotator)]
        tasks.append({"data": {**task_data(sentence, title=titles.get(sentence.article_id, ""), prev=prev,
                                           next_=nxt), "review": True}, "predictions": predictions})
    return tasks


def push_review(workspace: Workspace, ls: Any, *, url: str, title: str, schema: Schema,
                units: str = CODEPOINT, sample: float = 0.0) -> tuple[ReviewRef, PushSummary]:
    """Send the sentences in review (and the sample of agreements) not sent yet to the review project."""
    review_title = title + REVIEW_SUFFIX
    with workspace_lock(workspace), project_lock(url, review_title):
        remembered = load_review(workspace)
        project_id = remembered.project_id if remembered is not None and remembered.url == url.rstrip("/") else None
        if project_id is None:
            same = sorted(p.id for p in ls.projects.list() if p.title == review_title)
            project_id = same[0] if same else None
        if project_id is None:
            project_id = int(ls.projects.create(title=review_title, **project_settings(schema),
                                                **overlap_settings(1)).id)
        ref = ReviewRef(url.rstrip("/"), int(project_id), review_title)
        atomic_write_json(review_file(workspace), ref.__dict__)
        summary = push_tasks(ls, ref.project_id, review_tasks(workspace, units, sample))
    return ref, summary

