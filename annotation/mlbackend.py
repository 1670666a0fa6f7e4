"""A Label Studio ML backend: Label Studio 1.23 asks it for predictions and tells it to train.

It speaks the HTTP protocol Label Studio 1.23.2 uses (label_studio/ml/api_connector.py, MLApi):

* ``GET /health`` when a backend is added and on every state check;
* ``POST /setup`` with the project and its labelling config; the answer's ``model_version`` is
  the version Label Studio expects (label_studio/ml/models.py: MLBackend.update_state);
* ``POST /predict`` with serialized tasks; ``{"results": [one prediction per task]}``. Label
  Studio calls it for tasks without predictions of the current model version: the Data
  Manager's "Retrieve Predictions" action and opening a task in the label stream;
* ``POST /webhook`` with ``{"action": "START_TRAINING", "project": ...}``: the "Start Training"
  button (POST /api/ml/<id>/train; the flag ff_back_dev_1417 is on in 1.23.2's
  feature_flags.json). ``POST /train`` (the older form) does the same. The answer's ``job`` is
  kept by Label Studio, which asks ``POST /job_status`` about it;
* ``GET /versions``: the model versions the UI lists.

Training runs the same command as ``builder train --workspace W``, one run at a time: a second
request while one runs is refused (HTTP 409, and the message says so). Its output goes to
``runs/ml-train-<id>.log`` and its outcome to ``runs/ml-train-<id>.json`` in the workspace.

Predictions come from the same pre-labeller `builder prelabel` uses (backend_prelabeller), and
become Label Studio results through annotation/tasks.py, as the pushed pre-labels do. A task's
text may hold several sentences: it is segmented as ingest does, and the spans are placed back
at their offsets in the whole text.
"""

from __future__ import annotations

import contextlib
import json
import logging
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from annotation.client import load_project
from annotation.labelconfig import TEXT
from annotation.offsets import CODEPOINT, check_units
from annotation.tasks import prediction
from builder.core.labels import LabelSet, labeller_name
from builder.core.records import Article, Sentence
from builder.core.schema import Schema
from builder.ingest.segment import segment
from builder.prelabel.interface import Prelabeller
from builder.prelabel.options import TaggerOptions, with_promoted_models
from builder.prelabel.registry import default_prelabeller
from builder.workspace.layout import Workspace

log = logging.getLogger(__name__)

#: The title the backend gets in a project's Settings → Model; connect_backend finds it by this.
BACKEND_TITLE = "news-dataset-builder"
#: The port `builder ml-backend` prefers (label-studio-ml's default), else a free one.
PREFERRED_PORT = 9090
#: Webhook actions that start a training run (Label Studio's "Start Training" button).
TRAIN_ACTIONS = frozenset({"START_TRAINING"})


def backend_prelabeller(workspace: Workspace, schema: Schema) -> Prelabeller:
    """The pre-labeller the backend predicts with: the one `builder prelabel` builds by default, with
    the workspace's promoted models (`builder train`) where there are any.

    The one place it is made (at start and again after each successful training run), so a
    training run that promotes a model changes the predictions and their model_version.
    """
    options, _ = with_promoted_models(TaggerOptions(), workspace)
    return default_prelabeller(schema, options)


def train_command(workspace: Workspace, *options: str) -> list[str]:
    """The command a training request runs: `builder train` on the workspace, with `options` after it
    (for example `--data-dir PATH`)."""
    return [sys.executable, "-m", "builder", "train", "--workspace", str(workspace.root), *options]


def _sentences(text: str) -> list[Sentence]:
    """The sentences of a task's text, segmented as ingest does; `start` is each one's offset in the text."""
    return segment(Article(id=Article.make_id("label-studio", text), title="", body=text)) if text.strip() else []


