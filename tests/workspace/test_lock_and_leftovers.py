"""One writer at a time, and what a killed run leaves behind (issue 18)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from builder.ingest.run import IngestOptions, ingest
from builder.workspace.layout import Workspace
from builder.workspace.lock import LOCK_FILE, WorkspaceBusy
from builder.workspace.parts import iter_parquet


def many_articles(folder: Path, count: int, first: int = 0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(first, first + count):
        text = (f"Berita nomor {k}\n"
                f"JAKARTA – Warga kampung {k} menanam {k + 3} pohon di taman kota pada Senin pagi. "
                f"Kegiatan itu diikuti {k * 7 + 11} orang dari berbagai kelurahan. Mereka berharap taman itu "
                "menjadi lebih hijau dan sejuk untuk anak-anak.\n")
        (folder / f"{k:04d}.txt").write_text(text, encoding="utf-8")
    return folder


def test_second_writer_is_refused_naming_the_holder(workspace: Workspace) -> None:
    with workspace.lock("ingest") as held:
        assert held.note is None
        with pytest.raises(WorkspaceBusy) as busy, workspace.lock("prelabel"):
            pass
    message = str(busy.value)
    assert f"in use by `ingest` (pid {os.getpid()}, started " in message and "wait for it to finish" in message
    with workspace.lock("release"):  # released when the block ends
        pass


def test_lock_of_a_dead_process_is_taken_over_with_a_note(workspace: Workspace) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    workspace.root.mkdir(parents=True)
    (workspace.root / LOCK_FILE).write_text(json.dumps({"pid": pid, "command": "ingest",
                                                        "started": "2026-01-01T00:00:00Z"}))
    with workspace.lock("ingest") as held:
        assert held.note is not None
        assert f"`ingest` (pid {pid}, started 2026-01-01T00:00:00Z), which was killed or crashed" in held.note
    assert (workspace.root / LOCK_FILE).read_text() == ""  # a finished holder leaves no name behind


def test_two_concurrent_ingests_never_duplicate(tmp_path: Path) -> None:
    inputs = many_articles(tmp_path / "in", 400)
    ws = tmp_path / "ws"
    command = [sys.executable, "-m", "builder", "ingest", str(inputs), "--workspace", str(ws), "--workers", "1"]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(run.wait(timeout=300), run.stdout.read(), run.stderr.read()) for run in runs]  # type: ignore[union-attr]
    for code, _, stderr in results:
        assert "Traceback" not in stderr
        if code != 0:
            assert "is in use by `ingest` (pid" in stderr and "wait for it to finish" in stderr
    assert any(code == 0 for code, _, _ in results)
    workspace = Workspace(ws)
    assert workspace.count_articles() == 400
    ids = [i for b in iter_parquet(workspace.sentences_dir, ["id"]) for i in b.column("id").to_pylist()]
    assert len(ids) == len(set(ids))


KILLER = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from builder.ingest.run import IngestOptions, ingest
    from builder.workspace.layout import Workspace

    seen = []
    def on_file(path):
        seen.append(path)
        if len(seen) == 30:  # rows were flushed to the hidden parts: die the hard way
            os.kill(os.getpid(), signal.SIGKILL)

    ingest([Path(sys.argv[1])], workspace=Workspace(Path(sys.argv[2])),
           options=IngestOptions(batch_rows=1, workers=1, on_file=on_file))
""")


def test_sigkilled_ingest_leaves_nothing_that_counts_and_is_cleaned_next_run(tmp_path: Path) -> None:
    inputs = many_articles(tmp_path / "in", 40)
    ws = tmp_path / "ws"
    killed = subprocess.run([sys.executable, "-c", KILLER, str(inputs), str(ws)], capture_output=True, text=True)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    workspace = Workspace(ws)
    left = sorted(p.name for folder in (workspace.articles_dir, workspace.sentences_dir) for p in folder.glob(".*.tmp"))
    assert left and all(name.startswith(".part-") for name in left)
    assert workspace.count_articles() == 0  # nothing half-written is visible
    summary = ingest([inputs], workspace=workspace, options=IngestOptions(workers=1))
    assert summary.articles == 40
    kinds = [n.kind for n in summary.notices]
    assert kinds.count("leftover_removed") == len(left) and "lock_taken_over" in kinds
    assert not list(workspace.articles_dir.glob(".*.tmp")) and not list(workspace.sentences_dir.glob(".*.tmp"))


def test_articles_part_is_moved_into_place_last(tmp_path: Path, workspace: Workspace,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A run stopped between its renames must not leave articles whose sentences are missing (they
    would be skipped as duplicates forever)."""
    inputs = many_articles(tmp_path / "in", 3)
    moved: list[str] = []
    real = os.replace

    def spy(src, dst):  # noqa: ANN001, ANN202
        moved.append(Path(dst).parent.name)
        return real(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    ingest([inputs], workspace=workspace, options=IngestOptions(workers=1))
    parts_moved = [m for m in moved if m in ("articles", "sentences")]
    assert parts_moved == ["sentences", "articles"]


def test_disk_full_while_writing_leaves_the_workspace_as_it_was(tmp_path: Path, workspace: Workspace,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    first = many_articles(tmp_path / "a", 5)
    ingest([first], workspace=workspace, options=IngestOptions(workers=1))
    before = sorted(p.relative_to(workspace.root) for p in workspace.root.rglob("*") if p.is_file())
    real = pq.ParquetWriter.write_table

    def full(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pq.ParquetWriter, "write_table", full)
    with pytest.raises(OSError) as error:
        ingest([many_articles(tmp_path / "b", 5, first=100)], workspace=workspace, options=IngestOptions(workers=1))
    assert error.value.errno == errno.ENOSPC
    monkeypatch.setattr(pq.ParquetWriter, "write_table", real)
    after = sorted(p.relative_to(workspace.root) for p in workspace.root.rglob("*") if p.is_file())
    assert after == before
    assert workspace.count_articles() == 5
