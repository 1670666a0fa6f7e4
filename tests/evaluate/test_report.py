"""`builder report`: the page's figures from a real workspace (ingested, pre-labelled, annotated by two people)."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from annotation.client import ProjectRef, apply_export, save_project
from annotation.labelconfig import EVENTS
from annotation.tasks import build_tasks
from builder.cli.app import app
from builder.core.schema import load_schema
from builder.evaluate.report import collect, write_report
from builder.events.lexicon import load_lexicon
from builder.ingest.run import ingest
from builder.prelabel.engines.local import prelabel_workspace
from builder.prelabel.interface import Prelabeller
from builder.prelabel.taggers.dates import DateRule
from builder.prelabel.taggers.events import LexiconEventTagger
from builder.prelabel.taggers.gazetteer import Gazetteer
from builder.workspace.layout import Workspace

SCHEMA = load_schema()
URL = "http://127.0.0.1:8080"


def prelabeller() -> Prelabeller:
    return Prelabeller((DateRule(), Gazetteer()), LexiconEventTagger(load_lexicon()))


def annotated_workspace(root: Path, examples: Path) -> Workspace:
    """Two annotators accept the pre-labels of the first 12 tasks; on task 3 the second drops a span.
    The first deletes a pre-labelled span of task 2 (a false positive) and adds a LOC on task 5 (a miss)."""
    ws = Workspace(root)
    ingest([examples / "okezone-kazakhstan.txt"], workspace=ws)
    prelabel_workspace(ws, prelabeller)
    folder = ws.latest_prelabels()
    assert folder is not None
    labels = {item.sentence_id: item.labels for item in ws.iter_prelabels(folder)}
    tasks = list(build_tasks(ws.iter_sentences(), titles=ws.article_titles(), prelabels=labels, model_version="v"))
    export = []
    for i, task in enumerate(tasks[:12], start=1):
        result = copy.deepcopy(task.get("predictions", [{"result": []}])[0]["result"])
        for item in result:
            if item["from_name"] == EVENTS:  # as the earlier Choices config exported them; both are read
                item["type"], item["value"] = "choices", {"choices": [".".join(p) for p in item["value"]["taxonomy"]]}
        spans = [r for r in result if r["from_name"] != EVENTS]
        if i == 2:
            result.remove(spans[0])
        if i == 5:
            word = re.search(r"\w+", task["data"]["text"])
            result.append({"id": "m5", "from_name": "entities", "to_name": "text", "type": "labels",
                           "value": {"start": word.start(), "end": word.end(), "text": word.group(), "labels": ["LOC"]}})
        annotations = [{"id": 100 + i, "completed_by": 1, "result": result, "was_cancelled": False,
                        "updated_at": f"2026-11-{10 + i // 4:02d}T10:00:00Z"}]
        if i <= 4:
            second = result[1:] if i == 3 and spans else result
            annotations.append({"id": 200 + i, "completed_by": 2, "result": second, "was_cancelled": False,
                                "updated_at": f"2026-11-{11 + i:02d}T12:00:00Z"})
        export.append({"id": i, "data": task["data"], "annotations": annotations})
    apply_export(ws, json.dumps(export).encode(), origin="file", schema=SCHEMA)
    save_project(ws, ProjectRef(URL, 7, "report test"))
    return ws


@pytest.fixture(scope="module")
def workspace_with_work(tmp_path_factory: pytest.TempPathFactory, examples_dir: Path) -> Workspace:
    return annotated_workspace(tmp_path_factory.mktemp("report") / "ws", examples_dir)


def test_report_figures_come_from_the_workspace(workspace_with_work: Workspace) -> None:
    data = collect(workspace_with_work)
    assert data.sentences == 23 and data.prelabelled == 23
    assert len(data.progress) == 16 and data.progress[-1][1] == 16
    assert data.per_annotator["1"]["annotated"] == 12 and data.per_annotator["2"]["annotated"] == 4
    assert sum(data.statuses.values()) == 12
    assert data.entity_counts["LOC"] > 0 and sum(data.event_counts.values()) > 0
    # Accepted = the pre-labels except one span deleted on task 2 and one LOC added on task 5.
    entity_rows = {k: v for k, v in data.prelabel_scores.items() if k[0] == "entities"}
    assert sum(r["fp"] for r in entity_rows.values()) == 1
    assert entity_rows[("entities", "gazetteer:places.v1", "LOC")]["fn"] == 1
    assert sum(r["fn"] for r in entity_rows.values()) == 1
    [open_one] = data.disagreements
    assert open_one.link == f"{URL}/projects/7/data?task=3" and open_one.annotators == ("1", "2")


def test_report_page_is_one_static_file(workspace_with_work: Workspace, tmp_path: Path) -> None:
    page = write_report(workspace_with_work, tmp_path / "report.html").read_text(encoding="utf-8")
    assert page.count("<svg") == 5
    for section in ("progress", "entities", "events", "annotators", "prelabels", "disagreements"):
        assert f"id='{section}'" in page
    for external in ("<script", "<link", " src=", "<img"):  # nothing loaded from elsewhere
        assert external not in page


def test_builder_report_command_and_status_link(workspace_with_work: Workspace) -> None:
    runner = CliRunner()
    done = runner.invoke(app, ["report", "--workspace", str(workspace_with_work.root)])
    assert done.exit_code == 0, done.output
    assert (workspace_with_work.root / "report.html").exists()
    status = runner.invoke(app, ["status", "--workspace", str(workspace_with_work.root)])
    assert f"Report: {workspace_with_work.root / 'report.html'}" in status.output
    missing = runner.invoke(app, ["report", "--workspace", str(workspace_with_work.root / "nope")])
    assert missing.exit_code == 1 and "No workspace at" in missing.output
