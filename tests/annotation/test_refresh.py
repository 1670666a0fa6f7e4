"""Issue 14 on the real Label Studio: annotate, pull, a new pre-labeller, push --refresh; the ranked queue.

Everything a user does goes through the real command line (ingest, prelabel, push, pull, train);
the annotator signs up through the web form and works as the label stream serves them
(`GET /api/projects/{id}/next`), with their own token.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from uuid import uuid4

import requests

from annotation.client import connect, load_project
from annotation.push import PushOptions, workspace_tasks
from builder.core.labels import labeller_name
from builder.workspace.layout import PUSH_REPORT, Workspace
from tests.annotation.test_roundtrip import sign_up
from tests.learn.conftest import write_cli_data

ROOT = Path(__file__).resolve().parents[2]


def builder(*args: str, token: str | None = None) -> str:
    """Run the real command line, as a user does; its output (it must succeed without a traceback)."""
    env = {**os.environ, "COLUMNS": "250"}
    if token is not None:
        env["LABEL_STUDIO_API_KEY"] = token
    result = subprocess.run([sys.executable, "-m", "builder", *args], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=600, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "Traceback" not in output, output
    return output


def served(url: str, token: str, project_id: int) -> dict[str, Any]:
    """The task the label stream gives this user next."""
    answer = requests.get(f"{url}/api/projects/{project_id}/next", headers={"Authorization": f"Token {token}"},
                          timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def state(ls, project_id: int) -> dict[int, dict[str, Any]]:  # type: ignore[no-untyped-def]
    """Every task of the project: its sentence, predictions (id, model_version, score) and annotations."""
    tasks = {t.id: {"sentence_id": t.data["sentence_id"], "predictions": [], "annotations": []}
             for t in ls.tasks.list(project=project_id, include="id,data", page_size=1000)}
    for p in ls.predictions.list(project=project_id):
        tasks[p.task]["predictions"].append((p.id, p.model_version, p.score, json.dumps(p.result, sort_keys=True)))
    # the full export: the annotations list API leaves skips out (tasks/api.py AnnotationsListAPI), drafts too
    export = json.loads(b"".join(ls.projects.exports.download_sync(project_id, export_type="JSON",
                                                                   download_all_tasks=True)))
    for item in export:
        tasks[item["id"]]["annotations"] = sorted(
            (a["id"], a["was_cancelled"], a["updated_at"], json.dumps(a["result"], sort_keys=True))
            for a in item["annotations"]) + sorted(("draft", d["id"], d["updated_at"]) for d in item["drafts"])
    return tasks


def prelabel(ws: Workspace, *extra: str) -> str:
    builder("prelabel", "-w", str(ws.root), "--workers", "1", *extra)
    folder = ws.latest_prelabels()
    assert folder is not None
    return labeller_name(ws.prelabeller_versions(folder))


def test_annotate_pull_train_push_refresh(label_studio, examples_dir: Path, tmp_path: Path) -> None:
    url, token = label_studio.url, label_studio.token
    ls = connect(url, token)
    ws = Workspace(tmp_path / "ws")
    builder("ingest", str(examples_dir / "okezone-kazakhstan.txt"), str(examples_dir / "kompas-banjir-makassar.txt"),
            "-w", str(ws.root), "--workers", "1")
    first_version = prelabel(ws)
    assert "model:id_news.ner.crf.v2" in first_version and "model:id_news.events.v2" in first_version
    title = f"refresh {uuid4().hex[:8]}"
    builder("push", "-w", str(ws.root), "--url", url, "--project", title, token=token)
    project_id = load_project(ws).project_id
    total = ws.count_sentences()
    assert ws.read_report(PUSH_REPORT)["created"] == total > 30

    # The project: Uncertainty sampling over the current pre-labels; tasks created in the ranked order.
    project = ls.projects.get(id=project_id)
    assert (project.sampling, project.model_version) == ("Uncertainty sampling", first_version)
    before = state(ls, project_id)
    by_id = sorted(before)
    ranked = [t["data"]["sentence_id"] for t in workspace_tasks(ws, PushOptions(prelabels_dir=ws.latest_prelabels()))]
    assert [before[i]["sentence_id"] for i in by_id] == ranked, "task ids follow the ranked queue"
    uncertainty = {x.sentence_id: x.uncertainty for x in ws.iter_prelabels(ws.latest_prelabels())}
    for task in before.values():
        (_, version, score, _), = task["predictions"]
        assert version == first_version
        assert abs(score - (1.0 - uncertainty[task["sentence_id"]])) < 1e-6, "score = 1 - uncertainty"
    scores = sorted(t["predictions"][0][2] for t in before.values())
    assert scores[0] < scores[-1]

    # An annotator works through the label stream: accept, correct, skip, and leave a draft.
    annotator = sign_up(url, f"ann-{uuid4().hex[:6]}@example.com")
    person = connect(url, annotator)
    touched: list[int] = []
    for action in ("accept", "correct", "skip", "draft"):
        task = served(url, annotator, project_id)
        assert task["queue"] == "Active learning or random queue"
        prediction = task["predictions"][0]
        assert prediction["model_version"] == first_version, "the label stream shows the current pre-labels"
        assert prediction["score"] == scores[len(touched)], "least sure first"
        if action == "accept":
            person.annotations.create(id=task["id"], result=prediction["result"], parent_prediction=prediction["id"],
                                      project=project_id, lead_time=4.0)
        elif action == "correct":
            person.annotations.create(id=task["id"], result=prediction["result"][1:], project=project_id,
                                      parent_prediction=prediction["id"], lead_time=9.0)
        elif action == "skip":
            person.annotations.create(id=task["id"], result=[], was_cancelled=True, project=project_id, lead_time=1.0)
        else:
            answer = requests.post(f"{url}/api/tasks/{task['id']}/drafts", json={"result": [], "lead_time": 2.0},
                                   headers={"Authorization": f"Token {annotator}"}, timeout=30)
            assert answer.status_code == 201, answer.text
        touched.append(task["id"])
    before = state(ls, project_id)
    assert all(before[i]["annotations"] for i in touched), "two annotations, a skip and a draft are on the server"
    pulled = builder("pull", "-w", str(ws.root), "--url", url, token=token)
    report = json.loads(max(ws.runs_dir.glob("pull-*.json"), key=lambda p: p.stat().st_mtime).read_text())
    assert (report["annotations"], report["skipped"]) == (2, 1), pulled

    # `builder train` learns from the pulled corrections (tiny public sets here, so it takes seconds;
    # --force promotes whatever it scores), and `prelabel` then uses the promoted models: a new model_version.
    data, corpus = write_cli_data(tmp_path / "public")
    trained = builder("train", "-w", str(ws.root), "--data-dir", str(data), "--events-corpus", str(corpus),
                      "--max-iterations", "20", "--force")
    assert "workspace gold:" in trained, trained
    second_version = prelabel(ws)
    assert second_version != first_version
    assert "model:id_news.ner.crf.v2+ws1" in second_version and "model:id_news.events.v2+ws1" in second_version
    plain = builder("push", "-w", str(ws.root), "--url", url, token=token)
    report = ws.read_report(PUSH_REPORT)
    assert (report["created"], report["refreshed"], report["stale_not_refreshed"]) == (0, 0, total - 4)
    assert "push --refresh" in plain
    assert state(ls, project_id) == before, "a plain push changed nothing of the tasks already there"
    assert ls.projects.get(id=project_id).model_version == first_version, "what the waiting tasks carry"

    output = builder("push", "-w", str(ws.root), "--url", url, "--refresh", token=token)
    report = ws.read_report(PUSH_REPORT)
    assert (report["created"], report["refreshed"], report["left_alone_annotated"], report["already_current"]) == (
        0, total - 4, 4, 0), output
    assert "predictions refreshed" in output
    after = state(ls, project_id)
    assert len(after) == total and sorted(after) == by_id, "nothing duplicated, nothing lost"
    assert len({t["sentence_id"] for t in after.values()}) == total
    new_uncertainty = {x.sentence_id: x.uncertainty for x in ws.iter_prelabels(ws.latest_prelabels())}
    for task_id, task in after.items():
        if task_id in touched:
            assert task == before[task_id], "an annotated, skipped or drafted task is never changed"
        else:
            (_, version, score, _), = task["predictions"]
            assert version == second_version
            assert abs(score - (1.0 - new_uncertainty[task["sentence_id"]])) < 1e-6
            assert task["annotations"] == []
    assert ls.projects.get(id=project_id).model_version == second_version

    # The queue follows the new scores: fresh annotators get the least sure untouched tasks, in order.
    new_scores = sorted(t["predictions"][0][2] for i, t in after.items() if i not in touched)
    for k in range(3):
        task = served(url, sign_up(url, f"next-{k}-{uuid4().hex[:6]}@example.com"), project_id)
        assert task["id"] not in touched
        assert task["predictions"][0]["model_version"] == second_version
        assert task["predictions"][0]["score"] == new_scores[k]

    again = builder("push", "-w", str(ws.root), "--url", url, "--refresh", token=token)
    report = ws.read_report(PUSH_REPORT)
    assert (report["refreshed"], report["filled"], report["already_current"], report["left_alone_annotated"]) == (
        0, 0, total - 4, 4), again
    assert state(ls, project_id) == after


def test_sequential_sampling_serves_the_ranked_order_spread_over_articles(label_studio, examples_dir: Path,
                                                                         tmp_path: Path) -> None:
    url, token = label_studio.url, label_studio.token
    ls = connect(url, token)
    ws = Workspace(tmp_path / "ws")
    builder("ingest", str(examples_dir / "okezone-kazakhstan.txt"), str(examples_dir / "kompas-banjir-makassar.txt"),
            "-w", str(ws.root), "--workers", "1", "--prelabel")
    builder("push", "-w", str(ws.root), "--url", url, "--project", f"queue {uuid4().hex[:8]}", token=token)
    project_id = load_project(ws).project_id
    ls.projects.update(id=project_id, sampling="Sequential sampling")  # what a manager may choose instead
    tasks = workspace_tasks(ws, PushOptions(prelabels_dir=ws.latest_prelabels()))
    articles = [t["data"]["article_id"] for t in tasks[:4]]
    assert len(set(articles)) == 2, "the head of the queue spreads over both articles"
    uncertain = sorted(tasks, key=lambda t: -float(1 - t["predictions"][0]["score"]))
    assert tasks[0] is uncertain[0], "the least sure sentence is first"
    annotator = sign_up(url, f"seq-{uuid4().hex[:6]}@example.com")
    order = []
    for _ in range(5):
        task = served(url, annotator, project_id)
        assert task["queue"] == "Sequence queue"
        order.append(task["data"]["sentence_id"])
        connect(url, annotator).annotations.create(id=task["id"], result=[], was_cancelled=True, project=project_id)
    assert order == [t["data"]["sentence_id"] for t in tasks[:5]]


def test_a_task_touched_after_the_listing_keeps_its_prediction(label_studio, examples_dir: Path,
                                                               tmp_path: Path) -> None:
    """The server re-checks "untouched" as it deletes: a submit or a draft that lands between the
    push's listing and its delete is not overwritten."""
    from annotation.client import existing_tasks
    from annotation.push import push_workspace
    from annotation.refresh import replace_predictions
    from builder.ingest.run import ingest
    from builder.prelabel.engines.local import prelabel_workspace
    from builder.prelabel.interface import Prelabeller
    from builder.prelabel.taggers.dates import DateRule
    from tests.annotation.test_roundtrip import SCHEMA, prelabeller

    url, token = label_studio.url, label_studio.token
    ls = connect(url, token)
    ws = Workspace(tmp_path / "ws")
    ingest([examples_dir / "okezone-kazakhstan.txt"], workspace=ws)
    prelabel_workspace(ws, prelabeller)
    ref, _ = push_workspace(ws, ls, url=url, title=f"race {uuid4().hex[:8]}", schema=SCHEMA,
                            options=PushOptions(prelabels_dir=ws.latest_prelabels()))
    prelabel_workspace(ws, lambda: Prelabeller((DateRule(),)))  # another pre-labeller: dates only
    new = {t["data"]["sentence_id"]: t["predictions"][0]
           for t in workspace_tasks(ws, PushOptions(prelabels_dir=ws.latest_prelabels()))}
    tasks = existing_tasks(ls, ref.project_id)
    batch = [(tasks[sid][0], new[sid]) for sid in sorted(tasks)[:3]]  # planned as untouched...
    (submitted, _), (drafted, _), (free, _) = batch
    ls.annotations.create(id=submitted, result=[], project=ref.project_id)  # ...then touched
    annotator = sign_up(url, f"race-{uuid4().hex[:6]}@example.com")
    assert requests.post(f"{url}/api/tasks/{drafted}/drafts", json={"result": []}, timeout=30,
                         headers={"Authorization": f"Token {annotator}"}).status_code == 201
    before = {p.task: (p.id, p.model_version) for p in ls.predictions.list(project=ref.project_id)}
    assert replace_predictions(ls, ref.project_id, batch) == 1
    after = {p.task: (p.id, p.model_version) for p in ls.predictions.list(project=ref.project_id)}
    assert after[submitted] == before[submitted] and after[drafted] == before[drafted]
    assert after[free][1] == new[next(s for s in tasks if tasks[s][0] == free)]["model_version"] != before[free][1]
    assert len(after) == len(before), "one prediction per task, none lost, none added"
