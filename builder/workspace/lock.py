"""One writer at a time: the workspace lock, a `fcntl.flock` on `<workspace>/.lock`.

The kernel drops the lock when its holder exits, however it exits, so a lock can never be left
held by a dead process; the file keeps who held it last (pid, command, start time), which is how a
busy workspace names its holder and how a run notices that the previous one was killed.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

LOCK_FILE = ".lock"


class WorkspaceBusy(RuntimeError):
    """Another command is writing to the workspace."""


@dataclass(frozen=True)
class Holder:
    """Who holds (or last held) a workspace lock."""

    pid: int
    command: str
    started: str

    def describe(self) -> str:
        """`ingest` (pid 123, started 2026-01-01T10:00:00Z)."""
        return f"`{self.command}` (pid {self.pid}, started {self.started})"


@dataclass(frozen=True)
class Lock:
    """A held workspace lock; `note` says if it was taken over from a run that did not finish."""

    path: Path
    holder: Holder
    note: str | None


def _read_holder(handle: int) -> Holder | None:
    os.lseek(handle, 0, os.SEEK_SET)
    raw = os.read(handle, 4096)
    try:
        data = json.loads(raw.decode("utf-8")) if raw.strip() else None
        return Holder(int(data["pid"]), str(data["command"]), str(data["started"])) if data else None
    except (ValueError, KeyError, TypeError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _write_holder(handle: int, holder: Holder | None) -> None:
    os.ftruncate(handle, 0)
    if holder is not None:
        os.lseek(handle, 0, os.SEEK_SET)
        os.write(handle, json.dumps({"pid": holder.pid, "command": holder.command, "started": holder.started}).encode())
    os.fsync(handle)


@contextmanager
def file_lock(path: Path, command: str, *, wait: float | None = 0.0,
              on_wait: Callable[[str], None] | None = None) -> Iterator[Lock]:
    """Hold an exclusive lock on `path` while the block runs.

    When another process holds it: wait up to `wait` seconds (None: until it is free), telling
    `on_wait` once whom it waits for, then raise WorkspaceBusy naming the holder. A lock file left
    by a process that died is taken over; `Lock.note` says so."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = None if wait is None else time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _read_holder(handle)
                for _ in range(10):  # the holder writes its name just after taking the lock
                    if holder is not None:
                        break
                    time.sleep(0.05)
                    holder = _read_holder(handle)
                who = holder.describe() if holder else "another command"
                if deadline is not None and time.monotonic() >= deadline:
                    raise WorkspaceBusy(
                        f"{path.parent} is in use by {who}; wait for it to finish (one command writes to a "
                        "workspace at a time), or stop it and run this again"
                    ) from None
                if on_wait is not None and not told:
                    on_wait(f"waiting for {who} to finish (lock {path})")
                    told = True
                time.sleep(0.2)
        previous = _read_holder(handle)
        note = None
        if previous is not None and previous.pid != os.getpid():
            state = "was killed or crashed" if not _alive(previous.pid) else "did not finish"
            note = f"took over the lock of {previous.describe()}, which {state}; its unfinished files are cleaned up"
        holder = Holder(os.getpid(), command, f"{datetime.now(timezone.utc):%Y-%m-%dT%H:%M:%SZ}")
        _write_holder(handle, holder)
        try:
            yield Lock(path, holder, note)
        finally:
            _write_holder(handle, None)
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        os.close(handle)


def workspace_lock(root: Path, command: str, *, wait: float | None = 0.0,
                   on_wait: Callable[[str], None] | None = None) -> AbstractContextManager[Lock]:
    """The workspace's writer lock (`<root>/.lock`): see `file_lock`."""
    root.mkdir(parents=True, exist_ok=True)
    return file_lock(root / LOCK_FILE, command, wait=wait, on_wait=on_wait)