def _whole_text_labels(text: str, sentences: Sequence[Sentence], labelled: Sequence[LabelSet]) -> LabelSet:
    """The sentences' pre-labels as one label set with offsets into the whole text (event types once each)."""
    entities, triggers, events = [], [], {}
    for sentence, labels in zip(sentences, labelled, strict=True):
        shift = sentence.start
        entities += [replace(s, start=s.start + shift, end=s.end + shift) for s in labels.entities]
        triggers += [replace(s, start=s.start + shift, end=s.end + shift) for s in labels.triggers]
        for event in labels.events:
            kept = events.get(event.label)
            if kept is None or (event.score or 0.0) > (kept.score or 0.0):
                events[event.label] = event
    whole = LabelSet(tuple(entities), tuple(triggers), tuple(events.values()))
    whole.check(text, "task text")
    return whole


class Predictor:
    """The pre-labeller behind a lock (a tagger is not shared between threads), and its version."""

    def __init__(self, factory: Callable[[], Prelabeller], units: str = CODEPOINT) -> None:
        self._factory = factory
        self._lock = threading.Lock()
        self.units = check_units(units)
        self._prelabeller = factory()

    @property
    def model_version(self) -> str:
        """The pre-labeller's versioned name, as the pushed predictions carry it."""
        return labeller_name(self._prelabeller.versions)

    def reload(self) -> str:
        """Build the pre-labeller again (after training); returns the model version now in use."""
        fresh = self._factory()
        with self._lock:
            self._prelabeller = fresh
        return self.model_version

    def predict(self, tasks: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """One Label Studio prediction per task, from its `data.text` (all sentences labelled in one batch)."""
        texts = []
        for task in tasks:
            text = (task.get("data") or {}).get(TEXT)
            if not isinstance(text, str):
                raise ValueError(f"task {task.get('id')} has no text in data[{TEXT!r}]; import tasks with the keys "
                                 "text, prev and next (`builder push --to-file` writes the whole format)")
            texts.append(text)
        per_task = [_sentences(text) for text in texts]
        with self._lock:
            prelabeller = self._prelabeller
            flat = [sentence for sentences in per_task for sentence in sentences]
            labelled = iter(prelabeller.label(flat) if flat else [])
            version = labeller_name(prelabeller.versions)
        results = []
        for task, text, sentences in zip(tasks, texts, per_task, strict=True):
            items = [next(labelled) for _ in sentences]
            labels = _whole_text_labels(text, sentences, [item.labels for item in items])
            # A task is as uncertain as its least certain sentence (the push's score, 1 - uncertainty).
            known = [item.uncertainty for item in items if item.uncertainty is not None]
            whole = Sentence(id=str(task.get("id", "")), article_id="", index=0, paragraph=0, start=0, text=text)
            results.append(prediction(whole, labels, version, self.units, max(known) if known else None))
        return results


class TrainingBusy(RuntimeError):
    """A training run is already running; the request was refused."""


@dataclass
class TrainJob:
    """One training run: the command, its log and its outcome."""

    id: str
    command: list[str]
    log_path: Path
    started_at: str
    reason: str
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    finished_at: str = ""
    returncode: int | None = None
    model_version: str = ""  # the version the backend predicts with after a successful run

    @property
    def status(self) -> str:
        """started, finished or failed (Label Studio's job_status words)."""
        if self.returncode is None:
            return "started"
        return "finished" if self.returncode == 0 else "failed"

    def report(self) -> dict[str, Any]:
        """What the job is, as the backend answers and the workspace keeps it."""
        return {"job": self.id, "job_status": self.status, "command": self.command, "reason": self.reason,
                "started_at": self.started_at, "finished_at": self.finished_at, "returncode": self.returncode,
                "log": str(self.log_path), "model_version": self.model_version}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Trainer:
    """Runs the training command, one run at a time, with its log and report in the workspace's runs/."""

    def __init__(self, workspace: Workspace, command: Sequence[str],
                 on_success: Callable[[], str] | None = None) -> None:
        self.workspace = workspace
        self.command = list(command)
        self.on_success = on_success
        self._lock = threading.Lock()
        self._jobs: dict[str, TrainJob] = {}
        self._running: TrainJob | None = None

    @property
    def running(self) -> TrainJob | None:
        """The run in progress, if any."""
        return self._running

    def latest(self) -> TrainJob | None:
        """The most recent run."""
        return next(reversed(self._jobs.values()), None)

    def job(self, job_id: str) -> TrainJob | None:
        """A run of this backend by id."""
        return self._jobs.get(job_id)

    def start(self, reason: str) -> TrainJob:
        """Start a run, or raise TrainingBusy naming the run in progress."""
        with self._lock:
            if self._running is not None:
                running = self._running
                raise TrainingBusy(f"training run {running.id} (started {running.started_at}) is still running; "
                                   "this request was refused: start training again when it has finished "
                                   f"(its log: {running.log_path})")
            job_id = f"ml-train-{self.workspace.new_run_id()}"
            self.workspace.runs_dir.mkdir(parents=True, exist_ok=True)
            job = TrainJob(job_id, self.command, self.workspace.runs_dir / f"{job_id}.log", _now(), reason)
            with job.log_path.open("ab") as out:
                out.write(f"$ {' '.join(self.command)}\n".encode())
                out.flush()
                job.process = subprocess.Popen(self.command, stdin=subprocess.DEVNULL, stdout=out,
                                               stderr=subprocess.STDOUT, start_new_session=True)
            self._jobs[job_id] = job
            self._running = job
            self._save(job)
        log.info("training run %s started (pid %d): %s", job_id, job.process.pid, " ".join(self.command))
        threading.Thread(target=self._wait, args=(job,), name=f"wait-{job_id}", daemon=True).start()
        return job

    def _wait(self, job: TrainJob) -> None:
        assert job.process is not None
        code = job.process.wait()
        if code == 0 and self.on_success is not None:
            try:
                job.model_version = self.on_success()
            except Exception as error:  # noqa: BLE001 - the run's outcome is still reported
                log.error("training run %s finished but the pre-labeller could not be reloaded: %s", job.id, error)
                with job.log_path.open("a", encoding="utf-8") as out:
                    out.write(f"\nthe ML backend could not load the new model: {error}\n")
        with self._lock:
            job.returncode = code
            job.finished_at = _now()
            self._running = None
            self._save(job)
        log.info("training run %s %s (exit %d)", job.id, job.status, code)

    def _save(self, job: TrainJob) -> None:
        self.workspace.write_report(job.id, job.report())

    def wait(self, timeout: float | None = None) -> TrainJob | None:
        """Wait for the run in progress (tests and shutdown); the latest run."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self._running is not None and (deadline is None or time.monotonic() < deadline):
            time.sleep(0.1)
        return self.latest()

    def stop(self) -> None:
        """Stop the run in progress (when the backend stops)."""
        running = self._running
        if running is not None and running.process is not None and running.process.poll() is None:
            running.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                running.process.wait(timeout=10)


def workspace_units(workspace: Workspace) -> str:
    """The offset units of the workspace's project (code points unless the push said otherwise)."""
    ref = load_project(workspace)
    return ref.offset_units if ref is not None else CODEPOINT


def create_app(predictor: Predictor, trainer: Trainer):  # type: ignore[no-untyped-def]
    """The backend's Starlette application (needs the `mlbackend` extra: starlette)."""
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def body(request: Request) -> dict[str, Any]:
        try:
            data = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            data = None
        if not isinstance(data, dict):
            raise ValueError("the request body is not a JSON object")
        return data

    def error(message: str, status: int) -> JSONResponse:
        log.warning("%s", message)
        return JSONResponse({"status": "error", "error": message}, status_code=status)

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "UP", "model_class": "NewsDatasetBuilder",
                             "model_version": predictor.model_version})

    async def setup(request: Request) -> JSONResponse:
        return JSONResponse({"model_version": predictor.model_version})

    async def versions(request: Request) -> JSONResponse:
        return JSONResponse({"versions": [predictor.model_version]})

    async def predict(request: Request) -> JSONResponse:
        try:
            data = await body(request)
            tasks = data.get("tasks")
            if not isinstance(tasks, list):
                raise ValueError("'tasks' is not a list of tasks")
            results = await run_in_threadpool(predictor.predict, tasks)
        except ValueError as problem:
            return error(f"cannot predict: {problem}", 400)
        except Exception as problem:  # noqa: BLE001 - one line to Label Studio and the console, no traceback
            return error(f"cannot predict: {type(problem).__name__}: {problem}", 500)
        return JSONResponse({"results": results, "model_version": predictor.model_version})

    def start_training(reason: str) -> JSONResponse:
        try:
            job = trainer.start(reason)
        except TrainingBusy as busy:
            return error(str(busy), 409)
        except OSError as problem:
            return error(f"cannot start training `{' '.join(trainer.command)}`: {problem}", 500)
        return JSONResponse({"status": "ok", "job": job.id, "job_status": job.status}, status_code=201)

    async def webhook(request: Request) -> JSONResponse:
        try:
            data = await body(request)
        except ValueError as problem:
            return error(f"webhook: {problem}", 400)
        action = str(data.get("action", ""))
        if action not in TRAIN_ACTIONS:
            # Annotation events do not start a run: a run retrains on the whole workspace (minutes).
            return JSONResponse({"status": "ignored", "action": action})
        project = data.get("project") or {}
        return start_training(f"{action} from Label Studio project {project.get('id', '?')}")

    async def train(request: Request) -> JSONResponse:
        return start_training("train request from Label Studio (POST /train)")

    async def job_status(request: Request) -> JSONResponse:
        try:
            data = await body(request)
        except ValueError as problem:
            return error(f"job_status: {problem}", 400)
        job = trainer.job(str(data.get("job", "")))
        if job is None:
            return error(f"no training run {data.get('job')!r} in this backend", 410)
        return JSONResponse(job.report())

    async def train_status(request: Request) -> JSONResponse:
        latest = trainer.latest()
        return JSONResponse({"running": trainer.running is not None,
                             "latest": latest.report() if latest is not None else None})

    return Starlette(routes=[
        Route("/", health, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
        Route("/setup", setup, methods=["POST"]),
        Route("/versions", versions, methods=["GET"]),
        Route("/predict", predict, methods=["POST"]),
        Route("/webhook", webhook, methods=["POST"]),
        Route("/train", train, methods=["POST"]),
        Route("/job_status", job_status, methods=["POST"]),
        Route("/train/status", train_status, methods=["GET"]),
    ])


@dataclass
class Connection:
    """The backend's entry in a project: its id, and what connect_backend did."""

    backend_id: int
    action: str  # "added", "updated" (its URL changed) or "already connected"
    duplicates: int = 0  # other entries of ours with the same URL (left as they are)


def connect_backend(ls: Any, project_id: int, url: str, title: str = BACKEND_TITLE) -> Connection:
    """Add the backend at `url` to the project once (POST /api/ml): the same URL or title is reused.

    Label Studio checks /health and /setup before it saves the entry, so the backend must be up.
    """
    url = url.rstrip("/")
    backends = list(ls.ml.list(project=project_id))
    same_url = [b for b in backends if (b.url or "").rstrip("/") == url]
    if same_url:
        return Connection(int(same_url[0].id), "already connected", len(same_url) - 1)
    same_title = [b for b in backends if b.title == title]
    if same_title:
        # Label Studio 1.23.2 checks a changed URL with /setup, which fails unless the project is sent too.
        ls.ml.update(id=same_title[0].id, url=url, project=project_id)
        return Connection(int(same_title[0].id), "updated")
    created = ls.ml.create(project=project_id, url=url, title=title, is_interactive=False)
    return Connection(int(created.id), "added")


def port_free(port: int) -> bool:
    """Whether nothing listens on 127.0.0.1:port."""
    from annotation.server import port_in_use

    return not port_in_use(port)


class BackendServer:
    """The backend served by uvicorn on 127.0.0.1 in a thread; use it as a context manager."""

    def __init__(self, predictor: Predictor, trainer: Trainer, port: int) -> None:
        import uvicorn

        from annotation.server import HOST

        self.trainer = trainer
        self.port = port
        self.url = f"http://{HOST}:{port}"
        config = uvicorn.Config(create_app(predictor, trainer), host=HOST, port=port, log_level="warning",
                                lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="ml-backend", daemon=True)

    def __enter__(self) -> BackendServer:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise OSError(f"the ML backend could not listen on {self.url} (is the port taken?)")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self.trainer.stop()
