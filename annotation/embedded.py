"""The workspace's embedded Label Studio: started on 127.0.0.1 with its data inside the workspace."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from annotation.server import Credentials, LabelStudioServer, ensure_template
from builder.workspace.layout import Workspace
from builder.workspace.parts import atomic_write


@contextmanager
def embedded_server(workspace: Workspace, port: int | None = None) -> Iterator[LabelStudioServer]:
    """Start the workspace's embedded Label Studio (installing it on first use) and stop it after."""
    credentials = Credentials()
    template = ensure_template(credentials)
    with LabelStudioServer(workspace.server_data_dir, port=port, credentials=credentials,
                           template=template) as server:
        yield server


@dataclass(frozen=True)
class RunningServer:
    """A `builder serve` that is running for this workspace."""

    url: str
    token: str


@contextmanager
def announced(workspace: Workspace, server: LabelStudioServer) -> Iterator[None]:
    """Tell push and pull (in other terminals) where the server runs, while it runs."""
    atomic_write(workspace.server_file, json.dumps({"url": server.url, "pid": server.pid}) + "\n")
    try:
        yield
    finally:
        workspace.server_file.unlink(missing_ok=True)


def running_server(workspace: Workspace) -> RunningServer | None:
    """The server a `builder serve` announced for this workspace, if any."""
    if not workspace.server_file.exists():
        return None
    info = json.loads(workspace.server_file.read_text(encoding="utf-8"))
    return RunningServer(info["url"], Credentials().token)
