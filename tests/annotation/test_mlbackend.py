"""The ML backend against the session's real Label Studio: connect, import as the UI does, predict, train.

The backend runs in this process (uvicorn in a thread) so a test can choose the training
command: until `builder train` exists on this branch, a real `builder status` is the job.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
import requests
from label_studio_sdk.core.api_error import ApiError

from annotation.client import connect, ensure_project
from annotation.mlbackend import (
    BACKEND_TITLE,
    BackendServer,
    Predictor,
    Trainer,
    backend_prelabeller,
    connect_backend,
    train_command,
)
from annotation.server import Credentials, LabelStudioServer, free_port
from annotation.tasks import prediction
from builder.core.labels import labeller_name
from builder.core.records import Article
from builder.core.schema import load_schema
from builder.ingest.segment import segment
from builder.workspace.layout import Workspace

SCHEMA = load_schema()
TEXT = ("Presiden Joko Widodo tiba di Surabaya pada Senin (19/2/2024). "
        "Dua orang tewas dalam serangan bom di Jakarta.")
SENTENCE = "Menteri Luar Negeri Retno Marsudi bertemu Antony Blinken di Washington pada 7 Januari 2022."


@pytest.fixture(scope="module")
def predictor() -> Predictor:
    return Predictor(lambda: backend_prelabeller(Workspace(Path("unused")), SCHEMA))


def test_prediction_offsets_are_the_task_text_and_the_version_is_the_prelabellers(predictor: Predictor) -> None:
    [result] = predictor.predict([{"id": 1, "data": {"text": TEXT}}])
    assert result["model_version"] == labeller_name(backend_prelabeller(Workspace(Path("x")), SCHEMA).versions)
    regions = [r for r in result["result"] if r["type"] == "labels"]
    assert {r["value"]["text"] for r in regions} >= {"Joko Widodo", "Surabaya", "Jakarta", "tewas"}
    for region in regions:  # offsets into the whole two-sentence text, not into one sentence
        assert TEXT[region["value"]["start"]:region["value"]["end"]] == region["value"]["text"]
    assert any(r["value"]["start"] > TEXT.index("Dua") for r in regions)


def test_a_one_sentence_task_gets_what_the_push_would_send(predictor: Predictor) -> None:
    prelabeller = backend_prelabeller(Workspace(Path("x")), SCHEMA)
    [sentence] = segment(Article(id="a", title="", body=SENTENCE))
    [labelled] = prelabeller.label([sentence])
    pushed = prediction(sentence, labelled.labels, labeller_name(prelabeller.versions), uncertainty=labelled.uncertainty)
    [served] = predictor.predict([{"id": 7, "data": {"text": SENTENCE, "prev": "", "next": ""}}])
    assert served == pushed
    assert served["result"], "the pre-labeller finds something in this sentence"


def test_a_task_without_text_is_refused_in_one_line(predictor: Predictor) -> None:
    with pytest.raises(ValueError, match="no text in data"):
        predictor.predict([{"id": 3, "data": {"body": "x"}}])


def _import_as_the_ui_does(url: str, token: str, project_id: int, tasks: list[dict]) -> list[int]:
    """The import dialog: upload a JSON file (commit_to_project=false), then commit it with /reimport."""
    headers = {"Authorization": f"Token {token}"}
    upload = requests.post(f"{url}/api/projects/{project_id}/import?commit_to_project=false", headers=headers,
                           files={"file": ("tasks.json", json.dumps(tasks), "application/json")}, timeout=60)
    assert upload.status_code == 201, upload.text
    ids = upload.json()["file_upload_ids"]
    commit = requests.post(f"{url}/api/projects/{project_id}/reimport", headers=headers, timeout=60,
                           json={"file_upload_ids": ids, "files_as_tasks_list": False})
    assert commit.status_code == 201, commit.text
    listed = requests.get(f"{url}/api/tasks", headers=headers, params={"project": project_id, "page_size": 100},
                          timeout=60).json()
    return sorted(t["id"] for t in listed["tasks"])


@pytest.fixture(scope="module")
def label_studio(tmp_path_factory: pytest.TempPathFactory, label_studio_template: Path,
                 label_studio_credentials: Credentials) -> Iterator[LabelStudioServer]:
    """A server of this module's own, started as `builder serve --ml-backend` starts it."""
    data_dir = tmp_path_factory.mktemp("label-studio-ml") / "data"
    with LabelStudioServer(data_dir, credentials=label_studio_credentials, template=label_studio_template,
                           local_ml_backends=True) as server:
        yield server


