"""Push the workspace's sentences to Label Studio as tasks (or to a file for the UI's import)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotation.client import (
    ProjectRef,
    PushSummary,
    ensure_project,
    project_lock,
    push_tasks,
    tasks_without_predictions,
    workspace_lock,
)
from annotation.offsets import CODEPOINT, check_units
from annotation.tasks import build_tasks
from builder.core.labels import labeller_name
from builder.core.schema import Schema
from builder.workspace.layout import PUSH_REPORT, Workspace
from builder.workspace.parts import atomic_write


@dataclass(frozen=True)
class PushOptions:
    """Which pre-labels go with the tasks, how the server counts offsets, and how tasks are sent."""

    prelabels_dir: Path | None = None
    offset_units: str = CODEPOINT
    batch_size: int = 250
    on_batch: Callable[[int], None] | None = None
    on_wait: Callable[[str], None] | None = None  # told when another push holds the lock
    annotators_per_task: int | None = None  # Label Studio's overlap; None keeps an existing project's

    def __post_init__(self) -> None:
        check_units(self.offset_units)


def workspace_tasks(workspace: Workspace, options: PushOptions) -> Iterator[dict[str, Any]]:
    """A task per stored sentence, with its pre-labels as a prediction where there are any."""
    folder = options.prelabels_dir
    labels = {item.sentence_id: item.labels for item in workspace.iter_prelabels(folder)} if folder else {}
    version = labeller_name(workspace.prelabeller_versions(folder)) if folder else ""
    return build_tasks(workspace.iter_sentences(), titles=workspace.article_titles(), prelabels=labels,
                       model_version=version, units=options.offset_units)


def write_tasks_file(workspace: Workspace, path: Path, options: PushOptions) -> int:
    """Write every task to a JSON file (Label Studio's import format); returns how many."""
    items = list(workspace_tasks(workspace, options))
    atomic_write(path, json.dumps(items, ensure_ascii=False, indent=1) + "\n")
    return len(items)


def push_workspace(workspace: Workspace, ls: Any, *, url: str, title: str, schema: Schema,
                   options: PushOptions) -> tuple[ProjectRef, PushSummary]:
    """Send the sentences not in the workspace's project yet; remember the project and what was sent.

    Holds the workspace's and the project's locks throughout: a second push waits, then finds
    the project and every task the first one made.
    """
    with workspace_lock(workspace, options.on_wait), project_lock(url, title, options.on_wait):
        ref = ensure_project(ls, workspace, url=url, title=title, schema=schema, offset_units=options.offset_units,
                             annotators_per_task=options.annotators_per_task)
        summary = push_tasks(ls, ref.project_id, workspace_tasks(workspace, options),
                             batch_size=options.batch_size, on_batch=options.on_batch)
        if options.prelabels_dir is not None and summary.already_there:
            summary.without_predictions = tasks_without_predictions(ls, ref.project_id)
        workspace.write_report(PUSH_REPORT, {"url": url, "project_id": ref.project_id,
                                             "tasks_in_project": summary.created + summary.already_there,
                                             "created": summary.created,
                                             "without_predictions": summary.without_predictions,
                                             "duplicates_on_server": summary.duplicates_on_server})
    return ref, summary
