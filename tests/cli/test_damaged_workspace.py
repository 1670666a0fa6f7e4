"""Every command against every kind of damaged workspace (issue 18): one line naming the file, never a traceback."""

from __future__ import annotations

import errno
import shutil
import stat
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from builder.cli.app import app
from builder.workspace.layout import Workspace
from builder.workspace.parts import parts

runner = CliRunner()


@pytest.fixture(scope="module")
def base(examples_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with articles, sentences, pre-labels and one release."""
    root = tmp_path_factory.mktemp("base")
    ws, releases = str(root / "ws"), str(root / "releases")
    for args in (["ingest", str(examples_dir), "-w", ws, "--workers", "1"], ["prelabel", "-w", ws, "--workers", "1"],
                 ["release", "-w", ws, "--releases-dir", releases, "--version", "0.1.0"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
    return root


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _corrupt_footer(path: Path) -> None:
    data = bytearray(path.read_bytes())
    length = int.from_bytes(data[-8:-4], "little")
    start = len(data) - 8 - length
    data[start : start + length] = bytes((b ^ 0x5A) for b in data[start : start + length])  # the metadata, scrambled
    path.write_bytes(bytes(data))


def _first_part(folder: Callable[[Workspace], Path]) -> Callable[[Workspace], Path]:
    return lambda ws: parts(folder(ws))[0]


def _prelabel_folder(ws: Workspace) -> Path:
    latest = ws.latest_prelabels()
    assert latest is not None
    return latest


CASES: dict[str, tuple[Callable[[Workspace], Path], Callable[[Path], None]]] = {
    "truncated articles part": (_first_part(lambda ws: ws.articles_dir), _truncate),
    "0-byte sentences part": (_first_part(lambda ws: ws.sentences_dir), _empty),
    "corrupted footer of sentences part": (_first_part(lambda ws: ws.sentences_dir), _corrupt_footer),
    "damaged pre-label part": (_first_part(_prelabel_folder), _truncate),
    "deleted articles part": (_first_part(lambda ws: ws.articles_dir), lambda path: path.unlink()),
}


def _commands(root: Path, examples: Path) -> dict[str, list[str]]:
    ws, releases = str(root / "ws"), str(root / "releases")
    return {
        "ingest": ["ingest", str(examples), "-w", ws, "--workers", "1"],
        "prelabel": ["prelabel", "-w", ws, "--workers", "1"],
        "show": ["show", "-w", ws],
        "status": ["status", "-w", ws],
        "release": ["release", "-w", ws, "--releases-dir", releases, "--bump", "minor"],
    }


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_command_on_a_damaged_workspace(case: str, base: Path, tmp_path: Path, examples_dir: Path) -> None:
    root = tmp_path / "copy"
    shutil.copytree(base, root)
    choose, damage = CASES[case]
    damaged = choose(Workspace(root / "ws"))
    damage(damaged)
    for name, args in _commands(root, examples_dir).items():
        result = runner.invoke(app, args)
        output = result.output
        assert "Traceback" not in output, (name, output)
        assert result.exception is None or isinstance(result.exception, SystemExit), (name, repr(result.exception))
        assert result.exit_code != 0, (name, output)
        lines = [line for line in output.splitlines() if line.strip()]
        assert len(lines) == 1 or name in ("prelabel", "release") and lines[-1].startswith("error:"), (name, output)
        assert damaged.name in output.replace("\n", "") and "damaged" in output, (name, output)
    assert not (root / "releases" / "id_news" / "0.2.0").exists()


def test_export_of_a_damaged_release_names_the_file(base: Path, tmp_path: Path) -> None:
    root = tmp_path / "copy"
    shutil.copytree(base, root)
    release = root / "releases" / "id_news" / "0.1.0"
    data = sorted((release / "data").glob("*.parquet"))[0]
    data.chmod(stat.S_IWUSR | stat.S_IRUSR)
    _truncate(data)
    result = runner.invoke(app, ["export", str(release), "--out", str(tmp_path / "exports")])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert data.name in result.output.replace("\n", "") and "write the release again" in result.output


def test_eval_with_a_broken_gold_file_is_one_line(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_bytes(b'{"text": "Banjir di Jakarta.", "event_types": ["disaster"]}\n{broken\n')
    result = runner.invoke(app, ["eval", "events", str(gold)])
    assert result.exit_code != 0 and "Traceback" not in result.output, result.output
    assert isinstance(result.exception, SystemExit)
    assert "gold.jsonl" in result.output.replace("\n", "")


def test_disk_full_during_release_says_nothing_changed(base: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "copy"
    shutil.copytree(base, root)

    def full(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pq.ParquetWriter, "write_table", full)
    result = runner.invoke(app, ["release", "-w", str(root / "ws"), "--releases-dir", str(root / "releases"),
                                 "--bump", "minor"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    output = result.output.replace("\n", " ")
    assert "No space left on the device" in output and "ingest and release changed nothing" in output
    assert sorted(p.name for p in (root / "releases" / "id_news").iterdir()) == ["0.1.0"]


def test_disk_full_during_ingest_says_nothing_changed(examples_dir: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    def full(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pq.ParquetWriter, "write_table", full)
    ws = tmp_path / "ws"
    result = runner.invoke(app, ["ingest", str(examples_dir), "-w", str(ws), "--workers", "1"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "No space left on the device" in result.output
    assert Workspace(ws).count_articles() == 0 and not list(ws.rglob("*.tmp"))
