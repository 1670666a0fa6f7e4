"""The ranked queue in the real web UI: an annotator's "Label All Tasks" opens the least sure sentence,
also after `push --refresh` gave the tasks new scores.

Label Studio's label stream (Data Manager → Label All Tasks, `?labeling=1`) asks the server for
the next task; with the Uncertainty sampling the push sets, that is the task whose prediction has
the lowest score (annotation/LABEL_STUDIO_NOTES.md, "The annotation queue").
"""

from __future__ import annotations

import os
from pathlib import Path
from uuid import uuid4

import requests

from annotation.client import connect, load_project
from builder.workspace.layout import Workspace
from tests.annotation.test_roundtrip import sign_up
from tests.browser.test_labelling_screen import builder, log_in, wait_for

ROOT = Path(__file__).resolve().parents[2]


def test_label_all_tasks_opens_the_least_sure_sentence(label_studio, browser, examples_dir: Path,
                                                       tmp_path: Path) -> None:
    url, token = label_studio.url, label_studio.token
    env = {**os.environ, "LABEL_STUDIO_API_KEY": token, "COLUMNS": "250"}
    ws = Workspace(tmp_path / "ws")
    builder("ingest", str(examples_dir / "okezone-kazakhstan.txt"), "-w", str(ws.root), "--workers", "1",
            "--prelabel", env=env)
    builder("push", "-w", str(ws.root), "--url", url, "--project", f"ui queue {uuid4().hex[:8]}", env=env)
    project_id = load_project(ws).project_id
    # new scores from another pre-labeller: the tasks' creation order is no longer the queue order
    builder("prelabel", "-w", str(ws.root), "--workers", "1", "--lexicon",
            str(ROOT / "builder" / "resources" / "event_lexicon.toml"), env=env)
    builder("push", "-w", str(ws.root), "--url", url, "--refresh", env=env)
    ls = connect(url, token)
    scores = {p.task: p.score for p in ls.predictions.list(project=project_id)}
    texts = {t.id: t.data["text"] for t in ls.tasks.list(project=project_id, include="id,data")}
    least_sure = min(scores, key=lambda task_id: (scores[task_id], task_id))
    assert least_sure != min(scores), "after the refresh the least sure sentence is not the first task"

    email, password = f"ui-{uuid4().hex[:6]}@example.com", "annotator-password-1"
    annotator = sign_up(url, email, password)
    log_in(browser, url, email, password)
    browser.get(f"{url}/projects/{project_id}/data?labeling=1")
    shown = wait_for(lambda: browser.execute_script(
        "return [...document.querySelectorAll('.lsf-richtext, .htx-richtext')].map(e => e.innerText).join('\\n')"),
        "the label stream's first task on screen")
    assert texts[least_sure] in shown
    # which task the UI asked for and got: the server's label-stream history of this annotator
    history = requests.get(f"{url}/api/projects/{project_id}/label-stream-history",
                           headers={"Authorization": f"Token {annotator}"}, timeout=30).json()
    assert [h["taskId"] for h in history] == [least_sure], history
    calls = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('next_task'))")
    assert calls, "the UI asked through the Data Manager action next_task (which ignores `sampling`)"
