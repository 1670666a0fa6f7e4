"""Push the workspace's sentences to Label Studio as tasks (or to a file for the UI's import)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotation.client import (
    SEQUENTIAL_SAMPLING,
    UNCERTAINTY_SAMPLING,
    LabelStudioUnavailable,
    ProjectRef,
    PushSummary,
    call_sdk,
    ensure_project,
    existing_tasks,
    network_errors,
    project_lock,
    push_tasks,
    tasks_without_predictions,
    workspace_lock,
)
from annotation.offsets import CODEPOINT, check_units
from annotation.queue import ensure_queue_tab
from annotation.refresh import RefreshSummary, sync_predictions
from annotation.tasks import build_tasks, ranked_tasks
from builder.core.labels import labeller_name
from builder.core.schema import Schema
from builder.workspace.layout import PUSH_REPORT, Workspace
from builder.workspace.parts import atomic_write

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PushOptions:
    """Which pre-labels go with the tasks, how the server counts offsets, and how tasks are sent."""

    prelabels_dir: Path | None = None
    offset_units: str = CODEPOINT
    batch_size: int = 250
    on_batch: Callable[[int], None] | None = None
    on_wait: Callable[[str], None] | None = None  # told when another push holds the lock
    annotators_per_task: int | None = None  # Label Studio's overlap; None keeps an existing project's
    refresh: bool = False  # replace older predictions of tasks nobody touched (annotation/refresh.py)

    def __post_init__(self) -> None:
        check_units(self.offset_units)


def prelabel_version(workspace: Workspace, options: PushOptions) -> str:
    """The model_version the tasks' predictions carry: the pre-labeller's versioned parts ("" without)."""
    folder = options.prelabels_dir
    return labeller_name(workspace.prelabeller_versions(folder)) if folder else ""


def workspace_tasks(workspace: Workspace, options: PushOptions) -> list[dict[str, Any]]:
    """A task per stored sentence, with its pre-labels as a prediction where there are any, in queue
    order: the sentences the pre-labeller is least sure of first, spread over articles (ranked_tasks)."""
    folder = options.prelabels_dir
    labels: dict[str, Any] = {}
    uncertainty: dict[str, float | None] = {}
    for item in workspace.iter_prelabels(folder) if folder else ():
        labels[item.sentence_id] = item.labels
        uncertainty[item.sentence_id] = item.uncertainty
    tasks = build_tasks(workspace.iter_sentences(), titles=workspace.article_titles(), prelabels=labels,
                        model_version=prelabel_version(workspace, options), units=options.offset_units,
                        uncertainty=uncertainty)
    return ranked_tasks(tasks)


def set_model_version(ls: Any, project_id: int, version: str) -> None:
    """Make `version` the project's model_version (Label Studio refuses one no prediction carries: HTTP 400)."""
    from label_studio_sdk.core.api_error import ApiError

    try:
        call_sdk(ls.projects.update, id=project_id, model_version=version)
    except ApiError as error:
        if error.status_code != 400:
            raise
        log.warning("Label Studio kept project %d's model_version (%s)", project_id, error.body)


def write_tasks_file(workspace: Workspace, path: Path, options: PushOptions) -> int:
    """Write every task to a JSON file (Label Studio's import format), in queue order; returns how many."""
    items = workspace_tasks(workspace, options)
    atomic_write(path, json.dumps(items, ensure_ascii=False, indent=1) + "\n")
    return len(items)


def push_workspace(workspace: Workspace, ls: Any, *, url: str, title: str, schema: Schema,
                   options: PushOptions) -> tuple[ProjectRef, PushSummary]:
    """Send the sentences not in the workspace's project yet; remember the project and what was sent.

    Holds the workspace's and the project's locks throughout: a second push waits, then finds
    the project and every task the first one made.
    """
    with workspace_lock(workspace, options.on_wait), project_lock(url, title, options.on_wait):
        # With pre-labels the queue is Label Studio's Uncertainty sampling (lowest prediction score first,
        # so it follows a --refresh); without, there are no scores and the queue is the import order.
        sampling = UNCERTAINTY_SAMPLING if options.prelabels_dir is not None else SEQUENTIAL_SAMPLING
        ref = ensure_project(ls, workspace, url=url, title=title, schema=schema, offset_units=options.offset_units,
                             annotators_per_task=options.annotators_per_task, sampling=sampling)
        tasks = workspace_tasks(workspace, options)
        version = prelabel_version(workspace, options)
        predictions = {t["data"]["sentence_id"]: t["predictions"][0] for t in tasks if t.get("predictions")}
        refresh = RefreshSummary()
        if predictions:
            try:
                existing = existing_tasks(ls, ref.project_id)
            except network_errors() as error:
                raise LabelStudioUnavailable(f"Label Studio did not answer ({error}); nothing was pushed") from error
            refresh = sync_predictions(ls, ref.project_id, existing, predictions, model_version=version,
                                       refresh=options.refresh, batch_size=options.batch_size)
        summary = push_tasks(ls, ref.project_id, tasks, batch_size=options.batch_size, on_batch=options.on_batch)
        summary.refresh = refresh
        carrying = summary.created + refresh.current + refresh.filled + refresh.refreshed
        if predictions and 0 < carrying and refresh.stale <= carrying:
            # The label stream shows only predictions of the project's model_version, and Uncertainty
            # sampling ranks only those (annotation/LABEL_STUDIO_NOTES.md, "The annotation queue"): it
            # becomes this push's version unless most waiting tasks still carry an older one (no --refresh).
            set_model_version(ls, ref.project_id, version)
        if predictions:
            ensure_queue_tab(ls, ref.project_id)
        if options.prelabels_dir is not None and summary.already_there:
            summary.without_predictions = tasks_without_predictions(ls, ref.project_id)
        workspace.write_report(PUSH_REPORT, {"url": url, "project_id": ref.project_id,
                                             "tasks_in_project": summary.created + summary.already_there,
                                             "created": summary.created,
                                             "model_version": version,
                                             "refresh": options.refresh,
                                             "refreshed": refresh.refreshed,
                                             "filled": refresh.filled,
                                             "left_alone_annotated": refresh.annotated,
                                             "already_current": refresh.current,
                                             "stale_not_refreshed": refresh.stale,
                                             "without_predictions": summary.without_predictions,
                                             "duplicates_on_server": summary.duplicates_on_server})
    return ref, summary
