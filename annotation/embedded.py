"""The workspace's embedded Label Studio: started on 127.0.0.1 with its data inside the workspace.

Each workspace has its own admin password and API token, made at random (`secrets`) the first
time a server is needed and kept in `labelstudio/login.json` with mode 0600; they are shown only
by `builder serve --show-login`. While `builder serve` runs, `labelstudio/server.json` says where
(URL and pid); a file left by a killed `serve` is recognised as stale and removed.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from uuid import uuid4

from annotation.install import LabelStudioError
from annotation.server import (
    DB_NAME,
    HOST,
    Credentials,
    LabelStudioServer,
    admin_token,
    ensure_template,
    health_ok,
    listener_is_process,
    port_in_use,
    set_login,
)
from builder.workspace.layout import Workspace
from builder.workspace.parts import atomic_write

LOGIN_FILE = "login.json"
PREFERRED_PORT = 8080  # `builder serve` uses it when it is free, so annotators' bookmarks keep working


def login_file(workspace: Workspace) -> Path:
    """Where the workspace's admin login and API token are kept (mode 0600)."""
    return workspace.labelstudio_dir / LOGIN_FILE


def workspace_credentials(workspace: Workspace) -> Credentials:
    """The workspace's admin login: read from login.json, or made at random and saved there (0600)."""
    path = login_file(workspace)
    if not path.exists():
        _create_login(path, Credentials.generate())
    try:
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            path.chmod(0o600)
        info = json.loads(path.read_text(encoding="utf-8"))
        return Credentials(info["username"], info["password"], info["token"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise LabelStudioError(
            f"{path} is damaged ({type(error).__name__}: {error}); delete it and start `builder serve` again: "
            "a new admin password and token are made (the annotators' own logins are kept)."
        ) from None


def _create_login(path: Path, credentials: Credentials) -> None:
    """Write the file readable by its owner only; if another process made it first, keep theirs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"username": credentials.username, "password": credentials.password,
                       "token": credentials.token}) + "\n"
    temporary = path.with_name(f".{path.name}.{uuid4().hex}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)  # never replaces: two first starts agree on one login
    finally:
        temporary.unlink(missing_ok=True)


def pick_port(given: int | None, preferred: int = PREFERRED_PORT) -> int | None:
    """The port `serve` asks for: the one given, else `preferred` (8080) when free, else None (a free one)."""
    if given is not None:
        return given
    return None if port_in_use(preferred) else preferred


@contextmanager
def embedded_server(workspace: Workspace, port: int | None = None, *,
                    local_ml_backends: bool = False) -> Iterator[LabelStudioServer]:
    """Start the workspace's embedded Label Studio (installing it on first use) and stop it after.

    `local_ml_backends` lets it connect to `builder ml-backend` on 127.0.0.1 (server.LOCAL_ML_BACKENDS)."""
    credentials = workspace_credentials(workspace)
    template = ensure_template()
    data_dir = workspace.server_data_dir
    current = admin_token(data_dir)
    if current is not None and current != credentials.token:
        # A data dir made before per-workspace secrets (or with a restored login.json): re-key it.
        set_login(data_dir, credentials)
    with LabelStudioServer(data_dir, port=port, credentials=credentials, template=template,
                           local_ml_backends=local_ml_backends) as server:
        (data_dir / DB_NAME).chmod(0o600)
        yield server


@dataclass(frozen=True)
class RunningServer:
    """A `builder serve` that is running for this workspace."""

    url: str
    token: str
    pid: int


@contextmanager
def announced(workspace: Workspace, server: LabelStudioServer) -> Iterator[None]:
    """Tell push and pull (in other terminals) where the server runs, while it runs."""
    atomic_write(workspace.server_file, json.dumps({"url": server.url, "pid": server.pid}) + "\n")
    try:
        yield
    finally:
        workspace.server_file.unlink(missing_ok=True)


@dataclass(frozen=True)
class ServerState:
    """What server.json says and whether it is true: `running`, or a `stale` note (the file was removed)."""

    running: RunningServer | None = None
    stale: str | None = None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def server_state(workspace: Workspace) -> ServerState:
    """Whether a `builder serve` runs for this workspace; a server.json it left behind is removed with a note."""
    path = workspace.server_file
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        url, pid = str(info["url"]), int(info["pid"])
        port = urlsplit(url).port
    except FileNotFoundError:
        return ServerState()
    except (OSError, ValueError, KeyError, TypeError) as error:
        path.unlink(missing_ok=True)
        return ServerState(stale=f"removed {path}: it was damaged ({type(error).__name__}), "
                                 "so no `builder serve` is known to run")
    if port is not None and urlsplit(url).hostname == HOST and _alive(pid) and health_ok(port) \
            and listener_is_process(port, pid) is not False:
        return ServerState(RunningServer(url, workspace_credentials(workspace).token, pid))
    path.unlink(missing_ok=True)
    return ServerState(stale=f"removed {path}: it was left by a `builder serve` (pid {pid}, {url}) that no "
                             "longer runs")


def running_server(workspace: Workspace) -> RunningServer | None:
    """The server a `builder serve` announced for this workspace, if it still runs."""
    return server_state(workspace).running
