"""Start and stop an embedded Label Studio on 127.0.0.1 with SQLite in a given directory (installed by install.py)."""

from __future__ import annotations

import base64
import contextlib
import ctypes
import hashlib
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import string
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from annotation.install import (
    DEFAULT_VERSION,
    LabelStudioError,
    ensure_installed,
    file_lock,
    tail,
    version_dir,
)

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
LOG_NAME = "label-studio.log"
DB_NAME = "label_studio.sqlite3"
TEMPLATE_NAME = "base"  # templates/<name>/: a migrated data dir with throwaway credentials
_TOKEN_RE = re.compile(r"[A-Za-z0-9]{6,40}")
# Only these variables of ours reach Label Studio: it reads plain USERNAME, PASSWORD, HOST,
# PORT, DEBUG, CI, ... (label_studio/core/utils/params.py get_env), so we pass no others.
_PASSED_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "TZ", "SYSTEMROOT")
#: Telemetry is off unless the user sets one of these (plain, LABEL_STUDIO_ or HEARTEX_ prefixed, as
#: label_studio/core/utils/params.py get_env reads them): Sentry error reports of the server
#: (core/settings/label_studio.py has a built-in DSN) and of the browser, usage analytics, version check.
TELEMETRY_OFF = {
    "SENTRY_DSN": "",
    "FRONTEND_SENTRY_DSN": "",
    "COLLECT_ANALYTICS": "false",
    "LATEST_VERSION_CHECK": "false",
}
_OPT_IN = (*TELEMETRY_OFF, "SENTRY_RATE", "SENTRY_ENVIRONMENT", "FRONTEND_SENTRY_RATE",
           "FRONTEND_SENTRY_ENVIRONMENT")
_OPT_IN_PREFIXES = ("", "LABEL_STUDIO_", "HEARTEX_")
#: What Label Studio 1.23.2 needs to accept an ML backend on 127.0.0.1: ML_BLOCK_LOCAL_IP off (the URL
#: check in ml/serializers.py and the HTTP adapter in ml/api_connector.py), and SSRF_PROTECTION_ENABLED
#: off, because adding a backend also adds a webhook to <url>/webhook (ml/models.py create_ml_webhook),
#: whose serializer (webhooks/serializers.py) refuses a loopback URL with an error that fails the whole
#: request. Both only widen which addresses the server itself may call; it still listens on 127.0.0.1.
LOCAL_ML_BACKENDS = {"ML_BLOCK_LOCAL_IP": "false", "SSRF_PROTECTION_ENABLED": "false"}
ADMIN_USERNAME = "admin@example.com"
#: Files of a data dir that are never copied from a template: `.env` holds Django's SECRET_KEY (it
#: signs sessions and JWTs), so every data dir makes its own on first start.
_NOT_COPIED = (LOG_NAME, ".env")


@dataclass(frozen=True, slots=True)
class Credentials:
    """The login and API token of the first (admin) user of an embedded Label Studio."""

    username: str
    password: str = field(repr=False)
    token: str = field(repr=False)

    def __post_init__(self) -> None:
        if "@" not in self.username or any(c.isspace() for c in self.username):
            raise ValueError(
                f"Label Studio username {self.username!r} is not an e-mail address; "
                "Label Studio logs users in by e-mail, so use one like 'admin@example.com'."
            )
        if len(self.password) < 8:
            raise ValueError("The Label Studio password is shorter than 8 characters; use a longer one.")
        if not _TOKEN_RE.fullmatch(self.token):
            raise ValueError(
                f"Label Studio API token {self.token[:4]}… ({len(self.token)} characters) must be 6 to 40 "
                "letters or digits: Label Studio ignores shorter ones and cannot store longer ones."
            )

    @classmethod
    def generate(cls, username: str = ADMIN_USERNAME) -> Credentials:
        """New random credentials: a 24-character password and a 40-hex-digit token (`secrets`)."""
        return cls(username, secrets.token_urlsafe(18), secrets.token_hex(20))


