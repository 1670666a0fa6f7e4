"""`builder ml-backend`: the Label Studio ML backend on 127.0.0.1, connected to the workspace's project."""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from annotation.env import URL_ENV
from builder.cli.common import WorkspaceOption, console, err, fail
from builder.cli.labelstudio import label_studio
from builder.workspace.layout import Workspace


def _pick_port(port: int | None) -> int:
    from annotation.mlbackend import PREFERRED_PORT, port_free
    from annotation.server import free_port

    if port is not None:
        if not port_free(port):
            raise fail(f"[red]Port {port} on 127.0.0.1 is already in use[/red]; stop what runs there, pick another "
                       "--port, or leave --port out to use a free one.", 2)
        return port
    return PREFERRED_PORT if port_free(PREFERRED_PORT) else free_port()


def ml_backend(
    workspace: WorkspaceOption = Path("workspace"),
    port: Annotated[int | None, typer.Option(
        min=1, max=65535, help="Port on 127.0.0.1 (default: 9090 if it is free, else a free one).")] = None,
    connect: Annotated[bool, typer.Option(
        help="Add the backend to the workspace's Label Studio project (once; a re-run reuses the entry).")] = True,
    url: Annotated[str | None, typer.Option(
        help="Label Studio URL to connect to (or LABEL_STUDIO_URL, key from LABEL_STUDIO_API_KEY); default: the "
             "running `builder serve` of the workspace.")] = None,
    start_server: Annotated[bool, typer.Option(
        help="Also start the workspace's embedded Label Studio (open to the backend) until Ctrl-C.")] = False,
    schema: Annotated[Path | None, typer.Option(help="Label schema TOML (default: the packaged one).")] = None,
) -> None:
    r"""Run the Label Studio ML backend until Ctrl-C: predictions for tasks and "Start Training".

    Label Studio asks it for pre-labels of tasks that have none (imported in its UI, for example):
    the Data Manager's "Retrieve Predictions" action, or opening such a task. They come from the
    pre-labeller `builder prelabel` uses, with its versioned name as model_version. The project's
    Settings → Model → "Start Training" runs `builder train --workspace W` (one run at a time; a
    second request while one runs is refused); its log is written to the workspace's runs/.

    With --connect (the default) the backend is added to the workspace's project (after `builder
    push`). Label Studio 1.23 accepts a backend on 127.0.0.1 only when started with `builder serve
    --ml-backend` (or --start-server here). Needs the mlbackend extra: pip install 'news-dataset-builder\[mlbackend]'.
    """
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise fail("[red]The ML backend needs Starlette and uvicorn[/red]: pip install "
                   "'news-dataset-builder\\[mlbackend]'.", 2) from None
    from annotation.client import load_project
    from annotation.mlbackend import (
        BackendServer,
        Predictor,
        Trainer,
        backend_prelabeller,
        train_command,
        workspace_units,
    )

    logging.getLogger("annotation.mlbackend").setLevel(logging.INFO)  # training runs started and ended
    ws = Workspace(workspace)
    if not ws.root.is_dir():
        raise fail(f"[red]No workspace at {ws.root}[/red]; run `builder ingest FILES --workspace {ws.root}` first.", 2)
    from builder.core.schema import load_schema

    label_schema = load_schema(schema)  # a bad file is one line (builder/cli/common.py: guarded)
    chosen = _pick_port(port)
    with console.status("Loading the pre-labeller..."):
        try:
            predictor = Predictor(lambda: backend_prelabeller(ws, label_schema), workspace_units(ws))
        except (ValueError, FileNotFoundError) as error:
            raise fail(f"[red]Cannot set up the pre-labeller:[/red] {error}", 2) from None
    trainer = Trainer(ws, train_command(ws), on_success=predictor.reload)
    project = load_project(ws) if connect else None
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        with BackendServer(predictor, trainer, chosen) as backend:
            console.print(f"ML backend running at [bold]{backend.url}[/bold] (model version {predictor.model_version})",
                          highlight=False)
            if connect and project is None:
                err.print(f"[yellow]note:[/yellow] {ws.root} has no Label Studio project yet, so the backend was not "
                          "connected; run `builder push`, then this command again (or add the URL in the project's "
                          "Settings → Model).", soft_wrap=True, highlight=False)
            if project is None and not start_server:
                _wait(stop)
            else:
                with _label_studio(ws, url, start_server) as (ls, server_url):
                    if project is not None:
                        _connect(ls, server_url, project.project_id, backend.url)
                    _wait(stop)
    except OSError as error:
        raise fail(f"[red]{error}[/red]") from None
    console.print("ML backend stopped.")


@contextmanager
def _label_studio(ws: Workspace, url: str | None, start_server: bool) -> Iterator[tuple[Any, str]]:
    """The Label Studio to connect to; --start-server starts the embedded one, open to local ML backends."""
    from annotation.client import connect as sdk_client
    from annotation.embedded import announced, embedded_server, pick_port, server_state
    from annotation.install import LabelStudioError

    if start_server and not (url or os.environ.get(URL_ENV)) and server_state(ws).running is None:
        with ExitStack() as stack:
            try:
                with console.status("Starting the embedded Label Studio (the first time installs it: minutes)..."):
                    server = stack.enter_context(embedded_server(ws, pick_port(None), local_ml_backends=True))
            except LabelStudioError as error:
                raise fail(f"[red]{error}[/red]") from None
            stack.enter_context(announced(ws, server))
            console.print(f"Label Studio is running at [bold]{server.url}[/bold]", highlight=False)
            yield sdk_client(server.url, server.token), server.url
        return
    with label_studio(ws, url, False) as pair:
        yield pair


def _connect(ls: Any, server_url: str, project_id: int, backend_url: str) -> None:
    """Add the backend to the project (once), or fail in one line saying why and what to do."""
    from label_studio_sdk.core.api_error import ApiError

    from annotation.mlbackend import connect_backend

    try:
        connection = connect_backend(ls, project_id, backend_url)
    except ApiError as error:
        body = error.body.get("detail", error.body) if isinstance(error.body, dict) else error.body
        hint = ""
        if "reserved network address" in str(body):
            hint = (" Label Studio 1.23 blocks ML backends on 127.0.0.1 by default: run `builder serve --ml-backend`"
                    " (or start your own server with ML_BLOCK_LOCAL_IP=false and SSRF_PROTECTION_ENABLED=false).")
        raise fail(f"[red]Label Studio at {server_url} refused to connect the ML backend to project {project_id} "
                   f"(HTTP {error.status_code})[/red]: {escape(str(body))[:300]}{hint}") from None
    console.print(f"{connection.action}: ML backend {connection.backend_id} of project {project_id} at "
                  f"{server_url}", highlight=False)
    if connection.duplicates:
        err.print(f"[yellow]note:[/yellow] project {project_id} has {connection.duplicates} more ML backend(s) at "
                  f"{backend_url}; remove them in Settings → Model.", soft_wrap=True, highlight=False)


def _wait(stop: threading.Event) -> None:
    console.print("Ctrl-C stops it.")
    try:
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
