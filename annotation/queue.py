"""The annotation queue in Label Studio Community 1.23: least sure first, in both ways tasks are served.

Label Studio serves tasks two ways (annotation/LABEL_STUDIO_NOTES.md, "The annotation queue"):

* `GET /api/projects/{id}/next` (the API, and any client without a Data Manager tab) follows the
  project's `sampling`: "Uncertainty sampling" serves the lowest prediction `score` of the
  project's model_version first. The push sets it on projects it creates with pre-labels.
* The web UI's "Label All Tasks" posts the Data Manager action `next_task` with the open tab, and
  then Label Studio ignores `sampling`: it serves the first unfinished task in the tab's order
  (task id when the tab has none). So the push also makes the project's first tab a "Least sure
  first" tab ordered by prediction score, ascending.

Both follow a `push --refresh` (new scores). Tasks are also created in the ranked order
(annotation/tasks.py ranked_tasks), so "Sequential sampling" and an unordered tab serve it too,
with its spreading over articles; that order is fixed when the tasks are created.
"""

from __future__ import annotations

from typing import Any

from annotation.client import call_sdk

#: The Data Manager tab the push adds; a person may rename, reorder or delete it (it is not re-added
#: while a tab of this title exists, and a project whose managers deleted it gets it back at the next push).
QUEUE_TAB = "Least sure first"
#: The Data Manager's name for the mean score of the project's model_version's predictions.
SCORE_COLUMN = "tasks:predictions_score"


def ensure_queue_tab(ls: Any, project_id: int) -> int:
    """The id of the project's "Least sure first" tab, made (and put first) if the project has none."""
    views = call_sdk(ls.views.list, project=project_id)
    for view in views:
        if (getattr(view, "data", None) or {}).get("title") == QUEUE_TAB:
            return int(view.id)
    data = {"title": QUEUE_TAB, "type": "list", "target": "tasks", "ordering": [SCORE_COLUMN],
            "filters": {"conjunction": "and", "items": []}}
    created = call_sdk(ls.views.create, project=project_id, data=data)
    call_sdk(ls.views.update_order, project=project_id, ids=[int(created.id), *(int(v.id) for v in views)])
    return int(created.id)