def django_password_hash(password: str, iterations: int = 1_000_000) -> str:
    """The password as Django's default hasher stores it (pbkdf2_sha256, Django 5.1's iteration count)."""
    alphabet = string.ascii_letters + string.digits
    salt = "".join(secrets.choice(alphabet) for _ in range(22))
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt.encode("ascii"), iterations)
    return f"pbkdf2_sha256${iterations}${salt}${base64.b64encode(digest).decode('ascii')}"


def set_login(data_dir: Path, credentials: Credentials) -> None:
    """Give the admin (first superuser) of a stopped server's database these credentials.

    Sets the e-mail, the password hash and the legacy API token, and ends every web session, so
    a data dir copied from a template answers to its own secrets only.
    """
    database = data_dir / DB_NAME
    if not database.is_file():
        raise LabelStudioError(f"{database} does not exist; start the server once to make it.")
    with contextlib.closing(sqlite3.connect(database, timeout=30)) as db, db:
        row = db.execute("SELECT id FROM htx_user WHERE is_superuser = 1 ORDER BY id LIMIT 1").fetchone()
        if row is None:
            raise LabelStudioError(f"{database} has no admin user; make the data dir with this tool.")
        user_id = int(row[0])
        db.execute("UPDATE htx_user SET email = ?, password = ? WHERE id = ?",
                   (credentials.username, django_password_hash(credentials.password), user_id))
        db.execute("DELETE FROM authtoken_token WHERE user_id = ?", (user_id,))
        db.execute("INSERT INTO authtoken_token (key, created, user_id) VALUES (?, datetime('now'), ?)",
                   (credentials.token, user_id))
        db.execute("DELETE FROM django_session")


def admin_token(data_dir: Path) -> str | None:
    """The legacy API token the admin of a data dir has now (None without a database)."""
    database = data_dir / DB_NAME
    if not database.is_file():
        return None
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)) as db:
        row = db.execute("SELECT t.key FROM authtoken_token t JOIN htx_user u ON u.id = t.user_id "
                         "WHERE u.is_superuser = 1 ORDER BY u.id LIMIT 1").fetchone()
    return None if row is None else str(row[0])


