"""Bring the predictions of tasks already in a project up to the workspace's current pre-labels.

A task someone has touched is never changed: a submitted annotation, a skip (a cancelled
annotation) or a draft (someone started and saved work) all count as touched, so a person
never finds the pre-labels under their work replaced. Every other task is:

* **current** when its only prediction carries the current pre-labeller's model_version;
* **filled** when it has no prediction (pushed before there were pre-labels, or with
  --no-prelabels, or an earlier refresh stopped between its two steps): every push gives it one;
* **refreshed** (with `refresh=True`) when it carries another version: its predictions are deleted
  (Label Studio's Data Manager action `delete_tasks_predictions`) and the current one imported
  (`POST /api/projects/{id}/import/predictions`); without `refresh` it is counted as **stale**.

Tasks are matched by `data.sentence_id`, so nothing is created here and nothing is duplicated.
The delete carries Data Manager filters (no annotation, no skip, no draft), so the server
checks "untouched" again as it deletes: a task someone touched after the listing keeps its
prediction (counted as annotated). Deleting first means a failure between the requests leaves
tasks without a prediction, which the next push fills. Only a submit in the moment between the
delete and the import can leave a touched task with the new prediction (its annotation is
never changed).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from typing import Any

from annotation.client import LabelStudioUnavailable, call_sdk, network_errors


@dataclass
class RefreshSummary:
    """What happened to the predictions of the tasks that were already in the project."""

    refreshed: int = 0  # an older prediction replaced by the current pre-labels (--refresh)
    filled: int = 0  # had no prediction, got the current pre-labels
    annotated: int = 0  # left alone: submitted, skipped or drafted by someone
    current: int = 0  # already carried the current pre-labels
    stale: int = 0  # not touched by anyone, older pre-labels, left as they are (no --refresh)


@dataclass(frozen=True)
class TaskState:
    """What a push needs to know about one task already in the project."""

    task_id: int
    touched: bool
    model_versions: tuple[str, ...]


def task_states(ls: Any, project_id: int) -> dict[int, TaskState]:
    """Task id → whether someone touched it and the model_versions of its predictions (two listings)."""
    fields = "id,total_annotations,cancelled_annotations,draft_exists"
    tasks = call_sdk(lambda: list(ls.tasks.list(project=project_id, include=fields, page_size=1000)))
    versions: dict[int, list[str]] = {}
    for prediction in call_sdk(ls.predictions.list, project=project_id):
        versions.setdefault(int(prediction.task), []).append(str(prediction.model_version or ""))
    return {
        int(t.id): TaskState(
            int(t.id),
            bool((t.total_annotations or 0) or (t.cancelled_annotations or 0) or getattr(t, "draft_exists", False)),
            tuple(versions.get(int(t.id), ())),
        )
        for t in tasks
    }


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def sync_predictions(ls: Any, project_id: int, existing: Mapping[str, list[int]],
                     predictions: Mapping[str, dict[str, Any]], *, model_version: str, refresh: bool,
                     batch_size: int = 250, on_batch: Callable[[int], None] | None = None) -> RefreshSummary:
    """Fill (and with `refresh`, replace) the predictions of untouched tasks; see the module docstring.

    `existing` is sentence id → task ids in the project, `predictions` sentence id → the prediction
    (as built for import: model_version, score, result) of the sentences that have pre-labels.
    """
    summary = RefreshSummary()
    try:
        states = task_states(ls, project_id)
    except network_errors() as error:
        raise LabelStudioUnavailable(f"Label Studio did not answer ({error}); nothing was pushed") from error
    replace: list[tuple[int, dict[str, Any]]] = []
    fill: list[tuple[int, dict[str, Any]]] = []
    for sentence_id, task_ids in existing.items():
        prediction = predictions.get(sentence_id)
        if prediction is None:
            continue
        for task_id in task_ids:
            state = states.get(task_id)
            if state is None:  # deleted in Label Studio since the listing
                continue
            if state.touched:
                summary.annotated += 1
            elif state.model_versions == (model_version,):
                summary.current += 1
            elif not state.model_versions:
                fill.append((task_id, prediction))
            elif refresh:
                replace.append((task_id, prediction))
            else:
                summary.stale += 1
    try:
        for batch in _batches(replace, batch_size):
            done = replace_predictions(ls, project_id, batch)
            summary.refreshed += done
            summary.annotated += len(batch) - done
            if on_batch is not None:
                on_batch(len(batch))
        for batch in _batches(fill, batch_size):
            _import(ls, project_id, batch)
            summary.filled += len(batch)
            if on_batch is not None:
                on_batch(len(batch))
    except network_errors() as error:
        raise LabelStudioUnavailable(
            f"Label Studio stopped answering while predictions were replaced ({error}); tasks left without a "
            "prediction get one at the next push: run the same push again"
        ) from error
    return summary


#: Data Manager filters that hold only for tasks nobody has touched (the server checks them as it deletes).
UNTOUCHED = {"conjunction": "and", "items": [
    {"filter": "filter:tasks:total_annotations", "operator": "equal", "type": "Number", "value": 0},
    {"filter": "filter:tasks:cancelled_annotations", "operator": "equal", "type": "Number", "value": 0},
    {"filter": "filter:tasks:draft_exists", "operator": "equal", "type": "Boolean", "value": False},
]}


def replace_predictions(ls: Any, project_id: int, batch: list[tuple[int, dict[str, Any]]]) -> int:
    """Replace the predictions of these tasks with the given ones, on those still untouched; how many.

    The delete is filtered on the server (UNTOUCHED), so a task someone submitted, skipped or drafted
    since the listing keeps its predictions; only tasks left without any then get the new one.
    """
    ids = [task_id for task_id, _ in batch]
    call_sdk(ls.actions.create, id="delete_tasks_predictions", project=project_id, filters=UNTOUCHED,
             selected_items={"all": False, "included": ids})
    query = json.dumps({"selectedItems": {"all": False, "included": ids}})
    emptied = {int(t.id) for t in call_sdk(lambda: list(ls.tasks.list(
        project=project_id, query=query, include="id,total_predictions", page_size=len(ids))))
        if not (t.total_predictions or 0)}
    todo = [(task_id, prediction) for task_id, prediction in batch if task_id in emptied]
    if todo:
        _import(ls, project_id, todo)
    return len(todo)


def _import(ls: Any, project_id: int, batch: list[tuple[int, dict[str, Any]]]) -> None:
    call_sdk(ls.projects.import_predictions, id=project_id,
          request=[{"task": task_id, **prediction} for task_id, prediction in batch])
