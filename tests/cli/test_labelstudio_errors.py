"""Every mistake a new user makes with the Label Studio commands ends in one line naming the URL or file.

Run as a user does (`python -m builder ...` in a subprocess), so typer's own traceback printer is in
the path: no output may contain "Traceback".
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from annotation.embedded import pick_port, running_server, server_state
from annotation.server import free_port, port_in_use
from builder.ingest.run import ingest
from builder.workspace.layout import Workspace

ROOT = Path(__file__).resolve().parents[2]


def builder(*args: str, key: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("LABEL_STUDIO_URL", "LABEL_STUDIO_API_KEY")}
    env["COLUMNS"] = "300"
    if key is not None:
        env["LABEL_STUDIO_API_KEY"] = key
    result = subprocess.run([sys.executable, "-m", "builder", *args], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=300, check=False)
    result.stdout += result.stderr
    return result


def assert_one_line_error(result: subprocess.CompletedProcess[str], *names: str) -> None:
    output = result.stdout
    assert result.returncode != 0, output
    assert "Traceback" not in output, output
    error_lines = [line for line in output.splitlines() if line.strip()]
    assert len(error_lines) <= 2, output  # the error, and at most one line of what was (not) changed
    for name in names:
        assert name in output, output


@pytest.fixture(scope="module")
def ingested(examples_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    ws = Workspace(tmp_path_factory.mktemp("cli-errors") / "ws")
    ingest([examples_dir / "okezone-kazakhstan.txt"], workspace=ws)
    return ws


def test_push_to_a_server_that_does_not_answer(ingested: Workspace) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = builder("push", "-w", str(ingested.root), "--no-prelabels", "--url", url, key="anykey123456")
    assert_one_line_error(result, f"Label Studio at {url} did not answer", "builder serve")


@pytest.mark.parametrize("url", ["127.0.0.1:8080", "localhost:8080", "ftp://example.com", "http://"])
def test_push_to_a_url_without_http(ingested: Workspace, url: str) -> None:
    result = builder("push", "-w", str(ingested.root), "--no-prelabels", "--url", url, key="anykey123456")
    assert_one_line_error(result, f"'{url}' is not a Label Studio URL", "http://")


def test_push_with_a_wrong_api_key(ingested: Workspace, label_studio) -> None:
    result = builder("push", "-w", str(ingested.root), "--no-prelabels", "--url", label_studio.url, key="wrongkey0123456789")
    assert_one_line_error(result, f"Label Studio at {label_studio.url} refused the API key (HTTP 401)")
    assert "wrongkey0123456789" not in result.stdout, "the key is never printed"


def test_pull_with_a_wrong_api_key(ingested: Workspace, label_studio, tmp_path: Path) -> None:
    ingested.labelstudio_dir.mkdir(parents=True, exist_ok=True)
    (ingested.project_file).write_text(json.dumps({"url": label_studio.url, "project_id": 1, "title": "x"}))
    try:
        result = builder("pull", "-w", str(ingested.root), "--url", label_studio.url, key="wrongkey0123456789")
    finally:
        ingested.project_file.unlink()
    assert_one_line_error(result, f"Label Studio at {label_studio.url} refused the API key (HTTP 401)")


def test_push_to_a_file_in_a_missing_folder(ingested: Workspace, tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "tasks.json"
    result = builder("push", "-w", str(ingested.root), "--no-prelabels", "--to-file", str(target))
    assert_one_line_error(result, str(target), f"the folder {target.parent} does not exist")
    assert not target.parent.exists()


def test_label_config_with_a_missing_schema(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    result = builder("label-config", "--schema", str(missing))
    assert_one_line_error(result, f"Schema file {missing} does not exist")


def test_label_config_with_a_refused_label_name(tmp_path: Path) -> None:
    schema = tmp_path / "bad.toml"
    schema.write_text('name = "x"\n[[entities]]\nlabel = "PER\\"/><Label value=\\"X"\n', encoding="utf-8")
    result = builder("label-config", "--schema", str(schema))
    assert_one_line_error(result, str(schema), "is not allowed")
    assert "<View>" not in result.stdout


def test_push_with_a_missing_schema(ingested: Workspace, tmp_path: Path) -> None:
    result = builder("push", "-w", str(ingested.root), "--no-prelabels", "--to-file", str(tmp_path / "t.json"), "--schema",
                     str(tmp_path / "gone.toml"))
    assert_one_line_error(result, f"Schema file {tmp_path / 'gone.toml'} does not exist")


def test_leftover_server_json_is_stale_and_removed(ingested: Workspace) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    port = free_port()
    ingested.labelstudio_dir.mkdir(parents=True, exist_ok=True)
    ingested.server_file.write_text(json.dumps({"url": f"http://127.0.0.1:{port}", "pid": dead.pid}))
    status = builder("status", "-w", str(ingested.root))
    assert status.returncode == 0 and "Traceback" not in status.stdout, status.stdout
    assert f"removed {ingested.server_file}" in status.stdout and f"pid {dead.pid}" in status.stdout
    assert "not running" in status.stdout and f"running at http://127.0.0.1:{port}" not in status.stdout
    assert not ingested.server_file.exists()
    ingested.server_file.write_text("{not json")
    result = builder("push", "-w", str(ingested.root), "--no-prelabels")
    assert_one_line_error(result, f"removed {ingested.server_file}: it was damaged", "No Label Studio to talk to")


def test_killed_serve_leaves_a_file_that_status_and_push_see_through(examples_dir: Path, tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    ingest([examples_dir / "okezone-kazakhstan.txt"], workspace=ws)
    serve = subprocess.Popen([sys.executable, "-m", "builder", "serve", "-w", str(ws.root), "--port",
                              str(free_port())], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    while running_server(ws) is None:
        assert serve.poll() is None and time.monotonic() < deadline
        time.sleep(0.5)
    live = builder("status", "-w", str(ws.root))
    url = running_server(ws).url
    assert f"running at {url}" in live.stdout, live.stdout
    serve.send_signal(signal.SIGKILL)  # no clean-up: server.json stays; Label Studio dies with its parent
    serve.wait()
    while port_in_use(int(url.rsplit(":", 1)[1])):
        assert time.monotonic() < deadline + 60
        time.sleep(0.5)
    assert ws.server_file.exists()
    after = builder("status", "-w", str(ws.root))
    assert after.returncode == 0 and "Traceback" not in after.stdout
    assert f"running at {url}" not in after.stdout and "not running" in after.stdout
    assert f"removed {ws.server_file}: it was left by a `builder serve`" in after.stdout
    assert server_state(ws).running is None and not ws.server_file.exists()


def test_serve_port_help_and_a_busy_port(tmp_path: Path) -> None:
    help_text = builder("serve", "--help").stdout
    assert "8080 if it is free, else a free one" in " ".join(help_text.split())
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        assert pick_port(None, preferred=taken) is None, "a busy default means: a free port"
        spare = free_port()
        assert pick_port(None, preferred=spare) == spare
        assert pick_port(taken) == taken, "a port given is used as given (and refused if busy)"
        result = builder("serve", "-w", str(tmp_path / "ws"), "--port", str(taken))
    assert_one_line_error(result, f"Port {taken} on 127.0.0.1 is already in use")


def test_push_before_prelabel_refuses_in_one_line(ingested: Workspace) -> None:
    """Tasks pushed without pre-labels never get them later: the push says to run `builder prelabel` first."""
    result = builder("push", "-w", str(ingested.root), "--url", "http://127.0.0.1:9", key="anykey123456")
    assert_one_line_error(result, f"No pre-labels in {ingested.root}", "builder prelabel", "--no-prelabels")
    assert not ingested.project_file.exists()


def test_push_refresh_without_prelabels_or_to_a_file_is_one_line(ingested: Workspace, tmp_path: Path) -> None:
    result = builder("push", "-w", str(ingested.root), "--no-prelabels", "--refresh", "--url", "http://127.0.0.1:9")
    assert_one_line_error(result, "--refresh needs pre-labels")
    ws = Workspace(tmp_path / "ws")
    ingest([ROOT / "examples" / "okezone-kazakhstan.txt"], workspace=ws)
    assert builder("prelabel", "-w", str(ws.root), "--workers", "1").returncode == 0
    result = builder("push", "-w", str(ws.root), "--refresh", "--to-file", str(tmp_path / "tasks.json"))
    assert_one_line_error(result, "--refresh works on a server's project")
    assert not (tmp_path / "tasks.json").exists()
    help_text = " ".join(builder("push", "--help").stdout.split())
    assert "--refresh" in help_text and "nobody has touched" in help_text and "least sure first" in help_text