@pytest.fixture
def project(label_studio: LabelStudioServer, tmp_path: Path):  # type: ignore[no-untyped-def]
    ws = Workspace(tmp_path / "ws")
    ls = connect(label_studio.url, label_studio.token)
    ref = ensure_project(ls, ws, url=label_studio.url, title=f"ml {uuid4().hex[:8]}", schema=SCHEMA)
    return ws, ls, ref.project_id


def test_a_server_started_without_the_option_refuses_a_local_backend(
        tmp_path: Path, label_studio_template: Path, predictor: Predictor) -> None:
    """Label Studio 1.23.2's default: why `builder serve --ml-backend` exists."""
    ws = Workspace(tmp_path / "ws")
    with LabelStudioServer(tmp_path / "data", template=label_studio_template) as server:
        ls = connect(server.url, server.token)
        project_id = ensure_project(ls, ws, url=server.url, title="ml refused", schema=SCHEMA).project_id
        with BackendServer(predictor, Trainer(ws, ["true"]), free_port()) as backend:
            with pytest.raises(ApiError, match="reserved network address"):
                connect_backend(ls, project_id, backend.url)
        assert ls.ml.list(project=project_id) == []


def test_label_studio_gets_predictions_from_the_backend_for_tasks_imported_in_its_ui(
        label_studio, project, predictor: Predictor) -> None:  # type: ignore[no-untyped-def]
    ws, ls, project_id = project
    trainer = Trainer(ws, [sys.executable, "-c", "pass"])
    with BackendServer(predictor, trainer, free_port()) as backend:
        first = connect_backend(ls, project_id, backend.url)
        again = connect_backend(ls, project_id, backend.url)
        assert first.action == "added" and again.action == "already connected"
        assert again.backend_id == first.backend_id
        assert len(ls.ml.list(project=project_id)) == 1
        assert ls.ml.get(id=first.backend_id).model_version == predictor.model_version

        task_ids = _import_as_the_ui_does(label_studio.url, label_studio.token, project_id, [
            {"text": TEXT, "prev": "", "next": ""},  # the keys the labelling config reads (no title)
            {"text": SENTENCE, "title": "Kunjungan", "prev": "", "next": ""},
        ])
        assert len(task_ids) == 2
        # A task with only `text` is refused by Label Studio itself: the labelling screen reads prev and next.
        headers = {"Authorization": f"Token {label_studio.token}"}
        refused = requests.post(f"{label_studio.url}/api/projects/{project_id}/import", headers=headers, timeout=60,
                                files={"file": ("t.json", json.dumps([{"text": SENTENCE}]), "application/json")})
        assert refused.status_code == 400 and '\\"prev\\" key is expected in task data' in refused.text
        assert not ls.predictions.list(task=task_ids[0]), "imported without predictions"
        # The Data Manager's "Retrieve Predictions" on the first task.
        ls.actions.create(id="retrieve_tasks_predictions", project=project_id,
                          selected_items={"all": False, "included": [task_ids[0]]})
        [stored] = ls.predictions.list(task=task_ids[0])
        assert stored.model_version == predictor.model_version
        assert stored.result == predictor.predict([{"id": task_ids[0], "data": {"text": TEXT}}])[0]["result"]
        # Opening the second task in the label stream asks the backend too.
        assert not ls.predictions.list(task=task_ids[1])
        opened = requests.get(f"{label_studio.url}/api/tasks/{task_ids[1]}/", timeout=60,
                              headers={"Authorization": f"Token {label_studio.token}"}).json()
        assert [p["model_version"] for p in opened["predictions"]] == [predictor.model_version]
        assert {r["value"]["text"] for r in opened["predictions"][0]["result"] if r["type"] == "labels"} >= \
            {"Retno Marsudi", "Washington"}
        # Retrieving again makes no second prediction of the same version.
        ls.actions.create(id="retrieve_tasks_predictions", project=project_id,
                          selected_items={"all": True, "excluded": []})
        assert [len(ls.predictions.list(task=t)) for t in task_ids] == [1, 1]


