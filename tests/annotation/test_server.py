"""The embedded Label Studio: real server, real HTTP, real SDK."""

from __future__ import annotations

import json
import socket
import urllib.request
from pathlib import Path

import pytest
from label_studio_sdk import LabelStudio

from annotation.install import LabelStudioError, ensure_installed
from annotation.server import (
    DB_NAME,
    Credentials,
    LabelStudioServer,
    copy_data_dir,
    listener_is_process,
    port_in_use,
)

LABEL_CONFIG = """<View>
  <Text name="text" value="$sentence" granularity="word"/>
  <Labels name="entities" toName="text"><Label value="PER"/><Label value="LOC"/></Labels>
</View>"""


def test_health_answers(label_studio: LabelStudioServer) -> None:
    with urllib.request.urlopen(f"{label_studio.url}/health", timeout=5) as response:
        assert json.load(response) == {"status": "UP"}


def test_server_process_is_the_one_listening(label_studio: LabelStudioServer) -> None:
    port = int(label_studio.url.rsplit(":", 1)[1])
    assert label_studio.url.startswith("http://127.0.0.1:")
    assert label_studio.pid is not None
    assert listener_is_process(port, label_studio.pid) is True


def test_token_works_with_the_sdk(label_studio: LabelStudioServer, label_studio_credentials: Credentials) -> None:
    client = LabelStudio(base_url=label_studio.url, api_key=label_studio.token, max_retries=0)
    assert client.users.whoami().email == label_studio_credentials.username
    project = client.projects.create(title="server smoke test", label_config=LABEL_CONFIG)
    try:
        imported = client.projects.import_tasks(
            project.id, request=[{"data": {"sentence": "Jokowi ke Bandung."}}], return_task_ids=True
        )
        assert imported.task_count == 1
        tasks = list(client.tasks.list(project=project.id, include="id,data"))
        assert [t.data["sentence"] for t in tasks] == ["Jokowi ke Bandung."]
    finally:
        client.projects.delete(project.id)


def test_stop_frees_the_port(tmp_path: Path, label_studio_template: Path) -> None:
    server = LabelStudioServer(tmp_path / "ls", template=label_studio_template)
    with server:
        port = int(server.url.rsplit(":", 1)[1])
        pid = server.pid
        assert port_in_use(port)
        assert (tmp_path / "ls" / DB_NAME).is_file()
    assert not port_in_use(port)
    assert server.pid is None
    assert not Path(f"/proc/{pid}").exists()
    assert "starting on 127.0.0.1" in server.log_path.read_text()
    with pytest.raises(LabelStudioError, match="not running"):
        _ = server.url


def test_busy_port_is_refused_not_moved(tmp_path: Path, label_studio_template: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        server = LabelStudioServer(tmp_path / "ls", port=port, template=label_studio_template)
        with pytest.raises(LabelStudioError, match=f"Port {port} on 127.0.0.1 is already in use"):
            server.start()


def test_a_data_dir_made_with_another_token_is_reported(tmp_path: Path, label_studio_template: Path) -> None:
    copy_data_dir(label_studio_template, tmp_path / "ls", Credentials.generate())
    other = Credentials.generate()
    server = LabelStudioServer(tmp_path / "ls", credentials=other)
    with pytest.raises(LabelStudioError, match="rejects the API token"):
        server.start()
    assert server.pid is None


def test_a_failed_start_shows_the_log_tail(tmp_path: Path) -> None:
    data_dir = tmp_path / "ls"
    data_dir.mkdir()
    (data_dir / DB_NAME).write_bytes(b"this is not an sqlite database" * 100)
    with pytest.raises(LabelStudioError, match=r"(?s)exited with code \d+ .*file is not a database"):
        LabelStudioServer(data_dir, start_timeout=120).start()


def test_a_failed_install_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NDB_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(LabelStudioError, match=r"(?s)label-studio==0\.0\.0.*Check that PyPI is reachable"):
        ensure_installed("0.0.0")
    assert not (tmp_path / "cache" / "label-studio-0.0.0" / "venv").exists()


@pytest.mark.parametrize("version", ["latest", "1.23", "1.23.2; rm -rf /"])
def test_a_bad_version_is_refused(version: str) -> None:
    with pytest.raises(LabelStudioError, match="is not a release number"):
        ensure_installed(version)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"username": "admin"}, "is not an e-mail address"),
        ({"password": "short"}, "shorter than 8 characters"),
        ({"token": "x" * 41}, "must be 6 to 40"),
        ({"token": "abc"}, "must be 6 to 40"),
        ({"token": "has space 123"}, "must be 6 to 40"),
    ],
)
def test_bad_credentials_are_refused(kwargs: dict[str, str], message: str) -> None:
    good = {"username": "admin@example.com", "password": "long-enough-password", "token": "abcdef123456"}
    with pytest.raises(ValueError, match=message):
        Credentials(**{**good, **kwargs})
