"""Install Label Studio into its own virtualenv in the user's cache, once per version."""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

DEFAULT_VERSION = "1.23.2"
CACHE_DIR_ENV = "NDB_CACHE_DIR"
_INSTALLED_MARKER = ".ndb-installed"
_VERSION_RE = re.compile(r"\d+\.\d+\.\d+(?:[.-]?(?:a|b|rc|post|dev)\d+)*")


class LabelStudioError(RuntimeError):
    """Label Studio could not be installed, started or stopped."""


def cache_root() -> Path:
    """Where installs and templates are cached: `$NDB_CACHE_DIR`, else ~/.cache/news-dataset-builder."""
    configured = os.environ.get(CACHE_DIR_ENV)
    if configured:
        return Path(configured).expanduser().resolve()
    return Path.home() / ".cache" / "news-dataset-builder"


def version_dir(version: str = DEFAULT_VERSION) -> Path:
    """The cache directory of one Label Studio version (its venv and data templates)."""
    if not _VERSION_RE.fullmatch(version):
        raise LabelStudioError(
            f"Label Studio version {version!r} is not a release number; use one like {DEFAULT_VERSION!r}."
        )
    return cache_root() / f"label-studio-{version}"


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path` so parallel processes install or build only once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def tail(path: Path, lines: int = 30, start: int = 0) -> str:
    """The last lines of a text file from byte offset `start`, or a note that it is missing."""
    try:
        with path.open("rb") as handle:
            handle.seek(start)
            text = handle.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])


def ensure_installed(version: str = DEFAULT_VERSION) -> Path:
    """Install label-studio==version into its own venv on first use; return its `label-studio` executable."""
    root = version_dir(version)
    venv_dir = root / "venv"
    executable = venv_dir / "bin" / "label-studio"
    marker = venv_dir / _INSTALLED_MARKER
    if marker.is_file():
        return executable
    with file_lock(root / ".install.lock"):
        if marker.is_file():
            return executable
        if venv_dir.exists():
            log.warning("Removing unfinished Label Studio install at %s", venv_dir)
            shutil.rmtree(venv_dir)
        pip_log = root / "pip-install.log"
        log.info("Installing label-studio==%s into %s (once; takes a minute or two)", version, venv_dir)
        started = time.monotonic()
        steps = [
            [sys.executable, "-m", "venv", str(venv_dir)],
            [str(venv_dir / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check",
             f"label-studio=={version}"],
            # `label-studio version` would migrate a database in ~/.local/share; import it instead.
            [str(venv_dir / "bin" / "python"), "-c", "import label_studio; print(label_studio.__version__)"],
        ]
        with pip_log.open("w") as out:
            for step in steps:
                result = subprocess.run(
                    step, check=False, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
                )
                if result.returncode != 0:
                    shutil.rmtree(venv_dir, ignore_errors=True)
                    raise LabelStudioError(
                        f"Installing label-studio=={version} into {venv_dir} failed: "
                        f"`{' '.join(step)}` exited with {result.returncode}. Last lines of {pip_log}:\n"
                        f"{tail(pip_log)}\n"
                        "Check that PyPI is reachable (or set PIP_INDEX_URL) and run again, or use your own "
                        "Label Studio with --url / LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY."
                    )
        marker.write_text(json.dumps({"version": version, "seconds": round(time.monotonic() - started, 1)}))
        log.info("Installed label-studio==%s in %.0f s", version, time.monotonic() - started)
    return executable