def test_label_studios_train_action_runs_the_training_command_once_at_a_time(
        label_studio, project, predictor: Predictor) -> None:  # type: ignore[no-untyped-def]
    ws, ls, project_id = project
    ws.root.mkdir(parents=True, exist_ok=True)
    # `builder train` is not on this branch yet: a real `builder status` on the workspace is the job.
    command = [sys.executable, "-m", "builder", "status", "--workspace", str(ws.root)]
    assert train_command(ws)[-3:] == ["train", "--workspace", str(ws.root)]
    reloads: list[str] = []
    trainer = Trainer(ws, command, on_success=lambda: reloads.append(predictor.model_version) or reloads[-1])
    with BackendServer(predictor, trainer, free_port()) as backend:
        backend_id = connect_backend(ls, project_id, backend.url).backend_id
        ls.ml.train(id=backend_id)  # the project's Settings → Model → "Start Training"
        job = trainer.wait(timeout=120)
        assert job is not None and job.status == "finished" and job.returncode == 0, job
        assert job.reason.startswith("START_TRAINING from Label Studio project")
        log_text = job.log_path.read_text(encoding="utf-8")
        assert log_text.startswith(f"$ {' '.join(command)}") and str(ws.root) in log_text
        saved = ws.read_report(job.id)
        assert saved is not None and saved["job_status"] == "finished" and saved["returncode"] == 0
        assert reloads == [predictor.model_version]
        answer = httpx.post(f"{backend.url}/job_status", json={"job": job.id}, timeout=10)
        assert answer.json()["job_status"] == "finished"
        assert httpx.post(f"{backend.url}/job_status", json={"job": "nope"}, timeout=10).status_code == 410

        # A second request while a run is going is refused, not queued or run twice.
        trainer.command = [sys.executable, "-c", "import time; time.sleep(4)"]
        ls.ml.train(id=backend_id)
        ls.ml.train(id=backend_id)
        refused = httpx.post(f"{backend.url}/webhook", json={"action": "START_TRAINING", "project": {"id": 1}},
                             timeout=10)
        assert refused.status_code == 409 and "still running" in refused.json()["error"]
        trainer.wait(timeout=60)
        runs = sorted(p.name for p in ws.runs_dir.glob("ml-train-*.json"))
        assert len(runs) == 2, runs
        assert trainer.latest().status == "finished"
        # Annotation events do not start a run.
        ignored = httpx.post(f"{backend.url}/webhook", json={"action": "ANNOTATION_CREATED", "project": {}}, timeout=10)
        assert ignored.json()["status"] == "ignored" and trainer.running is None


def test_a_failing_training_command_is_reported_as_failed(tmp_path: Path, predictor: Predictor) -> None:
    ws = Workspace(tmp_path / "ws")
    trainer = Trainer(ws, [sys.executable, "-c", "import sys; print('bad labels'); sys.exit(2)"])
    with BackendServer(predictor, trainer, free_port()) as backend:
        started = httpx.post(f"{backend.url}/train", json={}, timeout=10)
        assert started.status_code == 201
        job = trainer.wait(timeout=60)
        assert job is not None and job.status == "failed" and job.returncode == 2
        assert "bad labels" in job.log_path.read_text(encoding="utf-8")
        status = httpx.get(f"{backend.url}/train/status", timeout=10).json()
        assert status["running"] is False and status["latest"]["job_status"] == "failed"
        bad = httpx.post(f"{backend.url}/predict", content=b"not json", timeout=10)
        assert bad.status_code == 400 and "not a JSON object" in bad.json()["error"]


def test_the_backend_stops_with_its_context(tmp_path: Path, predictor: Predictor) -> None:
    port = free_port()
    with BackendServer(predictor, Trainer(Workspace(tmp_path), ["true"]), port) as backend:
        assert httpx.get(f"{backend.url}/health", timeout=10).json()["status"] == "UP"
    time.sleep(0.2)
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)


def _start_cli(ws: Workspace, port: int, url: str, token: str) -> subprocess.Popen[str]:
    env = {**os.environ, "LABEL_STUDIO_API_KEY": token, "COLUMNS": "200"}
    return subprocess.Popen([sys.executable, "-m", "builder", "ml-backend", "--workspace", str(ws.root),
                             "--port", str(port), "--url", url], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=env)


