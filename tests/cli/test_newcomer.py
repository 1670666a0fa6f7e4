"""A newcomer's first run (issue 18): --version, an empty folder, release permissions, the demo's hint."""

from __future__ import annotations

import re
import shlex
import stat
from importlib import metadata
from pathlib import Path

from typer.testing import CliRunner

from builder.cli.app import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"builder {metadata.version('news-dataset-builder')}"


def test_ingesting_an_empty_folder_fails_clearly(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = runner.invoke(app, ["ingest", str(tmp_path / "empty"), "-w", str(tmp_path / "ws")])
    assert result.exit_code == 2
    assert "Nothing to ingest: no files in" in result.output and str(tmp_path / "empty") in result.output


def test_a_folder_with_no_readable_input_fails_clearly(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_bytes(b"")
    (folder / "b.pdf").write_bytes(b"%PDF")
    result = runner.invoke(app, ["ingest", str(folder), "-w", str(tmp_path / "ws")])
    assert result.exit_code == 1
    assert "No article could be read from 2 file(s): 2 input(s) skipped" in result.output.replace("\n", "")


def test_ingesting_the_same_folder_again_is_not_an_error(examples_dir: Path, tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    assert runner.invoke(app, ["ingest", str(examples_dir), "-w", ws, "--workers", "1"]).exit_code == 0
    again = runner.invoke(app, ["ingest", str(examples_dir), "-w", ws, "--workers", "1"])
    assert again.exit_code == 0, again.output  # every article is a duplicate: nothing new, nothing wrong
    assert "skipped: duplicate" in again.output


def test_release_is_readable_by_all_and_read_only(examples_dir: Path, tmp_path: Path) -> None:
    ws, releases = str(tmp_path / "ws"), tmp_path / "releases"
    assert runner.invoke(app, ["ingest", str(examples_dir), "-w", ws, "--workers", "1"]).exit_code == 0
    assert runner.invoke(app, ["prelabel", "-w", ws, "--workers", "1"]).exit_code == 0
    first = runner.invoke(app, ["release", "-w", ws, "--releases-dir", str(releases), "--version", "0.1.0",
                                "--export", "jsonl"])
    assert first.exit_code == 0, first.output
    target = releases / "id_news" / "0.1.0"
    folders = [target, *(p for p in target.rglob("*") if p.is_dir())]
    files = [p for p in target.rglob("*") if p.is_file()]
    assert {stat.S_IMODE(p.stat().st_mode) for p in folders} == {0o755}
    assert files and {stat.S_IMODE(p.stat().st_mode) for p in files} == {0o444}
    # The demo's hint: --bump minor finds the previous release in the same --releases-dir.
    second = runner.invoke(app, ["release", "-w", ws, "--releases-dir", str(releases), "--bump", "minor"])
    assert second.exit_code == 0, second.output
    assert (releases / "id_news" / "0.2.0").is_dir()


def test_demo_hint_commands_name_the_workspace_and_releases_dir() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    demo = makefile.split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    hints = [line for line in demo.splitlines() if line.strip().startswith("@echo") and "-m builder " in line]
    commands = {}
    for line in hints:
        for command in re.findall(r"-m builder (\w+)([^'\"]*)", line):
            commands[command[0]] = shlex.split(command[1])
    assert {"serve", "pull", "release"} <= set(commands)
    for name, args in commands.items():
        assert "--workspace" in args, name
    assert "--releases-dir" in commands["release"] and "--bump" in commands["release"]
    assert "venv: $(VENV)/.installed" in makefile and "demo: $(VENV)/.base" in makefile
    base = makefile.split("$(VENV)/.base: pyproject.toml", 1)[1].split("\n\n", 1)[0]
    assert "-e ." in base and "[test]" not in base and "ray" not in base