def telemetry_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Telemetry settings for the server: off, except what the user set in their own environment."""
    environ = os.environ if environ is None else environ
    chosen = dict(TELEMETRY_OFF)
    for name in _OPT_IN:
        for prefix in _OPT_IN_PREFIXES:
            if prefix + name in environ:
                chosen[prefix + name] = environ[prefix + name]
    return chosen


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def port_in_use(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        return sock.connect_ex((HOST, port)) == 0


def listener_is_process(port: int, pid: int) -> bool | None:
    """Whether the socket listening on 127.0.0.1:port belongs to `pid`; None where /proc cannot tell."""
    tcp = Path("/proc/net/tcp")
    if not tcp.is_file():
        return None
    wanted = f"0100007F:{port:04X}"
    inodes = set()
    for line in tcp.read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == wanted and fields[3] == "0A":  # 0A = LISTEN
            inodes.add(f"socket:[{fields[9]}]")
    try:
        links = {os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()}
    except (FileNotFoundError, PermissionError):
        return None
    return bool(inodes & links)


def copy_data_dir(template: Path, data_dir: Path, credentials: Credentials) -> None:
    """Fill an empty or missing `data_dir` with a copy of a migrated template, answering to `credentials`.

    The copy gets its own admin password and token (set_login) and no SECRET_KEY, and only its
    owner may read it (the database holds the token).
    """
    if not (template / DB_NAME).is_file():
        raise LabelStudioError(f"{template} has no {DB_NAME}; make it with ensure_template().")
    if data_dir.exists() and any(data_dir.iterdir()):
        raise LabelStudioError(f"{data_dir} is not empty; copy the template only into a new directory.")
    building = data_dir.with_name(f".{data_dir.name}.copying")
    shutil.rmtree(building, ignore_errors=True)
    shutil.copytree(template, building, ignore=shutil.ignore_patterns(*_NOT_COPIED))
    building.chmod(0o700)
    (building / DB_NAME).chmod(0o600)
    set_login(building, credentials)
    if data_dir.exists():
        data_dir.rmdir()
    building.rename(data_dir)


def ensure_template(version: str = DEFAULT_VERSION) -> Path:
    """A migrated data dir, made once per version (~40 s) and cached for copying; see copy_data_dir.

    It is made with throwaway random credentials: every copy is given its own.
    """
    templates = version_dir(version) / "templates"
    template = templates / TEMPLATE_NAME
    if (template / DB_NAME).is_file():
        return template
    with file_lock(templates / ".build.lock"):
        if (template / DB_NAME).is_file():
            return template
        building = templates / f".building-{TEMPLATE_NAME}"
        shutil.rmtree(building, ignore_errors=True)
        log.info("Making a migrated Label Studio data template at %s", template)
        with LabelStudioServer(building, credentials=Credentials.generate(), version=version):
            pass
        for name in _NOT_COPIED:
            (building / name).unlink(missing_ok=True)
        building.rename(template)
    return template


_PR_SET_PDEATHSIG = 1
_prctl = getattr(ctypes.CDLL(None), "prctl", None) if sys.platform.startswith("linux") else None


def _die_with_parent() -> None:
    """In the child: ask Linux to SIGTERM the server when the thread that started it ends."""
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class LabelStudioServer:
    """A Label Studio process on 127.0.0.1 with SQLite in `data_dir`; use it as a context manager."""

    data_dir: Path
    port: int | None = None
    credentials: Credentials = field(default_factory=Credentials.generate)
    version: str = DEFAULT_VERSION
    template: Path | None = None
    #: Let the server connect to an ML backend on 127.0.0.1 (`builder ml-backend`); see LOCAL_ML_BACKENDS.
    local_ml_backends: bool = False
    start_timeout: float = 180.0
    stop_timeout: float = 15.0
    _process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)
    _bound_port: int | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir).resolve()
        if self.port is not None and not 1 <= self.port <= 65535:
            raise ValueError(f"Port {self.port} is not a TCP port; use 1-65535, or None for a free one.")

    @property
    def url(self) -> str:
        """The base URL, e.g. http://127.0.0.1:8080 (only while running)."""
        if self._bound_port is None:
            raise LabelStudioError("Label Studio is not running; call start() or use `with` first.")
        return f"http://{HOST}:{self._bound_port}"

    @property
    def token(self) -> str:
        """The admin user's legacy API token (header `Authorization: Token <token>`)."""
        return self.credentials.token

    @property
    def log_path(self) -> Path:
        """The server's stdout and stderr, appended to on every start."""
        return self.data_dir / LOG_NAME

    @property
    def pid(self) -> int | None:
        """The server's process id while it runs."""
        return self._process.pid if self._process and self._process.poll() is None else None

    def __enter__(self) -> LabelStudioServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Start the server and return once /health answers on our port with our process behind it."""
        if self._process is not None:
            raise LabelStudioError(f"Label Studio at {self.url} is already running (pid {self._process.pid}).")
        executable = ensure_installed(self.version)
        if self.template is not None and not (self.data_dir / DB_NAME).exists():
            copy_data_dir(self.template, self.data_dir, self.credentials)
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        if self.port is not None:
            if port_in_use(self.port):
                raise LabelStudioError(
                    f"Port {self.port} on {HOST} is already in use; stop what runs there, pick another "
                    "port, or leave the port out to use a free one."
                )
            self._start_on(executable, self.port)
            return
        for attempt in range(3):
            try:
                self._start_on(executable, free_port())
                return
            except _PortTaken:
                log.info("The free port was taken before Label Studio bound it; trying another (%d)", attempt + 1)
        raise LabelStudioError("Three free ports in a row were taken before Label Studio could bind them.")

    def _environment(self) -> dict[str, str]:
        """The whole environment of the server process: a few basics and our settings, nothing else."""
        env = {name: os.environ[name] for name in _PASSED_ENV if name in os.environ}
        env.update(
            LABEL_STUDIO_BASE_DATA_DIR=str(self.data_dir),
            DJANGO_DB="sqlite",
            LABEL_STUDIO_USERNAME=self.credentials.username,
            LABEL_STUDIO_PASSWORD=self.credentials.password,
            LABEL_STUDIO_USER_TOKEN=self.credentials.token,
            # Honoured only when the organisation is created, i.e. on the first start of a data dir.
            LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN="true",
            PYTHONUNBUFFERED="1",
        )
        env.update(telemetry_environment())
        if self.local_ml_backends:
            env.update(LOCAL_ML_BACKENDS)
        return env

    def _start_on(self, executable: Path, port: int) -> None:
        """Launch on one port and wait for it; raise _PortTaken if another process got the port first."""
        command = [
            str(executable), "start", "--no-browser", "--internal-host", HOST, "--port", str(port),
            # --debug only skips Label Studio's "port busy? take the next one" loop (server.py
            # _get_free_port), so a busy port fails loudly instead of moving silently.
            "--debug",
        ]
        log_start = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("ab") as log_file:
            log_file.write(f"\n=== {time.strftime('%Y-%m-%dT%H:%M:%S')} starting on {HOST}:{port}\n".encode())
            log_file.flush()
            self._process = subprocess.Popen(
                command,
                env=self._environment(),
                cwd=self.data_dir,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                # No server outlives a killed test run or CLI; the hook only calls prctl(2).
                preexec_fn=_die_with_parent,  # noqa: PLW1509
            )
        log.info("Started Label Studio (pid %d) on %s:%d, log %s", self._process.pid, HOST, port, self.log_path)
        try:
            self._wait_until_ready(self._process, port, log_start)
        except BaseException:
            self._terminate()
            raise
        self._bound_port = port

    def _wait_until_ready(self, process: subprocess.Popen[bytes], port: int, log_start: int) -> None:
        """Poll /health until it answers from our own process, or fail with the log's tail."""
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            code = process.poll()
            if code is not None:
                last_lines = tail(self.log_path, start=log_start)
                if "That port is already in use" in last_lines and self.port is None:
                    raise _PortTaken(port)
                raise LabelStudioError(
                    f"Label Studio exited with code {code} while starting on {HOST}:{port} "
                    f"(data dir {self.data_dir}). Last lines of {self.log_path}:\n{last_lines}"
                )
            if health_ok(port):
                if listener_is_process(port, process.pid) is False:
                    raise LabelStudioError(
                        f"Another process answers on {HOST}:{port}, not the Label Studio we started "
                        f"(pid {process.pid}); stop it or use another port."
                    )
                self._check_token(port)
                return
            time.sleep(0.25)
        raise LabelStudioError(
            f"Label Studio did not answer {HOST}:{port}/health within {self.start_timeout:.0f} s; "
            f"raise start_timeout if the machine is slow. Last lines of {self.log_path}:\n"
            f"{tail(self.log_path, start=log_start)}"
        )

    def _check_token(self, port: int) -> None:
        """Fail early, and say why, when the data dir was made with another token."""
        request = urllib.request.Request(
            f"http://{HOST}:{port}/api/current-user/whoami",
            headers={"Authorization": f"Token {self.credentials.token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10):
                return
        except urllib.error.HTTPError as error:
            if error.code in (401, 403):
                raise LabelStudioError(
                    f"Label Studio in {self.data_dir} rejects the API token for {self.credentials.username}: "
                    "the token is set only when a data dir is first made. Use the credentials it was made "
                    "with, or a new data dir."
                ) from error
            raise

    def stop(self) -> None:
        """Stop the server: SIGTERM, then SIGKILL after `stop_timeout` seconds."""
        self._terminate()
        self._bound_port = None

    def _terminate(self) -> None:
        """Terminate the process group we started, if it still runs."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=self.stop_timeout)
        except subprocess.TimeoutExpired:
            log.warning("Label Studio (pid %d) ignored SIGTERM for %.0f s; killing it", process.pid, self.stop_timeout)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=self.stop_timeout)
        log.info("Stopped Label Studio (pid %d)", process.pid)


class _PortTaken(LabelStudioError):
    """Another process bound the port we picked before Label Studio did."""


def health_ok(port: int) -> bool:
    """Whether GET /health on 127.0.0.1:port answers 200."""
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/health", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False