def _read_until(process: subprocess.Popen[str], marker: str, timeout: float = 120) -> str:
    """The command's output up to the line with `marker` (fails with the output if it exits first)."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        seen.append(line)
        if marker in line:
            return "".join(seen)
    raise AssertionError(f"no {marker!r} in the output of `builder ml-backend`:\n{''.join(seen)}")


def _stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGTERM)
    rest, _ = process.communicate(timeout=30)
    return rest


def test_the_command_connects_once_and_follows_a_new_port(label_studio: LabelStudioServer, project) -> None:  # type: ignore[no-untyped-def]
    ws, ls, project_id = project
    port = free_port()
    first = _start_cli(ws, port, label_studio.url, label_studio.token)
    try:
        out = _read_until(first, "Ctrl-C stops it")
        assert f"ML backend running at http://127.0.0.1:{port}" in out and "added: ML backend" in out
    finally:
        assert "ML backend stopped." in _stop(first)
        assert first.returncode == 0
    again = _start_cli(ws, port, label_studio.url, label_studio.token)
    try:
        assert "already connected: ML backend" in _read_until(again, "Ctrl-C stops it")
    finally:
        _stop(again)
    moved_port = free_port()
    moved = _start_cli(ws, moved_port, label_studio.url, label_studio.token)
    try:
        assert "updated: ML backend" in _read_until(moved, "Ctrl-C stops it")
        [entry] = ls.ml.list(project=project_id)
        assert entry.url == f"http://127.0.0.1:{moved_port}" and entry.title == BACKEND_TITLE
    finally:
        _stop(moved)


def test_command_errors_are_one_line(tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "builder", "ml-backend", *args], capture_output=True, text=True,
                              timeout=120, env={**os.environ, "COLUMNS": "300"})

    missing = run("--workspace", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "No workspace at" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1 and "Traceback" not in missing.stderr
    (tmp_path / "ws").mkdir()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = run("--workspace", str(tmp_path / "ws"), "--port", str(taken.getsockname()[1]))
    assert busy.returncode == 2 and "is already in use" in busy.stderr
    assert len(busy.stderr.strip().splitlines()) == 1
    bad_schema = run("--workspace", str(tmp_path / "ws"), "--schema", str(tmp_path / "none.toml"))
    assert bad_schema.returncode == 1 and "none.toml" in bad_schema.stderr and "Traceback" not in bad_schema.stderr
    assert "Start Training" in run("--help").stdout


def test_start_training_runs_builder_train_and_later_predictions_carry_the_promoted_model(
        label_studio, examples_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Label Studio's "Start Training" → `builder train` on the workspace's gold → the promoted model
    predicts the next tasks, under its own model_version (issue 14's loop through Label Studio)."""
    from builder.ingest.run import ingest
    from tests.learn.conftest import write_cli_data, write_gold

    ws = Workspace(tmp_path / "gold-ws")
    ingest([examples_dir], workspace=ws)
    assert write_gold(ws) > 0
    data, corpus = write_cli_data(tmp_path / "public")
    ls = connect(label_studio.url, label_studio.token)
    project_id = ensure_project(ls, ws, url=label_studio.url, title=f"ml train {uuid4().hex[:8]}",
                                schema=SCHEMA).project_id
    predictor = Predictor(lambda: backend_prelabeller(ws, SCHEMA))
    before = predictor.model_version
    command = train_command(ws, "--data-dir", str(data), "--events-corpus", str(corpus), "--max-iterations", "20",
                            "--force")
    trainer = Trainer(ws, command, on_success=predictor.reload)
    with BackendServer(predictor, trainer, free_port()) as backend:
        backend_id = connect_backend(ls, project_id, backend.url).backend_id
        ls.ml.train(id=backend_id)
        job = trainer.wait(timeout=900)
        assert job is not None and job.status == "finished" and job.returncode == 0, job.log_path.read_text()
        assert predictor.model_version != before
        assert "id_news.ner.crf.v2+ws1" in predictor.model_version and "+ws1" in predictor.model_version
        task_ids = _import_as_the_ui_does(label_studio.url, label_studio.token, project_id,
                                          [{"text": SENTENCE, "prev": "", "next": ""}])
        ls.actions.create(id="retrieve_tasks_predictions", project=project_id,
                          selected_items={"all": False, "included": task_ids})
        [stored] = ls.predictions.list(task=task_ids[0])
        assert stored.model_version == predictor.model_version
