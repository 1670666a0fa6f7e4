"""Per-workspace secrets and telemetry of the embedded Label Studio, against real servers and the real CLI."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import requests

from annotation.embedded import embedded_server, login_file, workspace_credentials
from annotation.server import DB_NAME, Credentials, copy_data_dir, telemetry_environment
from builder.workspace.layout import Workspace

ROOT = Path(__file__).resolve().parents[2]
OLD_CONSTANTS = Credentials("admin@example.com", "ndb-local-password", "ndblocaltoken0123456789abcdef0123456789")


def log_in(url: str, email: str, password: str) -> requests.Session | None:
    """Log in through the web form as a person does; the session, or None if refused."""
    session = requests.Session()
    session.get(f"{url}/user/login/", timeout=30)
    answer = session.post(f"{url}/user/login/", allow_redirects=False, timeout=30,
                          data={"email": email, "password": password,
                                "csrfmiddlewaretoken": session.cookies["csrftoken"]},
                          headers={"Referer": f"{url}/user/login/"})
    return session if answer.status_code == 302 else None


def whoami(url: str, token: str) -> int:
    return requests.get(f"{url}/api/current-user/whoami", headers={"Authorization": f"Token {token}"},
                        timeout=30).status_code


def test_two_workspaces_get_different_secrets_kept_0600(tmp_path: Path) -> None:
    one, two = Workspace(tmp_path / "one"), Workspace(tmp_path / "two")
    first, second = workspace_credentials(one), workspace_credentials(two)
    assert first.password != second.password and first.token != second.token
    assert len(first.password) >= 20 and len(first.token) == 40
    assert workspace_credentials(one) == first, "read back, not made again"
    for ws in (one, two):
        assert stat.S_IMODE(login_file(ws).stat().st_mode) == 0o600
    assert "ndb-local-password" not in (ROOT / "annotation" / "server.py").read_text()
    assert "ndblocaltoken" not in (ROOT / "annotation" / "server.py").read_text()
    assert first.password not in repr(first) and first.token not in repr(first)


def test_each_server_answers_to_its_own_secrets_only(tmp_path: Path, label_studio_template: Path) -> None:
    one, two = Workspace(tmp_path / "one"), Workspace(tmp_path / "two")
    # `one` was made before per-workspace secrets, with the constants every install shared.
    copy_data_dir(label_studio_template, one.server_data_dir, OLD_CONSTANTS)
    with embedded_server(one) as server_one:
        mine = workspace_credentials(one)
        assert whoami(server_one.url, mine.token) == 200
        assert whoami(server_one.url, OLD_CONSTANTS.token) == 401
        assert whoami(server_one.url, workspace_credentials(two).token) == 401
        assert log_in(server_one.url, mine.username, OLD_CONSTANTS.password) is None
        session = log_in(server_one.url, mine.username, mine.password)
        assert session is not None
        page = session.get(f"{server_one.url}/projects/", timeout=30).text
        assert "sentry_dsn: null" in page and "collect_analytics: false" in page
        environ = Path(f"/proc/{server_one.pid}/environ").read_bytes().split(b"\0")
        assert b"SENTRY_DSN=" in environ and b"FRONTEND_SENTRY_DSN=" in environ
        assert b"COLLECT_ANALYTICS=false" in environ
    with embedded_server(two) as server_two:
        assert whoami(server_two.url, workspace_credentials(two).token) == 200
        assert whoami(server_two.url, mine.token) == 401
    secret_keys = {(ws.server_data_dir / ".env").read_text() for ws in (one, two)}
    assert len(secret_keys) == 2, "each data dir signs sessions with its own SECRET_KEY"
    assert not (label_studio_template / ".env").exists()
    for ws in (one, two):
        assert stat.S_IMODE(ws.server_data_dir.stat().st_mode) == 0o700
        assert stat.S_IMODE((ws.server_data_dir / DB_NAME).stat().st_mode) == 0o600


def test_telemetry_is_off_unless_the_user_opts_in() -> None:
    assert telemetry_environment({}) == {"SENTRY_DSN": "", "FRONTEND_SENTRY_DSN": "", "COLLECT_ANALYTICS": "false",
                                         "LATEST_VERSION_CHECK": "false"}
    chosen = telemetry_environment({"SENTRY_DSN": "https://key@sentry.example/1", "LABEL_STUDIO_COLLECT_ANALYTICS": "1",
                                    "PASSWORD": "not passed", "HOST": "0.0.0.0"})
    assert chosen["SENTRY_DSN"] == "https://key@sentry.example/1"
    assert chosen["LABEL_STUDIO_COLLECT_ANALYTICS"] == "1"
    assert "PASSWORD" not in chosen and "HOST" not in chosen


def serve_output(workspace: Path, *extra: str) -> str:
    """Run `builder serve` until it says it is ready, stop it with SIGTERM, and return what it printed."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    process = subprocess.Popen([sys.executable, "-m", "builder", "serve", "-w", str(workspace), "--port",
                                str(_free_port()), *extra], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    lines = []
    deadline = time.monotonic() + 180
    for line in process.stdout:
        lines.append(line)
        if "Ctrl-C stops it" in line or time.monotonic() > deadline:
            break
    process.send_signal(signal.SIGTERM)
    rest, _ = process.communicate(timeout=60)
    return "".join(lines) + rest


def _free_port() -> int:
    from annotation.server import free_port

    return free_port()


def test_serve_prints_the_password_only_with_show_login(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    quiet = serve_output(ws)
    credentials = workspace_credentials(Workspace(ws))
    assert "Label Studio is running at http://127.0.0.1:" in quiet, quiet
    assert credentials.password not in quiet and credentials.token not in quiet
    assert "--show-login" in quiet and str(login_file(Workspace(ws))) in quiet
    assert credentials.password not in (Workspace(ws).server_data_dir / "label-studio.log").read_text()
    shown = serve_output(ws, "--show-login")
    assert credentials.password in shown and credentials.token in shown, shown
    assert "Traceback" not in quiet + shown
