"""The ML backend seen in a real browser: a task imported without pre-labels is opened in Label Studio,
which asks `builder ml-backend` for a prediction; its regions are on the labelling screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from annotation.client import connect, ensure_project
from annotation.mlbackend import (
    BackendServer,
    Predictor,
    Trainer,
    backend_prelabeller,
    connect_backend,
)
from annotation.server import Credentials, LabelStudioServer, free_port
from builder.core.schema import load_schema
from builder.workspace.layout import Workspace
from tests.browser.test_labelling_screen import log_in, open_task, wait_for

SENTENCE = "Menteri Luar Negeri Retno Marsudi bertemu Antony Blinken di Washington pada 7 Januari 2022."


@pytest.fixture
def served(tmp_path: Path, label_studio_template: Path) -> Iterator[tuple[LabelStudioServer, Credentials, Any]]:
    credentials = Credentials.generate()
    with LabelStudioServer(tmp_path / "data", credentials=credentials, template=label_studio_template,
                           local_ml_backends=True) as server:
        yield server, credentials, connect(server.url, server.token)


def test_a_task_opened_in_the_browser_shows_the_backends_prediction(browser: Any, served, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    server, credentials, ls = served
    schema = load_schema()
    ws = Workspace(tmp_path / "ws")
    project_id = ensure_project(ls, ws, url=server.url, title="ml backend in the browser", schema=schema).project_id
    predictor = Predictor(lambda: backend_prelabeller(ws, schema))
    with BackendServer(predictor, Trainer(ws, ["true"]), free_port()) as backend:
        connect_backend(ls, project_id, backend.url)
        ls.projects.import_tasks(id=project_id, request=[{"data": {"text": SENTENCE, "prev": "", "next": ""}}])
        [task] = ls.tasks.list(project=project_id)
        assert not ls.predictions.list(task=task.id)
        log_in(browser, server.url, credentials.username, credentials.password)
        open_task(browser, server.url, project_id, task.id, SENTENCE)
        outliner = wait_for(lambda: browser.find_element(By.CSS_SELECTOR, "[class*=outliner]").text,
                            "the regions list")
        wait_for(lambda: "Retno Marsudi" in browser.find_element(By.CSS_SELECTOR, "[class*=outliner]").text,
                 f"the predicted person in the regions list (it shows {outliner!r})")
        [stored] = ls.predictions.list(task=task.id)
        assert stored.model_version == predictor.model_version
