"""Work deleted in Label Studio is withdrawn from the next release; the snapshots keep it; CHANGES.md says so.

Also the annotators' loop as the demo prints it: `builder serve`, then `builder pull --workspace W`
and `builder release --workspace W --releases-dir R --bump minor` (0.1.0 → 0.2.0).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from uuid import uuid4

import pyarrow.parquet as pq

from annotation.client import connect, load_project
from annotation.embedded import running_server
from builder.core.schema import load_schema
from builder.events.lexicon import load_lexicon
from builder.ingest.run import ingest
from builder.prelabel.engines.local import prelabel_workspace
from builder.prelabel.interface import Prelabeller
from builder.prelabel.taggers.dates import DateRule
from builder.prelabel.taggers.events import LexiconEventTagger
from builder.prelabel.taggers.gazetteer import Gazetteer
from builder.workspace.human import AnnotationStore
from builder.workspace.layout import Workspace

ROOT = Path(__file__).resolve().parents[2]
NAME = load_schema().name


def prelabeller() -> Prelabeller:
    return Prelabeller((DateRule(), Gazetteer()), LexiconEventTagger(load_lexicon()))


def prepared(root: Path, examples_dir: Path) -> Workspace:
    ws = Workspace(root)
    ingest([examples_dir], workspace=ws)
    prelabel_workspace(ws, prelabeller)
    return ws


def builder(*args: str, token: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real command line, as a user does."""
    env = {**os.environ, "COLUMNS": "200"}
    if token is not None:
        env["LABEL_STUDIO_API_KEY"] = token
    result = subprocess.run([sys.executable, "-m", "builder", *args], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=600, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "Traceback" not in output, output
    return result


def accept_predictions(ls: Any, project_id: int, count: int) -> list[tuple[int, int]]:  # type: ignore[no-untyped-def]
    """The admin accepts the pre-labels of `count` tasks; (task id, annotation id) of each."""
    made = []
    for task in ls.tasks.list(project=project_id, include="id,data,predictions", page_size=100):
        full = ls.tasks.get(id=task.id)
        if not full.predictions or not any(r["from_name"] == "entities" for r in full.predictions[0].result):
            continue
        prediction = full.predictions[0]
        annotation = ls.annotations.create(id=task.id, result=[dict(r) for r in prediction.result],
                                           parent_prediction=prediction.id, project=project_id, lead_time=3.0)
        made.append((task.id, annotation.id))
        if len(made) == count:
            break
    assert len(made) == count
    return made


def gold_ids(release: Path) -> set[str]:
    ids: set[str] = set()
    for part in (release / "data").glob("*.parquet"):
        table = pq.read_table(part, columns=["id", "status"]).to_pylist()
        ids |= {row["id"] for row in table if row["status"] == "gold"}
    return ids


def sentence_of(ws: Workspace) -> dict[int, str]:
    return {a.task_id: a.sentence_id for a in AnnotationStore.of(ws).read_annotations()}


def test_deleted_task_and_annotation_are_not_gold_in_the_next_release(label_studio, examples_dir: Path,
                                                                      tmp_path: Path) -> None:
    ws = prepared(tmp_path / f"del-{uuid4().hex[:8]}", examples_dir)
    releases, url, token = tmp_path / "releases", label_studio.url, label_studio.token
    builder("push", "-w", str(ws.root), "--url", url, token=token)
    ls = connect(url, token)
    project_id = load_project(ws).project_id
    (task_a, _), (task_b, annotation_b), (task_c, _) = accept_predictions(ls, project_id, 3)
    builder("pull", "-w", str(ws.root), "--url", url, token=token)
    by_task = sentence_of(ws)
    builder("release", "-w", str(ws.root), "--releases-dir", str(releases), "--version", "0.1.0")
    assert gold_ids(releases / NAME / "0.1.0") == {by_task[task_a], by_task[task_b], by_task[task_c]}

    ls.tasks.delete(id=task_a)
    ls.annotations.delete(id=annotation_b)
    second = builder("pull", "-w", str(ws.root), "--url", url, token=token)
    assert f"task {task_a} (sentence {by_task[task_a]}" in second.stdout
    assert f"annotation {annotation_b}) is no longer in Label Studio" in second.stdout
    report = json.loads(max(ws.runs_dir.glob("pull-*.json"), key=lambda p: p.stat().st_mtime).read_text())
    assert len(report["withdrawn"]) == 2 and report["no_longer_accepted"] == 2
    assert sentence_of(ws) == {task_c: by_task[task_c]}

    builder("release", "-w", str(ws.root), "--releases-dir", str(releases), "--bump", "minor")
    assert gold_ids(releases / NAME / "0.2.0") == {by_task[task_c]}
    changes = (releases / NAME / "0.2.0" / "CHANGES.md").read_text(encoding="utf-8")
    assert "- gold labels removed: 2 (sentences gold in 0.1.0 and not now" in changes, changes
    assert "- gold → silver: 2" in changes
    snapshots = sorted(ws.snapshots_dir.glob("*.json"))
    assert len(snapshots) == 2
    kept = json.loads(snapshots[0].read_bytes()) if "server" in snapshots[0].name else []
    assert any(t["id"] == task_a for t in kept), "the older snapshot still holds the deleted task"
    assert any(a["id"] == annotation_b for t in kept for a in t["annotations"])


def test_demo_closing_hint_works_as_printed(examples_dir: Path, tmp_path: Path) -> None:
    """After the demo's 0.1.0: `serve`, annotate, `pull --workspace W`, `release ... --bump minor` gives 0.2.0."""
    ws = prepared(tmp_path / "demo", examples_dir)
    releases = tmp_path / "demo-releases"
    builder("push", "-w", str(ws.root), "--start-server")
    builder("pull", "-w", str(ws.root), "--start-server")
    builder("release", "-w", str(ws.root), "--releases-dir", str(releases), "--version", "0.1.0")
    serve = subprocess.Popen([sys.executable, "-m", "builder", "serve", "--workspace", str(ws.root)], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        deadline = time.monotonic() + 180
        while running_server(ws) is None:
            assert serve.poll() is None and time.monotonic() < deadline, serve.communicate()[0]
            time.sleep(0.5)
        served = running_server(ws)
        ls = connect(served.url, served.token)
        (task, _), = accept_predictions(ls, load_project(ws).project_id, 1)
        builder("pull", "--workspace", str(ws.root))
        starts = (ws.server_data_dir / "label-studio.log").read_text().count("starting on")
        builder("pull", "--workspace", str(ws.root), "--start-server")  # uses the running server, starts none
        assert (ws.server_data_dir / "label-studio.log").read_text().count("starting on") == starts
        assert running_server(ws) == served
        made = builder("release", "--workspace", str(ws.root), "--releases-dir", str(releases), "--bump", "minor")
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.communicate(timeout=60)
    assert (releases / NAME / "0.2.0" / "manifest.json").is_file(), made.stdout
    assert "previous" in made.stdout and "0.1.0" in made.stdout
    assert gold_ids(releases / NAME / "0.2.0") == {sentence_of(ws)[task]}
    assert not ws.server_file.exists(), "serve removes server.json when it stops"
